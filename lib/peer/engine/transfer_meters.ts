/**
 * Rates each way for show_download, per peer: what we receive from each seeder (by address)
 * and what our own seeder sends to each downloader of this file (by peer id). Both come from
 * cumulative counters, sampled every second while a run lasts and when a status is asked for,
 * so a peer's rate never averages over the time since the user last looked.
 */
import type { PeerStatus } from "./types.ts";
import { RateMeter } from "./rate_meter.ts";

/** A cumulative counter and the meter its increments feed. */
interface Sampled {
  readonly meter: RateMeter;
  seen: number;
}

/** What {@linkcode TransferMeters.peers} joins. */
export interface PeerViews {
  /** The open links (none when not running). */
  readonly links: readonly {
    address: string;
    peerId: string;
    isChoked: boolean;
    inflight: number;
  }[];
  /** Bytes received by seeder address in this run. */
  readonly received: ReadonlyMap<string, number>;
  /** Bytes our seeder sent of this file by downloader peer id. */
  readonly uploadedTo: ReadonlyMap<string, number>;
  /** Receiving now (running and not waiting for peers): rates in are shown. */
  readonly isReceiving: boolean;
  /** Running now: rates out are shown. */
  readonly isRunning: boolean;
}

/** Per-peer rate meters of one download. */
export class TransferMeters {
  readonly #received = new Map<string, Sampled>();
  readonly #uploadedTo = new Map<string, Sampled>();
  readonly #uploaded: Sampled = { meter: new RateMeter(), seen: 0 };

  /** Feed the per-seeder meters with what the counters gained since the last sample. */
  sampleReceived(received: ReadonlyMap<string, number>): void {
    for (const [addr, bytes] of received) {
      // A new run starts its counters from 0 again.
      feed(this.#received, addr, bytes, { isReset: true });
    }
  }

  /** Feed the upload meters (in total and per peer id); returns the total. */
  sampleUploaded(total: number, byPeer: ReadonlyMap<string, number>): number {
    if (total > this.#uploaded.seen) this.#uploaded.meter.add(total - this.#uploaded.seen);
    this.#uploaded.seen = total;
    for (const [peerId, bytes] of byPeer) feed(this.#uploadedTo, peerId, bytes, { isReset: false });
    return total;
  }

  /** Bytes per second our seeder sends of this file now. */
  uploadRate(): number {
    return this.#uploaded.meter.rate();
  }

  /** The connected seeders, then the others that sent pieces this run, each way. */
  peers(views: PeerViews): PeerStatus[] {
    const { links, received, uploadedTo, isReceiving, isRunning } = views;
    const rateIn = (addr: string) => isReceiving ? this.#received.get(addr)?.meter.rate() ?? 0 : 0;
    const connected = links.map((link): PeerStatus => ({
      addr: link.address,
      peerId: link.peerId,
      bytes: received.get(link.address) ?? 0,
      rate: rateIn(link.address),
      uploaded: uploadedTo.get(link.peerId) ?? 0,
      uploadRate: isRunning ? this.#uploadedTo.get(link.peerId)?.meter.rate() ?? 0 : 0,
      isConnected: true,
      isChoked: link.isChoked,
      inflight: link.inflight,
    }));
    const linked = new Set(links.map((link) => link.address));
    const gone = [...received].filter(([addr]) => !linked.has(addr))
      .map(([addr, bytes]): PeerStatus => ({
        addr,
        bytes,
        rate: rateIn(addr),
        isConnected: false,
      }));
    return [...connected, ...gone];
  }
}

function feed(
  meters: Map<string, Sampled>,
  key: string,
  bytes: number,
  options: { isReset: boolean },
): void {
  let entry = meters.get(key);
  if (!entry) meters.set(key, entry = { meter: new RateMeter(), seen: 0 });
  if (options.isReset && bytes < entry.seen) entry.seen = 0;
  if (bytes > entry.seen) entry.meter.add(bytes - entry.seen);
  entry.seen = bytes;
}
