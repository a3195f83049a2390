import { gzipSync } from 'node:zlib';
import { Table, Utf8, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestError } from '../../src/ingest/ingest-error.ts';
import { ingest, type IngestRequest } from '../../src/ingest/ingest-pipeline.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

const NOW = Date.UTC(2024, 6, 1, 12);
let store: TelemetryStore;

beforeEach(async () => {
  store = await TelemetryStore.open(':memory:', { now: () => NOW });
  // Data already stored, which no bad batch may touch.
  await send('device_id,ts,speed_kph,soc_pct\nkeep,2024-06-01T00:00:00Z,10,50\nkeep,2024-06-01T00:00:01Z,11,50\n');
});

afterEach(async () => store.close());

const bytes = (text: string | Uint8Array) => [typeof text === 'string' ? new TextEncoder().encode(text) : text];
const send = (body: string | Uint8Array, extra: Partial<IngestRequest> = {}) =>
  ingest(store, { input: bytes(body), format: 'csv', source: 'test', ...extra });

async function stored(): Promise<string> {
  const r = await store.db.runAndReadAll('SELECT count(*), sum(hash(device_id, ts, speed_kph, soc_pct))::VARCHAR FROM telemetry');
  return JSON.stringify(r.getRowsJson());
}

async function quarantine(): Promise<Record<string, unknown>[]> {
  const r = await store.db.runAndReadAll('SELECT source, row_number, field, reason, raw_text FROM quarantine ORDER BY row_number');
  return r.getRowObjectsJson();
}

describe('bad rows are quarantined with row, field and reason; good rows of the batch are stored', () => {
  it('wrong types, out-of-range values and bad timestamps', async () => {
    const csv = [
      'device_id,ts,speed_kph,soc_pct,lat',
      'car,2024-06-02T00:00:00Z,10,50,48', // good
      'car,2024-06-02T00:00:01Z,fast,50,48',
      'car,2024-06-02T00:00:02Z,10,101,48',
      'car,2024-06-02T00:00:03Z,-1,50,48',
      'car,2024-06-02T00:00:04Z,10,50,91',
      'car,yesterday,10,50,48',
      'car,2024-07-05T00:00:00Z,10,50,48', // days ahead of the injected clock
      'car,2024-06-02 00:00:06,10,50,48', // no zone
      'car,2024-06-02T00:00:07+02:00,12,-0.5,48',
      ',2024-06-02T00:00:08Z,10,50,48',
      'car,1717286409000,10,50,48', // good: epoch ms
    ].join('\n');
    const summary = await send(csv);
    expect(summary).toMatchObject({ accepted: 2, rejected: 9, duplicates: 0 });
    expect(summary.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'speed_kph'],
      [3, 'soc_pct'],
      [4, 'speed_kph'],
      [5, 'lat'],
      [6, 'ts'],
      [7, 'ts'],
      [8, 'ts'],
      [9, 'soc_pct'],
      [10, 'device_id'],
    ]);
    const reasons = summary.errors.map((e) => e.reason);
    expect(reasons[0]).toBe("'fast' is not a number");
    expect(reasons[1]).toBe('101 is outside 0…100 %');
    expect(reasons[5]).toMatch(/more than 24 h in the future/);
    expect(reasons[6]).toMatch(/has no time zone/);
    expect(reasons[8]).toMatch(/missing/);
    const q = await quarantine();
    expect(q).toHaveLength(9);
    expect(q[0]).toEqual({ source: 'test', row_number: '2', field: 'speed_kph', reason: "'fast' is not a number", raw_text: 'car,2024-06-02T00:00:01Z,fast,50,48' });
  });

  it('rows cut short, bytes that are not UTF-8, and a file cut inside a quote', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('device_id,ts,state\ncar,2024-06-02T00:00:00Z,ok\ncar,2024-06-02T00:00:01Z,caf'),
      Buffer.from([0xe9]), // 'é' in Latin-1
      Buffer.from('\ncar,2024-06-02T00:00:02Z,ok\ncar,2024-06-02T00:00'),
    ]);
    const s1 = await send(latin1);
    expect(s1).toMatchObject({ accepted: 2, rejected: 2 });
    expect(s1.errors).toEqual([
      { row: 2, field: '(encoding)', reason: 'is not valid UTF-8; send the file as UTF-8' },
      { row: 4, field: '(row)', reason: 'has 2 fields, the header has 3' },
    ]);
    const s2 = await send('device_id,ts,state\ncar,2024-06-03T00:00:00Z,ok\ncar,2024-06-03T00:00:01Z,"unterminated\n');
    expect(s2.accepted).toBe(1);
    expect(s2.errors[0]).toMatchObject({ row: 2, field: '(file)' });
    expect(s2.errors[0]!.reason).toMatch(/truncated after row 1/);
  });

  it('timestamps by a real grammar: prose, a bare number with Z, a NUL inside and 9e15 ms are rows of their own', async () => {
    const lines = [
      JSON.stringify({ device_id: 'ts', ts: '2024-06-02T00:00:00Z', speed_kph: 1 }),
      JSON.stringify({ device_id: 'ts', ts: '1 Z' }),
      JSON.stringify({ device_id: 'ts', ts: 'March 7 2024 Z' }),
      JSON.stringify({ device_id: 'ts', ts: '2024-06-02T00:00:01\u0000Z' }),
      JSON.stringify({ device_id: 'ts', ts: 9e15 }),
      JSON.stringify({ device_id: 'ts', ts: -9e15 }),
      JSON.stringify({ device_id: 'ts', ts: '2024-06-02T00:00:02Z', speed_kph: 2 }),
    ];
    const s = await send(lines.join('\n'), { format: 'ndjson' });
    expect(s).toMatchObject({ accepted: 2, rejected: 5 });
    expect(s.errors.map((e) => [e.row, e.field])).toEqual([[2, 'ts'], [3, 'ts'], [4, 'ts'], [5, 'ts'], [6, 'ts']]);
    expect(s.errors[3]!.reason).toMatch(/9000000000000000 ms lies more than 24 h in the future/);
  });

  it('duplicates inside one batch: the first row wins and the rest count as duplicates', async () => {
    const s = await send('device_id,ts,speed_kph\ncar,2024-06-02T00:00:00Z,1\ncar,2024-06-02T00:00:00Z,2\ncar,2024-06-02T00:00:01Z,3\n');
    expect(s).toMatchObject({ accepted: 2, duplicates: 1 });
    const r = await store.db.runAndReadAll("SELECT speed_kph FROM telemetry WHERE device_id = 'car' ORDER BY ts");
    expect(r.getRows().map((x) => x[0])).toEqual([1, 3]);
    // Sending everything again changes nothing.
    const before = await stored();
    expect(await send('device_id,ts,speed_kph\ncar,2024-06-02T00:00:00Z,9\ncar,2024-06-02T00:00:01Z,9\n')).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await stored()).toBe(before);
  });

  it('NDJSON: invalid JSON, non-objects and truncated lines are rows of their own', async () => {
    const body = '{"device_id":"n","ts":"2024-06-02T00:00:00Z"}\n[1,2]\n{"device_id":"n","ts":"2024-06-02T00:00:01Z","error_codes":["A","B"]}\n{"device_id":"n","ts":';
    const s = await send(body, { format: 'ndjson' });
    expect(s).toMatchObject({ accepted: 2, rejected: 2 });
    expect(s.errors.map((e) => [e.row, e.field, e.reason])).toEqual([
      [2, '(json)', 'is not a JSON object'],
      [4, '(json)', 'is an incomplete JSON object (truncated?)'],
    ]);
  });
});

describe('batches that cannot be read are refused whole, and nothing stored changes', () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    ['an unknown profile', () => send('ts\n1', { profile: 'nope' }), 'UNKNOWN_PROFILE'],
    ['empty input', () => send(''), 'EMPTY_INPUT'],
    ['a header and nothing else', () => send('device_id,ts\n'), ''],
    ['UTF-16 text', () => send(new Uint8Array(Buffer.from('\ufeffdevice_id,ts\nx,1\n', 'utf16le'))), 'BAD_ENCODING'],
    ['no ts column', () => send('a,b\n1,2\n', { deviceId: 'x' }), 'MISSING_COLUMN'],
    ['a --map to a column the file lacks', () => send('ts\n1', { maps: ['speed_kph=Speed'] }), 'MISSING_COLUMN'],
    ['a --map to an unknown schema column', () => send('ts\n1', { maps: ['speed=ts'] }), 'BAD_MAP'],
    ['an unknown time zone', () => send('ts\n1', { tz: 'Mars/Olympus' }), 'BAD_TIME_ZONE'],
    ['a corrupt gzip stream', () => ingest(store, { input: bytes(gzipSync('device_id,ts\nx,1\n').subarray(0, 12)), format: 'csv', source: 'gz', deviceId: 'x' }).catch((e) => { throw e; }), ''],
    ['bytes that are not Arrow', () => send('definitely not arrow', { format: 'arrow' }), 'MALFORMED'],
  ];
  for (const [name, run, code] of cases) {
    it(name, async () => {
      const before = await stored();
      if (code) {
        const err = await run().then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(IngestError);
        expect((err as IngestError).code).toBe(code);
        expect((err as IngestError).message.length).toBeGreaterThan(10);
      } else {
        await run().catch(() => undefined);
      }
      expect(await stored()).toBe(before);
    });
  }

  it('a truncated Arrow stream is refused whole: the file is one batch, nothing of it is stored', async () => {
    // Five record batches of 1,000 rows; the cut falls inside the third, or exactly after the second.
    const tables = Array.from({ length: 5 }, (_, b) => new Table({
      device_id: vectorFromArray(Array.from({ length: 1000 }, () => 'cut'), new Utf8()),
      ts: vectorFromArray(Float64Array.from({ length: 1000 }, (_, i) => Date.UTC(2024, 5, 2) + (b * 1000 + i) * 1000)),
    }));
    const whole = tables.slice(1).reduce((all, t) => all.concat(t), tables[0]!);
    expect(whole.batches.length).toBe(5);
    const ipc = tableToIPC(whole, 'stream');
    const countCut = async () => Number((await store.db.runAndReadAll("SELECT count(*) FROM telemetry WHERE device_id = 'cut'")).getRows()[0]![0]);
    for (const end of [Math.floor(ipc.length / 2), ipc.length - 8, ipc.length - 40]) {
      await expect(ingest(store, { input: bytes(ipc.subarray(0, end)), format: 'arrow', source: 'cut' })).rejects.toMatchObject({ code: 'MALFORMED', message: expect.stringMatching(/truncated/) });
      expect(await countCut()).toBe(0);
    }
    expect(await ingest(store, { input: bytes(ipc), format: 'arrow', source: 'whole' })).toMatchObject({ accepted: 5000 });
  });

  it('records every batch with its counts and status', async () => {
    await send('device_id,ts\nb,2024-06-02T00:00:00Z\nb,bad\n');
    await send('', {}).catch(() => undefined);
    const r = await store.db.runAndReadAll('SELECT status, received, accepted, duplicates, rejected, error FROM ingest_batches ORDER BY started_at');
    const rows = r.getRowObjectsJson();
    expect(rows.at(-2)).toMatchObject({ status: 'committed', received: '2', accepted: '1', rejected: '1' });
    expect(rows.at(-1)).toMatchObject({ status: 'failed', error: 'the input is empty' });
  });
});
