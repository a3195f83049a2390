// Types of fleet-query.js (plain JavaScript, served to the browser as it is) for the type checker.
export const DEFAULT_LIMIT: string;
export function devicesQuery(search: string | URLSearchParams | Record<string, string>): URLSearchParams;
