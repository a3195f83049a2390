/** Wall-clock time and timers, injectable so a 10-hour replay can be tested in milliseconds. */
export interface ReplayClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: ReplayClock = {
  // Epoch ms, so clients on the same clock can measure how late a frame is.
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A clock that only moves when told to: `advance(ms)` runs every timer that falls due, in order. */
export class ManualClock implements ReplayClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers set and not yet fired: a test waits on this to know a player that awaited real I/O has scheduled its next tick. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers (and timers they set) in time order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
      // Let the player's awaited reads settle before the next timer fires.
      for (let k = 0; k < 20; k++) await Promise.resolve();
    }
    this.time = end;
  }
}
