import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { FIXTURES_DIR, loadDemoData } from '../../src/services/demo-data.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

/**
 * The charts the README shows, as the README's own commands ask for them (the path after
 * `http://127.0.0.1:8080`), and the file each picture is kept in. The README quotes these paths
 * verbatim (test/chart/readme-charts.test.ts checks it), so the picture is what the command gives.
 */
export const README_CHARTS = [
  { name: 'model-s-2013', path: '/v1/devices/model-s-2013/chart.png?x=distance&units=imperial&width=1000&height=620' },
  { name: 'twizy-rsk-trip', path: '/v1/devices/twizy-rsk/chart.png?from=2021-03-29T00:00:00Z&to=2021-03-30T00:00:00Z&width=1000&height=520' },
] as const;

export interface DemoChartServer {
  base: string;
  /** GET with the server's admin key. */
  get: (path: string) => Promise<Response>;
  close: () => Promise<void>;
}

/**
 * The server `npm start` runs (`telltale serve --demo`): the real HTTP app over a fresh DuckDB file,
 * the bundled demo data loaded through the same services, and the derived pipeline (sessions,
 * events) worked off before the first chart is asked for, on a loopback port of its own.
 */
export async function startDemoChartServer(log: (msg: string) => void = () => undefined): Promise<DemoChartServer> {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-readme-charts-'));
  const store = await TelemetryStore.open(join(dir, 'demo.duckdb'));
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({ store });
    await loadDemoData(app.services, log, FIXTURES_DIR);
    await app.services.pipeline.idle();
    const { token } = await app.services.keys.rotate('readme-charts', { role: 'admin' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const opened = app;
    return {
      base,
      get: (path) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } }),
      close: async () => {
        await opened.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await app?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A chart path with another format (`chart.png?…` → `chart.svg?…`). */
export function withFormat(path: string, format: 'svg' | 'png' | 'vl.json'): string {
  return path.replace(/chart\.(svg|png|vl\.json)\?/, `chart.${format}?`);
}
