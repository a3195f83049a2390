import { parseIso8601 } from './iso-8601.ts';
import type { TelemetryBatch } from './telemetry-batch.ts';
import {
  MAX_FUTURE_SKEW_MS,
  MIN_TS_MS,
  NUMBER_COLUMNS,
  type ColumnName,
} from './telemetry-schema.ts';

/** Source rows after column mapping: one array per schema column, values as the source gave them. */
export interface MappedChunk {
  length: number;
  rowNumbers: ArrayLike<number>;
  columns: Partial<Record<ColumnName, ArrayLike<unknown>>>;
  /** The row as it appeared in the source, kept for quarantine. */
  rawText: (index: number) => string;
}

export interface RowRejection {
  row: number;
  field: string;
  reason: string;
  raw: string;
  /** Whose row it was, when that can be read (the row's device_id, else the batch's): a purge removes it. */
  deviceId?: string | undefined;
}

export interface ValidationContext {
  nowMs: number;
  /** Device named by the caller (--device, ?device=), used where a row has none. */
  deviceId?: string | undefined;
  /** Converts wall-clock time without a zone into UTC; without it such timestamps are rejected. */
  localToUtc?: ((wallClockAsUtcMs: number) => number) | undefined;
}

export interface ValidatedChunk {
  batch: TelemetryBatch;
  rejections: RowRejection[];
}

const MAX_DEVICE_ID_LENGTH = 128;
const MAX_TEXT_LENGTH = 64;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NULL_TEXT = new Set(['', 'null', 'NULL', 'NA', 'N/A', 'nan', 'NaN']);

/** What a mapping returns for a value it could tell was wrong; validation rejects the row with this reason. */
export interface InvalidValue {
  invalid: string;
}

export function invalidValue(reason: string): InvalidValue {
  return { invalid: reason };
}

function isInvalid(value: unknown): value is InvalidValue {
  return typeof value === 'object' && value !== null && typeof (value as InvalidValue).invalid === 'string';
}

type Coerced<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 40 ? `'${text.slice(0, 40)}…'` : `'${text}'`;
}

export function coerceNumber(value: unknown): Coerced<number> {
  if (value === null || value === undefined) return { ok: true, value: Number.NaN };
  if (isInvalid(value)) return fail(value.invalid);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { ok: true, value };
    return Number.isFinite(value) ? { ok: true, value } : fail(`${value} is not a finite number`);
  }
  if (typeof value === 'bigint') return { ok: true, value: Number(value) };
  if (typeof value === 'string') {
    const text = value.trim();
    if (NULL_TEXT.has(text)) return { ok: true, value: Number.NaN };
    if (!NUMERIC.test(text)) return fail(`${show(value)} is not a number`);
    return { ok: true, value: Number(text) };
  }
  return fail(`${show(value)} is not a number`);
}

/** A time for a message: ISO when JavaScript can format it (9e15 ms cannot: it would throw and fail the batch). */
const showMs = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);

export function coerceTimestamp(value: unknown, ctx: ValidationContext): Coerced<number> {
  if (isInvalid(value)) return fail(value.invalid);
  let ms: number;
  if (typeof value === 'number' || typeof value === 'bigint') {
    ms = Number(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return fail('is empty');
    if (NUMERIC.test(text)) {
      ms = Number(text);
    } else {
      // A real grammar, not Date.parse: it took `1 Z` for 2001 and `March 7 2024 Z` for a date.
      const parsed = parseIso8601(text);
      if (!parsed.ok) return fail(`${show(value)} ${parsed.reason}`);
      if (!parsed.hasZone) {
        if (!ctx.localToUtc) return fail(`${show(value)} has no time zone (add Z or an offset, or pass --tz/?tz=)`);
        ms = ctx.localToUtc(parsed.wallMs);
      } else {
        ms = parsed.ms;
      }
    }
  } else if (value === null || value === undefined) {
    return fail('is missing');
  } else if (value instanceof Date) {
    ms = value.getTime();
  } else {
    return fail(`${show(value)} is not a time`);
  }
  if (!Number.isFinite(ms)) return fail(`${show(value)} is not a time`);
  ms = Math.round(ms);
  if (ms < MIN_TS_MS) return fail(`${showMs(ms)} is before 2000-01-01 (epoch seconds given as milliseconds?)`);
  if (ms > ctx.nowMs + MAX_FUTURE_SKEW_MS) return fail(`${showMs(ms)} lies more than 24 h in the future`);
  return { ok: true, value: ms };
}

function coerceText(value: unknown, maxLength: number): Coerced<string | null> {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (isInvalid(value)) return fail(value.invalid);
  if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
  if (typeof value !== 'string') return fail(`${show(value)} is not text`);
  const text = value.trim();
  if (text === '') return { ok: true, value: null };
  if (text.length > maxLength) return fail(`is longer than ${maxLength} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return fail('contains control characters');
  return { ok: true, value: text };
}

function coerceList(value: unknown): Coerced<string | null> {
  if (value === null || value === undefined) return { ok: true, value: null };
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = value.split('|');
  else if (typeof value === 'number') items = [String(value)];
  else return fail(`${show(value)} is not a list of codes`);
  const codes: string[] = [];
  for (const item of items) {
    const code = coerceText(typeof item === 'number' ? String(item) : item, MAX_TEXT_LENGTH);
    if (!code.ok) return code;
    if (code.value === null) continue;
    if (code.value.includes('|')) return fail(`code ${show(code.value)} contains '|'`);
    codes.push(code.value);
  }
  return { ok: true, value: codes.length ? codes.join('|') : null };
}

/** Per-row verdicts while a chunk is checked column by column: the first failing field wins. */
class Verdicts {
  readonly failed: Uint8Array;
  readonly reasons = new Map<number, { field: string; reason: string }>();

  constructor(length: number) {
    this.failed = new Uint8Array(length);
  }

  fail(i: number, field: string, reason: string): void {
    if (this.failed[i]) return;
    this.failed[i] = 1;
    this.reasons.set(i, { field, reason });
  }
}

function checkNumbers(values: ArrayLike<unknown>, def: (typeof NUMBER_COLUMNS)[number], length: number, verdicts: Verdicts): Float64Array {
  const { min, max } = def;
  let out: Float64Array;
  if (values instanceof Float64Array) {
    // Typed input (Arrow, Parquet) is already numeric: only the bounds need checking, and the
    // column is kept as it is.
    out = values;
    for (let i = 0; i < length; i++) {
      const v = values[i]!;
      if (v < min || v > max) verdicts.fail(i, def.name, `${v} is outside ${min}…${max} ${def.unit}`);
    }
    return out;
  }
  out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const raw = values[i];
    let v: number;
    if (typeof raw === 'number') {
      v = raw;
      if (!Number.isFinite(v) && !Number.isNaN(v)) { verdicts.fail(i, def.name, `${v} is not a finite number`); continue; }
    } else {
      const n = coerceNumber(raw);
      if (!n.ok) { verdicts.fail(i, def.name, n.reason); continue; }
      v = n.value;
    }
    if (v < min || v > max) verdicts.fail(i, def.name, `${v} is outside ${min}…${max} ${def.unit}`);
    out[i] = v;
  }
  return out;
}

function checkTexts(values: ArrayLike<unknown>, field: string, length: number, verdicts: Verdicts, coerce: (v: unknown) => Coerced<string | null>): (string | null)[] {
  const out = new Array<string | null>(length);
  let last: unknown = Symbol('none');
  let lastResult: Coerced<string | null> = { ok: true, value: null };
  for (let i = 0; i < length; i++) {
    const raw = values[i];
    // Repeated values (a device id, a gear) are checked once per run.
    if (raw !== last || typeof raw === 'object') {
      last = raw;
      lastResult = coerce(raw);
    }
    if (!lastResult.ok) { verdicts.fail(i, field, lastResult.reason); out[i] = null; continue; }
    out[i] = lastResult.value;
  }
  return out;
}

function pick<T extends { length: number }>(values: T, keep: Int32Array, make: (n: number) => T): T {
  const out = make(keep.length);
  const src = values as unknown as ArrayLike<unknown>;
  const dst = out as unknown as unknown[];
  for (let j = 0; j < keep.length; j++) dst[j] = src[keep[j]!];
  return out;
}

/**
 * Checks every value of a mapped chunk against the schema, column by column (typed columns pass
 * through without a copy). A row fails on its first bad field, in schema order, and goes to the
 * rejections with its row number and reason; the other rows form the batch.
 */
export function validateChunk(chunk: MappedChunk, ctx: ValidationContext): ValidatedChunk {
  const n = chunk.length;
  const cols = chunk.columns;
  const verdicts = new Verdicts(n);

  const deviceIds = checkTexts(
    cols.device_id ?? [],
    'device_id',
    n,
    verdicts,
    (raw) => {
      const d = coerceText(raw === undefined || raw === '' || raw === null ? ctx.deviceId : raw, MAX_DEVICE_ID_LENGTH);
      if (d.ok && d.value === null) return fail('is missing (add a device_id column, or name the device with --device or ?device=)');
      return d;
    },
  );

  const tsCol = cols.ts;
  const tsMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (verdicts.failed[i]) continue;
    const raw = tsCol?.[i];
    // Epoch ms within the accepted window is the fast path; everything else gets the full check.
    if (typeof raw === 'number' && raw >= MIN_TS_MS && raw <= ctx.nowMs + MAX_FUTURE_SKEW_MS && Number.isInteger(raw)) {
      tsMs[i] = raw;
      continue;
    }
    const ts = coerceTimestamp(raw, ctx);
    if (!ts.ok) verdicts.fail(i, 'ts', ts.reason);
    else tsMs[i] = ts.value;
  }

  const numbers = {} as TelemetryBatch['numbers'];
  for (const def of NUMBER_COLUMNS) {
    const values = cols[def.name];
    numbers[def.name] = values ? checkNumbers(values, def, n, verdicts) : new Float64Array(n).fill(Number.NaN);
  }
  const state = cols.state ? checkTexts(cols.state, 'state', n, verdicts, (v) => coerceText(v, MAX_TEXT_LENGTH)) : new Array<string | null>(n).fill(null);
  const errorCodes = cols.error_codes ? checkTexts(cols.error_codes, 'error_codes', n, verdicts, coerceList) : new Array<string | null>(n).fill(null);
  const flags = cols.flags ? checkTexts(cols.flags, 'flags', n, verdicts, coerceList) : new Array<string | null>(n).fill(null);
  const rowNumbers = chunk.rowNumbers instanceof Float64Array ? chunk.rowNumbers : Float64Array.from(chunk.rowNumbers);

  const rejections: RowRejection[] = [];
  for (const [i, { field, reason }] of [...verdicts.reasons].sort((a, b) => a[0] - b[0])) {
    rejections.push({ row: rowNumbers[i]!, field, reason, raw: chunk.rawText(i), deviceId: deviceIds[i] ?? ctx.deviceId });
  }
  let batch: TelemetryBatch = { length: n, rowNumbers, deviceId: deviceIds as string[], tsMs, numbers, text: { state }, lists: { error_codes: errorCodes, flags } };
  if (rejections.length > 0) {
    const keep = new Int32Array(n - rejections.length);
    for (let i = 0, j = 0; i < n; i++) if (!verdicts.failed[i]) keep[j++] = i;
    const f64 = (a: Float64Array) => pick(a, keep, (m) => new Float64Array(m));
    const arr = <T,>(a: T[]) => pick(a, keep, (m) => new Array<T>(m));
    const picked = {} as TelemetryBatch['numbers'];
    for (const def of NUMBER_COLUMNS) picked[def.name] = f64(numbers[def.name]);
    batch = {
      length: keep.length,
      rowNumbers: f64(rowNumbers),
      deviceId: arr(batch.deviceId),
      tsMs: f64(tsMs),
      numbers: picked,
      text: { state: arr(state) },
      lists: { error_codes: arr(errorCodes), flags: arr(flags) },
    };
  }
  return { batch, rejections };
}
