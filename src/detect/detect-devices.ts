import type { Detector } from '../domain/detect/detector.ts';
import type { DetectedEvent, StoredEvent } from '../domain/events/detected-event.ts';
import { listChargers } from '../store/charger-repository.ts';
import { eventFingerprint, listEventsOfDevices, replaceEventsInTransaction, updateEvents, type EventChanges } from '../store/event-repository.ts';
import { readSeriesOfDevices } from '../store/series-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { ALL_TIME_MS, type DeviceDetection } from './detect-device.ts';

/** One device of a live cycle: the earliest new row and the detectors due to judge it. */
export interface LiveWork {
  deviceId: string;
  newRowsFromMs: number;
  detectors: readonly Detector[];
}

interface Window {
  work: LiveWork;
  detector: Detector;
  fromMs: number;
  found: DetectedEvent[];
}

/**
 * Live detection for many devices at once, with the same windows and results as detectDevice
 * run per device (`newRowsFromMs`), but a fixed number of queries per cycle instead of ~10 per
 * device. Phases: stored events overlapping each detector's base window (one query) → widen each
 * window to the start of its open events (one more query for devices whose window widened) →
 * every series in one query → chargers once → run the detectors → compare with what is stored
 * (the fingerprint replaceEvents uses) → in one transaction, rewrite in bulk the events that only
 * changed, and replace the windows where an event came or went. Most cycles find nothing new and write nothing.
 */
export async function detectDevices(store: TelemetryStore, work: readonly LiveWork[]): Promise<DeviceDetection[]> {
  if (work.length === 0) return [];
  return store.withConnection(async (conn) => {
    const base = (w: LiveWork, d: Detector) => w.newRowsFromMs - d.lookbackMs;
    const stored = await listEventsOfDevices(conn, work.map((w) => ({ deviceId: w.deviceId, fromMs: Math.min(...w.detectors.map((d) => base(w, d))) })));
    const windows: Window[] = [];
    for (const w of work) {
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
    const widened = work.filter((w) => earliest.get(w.deviceId)! < Math.min(...w.detectors.map((d) => base(w, d))));
    if (widened.length > 0) {
      const more = await listEventsOfDevices(conn, widened.map((w) => ({ deviceId: w.deviceId, fromMs: earliest.get(w.deviceId)! })));
      for (const [deviceId, events] of more) stored.set(deviceId, events);
    }
    const readFrom = new Map<string, number>();
    for (const win of windows) {
      const from = Math.max(ALL_TIME_MS, win.fromMs - win.detector.lookbackMs);
      readFrom.set(win.work.deviceId, Math.min(readFrom.get(win.work.deviceId) ?? Infinity, from));
    }
    const series = await readSeriesOfDevices(conn, [...readFrom].map(([deviceId, fromMs]) => ({ deviceId, fromMs })));
    const chargers = await listChargers(conn);
    for (const win of windows) {
      const s = series.get(win.work.deviceId)!;
      const found = s.length === 0 ? [] : await win.detector.detect(s, { deviceId: win.work.deviceId, chargers, fromMs: win.fromMs });
      win.found = found.filter((e) => e.startMs >= win.fromMs);
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
    if (replaced.length > 0 || updates.length > 0) {
      const nowMs = store.now();
      await conn.run('BEGIN TRANSACTION');
      try {
        // The devices are ours for the cycle (serialised), so the rows read above are still what is stored.
        await updateEvents(conn, updates, nowMs);
        for (const e of updates) changesOf(e.deviceId).updated.push(e);
        for (const win of replaced) {
          const c = await replaceEventsInTransaction(conn, { deviceId: win.work.deviceId, fromMs: win.fromMs }, [win.detector.name], win.found, nowMs);
          const all = changesOf(win.work.deviceId);
          all.created.push(...c.created);
          all.updated.push(...c.updated);
          all.removed.push(...c.removed);
        }
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK');
        throw err;
      }
    }
    return work.map((w) => {
      const own = windows.filter((win) => win.work === w);
      const events = own.flatMap((win) => win.found).sort((a, b) => a.startMs - b.startMs || a.eventId.localeCompare(b.eventId));
      return {
        deviceId: w.deviceId,
        fromMs: Math.min(-ALL_TIME_MS, ...own.map((win) => win.fromMs)),
        toMs: null,
        rows: series.get(w.deviceId)?.length ?? 0,
        events,
        changes: changesByDevice.get(w.deviceId) ?? { created: [], updated: [], removed: [] },
      };
    });
  });
}

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
