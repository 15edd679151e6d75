/**
 * Names and ids: the pattern of user and group names, random ids, and the check that a file
 * name is safe to use as one path component.
 */
import { encodeBase64Url } from "./base64.ts";

/** User and group ids: 1 to 64 characters of `A-Z a-z 0-9 . _ -`. */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A random id: 16 bytes as base64url (22 characters). */
export function randomId(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * A key's printable name: its raw 32 bytes as base64url (43 characters). A peer's id is its
 * identity key's fingerprint; a tracker prints its own, and tracker_info.txt may pin it.
 */
export function keyFingerprint(key: Uint8Array): string {
  return encodeBase64Url(key);
}

const FINGERPRINT_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** Whether `text` is a key fingerprint: 43 base64url characters that encode 32 bytes. */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT_PATTERN.test(text);
}

/** Longest file name accepted, in UTF-16 units (a common file system limit is 255 bytes). */
export const MAX_FILE_NAME_LENGTH = 255;

/**
 * Whether `name` is a plain file name that cannot escape a destination folder: not empty, no
 * path separator, no `..`, no control character.
 */
export function isSafeFileName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_FILE_NAME_LENGTH) return false;
  if (name === "." || name.includes("..") || name.includes("/") || name.includes("\\")) {
    return false;
  }
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}
