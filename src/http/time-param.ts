import { parseIso8601 } from '../domain/iso-8601.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';

/** JavaScript's date range: beyond it a time cannot be formatted, and DuckDB's BIGINT casts overflow. */
export const MAX_ABS_EPOCH_MS = 8.64e15;

/**
 * `from`/`to` query values: ISO 8601 with a zone (or a date, midnight UTC), or epoch milliseconds
 * within the date range. Anything else is a 400 naming the parameter; never a 500 further down.
 */
export function parseTimeParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  const bad = (why: string) => new TelltaleError('BAD_RANGE', `${name}: '${shown}' ${why}`);
  if (/^-?\d{1,16}$/.test(value)) {
    const ms = Number(value);
    if (Math.abs(ms) > MAX_ABS_EPOCH_MS) throw bad(`is outside the date range (±${MAX_ABS_EPOCH_MS} ms)`);
    return ms;
  }
  const parsed = parseIso8601(value, { dateOnly: true });
  if (!parsed.ok) throw bad(`${parsed.reason}; give ISO 8601 with a zone or epoch milliseconds`);
  if (!parsed.hasZone) throw bad('has no time zone (add Z or an offset)');
  return parsed.ms;
}
