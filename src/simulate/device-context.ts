import type { Charger } from '../domain/chargers/charger.ts';
import { haversineKm } from '../domain/geo-distance.ts';
import type { LegLabel, MomentLabel } from './moment-label.ts';
import type { Terrain } from './route-builder.ts';
import type { SeededRandom } from './seeded-random.ts';
import type { SeriesBuilder, VehicleState } from './series-builder.ts';
import type { SimulatorConfig, SiteSpec } from './simulator-config.ts';
import type { DeviceQuirks } from './telemetry-quirks.ts';
import { ratedRangeKm, type VehicleModel } from './vehicle-physics.ts';

export const DAY_MS = 86_400_000;

export interface DeviceSpec {
  deviceId: string;
  model: VehicleModel;
  fleet: string;
  climate: SiteSpec;
  home: Charger;
  setpointC: number;
  config: SimulatorConfig;
  quirks: DeviceQuirks;
  /** True SoC at which the BMS cuts propulsion (the car strands), and the limp mode above it. */
  cutoffSocPct: number;
  limpBelowSocPct: number;
  limpKw: number;
  /** Limp mode tapers power from full at `limpBelowSocPct` down to `limpKw` at the cut-off (else a step at the band's top). */
  limpTapered?: boolean;
  /** Whether the device's facts (battery, cut-off) are registered with the service. */
  registered: boolean;
}

/** Outside temperature: one mean per day (interpolated between noons) plus a diurnal swing peaking mid-afternoon local time. */
export interface Weather {
  startMs: number;
  dailyMeanC: Float64Array;
  swingC: number;
  /** Hours to add to UTC for local solar time at the fleet's longitude. */
  utcOffsetH: number;
}

export function outsideTempC(w: Weather, tsMs: number): number {
  const dayPos = (tsMs - w.startMs) / DAY_MS - 0.5;
  const last = w.dailyMeanC.length - 1;
  const d0 = Math.max(0, Math.min(last, Math.floor(dayPos)));
  const d1 = Math.min(last, d0 + 1);
  const f = Math.max(0, Math.min(1, dayPos - d0));
  const mean = w.dailyMeanC[d0]! * (1 - f) + w.dailyMeanC[d1]! * f;
  // sin of local solar hour, via a 1/4-hour table: called every simulated second, so cheap.
  const quarter = (tsMs / 900_000 + w.utcOffsetH * 4) % 96;
  const q = quarter < 0 ? quarter + 96 : quarter;
  const i = Math.floor(q);
  const g = q - i;
  return mean + w.swingC * (DIURNAL[i]! * (1 - g) + DIURNAL[i + 1]! * g);
}

/** sin(2π (h − 9) / 24) at each quarter hour, coldest at 03:00 and warmest at 15:00 local time. */
const DIURNAL = Float64Array.from({ length: 97 }, (_, k) => Math.sin((2 * Math.PI * (k / 4 - 9)) / 24));

/** Everything the runners of one device share: its spec, randomness, current state and outputs. */
export interface DeviceContext {
  spec: DeviceSpec;
  rand: SeededRandom;
  v: VehicleState;
  /** Null during a dry run: the physics runs, nothing is recorded. */
  out: SeriesBuilder | null;
  /** Suppresses emission (a connection drop, a dead 12 V system). */
  silent: boolean;
  /** A modem that never comes back: nothing is emitted before this (the window's end). */
  deadUntilMs: number | null;
  labels: MomentLabel[];
  legs: LegLabel[];
  chargers: readonly Charger[];
  weather: Weather;
  terrain: Terrain;
  endMs: number;
}

export function emit(ctx: DeviceContext): void {
  if (!ctx.out || ctx.silent) return;
  if (ctx.deadUntilMs !== null && ctx.v.tsMs < ctx.deadUntilMs) return;
  const v = ctx.v;
  const outside = outsideTempC(ctx.weather, v.tsMs);
  ctx.out.push(v, outside, displayedRangeKm(ctx, outside));
}

/** The dashboard's range: the energy above the car's cut-off, at the rated consumption for the conditions (0 at the cut-off). */
export function displayedRangeKm(ctx: DeviceContext, outsideC: number): number {
  const cutoff = ctx.spec.cutoffSocPct;
  return (Math.max(0, ctx.v.socPct - cutoff) / (100 - cutoff)) * ratedRangeKm(ctx.spec.model, ctx.v.packTempC, outsideC);
}

/** A copy that can be run forward to see what would happen, without touching the real one. */
export function dryRunCopy(ctx: DeviceContext): DeviceContext {
  return { ...ctx, rand: ctx.rand.clone(), v: { ...ctx.v }, out: null, labels: [], legs: [] };
}

export function nearestCharger(ctx: DeviceContext, lat: number, lon: number, exclude?: string): { charger: Charger; km: number } {
  let best: Charger = ctx.spec.home;
  let bestKm = Number.POSITIVE_INFINITY;
  for (const c of ctx.chargers) {
    if (c.chargerId === exclude) continue;
    const km = haversineKm(lat, lon, c.lat, c.lon);
    if (km < bestKm) {
      best = c;
      bestKm = km;
    }
  }
  return { charger: best, km: bestKm };
}

export function addLabel(ctx: DeviceContext, label: Omit<MomentLabel, 'labelId' | 'deviceId' | 'shapes'> & { shapes?: string[] }): void {
  if (!ctx.out) return;
  const shapes = [...(label.shapes ?? []), ...deviceShapes(ctx.spec)];
  ctx.labels.push({ labelId: `${ctx.spec.deviceId}/${label.kind}/${label.subkind}/${label.startMs}`, deviceId: ctx.spec.deviceId, ...label, shapes });
}

/** Shapes every label of the device carries: how its unit reports (so the evaluation can split by them). */
function deviceShapes(spec: DeviceSpec): string[] {
  const q = spec.quirks;
  const out: string[] = [];
  if (q.standingCode !== null) out.push('standing_code');
  if (q.wording !== 'words') out.push(`wording_${q.wording}`);
  if (q.parkedHeartbeatS === 0) out.push('silent_parked');
  if ((q.drivingSampleS ?? 1) > 1) out.push('sparse_modem');
  if ((q.gpsJitterM ?? 0) > 0) out.push('gps_jitter');
  if (spec.limpTapered) out.push('tapered_limp');
  return out;
}
