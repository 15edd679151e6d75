// How numbers read on the page: the same units as the shell (KiB, MiB…).

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Bytes as "1.5 MiB". */
export function formatBytes(bytes) {
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Bytes per second as "1.5 MiB/s". */
export function formatRate(bytesPerSecond) {
  return `${formatBytes(Math.round(bytesPerSecond || 0))}/s`;
}

/** Seconds left as "1 min 5 s", or "–" when unknown. */
export function formatEta(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** What a state letter means. */
export const STATE_NAMES = { D: "downloading", C: "complete", F: "failed", P: "paused" };

/** Uploaded ÷ size, as the shell prints it. */
export function formatRatio(uploaded, size) {
  return size > 0 ? (uploaded / size).toFixed(2) : "–";
}

/** A clock time for the event log. */
export function formatTime(date = new Date()) {
  return date.toLocaleTimeString([], { hour12: false });
}
