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
