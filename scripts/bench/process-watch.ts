import { readFileSync } from 'node:fs';

/** Peak resident memory of a child process, from the kernel's own high-water mark (VmHWM). */
export class PeakRss {
  private peakKb = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly pid: number;

  constructor(pid: number) {
    this.pid = pid;
    this.timer = setInterval(() => this.sample(), 100);
  }

  sample(): void {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (kb > this.peakKb) this.peakKb = kb;
    } catch {
      // the process has exited; the last sample stands
    }
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return Math.round(this.peakKb / 1024);
  }
}
