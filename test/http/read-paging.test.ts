import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { TELEMETRY_DEFAULT_LIMIT } from '../../src/services/telemetry-read-service.ts';
import { SeededRandom } from '../../src/simulate/seeded-random.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const ARROW = 'application/vnd.apache.arrow.stream';
const T0 = Date.UTC(2024, 2, 1);
/** Device `walk` has ROWS samples at uneven intervals (seeded), so pages do not line up with round times. */
const ROWS = 12_345;
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
let walkTs: number[];

async function upload(deviceId: string, ts: number[], speed: (i: number) => number): Promise<void> {
  const table = tableFromArrays({
    device_id: ts.map(() => deviceId),
    ts: Float64Array.from(ts),
    speed_kph: Float64Array.from(ts, (_, i) => speed(i)),
    state: ts.map((_, i) => (i % 7 === 0 ? null : i % 2 ? 'driving' : 'parked')),
  });
  const res = await api(`${base}/v1/telemetry`, { method: 'POST', headers: { 'content-type': ARROW }, body: tableToIPC(table, 'stream') });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
  const random = new SeededRandom(16);
  walkTs = [];
  let t = T0;
  for (let i = 0; i < ROWS; i++) walkTs.push((t += 1 + Math.floor(random.next() * 3000)));
  await upload('walk', walkTs, (i) => i % 130);
  await upload('other-0', walkTs.slice(0, 50), () => 1);
});

afterAll(async () => {
  await app.close();
  await store?.dispose();
});

type Format = 'rows' | 'columns' | 'arrow';

/** Follows x-next-cursor from the first page to the last, returning every ts seen (epoch ms) and the page count. */
async function walk(format: Format, query: string, between?: (page: number) => Promise<void>): Promise<{ ts: number[]; pages: number }> {
  const ts: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url = `${base}/v1/devices/walk/telemetry?${query}${format === 'columns' ? '&shape=columns' : ''}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await api(url, format === 'arrow' ? { headers: { accept: ARROW } } : {});
    expect(res.status).toBe(200);
    const header = res.headers.get('x-next-cursor');
    if (format === 'arrow') {
      const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
      ts.push(...Array.from(table.getChild('ts')!.toArray() as ArrayLike<number | bigint>, Number));
    } else {
      const body = (await res.json()) as { count: number; nextCursor: string | null; rows?: { ts: string }[]; columns?: { ts: number[] } };
      const seen = format === 'rows' ? body.rows!.map((r) => Date.parse(r.ts)) : body.columns!.ts;
      expect(body.count).toBe(seen.length);
      expect(body.nextCursor).toBe(header);
      ts.push(...seen);
    }
    cursor = header;
    pages++;
    await between?.(pages);
  } while (cursor);
  return { ts, pages };
}

describe('GET /v1/devices/:id/telemetry paging', () => {
  it.each<Format>(['rows', 'columns', 'arrow'])('a cursor walk (%s) returns every row exactly once, in time order', async (format) => {
    const { ts, pages } = await walk(format, 'limit=1000');
    expect(pages).toBe(Math.ceil(ROWS / 1000));
    expect(ts).toEqual(walkTs);
  });

  it('stays exact while other devices are written between and during the pages', async () => {
    let n = 0;
    const writes: Promise<void>[] = [];
    const during = async (page: number) => {
      // One upload awaited between pages, one left running into the next page's read.
      await upload(`other-${page}`, walkTs.slice(0, 200).map((t) => t + 1), () => page);
      writes.push(upload(`racing-${page}`, walkTs.slice(page * 100, page * 100 + 500), () => n++));
    };
    const { ts } = await walk('rows', `limit=777&from=${walkTs[10]}&to=${walkTs[ROWS - 10]}`, during);
    await Promise.all(writes);
    expect(ts).toEqual(walkTs.slice(10, ROWS - 10));
  });

  it('streams Arrow pages that stay exact while other devices are written during them', async () => {
    const writes: Promise<void>[] = [];
    const during = async (page: number) => {
      writes.push(upload(`arrow-racing-${page}`, walkTs.slice(page * 100, page * 100 + 500), () => page));
    };
    const { ts } = await walk('arrow', `limit=2500&from=${walkTs[3]}`, during);
    await Promise.all(writes);
    expect(ts).toEqual(walkTs.slice(3));
  });

  it('a scan that breaks the order its device records is read again sorted: the Arrow reply is still exact', async () => {
    // Stored out of order (the later half first), then the record made to claim time order.
    await upload('liar', walkTs.slice(6000, 9000), () => 2);
    await upload('liar', walkTs.slice(0, 6000), () => 1);
    await store.withConnection((conn) => conn.run("UPDATE devices SET ts_ordered = true WHERE device_id = 'liar'"));
    const res = await api(`${base}/v1/devices/liar/telemetry?limit=100000`, { headers: { accept: ARROW } });
    expect(res.status).toBe(200);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(Array.from(table.getChild('ts')!.toArray() as ArrayLike<number | bigint>, Number)).toEqual(walkTs.slice(0, 9000));
  });

  it('without a range or a limit answers one default page, not the whole history', async () => {
    const res = await api(`${base}/v1/devices/walk/telemetry?columns=ts`);
    const body = (await res.json()) as { count: number; rows: unknown[]; nextCursor: string | null };
    expect(body.count).toBe(TELEMETRY_DEFAULT_LIMIT);
    expect(body.rows).toHaveLength(TELEMETRY_DEFAULT_LIMIT);
    expect(body.nextCursor).not.toBeNull();
    expect(res.headers.get('link')).toContain('cursor=');
  });

  it('rejects a cursor it did not give out', async () => {
    const res = await api(`${base}/v1/devices/walk/telemetry?cursor=not-a-cursor`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'BAD_CURSOR' });
  });
});

describe('columns are honoured exactly', () => {
  const query = `columns=speed_kph,ts,state&limit=20&from=${walkTs?.[0] ?? T0}`;

  it('in JSON rows and columns: no device_id unless asked for, values as stored', async () => {
    const rows = (await (await api(`${base}/v1/devices/walk/telemetry?${query}`)).json()) as { rows: Record<string, unknown>[] };
    expect(rows.rows).toHaveLength(20);
    for (const row of rows.rows) expect(Object.keys(row).sort()).toEqual(['speed_kph', 'state', 'ts']);
    expect(rows.rows[0]).toEqual({ ts: new Date(walkTs[0]!).toISOString(), speed_kph: 0, state: null });
    expect(rows.rows[1]).toEqual({ ts: new Date(walkTs[1]!).toISOString(), speed_kph: 1, state: 'driving' });
    const cols = (await (await api(`${base}/v1/devices/walk/telemetry?${query}&shape=columns`)).json()) as { columns: Record<string, unknown[]> };
    expect(Object.keys(cols.columns).sort()).toEqual(['speed_kph', 'state', 'ts']);
    expect(cols.columns.ts!.slice(0, 2)).toEqual(walkTs.slice(0, 2));
    expect(cols.columns.state!.slice(0, 3)).toEqual([null, 'driving', 'parked']);
    const withDevice = (await (await api(`${base}/v1/devices/walk/telemetry?columns=device_id,ts&limit=1`)).json()) as { rows: Record<string, unknown>[] };
    expect(withDevice.rows[0]).toEqual({ device_id: 'walk', ts: new Date(walkTs[0]!).toISOString() });
  });

  it('in Arrow: exactly the asked-for fields, nulls kept', async () => {
    const res = await api(`${base}/v1/devices/walk/telemetry?${query}`, { headers: { accept: ARROW } });
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['ts', 'speed_kph', 'state']);
    expect(table.getChild('state')!.get(0)).toBeNull();
    expect(table.getChild('state')!.get(2)).toBe('parked');
    expect(table.getChild('speed_kph')!.get(5)).toBe(5);
  });
});

describe('list routes page by keyset', () => {
  it('GET /v1/devices walks every device once with limit and cursor', async () => {
    const all = ((await (await api(`${base}/v1/devices?limit=5000`)).json()) as { deviceId: string }[]).map((d) => d.deviceId);
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let url: string | null = `/v1/devices?limit=2`;
    while (url) {
      const res: Response = await api(`${base}${url}`);
      const page = (await res.json()) as { deviceId: string }[];
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page.map((d) => d.deviceId));
      url = res.headers.get('link')?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null;
    }
    expect(seen).toEqual(all);
  });

  it('GET …/annotations and …/claims page in time order', async () => {
    for (let i = 0; i < 7; i++) {
      const body = { annotationId: `note-${i}`, startMs: walkTs[i % 3]!, text: `note ${i}`, ...(i % 2 ? { claim: { kind: 'bound', channel: 'speed', op: '<=', value: 200, unit: 'km/h', fromMs: walkTs[0]!, toMs: walkTs[100]! } } : {}) };
      const res = await api(`${base}/v1/devices/walk/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    }
    const all = ((await (await api(`${base}/v1/devices/walk/annotations`)).json()) as { annotationId: string }[]).map((a) => a.annotationId);
    expect(all.length).toBeGreaterThanOrEqual(7);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await api(`${base}/v1/devices/walk/annotations?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...((await res.json()) as { annotationId: string }[]).map((a) => a.annotationId));
      cursor = res.headers.get('x-next-cursor');
    } while (cursor);
    expect(seen).toEqual(all);
    const claims = ((await (await api(`${base}/v1/devices/walk/claims?limit=2`)).json()) as { annotationId: string }[]).map((a) => a.annotationId);
    expect(claims.every((id) => ['note-1', 'note-3', 'note-5'].includes(id))).toBe(true);
    const sessions = await api(`${base}/v1/devices/walk/sessions?limit=1`);
    expect(sessions.status).toBe(200);
    const events = await api(`${base}/v1/devices/walk/events?limit=1&cursor=${encodeURIComponent('bad')}`);
    expect(events.status).toBe(400);
  });
});
