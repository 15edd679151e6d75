/**
 * A FakeApi that keeps files the way the tracker does, in memory, for tests of sharing and
 * downloads: upload_file answers `need_hashes` until every hash chunk is staged, file_info and
 * file_hashes serve what was uploaded, announce and stop_share are recorded.
 */
import { CommandError } from "../../common/errors.ts";
import { HASH_CHUNK_BYTES, SHA1_BYTES } from "../../common/hash.ts";
import { ErrorCode } from "../../wire/messages.ts";
import { FakeApi } from "./fake_api.ts";

interface FakeFile {
  fileId: string;
  size: number;
  pieceLength: number;
  sha1: string;
  hashes: Uint8Array;
}

/** A logged-in FakeApi with a file table. */
export function fakeFileTracker(user = "alice") {
  const files = new Map<string, FakeFile>(); // by group/name
  const hashes = new Map<string, Uint8Array>(); // by file id: what upload_file accepted
  const staged = new Map<string, Map<number, Uint8Array>>();
  const api = new FakeApi({
    stage_hashes: (args) => {
      const fileId = args.fileId as string;
      if (!staged.has(fileId)) staged.set(fileId, new Map());
      staged.get(fileId)!.set(args.chunk as number, args.hashes as Uint8Array);
      return {};
    },
    upload_file: (args) => {
      const key = `${args.group}/${args.name}`;
      const fileId = args.fileId as string;
      const existing = files.get(key);
      if (existing && existing.fileId !== fileId) {
        throw new CommandError(ErrorCode.NAME_EXISTS, `A different file "${args.name}" exists`);
      }
      const known = hashes.get(fileId) ?? assemble(staged.get(fileId), args.size as number);
      if (!known) throw new CommandError(ErrorCode.NEED_HASHES, "Send the piece hashes first");
      hashes.set(fileId, known);
      staged.delete(fileId);
      files.set(key, {
        fileId,
        size: args.size as number,
        pieceLength: args.pieceLength as number,
        sha1: args.sha1 as string,
        hashes: known,
      });
      return { added: !existing };
    },
    file_info: (args) => {
      const file = files.get(`${args.group}/${args.name}`);
      if (!file) throw new CommandError(ErrorCode.NO_SUCH_FILE, `No file "${args.name}"`);
      const pieces = file.hashes.length / SHA1_BYTES;
      const { fileId, size, pieceLength, sha1 } = file;
      return { fileId, size, pieceLength, pieces, sha1 };
    },
    file_hashes: (args) => {
      const all = hashes.get(args.fileId as string);
      if (!all) throw new CommandError(ErrorCode.NO_SUCH_FILE, "No such file");
      const chunk = args.chunk as number;
      return { hashes: all.slice(chunk * HASH_CHUNK_BYTES, (chunk + 1) * HASH_CHUNK_BYTES) };
    },
    announce: () => ({ known: true }),
    heartbeat: () => ({ known: true, leaseMs: 300 }),
    get_peers: () => ({ peers: [] }),
    get_ticket: () => ({ ticket: new Uint8Array([1, 2, 3]), expiresAt: Date.now() + 60_000 }),
  });
  api.user = user;
  return { api, files, hashes, staged, ops: () => api.calls.map((call) => call.op) };
}

function assemble(chunks: Map<number, Uint8Array> | undefined, size: number): Uint8Array | null {
  const pieces = Math.ceil(size / (512 * 1024));
  const all = new Uint8Array(pieces * SHA1_BYTES);
  for (let c = 0; c * HASH_CHUNK_BYTES < all.length; c++) {
    const chunk = chunks?.get(c);
    if (!chunk) return null;
    all.set(chunk, c * HASH_CHUNK_BYTES);
  }
  return all;
}
