import { equal, ok } from "node:assert/strict";
import { formatHlc } from "./hlc.ts";
import { type TrackerView, trimPoint } from "./trim.ts";

const key = (origin: string, seq: number) =>
  `${formatHlc({ wall: seq * 10 + (origin === "A" ? 0 : 5), counter: 0 })}/${origin}/${seq}`;

Deno.test("trimPoint() is empty until every tracker holds something of every origin", () => {
  const views: TrackerView[] = [
    { trackerId: "A", vector: { A: 3 }, clock: { wall: 30, counter: 0 } },
    { trackerId: "B", vector: {}, clock: { wall: 1, counter: 0 } },
  ];
  equal(trimPoint(views, key), "");
  equal(trimPoint([], key), "");
});

Deno.test("trimPoint() stops at the least operation some tracker still lacks", () => {
  const views: TrackerView[] = [
    { trackerId: "A", vector: { A: 5, B: 2 }, clock: { wall: 50, counter: 0 } },
    { trackerId: "B", vector: { A: 3, B: 4 }, clock: { wall: 45, counter: 0 } },
  ];
  // A's ops 1..3 are everywhere; B's 1..2 are everywhere: the point is the lower of the two.
  const point = trimPoint(views, key);
  equal(point, [key("A", 3), key("B", 2)].sort()[0]);
  ok(key("A", 4) > point && key("B", 3) > point);
});

Deno.test("trimPoint() lets a quiet tracker's reported clock move the point on", () => {
  const views: TrackerView[] = [
    { trackerId: "A", vector: { A: 9, B: 1 }, clock: { wall: 95, counter: 0 } },
    { trackerId: "B", vector: { A: 9, B: 1 }, clock: { wall: 96, counter: 0 } },
  ];
  const point = trimPoint(views, key);
  ok(point > key("A", 9), "all of A is everywhere and A's clock is past it");
  ok(point > key("B", 1));
  equal(point, formatHlc({ wall: 95, counter: 1 }));
});
