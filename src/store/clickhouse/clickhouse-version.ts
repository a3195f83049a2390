/**
 * Row versions for ReplacingMergeTree and argMax reads: microseconds since the epoch on the real
 * clock (never a test's injected one), strictly increasing within a process (a later write of the same key always wins). Below 2^53, so they
 * stay exact as JS numbers.
 */
let last = 0;
export function nextVersion(): number {
  last = Math.max(last + 1, Date.now() * 1000);
  return last;
}

/**
 * Telemetry keeps the FIRST value stored for a (device_id, ts), but ReplacingMergeTree keeps the
 * highest version: so a telemetry row's version counts down from a fixed ceiling.
 */
export const FIRST_WINS_CEILING = 9_000_000_000_000_000;
export function firstWinsVersion(): number {
  return FIRST_WINS_CEILING - nextVersion();
}
