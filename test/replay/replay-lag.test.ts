import { setImmediate as yieldToIo } from 'node:timers/promises';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { emptySeries } from '../../src/domain/telemetry-series.ts';
import { buildApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/replay/replay-clock.ts';
import { ReplayPlayer } from '../../src/replay/replay-player.ts';
import type { ServerMessage } from '../../src/replay/replay-protocol.ts';
import { SeriesReplaySource } from '../../src/replay/replay-source.ts';
import { openTempStore } from '../temp-store.ts';
import { adminKeyOf, api, listenWithAdminKey } from '../api-key.ts';

const T0 = Date.UTC(2024, 4, 1);
const ROWS = 86_400; // a day at 1 Hz: ~20 MB of frames, more than loopback buffers hold

/** The TCP socket under a client: pausing it stops reading from the kernel, as a stalled client does. */
const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: import('node:net').Socket })._socket;

type Frame = Extract<ServerMessage, { type: 'frame' }>;
type Lag = Extract<ServerMessage, { type: 'lag' }>;

describe('a WebSocket client that stops reading', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  let app: FastifyInstance;
  let base: string;
  const clock = new ManualClock();

  beforeAll(async () => {
    store = await openTempStore();
    app = await buildApp({ store, detectors: [],
    // No lateness budget here: the manual clock runs ahead of real store reads, and this test is about the client.
    replay: { clock, congestedBytes: 64 * 1024, maxLatenessMs: Number.POSITIVE_INFINITY } });
    base = await listenWithAdminKey(app);
    const table = tableFromArrays({
      device_id: Array.from({ length: ROWS }, () => 'slow'),
      ts: Float64Array.from({ length: ROWS }, (_, i) => T0 + i * 1000),
      speed_kph: Float64Array.from({ length: ROWS }, (_, i) => i % 120),
      soc_pct: Float64Array.from({ length: ROWS }, (_, i) => 90 - i / 2000),
    });
    const res = await api(`${base}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/vnd.apache.arrow.stream' }, body: tableToIPC(table, 'stream') });
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await app?.close();
    await store?.dispose();
  });

  async function droppedOnServer(): Promise<number> {
    const metric = await app.metrics.registry.getSingleMetric('telltale_replay_rows_total')!.get();
    return metric.values.find((v) => v.labels.outcome === 'dropped')?.value ?? 0;
  }

  it('is not buffered for: its frames are skipped, then a lag notice says exactly how many rows it missed', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: { authorization: `Bearer ${adminKeyOf(base)}` } });
    const messages: ServerMessage[] = [];
    let notify = () => {};
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as ServerMessage);
      notify();
    });
    const until = async (done: () => boolean, what: string) => {
      for (let turns = 0; !done(); turns++) {
        if (turns > 400) throw new Error(`never saw ${what}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 50); // re-check the condition now and then; never a pass/fail timer
        });
      }
    };
    /** Lets sockets do their I/O, and waits for the player to have scheduled its next tick (it may be waiting on a real store read). */
    const afterNextTick = async () => {
      await yieldToIo();
      for (let turns = 0; clock.pendingTimers === 0; turns++) {
        if (turns > 100_000) throw new Error('the player stopped ticking');
        await yieldToIo();
      }
    };
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'open', deviceId: 'slow', speed: 1000, autoplay: false, loop: true }));
    await until(() => messages.some((m) => m.type === 'state'), 'the player ready');

    // Play (the manual clock stands still until advanced), then stop reading: the socket is paused,
    // so the kernel buffers fill and then the server's.
    ws.send(JSON.stringify({ type: 'play' }));
    await until(() => messages.some((m) => m.type === 'state' && m.state === 'playing'), 'play acknowledged');
    socketOf(ws).pause();
    for (let step = 0; (await droppedOnServer()) === 0; step++) {
      if (step > 400) throw new Error('the server never counted the client as congested');
      await clock.advance(1000); // 1 s of wall time at 1000×: 1,000 rows
      // The player's tick may be waiting on a real store read: go on once it has scheduled the next one.
      await afterNextTick();
    }

    // Read again: the queued frames arrive; once the server's buffer has drained, the next frame
    // is preceded by the notice (until then, ticks are still skipped and counted).
    socketOf(ws).resume();
    for (let step = 0; !messages.some((m) => m.type === 'lag'); step++) {
      if (step > 2000) throw new Error('never saw a lag notice');
      await clock.advance(50);
      await afterNextTick();
    }
    await until(() => messages.findIndex((m) => m.type === 'lag') < messages.map((m) => m.type).lastIndexOf('frame'), 'a frame after the notice');
    const dropped = await droppedOnServer();
    const lag = messages.find((m): m is Lag => m.type === 'lag')!;
    expect(lag).toEqual({ type: 'lag', droppedRows: dropped, reason: 'client' });
    // Nothing lost silently: every row up to the last one sent was either delivered or counted in the notice.
    const frames = messages.filter((m): m is Frame => m.type === 'frame');
    const times = frames.flatMap((f) => f.rows.ts as number[]);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    const lastIndex = (times.at(-1)! - T0) / 1000;
    expect(times.length + lag.droppedRows).toBe(lastIndex + 1);
    ws.close();
  });
});

/** A clock whose time can jump without firing timers: what a server stalled by other work sees. */
class StallingClock extends ManualClock {
  stalledMs = 0;
  override now(): number {
    return super.now() + this.stalledMs;
  }
}

describe('a server that falls behind', () => {
  it('skips the rows it could only send late and says so, instead of sending them late', async () => {
    const n = 20_000;
    const series = emptySeries(n);
    for (let i = 0; i < n; i++) {
      series.tsMs[i] = T0 + i * 1000;
      series.speedKph[i] = i % 50;
    }
    const clock = new StallingClock();
    const source = new SeriesReplaySource('car', series);
    // The 21st read stalls for 2 s (a long store read, a busy event loop).
    let reads = 0;
    const read = source.read.bind(source);
    source.read = async (from, to, inclusive) => {
      if (++reads === 21) clock.stalledMs += 2000;
      return read(from, to, inclusive);
    };
    const messages: ServerMessage[] = [];
    const player = new ReplayPlayer(source, clock, (m) => messages.push(m), { speed: 100, maxLatenessMs: 250 });
    await player.start(true);
    await clock.advance(3000);
    const lags = messages.filter((m): m is Lag => m.type === 'lag');
    expect(lags).toHaveLength(1);
    expect(lags[0]!.reason).toBe('server');
    // 2 s late at 100× is 200 s of data: the rows due more than 250 ms before the late tick are skipped.
    expect(lags[0]!.droppedRows).toBeGreaterThanOrEqual(170);
    expect(lags[0]!.droppedRows).toBeLessThanOrEqual(210);
    const times = messages.filter((m): m is Frame => m.type === 'frame').flatMap((f) => f.rows.ts as number[]);
    const last = (times.at(-1)! - T0) / 1000;
    expect(times.length + lags[0]!.droppedRows).toBe(last + 1);
    // Play goes on after the notice.
    expect(messages.slice(messages.indexOf(lags[0]!)).filter((m) => m.type === 'frame').length).toBeGreaterThan(10);
    player.close();
  });
});
