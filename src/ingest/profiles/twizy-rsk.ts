import { invalidValue } from '../../domain/validate-chunk.ts';
import type { ImportProfile } from '../import-profile.ts';

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const CLOCK = /^(\d{1,2}):(\d{2}):(\d{2})$/;

/** `03/29/2021` or `7/1/2021` plus `HH:MM:SS`, local wall-clock time, to UTC ms. */
function twizyTimestamp([date, time]: unknown[], ctx: { localToUtc: (ms: number) => number }): unknown {
  const d = US_DATE.exec(String(date ?? '').trim());
  const t = CLOCK.exec(String(time ?? '').trim());
  const raw = `${String(date)} ${String(time)}`;
  if (!d || !t) return invalidValue(`Date/Time '${raw}' is not M/D/YYYY and HH:MM:SS`);
  const [month, day, year] = [+d[1]!, +d[2]!, +d[3]!];
  const wall = Date.UTC(year, month - 1, day, +t[1]!, +t[2]!, +t[3]!);
  // Some rows carry corrupt dates such as 03/00/2000 or 30/00/2006; Date.UTC would quietly roll
  // them into another month, so a date that does not round-trip is refused.
  const back = new Date(wall);
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || +t[1]! > 23) return invalidValue(`Date/Time '${raw}' is not a valid M/D/YYYY date and time`);
  return ctx.localToUtc(wall);
}

/**
 * The GPS module writes latitude 0 (with a valid longitude) when it has no fix, and now and then a
 * longitude that is not degrees at all (1555.6333 in T3_06_07_2021). Such a fix is not trusted; the
 * rest of the row (speed, SoC) is still good, so the row is kept with its position left out.
 */
function gpsUntrusted(lat: unknown, lon: unknown): boolean {
  const la = Number(lat);
  const lo = Number(lon);
  return lat === '' || lon === '' || la === 0 || lo === 0 || !(Math.abs(la) <= 90) || !(Math.abs(lo) <= 180);
}

/**
 * RSK Twizy EV dataset (NaitMalek et al., IEEE Access 2022; CC BY 4.0): 1 Hz CAN + GPS logs of a
 * Renault Twizy around Rabat–Salé–Kénitra. Times are local (Morocco): Africa/Casablanca follows the
 * tz database, including the switch to UTC+0 during Ramadan (13 Apr – 16 May 2021).
 */
export const twizyRskProfile: ImportProfile = {
  name: 'twizy-rsk',
  description: 'RSK Twizy EV dataset: Date (M/D/YYYY) + Time local, Soc %, Speed km/h, Mode gear, LAT/LON/ALT, Temperature °C',
  defaultTz: 'Africa/Casablanca',
  columns: {
    ts: { sources: ['Date', 'Time'], compute: twizyTimestamp },
    soc_pct: 'Soc',
    speed_kph: 'Speed',
    state: 'Mode',
    lat: { sources: ['LAT', 'LON'], compute: ([lat, lon]) => (gpsUntrusted(lat, lon) ? null : lat) },
    lon: { sources: ['LAT', 'LON'], compute: ([lat, lon]) => (gpsUntrusted(lat, lon) ? null : lon) },
    alt_m: { sources: ['ALT', 'LAT', 'LON'], compute: ([alt, lat, lon]) => (gpsUntrusted(lat, lon) ? null : alt) },
    outside_temp_c: 'Temperature',
    flags: { sources: ['LAT', 'LON'], compute: ([lat, lon]) => (gpsUntrusted(lat, lon) ? 'gps_invalid' : null) },
  },
};
