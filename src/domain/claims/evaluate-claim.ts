import type { TelemetrySeries } from '../telemetry-series.ts';
import type { BoundClaim, ChangeClaim, Claim, ClaimOp, ClaimVerdict, LoggedFigures, ValueAtClaim } from './claim.ts';
import { CLAIM_CHANNELS, channelValues, unitEdge, type UnitEdge } from './claim-channels.ts';

/** Samples further apart than this leave the time between them uncovered. */
export const MAX_SAMPLE_GAP_MS = 120_000;
/** A bound over a range the log covers less than this much of is not judged. */
export const MIN_COVERAGE = 0.8;
export const DEFAULT_VALUE_WINDOW_MS = 5 * 60_000;
export const DEFAULT_CHANGE_WINDOW_MS = 10 * 60_000;

/** The time range of telemetry a claim needs (inclusive from, exclusive to). */
export function claimSpanMs(claim: Claim): { fromMs: number; toMs: number } {
  switch (claim.kind) {
    case 'bound':
      return { fromMs: claim.fromMs, toMs: claim.toMs + 1 };
    case 'value_at': {
      const w = claim.windowMs ?? DEFAULT_VALUE_WINDOW_MS;
      return { fromMs: claim.atMs - w, toMs: claim.atMs + w + 1 };
    }
    case 'change': {
      const w = claim.windowMs ?? DEFAULT_CHANGE_WINDOW_MS;
      return { fromMs: claim.atMs - w, toMs: claim.atMs + w + 1 };
    }
  }
}

/**
 * Judges a claim against a device's telemetry: supported, contradicted, or not enough data, with
 * the logged figures in the claim's unit. Pure: the series may hold more than the claim's span.
 * Throws only when the claim's unit cannot measure its channel (validate with claimUnitProblem).
 */
export function evaluateClaim(series: TelemetrySeries, claim: Claim): ClaimVerdict {
  switch (claim.kind) {
    case 'bound':
      return evaluateBound(series, claim);
    case 'value_at':
      return evaluateValueAt(series, claim);
    case 'change':
      return evaluateChange(series, claim);
  }
}

function evaluateBound(series: TelemetrySeries, claim: BoundClaim): ClaimVerdict {
  const edge = unitEdge(claim.channel, claim.unit);
  const label = CLAIM_CHANNELS[claim.channel].label;
  const { ts, values } = samplesIn(series, claim.channel, claim.fromMs, claim.toMs);
  const bound = `${label} ${claim.op} ${fmt(claim.value)} ${edge.unit}`;
  if (values.length === 0) return noData(edge, { samples: 0, coveragePct: 0 }, `no ${label} samples between the two times: the log cannot say whether ${bound}`);
  const coverage = coverageOf(ts, claim.fromMs, claim.toMs);
  const limit = edge.value(claim.value);
  const slack = edge.delta(claim.tolerance ?? 0);
  const within = values.filter((v) => holds(v, claim.op, limit, slack)).length / values.length;
  const sorted = values.slice().sort((a, b) => a - b);
  const logged: LoggedFigures = {
    samples: values.length,
    coveragePct: round(coverage * 100),
    min: round(edge.back(sorted[0]!)),
    max: round(edge.back(sorted[sorted.length - 1]!)),
    median: round(edge.back(quantile(sorted, 0.5))),
    p90: round(edge.back(quantile(sorted, 0.9))),
    shareWithin: round(within, 3),
  };
  if (coverage < MIN_COVERAGE) {
    return noData(edge, logged, `the log covers only ${fmt(coverage * 100, 0)} % of the range (gaps over ${MAX_SAMPLE_GAP_MS / 60_000} min): not enough to judge whether ${bound}`);
  }
  const share = claim.share ?? 1;
  const figures = `logged ${fmt(logged.min!)}–${fmt(logged.max!)} ${edge.unit}, median ${fmt(logged.median!)}, p90 ${fmt(logged.p90!)}`;
  const held = `${fmt(within * 100, 1)} % of ${values.length} samples within the bound`;
  const needed = share >= 1 ? 'every sample' : `${fmt(share * 100, 0)} %`;
  return within >= share
    ? { verdict: 'supported', unit: edge.unit, logged, explanation: `${bound}: ${held} (needed ${needed}); ${figures}` }
    : { verdict: 'contradicted', unit: edge.unit, logged, explanation: `${bound} is not what the log shows: ${held} (needed ${needed}); ${figures}` };
}

function evaluateValueAt(series: TelemetrySeries, claim: ValueAtClaim): ClaimVerdict {
  const edge = unitEdge(claim.channel, claim.unit);
  const label = CLAIM_CHANNELS[claim.channel].label;
  const windowMs = claim.windowMs ?? DEFAULT_VALUE_WINDOW_MS;
  const { ts, values } = samplesIn(series, claim.channel, claim.atMs - windowMs, claim.atMs + windowMs);
  const stated = `${label} ${claim.op} ${fmt(claim.value)} ${edge.unit}`;
  if (values.length === 0) {
    return noData(edge, { samples: 0 }, `no ${label} sample within ${fmt(windowMs / 60_000, 1)} min of the moment: the log cannot say whether ${stated}`);
  }
  let k = 0;
  for (let i = 1; i < ts.length; i++) if (Math.abs(ts[i]! - claim.atMs) < Math.abs(ts[k]! - claim.atMs)) k = i;
  const valueAt = values[k]!;
  const logged: LoggedFigures = { samples: values.length, valueAt: round(edge.back(valueAt)), valueAtMs: ts[k]! };
  const ok = holds(valueAt, claim.op, edge.value(claim.value), edge.delta(claim.tolerance ?? 0));
  const when = ts[k] === claim.atMs ? 'at that moment' : `${fmt(Math.abs(ts[k]! - claim.atMs) / 1000, 0)} s ${ts[k]! < claim.atMs ? 'before' : 'after'} it`;
  const logText = `the log shows ${fmt(logged.valueAt!)} ${edge.unit} ${when}`;
  return ok
    ? { verdict: 'supported', unit: edge.unit, logged, explanation: `${stated}: ${logText}` }
    : { verdict: 'contradicted', unit: edge.unit, logged, explanation: `${stated} is not what the log shows: ${logText}` };
}

function evaluateChange(series: TelemetrySeries, claim: ChangeClaim): ClaimVerdict {
  const edge = unitEdge(claim.channel, claim.unit);
  const def = CLAIM_CHANNELS[claim.channel];
  const windowMs = claim.windowMs ?? DEFAULT_CHANGE_WINDOW_MS;
  const before = samplesIn(series, claim.channel, claim.atMs - windowMs, claim.atMs - 1).values;
  const after = samplesIn(series, claim.channel, claim.atMs, claim.atMs + windowMs).values;
  const minutes = fmt(windowMs / 60_000, 1);
  const stated = `${def.label} ${claim.direction} (compared ${minutes} min before and after)`;
  const samples = before.length + after.length;
  if (before.length === 0 || after.length === 0) {
    return noData(edge, { samples }, `no ${def.label} samples ${before.length === 0 ? 'before' : 'after'} the moment: the log cannot say whether it was ${claim.direction}`);
  }
  const minDelta = claim.minDelta === undefined ? def.minDelta : edge.delta(claim.minDelta);
  const was = quantile(before.slice().sort((a, b) => a - b), 0.5);
  const low = Math.min(...after);
  const high = Math.max(...after);
  const lowered = low <= was - minDelta;
  const raised = high >= was + minDelta;
  const logged: LoggedFigures = {
    samples,
    before: round(edge.back(was)),
    after: round(edge.back(claim.direction === 'lowered' ? low : high)),
    min: round(edge.back(Math.min(low, ...before))),
    max: round(edge.back(Math.max(high, ...before))),
  };
  const from = `${fmt(logged.before!)} ${edge.unit}`;
  const ok = claim.direction === 'lowered' ? lowered : raised;
  if (ok) return { verdict: 'supported', unit: edge.unit, logged, explanation: `${stated}: ${claim.direction} from ${from} to ${fmt(logged.after!)} ${edge.unit}` };
  const actually = raised
    ? `it was raised from ${from} to ${fmt(edge.back(high))} ${edge.unit}`
    : lowered
      ? `it was lowered from ${from} to ${fmt(edge.back(low))} ${edge.unit}`
      : `it stayed at ${from} (${fmt(edge.back(Math.min(low, was)))}–${fmt(edge.back(Math.max(high, was)))} ${edge.unit})`;
  return { verdict: 'contradicted', unit: edge.unit, logged, explanation: `${stated} is not what the log shows: ${actually}` };
}

function holds(v: number, op: ClaimOp, limit: number, slack: number): boolean {
  switch (op) {
    case '<=':
      return v <= limit + slack;
    case '<':
      return v < limit + slack;
    case '>=':
      return v >= limit - slack;
    case '>':
      return v > limit - slack;
  }
}

/** Valid (non-NaN) samples of a channel with fromMs ≤ ts ≤ toMs. */
function samplesIn(series: TelemetrySeries, channel: Claim['channel'], fromMs: number, toMs: number): { ts: number[]; values: number[] } {
  const column = channelValues(series, channel);
  const ts: number[] = [];
  const values: number[] = [];
  for (let i = lowerBound(series.tsMs, series.length, fromMs); i < series.length && series.tsMs[i]! <= toMs; i++) {
    const v = column[i]!;
    if (Number.isNaN(v)) continue;
    ts.push(series.tsMs[i]!);
    values.push(v);
  }
  return { ts, values };
}

function lowerBound(ts: Float64Array, length: number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Share of [fromMs, toMs] within MAX_SAMPLE_GAP_MS of neighbouring samples: a long silence is not evidence. */
function coverageOf(ts: readonly number[], fromMs: number, toMs: number): number {
  const span = toMs - fromMs;
  if (span <= 0) return ts.length > 0 ? 1 : 0;
  let uncovered = 0;
  const edges = [fromMs, ...ts, toMs];
  for (let i = 1; i < edges.length; i++) {
    const dt = edges[i]! - edges[i - 1]!;
    if (dt > MAX_SAMPLE_GAP_MS) uncovered += dt;
  }
  return Math.max(0, 1 - uncovered / span);
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function noData(edge: UnitEdge, logged: LoggedFigures, explanation: string): ClaimVerdict {
  return { verdict: 'not_enough_data', unit: edge.unit, logged, explanation };
}

const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  const v = Math.round(x * f) / f;
  return v === 0 ? 0 : v;
};
const fmt = (x: number, digits = 1): string => String(round(x, digits));
