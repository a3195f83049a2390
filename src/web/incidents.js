// The incident feed (GET /v1/incidents, newest first) and the fleet's moments of truth (GET /v1/events).
import { unitsForAll } from '/assets/device-units.js';
import { duration, esc, getJson, showError, when, ago } from '/assets/format.js';
import { localiseText } from '/assets/units-text.js';

const status = document.getElementById('status');
const body = document.querySelector('#incidents tbody');
const prev = document.getElementById('prev');
const next = document.getElementById('next');
const behind = [];
const KIND = { breakdown: 'breakdown', charge_shortfall: 'charge shortfall', anomaly: 'anomaly' };

function row(i, units) {
  const dev = encodeURIComponent(i.deviceId);
  return `<tr data-incident-id="${esc(i.incidentId)}">
    <th scope="row" class="wrap"><a href="/incidents/${encodeURIComponent(i.incidentId)}">${esc(localiseText(i.summary, units.get(i.deviceId)))}</a></th>
    <td><span class="badge st-${esc(i.state)}">${esc(i.state)}</span></td>
    <td><span class="badge sev-${esc(i.severity)}">${esc(i.severity)}</span></td>
    <td>${esc(KIND[i.kind] ?? i.kind)}</td>
    <td><a href="/devices/${dev}">${esc(i.deviceId)}</a></td>
    <td>${when(i.startMs)}</td><td>${duration(i.endMs - i.startMs)}</td>
    <td><span title="${new Date(i.openedAtMs).toISOString()}">${esc(ago(i.openedAtMs))}</span></td>
    <td>${esc(i.resolvedBy ?? i.acknowledgedBy ?? '')}</td>
  </tr>`;
}

async function load() {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams({ limit: '50' });
  if (params.get('state')) query.set('state', params.get('state'));
  if (params.get('device')) query.set('deviceId', params.get('device'));
  if (params.get('cursor')) query.set('cursor', params.get('cursor'));
  status.removeAttribute('role');
  try {
    const { body: list, next: cursor } = await getJson(`/v1/incidents?${query}`);
    const units = await unitsForAll(list.map((i) => i.deviceId));
    body.innerHTML = list.map((i) => row(i, units)).join('');
    status.textContent = list.length ? `${list.length} incident${list.length === 1 ? '' : 's'} on this page` : 'No incidents.';
    next.disabled = !cursor;
    next.dataset.cursor = cursor ?? '';
    prev.disabled = !params.get('cursor');
  } catch (err) {
    showError(status, err);
  }
}

function go(changes) {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) (v ? params.set(k, v) : params.delete(k));
  history.pushState(null, '', `/incidents?${params}`);
  return load();
}

document.getElementById('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  behind.length = 0;
  const data = new FormData(e.target);
  go({ state: String(data.get('state')), device: String(data.get('device')).trim(), cursor: '' });
});
next.addEventListener('click', () => {
  behind.push(new URLSearchParams(location.search).get('cursor') ?? '');
  go({ cursor: next.dataset.cursor });
});
prev.addEventListener('click', () => go({ cursor: behind.pop() ?? '' }));
window.addEventListener('popstate', load);

// The fleet-wide feed of detected events, each linking to its replay (the whole event, tow included).
const events = document.querySelector('#events tbody');
const more = document.getElementById('events-more');
let eventsQuery = '';
function eventRow(e, units) {
  const dev = encodeURIComponent(e.deviceId);
  return `<tr><td>${when(e.startMs)}</td><td><span class="badge sev-${esc(e.severity)}">${esc(e.severity)}</span></td><td>${esc(KIND[e.kind] ?? e.kind)}</td>
    <td><a href="/devices/${dev}">${esc(e.deviceId)}</a></td><td class="wrap">${esc(localiseText(e.summary, units.get(e.deviceId)))}</td>
    <td><a href="/replay/${dev}?event=${encodeURIComponent(e.eventId)}">replay</a></td></tr>`;
}
async function loadEvents(cursor) {
  try {
    const { body: list, next: nextCursor } = await getJson(`/v1/events?${eventsQuery}&limit=25${cursor ? `&cursor=${cursor}` : ''}`);
    // Every row the server sent: the filters are the server's (kind, severity, fleet), so each page is a full page.
    const rows = list;
    const units = await unitsForAll(rows.map((e) => e.deviceId));
    events.insertAdjacentHTML('beforeend', rows.map((e) => eventRow(e, units)).join(''));
    more.disabled = !nextCursor;
    more.dataset.cursor = nextCursor ?? '';
  } catch (err) {
    showError(status, err);
  }
}
document.getElementById('event-filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const data = new FormData(e.target);
  const q = new URLSearchParams({ severity: String(data.get('severity')) });
  if (data.get('kind')) q.set('kind', String(data.get('kind')));
  if (String(data.get('fleet') ?? '').trim()) q.set('fleet', String(data.get('fleet')).trim());
  eventsQuery = q.toString();
  events.innerHTML = '';
  loadEvents();
});
more.addEventListener('click', () => loadEvents(more.dataset.cursor));

const params = new URLSearchParams(location.search);
if (params.get('state')) document.getElementById('f-state').value = params.get('state');
if (params.get('device')) document.getElementById('f-device').value = params.get('device');
eventsQuery = 'severity=warning';
load();
loadEvents();
