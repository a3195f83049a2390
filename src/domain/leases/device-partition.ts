/**
 * Devices are grouped into a fixed number of partitions by a stable hash of their id, so the
 * unit of ownership (a lease) does not grow with the fleet and a device stays in its partition
 * across restarts and versions. FNV-1a (32 bit) over the UTF-8 bytes: cheap, stable, well spread
 * for short ids like `car-17`.
 */
export const DEFAULT_PARTITIONS = 64;

export function devicePartition(deviceId: string, partitions = DEFAULT_PARTITIONS): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(deviceId)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
