// The fleet overview: every device with its state, charge, open incidents and moments of truth,
// filtered and paged by the server (GET /v1/devices), the filters and page in the URL.
import { devicesQuery } from '/assets/fleet-query.js';
import { ago, esc, getJson, pct, readJson, showError, when } from '/assets/format.js';

const form = document.getElementById('filters');
const body = document.getElementById('fleet-rows');
const status = document.getElementById('status');
const prev = document.getElementById('prev');
const next = document.getElementById('next');
const FILTERS = ['fleet', 'model', 'firmware', 'q', 'limit'];
/** Cursors of the pages before this one (keyset paging only knows the way forward). */
const behind = [];

const STATE_LABEL = { driving: 'driving', charging: 'charging', parked: 'parked', off: 'off', silent: 'silent' };

function stateCell(d) {
  if (!d.state) return '<span class="muted">no data</span>';
  const was = d.state === 'silent' && d.lastActivity ? `<br><span class="muted small">was ${esc(d.lastActivity)}</span>` : '';
  return `<span class="badge state-${esc(d.state)}">${esc(STATE_LABEL[d.state] ?? d.state)}</span>${was}`;
}

const counts = (a, b) => `<span class="${a > 0 ? 'hot' : b > 0 ? 'warm' : 'muted'}">${a} / ${b}</span>`;

function row(d) {
  const id = encodeURIComponent(d.deviceId);
  const incidents = d.openIncidents > 0 ? `<a class="hot" href="/incidents?device=${id}">${d.openIncidents}</a>` : '<span class="muted">0</span>';
  return `<div role="row" class="fleet-row" data-device-id="${esc(d.deviceId)}">
    <span role="rowheader" class="device"><a href="/devices/${id}">${esc(d.deviceId)}</a></span>
    <span role="cell">${esc(d.model)}</span><span role="cell">${esc(d.fleet)}</span><span role="cell">${esc(d.firmware)}</span>
    <span role="cell">${stateCell(d)}</span>
    <span role="cell" class="num" ${d.socAtMs == null ? '' : `title="at ${new Date(d.socAtMs).toISOString().replace('T', ' ').slice(0, 19)} UTC"`}>${pct(d.socPct)}</span>
    <span role="cell">${d.lastSeenMs == null ? '<span class="muted">never</span>' : `${when(d.lastSeenMs)}<br><span class="muted small">${esc(ago(d.lastSeenMs))}</span>`}</span>
    <span role="cell" class="num open-incidents">${incidents}</span>
    <span role="cell" class="num">${counts(d.breakdowns24h, d.breakdowns7d)}</span>
    <span role="cell" class="num">${counts(d.chargeShortfalls24h, d.chargeShortfalls7d)}</span>
    <span role="cell">${d.lastSeenMs == null ? '' : `<a href="/replay/${id}" aria-label="replay ${esc(d.deviceId)}">replay</a>`}</span>
  </div>`;
}

function fillSelect(name, values, chosen) {
  const select = document.getElementById(`f-${name}`);
  select.innerHTML = '<option value="">all</option>' + values.map((v) => `<option${v === chosen ? ' selected' : ''}>${esc(v)}</option>`).join('');
}

/**
 * A page of devices. The server named the first page's request in the HTML as a preload (same URL,
 * no extra header, same-origin credentials), so this fetch takes the response already under way.
 */
const devicesPage = async (query) => readJson(await fetch(`/v1/devices?${query}`));

async function load() {
  const query = devicesQuery(location.search);
  status.removeAttribute('role');
  status.textContent = 'loading…';
  try {
    const { body: devices, next: cursor } = await devicesPage(query);
    body.innerHTML = devices.map(row).join('');
    document.getElementById('fleet').setAttribute('aria-rowcount', cursor ? '-1' : String(behind.length * Number(query.get('limit')) + devices.length + 1));
    const first = behind.length * Number(query.get('limit'));
    status.textContent = devices.length
      ? `Devices ${first + 1}–${first + devices.length}${cursor ? '' : ' (last page)'}`
      : query.has('cursor') || FILTERS.some((k) => k !== 'limit' && query.has(k)) ? 'No device matches.' : 'No devices yet: ingest some telemetry (see the README).';
    next.disabled = !cursor;
    next.dataset.cursor = cursor ?? '';
    prev.disabled = !query.has('cursor');
    // The benchmark (scripts/bench/web-fleet.ts) reads when the rows were laid out for the next frame.
    requestAnimationFrame(() => (document.body.dataset.renderedMs = performance.now().toFixed(1)));
  } catch (err) {
    showError(status, err);
  }
}

function go(changes, push = true) {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) (v ? params.set(k, v) : params.delete(k));
  history[push ? 'pushState' : 'replaceState']({ behind: [...behind] }, '', `/?${params}`);
  return load();
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  behind.length = 0;
  const data = new FormData(form);
  go({ ...Object.fromEntries(FILTERS.map((k) => [k, String(data.get(k) ?? '').trim()])), cursor: '' });
});
form.addEventListener('reset', () => {
  behind.length = 0;
  setTimeout(() => go({ fleet: '', model: '', firmware: '', q: '', cursor: '' }));
});
next.addEventListener('click', () => {
  behind.push(new URLSearchParams(location.search).get('cursor') ?? '');
  go({ cursor: next.dataset.cursor });
});
prev.addEventListener('click', () => go({ cursor: behind.pop() ?? '' }));
window.addEventListener('popstate', (e) => {
  behind.length = 0;
  behind.push(...(e.state?.behind ?? []));
  load();
});

const params = new URLSearchParams(location.search);
for (const k of ['q', 'limit']) if (params.get(k)) document.getElementById(`f-${k}`).value = params.get(k);
// The table first; the filter choices after it, so they never hold up the rows.
load().then(() => getJson('/v1/device-facets')).then(({ body: f }) => {
  fillSelect('fleet', f.fleets, params.get('fleet'));
  fillSelect('model', f.models, params.get('model'));
  fillSelect('firmware', f.firmwares, params.get('firmware'));
}, (err) => showError(status, err));
