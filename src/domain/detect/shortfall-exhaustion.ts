import type { DeviceFacts } from '../devices/device-facts.ts';
import { withModelDefaults } from '../devices/model-defaults.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { standingCodes, stateClass } from './breakdown-signals.ts';
import { robustValueAt, robustValueFrom } from './shortfall-signals.ts';

/**
 * Displayed SoC at which a car whose cut-off is not known is taken to stop for lack of energy.
 * Real cars cut propulsion somewhere between 0 and 2 % displayed (after a limp mode over the last
 * few %), so the highest of them is the default: a car that stops at 1.5 % with no power is out
 * of energy, not broken.
 */
export const DEFAULT_CUTOFF_SOC_PCT = 2;
/** Display steps finer than this are not resolution but noise; coarser than 1 % are not real gauges. */
const MIN_RESOLUTION_PCT = 0.1;
const MAX_RESOLUTION_PCT = 1;

/**
 * The SoC gauge's resolution, from the smallest non-zero step among the last `steps` changes of
 * the reading before index `i` (a gauge that shows whole % has steps of 1): a reading at the
 * cut-off can show up to one step above it. No change seen: a whole-% gauge is assumed.
 */
export function socResolutionPct(series: TelemetrySeries, i: number, steps = 50, maxSamples = 50_000): number {
  let step = Number.POSITIVE_INFINITY;
  let seen = 0;
  let next = Number.NaN;
  const stop = Math.max(0, i - maxSamples);
  for (let k = Math.min(i, series.length - 1); k >= stop && seen < steps; k--) {
    const v = series.socPct[k]!;
    if (!Number.isFinite(v)) continue;
    const d = Math.abs(next - v);
    if (d > 1e-9) {
      seen++;
      if (d < step) step = d;
    }
    next = v;
  }
  return Number.isFinite(step) ? Math.min(MAX_RESOLUTION_PCT, Math.max(MIN_RESOLUTION_PCT, step)) : MAX_RESOLUTION_PCT;
}

export interface Exhaustion {
  exhausted: boolean;
  /** SoC at the cut: the higher of the medians of the readings just before and just after it. */
  socPct: number;
  /** At or below this the battery is empty for this car: its cut-off plus one display step. */
  limitPct: number;
  cutoffSocPct: number;
  /** Where the cut-off came from. */
  basis: 'device' | 'default';
}

/**
 * Is the battery empty at sample `i` (where propulsion stopped)? Shared by the charge-shortfall
 * detector (which reports such a stop as `stranded`) and the breakdown detector (which then
 * leaves it alone), so a car that runs out of energy is reported once, as a shortfall.
 */
export function energyExhaustedAt(series: TelemetrySeries, i: number, device?: DeviceFacts): Exhaustion {
  const at = Math.max(0, Math.min(series.length - 1, i));
  const around = [robustValueAt(series.socPct, at, 5), robustValueFrom(series.socPct, at, series.length - 1, 5)].filter(Number.isFinite);
  const socPct = around.length ? Math.max(...around) : Number.NaN;
  const facts = withModelDefaults(device);
  const known = facts.cutoffSocPct !== undefined && Number.isFinite(facts.cutoffSocPct);
  const cutoffSocPct = known ? facts.cutoffSocPct! : DEFAULT_CUTOFF_SOC_PCT;
  const limitPct = cutoffSocPct + socResolutionPct(series, at);
  let exhausted = Number.isFinite(socPct) && socPct <= limitPct;
  // Without the car's own cut-off, a stop above the last half % is an empty battery if the car
  // limped there (power limited over the last few %, so it could no longer hold its speed), or if
  // nothing but the lost power says anything failed: real cars cut propulsion at 0–2 % displayed,
  // so a powerless stop there with no fresh fault code, no 'off' while moving and no hot pack is
  // the cut-off (a limp mode that tapers, or sits at what the road needs, shows no clear ceiling).
  if (exhausted && !known && socPct > EMPTY_ANYWAY_SOC_PCT) exhausted = limpedBefore(series, at, socPct) || !failureReportedNear(series, at);
  return { exhausted, socPct, limitPct, cutoffSocPct, basis: known ? 'device' : 'default' };
}

/** How far either side of the cut the car's own reports (codes, state, pack temperature) are read. */
const REPORT_WINDOW_MS = 3 * 60_000;
/** A pack this hot is a thermal fault, not an empty battery (breakdown rules' hotPackC). */
const HOT_PACK_C = 55;
/** Moving faster than this while reporting 'off' is a shutdown (breakdown rules' ownPowerKph). */
const OWN_POWER_KPH = 8;

/**
 * Did the car itself report a failure within REPORT_WINDOW_MS of sample `at`: a fault code that
 * was not standing before, 'off' while moving, or a pack above HOT_PACK_C? Then a stop at a low
 * gauge reading may be a breakdown that happened to come late in a charge, and only a limp mode
 * says the battery was empty.
 */
export function failureReportedNear(series: TelemetrySeries, at: number): boolean {
  const { tsMs } = series;
  const standing = standingCodes(series, at);
  for (let k = at; k >= 0 && tsMs[at]! - tsMs[k]! <= REPORT_WINDOW_MS; k--) if (reportsFailure(series, k, standing)) return true;
  for (let k = at + 1; k < series.length && tsMs[k]! - tsMs[at]! <= REPORT_WINDOW_MS; k++) if (reportsFailure(series, k, standing)) return true;
  return false;
}

function reportsFailure(series: TelemetrySeries, k: number, standing: ReadonlySet<string>): boolean {
  if ((series.errorCodes[k] ?? []).some((c) => !standing.has(c))) return true;
  if (series.batteryTempC[k]! >= HOT_PACK_C) return true;
  return series.speedKph[k]! > OWN_POWER_KPH && stateClass(series.state[k] ?? null) === 'off';
}

/** At or below this displayed SoC any car that stops is out of energy. */
const EMPTY_ANYWAY_SOC_PCT = 0.5;
/** The limp mode of real cars spans the last 2–3 % before the cut-off: the band is its upper end, so the speed before it is the car at full power. */
const LIMP_BAND_PCT = 3;
/** In limp mode the car settles at the speed the power limit pays for: clearly below its speed before. */
const LIMP_SPEED_RATIO = 0.85;
/**
 * …or, where the road still lets it hold its speed (downhill, a light car), its power sits at the
 * limiter's ceiling: a plateau (a share of the band's readings within a few % of one level; the
 * first moments of the band may still be above the limit) clearly below the peak of the 10 min
 * before, a level the car often exceeded then. Unlimited driving has no such plateau, and a
 * steady cruise at the power it held before is no limit.
 */
const LIMP_POWER_RATIO = 0.8;
const CEILING_TOLERANCE = 0.05;
const CEILING_SHARE = 0.3;
const ABOVE_BEFORE_SHARE = 0.25;
/** …judged on at least this many moving samples with power in the band (a handful proves nothing). */
const MIN_BAND_SAMPLES = 5;
/** Did the car drive its last LIMP_BAND_PCT before `stop` clearly slower, or power-limited, against the 10 min before that? */
function limpedBefore(series: TelemetrySeries, stop: number, stopSocPct: number): boolean {
  let bandStart = stop;
  while (bandStart > 0 && !(series.socPct[bandStart - 1]! >= stopSocPct + LIMP_BAND_PCT)) bandStart--;
  if (bandStart === 0) return true;
  const mean = (from: number, to: number) => {
    let sum = 0;
    let n = 0;
    for (let i = from; i < to; i++) if (series.speedKph[i]! > 2) (sum += series.speedKph[i]!), n++;
    return n > 0 ? sum / n : Number.NaN;
  };
  let earlyFrom = bandStart;
  while (earlyFrom > 0 && series.tsMs[bandStart]! - series.tsMs[earlyFrom - 1]! <= 10 * 60_000) earlyFrom--;
  const early = mean(earlyFrom, bandStart);
  const late = mean(bandStart, stop);
  // No speed to compare (a gap, a car that sat): the gauge decides.
  if (!Number.isFinite(early) || !Number.isFinite(late)) return true;
  return late <= LIMP_SPEED_RATIO * early || powerCapped(series, earlyFrom, bandStart, stop);
}

/** Moving samples of [bandStart, stop) pinned at a ceiling clearly under what the car drew in [earlyFrom, bandStart). */
export function powerCapped(series: TelemetrySeries, earlyFrom: number, bandStart: number, stop: number): boolean {
  const moving = (from: number, to: number) => {
    const out: number[] = [];
    for (let i = from; i < to; i++) if (series.speedKph[i]! > 2 && Number.isFinite(series.powerKw[i]!)) out.push(series.powerKw[i]!);
    return out;
  };
  const early = moving(earlyFrom, bandStart);
  const band = moving(bandStart, stop).sort((x, y) => y - x);
  if (early.length === 0 || band.length < MIN_BAND_SAMPLES) return false;
  const ceiling = plateauLevel(band);
  if (ceiling === null || !(ceiling > 0)) return false;
  const earlyPeak = Math.max(...early);
  const aboveBefore = early.filter((p) => p > (1 + CEILING_TOLERANCE) * ceiling).length / early.length;
  return ceiling <= LIMP_POWER_RATIO * earlyPeak && aboveBefore >= ABOVE_BEFORE_SHARE;
}

/** The highest level with at least CEILING_SHARE of the (descending) readings within ±CEILING_TOLERANCE of it, or null. */
function plateauLevel(descending: readonly number[]): number | null {
  const need = Math.ceil(CEILING_SHARE * descending.length);
  let lo = 0;
  let end = 0;
  // Both bounds only move down the list as the level falls: one pass.
  for (let hi = 0; hi < descending.length; hi++) {
    const level = descending[hi]!;
    if (level <= 0) return null;
    // Readings within the tolerance of `level`: [first ≤ level·(1+tol), last ≥ level·(1−tol)].
    while (descending[lo]! > level * (1 + CEILING_TOLERANCE)) lo++;
    end = Math.max(end, hi);
    while (end + 1 < descending.length && descending[end + 1]! >= level * (1 - CEILING_TOLERANCE)) end++;
    if (end - lo + 1 >= need) return level;
  }
  return null;
}
