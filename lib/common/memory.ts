/**
 * Freeing large buffers now rather than at the next garbage collection. A transfer moves 512 KiB
 * pieces and 64 KiB records through a process hundreds of times a second; the collector frees
 * them late (and a worker thread that allocates little hardly ever), so a process's peak memory
 * grew with its throughput. A buffer released here must have no other view anyone still uses.
 */

/**
 * Free `bytes`' memory at once when it is the whole of its own buffer (a zero-length transfer
 * detaches it); a view into a larger or shared buffer is left alone.
 */
export function releaseBuffer(bytes: Uint8Array): void {
  const { buffer } = bytes;
  if (!(buffer instanceof ArrayBuffer) || buffer.resizable || buffer.detached) return;
  if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return;
  buffer.transfer(0);
}

/**
 * Free the whole buffer under `bytes`, which the caller owns with every view of it (a frame's
 * buffer, of which `bytes` is the payload); a shared or already detached buffer is left alone.
 */
export function releaseOwnedBuffer(bytes: Uint8Array): void {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && !buffer.resizable && !buffer.detached) buffer.transfer(0);
}
