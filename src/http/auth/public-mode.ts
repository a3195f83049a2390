import { COLUMN_NAMES } from '../../domain/telemetry-schema.ts';

/** Where a vehicle was: what an analyst's key never receives (public mode, like a chart's `public=true`). */
export const POSITION_COLUMNS = ['lat', 'lon', 'alt_m'] as const;
const POSITION_KEY = /^(lat|lon|lats|lons|alt_m|altM|latitude|longitude)$|(Lat|Lon)$/;

/** The telemetry columns an analyst may ask for: the requested ones without positions (all but positions by default). */
export function publicColumns(requested: string | undefined): string {
  const names = requested ? requested.split(',').map((c) => c.trim()).filter(Boolean) : COLUMN_NAMES;
  const kept = names.filter((c) => !(POSITION_COLUMNS as readonly string[]).includes(c));
  return kept.length > 0 ? kept.join(',') : 'ts';
}

/**
 * A JSON reply with every position field nulled, at any depth (sessions, events, incidents,
 * evidence): null, not removed, so the reply still has the shape its schema says (positions are nullable).
 */
export function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (typeof (value as { pipe?: unknown }).pipe === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = POSITION_KEY.test(key) ? null : withoutPositions(v);
  return out;
}
