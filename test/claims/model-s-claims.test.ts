import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../src/cli/serve-command.ts';
import { loadModelSDemo } from '../../src/cli/model-s-demo.ts';
import type { AnnotationWithVerdict } from '../../src/domain/annotations/annotation.ts';
import type { ClaimVerdict } from '../../src/domain/claims/claim.ts';
import { buildApp } from '../../src/http/app.ts';
import { insertIncidentAnnotation } from '../../src/store/alert-annotation-repository.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const NOW = Date.UTC(2026, 0, 1);
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
const logs: string[] = [];

beforeAll(async () => {
  store = await openTempStore({ now: () => NOW });
  await loadModelSDemo(store, FIXTURES_DIR, (m) => logs.push(m));
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const get = async <T>(path: string): Promise<T> => {
  const res = await api(base + path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

describe('claims on the Model S 2013 fixture (real DuckDB file, real HTTP)', () => {
  let verdicts: Map<string, ClaimVerdict>;
  beforeAll(async () => {
    const list = await get<{ annotationId: string; verdict: ClaimVerdict }[]>('/v1/devices/model-s-2013/claims');
    verdicts = new Map(list.map((c) => [c.annotationId, c.verdict]));
  });

  it('loads the fixture with no rejected rows and all nine annotations', async () => {
    expect(logs.join('\n')).toMatch(/55348 accepted, 0 duplicates, 0 rejected; 4 chargers, 9 new/);
    expect(await get<unknown[]>('/v1/devices/model-s-2013/annotations')).toHaveLength(9);
    expect(verdicts.size).toBe(8); // "drove past a public charger" is a call-out without a claim
  });

  it('"cruise set at 54 mph" from A to B is contradicted: the logged speeds there are 65–81 mph', () => {
    const v = verdicts.get('ms13-cruise-54')!;
    expect(v.verdict).toBe('contradicted');
    expect(v.unit).toBe('mph');
    expect(v.logged.shareWithin).toBe(0); // not one second at or below 56 mph (54 + 2 tolerance)
    expect(v.logged.min!).toBeGreaterThan(65);
    expect(v.logged.max!).toBeLessThan(82);
    expect(v.logged.median!).toBeGreaterThan(70);
  });

  it('"charged fully" is contradicted at Milford (72 %) and at Norwich (28 %)', () => {
    const milford = verdicts.get('ms13-milford-full')!;
    expect(milford.verdict).toBe('contradicted');
    expect(milford.logged.valueAt).toBeCloseTo(72, 1); // the charge was stopped at 72 %
    const norwich = verdicts.get('ms13-norwich-full')!;
    expect(norwich.verdict).toBe('contradicted');
    expect(norwich.logged.valueAt).toBeCloseTo(28, 1); // unplugged at 28 % after ~1 h on a low-power charger
  });

  it('"turned the heat down" is contradicted: the set-point went from 72 to 74 °F there', () => {
    const v = verdicts.get('ms13-heat-down')!;
    expect(v.verdict).toBe('contradicted');
    expect(v.unit).toBe('°F');
    expect(v.logged.before).toBeCloseTo(72, 0);
    expect(v.logged.after).toBeCloseTo(74, 0); // the highest value after: it went up, never down
    expect(v.explanation).toMatch(/raised/);
  });

  it("supports the maker's call-outs: 90 % at Newark, stopped at 72 % at Milford, 32 mi at Norwich, SoC never 0 before the stall", () => {
    expect(verdicts.get('ms13-newark-90')!.verdict).toBe('supported');
    expect(verdicts.get('ms13-milford-72')!.verdict).toBe('supported');
    const range = verdicts.get('ms13-norwich-32mi')!;
    expect(range.verdict).toBe('supported');
    expect(range.logged.valueAt).toBeCloseTo(32, 0);
    const stall = verdicts.get('ms13-stall')!;
    expect(stall.verdict).toBe('supported');
    expect(stall.logged.min!).toBeGreaterThan(0);
  });

  it('loading the fixture again changes nothing', async () => {
    await loadModelSDemo(store, FIXTURES_DIR, (m) => logs.push(m));
    expect(logs.at(-1)).toMatch(/0 accepted, 55348 duplicates, 0 rejected; 4 chargers, 0 new and 9 replaced annotations/);
    expect(await get<unknown[]>('/v1/devices/model-s-2013/annotations')).toHaveLength(9);
  }, 60_000);
});

describe('annotations API', () => {
  const post = (body: unknown, device = 'model-s-2013') =>
    api(`${base}/v1/devices/${device}/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('creates, lists (by range), judges and deletes an annotation', async () => {
    const atMs = Date.parse('2013-01-24T17:00:00Z');
    const res = await post({ startMs: atMs, text: 'going 45 mph here', author: 'test', tags: ['t'], claim: { kind: 'value_at', channel: 'speed', atMs, op: '<=', value: 55, unit: 'mph' } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as AnnotationWithVerdict;
    expect(created).toMatchObject({ deviceId: 'model-s-2013', startMs: atMs, endMs: null, author: 'test', tags: ['t'], createdAtMs: NOW, context: null });
    expect(created.verdict?.verdict).toBe('supported'); // 44–52 mph on the leg from Norwich
    const inRange = await get<AnnotationWithVerdict[]>(`/v1/devices/model-s-2013/annotations?from=2013-01-24T16:59:00Z&to=2013-01-24T17:01:00Z`);
    expect(inRange.map((a) => a.annotationId)).toEqual([created.annotationId]);
    const del = await api(`${base}/v1/devices/model-s-2013/annotations/${created.annotationId}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await api(`${base}/v1/devices/model-s-2013/annotations/${created.annotationId}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses bad input with a message naming the field, a taken id, and an unknown device', async () => {
    const wrongUnit = await post({ startMs: 1, text: 'x', claim: { kind: 'value_at', channel: 'speed', atMs: 1, op: '<=', value: 55, unit: 'mi' } });
    expect(wrongUnit.status).toBe(400);
    expect(((await wrongUnit.json()) as { message: string }).message).toMatch(/claim\.unit: unit 'mi' does not measure speed/);
    const backwards = await post({ startMs: 10, endMs: 5, text: 'x' });
    expect(((await backwards.json()) as { message: string }).message).toMatch(/endMs/);
    const noText = await post({ startMs: 10 });
    expect(noText.status).toBe(400);
    expect(((await noText.json()) as { message: string }).message).toMatch(/text/);
    expect((await post({ annotationId: 'ms13-stall', startMs: 10, text: 'x' })).status).toBe(409);
    expect((await post({ startMs: 10, text: 'x' }, 'no-such-car')).status).toBe(404);
    expect((await api(`${base}/v1/devices/no-such-car/claims`)).status).toBe(404);
  });

  it("shows another part's note (an alert acknowledgement) with its reference as context, not as a claim", async () => {
    await store.withConnection((conn) =>
      insertIncidentAnnotation(conn, { deviceId: 'model-s-2013', startMs: Date.parse('2013-01-24T18:00:00Z'), endMs: null, text: 'acknowledged', author: 'ops', tags: ['alert'], claim: { incidentId: 'inc-1' } }, NOW),
    );
    const list = await get<AnnotationWithVerdict[]>('/v1/devices/model-s-2013/annotations?from=2013-01-24T17:59:00Z&to=2013-01-24T18:01:00Z');
    const ack = list.find((a) => a.text === 'acknowledged')!;
    expect(ack).toMatchObject({ claim: null, context: { incidentId: 'inc-1' }, verdict: null });
  });
});
