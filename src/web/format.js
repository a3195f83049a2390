// What the console's pages share: escaping, human durations, times in the viewer's zone (UTC on hover), fetch with errors shown.

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** "23 d 20 h", "3 h 5 min", "12 min", "40 s": the two largest units, never "34366 min". */
export function duration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '';
  const s = Math.round(Math.abs(ms) / 1000);
  const i = UNITS.findIndex(([, size]) => s >= size);
  if (i < 0) return '0 s';
  const [name, size] = UNITS[i];
  const n = Math.floor(s / size);
  const next = UNITS[i + 1];
  const m = next ? Math.floor((s - n * size) / next[1]) : 0;
  return m > 0 ? `${n} ${name} ${m} ${next[0]}` : `${n} ${name}`;
}
const UNITS = [['y', 365 * 86400], ['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];

const local = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
export const utc = (ms) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** A <time> in the viewer's zone, with the UTC time in its title (shown on hover). */
export function when(ms) {
  if (ms == null) return '';
  return `<time datetime="${new Date(ms).toISOString()}" title="${utc(ms)}">${esc(local.format(new Date(ms)))}</time>`;
}

/** "3 d 4 h ago" (or "in …") from the viewer's clock. */
export const ago = (ms, nowMs = Date.now()) => (ms == null ? '' : nowMs >= ms ? `${duration(nowMs - ms)} ago` : `in ${duration(ms - nowMs)}`);

/** GET a JSON resource of the API (the sign-in cookie goes along); throws with the server's message. */
export async function getJson(url) {
  return readJson(await fetch(url, { headers: { accept: 'application/json' } }));
}

/** The body of an API response and its next page's cursor; throws with the server's message. */
export async function readJson(res) {
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `${res.status} ${res.statusText}`);
  return { body, next: res.headers.get('x-next-cursor') };
}

export async function postJson(url, data) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `${res.status} ${res.statusText}`);
  return body;
}

/** Shows a failure in the page's status line (role=alert, so screen readers hear it). */
export function showError(el, err) {
  el.textContent = `Could not load: ${err.message}`;
  el.setAttribute('role', 'alert');
}

export const km = (v) => (v == null ? '' : `${v.toFixed(1)} km`);
export const pct = (v) => (v == null ? '' : `${Math.round(v)} %`);
