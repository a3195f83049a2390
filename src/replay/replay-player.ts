import type { ReplayClock } from './replay-clock.ts';
import { MAX_SPEED, MIN_SPEED, type ClientCommand, type FrameRows, type PlayerStateName, type ServerMessage } from './replay-protocol.ts';
import type { FrameMemo } from './frame-memo.ts';
import { REPLAY_CHANNELS, type ReplaySource } from './replay-source.ts';

export interface PlayerOptions {
  speed?: number;
  loop?: boolean;
  /** Wall time between frames. Each tick's rows go out as one message. */
  tickMs?: number;
  /** Position to open at (deep link); defaults to the start of the range. */
  atMs?: number;
  /** True while the client has not read what was sent (socket buffer above a limit). */
  isCongested?: () => boolean;
  /**
   * Rows due longer ago than this when their tick finally runs (the server fell behind) are
   * skipped and counted in a `lag` notice instead of arriving late (default 250 ms).
   */
  maxLatenessMs?: number;
  /** Frames shared between players in the same tick; with it, frames go out through `sendBytes`. */
  frames?: { memo: FrameMemo; sendBytes: (bytes: Buffer) => void };
  /** Counters across players (server metrics). */
  onDelivered?: (rows: number, dropped: number) => void;
}

/**
 * Replays one device's samples to one client as an explicit state machine:
 *   paused ⇄ playing → ended (→ playing again on seek/play) and close from anywhere (close wins).
 * Position advances with the injected clock × speed; every tick sends the samples passed since the
 * last one as a single frame. Ticks and play anchors sit on one grid of tickMs for every player, so
 * clients watching the same replay together build identical frames (shared through a FrameMemo).
 * Nothing falls behind silently: a client that does not read is not buffered for (frames are
 * skipped while it is congested), and rows the server could only send later than maxLatenessMs
 * are skipped too; either way the next frame is preceded by a `lag` message saying how many rows
 * were skipped and why, so server memory stays flat and every frame that is sent is on time.
 */
export class ReplayPlayer {
  private readonly source: ReplaySource;
  private readonly clock: ReplayClock;
  private readonly send: (message: ServerMessage) => void;
  private readonly tickMs: number;
  private readonly isCongested: () => boolean;
  private stateName: PlayerStateName = 'paused';
  private position: number;
  private speedX: number;
  private loop: boolean;
  private anchorWall = 0;
  private anchorPosition = 0;
  private timer: unknown;
  private ticking = false;
  private droppedRows = { client: 0, server: 0 };
  private lastSentTs: number | undefined;
  private readonly maxLatenessMs: number;
  private readonly frames: PlayerOptions['frames'];
  private readonly onDelivered: NonNullable<PlayerOptions['onDelivered']>;

  constructor(source: ReplaySource, clock: ReplayClock, send: (message: ServerMessage) => void, options: PlayerOptions = {}) {
    this.source = source;
    this.clock = clock;
    this.send = send;
    this.tickMs = options.tickMs ?? 50;
    this.isCongested = options.isCongested ?? (() => false);
    this.maxLatenessMs = options.maxLatenessMs ?? 250;
    this.frames = options.frames;
    this.onDelivered = options.onDelivered ?? (() => undefined);
    this.speedX = clampSpeed(options.speed ?? 1);
    this.loop = options.loop ?? false;
    this.position = clampTime(options.atMs ?? source.startMs, source);
  }

  get state(): PlayerStateName {
    return this.stateName;
  }

  get positionMs(): number {
    return this.position;
  }

  /** Announces the range and channels, then back-fills the opening position. */
  async start(autoplay = false): Promise<void> {
    this.send({
      type: 'ready',
      deviceId: this.source.deviceId,
      startMs: this.source.startMs,
      endMs: this.source.endMs,
      channels: ['ts', ...REPLAY_CHANNELS.map(([name]) => name), 'state', 'error_codes'],
      marks: [...this.source.marks],
      ...(this.source.units ? { units: this.source.units } : {}),
      ...(this.source.focus ? { focus: this.source.focus } : {}),
    });
    await this.seekTo(this.position);
    if (autoplay) this.play();
    else this.announce();
  }

  async handle(command: ClientCommand): Promise<void> {
    if (this.stateName === 'closed') return;
    switch (command.type) {
      case 'play':
        return this.play();
      case 'pause':
        return this.pause();
      case 'seek':
        await this.seekTo(command.tMs);
        return this.announce();
      case 'speed':
        if (this.stateName === 'playing') this.advancePosition();
        this.speedX = clampSpeed(command.speed);
        this.source.setSpeed?.(this.speedX);
        this.reanchor();
        return this.announce();
      case 'step':
        return this.step(command.direction);
      case 'jump':
        return this.jump(command.to);
      case 'loop':
        this.loop = command.enabled;
        return this.announce();
      case 'close':
        return this.close();
      case 'open':
        this.send({ type: 'error', code: 'ALREADY_OPEN', message: 'this connection already replays a device; open another connection' });
        return;
    }
  }

  play(): void {
    if (this.stateName === 'closed') return;
    if (this.stateName === 'ended' || this.position >= this.source.endMs) this.position = this.source.startMs;
    this.stateName = 'playing';
    this.reanchor();
    this.announce();
    this.schedule();
  }

  pause(): void {
    if (this.stateName !== 'playing') return;
    this.advancePosition();
    this.stateName = 'paused';
    this.cancel();
    this.announce();
  }

  close(): void {
    this.cancel();
    this.stateName = 'closed';
    this.source.close?.();
  }

  /** Moves to tMs: the latest value of every channel there is sent first, then play goes on from it. */
  private async seekTo(tMs: number): Promise<void> {
    this.position = clampTime(tMs, this.source);
    this.reanchor();
    this.lastSentTs = undefined;
    if (this.stateName === 'ended') this.stateName = 'paused';
    const values = await this.source.backfill(this.position);
    this.send({ type: 'backfill', atMs: this.position, values });
  }

  private async step(direction: 1 | -1): Promise<void> {
    if (this.stateName === 'playing') this.pause();
    const next = await this.source.neighbour(this.position, direction);
    if (next === undefined) return this.announce();
    if (direction === 1) {
      const from = this.position;
      const rows = await this.source.read(from, next, false);
      this.position = next;
      this.reanchor();
      this.sendFrame(rows, from, next);
    } else {
      await this.seekTo(next);
    }
    this.announce();
  }

  private async jump(to: 'next' | 'prev'): Promise<void> {
    const marks = this.source.marks;
    // A small tolerance so "previous" from just after a mark goes to the one before it.
    const target = to === 'next' ? marks.find((m) => m.tMs > this.position + 1) : [...marks].reverse().find((m) => m.tMs < this.position - 1);
    if (target) await this.seekTo(target.tMs);
    this.announce();
  }

  /** Play runs from the next tick of the common grid, so players started within one tick move in lockstep. */
  private reanchor(): void {
    this.anchorWall = Math.ceil(this.clock.now() / this.tickMs) * this.tickMs;
    this.anchorPosition = this.position;
  }

  private advancePosition(): void {
    const elapsed = Math.max(0, this.clock.now() - this.anchorWall);
    this.position = Math.min(this.source.endMs, this.anchorPosition + elapsed * this.speedX);
  }

  /** The next tick on the grid (never the current instant: a tick always lets time pass). */
  private schedule(): void {
    this.cancel();
    const now = this.clock.now();
    this.timer = this.clock.setTimer(() => void this.tick(), (Math.floor(now / this.tickMs) + 1) * this.tickMs - now);
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stateName !== 'playing' || this.ticking) return;
    this.ticking = true;
    try {
      const from = this.position;
      this.advancePosition();
      const to = this.position;
      const rows = await this.source.read(from, to, this.lastSentTs === undefined);
      if (this.stateName !== 'playing') return; // paused, sought or closed while reading
      this.sendFrame(rows, from, to);
      if (to >= this.source.endMs) {
        if (this.loop) {
          await this.seekTo(this.source.startMs);
          this.schedule();
        } else {
          this.stateName = 'ended';
          this.send({ type: 'end', positionMs: to });
          this.announce();
        }
        return;
      }
      this.schedule();
    } catch (err) {
      this.send({ type: 'error', code: 'READ_FAILED', message: (err as Error).message });
      this.close();
    } finally {
      this.ticking = false;
    }
  }

  /** One message per tick; nothing when the tick passed no sample (the anchor lets clients interpolate). */
  private sendFrame(rows: FrameRows, fromMs: number, toMs: number): void {
    const count = rows.ts?.length ?? 0;
    if (count === 0) return;
    this.lastSentTs = rows.ts![count - 1] as number;
    if (this.isCongested()) {
      this.droppedRows.client += count;
      this.onDelivered(0, count);
      return;
    }
    // Rows whose time to be shown passed more than maxLatenessMs ago are skipped, not sent late
    // (a step while paused has no schedule to be late for).
    const overdueBefore = this.stateName !== 'playing' ? -Infinity : this.anchorPosition + (this.clock.now() - this.maxLatenessMs - this.anchorWall) * this.speedX;
    const ts = rows.ts as number[];
    let skip = 0;
    while (skip < count && ts[skip]! < overdueBefore) skip++;
    if (skip > 0) {
      this.droppedRows.server += skip;
      this.onDelivered(0, skip);
      if (skip === count) return;
      const kept: FrameRows = {};
      for (const [key, values] of Object.entries(rows)) kept[key] = values.slice(skip);
      rows = kept;
      fromMs = ts[skip - 1]!;
    }
    for (const reason of ['client', 'server'] as const) {
      if (this.droppedRows[reason] > 0) {
        this.send({ type: 'lag', droppedRows: this.droppedRows[reason], reason });
        this.droppedRows[reason] = 0;
      }
    }
    const frame = { type: 'frame', fromMs, toMs, anchorWallMs: this.anchorWall, anchorPositionMs: this.anchorPosition, speed: this.speedX, rows } as const;
    this.onDelivered(count - skip, 0);
    if (!this.frames) return this.send(frame);
    const key = `${this.source.deviceId}\u0000${this.source.startMs}\u0000${this.source.endMs}\u0000${fromMs}\u0000${toMs}\u0000${this.anchorWall}\u0000${this.anchorPosition}\u0000${this.speedX}`;
    this.frames.sendBytes(this.frames.memo.bytes(Math.floor(this.clock.now() / this.tickMs), key, () => JSON.stringify(frame)));
  }

  private announce(): void {
    if (this.stateName === 'closed') return;
    this.send({ type: 'state', state: this.stateName, positionMs: this.position, speed: this.speedX, loop: this.loop });
  }
}

function clampSpeed(speed: number): number {
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

function clampTime(tMs: number, source: ReplaySource): number {
  return Math.min(source.endMs, Math.max(source.startMs, tMs));
}
