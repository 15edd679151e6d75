/** Sizes and rates as people read them: `1.5 MiB`, `512 KiB`, `42 B`. */

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** A size for people: `512 B`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}
