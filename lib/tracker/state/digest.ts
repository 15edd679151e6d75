/**
 * The state digest `status` reports: SHA-256 over every row in key order, each row as canonical
 * JSON. Trackers with equal digests hold equal durable state.
 */
import { createHash } from "node:crypto";
import { toHex } from "../../common/base64.ts";
import type { Entity } from "./entities.ts";

/** Hex SHA-256 over the rows, sorted by key. */
export function stateDigest(rows: ReadonlyMap<string, Entity>): string {
  const hash = createHash("sha256");
  for (const key of [...rows.keys()].sort()) {
    hash.update(key);
    hash.update("\0");
    hash.update(canonicalJson(rows.get(key)));
    hash.update("\n");
  }
  return hash.digest("hex");
}

/** JSON with object keys sorted and bytes as hex, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v instanceof Uint8Array) return toHex(v);
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
  });
}
