import { encodeBase64Url } from "./base64.ts";

/** User and group ids: 1 to 64 characters of `A-Z a-z 0-9 . _ -`. */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A random id: 16 bytes as base64url (22 characters). */
export function randomId(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
