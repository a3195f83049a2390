import { emptyBatch, type TelemetryBatch } from './telemetry-batch.ts';
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
const ISO_WITH_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NULL_TEXT = new Set(['', 'null', 'NULL', 'NA', 'N/A', 'nan', 'NaN']);

type Coerced<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 40 ? `'${text.slice(0, 40)}…'` : `'${text}'`;
}

export function coerceNumber(value: unknown): Coerced<number> {
  if (value === null || value === undefined) return { ok: true, value: Number.NaN };
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

export function coerceTimestamp(value: unknown, ctx: ValidationContext): Coerced<number> {
  let ms: number;
  if (typeof value === 'number' || typeof value === 'bigint') {
    ms = Number(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return fail('is empty');
    if (NUMERIC.test(text)) {
      ms = Number(text);
    } else if (ISO_WITH_ZONE.test(text)) {
      ms = Date.parse(text);
      if (Number.isNaN(ms)) return fail(`${show(value)} is not an ISO 8601 time`);
    } else {
      const local = ISO_LOCAL.exec(text);
      if (!local) return fail(`${show(value)} is not an ISO 8601 time or epoch milliseconds`);
      if (!ctx.localToUtc) return fail(`${show(value)} has no time zone (add Z or an offset, or pass --tz/?tz=)`);
      const [, y, mo, d, h, mi, s, frac] = local;
      const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +(s ?? 0), frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
      ms = ctx.localToUtc(wall);
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
  if (ms < MIN_TS_MS) return fail(`${new Date(ms).toISOString()} is before 2000-01-01 (epoch seconds given as milliseconds?)`);
  if (ms > ctx.nowMs + MAX_FUTURE_SKEW_MS) {
    return fail(`${new Date(ms).toISOString()} lies more than 24 h in the future`);
  }
  return { ok: true, value: ms };
}

function coerceText(value: unknown, maxLength: number): Coerced<string | null> {
  if (value === null || value === undefined) return { ok: true, value: null };
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

/**
 * Checks every value of a mapped chunk against the schema. A row fails on its first bad field and
 * goes to the rejections with its row number and reason; the other rows form the batch.
 */
export function validateChunk(chunk: MappedChunk, ctx: ValidationContext): ValidatedChunk {
  const batch = emptyBatch(chunk.length);
  const rejections: RowRejection[] = [];
  const cols = chunk.columns;
  const deviceCol = cols.device_id;
  const tsCol = cols.ts;
  const numberCols = NUMBER_COLUMNS.map((def) => ({ def, values: cols[def.name] })).filter((c) => c.values !== undefined);
  const stateCol = cols.state;
  const codesCol = cols.error_codes;
  const flagsCol = cols.flags;

  rows: for (let i = 0; i < chunk.length; i++) {
    const out = batch.length;
    const reject = (field: string, reason: string): void => {
      rejections.push({ row: chunk.rowNumbers[i]!, field, reason, raw: chunk.rawText(i) });
    };

    const rawDevice = deviceCol?.[i];
    const device = coerceText(rawDevice === undefined || rawDevice === '' || rawDevice === null ? ctx.deviceId : rawDevice, MAX_DEVICE_ID_LENGTH);
    if (!device.ok) { reject('device_id', device.reason); continue; }
    if (device.value === null) { reject('device_id', 'is missing (add a device_id column, or name the device with --device or ?device=)'); continue; }

    const ts = coerceTimestamp(tsCol?.[i], ctx);
    if (!ts.ok) { reject('ts', ts.reason); continue; }

    for (const { def, values } of numberCols) {
      const n = coerceNumber(values![i]);
      if (!n.ok) { reject(def.name, n.reason); continue rows; }
      const v = n.value;
      if (!Number.isNaN(v) && (v < def.min || v > def.max)) {
        reject(def.name, `${v} is outside ${def.min}…${def.max} ${def.unit}`);
        continue rows;
      }
      batch.numbers[def.name][out] = v;
    }

    if (stateCol) {
      const s = coerceText(stateCol[i], MAX_TEXT_LENGTH);
      if (!s.ok) { reject('state', s.reason); continue; }
      batch.text.state[out] = s.value;
    }
    if (codesCol) {
      const c = coerceList(codesCol[i]);
      if (!c.ok) { reject('error_codes', c.reason); continue; }
      batch.lists.error_codes[out] = c.value;
    }
    if (flagsCol) {
      const f = coerceList(flagsCol[i]);
      if (!f.ok) { reject('flags', f.reason); continue; }
      batch.lists.flags[out] = f.value;
    }
    batch.deviceId[out] = device.value;
    batch.tsMs[out] = ts.value;
    batch.rowNumbers[out] = chunk.rowNumbers[i]!;
    batch.length = out + 1;
  }
  // A rejected row may have written numbers before failing; clear the slot it left behind.
  for (const name of Object.keys(batch.numbers) as (keyof typeof batch.numbers)[]) {
    batch.numbers[name].fill(Number.NaN, batch.length);
  }
  return { batch, rejections };
}
