import type { TelemetrySeries } from '../telemetry-series.ts';

/**
 * What the breakdown rules read from the state and fault-code columns, independent of how a
 * telematics unit words them. Real units say `off`, `parked`, `P`, `N`, `D`, `ready`, `standby`;
 * some report a parked car as `off`, some never report `off` at all; some show a harmless code on
 * every row.
 */

/** The state as the rules need it: did the car say it was switched off, in neutral, parked? */
export type StateClass = 'off' | 'neutral' | 'parked' | 'driving' | 'charging' | 'unknown';

const WORDS: Record<string, StateClass> = {
  off: 'off',
  n: 'neutral',
  neutral: 'neutral',
  p: 'parked',
  park: 'parked',
  parked: 'parked',
  // Units that word the 12 V-only, high-voltage-off state of a parked car as standby or sleep.
  standby: 'parked',
  sleep: 'parked',
  asleep: 'parked',
  d: 'driving',
  r: 'driving',
  b: 'driving',
  drive: 'driving',
  driving: 'driving',
  reverse: 'driving',
  // The high-voltage system is live and the car will move on the pedal (the dashboard's READY).
  ready: 'driving',
  charging: 'charging',
  charge: 'charging',
  plugged: 'charging',
  plugged_in: 'charging',
};

export function stateClass(state: string | null): StateClass {
  if (state === null) return 'unknown';
  return WORDS[state.trim().toLowerCase()] ?? 'unknown';
}

/** EV/hybrid propulsion-system DTCs (SAE J2012 P0Axx, e.g. P0A0F engine failed to start, P0A7E pack over-temperature). */
export const POWERTRAIN_CODE = /^P0A/i;
/** Lost communication (Uxxxx) and low-voltage body codes (B13xx): what a failing 12 V supply produces. */
export const LOW_VOLTAGE_CODE = /^(U0|B13)/i;
export const THERMAL_CODE = /^P0A7[CDE]/i;

/**
 * How far back a code counts as "already there": the breakdown look-back (30 min), so a window
 * judged live sees exactly the rows a full run sees.
 */
export const STANDING_LOOKBACK_MS = 30 * 60_000;
/** Codes in the last minutes before a moment are its warnings, never "standing". */
export const STANDING_RECENT_MS = 5 * 60_000;
/** Standing at least this long is a park: what came before it is an earlier trip. */
const PARK_MS = 5 * 60_000;
/** A unit's first row after a silence below this speed (the car's own-power threshold) is a car setting off. */
const SETTING_OFF_KPH = 8;
/** A code on at least this share of the rows 5–30 min before the moment was there all along. */
export const STANDING_SHARE = 0.8;
/** …judged only when those rows span at least this long (a short history proves nothing). */
export const STANDING_MIN_SPAN_MS = 15 * 60_000;

/**
 * Codes that were there before the moment, so they are context and not evidence: shown while the
 * car stood before this drive (inside the look-back), or on most rows of the 5–30 minutes before
 * the moment. A harmless code on every row of a car must not turn a normal stop into a fault.
 */
export function standingCodes(series: TelemetrySeries, anchorIndex: number): Set<string> {
  const { tsMs, speedKph, errorCodes } = series;
  const anchorMs = tsMs[anchorIndex]!;
  const fromMs = anchorMs - STANDING_LOOKBACK_MS;
  const untilMs = anchorMs - STANDING_RECENT_MS;
  const standing = new Set<string>();
  const counts = new Map<string, number>();
  let rows = 0;
  let firstMs = Number.NaN;
  let lastMs = Number.NaN;
  // Walk back from the moment; from the last park (standing ≥ 5 min) on, the rows are before this drive.
  let beforeDrive = false;
  let stillUntilMs = Number.NaN;
  for (let k = anchorIndex; k >= 0 && tsMs[k]! >= fromMs; k--) {
    const v = speedKph[k]!;
    // The unit woke after at least 5 min of silence (silent while parked): what its first row
    // shows was there before this drive. Only rows inside the look-back decide, so a live window
    // judges this like a full run.
    const woke = tsMs[k]! - PARK_MS >= fromMs && (k === 0 || tsMs[k - 1]! < tsMs[k]! - PARK_MS);
    if (Number.isFinite(v) && v < 3) {
      if (Number.isNaN(stillUntilMs)) stillUntilMs = tsMs[k]!;
      // Parked for 5 min.
      if (!beforeDrive && stillUntilMs - tsMs[k]! >= PARK_MS && anchorMs - tsMs[k]! > STANDING_RECENT_MS) beforeDrive = true;
    } else if (Number.isFinite(v)) stillUntilMs = Number.NaN;
    // Woken at walking pace or standing, the car was setting off: its first row is before this
    // drive however soon the moment follows (a code it set off with is no warning of the moment).
    const settingOff = woke && Number.isFinite(v) && v < SETTING_OFF_KPH;
    if (!beforeDrive && woke && (anchorMs - tsMs[k]! > STANDING_RECENT_MS || settingOff)) beforeDrive = true;
    const codes = errorCodes[k];
    if (beforeDrive && codes) for (const c of codes) standing.add(c);
    if (tsMs[k]! <= untilMs) {
      rows++;
      if (Number.isNaN(lastMs)) lastMs = tsMs[k]!;
      firstMs = tsMs[k]!;
      for (const c of codes ?? []) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  if (rows > 0 && lastMs - firstMs >= STANDING_MIN_SPAN_MS) {
    for (const [c, n] of counts) if (n / rows >= STANDING_SHARE) standing.add(c);
  }
  return standing;
}
