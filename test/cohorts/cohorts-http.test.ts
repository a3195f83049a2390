import { tableFromIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { openTempStore } from '../temp-store.ts';
import { NOW_MS, writeHandFleet } from './cohort-fleet.ts';
import { HAND_FLEET } from './hand-fleet.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore({ now: () => NOW_MS });
  await writeHandFleet(store, HAND_FLEET);
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
});
afterAll(async () => {
  await app.close();
  await store.dispose();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const query = (body: unknown, qs = '') =>
  api(`${base}/v1/cohorts/query${qs}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/cohorts/query', () => {
  it('answers rates per group as JSON', async () => {
    const res = await query({ groupBy: ['model'], experienced: [{ kind: 'breakdown', withinDays: 90 }], split: true });
    expect(res.status).toBe(200);
    const body = await json(res);
    // split keeps every vehicle: C is there, with no breakdown.
    expect(body.groups.map((g: { label: string }) => g.label)).toEqual(['model=A', 'model=B', 'model=C']);
    expect(body.groups[0].moments[0]).toMatchObject({ kind: 'breakdown', count: 2, perThousandHours: { rate: 25 } });
  });

  it('answers an Arrow IPC file and a PNG chart', async () => {
    const arrow = await query({ groupBy: ['firmware'] }, '?format=arrow');
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.file');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.getChild('firmware')!.toArray()).toContain('1.0');
    const png = await query({ groupBy: ['model'] }, '?format=png&per=km');
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
  });

  it('rejects an unknown dimension or field with a 400 naming it', async () => {
    const bad = await query({ groupBy: ['colour'] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).message).toMatch(/groupBy/);
    const negative = await query({ minExposureHours: -1 });
    expect(negative.status).toBe(400);
    expect((await json(negative)).message).toMatch(/minExposureHours/);
  });
});
