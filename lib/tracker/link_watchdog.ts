/**
 * A replication link's watchdog: a network cut gives TCP no error (it retransmits into the void,
 * backing off for minutes), so a link on which no frame arrived for {@linkcode LINK_SILENCE_MS}
 * is closed, and the connector opens a new one. Idle connectors send an empty OPS every second,
 * which the acceptor ACKs, so a live link is never that quiet.
 */
import type { WireConnection } from "../wire/mod.ts";

/** A link silent this long is dead. */
export const LINK_SILENCE_MS = 4000;

/** Closes a link on which nothing arrived for {@linkcode LINK_SILENCE_MS}. */
export interface Watchdog {
  /** A frame arrived. */
  heard(): void;
  /** Whether it closed the link. */
  readonly isSilent: boolean;
  stop(): void;
}

/** Watch `wire`: closed once silent for {@linkcode LINK_SILENCE_MS}; `stop()` when done. */
export function watchSilence(wire: WireConnection): Watchdog {
  let last = performance.now();
  let isSilent = false;
  const timer = setInterval(() => {
    if (performance.now() - last < LINK_SILENCE_MS) return;
    isSilent = true;
    clearInterval(timer);
    wire.close();
  }, LINK_SILENCE_MS / 4);
  return {
    heard: () => last = performance.now(),
    get isSilent() {
      return isSilent;
    },
    stop: () => clearInterval(timer),
  };
}
