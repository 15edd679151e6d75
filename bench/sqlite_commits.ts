/**
 * The tracker's baseline: SQLite's own commit rate on this machine, a process of its own. A
 * fresh database in the given folder, opened as lib/tracker/store.ts opens its own (node:sqlite,
 * `journal_mode = WAL`, `synchronous = FULL`), one table; then for `seconds` each:
 *
 * - `single`: one INSERT per transaction (BEGIN IMMEDIATE … COMMIT), the most a tracker could
 *   acknowledge if every write waited for a commit of its own
 * - `batched`: `BATCH` INSERTs per transaction, the rate group commit can reach
 *
 * Prints one JSON line: `{ singleCommitsPerS, batchedOpsPerS, batch }`.
 *
 * Usage: sqlite_commits.ts <folder> <seconds>
 */
import { DatabaseSync } from "node:sqlite";

const BATCH = 100;
const ROW_BYTES = 200;
const [dir, secondsText] = Deno.args;
const seconds = Number(secondsText);
if (!dir || !(seconds > 0)) throw new TypeError("Usage: sqlite_commits.ts <folder> <seconds>");

const db = new DatabaseSync(`${dir}/commits.sqlite`);
db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
db.exec("CREATE TABLE ops (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO ops (body) VALUES (?)");
const body = "x".repeat(ROW_BYTES);

/** Transactions of `perCommit` inserts until `seconds` have passed: inserts per second. */
function rate(perCommit: number): number {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let inserted = 0;
  while (performance.now() < deadline) {
    db.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < perCommit; i++) insert.run(body);
    db.exec("COMMIT");
    inserted += perCommit;
  }
  return inserted / ((performance.now() - started) / 1000);
}

const singleCommitsPerS = rate(1);
const batchedOpsPerS = rate(BATCH);
db.close();
console.log(JSON.stringify({ singleCommitsPerS, batchedOpsPerS, batch: BATCH }));
