/**
 * Keyset paging: a cursor is the sort key of the last item of a page (or, for telemetry, the first
 * timestamp of the next one), so the next page starts strictly after it whatever was inserted
 * meanwhile elsewhere. On the wire it is opaque (base64url of a JSON array); clients pass it back
 * unchanged in `cursor` with the same other parameters.
 */
export type CursorKey = readonly (string | number)[];

export class CursorError extends Error {
  readonly statusCode = 400;
  readonly code = 'BAD_CURSOR';
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key in `cursor`, checked against the kinds of value the route sorts by ('s' string, 'n' number). */
export function decodeCursor(cursor: string | undefined, shape: string): CursorKey | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError(`cursor: '${cursor.slice(0, 40)}' is not a cursor this API gave out`);
  }
  const fits =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((v, i) => (shape[i] === 'n' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string'));
  if (!fits) throw new CursorError(`cursor: '${cursor.slice(0, 40)}' does not belong to this route`);
  return key as CursorKey;
}

export interface Page<T> {
  items: T[];
  /** Key to continue after; undefined on the last page. */
  nextKey: CursorKey | undefined;
}

/** Repositories read `limit + 1` items: the extra one only says whether there is a next page. */
export function pageOf<T>(items: T[], limit: number, keyOf: (item: T) => CursorKey): Page<T> {
  if (items.length <= limit) return { items, nextKey: undefined };
  const kept = items.slice(0, limit);
  return { items: kept, nextKey: keyOf(kept[kept.length - 1]!) };
}
