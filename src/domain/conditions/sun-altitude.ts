import { getPosition } from 'suncalc';

/**
 * The sun's apparent altitude above the horizon, in degrees, at a place and instant (suncalc:
 * the usual low-precision solar ephemeris, good to a fraction of a degree, refraction included).
 */
export function sunAltitudeDeg(tsMs: number, lat: number, lon: number): number {
  return getPosition(new Date(tsMs), lat, lon).altitude;
}

/**
 * Sunrise and sunset are defined by the sun's upper edge touching the horizon, which with
 * refraction is an altitude of −0.833° for the centre; between that and −6° (civil twilight)
 * street lights come on, and a driver sees as at night, so twilight counts as night here.
 */
export const DAYLIGHT_MIN_ALTITUDE_DEG = -0.833;

export function isDaylight(tsMs: number, lat: number, lon: number): boolean {
  return sunAltitudeDeg(tsMs, lat, lon) > DAYLIGHT_MIN_ALTITUDE_DEG;
}
