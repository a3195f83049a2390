import type { Charger } from '../domain/chargers/charger.ts';
import { haversineKm } from '../domain/geo-distance.ts';
import { emit, outsideTempC, type DeviceContext } from './device-context.ts';
import { terrainAltM } from './route-builder.ts';
import { chargeAcceptKw, packHeaterKw, packTempStep } from './vehicle-physics.ts';

const HEARTBEAT_S = 60;

/**
 * A parked (or dead) car, simulated a minute at a time: the pack soaks towards the outside air;
 * in deep cold the pack's keep-warm heater draws a little, so SoC (and more so range) falls
 * overnight. The unit reports the first minute, then at its own heartbeat (1–15 min), or never
 * (units that sleep while parked): what it reports never changes the physics.
 */
export function park(ctx: DeviceContext, untilMs: number, state: 'parked' | 'off' = 'parked', intervalS = HEARTBEAT_S, awakeHeartbeatS?: number): void {
  const { v } = ctx;
  const m = ctx.spec.model;
  v.state = state;
  v.speedKph = 0;
  const stepMs = intervalS * 1000;
  // A car with someone waiting in it stays awake and reports at least this often.
  const unitS = ctx.spec.quirks.parkedHeartbeatS;
  const heartbeatMs = (awakeHeartbeatS === undefined ? unitS : unitS === 0 ? awakeHeartbeatS : Math.min(unitS, awakeHeartbeatS)) * 1000;
  let lastEmitMs = Number.NEGATIVE_INFINITY;
  while (v.tsMs + stepMs <= untilMs) {
    v.tsMs += stepMs;
    const outside = outsideTempC(ctx.weather, v.tsMs);
    const keepWarmKw = state === 'parked' && v.packTempC < -15 ? 0.35 : 0;
    const kw = keepWarmKw + (state === 'parked' ? 0.02 : 0.01);
    v.socPct = Math.max(0, v.socPct - ((kw * intervalS) / 3600 / m.batteryKwh) * 100);
    v.packTempC = packTempStep(m, v.packTempC, outside, 0, keepWarmKw, intervalS, false);
    v.powerKw = kw;
    if (lastEmitMs === Number.NEGATIVE_INFINITY || (heartbeatMs > 0 && v.tsMs - lastEmitMs >= heartbeatMs)) {
      emit(ctx);
      lastEmitMs = v.tsMs;
    }
  }
}

/**
 * Plugged in at a charger at 1 Hz until `targetSocPct` (or `untilMs`): the car takes what the
 * charging curve and a cold pack allow; power is negative (into the battery).
 */
export function charge(ctx: DeviceContext, charger: Charger, targetSocPct: number, untilMs: number): void {
  const { v, rand } = ctx;
  const m = ctx.spec.model;
  const chargerKw = charger.powerKw ?? 11;
  v.state = 'charging';
  v.speedKph = 0;
  v.errorCodes = null;
  const jitter = rand.uniform(0.97, 1.0);
  while (v.socPct < targetSocPct && v.tsMs + 1000 <= untilMs) {
    v.tsMs += 1000;
    const outside = outsideTempC(ctx.weather, v.tsMs);
    // Below freezing part of the charger's power warms the pack instead of filling it.
    const heater = v.packTempC < 0 ? packHeaterKw(v.packTempC) * 0.5 : 0;
    const acceptKw = chargeAcceptKw(m, chargerKw, v.socPct, v.packTempC) * jitter;
    const intoPackKw = Math.max(0.2, acceptKw * 0.93 - heater);
    v.socPct = Math.min(100, v.socPct + (intoPackKw / 3600 / m.batteryKwh) * 100);
    v.packTempC = packTempStep(m, v.packTempC, outside, acceptKw, heater, 1, false);
    v.powerKw = -acceptKw;
    emit(ctx);
  }
  v.state = 'parked';
}

/**
 * A tow: the car is off (speed 0, no power) but its GPS moves at truck speed, one sample every
 * 10 s. `silent` tows (a dead 12 V system) move the car without a trace.
 */
export function tow(ctx: DeviceContext, toLat: number, toLon: number): void {
  const { v, rand } = ctx;
  const km = haversineKm(v.lat, v.lon, toLat, toLon);
  const truckKph = rand.uniform(40, 70);
  const steps = Math.max(1, Math.ceil((km / truckKph) * 360));
  const fromLat = v.lat;
  const fromLon = v.lon;
  v.state = 'off';
  v.speedKph = 0;
  for (let i = 1; i <= steps; i++) {
    v.tsMs += 10_000;
    const f = i / steps;
    v.lat = fromLat + f * (toLat - fromLat);
    v.lon = fromLon + f * (toLon - fromLon);
    v.altM = terrainAltM(ctx.terrain, v.lat, v.lon);
    v.packTempC = packTempStep(ctx.spec.model, v.packTempC, outsideTempC(ctx.weather, v.tsMs), 0, 0, 10, true);
    v.powerKw = rand.uniform(0, 0.05);
    emit(ctx);
  }
}
