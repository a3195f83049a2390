import type { DeviceFacts } from '../devices/device-facts.ts';
import { withModelDefaults } from '../devices/model-defaults.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
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
  return { exhausted: Number.isFinite(socPct) && socPct <= limitPct, socPct, limitPct, cutoffSocPct, basis: known ? 'device' : 'default' };
}
