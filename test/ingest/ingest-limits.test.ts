import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { MAX_QUARANTINE_PER_BATCH } from '../../src/ingest/ingest-pipeline.ts';
import { splitLines } from '../../src/ingest/sources/line-splitter.ts';
import { api, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
});
afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const post = (path: string, type: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  api(`${base}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
const count = async (sql: string) => Number((await store.db.runAndReadAll(sql)).getRows()[0]![0]);

describe('the line splitter', () => {
  it('joins lines across pieces, keeps the last line without a newline, and drops an over-long line as it streams', async () => {
    async function* pieces(...parts: string[]) {
      yield* parts;
    }
    const out = [];
    for await (const line of splitLines(pieces('ab', 'c\nde', '', 'f\n', 'x'.repeat(30), 'y\nlast'), 20)) out.push(line);
    expect(out).toEqual([{ text: 'abc' }, { text: 'def' }, { tooLongChars: 31, head: 'x'.repeat(30) }, { text: 'last' }]);
  });
});

describe('ingest limits: a giant line, a compression bomb and a flood of bad rows cost one request, not the server', () => {
  it('an NDJSON line over 1 MiB is a rejected row of its own; the rows around it are stored', async () => {
    const body = [
      JSON.stringify({ device_id: 'long', ts: '2024-01-01T00:00:00Z', speed_kph: 1 }),
      JSON.stringify({ device_id: 'long', ts: '2024-01-01T00:00:01Z', state: 'x'.repeat(3 * 1024 * 1024) }),
      JSON.stringify({ device_id: 'long', ts: '2024-01-01T00:00:02Z', speed_kph: 2 }),
    ].join('\n');
    const res = await post('/v1/telemetry', 'application/x-ndjson', body);
    const summary = await res.json();
    expect(res.status).toBe(200);
    expect(summary).toMatchObject({ accepted: 2, rejected: 1, errors: [{ row: 2, field: '(row)', reason: expect.stringMatching(/over the limit of 1048576/) }] });
  });

  it('a CSV whose header is 5 MB long is refused whole with a 400 and a short message', async () => {
    const res = await post('/v1/telemetry?device=wide', 'text/csv', `ts,${'x'.repeat(5_000_000)}\n2024-01-01T00:00:00Z,1\n`);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(1000);
    expect(JSON.parse(text)).toMatchObject({ error: 'MALFORMED', message: expect.stringMatching(/line 1 is longer than 65536 characters/) });
    expect(await count("SELECT count(*) FROM telemetry WHERE device_id = 'wide'")).toBe(0);
  });

  it('a gzip body inflating more than 100× is refused while inflating (413)', async () => {
    // Newlines only, so no line limit is hit first: the ratio check has to catch it.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x0a));
    expect(bomb.length).toBeLessThan(200_000);
    const res = await post('/v1/telemetry?device=bomb', 'text/csv', bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'TOO_LARGE', message: expect.stringMatching(/compression bomb/) });
    // A real gzipped upload still goes through.
    const ok = await post('/v1/telemetry?device=gz', 'text/csv', gzipSync('ts,speed_kph\n2024-01-01T00:00:00Z,5\n'), { 'content-encoding': 'gzip' });
    expect(await ok.json()).toMatchObject({ accepted: 1 });
  });

  it('quarantine keeps at most 10,000 rows of a batch and the reply says how many more were dropped', async () => {
    const bad = MAX_QUARANTINE_PER_BATCH + 250;
    const lines = [JSON.stringify({ device_id: 'flood', ts: '2024-01-01T00:00:00Z', speed_kph: 1 })];
    for (let i = 0; i < bad; i++) lines.push(JSON.stringify({ device_id: 'flood', ts: 'never' }));
    const res = await post('/v1/telemetry', 'application/x-ndjson', lines.join('\n'));
    const summary = (await res.json()) as { batchId: string; accepted: number; rejected: number; quarantineDropped: number; errors: unknown[] };
    expect(summary).toMatchObject({ accepted: 1, rejected: bad, quarantineDropped: 250 });
    expect(summary.errors).toHaveLength(100);
    expect(await count(`SELECT count(*) FROM quarantine WHERE batch_id = '${summary.batchId}'`)).toBe(MAX_QUARANTINE_PER_BATCH);
  });
});
