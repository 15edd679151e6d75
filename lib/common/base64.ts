/**
 * Byte-to-text encodings: unpadded base64url (session tokens, resume bitfields) and lowercase
 * hex, over the built-in `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` / `toHex`
 * that Deno 2.9 has (and types). These wrappers keep one spelling of the options and one error.
 */

/** Encode bytes as unpadded base64url. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * Decode unpadded base64url.
 *
 * @throws {SyntaxError} when the text is not base64url
 */
export function decodeBase64Url(text: string): Uint8Array {
  // fromBase64 would also accept padding and whitespace; the text we write has neither.
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SyntaxError("Invalid base64url text");
  try {
    return Uint8Array.fromBase64(text, { alphabet: "base64url", lastChunkHandling: "loose" });
  } catch (cause) {
    throw new SyntaxError("Invalid base64url text", { cause });
  }
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return bytes.toHex();
}
