/** Salted slow password hashes (scrypt); a password is never stored or logged in clear. */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { ScryptParams } from "./state/mod.ts";

/** scrypt cost: 16 MiB of memory and ~50 ms of one core per hash on this kind of machine. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** A stored password: base64 salt and hash, with the cost they were made with. */
export interface PasswordHash {
  salt: string;
  hash: string;
  params: ScryptParams;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Hash a new password with a fresh salt (off the event loop, on libuv's pool). */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params);
  return { salt: salt.toString("base64"), hash: hash.toString("base64"), params };
}

/** Check a password against a stored hash in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "base64");
  const actual = await derive(password, Buffer.from(stored.salt, "base64"), stored.params);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
