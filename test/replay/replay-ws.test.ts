import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import type { ServerMessage } from '../../src/replay/replay-protocol.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { listSessions } from '../../src/store/session-repository.ts';
import { openTempStore } from '../temp-store.ts';
import { adminKeyOf, listenWithAdminKey } from '../api-key.ts';

const DIR = join(import.meta.dirname, '../../fixtures/twizy-rsk');
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let wsUrl: string;

/** A real WebSocket client (the `ws` package) that records what the server sends. */
class Client {
  readonly messages: ServerMessage[] = [];
  private readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  constructor() {
    this.ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${adminKeyOf(wsUrl.replace(/^ws/, 'http'))}` } });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async ready(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(command: object): void {
    this.ws.send(JSON.stringify(command));
  }

  async until(predicate: (m: ServerMessage[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      if (Date.now() > deadline) throw new Error(`timed out; last messages: ${JSON.stringify(this.messages.slice(-3)).slice(0, 500)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  frames(): Extract<ServerMessage, { type: 'frame' }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: 'frame' }> => m.type === 'frame');
  }

  close(): void {
    this.ws.close();
  }
}

beforeAll(async () => {
  store = await openTempStore();
  // Many clients share the test's one key: the per-key socket cap is raised, not what is tested here.
  app = await buildApp({ store, limits: { socketsPerKey: 1000 } });
  for (const file of ['T3_04_22_2021_1.csv', 'T3_04_22_2021_2.csv']) {
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk', onCommitted: (t) => app.sessions.schedule(t) });
  }
  await app.sessions.idle();
  const base = await listenWithAdminKey(app);
  wsUrl = `${base.replace('http', 'ws')}/v1/replay`;
});

afterAll(async () => {
  await app.close();
  await store?.dispose();
});

describe('WebSocket replay at /v1/replay', () => {
  it('replays a stored drive at 1000× in time order, every sample once, then says it ended', async () => {
    const [drive] = await listSessions(store.db, { deviceId: 'twizy', kind: 'drive' });
    const client = new Client();
    await client.ready();
    client.send({ type: 'open', deviceId: 'twizy', sessionId: drive!.sessionId, speed: 1000, autoplay: true });
    await client.until((m) => m.some((x) => x.type === 'end'));
    expect(client.messages[0]).toMatchObject({ type: 'ready', deviceId: 'twizy', startMs: drive!.startMs, endMs: drive!.endMs });
    expect(client.messages[1]).toMatchObject({ type: 'backfill', atMs: drive!.startMs });
    const times = client.frames().flatMap((f) => f.rows.ts as number[]);
    const inRange = await store.db.runAndReadAll(
      "SELECT count(*) FROM telemetry WHERE device_id = 'twizy' AND ts BETWEEN epoch_ms(CAST($1 AS BIGINT)) AND epoch_ms(CAST($2 AS BIGINT))",
      [drive!.startMs, drive!.endMs],
    );
    expect(times.length).toBe(Number(inRange.getRows()[0]![0]));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    const speeds = client.frames().flatMap((f) => f.rows.speed_kph as (number | null)[]);
    expect(Math.max(...speeds.map((v) => v ?? 0))).toBe(drive!.maxSpeedKph);
    client.close();
  });

  it('pauses, seeks with back-fill, changes speed and jumps to the next session, for many clients at once', async () => {
    const clients = Array.from({ length: 20 }, () => new Client());
    await Promise.all(clients.map((c) => c.ready()));
    const sessions = await listSessions(store.db, { deviceId: 'twizy' });
    clients.forEach((c, k) => c.send({ type: 'open', deviceId: 'twizy', speed: 10 + k, autoplay: true }));
    await Promise.all(clients.map((c) => c.until((m) => m.filter((x) => x.type === 'frame').length >= 3)));
    for (const c of clients) c.send({ type: 'pause' });
    await Promise.all(clients.map((c) => c.until((m) => m.some((x) => x.type === 'state' && x.state === 'paused'))));
    // Each client has its own position.
    const positions = clients.map((c) => (c.messages.findLast((x) => x.type === 'state') as { positionMs: number }).positionMs);
    expect(new Set(positions).size).toBeGreaterThan(1);

    const c = clients[0]!;
    const seekTo = sessions[0]!.startMs + 600_000;
    c.send({ type: 'seek', tMs: seekTo });
    await c.until((m) => m.some((x) => x.type === 'backfill' && x.atMs === seekTo));
    const backfill = c.messages.find((x) => x.type === 'backfill' && x.atMs === seekTo) as { values: Record<string, unknown> };
    expect(backfill.values).toMatchObject({ ts: seekTo, state: expect.any(String) });
    expect(typeof backfill.values.soc_pct).toBe('number');
    c.send({ type: 'speed', speed: 500 });
    await c.until((m) => m.some((x) => x.type === 'state' && x.speed === 500));
    c.send({ type: 'jump', to: 'next' });
    const next = sessions.find((s) => s.startMs > seekTo)!;
    await c.until((m) => m.some((x) => x.type === 'backfill' && x.atMs === next.startMs));
    for (const client of clients) client.close();
  });

  it('jumps to a detected event as well as to session boundaries', async () => {
    const [drive] = await listSessions(store.db, { deviceId: 'twizy', kind: 'drive' });
    const atMs = drive!.startMs + 300_000;
    await store.withConnection((conn) =>
      replaceEvents(conn, { deviceId: 'twizy' }, ['test@1'], [{
        eventId: eventId('twizy', 'anomaly', 'test', atMs), deviceId: 'twizy', kind: 'anomaly', subkind: 'test', severity: 'warning', detector: 'test@1',
        startMs: atMs, endMs: atMs + 1000, lat: null, lon: null, summary: 'a test moment', score: null, evidence: [],
      }], 0),
    );
    const c = new Client();
    await c.ready();
    c.send({ type: 'open', deviceId: 'twizy', sessionId: drive!.sessionId, speed: 1, autoplay: false });
    await c.until((m) => m.some((x) => x.type === 'ready'));
    const ready = c.messages.find((x) => x.type === 'ready') as { marks: { tMs: number; kind: string; label: string }[] };
    expect(ready.marks).toContainEqual({ tMs: atMs, kind: 'event:anomaly', label: 'a test moment' });
    c.send({ type: 'jump', to: 'next' });
    await c.until((m) => m.some((x) => x.type === 'backfill' && x.atMs === atMs));
    c.close();
    await store.withConnection((conn) => replaceEvents(conn, { deviceId: 'twizy' }, ['test@1'], [], 0));
  });

  it('opens a moment of truth from before it to after the end of its drive, with the moment as focus, in the units asked for', async () => {
    // The aftermath through parks and tows is domain/replay/event-replay-span's (unit-tested); here the
    // first Twizy drive is followed by a gap, so the replay runs a little past the drive's end.
    const [drive] = await listSessions(store.db, { deviceId: 'twizy', kind: 'drive' });
    // A breakdown at the end of the drive: the drive session alone would stop where the car stopped.
    const startMs = drive!.endMs - 60_000;
    const id = eventId('twizy', 'breakdown', 'test', startMs);
    await store.withConnection((conn) =>
      replaceEvents(conn, { deviceId: 'twizy' }, ['test@1'], [{
        eventId: id, deviceId: 'twizy', kind: 'breakdown', subkind: 'test', severity: 'critical', detector: 'test@1',
        startMs, endMs: drive!.endMs, lat: null, lon: null, summary: 'stopped', score: null, evidence: [],
      }], 0),
    );
    const c = new Client();
    await c.ready();
    c.send({ type: 'open', deviceId: 'twizy', eventId: id, units: 'imperial' });
    await c.until((m) => m.some((x) => x.type === 'ready'));
    const ready = c.messages.find((x) => x.type === 'ready') as Extract<ServerMessage, { type: 'ready' }>;
    expect(ready.focus).toEqual({ eventId: id, startMs, endMs: drive!.endMs });
    expect(ready.startMs).toBe(startMs - 120_000);
    expect(ready.endMs).toBe(drive!.endMs + 120_000);
    expect(ready.units).toBe('imperial');
    const other = new Client();
    await other.ready();
    other.send({ type: 'open', deviceId: 'twizy', eventId: 'no-such-event' });
    await other.until((m) => m.some((x) => x.type === 'error'));
    expect(other.messages.find((x) => x.type === 'error')).toMatchObject({ code: 'NOT_FOUND', message: "no event 'no-such-event' for device 'twizy'" });
    c.close();
    other.close();
    await store.withConnection((conn) => replaceEvents(conn, { deviceId: 'twizy' }, ['test@1'], [], 0));
  });

  it('answers bad commands with an error message, not a dropped connection', async () => {
    const c = new Client();
    await c.ready();
    c.send({ type: 'play' });
    c.send({ type: 'open', deviceId: 'nobody' });
    c.send({ type: 'speed', speed: 5000 });
    await c.until((m) => m.filter((x) => x.type === 'error').length >= 3);
    expect(c.messages.map((m) => (m as { code?: string }).code)).toEqual(['NOT_OPEN', 'NOT_FOUND', 'BAD_COMMAND']);
    c.close();
  });
});
