import type { ReplayClock } from './replay-clock.ts';
import { MAX_SPEED, MIN_SPEED, type ClientCommand, type FrameRows, type PlayerStateName, type ServerMessage } from './replay-protocol.ts';
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
}

/**
 * Replays one device's samples to one client as an explicit state machine:
 *   paused ⇄ playing → ended (→ playing again on seek/play) and close from anywhere (close wins).
 * Position advances with the injected clock × speed; every tick sends the samples passed since the
 * last one as a single frame. A client that does not keep up is not buffered for: frames are
 * skipped while it is congested, then it gets the latest sample and a `lag` message saying how
 * many rows it missed, so server memory stays flat however slow the reader.
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
  private droppedRows = 0;
  private lastSentTs: number | undefined;

  constructor(source: ReplaySource, clock: ReplayClock, send: (message: ServerMessage) => void, options: PlayerOptions = {}) {
    this.source = source;
    this.clock = clock;
    this.send = send;
    this.tickMs = options.tickMs ?? 50;
    this.isCongested = options.isCongested ?? (() => false);
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
        this.reanchor();
        this.speedX = clampSpeed(command.speed);
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

  private reanchor(): void {
    this.anchorWall = this.clock.now();
    this.anchorPosition = this.position;
  }

  private advancePosition(): void {
    const elapsed = this.clock.now() - this.anchorWall;
    this.position = Math.min(this.source.endMs, this.anchorPosition + elapsed * this.speedX);
  }

  private schedule(): void {
    this.cancel();
    this.timer = this.clock.setTimer(() => void this.tick(), this.tickMs);
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
      this.droppedRows += count;
      return;
    }
    if (this.droppedRows > 0) {
      this.send({ type: 'lag', droppedRows: this.droppedRows });
      this.droppedRows = 0;
    }
    this.send({
      type: 'frame',
      fromMs,
      toMs,
      anchorWallMs: this.anchorWall,
      anchorPositionMs: this.anchorPosition,
      speed: this.speedX,
      rows,
    });
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
