import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const BODY_LIMIT = 256 * 1024;
let dir: string;
let store: TelemetryStore;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-http-'));
  store = await TelemetryStore.open(join(dir, 'telltale.duckdb'));
  app = await buildApp({ store, bodyLimitBytes: BODY_LIMIT });
  base = await listenWithAdminKey(app);
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const post = (path: string, contentType: string, body: string | Uint8Array) =>
  api(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

const csv = [
  'ts,speed_kph,soc_pct,state,error_codes',
  '2024-01-01T00:00:00Z,10,80,driving,',
  '2024-01-01T00:00:01Z,12,80,driving,P0A1F|U0100',
  '1704067202000,14,79.9,driving,',
].join('\n');

describe('POST /v1/telemetry', () => {
  it('stores CSV rows and reports a re-send as duplicates', async () => {
    const first = await post('/v1/telemetry?device=car-1', 'text/csv', csv);
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ accepted: 3, duplicates: 0, rejected: 0, errors: [] });
    const again = await post('/v1/telemetry?device=car-1', 'text/csv', csv);
    expect(await json(again)).toMatchObject({ accepted: 0, duplicates: 3, rejected: 0 });
  });

  it('stores good NDJSON rows and lists the bad ones with row, field and reason', async () => {
    const body = [
      JSON.stringify({ device_id: 'car-2', ts: '2024-01-01T00:00:00Z', soc_pct: 50 }),
      JSON.stringify({ device_id: 'car-2', ts: '2024-01-01T00:00:01Z', soc_pct: 150 }),
      '{"device_id": "car-2", "ts": ',
      JSON.stringify({ device_id: 'car-2', ts: '2024-01-01T00:00:03Z', speed_kph: -5 }),
      JSON.stringify({ device_id: 'car-2', ts: '2024-01-01T00:00:04Z', lat: 91 }),
    ].join('\n');
    const res = await post('/v1/telemetry', 'application/x-ndjson', body);
    expect(res.status).toBe(200);
    const summary = await json(res);
    expect(summary).toMatchObject({ accepted: 1, rejected: 4 });
    expect(summary.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [2, 'soc_pct'],
      [3, '(json)'],
      [4, 'speed_kph'],
      [5, 'lat'],
    ]);
    expect(summary.errors[0].reason).toMatch(/150 is outside 0…100/);
  });

  it('takes an Arrow IPC stream with a dictionary-encoded device column', async () => {
    const n = 500;
    const table = tableFromArrays({
      device_id: Array.from({ length: n }, () => 'car-3'),
      ts: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 2) + i * 1000),
      speed_kph: Float64Array.from({ length: n }, (_, i) => (i % 100) + 0.5),
    });
    const res = await post('/v1/telemetry', 'application/vnd.apache.arrow.stream', tableToIPC(table, 'stream'));
    expect(await json(res)).toMatchObject({ accepted: n, duplicates: 0, rejected: 0 });
  });

  it('refuses what it cannot take, with a code and a message', async () => {
    const unknownType = await post('/v1/telemetry', 'application/xml', '<x/>');
    expect(unknownType.status).toBe(415);
    const empty = await post('/v1/telemetry?device=car-1', 'text/csv', '');
    expect(empty.status).toBe(400);
    expect((await json(empty)).error).toBe('EMPTY_INPUT');
    const profile = await post('/v1/telemetry?device=car-1&profile=nope', 'text/csv', csv);
    expect(profile.status).toBe(400);
    expect(await json(profile)).toMatchObject({ error: 'UNKNOWN_PROFILE' });
  });

  it('answers 413 to a body over the limit, declared or streamed, and stores none of it', async () => {
    const before = await countRows();
    const line = (i: number) => `${new Date(Date.UTC(2024, 1, 1) + i * 1000).toISOString()},10,50,driving,\n`;
    const big = `ts,speed_kph,soc_pct,state,error_codes\n${Array.from({ length: 10_000 }, (_, i) => line(i)).join('')}`;
    const declared = await post('/v1/telemetry?device=car-big', 'text/csv', big);
    expect(declared.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const streamed = await api(`${base}/v1/telemetry?device=car-big`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.subarray(i, i + 16_384));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await json(streamed)).error).toBe('TOO_LARGE');
    expect(await countRows()).toBe(before);
  });
});

async function countRows(): Promise<number> {
  const reader = await store.db.runAndReadAll('SELECT count(*) FROM telemetry');
  return Number(reader.getRows()[0]![0]);
}

describe('read back', () => {
  it('lists devices with their span and row count', async () => {
    const res = await api(`${base}/v1/devices`);
    const devices = (await json(res)) as { deviceId: string; rowCount: number; firstTs: string }[];
    const car1 = devices.find((d) => d.deviceId === 'car-1');
    expect(car1).toMatchObject({ rowCount: 3, firstTs: '2024-01-01T00:00:00.000Z' });
  });

  it('keeps device metadata (model, firmware, fleet) beside the data', async () => {
    const put = await api(`${base}/v1/devices/car-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Model S 85', fleet: 'press' }),
    });
    expect(await json(put)).toMatchObject({ deviceId: 'car-1', model: 'Model S 85', fleet: 'press', firmware: null, rowCount: 3 });
    const bad = await api(`${base}/v1/devices/car-1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"model":{"name":"S"}}' });
    expect(bad.status).toBe(400);
    expect(await json(await api(`${base}/v1/devices/car-1`))).toMatchObject({ model: 'Model S 85' });
  });

  it('serves a range as JSON rows and as Arrow by Accept', async () => {
    const asJson = await api(`${base}/v1/devices/car-1/telemetry?from=2024-01-01T00:00:01Z&columns=ts,speed_kph,error_codes`);
    const body = await json(asJson);
    expect(body.count).toBe(2);
    expect(body.rows[0]).toMatchObject({ ts: '2024-01-01T00:00:01.000Z', speed_kph: 12, error_codes: ['P0A1F', 'U0100'] });
    const arrow = await api(`${base}/v1/devices/car-3/telemetry?columns=ts,speed_kph`, { headers: { accept: 'application/vnd.apache.arrow.stream' } });
    expect(arrow.headers.get('content-type')).toContain('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(500);
    expect(table.getChild('speed_kph')?.get(1)).toBe(1.5);
    const missing = await api(`${base}/v1/devices/nope/telemetry`);
    expect(missing.status).toBe(404);
  });

  it('exports Parquet over HTTP', async () => {
    const res = await api(`${base}/v1/devices/car-3/export?format=parquet`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1');
  });
});

describe('operations', () => {
  it('has /healthz, Prometheus /metrics with ingest counters, and OpenAPI at /docs', async () => {
    expect(await json(await api(`${base}/healthz`))).toEqual({ status: "ok", schemaVersion: MIGRATIONS.at(-1)!.version });
    const metrics = await (await api(`${base}/metrics`)).text();
    expect(metrics).toMatch(/telltale_ingest_rows_total\{outcome="accepted"\} \d+/);
    const doc = await json(await api(`${base}/docs/json`));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/telemetry', '/v1/devices', '/v1/devices/{id}/telemetry']));
    expect((await api(`${base}/docs`, { redirect: 'follow' })).status).toBe(200);
  });
});

