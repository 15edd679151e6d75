import { equal, match } from "node:assert/strict";
import { checkRow, keyOfEntity } from "./entity_schema.ts";
import type { Entity } from "./entities.ts";

const CREATION = "T1:1";
const SINCE = "0000000000000003e8000000T1:1";
const FILE_ID = "ab".repeat(20);

/** One row of every kind, as the state makes them. */
const ROWS: Entity[] = [
  {
    kind: "user",
    name: "ana",
    creation: CREATION,
    salt: "s",
    hash: "h",
    params: { N: 16, r: 1, p: 1 },
  },
  {
    kind: "group",
    name: "g",
    creation: CREATION,
    owner: "ana",
    members: [{ user: "ana", since: SINCE }],
    requests: [{ user: "ben", since: SINCE }],
  },
  {
    kind: "answers",
    user: "ben",
    answers: [{ group: "g", groupCreation: CREATION, isAccepted: false, at: 5 }],
  },
  { kind: "conflict", what: "group", name: "g", creation: "T2:1", ownerCreation: CREATION },
  { kind: "logout", user: "ana", userCreation: CREATION, peerId: "p", at: SINCE },
  {
    kind: "file",
    group: "g",
    groupCreation: CREATION,
    name: "a b.bin",
    fileId: FILE_ID,
    size: 10,
    pieceLength: 524288,
    pieceCount: 1,
    sha1: FILE_ID,
    sharers: [{ user: "ana", peerId: "p" }],
  },
  { kind: "hashes", fileId: FILE_ID, chunk: 0, hashes: new Uint8Array(20) },
  { kind: "tracker_key", trackerId: "T1", publicKey: new Uint8Array(32) },
  { kind: "tracker_address", trackerId: "T1", address: "127.0.0.1:7001" },
  { kind: "tracker_removed", trackerId: "T3" },
  {
    kind: "answer_set_aside",
    byCreation: CREATION,
    by: "ana",
    group: "g",
    user: "ben",
    accept: true,
  },
];

Deno.test("checkRow() takes every kind of row under its own key", () => {
  for (const row of ROWS) equal(checkRow(keyOfEntity(row), row), null, row.kind);
});

Deno.test("checkRow() refuses a row of no known kind, a bad field, or one under another key", () => {
  match(checkRow("x/1", { kind: "admin", name: "root" })!, /^row "x\/1": kind /);
  match(checkRow("user/ana", { ...ROWS[0], params: { N: 1, r: 1, p: 1 } })!, /params\.N/);
  match(checkRow("user/ana", { ...ROWS[0], extra: true })!, /^row "user\/ana": /);
  match(checkRow("group/g", { ...ROWS[1], owner: "../etc" })!, /owner/);
  equal(
    checkRow("user/eve", ROWS[0]),
    'row "user/eve" belongs under "user/ana"',
    "a row that would shadow another user",
  );
  match(checkRow("hashes/x/0", { ...ROWS[6], hashes: "not bytes" })!, /hashes/);
});
