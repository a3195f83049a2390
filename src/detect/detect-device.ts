import type { Detector } from '../domain/detect/detector.ts';
import type { DetectedEvent } from '../domain/events/detected-event.ts';
import { listChargers } from '../store/charger-repository.ts';
import { listEvents, replaceEvents, type EventChanges } from '../store/event-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/** Far enough back to mean "from the beginning" and still be a valid DuckDB timestamp. */
export const ALL_TIME_MS = -8.64e15 / 2;

export interface DetectWindow {
  /** Inclusive; undefined = the device's whole history. */
  fromMs?: number | undefined;
  /** Exclusive; undefined = up to the latest row. */
  toMs?: number | undefined;
  /**
   * Live runs: an event that started before the window but had not ended by its start may end
   * (or grow) because of the new rows, so the window starts at that event and judges it whole.
   * Explicit runs replace exactly the window asked for.
   */
  reopen?: boolean;
}

export interface DeviceDetection {
  deviceId: string;
  /** The window whose events were replaced (its start may lie before the one asked for, see below). */
  fromMs: number;
  toMs: number | null;
  rows: number;
  events: DetectedEvent[];
  changes: EventChanges;
}

export function maxLookbackMs(detectors: readonly Detector[]): number {
  return detectors.reduce((m, d) => Math.max(m, d.lookbackMs), 0);
}

/**
 * Detection for one device over one window, written to the store (phases: widen a live window
 * to cover events still open → read the series with the detectors' lookback → run each detector →
 * replace the window's events). Replacing makes it idempotent: run twice, the second run changes
 * nothing; and because every detector judges a moment only from `lookbackMs` of history, a window
 * gives the same events a run over the whole history would.
 */
export async function detectDevice(
  store: TelemetryStore,
  deviceId: string,
  window: DetectWindow,
  detectors: readonly Detector[],
): Promise<DeviceDetection> {
  const names = detectors.map((d) => d.name);
  return store.withConnection(async (conn) => {
    let fromMs = window.fromMs ?? ALL_TIME_MS;
    if (window.reopen && fromMs > ALL_TIME_MS) {
      const open = await listEvents(conn, { deviceId, fromMs, toMs: fromMs });
      for (const e of open) if (names.includes(e.detector) && e.startMs < fromMs) fromMs = Math.min(fromMs, e.startMs);
    }
    const lookbackMs = maxLookbackMs(detectors);
    // Read past the window's end: an event that starts inside it is judged (confirmed, ended) with
    // every row there is, so a window run agrees with a run over the whole history.
    const series = await readSeries(conn, { deviceId, fromMs: fromMs - lookbackMs });
    const chargers = await listChargers(conn);
    const toMs = window.toMs ?? Infinity;
    const events: DetectedEvent[] = [];
    for (const detector of detectors) {
      if (series.length === 0) break;
      const found = await detector.detect(series, { deviceId, chargers, fromMs });
      // The contract asks detectors to report only from `fromMs`; the window end is ours to keep.
      for (const e of found) if (e.startMs >= fromMs && e.startMs < toMs) events.push(e);
    }
    events.sort((a, b) => a.startMs - b.startMs || a.eventId.localeCompare(b.eventId));
    const changes = await replaceEvents(conn, { deviceId, fromMs, toMs: window.toMs }, names, events, store.now());
    return { deviceId, fromMs, toMs: window.toMs ?? null, rows: series.length, events, changes };
  });
}
