/** `from`/`to` query values: ISO 8601 with a zone, or epoch milliseconds. */
export function parseTimeParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw Object.assign(new Error(`${name}: '${value}' is not an ISO 8601 time or epoch milliseconds`), { statusCode: 400 });
  return ms;
}
