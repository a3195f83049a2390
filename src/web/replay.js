// The replay page: a thin client of /v1/replay (WebSocket), /v1/devices/:id/sessions and
// /v1/devices/:id/timeline. Everything it shows comes from the server's messages.
const deviceId = decodeURIComponent(location.pathname.split('/').pop());
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const COLORS = { drive: '#2b7bb9', charge: '#3a9d5d', park: '#b8b8b8', gap: '#f3c6c6' }; // a gap is shown, never bridged

// Exposed for tests and for curious support engineers in the console.
const state = { startMs: 0, endMs: 1, positionMs: 0, playing: false, frameTimes: [], frames: 0, lastValues: {} };
window.telltale = state;

$('device').textContent = deviceId;
const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/replay`);
const send = (command) => ws.send(JSON.stringify(command));

ws.addEventListener('open', () => {
  const open = { type: 'open', deviceId, speed: Number($('speed').value) };
  if (params.get('session')) open.sessionId = params.get('session');
  if (params.get('from')) open.fromMs = Date.parse(params.get('from'));
  if (params.get('to')) open.toMs = Date.parse(params.get('to'));
  if (params.get('t')) open.atMs = Date.parse(params.get('t'));
  send(open);
});
ws.addEventListener('close', () => ($('status').textContent = 'disconnected'));

function show(values) {
  Object.assign(state.lastValues, values);
  const fmt = (v, digits) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
  $('r-speed').textContent = fmt(state.lastValues.speed_kph, 1);
  $('r-soc').textContent = fmt(state.lastValues.soc_pct, 1);
  $('r-outside').textContent = fmt(state.lastValues.outside_temp_c, 1);
  $('r-battery').textContent = fmt(state.lastValues.battery_temp_c, 1);
  $('r-state').textContent = state.lastValues.state ?? '–';
  if (state.lastValues.lat != null && state.lastValues.lon != null) moveMarker(state.lastValues.lat, state.lastValues.lon);
}

function showPosition(ms) {
  state.positionMs = ms;
  $('clock').textContent = new Date(ms).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
  if (document.activeElement !== $('seek')) $('seek').value = String(Math.round(((ms - state.startMs) / Math.max(1, state.endMs - state.startMs)) * 1000));
  const url = new URL(location.href);
  url.searchParams.set('t', new Date(ms).toISOString());
  history.replaceState(null, '', url);
}

ws.addEventListener('message', (event) => {
  const m = JSON.parse(event.data);
  switch (m.type) {
    case 'ready':
      state.startMs = m.startMs;
      state.endMs = m.endMs;
      $('status').textContent = 'ready';
      loadContext();
      break;
    case 'backfill':
      show(m.values);
      showPosition(m.atMs);
      break;
    case 'frame': {
      const ts = m.rows.ts;
      const last = ts.length - 1;
      state.frames++;
      for (const t of ts) state.frameTimes.push(t);
      const values = {};
      for (const [name, column] of Object.entries(m.rows)) {
        for (let i = last; i >= 0; i--) if (column[i] !== null) { values[name] = column[i]; break; }
      }
      show(values);
      showPosition(ts[last]);
      break;
    }
    case 'state':
      state.playing = m.state === 'playing';
      $('play').textContent = state.playing ? 'Pause' : 'Play';
      $('status').textContent = `${m.state} at ${m.speed}×`;
      showPosition(m.positionMs);
      break;
    case 'lag':
      $('status').textContent = `behind: ${m.droppedRows} rows skipped`;
      break;
    case 'end':
      $('status').textContent = 'end of stream';
      break;
    case 'error':
      $('status').textContent = `error: ${m.message}`;
      break;
  }
});

$('play').addEventListener('click', () => send({ type: state.playing ? 'pause' : 'play' }));
$('step').addEventListener('click', () => send({ type: 'step', direction: 1 }));
$('step-back').addEventListener('click', () => send({ type: 'step', direction: -1 }));
$('next-mark').addEventListener('click', () => send({ type: 'jump', to: 'next' }));
$('prev-mark').addEventListener('click', () => send({ type: 'jump', to: 'prev' }));
$('speed').addEventListener('change', () => send({ type: 'speed', speed: Number($('speed').value) }));
$('loop').addEventListener('change', () => send({ type: 'loop', enabled: $('loop').checked }));
$('seek').addEventListener('change', () => {
  const tMs = state.startMs + (Number($('seek').value) / 1000) * (state.endMs - state.startMs);
  send({ type: 'seek', tMs: Math.round(tMs) });
});

// Sessions as bands on the strip (click one to jump there) and the GPS track, from the REST API.
let project = () => [0, 0];
async function loadContext() {
  const range = `from=${state.startMs}&to=${state.endMs + 1}`;
  const [sessions, timeline] = await Promise.all([
    fetch(`/v1/devices/${encodeURIComponent(deviceId)}/sessions?${range}`).then((r) => r.json()),
    fetch(`/v1/devices/${encodeURIComponent(deviceId)}/timeline?${range}&columns=ts,lat,lon&maxPoints=2000`).then((r) => r.json()),
  ]);
  const strip = $('strip');
  const span = Math.max(1, state.endMs - state.startMs);
  for (const s of sessions) {
    const x0 = Math.max(0, ((s.startMs - state.startMs) / span) * 1000);
    const x1 = Math.min(1000, ((s.endMs - state.startMs) / span) * 1000);
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    Object.entries({ x: x0, y: 2, width: Math.max(0.5, x1 - x0), height: 20, fill: COLORS[s.kind] ?? '#999', class: `band ${s.kind}` }).forEach(([k, v]) => rect.setAttribute(k, String(v)));
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = `${s.kind} ${new Date(s.startMs).toISOString()} · ${Math.round(s.durationS / 60)} min${s.distanceKm ? ` · ${s.distanceKm.toFixed(1)} km` : ''}`;
    rect.appendChild(title);
    rect.addEventListener('click', () => send({ type: 'seek', tMs: s.startMs }));
    strip.appendChild(rect);
  }
  loadMarkers(range, span).catch((err) => console.warn('markers', err));
  const points = timeline.rows.filter((r) => r.lat != null && r.lon != null);
  if (points.length < 2) return;
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const scale = Math.min(380 / Math.max(1e-9, (maxLon - minLon) * Math.cos((minLat * Math.PI) / 180)), 280 / Math.max(1e-9, maxLat - minLat));
  project = (lat, lon) => [10 + (lon - minLon) * Math.cos((minLat * Math.PI) / 180) * scale, 290 - (lat - minLat) * scale];
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  path.setAttribute('points', points.map((p) => project(p.lat, p.lon).map((v) => v.toFixed(1)).join(',')).join(' '));
  path.setAttribute('class', 'path');
  $('track').appendChild(path);
  const marker = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
  marker.setAttribute('id', 'marker');
  marker.setAttribute('r', '5');
  $('track').appendChild(marker);
  if (state.lastValues.lat != null) moveMarker(state.lastValues.lat, state.lastValues.lon);
}

function moveMarker(lat, lon) {
  const marker = document.getElementById('marker');
  if (!marker) return;
  const [x, y] = project(lat, lon);
  marker.setAttribute('cx', x.toFixed(1));
  marker.setAttribute('cy', y.toFixed(1));
}

// Detected events and annotations as markers under the session bands: a tooltip says what each
// is (a claim with its verdict), a click seeks there. The events API may be absent: a 404 is no events.
const MARKER_COLORS = { breakdown: '#8b1a1a', charge_shortfall: '#e07b00', anomaly: '#c9a800', supported: '#3a9d5d', contradicted: '#d33', not_enough_data: '#888', note: '#7b4fb3' };
async function loadMarkers(range, span) {
  const base = `/v1/devices/${encodeURIComponent(deviceId)}`;
  const list = (url) => fetch(url).then((r) => (r.ok ? r.json() : [])).catch(() => []);
  const [events, annotations] = await Promise.all([list(`${base}/events?${range}`), list(`${base}/annotations?${range}`)]);
  const markers = [
    ...events.map((e) => ({
      kind: 'event', id: e.eventId, startMs: e.startMs, endMs: e.endMs, color: MARKER_COLORS[e.kind] ?? '#555', cls: `${e.kind} ${e.severity}`,
      title: `${e.kind.replace('_', ' ')} · ${e.subkind} (${e.severity}) ${new Date(e.startMs).toISOString()}\n${e.summary}`,
    })),
    ...annotations.map((a) => ({
      kind: 'annotation', id: a.annotationId, startMs: a.startMs, endMs: a.endMs, color: MARKER_COLORS[a.verdict?.verdict ?? 'note'], cls: a.verdict ? `claim ${a.verdict.verdict}` : 'note',
      title: `“${a.text}”${a.author ? ` — ${a.author}` : ''} ${new Date(a.startMs).toISOString()}${a.verdict ? `\nclaim ${a.verdict.verdict.replace(/_/g, ' ')}: ${a.verdict.explanation}` : ''}`,
    })),
  ];
  state.markers = markers.map((m) => ({ kind: m.kind, id: m.id, startMs: m.startMs }));
  const strip = $('strip');
  for (const m of markers) {
    const x0 = Math.max(0, Math.min(1000, ((m.startMs - state.startMs) / span) * 1000));
    const x1 = m.endMs == null ? x0 : Math.max(x0, Math.min(1000, ((m.endMs - state.startMs) / span) * 1000));
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    const y = m.kind === 'event' ? 24 : 30;
    Object.entries({ x: Math.max(0, x0 - 1.5), y, width: Math.max(3, x1 - x0), height: 6, fill: m.color, class: `marker ${m.kind} ${m.cls}`, [`data-${m.kind}-id`]: m.id })
      .forEach(([k, v]) => rect.setAttribute(k, String(v)));
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = m.title;
    rect.appendChild(title);
    rect.addEventListener('click', () => send({ type: 'seek', tMs: Math.min(state.endMs, Math.max(state.startMs, m.startMs)) }));
    strip.appendChild(rect);
  }
}
