import type { Charger } from '../domain/chargers/charger.ts';
import { haversineKm } from '../domain/geo-distance.ts';
import { addLabel, displayedRangeKm, dryRunCopy, emit, nearestCharger, outsideTempC, type DeviceContext } from './device-context.ts';
import { driveRoute, driveTo, type Destination } from './drive-to.ts';
import type { LegResult, LegScript } from './leg-runner.ts';
import { breakdownShapes, type BreakdownPlan } from './breakdown-plan.ts';
import type { ShortfallSubkind } from './moment-label.ts';
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

/**
 * Drives to `to` with a breakdown on the way, then the aftermath (waiting, a tow, a restart or
 * silence for good) and the label with its shape. True if it happened.
 */
export function breakdownLeg(ctx: DeviceContext, to: Destination, plan: BreakdownPlan, script: LegScript): boolean {
  const { v, rand } = ctx;
  const road = ctx.spec.config.habits;
  const km = haversineKm(v.lat, v.lon, to.lat, to.lon);
  const route = buildRoute(rand, v.lat, v.lon, to.lat, to.lon, km > 15 && plan.where !== 'city', road);
  const atKm = !route.highway
    ? rand.uniform(0.15, 0.4) * route.distanceKm
    : plan.where === 'ramp'
      ? route.highwayEndKm - 0.6
      : plan.where === 'city'
        ? route.highwayEndKm + 0.3
        : rand.uniform(route.highwayStartKm + 0.5, Math.max(route.highwayStartKm + 0.6, route.highwayEndKm - 2));
  if (!route.highway && plan.where !== 'city') {
    plan.where = 'city';
    if (plan.subkind === 'ramp_shutdown') plan.subkind = 'loss_of_propulsion';
  }
  const result = driveRoute(ctx, route, to.chargerId, { ...script, breakdown: { plan, atKm } });
  if (result.outcome !== 'broken_down' || result.breakdownStartMs === null) {
    ctx.silent = false;
    if (result.outcome === 'stranded') rescueUnplanned(ctx, result);
    return false;
  }
  const stopLat = v.lat;
  const stopLon = v.lon;
  const home = ctx.spec.home;
  const off = 'off';
  const what: Record<string, string> = {
    loss_of_propulsion: 'propulsion lost at speed',
    ramp_shutdown: 'propulsion lost on the exit ramp',
    twelve_volt_failure: 'low 12 V: the telematics unit went dark at speed',
    thermal_fault: 'pack heating faster than physics allows, then shut down',
  };
  let note = `${what[plan.subkind]} (${plan.coded ? 'with fault codes' : 'no fault code'}), ${plan.subkind === 'twelve_volt_failure' ? 'data lost' : plan.stop === 'hard_stop' ? `braked hard (${plan.decelMps2.toFixed(1)} m/s²)` : 'coasted'} to a stop`;
  let endMs: number;
  if (plan.after === 'never_returns') {
    // The modem never comes back inside the window: nothing more from this car.
    ctx.silent = false;
    ctx.deadUntilMs = Number.POSITIVE_INFINITY;
    park(ctx, ctx.endMs + 3_600_000, off);
    endMs = ctx.endMs;
    note += '; the data never returns';
  } else if (plan.after === 'restart') {
    // Stopped, silent or sending heartbeats (a dead 12 V unit stays dark), then it starts again and drives on.
    ctx.silent = plan.subkind === 'twelve_volt_failure' || rand.chance(0.5);
    park(ctx, v.tsMs + rand.uniform(20, 150) * MIN, plan.offAfter ? off : 'parked');
    ctx.silent = false;
    endMs = v.tsMs;
    v.errorCodes = null;
    note += `; restarted ${((endMs - result.endMs) / MIN).toFixed(0)} min later and drove on`;
    addLabel(ctx, { kind: 'breakdown', subkind: plan.subkind, startMs: result.breakdownStartMs, endMs, lat: stopLat, lon: stopLon, note, shapes: breakdownShapes(plan), ...(result.shutdownMs ? { shutdownMs: result.shutdownMs } : {}) });
    const r = driveTo(ctx, to);
    if (r.outcome === 'stranded') rescueUnplanned(ctx, r);
    v.state = 'parked';
    return true;
  } else {
    // Waiting for the truck (silent_tow: no data until the car is back), then the tow home.
    ctx.silent = plan.after === 'silent_tow';
    park(ctx, v.tsMs + rand.uniform(plan.subkind === 'twelve_volt_failure' ? 120 : 15, plan.subkind === 'twelve_volt_failure' ? 360 : 120) * MIN, off);
    tow(ctx, home.lat, home.lon);
    v.state = 'parked';
    v.errorCodes = null;
    if (ctx.silent) {
      // The unit wakes when the car is back: its first row is at home.
      ctx.silent = false;
      emit(ctx);
    }
    endMs = v.tsMs;
    note += plan.after === 'silent_tow' ? '; no data until after the tow' : '; towed';
  }
  v.errorCodes = null;
  v.state = 'parked';
  addLabel(ctx, { kind: 'breakdown', subkind: plan.subkind, startMs: result.breakdownStartMs, endMs, lat: stopLat, lon: stopLon, note, shapes: breakdownShapes(plan), ...(result.shutdownMs ? { shutdownMs: result.shutdownMs } : {}) });
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

/** A stranding's shape: the BMS cut-off after limp mode, and whether it cut above 0.5 % (where a strict "empty" rule fails). */
function strandingShapes(ctx: DeviceContext): string[] {
  return ['limp_cutoff', ctx.spec.cutoffSocPct > 0.5 ? 'cutoff_above_0_5' : 'cutoff_below_0_5'];
}

/**
 * After a stranding: waiting for help (the driver waits in the car, so it stays awake and
 * reports), a tow to the nearest charger and a charge there.
 */
function rescue(ctx: DeviceContext): void {
  const { v, rand } = ctx;
  park(ctx, v.tsMs + rand.uniform(30, 150) * MIN, 'off', 60, 60);
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
  addLabel(ctx, { kind: 'charge_shortfall', subkind: 'stranded', startMs: r.belowReserveMs ?? strandedMs, endMs: ctx.v.tsMs, lat: stopLat, lon: stopLon, note: 'ran out of charge on an ordinary leg, towed to a charger', shapes: strandingShapes(ctx) });
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
    const route = buildRoute(rand, v.lat, v.lon, to.lat, to.lon, true, spec.config.habits);
    const copy = dryRunCopy(ctx);
    if (driveRoute(copy, route, null).outcome !== 'stranded') continue;
    const r = driveRoute(ctx, route, null);
    const stopLat = v.lat;
    const stopLon = v.lon;
    rescue(ctx);
    addLabel(ctx, { kind: 'charge_shortfall', subkind: 'stranded', startMs: r.belowReserveMs ?? r.endMs, endMs: v.tsMs, lat: stopLat, lon: stopLon, note: `ran out of charge ${r.drivenKm.toFixed(0)} km into a ${route.distanceKm.toFixed(0)} km drive, towed to a charger`, shapes: strandingShapes(ctx) });
    afterArrival(ctx, nearestCharger(ctx, v.lat, v.lon).charger);
    return true;
  }
  return false;
}

/**
 * cold_departure / departure_short / arrived_below_reserve: the car stops at a public charger,
 * takes less than the next leg needs and leaves for another charger (home, or a public one).
 * A departure-short leg (any climate) strands; a cold departure strands or only just arrives.
 */
function departWithTooLittle(ctx: DeviceContext, subkind: 'cold_departure' | 'arrived_below_reserve' | 'departure_short'): boolean {
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
  // (A departure-short leg aims further: the charge it takes must clearly not be enough.)
  const wantKm = ((Math.min(95, v.socPct + (subkind === 'departure_short' ? 35 : 25)) / 100) * spec.model.batteryKwh) / plannedKwhPerKm(spec.model, true, outside);
  const candidates = [spec.home, ...publicChargers(ctx)].filter((c) => c.chargerId !== first.chargerId);
  candidates.sort((a, b) => Math.abs(haversineKm(v.lat, v.lon, a.lat, a.lon) - wantKm) - Math.abs(haversineKm(v.lat, v.lon, b.lat, b.lon) - wantKm));
  const arriveAt = subkind === 'arrived_below_reserve' ? rand.uniform(1, 4) : 0.5;
  // The nearest-to-ideal charger first; the next one if the charge level cannot decide the leg.
  let next = candidates[0]!;
  let route: Route = buildRoute(rand, v.lat, v.lon, next.lat, next.lon, true, spec.config.habits);
  let leg = (c: DeviceContext) => driveRoute(c, route, next.chargerId);
  let needed = chargeNeededFor(ctx, first, arriveAt, leg);
  if ((needed === null || needed < v.socPct + 1) && candidates.length > 1) {
    const second = candidates[1]!;
    const secondRoute = buildRoute(rand, v.lat, v.lon, second.lat, second.lon, true, spec.config.habits);
    const secondLeg = (c: DeviceContext) => driveRoute(c, secondRoute, second.chargerId);
    needed = chargeNeededFor(ctx, first, arriveAt, secondLeg);
    next = second;
    route = secondRoute;
    leg = secondLeg;
  }
  if (needed === null || needed < v.socPct + 1) return false;
  // Below reserve: exactly the level found. Cold departure: a little less, so it strands (or only
  // just arrives). Departure short: well short (3–15 points), so it strands.
  let target =
    subkind === 'arrived_below_reserve' ? needed : subkind === 'cold_departure' ? Math.max(v.socPct + 0.5, needed - rand.uniform(2, 10)) : Math.max(v.socPct + 0.5, needed - rand.uniform(3, 15));
  let predicted = arrivalSoc(ctx, first, target, leg);
  if (subkind === 'departure_short' && predicted >= 0) {
    // Not short enough: unplug after the first minutes instead.
    target = v.socPct + 0.5;
    predicted = arrivalSoc(ctx, first, target, leg);
  }
  if (subkind === 'arrived_below_reserve' ? predicted < 0.2 || predicted >= 5 : subkind === 'cold_departure' ? predicted >= 5 : predicted >= 0) return false;
  charge(ctx, first, target, v.tsMs + 8 * HOUR);
  const departSoc = v.socPct;
  const r = driveRoute(ctx, route, next.chargerId);
  const cap = spec.model.batteryKwh;
  const energy = { energyNeededKwh: Math.round(needed * cap) / 100, energyOnBoardKwh: Math.round(departSoc * cap) / 100 };
  const short = subkind !== 'arrived_below_reserve' && ctx.legs.length > 0 ? ctx.legs[ctx.legs.length - 1]! : null;
  if (short && short.departMs === r.departMs) short.departureShort = { chargerId: first.chargerId, ...energy };
  const stopLat = v.lat;
  const stopLon = v.lon;
  if (r.outcome === 'stranded') rescue(ctx);
  const what = r.outcome === 'stranded' ? `stranded after ${r.drivenKm.toFixed(0)} km` : `arrived with ${v.socPct.toFixed(1)} %`;
  addLabel(ctx, {
    kind: 'charge_shortfall',
    subkind,
    startMs: subkind === 'arrived_below_reserve' ? (r.belowReserveMs ?? r.endMs) : r.departMs,
    endMs: v.tsMs,
    lat: stopLat,
    lon: stopLon,
    note: `left ${first.chargerId} with ${departSoc.toFixed(1)} % (${energy.energyOnBoardKwh} kWh; the leg needed ${needed.toFixed(1)} %, ${energy.energyNeededKwh} kWh) at ${r.minOutsideC.toFixed(0)} °C for ${route.distanceKm.toFixed(0)} km to ${next.chargerId}: ${what}`,
    shapes: r.outcome === 'stranded' ? ['departure_short', ...strandingShapes(ctx)] : subkind === 'arrived_below_reserve' ? [] : ['departure_short'],
    ...(subkind === 'arrived_below_reserve' ? {} : energy),
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
    const out = driveRoute(c, buildRoute(c.rand, c.v.lat, c.v.lon, cabin.lat, cabin.lon, true, spec.config.habits), null);
    if (out.outcome !== 'arrived' || c.v.tsMs >= departMs) return { out, back: null, rangeBefore: 0, rangeAfter: 0 };
    const rangeBefore = displayedRangeKm(c, outsideTempC(c.weather, c.v.tsMs));
    park(c, departMs);
    const rangeAfter = displayedRangeKm(c, outsideTempC(c.weather, c.v.tsMs));
    const back = driveRoute(c, buildRoute(c.rand, c.v.lat, c.v.lon, home.lat, home.lon, true, spec.config.habits), home.chargerId);
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
    shapes: r.back.outcome === 'stranded' ? strandingShapes(ctx) : [],
    startMs: r.out.endMs,
    endMs: v.tsMs,
    lat: stopLat,
    lon: stopLon,
    note: `parked overnight at ${r.back.minOutsideC.toFixed(0)} °C; displayed range ${r.rangeBefore.toFixed(0)} → ${r.rangeAfter.toFixed(0)} km; then ${what} on the drive home`,
  });
  afterArrival(ctx, r.back.outcome === 'stranded' ? nearestCharger(ctx, v.lat, v.lon).charger : home);
  return r.back.outcome === 'stranded';
}
