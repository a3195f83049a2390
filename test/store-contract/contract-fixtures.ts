import { emptyBatch, type TelemetryBatch } from '../../src/domain/telemetry-batch.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { Period } from '../../src/domain/segmentation/period-stats.ts';

export const T0 = Date.UTC(2024, 0, 1, 8, 0, 0);

export interface RowSpec {
  deviceId: string;
  tsMs: number;
  speedKph?: number;
  socPct?: number;
  state?: string;
  errorCodes?: string;
}

/** A validated batch from a few rows (missing numbers NaN, as the validator leaves them). */
export function batchOf(rows: readonly RowSpec[]): TelemetryBatch {
  const b = emptyBatch(rows.length);
  rows.forEach((r, i) => {
    b.rowNumbers[i] = i + 1;
    b.deviceId[i] = r.deviceId;
    b.tsMs[i] = r.tsMs;
    if (r.speedKph !== undefined) b.numbers.speed_kph[i] = r.speedKph;
    if (r.socPct !== undefined) b.numbers.soc_pct[i] = r.socPct;
    b.text.state[i] = r.state ?? null;
    b.lists.error_codes[i] = r.errorCodes ?? null;
  });
  b.length = rows.length;
  return b;
}

export function period(kind: Period['kind'], startMs: number, endMs: number, extra: Partial<Period> = {}): Period {
  return {
    kind, startMs, endMs, durationS: (endMs - startMs) / 1000, startLat: null, startLon: null, endLat: null, endLon: null,
    distanceKm: kind === 'drive' ? 1.5 : null, distanceSource: kind === 'drive' ? 'speed' : null, avgSpeedKph: null, maxSpeedKph: null,
    socStartPct: 80, socEndPct: 79, energyUsedKwh: null, socUsedPct: 1, consumptionKwhPerKm: null, consumptionPctPerKm: null,
    minOutsideTempC: null, maxOutsideTempC: null, minBatteryTempC: null, maxBatteryTempC: null, errorCodes: [], sampleCount: 10, conditions: null,
    ...extra,
  };
}

export function event(deviceId: string, eventId: string, startMs: number, extra: Partial<DetectedEvent> = {}): DetectedEvent {
  return {
    eventId, deviceId, kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical', detector: 'breakdown-rules@1',
    startMs, endMs: startMs + 60_000, lat: 48.85, lon: 2.35, summary: 'stopped while driving', score: 0.9,
    evidence: [{ signal: 'speed_kph', value: 0, threshold: 1, atMs: startMs }], ...extra,
  };
}
