import type { Detector } from '../domain/detect/detector.ts';
import type { DetectedEvent } from '../domain/events/detected-event.ts';
import type { StoreBackend } from '../store/contract/store-backend.ts';
import type { EventChanges } from '../store/event-repository.ts';
import { seriesFromColumns } from '../store/series-from-columns.ts';
import { deviceFactsOf } from '../store/telemetry-repository.ts';
import { ALL_TIME_MS, type DeviceDetection } from './detect-device.ts';

/**
 * Detection for one device's window over the storage contract (any backend), with the phases of
 * detectDevice: read the series once from the window start less the longest lookback → run each
 * detector → replace each detector's window of events (idempotent). Live runs (newRowsFromMs,
 * open events widening the window) stay with detectDevice on DuckDB.
 */
export async function detectOnBackend(
  backend: StoreBackend,
  deviceId: string,
  window: { fromMs?: number | undefined; toMs?: number | undefined; nowMs: number },
  detectors: readonly Detector[],
): Promise<DeviceDetection> {
  const fromMs = window.fromMs ?? ALL_TIME_MS;
  const lookbackMs = detectors.reduce((m, d) => Math.max(m, d.lookbackMs), 0);
  const series = seriesFromColumns(await backend.telemetry.readColumns({ deviceId, fromMs: Math.max(ALL_TIME_MS, fromMs - lookbackMs) }));
  const chargers = await backend.chargers.list();
  const registered = await backend.devices.get(deviceId);
  const device = registered ? deviceFactsOf(registered) : undefined;
  const toMs = window.toMs ?? Infinity;
  const events: DetectedEvent[] = [];
  const changes: EventChanges = { created: [], updated: [], removed: [] };
  for (const detector of detectors) {
    const found = series.length === 0 ? [] : await detector.detect(series, { deviceId, chargers, fromMs, nowMs: window.nowMs, ...(device ? { device } : {}) });
    const kept = found.filter((e) => e.startMs >= fromMs && e.startMs < toMs);
    const c = await backend.events.replace({ deviceId, fromMs, toMs: window.toMs }, [detector.name], kept, window.nowMs);
    changes.created.push(...c.created);
    changes.updated.push(...c.updated);
    changes.removed.push(...c.removed);
    events.push(...kept);
  }
  events.sort((a, b) => a.startMs - b.startMs || a.eventId.localeCompare(b.eventId));
  return { deviceId, fromMs, toMs: window.toMs ?? null, rows: series.length, events, changes };
}
