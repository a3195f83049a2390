import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const DIR = join(import.meta.dirname, '../../fixtures/twizy-rsk');
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore();
  for (const file of ['T3_04_22_2021_1.csv', 'T3_04_22_2021_2.csv']) {
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk', onCommitted: (t) => app?.sessions.schedule(t) });
  }
  app = await buildApp({ store });
  base = await listenWithAdminKey(app);
});

afterAll(async () => {
  await app.close();
  await store?.dispose();
});

describe('GET /v1/devices/:id/timeline', () => {
  it('reduces a range to maxPoints keeping extremes, first and last samples, and the hole between the trips', async () => {
    const full = (await (await api(`${base}/v1/devices/twizy/telemetry?columns=ts,speed_kph,soc_pct`)).json()) as { rows: { ts: string; speed_kph: number; soc_pct: number }[] };
    const res = await api(`${base}/v1/devices/twizy/timeline?columns=ts,speed_kph,soc_pct&maxPoints=300`);
    const body = (await res.json()) as { totalRows: number; count: number; reduced: boolean; rows: { ts: string; speed_kph: number | null; soc_pct: number | null }[] };
    expect(body.totalRows).toBe(full.rows.length);
    expect(body.reduced).toBe(true);
    expect(body.count).toBeLessThanOrEqual(300);
    expect(body.rows[0]!.ts).toBe(full.rows[0]!.ts);
    expect(body.rows.at(-1)!.ts).toBe(full.rows.at(-1)!.ts);
    const speeds = (rows: { speed_kph: number | null }[]) => rows.map((r) => r.speed_kph).filter((v): v is number => v !== null);
    expect(Math.max(...speeds(body.rows))).toBe(Math.max(...speeds(full.rows)));
    expect(Math.min(...body.rows.map((r) => r.soc_pct ?? Infinity))).toBe(Math.min(...full.rows.map((r) => r.soc_pct)));
    // The 2.4-minute hole between the two trips is a null row, not a line across it.
    const gapRows = body.rows.filter((r) => r.speed_kph === null && r.soc_pct === null);
    expect(gapRows).toHaveLength(1);
    expect(gapRows[0]!.ts > '2021-04-22T09:00:00Z' && gapRows[0]!.ts < '2021-04-22T09:03:00Z').toBe(true);
    const times = body.rows.map((r) => r.ts);
    expect([...times].sort()).toEqual(times);
  });

  it('answers in Arrow too, and returns a short range whole', async () => {
    const arrow = await api(`${base}/v1/devices/twizy/timeline?from=2021-04-22T08:43:00Z&to=2021-04-22T08:44:00Z&maxPoints=2000`, {
      headers: { accept: 'application/vnd.apache.arrow.stream' },
    });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(60);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['device_id', 'ts', 'speed_kph', 'soc_pct', 'battery_temp_c', 'outside_temp_c']);
  });
  it('honours columns exactly, in JSON and Arrow: no device_id unless asked for', async () => {
    const body = (await (await api(`${base}/v1/devices/twizy/timeline?columns=speed_kph,ts&maxPoints=300`)).json()) as { rows: Record<string, unknown>[] };
    expect(body.rows.length).toBeGreaterThan(10);
    for (const row of body.rows) expect(Object.keys(row).sort()).toEqual(['speed_kph', 'ts']);
    const arrow = await api(`${base}/v1/devices/twizy/timeline?columns=soc_pct,ts&maxPoints=300`, { headers: { accept: 'application/vnd.apache.arrow.stream' } });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['ts', 'soc_pct']);
  });
});

describe('GET /v1/devices/:id/sessions paging', () => {
  it('walks every session once, oldest first, with limit and cursor', async () => {
    // Sessions are derived after ingest; wait until they are there (a condition, not a sleep).
    let all: { sessionId: string }[] = [];
    await expect.poll(async () => {
      all = (await (await api(`${base}/v1/devices/twizy/sessions`)).json()) as { sessionId: string }[];
      return all.length;
    }, { timeout: 30_000 }).toBeGreaterThan(2);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await api(`${base}/v1/devices/twizy/sessions?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { sessionId: string }[];
      expect(page.length).toBeLessThanOrEqual(1);
      seen.push(...page.map((s) => s.sessionId));
      cursor = res.headers.get('x-next-cursor');
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toEqual(all.map((s) => s.sessionId));
  });
});
