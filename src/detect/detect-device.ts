import type { Detector } from '../domain/detect/detector.ts';
import type { DetectedEvent } from '../domain/events/detected-event.ts';
import { listChargers } from '../store/charger-repository.ts';
import { listEvents, replaceEvents, type EventChanges } from '../store/event-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import { deviceFactsOf, getDevice } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/** Far enough back to mean "from the beginning" and still be a valid DuckDB timestamp. */
export const ALL_TIME_MS = -8.64e15 / 2;

export interface DetectWindow {
  /** Inclusive; undefined = the device's whole history. Ignored when `newRowsFromMs` is given. */
  fromMs?: number | undefined;
  /** Exclusive; undefined = up to the latest row. */
  toMs?: number | undefined;
  /**
   * Live runs: the earliest row just committed. Each detector then re-judges from its own
   * lookback before it (a new row can confirm, end or cancel a moment that began up to that long
   * before), and further back to the start of any of its events still open there, so the event
   * is judged again whole.
   */
  newRowsFromMs?: number | undefined;
  /** ctx.nowMs for the detectors (silence is judged against it); default the store's clock. */
  nowMs?: number | undefined;
}

export interface DeviceDetection {
  deviceId: string;
  /** Earliest start of the windows whose events were replaced. */
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
 * Detection for one device, written to the store. Phases: each detector's window (the one asked
 * for, or for live runs the new rows' time less its lookback, widened to cover its open events) →
 * read the series once, from the earliest window start less the longest lookback → run each
 * detector → replace each detector's window of events. Replacing makes it idempotent (a second
 * run changes nothing), and since a detector judges a moment only from `lookbackMs` of history,
 * a window gives the same events a run over the whole history would.
 */
export async function detectDevice(
  store: TelemetryStore,
  deviceId: string,
  window: DetectWindow,
  detectors: readonly Detector[],
): Promise<DeviceDetection> {
  return store.withConnection(async (conn) => {
    const starts: number[] = [];
    for (const d of detectors) {
      if (window.newRowsFromMs === undefined) {
        starts.push(window.fromMs ?? ALL_TIME_MS);
        continue;
      }
      let fromMs = window.newRowsFromMs - d.lookbackMs;
      const open = await listEvents(conn, { deviceId, fromMs, toMs: fromMs });
      for (const e of open) if (e.detector === d.name && e.startMs < fromMs) fromMs = Math.min(fromMs, e.startMs);
      starts.push(fromMs);
    }
    const readFromMs = Math.min(ALL_TIME_MS * -1, ...detectors.map((d, i) => starts[i]! - d.lookbackMs));
    // Read past the window's end: an event that starts inside it is judged (confirmed, ended) with
    // every row there is, so a window run agrees with a run over the whole history.
    const series = await readSeries(conn, { deviceId, fromMs: Math.max(ALL_TIME_MS, readFromMs) });
    const chargers = await listChargers(conn);
    // The registered battery, reserve and cut-off reach the detectors (absent fields: model defaults).
    const registered = await getDevice(conn, deviceId);
    const device = registered ? deviceFactsOf(registered) : undefined;
    const toMs = window.toMs ?? Infinity;
    const nowMs = window.nowMs ?? store.now();
    const events: DetectedEvent[] = [];
    const changes: EventChanges = { created: [], updated: [], removed: [] };
    for (const [i, detector] of detectors.entries()) {
      const fromMs = starts[i]!;
      const found = series.length === 0 ? [] : await detector.detect(series, { deviceId, chargers, fromMs, nowMs, ...(device ? { device } : {}) });
      // The contract asks detectors to report only from `fromMs`; the window end is ours to keep.
      const kept = found.filter((e) => e.startMs >= fromMs && e.startMs < toMs);
      const c = await replaceEvents(conn, { deviceId, fromMs, toMs: window.toMs }, [detector.name], kept, store.now());
      changes.created.push(...c.created);
      changes.updated.push(...c.updated);
      changes.removed.push(...c.removed);
      events.push(...kept);
    }
    events.sort((a, b) => a.startMs - b.startMs || a.eventId.localeCompare(b.eventId));
    return { deviceId, fromMs: Math.min(-ALL_TIME_MS, ...starts), toMs: window.toMs ?? null, rows: series.length, events, changes };
  });
}
