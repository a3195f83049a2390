import { join } from 'node:path';
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
  store = await openTempStore({ now: () => Date.UTC(2024, 0, 1) });
  app = await buildApp({ store });
  for (const file of ['T3_04_22_2021_1.csv', 'T3_04_22_2021_2.csv']) {
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk', onCommitted: (t) => app.sessions.schedule(t) });
  }
  await app.sessions.idle();
  await store.withConnection(async (conn) => {
    const first = await conn.runAndReadAll("SELECT lat, lon, epoch_ms(ts)::DOUBLE FROM telemetry WHERE device_id = 'twizy' AND lat IS NOT NULL ORDER BY ts LIMIT 1 OFFSET 600");
    const [lat, lon, atMs] = first.getRows()[0]!.map(Number);
    await conn.run("INSERT INTO chargers VALUES ('c1', 'Test charger', $1, $2, 22, 'test', now())", [lat!, lon!]);
    await conn.run(
      `INSERT INTO annotations VALUES ('a1', 'twizy', epoch_ms(CAST($1 AS BIGINT)), NULL, 'Driver says the charge fell here', 'support', '["call-out"]', $2, now())`,
      [atMs!, JSON.stringify({ channel: 'soc', atMs: atMs!, verdict: 'refuted' })],
    );
    // A checkable claim: the chart asks the claim checker for its verdict.
    await conn.run(
      `INSERT INTO annotations VALUES ('a2', 'twizy', epoch_ms(CAST($1 AS BIGINT)), NULL, 'Never below 5 %', 'support', '["call-out"]', $2, now())`,
      [atMs! + 60_000, JSON.stringify({ kind: 'value_at', channel: 'soc', atMs: atMs! + 60_000, op: '>=', value: 5, unit: '%' })],
    );
  });
  base = await listenWithAdminKey(app);
});

afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

describe('GET /v1/devices/:id/chart.*', () => {
  it('returns the Vega-Lite spec with periods, places and call-outs from the store', async () => {
    const res = await api(`${base}/v1/devices/twizy/chart.vl.json?x=distance`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const spec = (await res.json()) as { datasets: Record<string, Record<string, unknown>[]> };
    expect(spec.datasets.periods!.some((p) => p.kind === 'drive')).toBe(true);
    expect(spec.datasets.places!.map((p) => p.name)).toEqual(['Test charger']);
    expect(spec.datasets['callouts-soc']!.map((c) => c.text)).toEqual([['Driver says the charge fell here — refuted'], ['Never below 5 % — supported']]);
    expect(JSON.stringify(spec)).toContain('distance travelled (km)');
  });

  it('renders SVG and PNG of the size asked for', async () => {
    const svg = await api(`${base}/v1/devices/twizy/chart.svg?width=700&height=450&from=2021-04-22T08:40:00Z&to=2021-04-22T09:30:00Z`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const text = await svg.text();
    expect(text).toMatch(/^<svg[^>]* width="700" height="450"/);
    expect(text).toContain('twizy');
    const png = await api(`${base}/v1/devices/twizy/chart.png?width=700&height=450&scale=2`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1400, 900]);
  });

  it('charts one session, and in public mode leaves out the device id and the clock', async () => {
    const sessions = (await (await api(`${base}/v1/devices/twizy/sessions`)).json()) as { sessionId: string; kind: string }[];
    const drive = sessions.find((s) => s.kind === 'drive')!;
    const res = await api(`${base}/v1/devices/twizy/chart.vl.json?session=${drive.sessionId}&public=true`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('twizy');
    expect(text).toContain('time since start (h)');
    const spec = JSON.parse(text) as { datasets: { speed: { x: number }[] } };
    expect(spec.datasets.speed[0]!.x).toBe(0);
  });

  it('answers 404 for an unknown device or session and 400 for a bad parameter', async () => {
    const device = await api(`${base}/v1/devices/nope/chart.svg`);
    expect(device.status).toBe(404);
    expect(((await device.json()) as { message: string }).message).toContain("no device 'nope'");
    const session = await api(`${base}/v1/devices/twizy/chart.png?session=missing`);
    expect(session.status).toBe(404);
    expect(((await session.json()) as { message: string }).message).toMatch(/^session:/);
    const empty = await api(`${base}/v1/devices/twizy/chart.svg?from=2030-01-01T00:00:00Z`);
    expect(empty.status).toBe(404);
    const badX = await api(`${base}/v1/devices/twizy/chart.svg?x=speed`);
    expect(badX.status).toBe(400);
    const both = await api(`${base}/v1/devices/twizy/chart.svg?session=abc&from=2021-04-22T08:00:00Z`);
    expect(both.status).toBe(400);
    expect(((await both.json()) as { message: string }).message).toMatch(/^session:/);
    const badFrom = await api(`${base}/v1/devices/twizy/chart.svg?from=yesterday`);
    expect(badFrom.status).toBe(400);
    expect(((await badFrom.json()) as { message: string }).message).toContain('from');
  });
});
