import { haversineKm } from '../domain/geo-distance.ts';
import { addLabel, DAY_MS, nearestCharger, outsideTempC, type DeviceContext } from './device-context.ts';
import { driveTo, type Destination } from './drive-to.ts';
import { addToScript, rollLookalikes } from './inject-lookalikes.ts';
import { breakdownLeg, rescueUnplanned, runShortfall } from './inject-moments.ts';
import type { InjectionRates } from './injection-rates.ts';
import type { LegScript } from './leg-runner.ts';
import { drawBreakdownPlan, type BreakdownPlan } from './breakdown-plan.ts';
import type { ShortfallSubkind } from './moment-label.ts';
import { offsetPoint } from './route-builder.ts';
import { charge, park } from './stationary-runner.ts';
import { plannedKwhPerKm } from './vehicle-physics.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

type Incident = { kind: 'breakdown'; subkind: BreakdownPlan['subkind']; plan: BreakdownPlan } | { kind: 'charge_shortfall'; subkind: ShortfallSubkind } | null;

function rollIncident(ctx: DeviceContext, rates: InjectionRates): Incident {
  const r = ctx.rand.next();
  if (r < rates.breakdownPerDeviceDay) {
    const plan = drawBreakdownPlan(ctx.rand, ctx.spec.config.breakdowns);
    return { kind: 'breakdown', subkind: plan.subkind, plan };
  }
  if (r < rates.breakdownPerDeviceDay + rates.shortfallPerDeviceDay) {
    // Cold departures and cold soaks need a cold climate; elsewhere the plain kinds happen.
    // (cold departures are weighted up: some fail for a mild afternoon and become plain strandings).
    const cold = ctx.spec.climate.maxC <= 8;
    const kinds: ShortfallSubkind[] = cold ? ['stranded', 'cold_departure', 'cold_soak', 'arrived_below_reserve', 'departure_short'] : ['stranded', 'arrived_below_reserve', 'departure_short'];
    const weights = cold ? [1, 2, 1.5, 1, 2.5] : [1, 1, 3];
    return { kind: 'charge_shortfall', subkind: kinds[ctx.rand.weighted(weights)]! };
  }
  return null;
}

const atHome = (ctx: DeviceContext): boolean => haversineKm(ctx.v.lat, ctx.v.lon, ctx.spec.home.lat, ctx.spec.home.lon) < 0.5;

/** A careful driver: before a leg the battery may not cover (with a margin), a detour to the nearest charger. */
function chargeIfNeeded(ctx: DeviceContext, to: Destination): void {
  const { v, spec, rand } = ctx;
  const km = haversineKm(v.lat, v.lon, to.lat, to.lon) * 1.05;
  const needPct = ((km * plannedKwhPerKm(spec.model, km > 15, outsideTempC(ctx.weather, v.tsMs)) * spec.config.habits.planMargin) / spec.model.batteryKwh) * 100;
  if (v.socPct - needPct >= 15) return;
  const { charger, km: toChargerKm } = nearestCharger(ctx, v.lat, v.lon);
  if (toChargerKm > 0.3) {
    const r = driveTo(ctx, { lat: charger.lat, lon: charger.lon, chargerId: charger.chargerId });
    if (r.outcome === 'stranded') return rescueUnplanned(ctx, r);
    park(ctx, v.tsMs + rand.uniform(1, 5) * MIN);
  }
  const [lo, hi] = spec.config.habits.chargeTargetPct;
  charge(ctx, charger, Math.min(hi, Math.max(rand.uniform(lo, hi), needPct + 30)), v.tsMs + 10 * HOUR);
  park(ctx, v.tsMs + rand.uniform(1, 5) * MIN);
}

/**
 * One device-day, in the fleet's local time: the night parked (charging at home if needed), a
 * departure between 06:30 and 09:30, errands or a highway trip, home in the evening. An incident
 * rolled for the day replaces part of it; look-alikes are scripted into its legs.
 */
export function simulateDay(ctx: DeviceContext, dayIndex: number, rates: InjectionRates): void {
  const { v, rand, spec } = ctx;
  const home = spec.home;
  const localMidnight = ctx.weather.startMs + dayIndex * DAY_MS - ctx.weather.utcOffsetH * HOUR;
  const dayEnd = localMidnight + DAY_MS;
  // Draw the whole day up front, so the plan does not depend on how earlier days went.
  const incident = rollIncident(ctx, rates);
  const lookalikes = rollLookalikes(rand, rates.lookalikePerDeviceDay);
  const departMs = localMidnight + rand.uniform(6.5, 9.5) * HOUR;
  const trip = (incident?.kind === 'breakdown' && incident.subkind !== 'thermal_fault') || rand.chance(spec.config.habits.tripShare);
  const stops: Destination[] = [];
  if (trip) {
    const far = offsetPoint(home.lat, home.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(35, 100));
    stops.push({ ...far, chargerId: null });
  } else {
    const n = rand.int(1, 3);
    for (let i = 0; i < n; i++) stops.push({ ...offsetPoint(home.lat, home.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(2, 16)), chargerId: null });
  }
  stops.push({ lat: home.lat, lon: home.lon, chargerId: home.chargerId });
  const dwellMin = stops.map(() => rand.uniform(15, 180));
  const scripts: LegScript[] = stops.map(() => ({}));
  const longStop = new Set<number>();
  // One look-alike per leg, none on a breakdown's leg: each label then describes one thing.
  const scripted = new Set<number>(incident?.kind === 'breakdown' ? [0] : []);
  for (const subkind of lookalikes) {
    if (subkind === 'parked_at_destination') {
      const i = rand.int(0, stops.length - 2);
      longStop.add(i);
      dwellMin[i] = rand.uniform(90, 300);
      continue;
    }
    const i = rand.int(0, stops.length - 1);
    if (scripted.has(i)) continue;
    scripted.add(i);
    const from = i === 0 ? home : stops[i - 1]!;
    addToScript(rand, scripts[i]!, subkind, haversineKm(from.lat, from.lon, stops[i]!.lat, stops[i]!.lon));
  }

  if (v.tsMs > localMidnight + 14 * HOUR || localMidnight >= ctx.endMs) return; // an incident took the day, or it lies past the window
  if (atHome(ctx) && v.socPct < 50 && incident?.subkind !== 'stranded') {
    park(ctx, Math.max(v.tsMs, localMidnight + rand.uniform(0.1, 1) * HOUR));
    charge(ctx, home, rand.uniform(...spec.config.habits.chargeTargetPct), departMs);
  }
  park(ctx, departMs);

  for (let i = 0; i < stops.length; i++) {
    if (v.tsMs > dayEnd - 2 * HOUR && i < stops.length - 1) continue;
    const to = stops[i]!;
    if (incident?.kind === 'charge_shortfall' && i === Math.min(1, stops.length - 1)) {
      if (!runShortfall(ctx, incident.subkind) && incident.subkind !== 'stranded') runShortfall(ctx, 'stranded');
    }
    if (incident?.kind === 'breakdown' && i === 0) {
      chargeIfNeeded(ctx, to);
      if (breakdownLeg(ctx, to, incident.plan, scripts[i]!)) return;
    } else {
      chargeIfNeeded(ctx, to);
      const r = driveTo(ctx, to, scripts[i]!);
      if (r.outcome === 'stranded') rescueUnplanned(ctx, r);
      if (r.outcome !== 'arrived') continue;
    }
    if (to.chargerId === home.chargerId) continue;
    const arriveMs = v.tsMs;
    park(ctx, v.tsMs + dwellMin[i]! * MIN);
    if (longStop.has(i)) {
      addLabel(ctx, { kind: 'lookalike', subkind: 'parked_at_destination', startMs: arriveMs, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: `parked ${((v.tsMs - arriveMs) / HOUR).toFixed(1)} h away from any charger with ${v.socPct.toFixed(0)} %` });
    }
  }
  // Evening: plug in at home when the battery is low; it charges into the night.
  if (atHome(ctx) && v.socPct < 45 && v.tsMs < dayEnd) {
    park(ctx, v.tsMs + rand.uniform(2, 20) * MIN);
    charge(ctx, home, rand.uniform(...spec.config.habits.chargeTargetPct), dayEnd + 6 * HOUR);
  }
}
