import assert from "node:assert/strict";
import { type Admission, ConnectionTable, type TrackedConnection } from "./connections.ts";

function admitted(admission: Admission): TrackedConnection {
  assert.equal(admission.kind, "admitted");
  return (admission as Extract<Admission, { kind: "admitted" }>).connection;
}

Deno.test("ConnectionTable.admit() evicts the oldest idle connection not logged in at the cap", () => {
  const table = new ConnectionTable({ maxConnections: 3, maxPerAddress: 10 });
  const evicted: string[] = [];
  const first = admitted(table.admit("10.0.0.1", () => evicted.push("first")));
  first.isLoggedIn = true;
  const second = admitted(table.admit("10.0.0.2", () => evicted.push("second")));
  second.inFlight = 1;
  admitted(table.admit("10.0.0.3", () => evicted.push("third")));
  const fourth = table.admit("10.0.0.4", () => evicted.push("fourth"));
  assert.equal(fourth.kind, "admitted");
  assert.deepStrictEqual(evicted, ["third"]);
  assert.equal(table.size, 3);
});

Deno.test("ConnectionTable.admit() refuses busy when every connection is in use", () => {
  const table = new ConnectionTable({ maxConnections: 2, maxPerAddress: 10 });
  admitted(table.admit("10.0.0.1", () => {})).isLoggedIn = true;
  admitted(table.admit("10.0.0.2", () => {})).inFlight = 1;
  const refused = table.admit("10.0.0.3", () => {});
  assert.equal(refused.kind, "busy");
  assert.match((refused as { message: string }).message, /^Tracker busy: 2 connections/);
  assert.equal(table.size, 2);
});

Deno.test("ConnectionTable.admit() makes room per address from that address only", () => {
  const table = new ConnectionTable({ maxConnections: 100, maxPerAddress: 2 });
  const evicted: string[] = [];
  admitted(table.admit("10.0.0.9", () => evicted.push("other")));
  admitted(table.admit("10.0.0.1", () => evicted.push("a1")));
  admitted(table.admit("10.0.0.1", () => evicted.push("a2")));
  admitted(table.admit("10.0.0.1", () => evicted.push("a3")));
  assert.deepStrictEqual(evicted, ["a1"]);
  for (const connection of [...Array(2)].map(() => table.admit("10.0.0.2", () => {}))) {
    admitted(connection).isLoggedIn = true;
  }
  const refused = table.admit("10.0.0.2", () => {});
  assert.equal(refused.kind, "busy");
  assert.match((refused as { message: string }).message, /from 10\.0\.0\.2 .*per address/);
});

Deno.test("ConnectionTable.remove() frees the slot of a closed connection", () => {
  const table = new ConnectionTable({ maxConnections: 1, maxPerAddress: 1 });
  const only = admitted(table.admit("10.0.0.1", () => {}));
  only.isLoggedIn = true;
  assert.equal(table.admit("10.0.0.1", () => {}).kind, "busy");
  table.remove(only);
  table.remove(only);
  assert.equal(table.admit("10.0.0.1", () => {}).kind, "admitted");
});
