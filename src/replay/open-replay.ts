import type { DuckDBConnection } from '@duckdb/node-api';
import { getSession, listSessions } from '../store/session-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import { getDevice } from '../store/telemetry-repository.ts';
import type { OpenCommand } from './replay-protocol.ts';
import { SeriesReplaySource } from './replay-source.ts';

/** A replay loads its range into memory once; beyond this many samples, ask for a shorter range. */
export const MAX_REPLAY_ROWS = 2_000_000;

export type OpenResult = { source: SeriesReplaySource } | { error: { code: string; message: string } };

/** Resolves an `open` command (device + range, or a session) into a replay source with its marks. */
export async function openReplaySource(conn: DuckDBConnection, command: OpenCommand): Promise<OpenResult> {
  const device = await getDevice(conn, command.deviceId);
  if (!device || device.firstTs === null || device.lastTs === null) return { error: { code: 'NOT_FOUND', message: `no data for device '${command.deviceId}'` } };
  let startMs = command.fromMs ?? Date.parse(device.firstTs);
  let endMs = command.toMs ?? Date.parse(device.lastTs);
  if (command.sessionId) {
    const session = await getSession(conn, command.deviceId, command.sessionId);
    if (!session) return { error: { code: 'NOT_FOUND', message: `no session '${command.sessionId}' for device '${command.deviceId}'` } };
    startMs = session.startMs;
    endMs = session.endMs;
  }
  if (!(endMs >= startMs)) return { error: { code: 'BAD_RANGE', message: 'toMs is before fromMs' } };
  const series = await readSeries(conn, { deviceId: command.deviceId, fromMs: startMs, toMs: endMs + 1 });
  if (series.length > MAX_REPLAY_ROWS) {
    return { error: { code: 'RANGE_TOO_LARGE', message: `${series.length} samples; replay at most ${MAX_REPLAY_ROWS} at a time (pick a session or a shorter range)` } };
  }
  const sessions = await listSessions(conn, { deviceId: command.deviceId, fromMs: startMs, toMs: endMs + 1 });
  const marks = sessions.filter((s) => s.startMs >= startMs && s.startMs <= endMs).map((s) => ({ tMs: s.startMs, kind: s.kind, label: `${s.kind} starts` }));
  return { source: new SeriesReplaySource(command.deviceId, series, marks, { startMs, endMs }) };
}
