import type { TelemetrySeries } from '../domain/telemetry-series.ts';

interface Entry {
  series: Promise<TelemetrySeries>;
  refs: number;
  lastUsed: number;
}

/**
 * Windows of a device's samples shared by every replay that needs them: clients watching the same
 * device and range read each window from the store once, however many they are. Windows sit on a
 * fixed grid (their size is chosen by speed from a short ladder), so two clients that opened at
 * different moments still meet on the same keys. A window no player holds stays cached for a
 * while (least recently used first out), for clients that come a little later.
 */
export class SharedWindows {
  private readonly entries = new Map<string, Entry>();
  private readonly idleLimit: number;
  private useCounter = 0;
  loads = 0;
  hits = 0;

  constructor(idleLimit = 64) {
    this.idleLimit = idleLimit;
  }

  /** Takes a reference on the window [fromMs, toMs) of a device, loading it once. Give it back with `release`. */
  acquire(deviceId: string, fromMs: number, toMs: number, load: () => Promise<TelemetrySeries>): { key: string; series: Promise<TelemetrySeries> } {
    const key = `${deviceId}\u0000${fromMs}\u0000${toMs}`;
    let entry = this.entries.get(key);
    if (entry) this.hits++;
    else {
      this.loads++;
      entry = { series: load(), refs: 0, lastUsed: 0 };
      this.entries.set(key, entry);
      // A failed load is not kept: the next reader tries again.
      entry.series.catch(() => this.entries.delete(key));
    }
    entry.refs++;
    entry.lastUsed = ++this.useCounter;
    return { key, series: entry.series };
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.refs = Math.max(0, entry.refs - 1);
    if (entry.refs === 0) this.trim();
  }

  private trim(): void {
    const idle = [...this.entries].filter(([, e]) => e.refs === 0);
    if (idle.length <= this.idleLimit) return;
    idle.sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key] of idle.slice(0, idle.length - this.idleLimit)) this.entries.delete(key);
  }
}

/** Window size by playback speed: about 20 s of wall time or more, so a fast replay does not read the store on every other tick. */
export function windowSizeMs(speed: number): number {
  if (speed <= 30) return 10 * 60_000;
  if (speed <= 180) return 3600_000;
  return 6 * 3600_000;
}
