import { listValue, type DuckDBConnection, type DuckDBDataChunk } from '@duckdb/node-api';
import type { DeviceFacts } from '../domain/devices/device-facts.ts';
import {
  COLUMN_NAMES,
  columnDef,
  type ColumnName,
  type NumberColumnName,
  type TextListColumnName,
} from '../domain/telemetry-schema.ts';
import { limitValue } from './keyset-sql.ts';

/** A device's telemetry over a range, as columns: only the requested ones are filled. */
export interface TelemetryColumns {
  deviceId: string;
  length: number;
  columns: readonly ColumnName[];
  tsMs: Float64Array;
  /** NaN = NULL. */
  numbers: Partial<Record<NumberColumnName, Float64Array>>;
  state?: (string | null)[];
  lists: Partial<Record<TextListColumnName, (string[] | null)[]>>;
}

export interface TelemetryQuery {
  deviceId: string;
  /** Inclusive. */
  fromMs?: number | undefined;
  /** Exclusive. */
  toMs?: number | undefined;
  /** Default: every column. device_id and ts always come back. */
  columns?: readonly ColumnName[] | undefined;
  limit?: number | undefined;
}

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;

function selected(columns: readonly ColumnName[] | undefined): ColumnName[] {
  const wanted = new Set<ColumnName>(columns ?? COLUMN_NAMES);
  return COLUMN_NAMES.filter((c) => c === 'device_id' || c === 'ts' || wanted.has(c));
}

function readDoubles(chunk: DuckDBDataChunk, col: number, into: Float64Array, at: number): void {
  const vector = chunk.getColumnVector(col);
  const items = (vector as unknown as { items?: unknown }).items;
  // NULLs were turned into NaN in SQL, so the vector has no validity mask to honour.
  if (items instanceof Float64Array) into.set(items.subarray(0, chunk.rowCount), at);
  else for (let i = 0; i < chunk.rowCount; i++) into[at + i] = (vector.getItem(i) as number | null) ?? Number.NaN;
}

function grown(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

/**
 * Reads a device's range column by column, ordered by time. Rows never become JS objects: a
 * device-day is 86,400 rows, and objects cost ~220 ms where columns cost a few.
 */
export async function readTelemetryColumns(conn: DuckDBConnection, q: TelemetryQuery): Promise<TelemetryColumns> {
  const columns = selected(q.columns);
  const data = columns.filter((c) => c !== 'device_id');
  const exprs = data.map((c) => {
    const kind = columnDef(c)!.kind;
    if (kind === 'timestamp') return 'epoch_ms(ts)::DOUBLE';
    if (kind === 'number') return `coalesce(${c}, 'NaN'::DOUBLE)`;
    if (kind === 'text_list') return `array_to_string(${c}, '|')`;
    return c;
  });
  const limit = q.limit ? `LIMIT ${Math.floor(q.limit)}` : '';
  const result = await conn.stream(
    `SELECT ${exprs.join(', ')} FROM telemetry
     WHERE device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT))
     ORDER BY ts ${limit}`,
    [q.deviceId, q.fromMs ?? FAR_PAST, q.toMs ?? FAR_FUTURE],
  );
  let capacity = 4096;
  let length = 0;
  const doubles = new Map<ColumnName, Float64Array>();
  const texts = new Map<ColumnName, (string | null)[]>();
  for (const c of data) {
    const kind = columnDef(c)!.kind;
    if (kind === 'timestamp' || kind === 'number') doubles.set(c, new Float64Array(capacity));
    else texts.set(c, []);
  }
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (length + n > capacity) {
      capacity = Math.max(capacity * 2, length + n);
      for (const [c, a] of doubles) doubles.set(c, grown(a, capacity));
    }
    data.forEach((c, col) => {
      const target = doubles.get(c);
      if (target) return readDoubles(chunk, col, target, length);
      const vector = chunk.getColumnVector(col);
      const out = texts.get(c)!;
      for (let i = 0; i < n; i++) out.push(vector.getItem(i) as string | null);
    });
    length += n;
  }
  const numbers: TelemetryColumns['numbers'] = {};
  const lists: TelemetryColumns['lists'] = {};
  let state: (string | null)[] | undefined;
  for (const c of data) {
    const kind = columnDef(c)!.kind;
    if (kind === 'number') numbers[c as NumberColumnName] = doubles.get(c)!.subarray(0, length);
    if (kind === 'text') state = texts.get(c);
    if (kind === 'text_list') lists[c as TextListColumnName] = texts.get(c)!.map((v) => (v ? v.split('|') : null));
  }
  return { deviceId: q.deviceId, length, columns, tsMs: doubles.get('ts')!.subarray(0, length), numbers, ...(state ? { state } : {}), lists };
}

export interface DeviceSummary {
  deviceId: string;
  firstTs: string | null;
  lastTs: string | null;
  rowCount: number;
  model: string | null;
  firmware: string | null;
  fleet: string | null;
  batteryKwh: number | null;
  reserveSocPct: number | null;
  cutoffSocPct: number | null;
  heatPump: boolean | null;
  region: string | null;
}

const DEVICE_SELECT = `SELECT device_id, epoch_ms(first_ts)::DOUBLE, epoch_ms(last_ts)::DOUBLE, row_count, model, firmware, fleet,
  battery_kwh, reserve_soc_pct, cutoff_soc_pct, heat_pump, region FROM devices`;

function toDevice(row: unknown[]): DeviceSummary {
  const iso = (v: unknown) => (v === null ? null : new Date(Number(v)).toISOString());
  return {
    deviceId: String(row[0]),
    firstTs: iso(row[1]),
    lastTs: iso(row[2]),
    rowCount: Number(row[3]),
    model: (row[4] as string | null) ?? null,
    firmware: (row[5] as string | null) ?? null,
    fleet: (row[6] as string | null) ?? null,
    batteryKwh: (row[7] as number | null) ?? null,
    reserveSocPct: (row[8] as number | null) ?? null,
    cutoffSocPct: (row[9] as number | null) ?? null,
    heatPump: (row[10] as boolean | null) ?? null,
    region: (row[11] as string | null) ?? null,
  };
}

/** The registered facts of a device as detection uses them (fields never set are absent). */
export function deviceFactsOf(d: DeviceSummary): DeviceFacts {
  const facts: DeviceFacts = {};
  if (d.model !== null) facts.model = d.model;
  if (d.fleet !== null) facts.fleet = d.fleet;
  if (d.firmware !== null) facts.firmware = d.firmware;
  if (d.batteryKwh !== null) facts.batteryKwh = d.batteryKwh;
  if (d.reserveSocPct !== null) facts.reserveSocPct = d.reserveSocPct;
  if (d.cutoffSocPct !== null) facts.cutoffSocPct = d.cutoffSocPct;
  if (d.heatPump !== null) facts.heatPump = d.heatPump;
  return facts;
}

/** Devices by id; `afterId` and `limit` page through them (keyset). */
export async function listDevices(conn: DuckDBConnection, page: { afterId?: string | undefined; limit?: number | undefined } = {}): Promise<DeviceSummary[]> {
  const reader = await conn.runAndReadAll(`${DEVICE_SELECT} WHERE ($1::VARCHAR IS NULL OR device_id > $1) ORDER BY device_id LIMIT $2`, [
    page.afterId ?? null,
    limitValue(page.limit),
  ]);
  return reader.getRows().map(toDevice);
}

/** The registered facts of several devices in one query (devices with none are absent from the map). */
export async function deviceFactsOfDevices(conn: DuckDBConnection, deviceIds: readonly string[]): Promise<Map<string, DeviceFacts>> {
  const facts = new Map<string, DeviceFacts>();
  if (deviceIds.length === 0) return facts;
  const reader = await conn.runAndReadAll(`${DEVICE_SELECT} WHERE list_contains($1, device_id)`, [listValue([...deviceIds])]);
  for (const row of reader.getRows()) {
    const d = toDevice(row);
    facts.set(d.deviceId, deviceFactsOf(d));
  }
  return facts;
}

export async function getDevice(conn: DuckDBConnection, deviceId: string): Promise<DeviceSummary | undefined> {
  const reader = await conn.runAndReadAll(`${DEVICE_SELECT} WHERE device_id = $1`, [deviceId]);
  const row = reader.getRows()[0];
  return row ? toDevice(row) : undefined;
}

/** Sets the given metadata fields (the others keep their value), creating the device if it has no data yet. */
export async function upsertDeviceMetadata(conn: DuckDBConnection, deviceId: string, meta: DeviceFacts & { region?: string | undefined }): Promise<void> {
  await conn.run(
    `INSERT INTO devices (device_id, model, firmware, fleet, battery_kwh, reserve_soc_pct, cutoff_soc_pct, heat_pump, region, row_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)
     ON CONFLICT (device_id) DO UPDATE SET
       model = coalesce(excluded.model, devices.model),
       firmware = coalesce(excluded.firmware, devices.firmware),
       fleet = coalesce(excluded.fleet, devices.fleet),
       battery_kwh = coalesce(excluded.battery_kwh, devices.battery_kwh),
       reserve_soc_pct = coalesce(excluded.reserve_soc_pct, devices.reserve_soc_pct),
       cutoff_soc_pct = coalesce(excluded.cutoff_soc_pct, devices.cutoff_soc_pct),
       heat_pump = coalesce(excluded.heat_pump, devices.heat_pump),
       region = coalesce(excluded.region, devices.region)`,
    [deviceId, meta.model ?? null, meta.firmware ?? null, meta.fleet ?? null, meta.batteryKwh ?? null, meta.reserveSocPct ?? null, meta.cutoffSocPct ?? null, meta.heatPump ?? null, meta.region ?? null],
  );
}
