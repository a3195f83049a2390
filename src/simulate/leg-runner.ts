import type { BreakdownPlan } from './breakdown-plan.ts';
import { addLabel, emit, outsideTempC, type DeviceContext, type DeviceSpec } from './device-context.ts';
import { RESERVE_SOC_PCT } from './moment-label.ts';
import { routePosition, terrainAltM, type Route } from './route-builder.ts';
import { coldLossFactor, hvacPowerKw, packHeaterKw, packTempStep, tractionPowerKw } from './vehicle-physics.ts';

/** What may happen on a leg besides driving it: a breakdown, or look-alikes that must not be mistaken for one. */
export interface LegScript {
  breakdown?: { plan: BreakdownPlan; atKm: number };
  dropout?: { atKm: number; durationS: number };
  tunnel?: { atKm: number; durationS: number };
  socGlitchAtKm?: number;
  gpsJumpAtKm?: number;
  jam?: { atKm: number; durationS: number };
  /** Metres of car-park crawling (searching a space) after reaching the destination. */
  crawlM?: number;
}

export type LegOutcome = 'arrived' | 'stranded' | 'broken_down';

export interface LegResult {
  outcome: LegOutcome;
  departMs: number;
  /** When the car came to rest (arrived, stranded or stopped by a breakdown). */
  endMs: number;
  departSocPct: number;
  minOutsideC: number;
  drivenKm: number;
  /** First sample below the reserve on this leg, or null. */
  belowReserveMs: number | null;
  /** Breakdown: when the signature began (first error code / propulsion lost). */
  breakdownStartMs: number | null;
  /** 12 V failure: the last sample the car sent before going dark. */
  lastSampleMs: number | null;
  /** Thermal fault: when the hot pack cut propulsion. */
  shutdownMs: number | null;
}

const MAX_LEG_S = 14 * 3600;
const pos = { lat: 0, lon: 0 };

/**
 * Drives a route second by second: a speed controller follows the zone speeds, stops at red
 * lights and at the destination; the battery pays for traction, HVAC and the pack heater.
 */
export function driveLeg(ctx: DeviceContext, route: Route, script: LegScript = {}): LegResult {
  const { rand, v } = ctx;
  const m = ctx.spec.model;
  const capKwh = m.batteryKwh;
  const phase = rand.uniform(0, 100);
  const result: LegResult = {
    outcome: 'arrived',
    departMs: v.tsMs + 1000,
    endMs: v.tsMs,
    departSocPct: v.socPct,
    minOutsideC: Number.POSITIVE_INFINITY,
    drivenKm: 0,
    belowReserveMs: null,
    breakdownStartMs: null,
    lastSampleMs: null,
    shutdownMs: null,
  };
  const spec = ctx.spec;
  // Wind along the road for this leg (head wind positive): it changes the aerodynamic load.
  const windMps = rand.uniform(-1, 1) * spec.config.habits.windMaxMps;
  let sKm = 0;
  let speed = 0; // m/s
  let zone = 0;
  let light = 0;
  let lightWaited = 0;
  let t = 0;
  // Breakdown state.
  const bd = script.breakdown;
  let bdPhase: 'armed' | 'signature' | 'coasting' | 'stopped' | 'done' = bd ? 'armed' : 'done';
  let coastDecel = 0.5;
  let bdTimer = 0;
  const plan = bd?.plan;
  const thermalTarget = plan?.thermalShutdownC ?? 65;
  let thermalRateCPerS = plan?.thermalRateCPerS ?? 0;
  // Look-alike state.
  let dropLeft = 0;
  let dropping = false;
  let tunnelLeft = -1;
  let jamLeft = -1;
  let jamStart = 0;
  let dropStart = 0;
  let tunnelStart = 0;
  let glitchPending = script.socGlitchAtKm !== undefined;
  let jumpLeft = script.gpsJumpAtKm !== undefined ? 0 : -1;
  let jumpDeg = 0;
  let crawlLeftM = script.crawlM ?? 0;
  let crawlStart = 0;
  let crawling = false;
  v.state = 'driving';
  v.errorCodes = null;
  // A drop-out or tunnel still open when the car stops ends there (the 12 V failure's silence does not).
  const closeLookalikes = (): void => {
    if (dropping) {
      dropping = false;
      if (!result.lastSampleMs) ctx.silent = false;
      addLabel(ctx, { kind: 'lookalike', subkind: 'connection_drop', startMs: dropStart, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: 'no data while driving until the car stopped' });
    }
    if (tunnelLeft > 0) {
      tunnelLeft = 0;
      v.gpsHidden = false;
      addLabel(ctx, { kind: 'lookalike', subkind: 'tunnel', startMs: tunnelStart, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: 'GPS missing while speed continues' });
    }
    v.socShownPct = Number.NaN;
    v.gpsOffsetLat = 0;
    v.gpsOffsetLon = 0;
  };
  try {
    return runLoop();
  } finally {
    closeLookalikes();
  }

  function runLoop(): LegResult {
    for (; t < MAX_LEG_S; t++) {
      v.tsMs += 1000;
      const outside = outsideTempC(ctx.weather, v.tsMs);
      if (outside < result.minOutsideC) result.minOutsideC = outside;
      const remainingM = (route.distanceKm - sKm) * 1000;
      while (zone < route.zoneEndKm.length - 1 && route.zoneEndKm[zone]! <= sKm) zone++;
      while (light < route.lightKm.length && route.lightKm[light]! < sKm - 0.002) {
        light++;
        lightWaited = 0;
      }
      let targetMps = (route.zoneKph[zone]! / 3.6) * (1 + 0.05 * Math.sin(t / 23 + phase) + 0.02 * Math.sin(t / 7.3 + phase * 2));
      // Traffic jam: crawl and stop in waves.
      if (jamLeft < 0 && script.jam && sKm >= script.jam.atKm && speed > 8) {
        jamLeft = script.jam.durationS;
        jamStart = -1;
      }
      if (jamLeft > 0) {
        jamLeft--;
        // The jam, as a look-alike, begins where the traffic has slowed the car to a crawl.
        if (jamStart < 0 && speed < 30 / 3.6) jamStart = v.tsMs;
        const wave = Math.sin((2 * Math.PI * (script.jam!.durationS - jamLeft)) / 75 + phase);
        targetMps = wave > 0.2 ? 7 * wave : 0;
        if (jamLeft === 0 && jamStart > 0) addLabel(ctx, { kind: 'lookalike', subkind: 'stop_and_go', startMs: jamStart, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: 'traffic jam: repeated stops on the road, propulsion fine' });
      }
      // Where the car must be able to stop: a red light not yet waited out, or the destination.
      let stopAtM = remainingM;
      if (light < route.lightKm.length && route.lightWaitS[light]! > lightWaited) {
        const toLightM = (route.lightKm[light]! - sKm) * 1000;
        if (toLightM < 6 && speed < 0.3) lightWaited++;
        stopAtM = Math.min(stopAtM, toLightM);
      }
      const stopLimit = Math.sqrt(2 * 1.6 * Math.max(0, stopAtM - 2));
      let desired = Math.min(targetMps, stopLimit);
      let accel = Math.max(-3, Math.min(speed > 20 ? 1.0 : 1.8, desired - speed));
      let propulsion = true;
      let regen = true;

      // Breakdowns.
      if (bd && plan && bdPhase === 'armed' && sKm >= bd.atKm) {
        const kph = speed * 3.6;
        const onHighway = route.highway && sKm >= route.highwayStartKm && sKm < route.highwayEndKm - 0.6;
        const onRamp = route.highway && sKm >= route.highwayEndKm - 0.6 && sKm <= route.highwayEndKm + 0.2;
        const pastHighway = !route.highway || sKm > route.highwayEndKm + 0.2;
        let fire = false;
        if (plan.where === 'ramp') fire = onRamp && kph >= 30 && kph <= 90;
        else if (plan.where === 'highway') fire = onHighway && kph > 75;
        else fire = !onHighway && !onRamp && kph > 20;
        // The planned place was missed (the ramp taken too fast, a short highway): it happens in town instead.
        if (!fire && pastHighway && plan.where !== 'city' && kph > 20) {
          plan.where = 'city';
          if (plan.subkind === 'ramp_shutdown') plan.subkind = 'loss_of_propulsion';
          fire = true;
        }
        if (fire) {
          bdPhase = 'signature';
          result.breakdownStartMs = v.tsMs;
          coastDecel = plan.decelMps2;
          bdTimer = plan.warningS;
          // Even the fastest runaway seen in real data (2 → 71 °C) took 2.5 min from onset to shutdown.
          thermalRateCPerS = Math.min(plan.thermalRateCPerS, Math.max(0.01, (thermalTarget - v.packTempC) / 150));
          if (plan.subkind === 'loss_of_propulsion' || plan.subkind === 'ramp_shutdown') {
            if (plan.coded) v.errorCodes = ['P0A0F'];
            if (plan.offAfter) v.state = 'off';
            bdPhase = 'coasting';
          } else if (plan.subkind === 'twelve_volt_failure') {
            if (plan.coded) v.errorCodes = ['U0100', 'B1325'];
            else {
              // No warning at all: the unit dies with the 12 V supply; the last row is the one just sent.
              result.breakdownStartMs = v.tsMs - 1000;
              bdTimer = 0;
            }
          }
        }
      }
      if (bdPhase === 'signature') {
        if (plan!.subkind === 'twelve_volt_failure') {
          if (--bdTimer <= 0) {
            // The telematics unit loses power: the rest happens unobserved.
            result.lastSampleMs = v.tsMs - 1000;
            ctx.silent = true;
            bdPhase = 'coasting';
          }
        } else if (plan!.subkind === 'thermal_fault') {
          // Faster than any load can heat a pack (physics allows about 1 °C a minute): a cell fault.
          v.packTempC += thermalRateCPerS;
          if (plan!.coded && v.packTempC > 55) v.errorCodes = ['P0A7E'];
          if (v.packTempC >= thermalTarget) {
            if (plan!.offAfter) v.state = 'off';
            result.shutdownMs = v.tsMs;
            bdPhase = 'coasting';
          }
        }
      }
      if (bdPhase === 'coasting' || bdPhase === 'stopped') {
        propulsion = false;
        regen = false;
        desired = 0;
        accel = -coastDecel;
      }
      // Limp mode, then nothing: the BMS cuts propulsion at its cut-off (0–2 % displayed).
      if (v.socPct <= spec.cutoffSocPct) {
        propulsion = false;
        accel = Math.min(accel, -0.6);
      }

      let next = speed + accel;
      // Come to a clean stop rather than creeping at a few mm/s.
      if (next < 0.1 && accel < 0) next = 0;
      accel = next - speed;
      const avg = (speed + next) / 2;
      const dsM = avg;
      const prevAlt = v.altM;
      sKm += dsM / 1000;
      routePosition(route, sKm, pos);
      v.lat = pos.lat;
      v.lon = pos.lon;
      v.altM = terrainAltM(ctx.terrain, pos.lat, pos.lon);
      const grade = dsM > 0.5 ? Math.max(-0.12, Math.min(0.12, (v.altM - prevAlt) / dsM)) : 0;
      let traction = propulsion || regen ? tractionPowerKw(m, avg, accel, grade, windMps) : 0;
      if (!propulsion && traction > 0) traction = 0;
      if (!regen && traction < 0) traction = 0;
      // Derating: a hot pack or an almost empty one (limp mode) limits power, and the car slows.
      const hot = bdPhase === 'signature' && plan!.subkind === 'thermal_fault' && v.packTempC > thermalTarget - 12;
      const capKw = hot ? m.maxDriveKw * Math.max(0.05, (thermalTarget - v.packTempC) / 12) : v.socPct < spec.limpBelowSocPct ? limpCapKw(spec, m.maxDriveKw, v.socPct) : m.maxDriveKw;
      if (traction > capKw) {
        // Power-limited: the car gains only the speed the allowed power pays for, so it settles
        // at the speed where the limit meets the road load (and slows on a climb or into the wind).
        const excessN = ((traction - capKw) * 1000 * 0.9) / Math.max(2, avg);
        next = Math.max(0, next - excessN / m.massKg);
        traction = capKw;
      }
      speed = next;
      const heater = bdPhase === 'coasting' ? 0 : packHeaterKw(v.packTempC);
      const hvac = v.state === 'off' ? 0 : hvacPowerKw(outside, v.setpointC, m.heatPump);
      const drawKw = traction > 0 ? traction * coldLossFactor(v.packTempC) : traction;
      const batteryKw = drawKw + (v.state === 'off' ? 0.05 : hvac + heater + 0.3);
      v.socPct = Math.max(0, Math.min(100, v.socPct - ((batteryKw / 3600) / capKwh) * 100));
      if (bdPhase !== 'signature' || plan!.subkind !== 'thermal_fault') {
        v.packTempC = packTempStep(m, v.packTempC, outside, batteryKw, heater, 1, true);
      }
      v.powerKw = bdPhase === 'coasting' || bdPhase === 'stopped' ? plan!.auxKw + rand.uniform(-0.03, 0.03) : batteryKw;
      v.speedKph = speed * 3.6;
      v.odometerKm += dsM / 1000;
      result.drivenKm = sKm;
      if (result.belowReserveMs === null && v.socPct < RESERVE_SOC_PCT) result.belowReserveMs = v.tsMs;

      // Look-alikes that only change what is reported.
      // A drop-out or tunnel ends before the destination: the car reappears further on, still moving.
      if (dropStart === 0 && script.dropout && sKm >= script.dropout.atKm && speed > 5) {
        dropLeft = Math.max(30, Math.min(script.dropout.durationS, Math.floor((remainingM * 0.5) / Math.max(speed, 8))));
        dropStart = v.tsMs;
        dropping = true;
        ctx.silent = true;
      }
      // The car comes back on line moving (held a little longer if it is waiting at a light), at most 10 min after it went.
      if (dropping && --dropLeft <= 0 && (speed > 2 || v.tsMs - dropStart >= 599_000)) {
        dropping = false;
        ctx.silent = false;
        addLabel(ctx, { kind: 'lookalike', subkind: 'connection_drop', startMs: dropStart, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: `no data for ${(v.tsMs - dropStart) / 1000} s while driving; the car reappears further on` });
      }
      if (tunnelLeft < 0 && script.tunnel && sKm >= script.tunnel.atKm && speed > 5) {
        tunnelLeft = Math.max(60, Math.min(script.tunnel.durationS, Math.floor((remainingM * 0.5) / Math.max(speed, 8))));
        tunnelStart = v.tsMs;
        v.gpsHidden = true;
      }
      if (tunnelLeft > 0 && --tunnelLeft === 0) {
        v.gpsHidden = false;
        addLabel(ctx, { kind: 'lookalike', subkind: 'tunnel', startMs: tunnelStart, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: 'GPS missing while speed continues' });
      }
      v.socShownPct = Number.NaN;
      if (glitchPending && sKm >= script.socGlitchAtKm! && !ctx.silent) {
        glitchPending = false;
        v.socShownPct = v.socPct < 50 ? 100 : 0;
        addLabel(ctx, { kind: 'lookalike', subkind: 'soc_glitch', startMs: v.tsMs, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: `one SoC sample reads ${v.socShownPct} %` });
      }
      v.gpsOffsetLat = 0;
      v.gpsOffsetLon = 0;
      if (jumpLeft === 0 && sKm >= script.gpsJumpAtKm! && !ctx.silent && !v.gpsHidden) {
        jumpLeft = rand.int(1, 3);
        const jumpKm = rand.uniform(2, 40);
        addLabel(ctx, { kind: 'lookalike', subkind: 'gps_jump', startMs: v.tsMs, endMs: v.tsMs + (jumpLeft - 1) * 1000, lat: v.lat, lon: v.lon, note: `GPS position off by ${jumpKm.toFixed(0)} km for ${jumpLeft} samples` });
        jumpDeg = jumpKm / 111.32;
      }
      if (jumpLeft > 0) {
        v.gpsOffsetLat = jumpDeg;
        v.gpsOffsetLon = jumpDeg * 0.5;
        jumpLeft--;
        if (jumpLeft === 0) jumpLeft = -1;
      }
      emit(ctx);

      // How the leg ends.
      if (speed === 0 && (bdPhase === 'coasting' || bdPhase === 'stopped')) {
        if (bdPhase === 'coasting') {
          bdPhase = 'stopped';
          result.endMs = v.tsMs;
          bdTimer = v.state === 'off' ? 0 : rand.int(20, 90);
        }
        if (bdTimer-- <= 0) {
          result.outcome = 'broken_down';
          return result;
        }
        continue;
      }
      if (speed === 0 && v.socPct <= spec.cutoffSocPct) {
        result.outcome = 'stranded';
        result.endMs = v.tsMs;
        v.state = 'off';
        return result;
      }
      if (!crawling && remainingM - dsM <= 3 && speed < 0.3 && bdPhase === 'signature') {
        // A fault that started runs its course even though the car reached its destination: the
        // hot pack is shut down as the car parks, the failing 12 V supply takes the unit with it.
        if (plan!.subkind === 'thermal_fault') {
          result.shutdownMs = v.tsMs;
          if (plan!.offAfter) v.state = 'off';
          // Shut down before the pack was hot enough for its code: none reached the telemetry.
          if (!v.errorCodes?.includes('P0A7E')) plan!.coded = false;
        } else {
          result.lastSampleMs = v.tsMs;
          ctx.silent = true;
        }
        result.outcome = 'broken_down';
        result.endMs = v.tsMs;
        return result;
      }
      if (!crawling && remainingM - dsM <= 3 && speed < 0.3) {
        if (crawlLeftM > 0) {
          crawling = true;
          crawlStart = v.tsMs;
          crawlLoop(ctx, crawlLeftM);
          addLabel(ctx, { kind: 'lookalike', subkind: 'car_park_crawl', startMs: crawlStart, endMs: v.tsMs, lat: v.lat, lon: v.lon, note: `crawled ${crawlLeftM.toFixed(0)} m looking for a space` });
          crawlLeftM = 0;
        }
        // Some drivers reverse into the space (R on units that report the gear).
        if (rand.chance(0.3)) reverseIntoSpace(ctx);
        result.endMs = v.tsMs;
        v.speedKph = 0;
        return result;
      }
    }
    // Legs are at most a few hours; a car still on the road here means a bug in the controller.
    throw new Error(`simulator: ${ctx.spec.deviceId} did not finish a ${route.distanceKm.toFixed(1)} km leg in ${MAX_LEG_S / 3600} h`);
  }
}

/** A stop, a few seconds backwards at walking pace, a stop: parking in reverse. */
function reverseIntoSpace(ctx: DeviceContext): void {
  const { v, rand } = ctx;
  const seconds = rand.int(4, 9);
  for (let t = 0; t < seconds + 2; t++) {
    v.tsMs += 1000;
    const moving = t >= 1 && t <= seconds;
    v.reversing = moving || t === seconds + 1;
    v.speedKph = moving ? rand.uniform(3, 5) : 0;
    const m = v.speedKph / 3.6;
    v.lat -= m / 111_320;
    v.odometerKm += m / 1000;
    v.powerKw = moving ? 1 + rand.uniform(0, 0.6) : 0.5;
    v.socPct = Math.max(0, v.socPct - (v.powerKw / 3600 / ctx.spec.model.batteryKwh) * 100);
    emit(ctx);
  }
  v.reversing = false;
}

/** A few minutes at walking pace with stops, around the destination (a car park). */
function crawlLoop(ctx: DeviceContext, lengthM: number): void {
  const { v, rand } = ctx;
  let done = 0;
  let t = 0;
  const bearing = rand.uniform(0, 2 * Math.PI);
  while (done < lengthM) {
    t++;
    v.tsMs += 1000;
    const kph = Math.max(0, 5 + 4 * Math.sin(t / 9)) * (t % 40 < 32 ? 1 : 0);
    const m = kph / 3.6;
    done += m;
    const turn = bearing + t / 30;
    v.lat += (Math.cos(turn) * m) / 111_320;
    v.lon += (Math.sin(turn) * m) / (111_320 * Math.cos((v.lat * Math.PI) / 180));
    v.speedKph = kph;
    v.odometerKm += m / 1000;
    v.powerKw = kph > 0 ? 1.2 + rand.uniform(0, 0.8) : 0.6;
    v.socPct = Math.max(0, v.socPct - (v.powerKw / 3600 / ctx.spec.model.batteryKwh) * 100);
    emit(ctx);
  }
}

/** Power the BMS allows in limp mode: a step down to `limpKw`, or a taper from full power at the band's top to `limpKw` at the cut-off. */
export function limpCapKw(spec: Pick<DeviceSpec, 'limpBelowSocPct' | 'cutoffSocPct' | 'limpKw' | 'limpTapered'>, maxDriveKw: number, socPct: number): number {
  if (!spec.limpTapered) return spec.limpKw;
  const band = Math.max(1e-6, spec.limpBelowSocPct - spec.cutoffSocPct);
  const f = Math.max(0, Math.min(1, (socPct - spec.cutoffSocPct) / band));
  return spec.limpKw + (maxDriveKw - spec.limpKw) * f;
}
