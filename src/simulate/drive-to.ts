import { haversineKm } from '../domain/geo-distance.ts';
import type { DeviceContext } from './device-context.ts';
import { driveLeg, type LegResult, type LegScript } from './leg-runner.ts';
import { buildRoute, type Route } from './route-builder.ts';

export interface Destination {
  lat: number;
  lon: number;
  chargerId: string | null;
}

/** Drives a prepared route and records the leg's ground truth (arrived / stranded / neither). */
export function driveRoute(ctx: DeviceContext, route: Route, toChargerId: string | null, script: LegScript = {}): LegResult {
  const fromLat = ctx.v.lat;
  const fromLon = ctx.v.lon;
  const result = driveLeg(ctx, route, script);
  if (ctx.out) {
    const arrived = result.outcome === 'arrived';
    ctx.legs.push({
      legId: `${ctx.spec.deviceId}/leg/${result.departMs}`,
      deviceId: ctx.spec.deviceId,
      departMs: result.departMs,
      arriveMs: arrived ? result.endMs : null,
      strandedMs: result.outcome === 'stranded' ? result.endMs : null,
      fromLat,
      fromLon,
      toLat: route.toLat,
      toLon: route.toLon,
      toChargerId,
      distanceKm: Math.round(route.distanceKm * 1000) / 1000,
      departSocPct: Math.round(result.departSocPct * 100) / 100,
      arriveSocPct: arrived ? Math.round(ctx.v.socPct * 100) / 100 : null,
      minOutsideTempC: Math.round(result.minOutsideC * 10) / 10,
    });
  }
  return result;
}

/** Builds a route from where the car is to `to` (highway when it is far enough) and drives it. */
export function driveTo(ctx: DeviceContext, to: Destination, script: LegScript = {}): LegResult {
  const km = haversineKm(ctx.v.lat, ctx.v.lon, to.lat, to.lon);
  const route = buildRoute(ctx.rand, ctx.v.lat, ctx.v.lon, to.lat, to.lon, km > 15, ctx.spec.config.habits);
  return driveRoute(ctx, route, to.chargerId, script);
}
