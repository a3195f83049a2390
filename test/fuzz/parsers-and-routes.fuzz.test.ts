import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseIso8601 } from '../../src/domain/iso-8601.ts';
import { TelltaleError } from '../../src/domain/errors/telltale-error.ts';
import { buildApp } from '../../src/http/app.ts';
import { parseTimeParam } from '../../src/http/time-param.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { createKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

// Property tests: seeded (the same cases every run), a bounded number of runs each.
const SEED = 20261201;
const INTERNALS = /INTERNAL|FST_ERR|SELECT |epoch_ms|\bat \w+ \(|bigint|int64/;

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let key: string;

beforeAll(async () => {
  store = await openTempStore({ now: () => Date.parse('2024-06-01T00:00:00Z') });
  app = await buildApp({ store, detectors: [], limits: { requestsPerMinute: 1_000_000 } });
  key = await createKey(app, 'admin');
  const csv = 'ts,speed_kph,soc_pct\n2024-01-01T00:00:00Z,10,80\n2024-01-01T00:00:01Z,11,80\n';
  expect((await app.inject({ method: 'POST', url: '/v1/telemetry?device=car', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, payload: csv })).statusCode).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const stored = async () => (await store.db.runAndReadAll('SELECT count(*), sum(hash(device_id, ts))::VARCHAR FROM telemetry')).getRows()[0]!.join('/');
const bytes = (text: string | Uint8Array) => [typeof text === 'string' ? new TextEncoder().encode(text) : text];

describe('fuzz: parsers never crash; bad input is a 4xx with a message', () => {
  it('ISO 8601: any string is parsed or refused with a reason, never thrown; printed times read back', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
      const r = parseIso8601(text);
      expect(typeof r.ok).toBe('boolean');
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    }), { seed: SEED, numRuns: 2000 });
    fc.assert(fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (d) => {
      expect(parseIso8601(d.toISOString())).toMatchObject({ ok: true, ms: d.getTime() });
    }), { seed: SEED, numRuns: 500 });
  });

  it('range parameters: a number in range or a 400 TelltaleError, nothing else', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.double().map(String), fc.bigInt().map(String)), (text) => {
      try {
        const ms = parseTimeParam(text, 'from');
        if (ms !== undefined) expect(Math.abs(ms)).toBeLessThanOrEqual(8.64e15);
      } catch (err) {
        expect(err).toBeInstanceOf(TelltaleError);
        expect((err as TelltaleError).statusCode).toBe(400);
      }
    }), { seed: SEED, numRuns: 2000 });
  });

  it('CSV, NDJSON and Arrow bodies of any shape: a summary or an IngestError (4xx); a refused batch changes nothing', async () => {
    const csvish = fc.array(fc.array(fc.oneof(fc.constantFrom('ts', 'speed_kph', 'device_id', '2024-01-01T00:00:00Z', '1704067200000', '"', ',', '', 'x', '1e999', '-0'), fc.string({ maxLength: 8 })), { maxLength: 5 }), { maxLength: 6 })
      .map((rows) => rows.map((r) => r.join(',')).join('\n'));
    const ndjsonish = fc.array(fc.oneof(fc.json(), fc.string({ maxLength: 20 }), fc.record({ device_id: fc.string({ maxLength: 5 }), ts: fc.oneof(fc.double(), fc.string({ maxLength: 25 })), speed_kph: fc.oneof(fc.double(), fc.string()) }).map((o) => JSON.stringify(o))), { maxLength: 6 }).map((l) => l.join('\n'));
    await fc.assert(fc.asyncProperty(fc.oneof(
      csvish.map((body) => ({ format: 'csv' as const, body: bytes(body) })),
      ndjsonish.map((body) => ({ format: 'ndjson' as const, body: bytes(body) })),
      fc.uint8Array({ maxLength: 300 }).map((body) => ({ format: 'arrow' as const, body: [body] })),
    ), async ({ format, body }) => {
      const before = await stored();
      try {
        const s = await ingest(store, { input: body, format, source: 'fuzz', deviceId: 'fuzz' });
        expect(s.accepted + s.duplicates + s.rejected).toBeGreaterThanOrEqual(0);
        for (const e of s.errors) expect(e.reason.length).toBeGreaterThan(0);
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(TelltaleError);
        expect((err as TelltaleError).statusCode).toBeGreaterThanOrEqual(400);
        expect((err as TelltaleError).statusCode).toBeLessThan(500);
        expect(await stored()).toBe(before);
      }
    }), { seed: SEED, numRuns: 150 });
  }, 120_000);

  it('query strings on every read route: never a 5xx, never an internal in the reply, the store unchanged', async () => {
    const before = await stored();
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.double().map(String), fc.constantFrom('9e15', '-1', 'Infinity', 'NaN', '1e308', "'", '%00'));
    const routes = ['telemetry', 'timeline', 'sessions', 'events', 'annotations', 'claims', 'export', 'chart.svg', 'chart.vl.json'];
    const params = ['from', 'to', 'columns', 'maxPoints', 'kind', 'format', 'width', 'height', 'scale', 'session', 'x', 'units', 'public', 'power'];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), fc.dictionary(fc.constantFrom(...params), value, { maxKeys: 4 }), async (route, query) => {
      const qs = new URLSearchParams(query).toString();
      const res = await app.inject({ url: `/v1/devices/car/${route}?${qs}`, headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode, `${route}?${qs}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
      if (res.statusCode >= 400) {
        const body = JSON.parse(res.body) as { error: string; message: string };
        expect(body.message.length).toBeGreaterThan(0);
        expect(body.error).not.toMatch(/^FST_/);
      }
    }), { seed: SEED, numRuns: 300 });
    expect(await stored()).toBe(before);
  }, 120_000);

  it('annotation bodies with any claim: a 201 or a 4xx with a message, never a 5xx', async () => {
    const claim = fc.record({
      kind: fc.constantFrom('bound', 'value_at', 'change', 'nope'),
      channel: fc.constantFrom('speed', 'soc', 'cabin_setpoint', 'x'),
      op: fc.constantFrom('<=', '>=', '<', '>', '=='),
      value: fc.oneof(fc.double(), fc.string({ maxLength: 3 })),
      unit: fc.constantFrom('km/h', 'mph', '%', '°C', 'furlong'),
      fromMs: fc.oneof(fc.integer(), fc.double()), toMs: fc.oneof(fc.integer(), fc.double()), atMs: fc.oneof(fc.integer(), fc.double()),
      share: fc.double(), tolerance: fc.double(), windowMs: fc.integer(), direction: fc.constantFrom('lowered', 'raised', 'sideways'),
    }, { requiredKeys: ['kind'] });
    await fc.assert(fc.asyncProperty(fc.record({ startMs: fc.oneof(fc.integer(), fc.double()), text: fc.string({ maxLength: 10 }), claim }, { requiredKeys: ['startMs'] }), async (body) => {
      const res = await app.inject({ method: 'POST', url: '/v1/devices/car/annotations', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      expect(res.statusCode, res.body.slice(0, 200)).toBeLessThan(500);
      if (res.statusCode >= 400) expect((JSON.parse(res.body) as { message: string }).message).not.toMatch(INTERNALS);
    }), { seed: SEED, numRuns: 200 });
  }, 120_000);

  it('WebSocket commands of any shape: an error message with a code, never INTERNAL, the socket stays usable', async () => {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: { authorization: `Bearer ${key}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const command = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 30 }),
      fc.record({ type: fc.constantFrom('open', 'seek', 'speed', 'step', 'jump', 'loop', 'play', 'pause', 'close', 'x'), deviceId: fc.oneof(fc.constant('car'), fc.string({ maxLength: 5 })), fromMs: fc.double(), toMs: fc.double(), atMs: fc.double(), tMs: fc.double(), speed: fc.double(), direction: fc.integer(), to: fc.string({ maxLength: 4 }), enabled: fc.boolean() }, { requiredKeys: ['type'] }).map((o) => JSON.stringify(o)),
    );
    const replies: { type: string; code?: string; message?: string }[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data))));
    await fc.assert(fc.asyncProperty(command, async (text) => {
      // Only commands that cannot open a player: an open player's frames would interleave.
      if (/"type":"open"/.test(text) && /"deviceId":"car"/.test(text)) return;
      const n = replies.length;
      ws.send(text);
      ws.send(JSON.stringify({ type: 'pause' }));
      while (replies.length < n + 1) await new Promise((r) => setTimeout(r, 2));
      for (const r of replies.slice(n)) {
        if (r.type === 'error') {
          expect(r.code).not.toBe('INTERNAL');
          expect(r.message ?? '').not.toMatch(INTERNALS);
        }
      }
    }), { seed: SEED, numRuns: 200 });
    ws.close();
  }, 120_000);
});
