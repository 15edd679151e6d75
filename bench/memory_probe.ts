/**
 * What new memory costs on this machine, measured at the start and the end of a run and printed
 * under the table: the first touch of fresh anonymous memory (page faults) beside touching it
 * again, and writing a new file from one buffer (the page cache's fresh pages). On the project's
 * VM a first touch of 1 GiB took 2.7–3.3 s, a second 0.05, and the same 1 GiB written into a new
 * file took 0.12 s in one run and 0.8–1.1 s in the next; every transfer here writes a new file,
 * so a run's figures are read beside these: they say what kind of machine the run had.
 */

const MIB = 1024 * 1024;
/** Enough to be timed, little enough to take under a second on a slow day. */
const PROBE_BYTES = 256 * MIB;
const WRITE_BYTES = 512 * 1024;

/** Seconds per GiB of each. */
export interface MemoryProbe {
  readonly firstTouchSPerGiB: number;
  readonly secondTouchSPerGiB: number;
  readonly newFileWriteSPerGiB: number;
}

function perGiB(startedMs: number, bytes: number): number {
  return (performance.now() - startedMs) / 1000 * (1024 * MIB / bytes);
}

/** Probe in `dir` (a file is written there and removed). */
export function probeMemory(dir: string): MemoryProbe {
  const fresh = new Uint8Array(PROBE_BYTES);
  let started = performance.now();
  fresh.fill(1);
  const firstTouchSPerGiB = perGiB(started, PROBE_BYTES);
  started = performance.now();
  fresh.fill(2);
  const secondTouchSPerGiB = perGiB(started, PROBE_BYTES);
  fresh.buffer.transfer(0); // freed now, not at the next collection

  const path = `${dir}/memory-probe.bin`;
  const chunk = new Uint8Array(WRITE_BYTES).fill(3);
  const file = Deno.openSync(path, { write: true, createNew: true });
  started = performance.now();
  try {
    for (let at = 0; at < PROBE_BYTES; at += WRITE_BYTES) {
      for (let done = 0; done < WRITE_BYTES;) done += file.writeSync(chunk.subarray(done));
    }
  } finally {
    file.close();
  }
  const newFileWriteSPerGiB = perGiB(started, PROBE_BYTES);
  Deno.removeSync(path);
  return { firstTouchSPerGiB, secondTouchSPerGiB, newFileWriteSPerGiB };
}

/** One line for under the table. */
export function describeProbe(when: string, probe: MemoryProbe): string {
  const s = (value: number) => `${value.toFixed(2)} s/GiB`;
  return `New memory ${when}: first touch ${s(probe.firstTouchSPerGiB)} (again ` +
    `${s(probe.secondTouchSPerGiB)}), writing a new file ${s(probe.newFileWriteSPerGiB)}`;
}
