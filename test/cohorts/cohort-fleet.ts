import type { DriveConditions, RoadClass } from '../../src/domain/conditions/drive-conditions.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { Period } from '../../src/domain/segmentation/period-stats.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { replaceSessions } from '../../src/store/session-repository.ts';
import { upsertDeviceMetadata } from '../../src/store/telemetry-repository.ts';
import type { TelemetryStore } from '../../src/store/telemetry-store.ts';

export const DAY_MS = 86_400_000;
export const NOW_MS = Date.UTC(2026, 10, 30);

export interface HandDrive {
  dayAgo: number;
  hours: number;
  km: number;
  roadClass: RoadClass;
  tempC: number;
}

export interface HandVehicle {
  deviceId: string;
  model: string;
  firmware: string;
  fleet: string;
  region?: string;
  drives: HandDrive[];
  /** Events at the middle of a drive (index into drives). */
  events: { kind: 'breakdown' | 'charge_shortfall' | 'anomaly'; drive: number; severity?: 'warning' | 'critical'; subkind?: string }[];
}

const band = (t: number): DriveConditions['tempBand'] => (t < -10 ? '<-10' : t < 0 ? '-10..0' : t < 10 ? '0..10' : t < 20 ? '10..20' : t < 30 ? '20..30' : '>=30');

function drivePeriod(d: HandDrive): Period {
  const startMs = NOW_MS - d.dayAgo * DAY_MS;
  const endMs = startMs + d.hours * 3_600_000;
  const s = d.hours * 3600;
  const share = (c: RoadClass) => (c === d.roadClass ? 1 : 0);
  return {
    kind: 'drive', startMs, endMs, durationS: s, startLat: null, startLon: null, endLat: null, endLon: null,
    distanceKm: d.km, distanceSource: 'odometer', avgSpeedKph: d.km / d.hours, maxSpeedKph: null, socStartPct: null, socEndPct: null,
    energyUsedKwh: null, socUsedPct: null, consumptionKwhPerKm: null, consumptionPctPerKm: null,
    minOutsideTempC: d.tempC, maxOutsideTempC: d.tempC, minBatteryTempC: null, maxBatteryTempC: null, errorCodes: [], sampleCount: s,
    conditions: {
      highwayKm: d.km * share('highway'), arterialKm: d.km * share('arterial'), cityKm: d.km * share('city'),
      highwayS: s * share('highway'), arterialS: s * share('arterial'), cityS: s * share('city'),
      highwayShare: share('highway'), meanOutsideTempC: d.tempC, tempBand: band(d.tempC), daylightShare: 1, daylight: 'day',
      stretches: [{ roadClass: d.roadClass, startMs, endMs }],
    },
  };
}

/** Writes vehicles through the real repositories: metadata, sessions (typed condition columns) and events. */
export async function writeHandFleet(store: TelemetryStore, vehicles: readonly HandVehicle[]): Promise<void> {
  await store.withConnection(async (conn) => {
    for (const v of vehicles) {
      await upsertDeviceMetadata(conn, v.deviceId, { model: v.model, firmware: v.firmware, fleet: v.fleet, region: v.region });
      const periods = v.drives.map(drivePeriod).sort((a, b) => a.startMs - b.startMs);
      await replaceSessions(conn, v.deviceId, undefined, periods);
      const events: DetectedEvent[] = v.events.map((e, i) => {
        const p = drivePeriod(v.drives[e.drive]!);
        return {
          eventId: `${v.deviceId}-e${i}`, deviceId: v.deviceId, kind: e.kind, subkind: e.subkind ?? 'test', severity: e.severity ?? 'critical',
          detector: 'hand@1', startMs: (p.startMs + p.endMs) / 2, endMs: null, lat: null, lon: null, summary: 'hand-made', score: null, evidence: [],
        };
      });
      await replaceEvents(conn, { deviceId: v.deviceId }, ['hand@1'], events, NOW_MS);
    }
  });
}
