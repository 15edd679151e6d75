/**
 * Every check of downloaded bytes against the file's hashes, in one place: a piece from the
 * network before it is written ({@linkcode isGoodPiece}), a piece found on disk at resume (the
 * same check, from resume.ts), and the whole file once every piece is in
 * ({@linkcode wholeFileMismatch}). The piece hashes are bound to the file id (lib/common/hash.ts),
 * so a piece that passes is the piece the tracker registered.
 */
import { pieceSpan, sameBytes, sha1, SHA1_BYTES } from "../../common/hash.ts";

/** What a piece check needs of the file. */
export interface PieceHashes {
  readonly size: number;
  readonly pieceLength: number;
  /** 20 bytes per piece, in order. */
  readonly pieceHashes: Uint8Array;
}

/** Whether `data` is exactly piece `index` of `file`: its length and its SHA-1. */
export function isGoodPiece(file: PieceHashes, index: number, data: Uint8Array): boolean {
  const { length } = pieceSpan(index, file.size, file.pieceLength);
  if (data.length !== length) return false;
  const expected = file.pieceHashes.subarray(index * SHA1_BYTES, (index + 1) * SHA1_BYTES);
  return expected.length === SHA1_BYTES && sameBytes(sha1(data), expected);
}

/** Why the whole-file SHA-1 `digest` (hex) is not the expected one, or null when it is. */
export function wholeFileMismatch(expected: string, digest: string): string | null {
  return digest === expected
    ? null
    : `whole-file SHA-1 mismatch: expected ${expected}, got ${digest}`;
}
