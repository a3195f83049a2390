import type { Charger } from '../domain/chargers/charger.ts';
import { haversineKm } from '../domain/geo-distance.ts';
import { addLabel, displayedRangeKm, dryRunCopy, emit, nearestCharger, outsideTempC, type DeviceContext } from './device-context.ts';
import { driveRoute, driveTo, type Destination } from './drive-to.ts';
import type { LegResult, LegScript } from './leg-runner.ts';
import type { BreakdownSubkind, ShortfallSubkind } from './moment-label.ts';
import { buildRoute, offsetPoint, type Route } from './route-builder.ts';
import { charge, park, tow } from './stationary-runner.ts';
import { plannedKwhPerKm } from './vehicle-physics.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

/**
 * Breakdowns and charge shortfalls, each with its ground-truth label. Shortfalls are made to
 * happen, not hoped for: a dry run (a copy of the car with a cloned PRNG, so it replays exactly
 * what the real run will do) finds the charge level that makes the next leg fall short.
 */

/** Drives to `to` with a breakdown on the way, then the aftermath (waiting, tow) and the label. True if it happened. */
export function breakdownLeg(ctx: DeviceContext, to: Destination, subkind: BreakdownSubkind, script: LegScript): boolean {
  const { v, rand } = ctx;
  const km = haversineKm(v.lat, v.lon, to.lat, to.lon);
  const route = buildRoute(rand, v.lat, v.lon, to.lat, to.lon, km > 15);
  const atKm = route.highway
    ? subkind === 'ramp_shutdown'
      ? route.highwayEndKm - 0.6
      : rand.uniform(route.highwayStartKm + 0.5, Math.max(route.highwayStartKm + 0.6, route.highwayEndKm - 2))
    : rand.uniform(0.15, 0.4) * route.distanceKm;
  const result = driveRoute(ctx, route, to.chargerId, { ...script, breakdown: { subkind, atKm } });
  if (result.outcome !== 'broken_down' || result.breakdownStartMs === null) {
    ctx.silent = false;
    if (result.outcome === 'stranded') rescueUnplanned(ctx, result);
    return false;
  }
  const stopLat = v.lat;
  const stopLon = v.lon;
  let note = '';
  const home = ctx.spec.home;
  if (subkind === 'loss_of_propulsion') {
    park(ctx, v.tsMs + rand.uniform(15, 90) * MIN, 'off');
    tow(ctx, home.lat, home.lon);
    note = 'propulsion lost at speed (P0A0F), coasted to a stop, towed';
  } else if (subkind === 'ramp_shutdown') {
    const sparse = rand.chance(0.5);
    ctx.silent = !sparse;
    park(ctx, v.tsMs + rand.uniform(20, 120) * MIN, 'off', 300);
    tow(ctx, home.lat, home.lon);
    if (ctx.silent) {
      ctx.silent = false;
      v.state = 'parked';
      emit(ctx);
    }
    note = sparse ? 'shut down on the exit ramp; sparse data, then towed' : 'shut down on the exit ramp; data stopped until after the tow';
  } else if (subkind === 'twelve_volt_failure') {
    // Dark from the failure to the workshop: the car reappears at home hours later.
    park(ctx, v.tsMs + rand.uniform(2, 6) * HOUR, 'off');
    tow(ctx, home.lat, home.lon);
    ctx.silent = false;
    v.state = 'parked';
    v.errorCodes = null;
    emit(ctx);
    note = 'low 12 V (U0100, B1325), data stopped at speed; reappears at home hours later, after a tow';
  } else {
    park(ctx, v.tsMs + rand.uniform(20, 60) * MIN, 'off');
    tow(ctx, home.lat, home.lon);
    note = 'battery over-temperature (P0A7E), derated, then shut down; towed';
  }
  v.errorCodes = null;
  v.state = 'parked';
  addLabel(ctx, { kind: 'breakdown', subkind, startMs: result.breakdownStartMs, endMs: v.tsMs, lat: stopLat, lon: stopLon, note });
  return true;
}

/** SoC on arrival after charging to `targetSocPct` and running `legs`, or −1 if the car strands (dry run). */
function arrivalSoc(ctx: DeviceContext, charger: Charger, targetSocPct: number, legs: (c: DeviceContext) => LegResult): number {
  const copy = dryRunCopy(ctx);
  charge(copy, charger, targetSocPct, copy.v.tsMs + 8 * HOUR);
  const r = legs(copy);
  return r.outcome === 'arrived' ? copy.v.socPct : -1;
}

/** Smallest charge level (between now and 100 %) with which the legs arrive with at least `minArrivalPct`; null if even 100 % is not enough. */
function chargeNeededFor(ctx: DeviceContext, charger: Charger, minArrivalPct: number, legs: (c: DeviceContext) => LegResult): number | null {
  let lo = ctx.v.socPct;
  let hi = 100;
  if (arrivalSoc(ctx, charger, hi, legs) < minArrivalPct) return null;
  for (let i = 0; i < 9; i++) {
    const mid = (lo + hi) / 2;
    if (arrivalSoc(ctx, charger, mid, legs) >= minArrivalPct) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** After a stranding: waiting for help, a tow to the nearest charger and a charge there. */
function rescue(ctx: DeviceContext): void {
  const { v, rand } = ctx;
  park(ctx, v.tsMs + rand.uniform(30, 150) * MIN, 'off');
  const { charger } = nearestCharger(ctx, v.lat, v.lon);
  tow(ctx, charger.lat, charger.lon);
}

/**
 * A stranding nobody planned (the careful driver misjudged): it is still a shortfall, so it gets
 * its label; the ground truth must not contain unlabelled strandings.
 */
export function rescueUnplanned(ctx: DeviceContext, r: LegResult): void {
  const stopLat = ctx.v.lat;
  const stopLon = ctx.v.lon;
  const strandedMs = ctx.v.tsMs;
  rescue(ctx);
  addLabel(ctx, { kind: 'charge_shortfall', subkind: 'stranded', startMs: r.belowReserveMs ?? strandedMs, endMs: ctx.v.tsMs, lat: stopLat, lon: stopLon, note: 'ran out of charge on an ordinary leg, towed to a charger' });
  afterArrival(ctx, nearestCharger(ctx, ctx.v.lat, ctx.v.lon).charger);
}

function afterArrival(ctx: DeviceContext, to: Charger): void {
  park(ctx, ctx.v.tsMs + ctx.rand.uniform(1, 5) * MIN);
  charge(ctx, to, ctx.rand.uniform(75, 90), ctx.v.tsMs + 10 * HOUR);
}

function publicChargers(ctx: DeviceContext): Charger[] {
  return ctx.chargers.filter((c) => c.chargerId.includes('-pub-'));
}

/** Runs one charge-shortfall scenario from where the car is; true if the labelled incident happened. */
export function runShortfall(ctx: DeviceContext, subkind: ShortfallSubkind): boolean {
  if (subkind === 'stranded') return stranded(ctx);
  if (subkind === 'cold_soak') return coldSoak(ctx);
  return departWithTooLittle(ctx, subkind);
}

/** A long drive away from any charger with what is in the battery: it runs dry. */
function stranded(ctx: DeviceContext): boolean {
  const { v, rand, spec } = ctx;
  const outside = outsideTempC(ctx.weather, v.tsMs);
  let km = ((v.socPct / 100) * spec.model.batteryKwh) / plannedKwhPerKm(spec.model, true, outside);
  const bearing = rand.uniform(0, 2 * Math.PI);
  for (let attempt = 0; attempt < 3; attempt++) {
    km = Math.min(900, km * 1.4 + 5);
    const to = offsetPoint(v.lat, v.lon, bearing, km);
    const route = buildRoute(rand, v.lat, v.lon, to.lat, to.lon, true);
    const copy = dryRunCopy(ctx);
    if (driveRoute(copy, route, null).outcome !== 'stranded') continue;
    const r = driveRoute(ctx, route, null);
    const stopLat = v.lat;
    const stopLon = v.lon;
    rescue(ctx);
    addLabel(ctx, { kind: 'charge_shortfall', subkind: 'stranded', startMs: r.belowReserveMs ?? r.endMs, endMs: v.tsMs, lat: stopLat, lon: stopLon, note: `ran out of charge ${r.drivenKm.toFixed(0)} km into a ${route.distanceKm.toFixed(0)} km drive, towed to a charger` });
    afterArrival(ctx, nearestCharger(ctx, v.lat, v.lon).charger);
    return true;
  }
  return false;
}

/**
 * cold_departure / arrived_below_reserve: the car stops at a public charger, takes less than the
 * next leg needs and leaves for another charger (home, or a public one).
 */
function departWithTooLittle(ctx: DeviceContext, subkind: 'cold_departure' | 'arrived_below_reserve'): boolean {
  const { v, rand, spec } = ctx;
  const first = nearestCharger(ctx, v.lat, v.lon, spec.home.chargerId).charger;
  if (haversineKm(v.lat, v.lon, first.lat, first.lon) > 0.3) {
    const r = driveTo(ctx, { lat: first.lat, lon: first.lon, chargerId: first.chargerId });
    if (r.outcome === 'stranded') rescueUnplanned(ctx, r);
    if (r.outcome !== 'arrived') return false;
    park(ctx, v.tsMs + rand.uniform(1, 4) * MIN);
  }
  // The next charger: far enough that the charge level decides whether the car makes it.
  const outside = outsideTempC(ctx.weather, v.tsMs);
  if (subkind === 'cold_departure' && outside > 2) return false;
  const wantKm = ((Math.min(100, v.socPct + 25) / 100) * spec.model.batteryKwh) / plannedKwhPerKm(spec.model, true, outside);
  const candidates = [spec.home, ...publicChargers(ctx)].filter((c) => c.chargerId !== first.chargerId);
  candidates.sort((a, b) => Math.abs(haversineKm(v.lat, v.lon, a.lat, a.lon) - wantKm) - Math.abs(haversineKm(v.lat, v.lon, b.lat, b.lon) - wantKm));
  const next = candidates[0]!;
  const route: Route = buildRoute(rand, v.lat, v.lon, next.lat, next.lon, true);
  const leg = (c: DeviceContext) => driveRoute(c, route, next.chargerId);
  const arriveAt = subkind === 'arrived_below_reserve' ? rand.uniform(1, 4) : 0.5;
  const needed = chargeNeededFor(ctx, first, arriveAt, leg);
  if (needed === null || needed < v.socPct + 1) return false;
  // Below reserve: exactly the level found. Cold departure: a little less, so it strands (or only just arrives).
  const target = subkind === 'arrived_below_reserve' ? needed : Math.max(v.socPct + 0.5, needed - rand.uniform(2, 10));
  const predicted = arrivalSoc(ctx, first, target, leg);
  if (subkind === 'arrived_below_reserve' ? predicted < 0.2 || predicted >= 5 : predicted >= 5) return false;
  charge(ctx, first, target, v.tsMs + 8 * HOUR);
  const departSoc = v.socPct;
  const r = driveRoute(ctx, route, next.chargerId);
  const stopLat = v.lat;
  const stopLon = v.lon;
  if (r.outcome === 'stranded') rescue(ctx);
  const what = r.outcome === 'stranded' ? `stranded after ${r.drivenKm.toFixed(0)} km` : `arrived with ${v.socPct.toFixed(1)} %`;
  addLabel(ctx, {
    kind: 'charge_shortfall',
    subkind,
    startMs: subkind === 'cold_departure' ? r.departMs : (r.belowReserveMs ?? r.endMs),
    endMs: v.tsMs,
    lat: stopLat,
    lon: stopLon,
    note: `left ${first.chargerId} with ${departSoc.toFixed(1)} % at ${r.minOutsideC.toFixed(0)} °C for ${route.distanceKm.toFixed(0)} km to ${next.chargerId}: ${what}`,
  });
  afterArrival(ctx, r.outcome === 'stranded' ? nearestCharger(ctx, v.lat, v.lon).charger : next);
  return true;
}

/**
 * An afternoon drive to a place without a charger (a cabin), a night in the cold (the pack cools,
 * the displayed range falls) and a morning drive home that the battery cannot finish. The cabin's
 * distance is searched with dry runs: the first distance at which the drive home falls short.
 */
function coldSoak(ctx: DeviceContext): boolean {
  const { v, rand, spec } = ctx;
  const home = spec.home;
  const bearing = rand.uniform(0, 2 * Math.PI);
  const localH = (((v.tsMs / HOUR + ctx.weather.utcOffsetH) % 24) + 24) % 24;
  // Arrive in the afternoon or evening; leave the next morning, 07:00–09:30 local time.
  const departMs = v.tsMs + (24 - localH + rand.uniform(7, 9.5)) * HOUR;
  const legs = (c: DeviceContext, km: number): { out: LegResult; back: LegResult | null; rangeBefore: number; rangeAfter: number } => {
    const cabin = offsetPoint(c.v.lat, c.v.lon, bearing, km);
    const out = driveRoute(c, buildRoute(c.rand, c.v.lat, c.v.lon, cabin.lat, cabin.lon, true), null);
    if (out.outcome !== 'arrived' || c.v.tsMs >= departMs) return { out, back: null, rangeBefore: 0, rangeAfter: 0 };
    const rangeBefore = displayedRangeKm(c, outsideTempC(c.weather, c.v.tsMs));
    park(c, departMs);
    const rangeAfter = displayedRangeKm(c, outsideTempC(c.weather, c.v.tsMs));
    const back = driveRoute(c, buildRoute(c.rand, c.v.lat, c.v.lon, home.lat, home.lon, true), home.chargerId);
    return { out, back, rangeBefore, rangeAfter };
  };
  let lo = 5;
  let hi = 400;
  const works = (km: number): 'short' | 'fine' | 'out_fails' => {
    const r = legs(dryRunCopy(ctx), km);
    if (r.back === null || r.out.outcome !== 'arrived' || r.back.departSocPct < 8) return 'out_fails';
    return r.back.outcome === 'stranded' ? 'short' : 'fine';
  };
  if (works(lo) !== 'fine' || works(hi) === 'fine') return false;
  for (let i = 0; i < 9; i++) {
    const mid = (lo + hi) / 2;
    if (works(mid) === 'fine') lo = mid;
    else hi = mid;
  }
  if (works(hi) !== 'short') return false;
  const r = legs(ctx, hi);
  if (r.back === null) return false;
  const stopLat = v.lat;
  const stopLon = v.lon;
  if (r.back.outcome === 'stranded') rescue(ctx);
  const what = r.back.outcome === 'stranded' ? `stranded after ${r.back.drivenKm.toFixed(0)} km` : `arrived with ${v.socPct.toFixed(1)} %`;
  addLabel(ctx, {
    kind: 'charge_shortfall',
    subkind: 'cold_soak',
    startMs: r.out.endMs,
    endMs: v.tsMs,
    lat: stopLat,
    lon: stopLon,
    note: `parked overnight at ${r.back.minOutsideC.toFixed(0)} °C; displayed range ${r.rangeBefore.toFixed(0)} → ${r.rangeAfter.toFixed(0)} km; then ${what} on the drive home`,
  });
  afterArrival(ctx, r.back.outcome === 'stranded' ? nearestCharger(ctx, v.lat, v.lon).charger : home);
  return r.back.outcome === 'stranded';
}
