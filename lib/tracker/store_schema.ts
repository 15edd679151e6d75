/**
 * The tracker database's layout (store.ts): the tables, the schema version and its upgrade, how a
 * database is opened, and an operation as the log stores it.
 */
import { decode } from "@msgpack/msgpack";
import { DatabaseSync } from "node:sqlite";
import { randomId } from "../common/ids.ts";
import type { OpBody, Operation } from "./state/mod.ts";

/** An operation as stored: `[origin, seq, wall, counter, key, requestId, encoded body]`. */
export type StoredOp = [string, number, number, number, string, string | null, Uint8Array];

/** Bump when the schema changes; `PRAGMA user_version` holds it. */
export const SCHEMA_VERSION = 2;

/**
 * A write's answer, kept for a retry of its request id, is a column of the operation that carries
 * that id (schema 2): the log's key is (origin, seq), in the order writes come, where a table and
 * an index keyed by request ids (schema 1) took an insert at a scattered place each, and SQLite
 * then wrote and synced a page of each per commit (writes/s +55% without them).
 */
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ops (
  origin TEXT NOT NULL, seq INTEGER NOT NULL, wall INTEGER NOT NULL, counter INTEGER NOT NULL,
  key TEXT NOT NULL, request_id TEXT, body BLOB NOT NULL, answer BLOB, PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
CREATE TABLE entities (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoint (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoint_requests (request_id TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Schema 1 to 2: each kept answer moves onto its operation (one no longer in the log is let go). */
const UPGRADE_FROM_1 = `
ALTER TABLE ops ADD COLUMN answer BLOB;
UPDATE ops SET answer = (SELECT result FROM answers WHERE answers.request_id = ops.request_id)
  WHERE request_id IS NOT NULL;
DROP INDEX IF EXISTS ops_by_request;
DROP TABLE answers;
`;

/** A row of `ops` as a {@linkcode StoredOp}. */
export function storedOpOf(row: Record<string, unknown>): StoredOp {
  return [
    String(row.origin),
    Number(row.seq),
    Number(row.wall),
    Number(row.counter),
    String(row.key),
    row.request_id === null ? null : String(row.request_id),
    row.body as Uint8Array,
  ];
}

/** A stored operation with its body decoded (not checked: the log holds checked ones). */
export function decodeStoredOp(
  [origin, seq, wall, counter, key, requestId, body]: StoredOp,
): Operation {
  return { origin, seq, hlc: { wall, counter }, key, requestId, body: decode(body) as OpBody };
}

/**
 * Open (or create) the database at `path`: WAL, `synchronous = FULL`, the schema made or upgraded.
 *
 * @throws {Error} when the file is from a newer schema version
 */
export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  const version = Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(`Database "${path}" has schema ${version}; this build knows ${SCHEMA_VERSION}`);
  }
  if (version === 0) {
    db.exec("BEGIN");
    db.exec(SCHEMA);
    db.prepare("INSERT INTO meta (key, value) VALUES ('tracker_id', ?)").run(randomId());
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } else if (version === 1) {
    db.exec("BEGIN");
    db.exec(UPGRADE_FROM_1);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  }
  return db;
}
