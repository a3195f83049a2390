import { randomUUID } from 'node:crypto';
import type { TelemetryBatch } from '../../domain/telemetry-batch.ts';
import {
  COLUMN_NAMES,
  NUMBER_COLUMN_NAMES,
  columnDef,
  type ColumnName,
  type NumberColumnName,
  type TextListColumnName,
} from '../../domain/telemetry-schema.ts';
import type { RowRejection } from '../../domain/validate-chunk.ts';
import type { AppendResult, DeviceRangeStats, QuarantinedRow } from '../contract/telemetry-log.ts';
import type { BatchMeta, TouchedRange } from '../contract/ingest-batch.ts';
import type { TelemetryColumns, TelemetryQuery } from '../telemetry-repository.ts';
import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { sqlInt, sqlString } from './clickhouse-sql.ts';
import { firstWinsVersion } from './clickhouse-version.ts';

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;
/** Rows per INSERT: ClickHouse writes one part per shard per insert, and few large parts merge cheaply. */
const INSERT_ROWS = 500_000;

interface DeviceSpan {
  firstTs: number;
  lastTs: number;
  rows: number;
}

/** Keeps the first row of each (device, ts) in the batch; returns the kept row indexes and how many repeats were dropped. */
function firstOfEachKey(batch: TelemetryBatch): { kept: number[]; repeats: number } {
  const seen = new Map<string, Set<number>>();
  const kept: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    const device = batch.deviceId[i]!;
    let times = seen.get(device);
    if (!times) seen.set(device, (times = new Set()));
    const ts = batch.tsMs[i]!;
    if (times.has(ts)) continue;
    times.add(ts);
    kept.push(i);
  }
  return { kept, repeats: batch.length - kept.length };
}

function spansOf(batch: TelemetryBatch, rows: readonly number[]): Map<string, DeviceSpan> {
  const spans = new Map<string, DeviceSpan>();
  for (const i of rows) {
    const d = batch.deviceId[i]!;
    const ts = batch.tsMs[i]!;
    const s = spans.get(d);
    if (!s) spans.set(d, { firstTs: ts, lastTs: ts, rows: 1 });
    else {
      if (ts < s.firstTs) s.firstTs = ts;
      if (ts > s.lastTs) s.lastTs = ts;
      s.rows++;
    }
  }
  return spans;
}

/**
 * The (device, ts) keys of the batch already stored. Only devices whose stored range overlaps the
 * batch are looked at (fresh data, the usual case, costs one small query on device_batches).
 */
async function storedKeys(conn: ClickHouseConnection, spans: Map<string, DeviceSpan>): Promise<Set<string>> {
  const out = new Set<string>();
  if (spans.size === 0) return out;
  const db = conn.database;
  const stored = await conn.rows<{ device_id: string; lo: string; hi: string }>(
    `SELECT device_id, min(first_ts) AS lo, max(last_ts) AS hi FROM ${db}.device_batches
     WHERE device_id IN (${[...spans.keys()].map(sqlString).join(', ')}) GROUP BY device_id`,
  );
  const overlapping = stored.filter((s) => {
    const span = spans.get(s.device_id)!;
    return Number(s.lo) <= span.lastTs && Number(s.hi) >= span.firstTs;
  });
  for (const s of overlapping) {
    const span = spans.get(s.device_id)!;
    const text = await conn.text(
      `SELECT ts FROM ${db}.telemetry WHERE device_id = ${sqlString(s.device_id)} AND ts >= ${sqlInt(span.firstTs)} AND ts <= ${sqlInt(span.lastTs)} GROUP BY ts`,
    );
    for (const line of text.split('\n')) if (line) out.add(`${s.device_id}\u0000${line}`);
  }
  return out;
}

/** Grows as rows are written; one chunk per ~4 MB. */
class RowBinaryWriter {
  private buf = Buffer.allocUnsafe(1 << 22);
  private at = 0;
  readonly chunks: Buffer[] = [];

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  flush(): void {
    if (this.at > 0) this.chunks.push(Buffer.from(this.buf.subarray(0, this.at)));
    this.at = 0;
  }

  /** Unsigned/signed 64-bit from a safe integer (two 32-bit halves, little-endian). */
  int64(v: number): void {
    this.room(8);
    const low = v % 4294967296;
    const lowU = low < 0 ? low + 4294967296 : low;
    this.buf.writeUInt32LE(lowU >>> 0, this.at);
    this.buf.writeInt32LE(Math.floor(v / 4294967296) | 0, this.at + 4);
    this.at += 8;
  }

  nullableDouble(v: number): void {
    this.room(9);
    if (Number.isNaN(v)) {
      this.buf[this.at++] = 1;
      return;
    }
    this.buf[this.at++] = 0;
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }

  string(v: string): void {
    const bytes = Buffer.byteLength(v);
    this.room(bytes + 10);
    let n = bytes;
    while (n >= 0x80) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.at++] = n;
    this.at += this.buf.write(v, this.at);
  }

  nullableString(v: string | null | undefined): void {
    this.room(1);
    if (v === null || v === undefined) {
      this.buf[this.at++] = 1;
      return;
    }
    this.buf[this.at++] = 0;
    this.string(v);
  }
}

/** The rows in RowBinary, in the column order of migration 1's telemetry table. */
function telemetryRowBinary(batch: TelemetryBatch, rows: readonly number[], ver: number): Buffer[] {
  const numbers = NUMBER_COLUMN_NAMES.map((n) => batch.numbers[n]);
  const w = new RowBinaryWriter();
  for (const i of rows) {
    w.string(batch.deviceId[i]!);
    w.int64(batch.tsMs[i]!);
    for (const col of numbers) w.nullableDouble(col[i]!);
    w.nullableString(batch.text.state[i]);
    w.nullableString(batch.lists.error_codes[i]);
    w.nullableString(batch.lists.flags[i]);
    w.int64(ver);
  }
  w.flush();
  return w.chunks;
}

/**
 * Appends a batch: repeats inside it and rows already stored are counted as duplicates (the first
 * value stored wins: the version counts down, and reads use FINAL), bad rows go to the quarantine.
 * Not one transaction — ClickHouse has none across shards — but a batch sent again after a failure
 * stores nothing twice: its rows are found and counted as duplicates.
 */
export async function appendTelemetry(conn: ClickHouseConnection, batch: TelemetryBatch, rejections: readonly RowRejection[], meta: BatchMeta, nowMs: number): Promise<AppendResult> {
  const batchId = randomUUID();
  const { kept, repeats } = firstOfEachKey(batch);
  const existing = await storedKeys(conn, spansOf(batch, kept));
  const fresh = existing.size === 0 ? kept : kept.filter((i) => !existing.has(`${batch.deviceId[i]}\u0000${batch.tsMs[i]}`));
  const ver = firstWinsVersion();
  for (let start = 0; start < fresh.length; start += INSERT_ROWS) {
    await conn.insertRowBinary('telemetry', telemetryRowBinary(batch, fresh.slice(start, start + INSERT_ROWS), ver));
  }
  const spans = spansOf(batch, fresh);
  await conn.insertRows('device_batches', [...spans].map(([deviceId, s]) => ({ device_id: deviceId, batch_id: batchId, first_ts: s.firstTs, last_ts: s.lastTs, rows: s.rows })));
  if (rejections.length > 0) {
    await conn.insertRows('quarantine', rejections.map((r) => ({
      batch_id: batchId, source: meta.source, row_number: r.row, field: r.field, reason: r.reason,
      raw_text: r.raw.length > 4096 ? `${r.raw.slice(0, 4096)}…` : r.raw, quarantined_at: Math.round(nowMs),
    })));
  }
  const touched: TouchedRange[] = [...spans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([deviceId, s]) => ({ deviceId, fromMs: s.firstTs, toMs: s.lastTs, batchId }));
  return { batchId, accepted: fresh.length, duplicates: repeats + (kept.length - fresh.length), rejected: rejections.length, touched };
}

function selected(columns: readonly ColumnName[] | undefined): ColumnName[] {
  const wanted = new Set<ColumnName>(columns ?? COLUMN_NAMES);
  return COLUMN_NAMES.filter((c) => c === 'device_id' || c === 'ts' || wanted.has(c));
}

/** Reads RowBinary values off a reply buffer. */
class RowBinaryReader {
  private at = 0;
  private readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  int64(): number {
    const low = this.buf.readUInt32LE(this.at);
    const high = this.buf.readInt32LE(this.at + 4);
    this.at += 8;
    return high * 4294967296 + low;
  }

  nullableDouble(): number {
    if (this.buf[this.at++] === 1) return Number.NaN;
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  nullableString(): string | null {
    if (this.buf[this.at++] === 1) return null;
    let n = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.at++]!;
      n += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    const v = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return v;
  }
}

/**
 * A device's range as columns, in time order; FINAL keeps it exact before merges (a device lives
 * on one shard). The reply is RowBinary: every double exactly as stored.
 */
export async function readTelemetryColumnsCh(conn: ClickHouseConnection, q: TelemetryQuery): Promise<TelemetryColumns> {
  const columns = selected(q.columns);
  const data = columns.filter((c) => c !== 'device_id');
  const limit = q.limit ? ` LIMIT ${sqlInt(Math.floor(q.limit))}` : '';
  const reply = await conn.binary(
    `SELECT ${data.join(', ')} FROM ${conn.database}.telemetry FINAL
     WHERE device_id = ${sqlString(q.deviceId)} AND ts >= ${sqlInt(Math.trunc(q.fromMs ?? FAR_PAST))} AND ts < ${sqlInt(Math.trunc(q.toMs ?? FAR_FUTURE))}
     ORDER BY ts${limit}`,
  );
  const kinds = data.map((c) => columnDef(c)!.kind);
  let capacity = 4096;
  let length = 0;
  let doubles = kinds.map((k) => (k === 'timestamp' || k === 'number' ? new Float64Array(capacity) : undefined));
  const texts = kinds.map((k) => (k === 'text' || k === 'text_list' ? ([] as (string | null)[]) : undefined));
  const r = new RowBinaryReader(reply);
  while (!r.done) {
    if (length === capacity) {
      capacity *= 2;
      doubles = doubles.map((d) => {
        if (!d) return d;
        const grown = new Float64Array(capacity);
        grown.set(d);
        return grown;
      });
    }
    for (let j = 0; j < kinds.length; j++) {
      const k = kinds[j];
      if (k === 'timestamp') doubles[j]![length] = r.int64();
      else if (k === 'number') doubles[j]![length] = r.nullableDouble();
      else texts[j]!.push(r.nullableString());
    }
    length++;
  }
  const numbers: TelemetryColumns['numbers'] = {};
  const lists: TelemetryColumns['lists'] = {};
  let state: (string | null)[] | undefined;
  data.forEach((c, j) => {
    const kind = kinds[j];
    if (kind === 'number') numbers[c as NumberColumnName] = doubles[j]!.subarray(0, length);
    if (kind === 'text') state = texts[j]!;
    if (kind === 'text_list') lists[c as TextListColumnName] = texts[j]!.map((v) => (v ? v.split('|') : null));
  });
  return { deviceId: q.deviceId, length, columns, tsMs: doubles[data.indexOf('ts')]!.subarray(0, length), numbers, ...(state ? { state } : {}), lists };
}

export async function readQuarantineCh(conn: ClickHouseConnection, batchId: string): Promise<QuarantinedRow[]> {
  const rows = await conn.rows<{ batch_id: string; source: string; row_number: string | null; field: string | null; reason: string; raw_text: string | null }>(
    `SELECT batch_id, source, row_number, field, reason, raw_text FROM ${conn.database}.quarantine WHERE batch_id = ${sqlString(batchId)} ORDER BY row_number, field`,
  );
  return rows.map((r) => ({ batchId: r.batch_id, source: r.source, rowNumber: r.row_number === null ? null : Number(r.row_number), field: r.field, reason: r.reason, rawText: r.raw_text }));
}

/** The fleet-wide aggregation, run on every shard in parallel by the Distributed table. */
export async function readFleetStatsCh(conn: ClickHouseConnection, fromMs: number, toMs: number): Promise<DeviceRangeStats[]> {
  const rows = await conn.rows<{ device_id: string; n: string; top: number | null; mean: number | null }>(
    `SELECT device_id, count() AS n, max(speed_kph) AS top, avg(soc_pct) AS mean FROM ${conn.database}.telemetry FINAL
     WHERE ts >= ${sqlInt(Math.trunc(fromMs))} AND ts < ${sqlInt(Math.trunc(toMs))} GROUP BY device_id ORDER BY device_id`,
  );
  const finite = (v: number | null) => (v === null || !Number.isFinite(Number(v)) ? null : Number(v));
  return rows.map((r) => ({ deviceId: r.device_id, rows: Number(r.n), maxSpeedKph: finite(r.top), meanSocPct: finite(r.mean) }));
}

/** A device's stored range and row count (from device_batches: one row per batch and device). */
export async function readDeviceSpans(conn: ClickHouseConnection, deviceIds?: readonly string[]): Promise<Map<string, DeviceSpan>> {
  const where = deviceIds ? `WHERE device_id IN (${deviceIds.length ? deviceIds.map(sqlString).join(', ') : "''"})` : '';
  const rows = await conn.rows<{ device_id: string; lo: string; hi: string; n: string }>(
    `SELECT device_id, min(first_ts) AS lo, max(last_ts) AS hi, sum(rows) AS n FROM ${conn.database}.device_batches ${where} GROUP BY device_id`,
  );
  return new Map(rows.map((r) => [r.device_id, { firstTs: Number(r.lo), lastTs: Number(r.hi), rows: Number(r.n) }]));
}
