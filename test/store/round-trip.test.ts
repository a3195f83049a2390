import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { exportTelemetry, type ExportFormat } from '../../src/store/telemetry-export.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

const FIXTURE = join(import.meta.dirname, '../../fixtures/twizy-rsk/T3_04_22_2021_1.csv');
let dir: string;
let source: TelemetryStore;

/** Every stored row, every column, in a stable order and a comparable form. */
async function allRows(store: TelemetryStore): Promise<string[]> {
  const reader = await store.db.runAndReadAll('SELECT * FROM telemetry ORDER BY device_id, ts');
  return reader.getRowsJson().map((row) => JSON.stringify(row));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-roundtrip-'));
  source = await TelemetryStore.open(join(dir, 'source.duckdb'));
  await ingest(source, { input: { path: FIXTURE }, format: 'csv', source: 'fixture', deviceId: 'twizy', profile: 'twizy-rsk' });
  // Every kind of column, with NULLs and lists, beside the real trip.
  const csv = [
    'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes',
    'car-9,2024-03-01T10:00:00.123Z,55.5,71.25,210,24.5,-3.5,21,48.1,11.5,520,12345.6,18.2,driving,P0A1F|U0100',
    'car-9,2024-03-01T10:00:01.456Z,,70.9,,,,,,,,,,,',
    'car-9,2024-03-01T10:00:02Z,0,70.8,209,24.4,-3.6,19.5,48.1001,11.5002,521,12345.61,-4.5,parked,B1234',
  ].join('\n');
  await ingest(source, { input: [new TextEncoder().encode(csv)], format: 'csv', source: 'inline' });
});

afterAll(async () => {
  await source.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingest → export → ingest into a new store', () => {
  const ingestFormat = { parquet: 'parquet', csv: 'csv', arrow: 'arrow', arrows: 'arrow', ndjson: 'ndjson' } as const;
  for (const format of ['parquet', 'csv', 'arrow', 'arrows', 'ndjson'] as ExportFormat[]) {
    it(`gives identical rows through ${format}`, async () => {
      const target = await TelemetryStore.open(join(dir, `target-${format}.duckdb`));
      try {
        for (const device of ['twizy', 'car-9']) {
          const out = join(dir, `${device}.${format}`);
          const { rows } = await exportTelemetry(source, { deviceId: device, format, outPath: out });
          expect(rows).toBeGreaterThan(0);
          const summary = await ingest(target, { input: { path: out }, format: ingestFormat[format], source: out });
          expect(summary).toMatchObject({ accepted: rows, duplicates: 0, rejected: 0 });
        }
        expect(await allRows(target)).toEqual(await allRows(source));
      } finally {
        await target.close();
      }
    });
  }

  it('exports Arrow with a dictionary-encoded device column and UTC millisecond timestamps', async () => {
    const out = join(dir, 'typed.arrow');
    await exportTelemetry(source, { deviceId: 'car-9', format: 'arrow', outPath: out });
    const table = tableFromIPC(readFileSync(out));
    expect(table.numRows).toBe(3);
    expect(String(table.schema.fields.find((f) => f.name === 'device_id')!.type)).toMatch(/^Dictionary/);
    expect(String(table.schema.fields.find((f) => f.name === 'ts')!.type)).toMatch(/Timestamp/);
    expect(table.getChild('speed_kph')!.get(1)).toBeNull();
    expect(table.getChild('error_codes')!.get(0)!.toArray()).toEqual(['P0A1F', 'U0100']);
  });

  it('writes .arrow in the IPC file format and .arrows in the stream format', async () => {
    const file = join(dir, 'format.arrow');
    const stream = join(dir, 'format.arrows');
    await exportTelemetry(source, { deviceId: 'car-9', format: 'arrow', outPath: file });
    await exportTelemetry(source, { deviceId: 'car-9', format: 'arrows', outPath: stream });
    const fileBytes = readFileSync(file);
    // The file format opens and closes with the magic ARROW1; the stream format starts with a message (0xFFFFFFFF continuation).
    expect(fileBytes.subarray(0, 6).toString()).toBe('ARROW1');
    expect(fileBytes.subarray(fileBytes.length - 6).toString()).toBe('ARROW1');
    expect(readFileSync(stream).readUInt32LE(0)).toBe(0xffffffff);
    expect(tableFromIPC(fileBytes).numRows).toBe(tableFromIPC(readFileSync(stream)).numRows);
  });

  it('marks the Parquet ts as UTC and writes NDJSON with ISO times and lists as arrays', async () => {
    const parquet = join(dir, 'utc.parquet');
    await exportTelemetry(source, { deviceId: 'car-9', format: 'parquet', outPath: parquet });
    const schema = await source.withConnection(async (conn) => (await conn.runAndReadAll(`SELECT name, logical_type FROM parquet_schema('${parquet}') WHERE name = 'ts'`)).getRows());
    expect(String(schema[0]![1])).toMatch(/isAdjustedToUTC=1/);
    const ndjson = join(dir, 'rows.ndjson');
    await exportTelemetry(source, { deviceId: 'car-9', format: 'ndjson', outPath: ndjson });
    const first = JSON.parse(readFileSync(ndjson, 'utf8').split('\n')[0]!);
    expect(first).toMatchObject({ device_id: 'car-9', ts: '2024-03-01T10:00:00.123Z', error_codes: ['P0A1F', 'U0100'] });
  });
});
