import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Detector } from '../domain/detect/detector.ts';
import type { DetectedEvent, StoredEvent } from '../domain/events/detected-event.ts';
import { segmentPeriods } from '../domain/segmentation/segment-periods.ts';
import { sliceFrame } from '../domain/telemetry-frame.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';
import { listChargers } from '../store/charger-repository.ts';
import { finishWork, markFastWorkDone, type WorkKey } from '../store/derived-work-repository.ts';
import { eventFingerprint, listEventsOfDevices, replaceEventsInTransaction, updateEvents, type EventChanges } from '../store/event-repository.ts';
import { inTransaction } from '../store/in-transaction.ts';
import { readSeriesOfDevices } from '../store/series-repository.ts';
import { deviceFactsOfDevices } from '../store/telemetry-repository.ts';
import type { DeviceFacts } from '../domain/devices/device-facts.ts';
import { replaceSessionsOfDevicesInTransaction, sessionAnchorsOfDevices } from '../store/session-repository.ts';
import type { StoreConnection, TelemetryStore } from '../store/telemetry-store.ts';
import { ALL_TIME_MS, type DeviceDetection } from '../detect/detect-device.ts';
import { crashPoint } from './crash-point.ts';

/** One device of a cycle: the earliest new row, the detectors due to judge it, whether its sessions are due. */
export interface CycleWork {
  deviceId: string;
  newRowsFromMs: number;
  detectors: readonly Detector[];
  sessions: boolean;
  /** Work rows this cycle settles (`fast`: marks them judged; `slow`: deletes them). */
  keys: readonly WorkKey[];
}

export interface CycleOptions {
  stage: 'fast' | 'slow';
  /** ctx.nowMs for the detectors (the injectable clock). */
  nowMs?: number | undefined;
  /**
   * Per device, the data time silence is judged at, given the series' last row: how long we have
   * not heard from the device, counted from its last row (default: nowMs for every device).
   */
  silenceNowMs?: ((deviceId: string, lastTsMs: number) => number) | undefined;
  /** Where the series come from: the store by default; the pipeline's in-memory tails for fast cycles. */
  readSeries?: (conn: StoreConnection, reads: readonly { deviceId: string; fromMs: number; newRowsFromMs: number }[]) => Promise<Map<string, TelemetrySeries>>;
  /** Throws when the devices are no longer this process's to write (ownership), just before the transaction. */
  fence?: ((deviceIds: readonly string[]) => void) | undefined;
}

export interface CycleResult extends DeviceDetection {
  /** The earliest time a detector asked to judge this device again with no new data (silence). */
  wakeAtMs: number | undefined;
  /** The last row's time (what a silence re-judgement starts from). */
  lastTsMs: number | undefined;
}

interface Window {
  work: CycleWork;
  detector: Detector;
  fromMs: number;
  found: DetectedEvent[];
}

/**
 * One cycle of the derived-data pipeline for many devices at once, with the same windows and
 * results as detectDevice / refreshSessions run per device, but a fixed number of queries:
 *   stored events overlapping each detector's base window (one query) → widen each window to the
 *   start of its open events (one more for devices whose window widened) → session anchors (slow
 *   stage) → every series in one read, once per device, from the earliest any consumer needs →
 *   chargers once → run the detectors; segment the same series → compare with what is stored →
 *   ONE transaction: rewrite changed events, replace windows where an event came or went, replace
 *   the sessions, and settle the work rows. A crash before the commit leaves the work rows, so
 *   the cycle is run again after the restart; after it, the derived state is there and the work gone.
 */
export async function runDerivedCycle(store: TelemetryStore, work: readonly CycleWork[], options: CycleOptions): Promise<CycleResult[]> {
  if (work.length === 0) return [];
  return store.withConnection(async (conn) => {
    const base = (w: CycleWork, d: Detector) => w.newRowsFromMs - d.lookbackMs;
    const judged = work.filter((w) => w.detectors.length > 0);
    const stored = await listEventsOfDevices(conn, judged.map((w) => ({ deviceId: w.deviceId, fromMs: Math.min(...w.detectors.map((d) => base(w, d))) })));
    const windows: Window[] = [];
    for (const w of judged) {
      for (const d of w.detectors) {
        const b = base(w, d);
        let fromMs = b;
        // As detectDevice: an event still open at the window's start is judged again whole.
        for (const e of stored.get(w.deviceId) ?? []) {
          if (e.detector === d.name && e.startMs < b && (e.endMs ?? e.startMs) >= b) fromMs = Math.min(fromMs, e.startMs);
        }
        windows.push({ work: w, detector: d, fromMs, found: [] });
      }
    }
    const earliest = new Map<string, number>();
    for (const win of windows) earliest.set(win.work.deviceId, Math.min(earliest.get(win.work.deviceId) ?? Infinity, win.fromMs));
    const widened = judged.filter((w) => earliest.get(w.deviceId)! < Math.min(...w.detectors.map((d) => base(w, d))));
    if (widened.length > 0) {
      const more = await listEventsOfDevices(conn, widened.map((w) => ({ deviceId: w.deviceId, fromMs: earliest.get(w.deviceId)! })));
      for (const [deviceId, events] of more) stored.set(deviceId, events);
    }
    const readFrom = new Map<string, number>();
    const need = (deviceId: string, fromMs: number) => readFrom.set(deviceId, Math.min(readFrom.get(deviceId) ?? Infinity, Math.max(ALL_TIME_MS, fromMs)));
    for (const win of windows) need(win.work.deviceId, win.fromMs - win.detector.lookbackMs);
    // Sessions start one stored period before the earliest new row, so the smoothing rules (a stop
    // between two drives, say) have the context a full recompute would have.
    const sessionsFrom = new Map<string, number | undefined>();
    const withSessions = work.filter((w) => w.sessions);
    const anchors = withSessions.length > 0 ? await sessionAnchorsOfDevices(conn, withSessions.map((w) => ({ deviceId: w.deviceId, tsMs: w.newRowsFromMs })), 1) : new Map<string, number>();
    for (const w of withSessions) {
      const anchor = anchors.get(w.deviceId);
      sessionsFrom.set(w.deviceId, anchor);
      need(w.deviceId, anchor ?? ALL_TIME_MS);
    }
    const workOf = new Map(work.map((w) => [w.deviceId, w]));
    const reads = [...readFrom].map(([deviceId, fromMs]) => ({ deviceId, fromMs, newRowsFromMs: workOf.get(deviceId)!.newRowsFromMs }));
    const series = reads.length === 0 ? new Map<string, TelemetrySeries>() : await (options.readSeries ?? defaultRead)(conn, reads);
    const chargers = windows.length > 0 ? await listChargers(conn) : [];
    // The registered battery, reserve and cut-off reach the detectors, as in a batch run (detectDevice).
    const facts = windows.length > 0 ? await deviceFactsOfDevices(conn, [...new Set(windows.map((w) => w.work.deviceId))]) : new Map<string, DeviceFacts>();
    const wakeAt = new Map<string, number>();
    for (const [k, win] of windows.entries()) {
      // A slow cycle's heavy detectors run over long series: the event loop gets a turn between
      // devices, so ingest requests and the fast stage's cycles are not held up for the whole batch.
      if (options.stage === 'slow' && k > 0 && win.work !== windows[k - 1]!.work) await nextTurn();
      const s = series.get(win.work.deviceId)!;
      const device = facts.get(win.work.deviceId);
      const lastTsMs = s.length > 0 ? s.tsMs[s.length - 1]! : undefined;
      const nowMs = options.silenceNowMs && lastTsMs !== undefined ? options.silenceNowMs(win.work.deviceId, lastTsMs) : options.nowMs;
      const ctx = { deviceId: win.work.deviceId, chargers, fromMs: win.fromMs, ...(nowMs === undefined ? {} : { nowMs }), ...(device ? { device } : {}) };
      const found = s.length === 0 ? [] : await win.detector.detect(s, ctx);
      win.found = found.filter((e) => e.startMs >= win.fromMs);
      const wake = s.length === 0 ? undefined : win.detector.wakeAtMs?.(s, ctx);
      if (wake !== undefined) wakeAt.set(win.work.deviceId, Math.min(wakeAt.get(win.work.deviceId) ?? Infinity, wake));
    }
    const periods = new Map<string, ReturnType<typeof segmentPeriods>>();
    for (const [deviceId, anchor] of sessionsFrom) {
      if (periods.size > 0) await nextTurn();
      const s = series.get(deviceId)!;
      let from = 0;
      if (anchor !== undefined) while (from < s.length && s.tsMs[from]! < anchor) from++;
      periods.set(deviceId, segmentPeriods(from === 0 ? s : sliceFrame(s, from, s.length)));
    }

    const changesByDevice = new Map<string, EventChanges>();
    const changesOf = (deviceId: string) => {
      let c = changesByDevice.get(deviceId);
      if (!c) changesByDevice.set(deviceId, (c = { created: [], updated: [], removed: [] }));
      return c;
    };
    const replaced: Window[] = [];
    const updates: DetectedEvent[] = [];
    for (const win of windows) {
      const diff = windowChanges(win, stored.get(win.work.deviceId) ?? []);
      if (diff?.other) replaced.push(win);
      else if (diff) updates.push(...diff.updates);
    }
    const keys = work.flatMap((w) => w.keys);
    if (replaced.length > 0 || updates.length > 0 || periods.size > 0 || keys.length > 0) {
      options.fence?.(work.map((w) => w.deviceId));
      const nowMs = store.now();
      // The devices are ours for the cycle (serialised), so the rows read above are still what is stored.
      await inTransaction(conn, async () => {
        await updateEvents(conn, updates, nowMs);
        for (const e of updates) changesOf(e.deviceId).updated.push(e);
        for (const win of replaced) {
          const c = await replaceEventsInTransaction(conn, { deviceId: win.work.deviceId, fromMs: win.fromMs }, [win.detector.name], win.found, nowMs);
          const all = changesOf(win.work.deviceId);
          all.created.push(...c.created);
          all.updated.push(...c.updated);
          all.removed.push(...c.removed);
        }
        if (sessionsFrom.size > 0) await replaceSessionsOfDevicesInTransaction(conn, [...sessionsFrom].map(([deviceId, fromMs]) => ({ deviceId, fromMs, periods: periods.get(deviceId)! })));
        if (options.stage === 'fast') await markFastWorkDone(conn, keys);
        else await finishWork(conn, keys);
      });
      await crashPoint(options.stage === 'fast' ? 'pipeline:after-fast' : 'pipeline:after-slow');
    }
    return work.map((w) => {
      const own = windows.filter((win) => win.work === w);
      const events = own.flatMap((win) => win.found).sort((a, b) => a.startMs - b.startMs || a.eventId.localeCompare(b.eventId));
      const s = series.get(w.deviceId);
      return {
        deviceId: w.deviceId,
        fromMs: Math.min(-ALL_TIME_MS, ...own.map((win) => win.fromMs)),
        toMs: null,
        rows: s?.length ?? 0,
        events,
        changes: changesByDevice.get(w.deviceId) ?? { created: [], updated: [], removed: [] },
        wakeAtMs: wakeAt.get(w.deviceId),
        lastTsMs: s && s.length > 0 ? s.tsMs[s.length - 1] : undefined,
      };
    });
  });
}

const defaultRead: NonNullable<CycleOptions['readSeries']> = (conn, reads) => readSeriesOfDevices(conn, reads);

/**
 * What replaceEvents would do to this window, by the same comparison on the rows read above:
 * undefined = nothing; `updates` alone = only stored events rewritten (done in bulk); `other` =
 * an event created or removed (done through replaceEvents, inside the cycle's transaction).
 */
function windowChanges(win: Window, stored: readonly StoredEvent[]): { updates: DetectedEvent[]; other: boolean } | undefined {
  const before = new Map<string, string>();
  for (const e of stored) if (e.detector === win.detector.name && e.startMs >= win.fromMs) before.set(e.eventId, eventFingerprint(e));
  const seen = new Set<string>();
  const updates: DetectedEvent[] = [];
  let other = false;
  for (const e of win.found) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const fingerprint = before.get(e.eventId);
    if (fingerprint === undefined) other = true;
    else if (fingerprint !== eventFingerprint(e)) updates.push(e);
  }
  for (const id of before.keys()) if (!seen.has(id)) other = true;
  return other || updates.length > 0 ? { updates, other } : undefined;
}
