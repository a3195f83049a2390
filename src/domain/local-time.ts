/**
 * Wall-clock time in a named zone (IANA, e.g. Africa/Casablanca) or a fixed offset (+01:00) to
 * UTC epoch milliseconds. Offsets come from Intl, so daylight-saving and Ramadan switches follow the
 * tz database rather than a constant.
 */

const FIXED_OFFSET = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

export function isValidTimeZone(zone: string): boolean {
  if (zone === 'UTC' || zone === 'Z' || FIXED_OFFSET.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Returns a function from local wall-clock fields (as if UTC) to real UTC milliseconds. */
export function localToUtcConverter(zone: string): (wallClockAsUtcMs: number) => number {
  if (zone === 'UTC' || zone === 'Z') return (ms) => ms;
  const fixed = FIXED_OFFSET.exec(zone);
  if (fixed) {
    const sign = fixed[1] === '-' ? -1 : 1;
    const offsetMs = sign * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0)) * 60_000;
    return (ms) => ms - offsetMs;
  }
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsetAt = (utcMs: number): number => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return asUtc - Math.floor(utcMs / 1000) * 1000;
  };
  // Offsets change at most a few times a year; cache them per local hour so a 1 Hz file costs one
  // Intl call per hour of data.
  const cache = new Map<number, number>();
  return (wallMs) => {
    const hourKey = Math.floor(wallMs / 3_600_000);
    let offset = cache.get(hourKey);
    if (offset === undefined) {
      // Two passes resolve the offset at the instant itself, not at the wall-clock guess.
      const first = offsetAt(wallMs);
      offset = offsetAt(wallMs - first);
      cache.set(hourKey, offset);
    }
    return wallMs - offset;
  };
}
