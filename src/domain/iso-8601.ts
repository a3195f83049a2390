/**
 * ISO 8601 date-times by their grammar, not by Date.parse (which takes `1 Z` for 2001 and
 * `March 7 2024 Z`): `YYYY-MM-DD[T ]hh:mm[:ss[.fff…]]` then `Z` or `±hh[:mm]`; with `dateOnly`
 * also `YYYY-MM-DD` (midnight UTC). Fields are range-checked (no 2024-02-30, no 25:00).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

export type IsoParse = { ok: true; ms: number; hasZone: boolean; wallMs: number } | { ok: false; reason: string };

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function parseIso8601(text: string, options: { dateOnly?: boolean } = {}): IsoParse {
  const m = DATE_TIME.exec(text);
  if (!m) return { ok: false, reason: 'is not an ISO 8601 time (YYYY-MM-DDThh:mm:ssZ)' };
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return { ok: false, reason: `has month ${mo}` };
  if (day < 1 || day > daysIn(year, month)) return { ok: false, reason: `has day ${d} in ${y}-${mo}` };
  if (h === undefined) {
    if (!options.dateOnly) return { ok: false, reason: 'has a date but no time of day' };
    const ms = Date.UTC(year, month - 1, day);
    return { ok: true, ms, hasZone: true, wallMs: ms };
  }
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `has time of day ${h}:${mi}${s ? `:${s}` : ''}` };
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; set the year back.
  const wallMs = year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
  if (z) return { ok: true, ms: wallMs, hasZone: true, wallMs };
  if (sign) {
    const offsetH = Number(oh);
    const offsetM = Number(om ?? 0);
    if (offsetH > 23 || offsetM > 59) return { ok: false, reason: `has offset ${sign}${oh}${om ? `:${om}` : ''}` };
    const offsetMs = (sign === '-' ? -1 : 1) * (offsetH * 60 + offsetM) * 60_000;
    return { ok: true, ms: wallMs - offsetMs, hasZone: true, wallMs };
  }
  return { ok: true, ms: wallMs, hasZone: false, wallMs };
}
