/**
 * Every check of downloaded bytes against the file's hashes, in one place: a piece from the
 * network before it is written ({@linkcode isGoodPiece}), the pieces a resume record lists, found
 * on disk ({@linkcode verifyPieces}), and the whole file once every piece is in
 * ({@linkcode wholeFileMismatch}). The piece hashes are bound to the file id (lib/common/hash.ts),
 * so a piece that passes is the piece the tracker registered.
 */
import { pieceSpan, sameBytes, sha1, SHA1_BYTES } from "../../common/hash.ts";
import { Bitfield } from "../../wire/bitfield.ts";

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

/** Where {@linkcode verifyPieces} reads the pieces from. */
export interface PieceSource {
  readonly size: number;
  /** Fill `into` from byte `position` on. */
  read(position: number, into: Uint8Array): Promise<void>;
}

/**
 * Re-check the pieces `listed` says are on disk, in file order, one piece in memory at a time.
 *
 * @param onVerified called in order with each piece that still matches its hash (the bytes are
 *   only valid during the call); the next piece is read once what it returns has resolved
 * @returns the pieces that matched
 */
export async function verifyPieces(
  source: PieceSource,
  listed: Bitfield,
  options: {
    pieceLength: number;
    pieceHashes: Uint8Array;
    onVerified?: (index: number, data: Uint8Array) => void | Promise<void>;
    signal?: AbortSignal;
  },
): Promise<Bitfield> {
  const { pieceLength, pieceHashes } = options;
  const file = { size: source.size, pieceLength, pieceHashes };
  const kept = new Bitfield(listed.length);
  const buffer = new Uint8Array(Math.min(pieceLength, source.size));
  for (let index = 0; index < listed.length; index++) {
    if (!listed.has(index)) continue;
    options.signal?.throwIfAborted();
    const { position, length } = pieceSpan(index, source.size, pieceLength);
    const data = buffer.subarray(0, length);
    await source.read(position, data);
    if (!isGoodPiece(file, index, data)) continue;
    kept.set(index);
    await options.onVerified?.(index, data);
  }
  return kept;
}

/** Why the whole-file SHA-1 `digest` (hex) is not the expected one, or null when it is. */
export function wholeFileMismatch(expected: string, digest: string): string | null {
  return digest === expected
    ? null
    : `whole-file SHA-1 mismatch: expected ${expected}, got ${digest}`;
}
