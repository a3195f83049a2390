import { eventReplaySpan } from '../domain/replay/event-replay-span.ts';
import { unitSystemFor } from '../domain/replay/unit-system.ts';
import { getEvent, listEvents } from '../store/event-repository.ts';
import { getSession, listSessions } from '../store/session-repository.ts';
import type { DeviceSummary } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { MESSAGES, type ErrorCode } from '../domain/errors/error-catalogue.ts';
import type { OpenCommand } from './replay-protocol.ts';
import type { SharedWindows } from './shared-windows.ts';
import { StoreReplaySource } from './store-replay-source.ts';

export type OpenResult = { source: StoreReplaySource } | { error: { code: ErrorCode; message: string } };

/** Resolves an `open` command (device + range, a session, or a moment of truth with its aftermath) into a replay source with its marks; `device` is what the device check found. */
export async function openReplaySource(store: TelemetryStore, command: OpenCommand, device: DeviceSummary | undefined, windows?: SharedWindows): Promise<OpenResult> {
  return store.withConnection(async (conn) => {
    if (!device || device.firstTs === null || device.lastTs === null) return { error: { code: 'NOT_FOUND', message: MESSAGES.noDataForDevice(command.deviceId) } };
    let startMs = command.fromMs ?? Date.parse(device.firstTs);
    let endMs = command.toMs ?? Date.parse(device.lastTs);
    if (command.sessionId) {
      const session = await getSession(conn, command.deviceId, command.sessionId);
      if (!session) return { error: { code: 'NOT_FOUND', message: MESSAGES.noSession(command.deviceId, command.sessionId) } };
      startMs = session.startMs;
      endMs = session.endMs;
    }
    let focus: { eventId: string; startMs: number; endMs: number } | undefined;
    if (command.eventId) {
      const event = await getEvent(conn, command.deviceId, command.eventId);
      if (!event) return { error: { code: 'NOT_FOUND', message: MESSAGES.noEvent(command.deviceId, command.eventId) } };
      // The sessions after it tell where its aftermath ends (the tow is a park; the next drive or charge ends it).
      const after = await listSessions(conn, { deviceId: command.deviceId, fromMs: event.startMs, toMs: (event.endMs ?? event.startMs) + 7 * 3600_000 });
      const span = eventReplaySpan(event, after, { firstMs: Date.parse(device.firstTs), lastMs: Date.parse(device.lastTs) });
      startMs = command.fromMs ?? span.startMs;
      endMs = command.toMs ?? span.endMs;
      focus = { eventId: event.eventId, startMs: span.eventStartMs, endMs: span.eventEndMs };
    }
    if (!(endMs >= startMs)) return { error: { code: 'BAD_RANGE', message: MESSAGES.rangeReversed() } };
    const sessions = await listSessions(conn, { deviceId: command.deviceId, fromMs: startMs, toMs: endMs + 1 });
    const sessionMarks = sessions.filter((s) => s.startMs >= startMs && s.startMs <= endMs).map((s) => ({ tMs: s.startMs, kind: s.kind, label: `${s.kind} starts` }));
    // Detected moments are marks too: "jump to next" lands on a breakdown as well as on a session boundary.
    const events = await listEvents(conn, { deviceId: command.deviceId, fromMs: startMs, toMs: endMs + 1 });
    const eventMarks = events.filter((e) => e.startMs >= startMs && e.startMs <= endMs).map((e) => ({ tMs: e.startMs, kind: `event:${e.kind}`, label: e.summary }));
    const marks = [...sessionMarks, ...eventMarks];
    return { source: new StoreReplaySource(store, command.deviceId, { startMs, endMs }, marks, {
      ...(windows ? { windows } : {}),
      speed: command.speed ?? 1,
      units: unitSystemFor(device, command.units),
      ...(focus ? { focus } : {}),
    }) };
  });
}
