// The fleet overview's API query from the page's address: its filters and cursor, 100 devices a
// page by default. Shared by the page (index.js) and the server, which names the same request in
// the HTML as a preload (http/routes/web-routes.ts): GET /v1/devices starts while the page's
// modules are still loading, and the page's own fetch of that URL takes the preloaded response.
const FILTERS = ['fleet', 'model', 'firmware', 'q', 'limit', 'cursor'];
export const DEFAULT_LIMIT = '100';

/** `search` is the address's query string (or its URLSearchParams, or a plain object of its fields). */
export function devicesQuery(search) {
  const params = new URLSearchParams(search);
  const query = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) query.set(k, params.get(k));
  if (!query.has('limit')) query.set('limit', DEFAULT_LIMIT);
  return query;
}
