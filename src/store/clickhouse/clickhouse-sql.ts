/**
 * Literals for ClickHouse 18.16, which has no query parameters ({name:Type} arrived in 19.x):
 * every value spliced into SQL goes through one of these.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** An integer literal; anything else (NaN, 1.5, a string) is a programming error, not input to splice. */
export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer for SQL: ${value}`);
  return String(value);
}

export function sqlStrings(values: Iterable<string>): string {
  return `[${[...values].map(sqlString).join(', ')}]`;
}

/** One field of a TabSeparated reply: `\\N` is NULL, backslash escapes undone. */
export function tsvValue(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === '0' ? '\0' : c));
}
