import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import type { RenderOptions } from './render-chart.ts';

export interface ChartRenderPoolOptions {
  /** Threads rendering at once (default: half the cores, at least 1). */
  threads?: number;
  /** Charts waiting for a thread; past it a request is refused (429) rather than queued without bound. */
  maxQueue?: number;
}

/**
 * Charts rendered in worker threads (piscina): a large chart costs a thread, never the event
 * loop, so /healthz and every other request keep answering while it renders.
 */
export class ChartRenderPool {
  private readonly pool: Piscina;

  constructor(options: ChartRenderPoolOptions = {}) {
    const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
    this.pool = new Piscina({
      filename: new URL('./chart-render-worker.ts', import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      maxQueue: options.maxQueue ?? threads * 8,
      idleTimeout: 30_000,
    });
  }

  async render(spec: Record<string, unknown>, options: RenderOptions): Promise<string | Buffer> {
    if (this.pool.queueSize >= this.pool.options.maxQueue) throw new TelltaleError('TOO_BUSY', 'the chart renderer is busy: try again in a moment');
    const out = (await this.pool.run({ spec, options })) as string | Uint8Array;
    return typeof out === 'string' ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
