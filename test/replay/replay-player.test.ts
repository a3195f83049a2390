import { describe, expect, it } from 'vitest';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { ManualClock } from '../../src/replay/replay-clock.ts';
import { ReplayPlayer } from '../../src/replay/replay-player.ts';
import type { ServerMessage } from '../../src/replay/replay-protocol.ts';
import { SeriesReplaySource } from '../../src/replay/replay-source.ts';

const T0 = Date.UTC(2024, 0, 1, 8);
const HOURS = 10;

/** A 10-hour drive at 1 Hz: speed follows the minute, SoC falls steadily. */
function tenHourDrive(): TelemetrySeries {
  const n = HOURS * 3600;
  const s = emptySeries(n);
  for (let i = 0; i < n; i++) {
    s.tsMs[i] = T0 + i * 1000;
    s.speedKph[i] = (i % 60) + 20;
    s.socPct[i] = 95 - i * 0.002;
    s.outsideTempC[i] = i < 100 ? Number.NaN : -5;
    s.state[i] = 'driving';
  }
  return s;
}

const marks = [
  { tMs: T0 + 3600_000, kind: 'session', label: 'stop' },
  { tMs: T0 + 7200_000, kind: 'event', label: 'breakdown' },
];

function setup(options: ConstructorParameters<typeof ReplayPlayer>[3] = {}) {
  const clock = new ManualClock();
  const messages: ServerMessage[] = [];
  const source = new SeriesReplaySource('car-1', tenHourDrive(), marks);
  const player = new ReplayPlayer(source, clock, (m) => messages.push(m), options);
  const frames = () => messages.filter((m): m is Extract<ServerMessage, { type: 'frame' }> => m.type === 'frame');
  const rowTimes = () => frames().flatMap((f) => f.rows.ts as number[]);
  return { clock, messages, player, frames, rowTimes };
}

describe('ReplayPlayer', () => {
  it('plays a 10-hour drive at 1000× in order, every sample exactly once, then ends', async () => {
    const { clock, messages, player, rowTimes } = setup({ speed: 1000 });
    await player.start(true);
    await clock.advance(HOURS * 3600 + 100); // 10 h of data at 1000× is 36 s of wall time
    const times = rowTimes();
    expect(times).toHaveLength(HOURS * 3600);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    expect(player.state).toBe('ended');
    expect(messages.some((m) => m.type === 'end')).toBe(true);
    expect(messages[0]).toMatchObject({ type: 'ready', deviceId: 'car-1', startMs: T0 });
  });

  it('sends each tick as one frame, paced by the clock', async () => {
    const { clock, player, frames } = setup({ speed: 100, tickMs: 50 });
    await player.start(true);
    await clock.advance(1000);
    // 1 s of wall time at 100× is 100 s of data, in 20 frames of 5 samples (the first also carries
    // the sample at the start position).
    expect(frames()).toHaveLength(20);
    expect(frames().map((f) => (f.rows.ts as number[]).length)).toEqual([6, ...Array(19).fill(5)]);
  });

  it('pauses and resumes without losing or repeating a sample', async () => {
    const { clock, player, rowTimes } = setup({ speed: 10 });
    await player.start(true);
    await clock.advance(2000);
    await player.handle({ type: 'pause' });
    const atPause = rowTimes().length;
    await clock.advance(60_000);
    expect(rowTimes().length).toBe(atPause);
    expect(player.state).toBe('paused');
    await player.handle({ type: 'play' });
    await clock.advance(2000);
    const times = rowTimes();
    expect(times.length).toBe(41); // 4 s of wall time at 10× and the starting sample
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
  });

  it('back-fills the latest value of every channel on seek, then plays on from there', async () => {
    const { clock, messages, player, rowTimes } = setup({ speed: 10 });
    await player.start(false);
    const seekTo = T0 + 5 * 3600_000 + 500;
    await player.handle({ type: 'seek', tMs: seekTo });
    const backfill = messages.filter((m) => m.type === 'backfill').at(-1)!;
    expect(backfill).toMatchObject({ type: 'backfill', atMs: seekTo });
    expect((backfill as { values: Record<string, unknown> }).values).toMatchObject({ ts: T0 + 5 * 3600_000, speed_kph: 20, outside_temp_c: -5, state: 'driving' });
    await player.handle({ type: 'play' });
    await clock.advance(1000);
    expect(rowTimes()[0]).toBe(T0 + 5 * 3600_000 + 1000);
  });

  it('changes speed while playing', async () => {
    const { clock, player, rowTimes } = setup({ speed: 1 });
    await player.start(true);
    await clock.advance(10_000);
    expect(rowTimes().length).toBe(1 + 10);
    await player.handle({ type: 'speed', speed: 50 });
    await clock.advance(10_000);
    expect(rowTimes().length).toBe(1 + 10 + 500);
    // Out-of-range speeds are clamped to the protocol's bounds.
    await player.handle({ type: 'speed', speed: 5000 });
    expect(player['speedX']).toBe(1000);
  });

  it('steps one sample at a time and jumps between marks', async () => {
    const { messages, player, rowTimes } = setup();
    await player.start(false);
    await player.handle({ type: 'step', direction: 1 });
    await player.handle({ type: 'step', direction: 1 });
    expect(rowTimes()).toEqual([T0 + 1000, T0 + 2000]);
    await player.handle({ type: 'jump', to: 'next' });
    expect(player.positionMs).toBe(marks[0]!.tMs);
    await player.handle({ type: 'jump', to: 'next' });
    expect(player.positionMs).toBe(marks[1]!.tMs);
    await player.handle({ type: 'jump', to: 'prev' });
    expect(player.positionMs).toBe(marks[0]!.tMs);
    await player.handle({ type: 'step', direction: -1 });
    expect(player.positionMs).toBe(marks[0]!.tMs - 1000);
    expect(messages.filter((m) => m.type === 'backfill').length).toBeGreaterThanOrEqual(4);
  });

  it('loops back to the start when asked', async () => {
    const { clock, player, rowTimes } = setup({ speed: 1000, loop: true, atMs: T0 + HOURS * 3600_000 - 10_000 });
    await player.start(true);
    await clock.advance(100);
    const times = rowTimes();
    expect(times).toContain(T0 + HOURS * 3600_000 - 1000);
    expect(times).toContain(T0);
    expect(player.state).toBe('playing');
  });

  it('never buffers for a slow client: frames are dropped while it is congested, then it is told how many', async () => {
    let congested = false;
    const { clock, messages, player, rowTimes } = setup({ speed: 100, isCongested: () => congested });
    await player.start(true);
    await clock.advance(1000);
    const before = messages.length;
    congested = true;
    await clock.advance(10_000);
    expect(messages.length).toBe(before); // nothing queued while the client is behind
    congested = false;
    await clock.advance(100);
    const lag = messages.find((m) => m.type === 'lag');
    expect(lag).toEqual({ type: 'lag', droppedRows: 1000, reason: 'client' });
    const times = rowTimes();
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
  });

  it('stops for good on close, even mid-play', async () => {
    const { clock, messages, player } = setup({ speed: 100 });
    await player.start(true);
    await clock.advance(500);
    await player.handle({ type: 'close' });
    const count = messages.length;
    await clock.advance(10_000);
    await player.handle({ type: 'play' });
    expect(messages.length).toBe(count);
    expect(player.state).toBe('closed');
  });
});
