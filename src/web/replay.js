// The replay page: a thin client of /v1/replay (WebSocket: range, frames, position) and the REST API
// (timeline for the plots and the track, sessions, events, annotations, feedback). Playback is the
// server's; between its frames (every 50 ms) the playhead moves on at the playing speed, so the
// page renders on every animation frame without asking the server for more.
import { adjacentMoment, displayUnits, formatValue, interpolatedPosition, momentAt, trackSegments, unitOfSignal } from './replay-model.js';
import { createPlot, plotData, plotDefinitions } from './replay-plots.js';
import { drawStrip } from './replay-strip.js';

const deviceId = decodeURIComponent(location.pathname.split('/').pop());
const api = `/v1/devices/${encodeURIComponent(deviceId)}`;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const TICK_MS = 50; // the server's frame interval (replay-player.ts)
const MOMENT_COLORS = { breakdown: '#8b1a1a', charge_shortfall: '#e07b00', anomaly: '#c9a800' };
const MOMENT_FILLS = { breakdown: 'rgba(139,26,26,0.16)', charge_shortfall: 'rgba(224,123,0,0.18)', anomaly: 'rgba(201,168,0,0.16)' };
const CLAIM_COLORS = { supported: '#3a9d5d', contradicted: '#d33', not_enough_data: '#888', note: '#7b4fb3' };
const FEEDBACK_COLOR = (f) => (f.score === null ? '#555' : (f.kind === 'nps' ? f.score <= 6 : f.score <= 2) ? '#c0392b' : (f.kind === 'nps' ? f.score >= 9 : f.score >= 4) ? '#27ae60' : '#e0a800');

// Exposed for tests, benchmarks and curious support engineers in the console.
const state = {
  startMs: 0, endMs: 1, positionMs: 0, displayMs: NaN, playing: false, speed: Number($('speed').value),
  frameTimes: [], frames: 0, renders: 0, animationFrames: 0, lastValues: {},
  units: 'metric', focus: null, moments: [], annotations: [], feedback: [], sessions: [], plots: [], track: [], markers: [],
  anchor: { playing: false, positionMs: 0, receivedAtMs: 0, speed: 1, maxAheadMs: 0, endMs: 1 },
  loaded: false,
};
window.telltale = state;
let units = displayUnits('metric');
let strip = { moveCursor() {} };
let dirtyValues = true;
let shownMomentId;
let urlWrittenAtMs = 0;

$('device').textContent = deviceId;
const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/replay`);
const send = (command) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(command));
const seek = (tMs) => send({ type: 'seek', tMs: Math.round(Math.min(state.endMs, Math.max(state.startMs, tMs))) });

ws.addEventListener('open', () => {
  const open = { type: 'open', deviceId, speed: state.speed };
  if (params.get('session')) open.sessionId = params.get('session');
  if (params.get('event')) open.eventId = params.get('event');
  if (params.get('from')) open.fromMs = Date.parse(params.get('from'));
  if (params.get('to')) open.toMs = Date.parse(params.get('to'));
  if (params.get('t')) open.atMs = Date.parse(params.get('t'));
  if (params.get('units') === 'imperial' || params.get('units') === 'metric') open.units = params.get('units');
  send(open);
});
ws.addEventListener('close', () => ($('status').textContent = 'disconnected'));

function setAnchor(positionMs, playing) {
  state.anchor = { playing, positionMs, receivedAtMs: performance.now(), speed: state.speed, maxAheadMs: 1.2 * TICK_MS * state.speed, endMs: state.endMs };
}

function takeValues(values) {
  Object.assign(state.lastValues, values);
  dirtyValues = true;
}

ws.addEventListener('message', (event) => {
  const m = JSON.parse(event.data);
  switch (m.type) {
    case 'ready':
      state.startMs = m.startMs;
      state.endMs = m.endMs;
      state.units = m.units ?? 'metric';
      state.focus = m.focus ?? null;
      units = displayUnits(state.units);
      $('status').textContent = 'ready';
      showUnitLabels();
      loadContext().catch((err) => {
        console.warn('replay context', err);
        $('status').textContent = `could not load the plots: ${err.message}`;
      });
      break;
    case 'backfill':
      takeValues(m.values);
      state.positionMs = m.atMs;
      setAnchor(m.atMs, false);
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
      takeValues(values);
      if (last >= 0) state.positionMs = ts[last];
      setAnchor(Math.max(state.positionMs, m.toMs), true);
      break;
    }
    case 'state':
      state.playing = m.state === 'playing';
      state.speed = m.speed;
      state.positionMs = m.positionMs;
      setAnchor(m.positionMs, state.playing);
      $('play').textContent = state.playing ? 'Pause' : 'Play';
      $('play').setAttribute('aria-pressed', String(state.playing));
      $('status').textContent = `${m.state} at ${m.speed}×`;
      writeUrl(m.positionMs);
      break;
    case 'lag':
      $('status').textContent = `behind: ${m.droppedRows} rows skipped`;
      break;
    case 'end':
      state.playing = false;
      state.positionMs = m.positionMs;
      setAnchor(m.positionMs, false);
      $('status').textContent = 'end of stream';
      break;
    case 'error':
      $('status').textContent = `error: ${m.message}`;
      break;
  }
});

function writeUrl(ms) {
  urlWrittenAtMs = performance.now();
  const url = new URL(location.href);
  url.searchParams.set('t', new Date(Math.round(ms)).toISOString());
  history.replaceState(null, '', url);
}

const utc = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');

function showUnitLabels() {
  $('u-speed').textContent = units.speed.label;
  $('u-range').textContent = units.distance.label;
  for (const id of ['u-battery', 'u-outside', 'u-cabin']) $(id).textContent = units.temperature.label;
}

// ---- rendering: once per animation frame, only what changed ----
function render(now) {
  state.animationFrames++;
  const pos = interpolatedPosition(state.anchor, now);
  if (pos !== state.displayMs || dirtyValues) {
    state.displayMs = pos;
    for (const p of state.plots) p.moveHead(pos);
    strip.moveCursor(pos);
    $('clock').textContent = utc(pos);
    if (document.activeElement !== $('seek')) $('seek').value = String(Math.round(((pos - state.startMs) / Math.max(1, state.endMs - state.startMs)) * 1000));
    if (dirtyValues) showValues();
    showEvidence(pos);
    // The address follows playback (a deep link to share), at most once a second.
    if (state.playing && now - urlWrittenAtMs > 1000) writeUrl(state.positionMs);
    state.renders++;
  }
  requestAnimationFrame(render);
}
requestAnimationFrame(render);

function showValues() {
  dirtyValues = false;
  const v = state.lastValues;
  $('r-speed').textContent = formatValue(v.speed_kph, units.speed);
  $('r-soc').textContent = formatValue(v.soc_pct);
  $('r-range').textContent = formatValue(v.range_km, units.distance, 0);
  $('r-power').textContent = formatValue(v.power_kw);
  $('r-battery').textContent = formatValue(v.battery_temp_c, units.temperature);
  $('r-outside').textContent = formatValue(v.outside_temp_c, units.temperature);
  $('r-cabin').textContent = formatValue(v.cabin_setpoint_c, units.temperature);
  $('r-state').textContent = v.state ?? '–';
  moveMarker(v.lat, v.lon);
}

// ---- context from the REST API: plots, strip, track, evidence ----
async function loadContext() {
  const range = `from=${state.startMs}&to=${state.endMs + 1}`;
  const json = async (url) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url.split('?')[0]} answered ${r.status}`);
    return r.json();
  };
  // Moments, annotations and feedback are context: one missing (an older server, a role) shows none.
  const optional = (url) => fetch(url).then((r) => (r.ok ? r.json() : [])).catch(() => []);
  const definitions = plotDefinitions(units);
  const timeline = (columns, channels) => json(`${api}/timeline?${range}&columns=ts,${columns.join(',')}&maxPoints=${Math.min(100_000, (2 * channels + 2) * 1200 + 4)}`);
  const [sessions, events, annotations, feedback, track, ...series] = await Promise.all([
    json(`${api}/sessions?${range}`),
    optional(`${api}/events?${range}`),
    optional(`${api}/annotations?${range}`),
    optional(`${api}/feedback?${range}`),
    // The track unreduced up to 100,000 rows: bucketing by time would leave a short trip in a long range a zigzag of extremes.
    json(`${api}/timeline?${range}&columns=ts,lat,lon&maxPoints=100000`),
    ...definitions.map((d) => timeline(d.series.map((s) => s.column), d.series.length)),
  ]);
  state.sessions = sessions;
  state.moments = events.map((e) => ({
    id: e.eventId, kind: e.kind, startMs: e.startMs, endMs: e.endMs, event: e,
    color: MOMENT_COLORS[e.kind] ?? '#555', fill: MOMENT_FILLS[e.kind] ?? 'rgba(80,80,80,0.15)', cls: `${e.kind} ${e.severity}${state.focus?.eventId === e.eventId ? ' focus' : ''}`,
    label: e.kind.replace(/_/g, ' '),
    title: `${e.kind.replace(/_/g, ' ')} · ${e.subkind.replace(/_/g, ' ')} (${e.severity}) ${utc(e.startMs)}\n${e.summary}`,
  }));
  state.annotations = annotations.map(annotationMark);
  state.feedback = feedback.map((f) => ({
    id: f.feedbackId, kind: f.kind, tsMs: f.tsMs, color: FEEDBACK_COLOR(f),
    title: `${f.kind.toUpperCase()}${f.score === null ? '' : ` ${f.score}`}${f.channel ? ` via ${f.channel}` : ''} · ${utc(f.tsMs)}${f.text ? `\n“${f.text}”` : ''}`,
  }));
  state.markers = [...state.moments.map((m) => ({ kind: 'event', id: m.id, startMs: m.startMs })), ...state.annotations.map((a) => ({ kind: 'annotation', id: a.id, startMs: a.startMs }))];
  if (state.focus) {
    const f = state.moments.find((m) => m.id === state.focus.eventId);
    if (f) $('focus-title').textContent = `· replaying ${f.label} (${f.event.subkind.replace(/_/g, ' ')}) with its aftermath`;
  }
  drawTimelineStrip();
  buildPlots(definitions, series);
  drawTrack(track.rows, track.reduced);
  dirtyValues = true;
  state.loaded = true;
}

function annotationMark(a) {
  return {
    // A note at a moment is a clear line; a claim over a long stretch only tints it, under the moments.
    id: a.annotationId, startMs: a.startMs, endMs: a.endMs, color: CLAIM_COLORS[a.verdict?.verdict ?? 'note'], fill: a.endMs == null ? 'rgba(123,79,179,0.45)' : 'rgba(123,79,179,0.07)',
    cls: a.verdict ? `claim ${a.verdict.verdict}` : 'note',
    title: `“${a.text}”${a.author ? ` — ${a.author}` : ''} ${utc(a.startMs)}${a.verdict ? `\nclaim ${a.verdict.verdict.replace(/_/g, ' ')}: ${a.verdict.explanation}` : ''}`,
  };
}

function drawTimelineStrip() {
  strip = drawStrip($('strip'), {
    range: { startMs: state.startMs, endMs: state.endMs },
    sessions: state.sessions, moments: state.moments, annotations: state.annotations, feedback: state.feedback,
    onSeek: seek, tip,
  });
  strip.moveCursor(state.displayMs);
}

const bands = () => [
  ...state.annotations.map((a) => ({ id: a.id, startMs: a.startMs, endMs: a.endMs, fill: a.fill })),
  ...state.moments.map((m) => ({ id: m.id, startMs: m.startMs, endMs: m.endMs, fill: m.fill, label: m.label, cls: m.kind })),
];

function buildPlots(definitions, series) {
  const container = $('plots');
  container.replaceChildren();
  state.plots = definitions.map((d, i) => {
    const target = document.createElement('div');
    target.className = `plot plot-${d.id}`;
    target.id = `plot-${d.id}`;
    container.appendChild(target);
    return createPlot(target, d, plotData(d, series[i].rows), {
      range: () => [state.startMs, state.endMs], bands, onSeek: seek, syncKey: 'replay', showBandLabels: i === 0, showTimeAxis: i === definitions.length - 1,
    });
  });
  new ResizeObserver(() => {
    for (const p of state.plots) p.resize(container.clientWidth);
    state.displayMs = NaN; // the playheads move to the new scale on the next frame
  }).observe(container);
}

// ---- GPS track: one line per stretch without a gap, the position, and where moments happened ----
let project = () => [0, 0];
function drawTrack(rows, reduced) {
  const svg = $('track');
  svg.replaceChildren();
  const points = rows.map((r) => ({ ts: Date.parse(r.ts), lat: r.lat, lon: r.lon }));
  // A reduced timeline has a sample per bucket or so: steps up to a few buckets wide are not gaps (its hole rows are).
  const bucketMs = reduced ? ((state.endMs - state.startMs) / 100_000) * 6 : 0;
  const lines = trackSegments(points, Math.max(5 * 60_000, 4 * bucketMs));
  state.track = lines.map((l) => ({ fromMs: l[0][2], toMs: l.at(-1)[2], points: l.length }));
  const all = lines.flat();
  if (all.length === 0) {
    svg.appendChild(svgEl('text', { x: 200, y: 115, 'text-anchor': 'middle', class: 'track-empty' }, 'no GPS positions in this range'));
    return;
  }
  let [minLat, maxLat, minLon, maxLon] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [lon, lat] of all) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
  }
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const scale = Math.min(380 / Math.max(1e-9, (maxLon - minLon) * k), 210 / Math.max(1e-9, maxLat - minLat));
  const ox = 200 - (((maxLon - minLon) * k) / 2) * scale;
  const oy = 115 + ((maxLat - minLat) / 2) * scale;
  project = (lat, lon) => [ox + (lon - minLon) * k * scale, oy - (lat - minLat) * scale];
  for (const line of lines) {
    if (line.length === 1) {
      const [x, y] = project(line[0][1], line[0][0]);
      svg.appendChild(svgEl('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 2, class: 'path-dot' }));
      continue;
    }
    svg.appendChild(svgEl('polyline', { points: onScreen(line).join(' '), class: 'path' }));
  }
  for (const m of state.moments) {
    if (m.event.lat == null || m.event.lon == null) continue;
    const [x, y] = project(m.event.lat, m.event.lon);
    svg.appendChild(svgEl('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 6, class: `track-moment ${m.kind}` }, m.title));
  }
  svg.appendChild(svgEl('circle', { id: 'marker', r: 5, cx: -10, cy: -10 }));
  moveMarker(state.lastValues.lat, state.lastValues.lon);
}

/** A line's points projected, each at least half a pixel from the last kept one (a day at 1 Hz is 86,400 points). */
function onScreen(line) {
  const out = [];
  let lx = Infinity;
  let ly = Infinity;
  line.forEach((p, i) => {
    const [x, y] = project(p[1], p[0]);
    if (Math.abs(x - lx) + Math.abs(y - ly) < 0.5 && i !== line.length - 1) return;
    out.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    lx = x;
    ly = y;
  });
  return out;
}

function svgEl(name, attributes, text) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  if (text && name === 'text') el.textContent = text;
  else if (text) {
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    t.textContent = text;
    el.appendChild(t);
  }
  return el;
}

function moveMarker(lat, lon) {
  const marker = document.getElementById('marker');
  if (!marker || lat == null || lon == null) return;
  const [x, y] = project(lat, lon);
  marker.setAttribute('cx', x.toFixed(1));
  marker.setAttribute('cy', y.toFixed(1));
}

// ---- evidence for the moment at the playhead ----
function showEvidence(pos) {
  const moment = momentAt(state.moments, pos);
  if (!moment || moment.id === shownMomentId) return;
  shownMomentId = moment.id;
  state.evidenceFor = moment.id;
  const e = moment.event;
  const panel = $('evidence');
  panel.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = `${moment.label} · ${e.subkind.replace(/_/g, ' ')}`;
  const sev = document.createElement('span');
  sev.className = `severity ${e.severity}`;
  sev.textContent = e.severity;
  h.append(' ', sev);
  const when = document.createElement('p');
  when.className = 'when';
  const minutes = e.endMs == null ? null : Math.round((e.endMs - e.startMs) / 60_000);
  when.textContent = `${utc(e.startMs)}${e.endMs == null ? '' : ` → ${utc(e.endMs).slice(11)}`}${minutes === null ? '' : ` (${minutes >= 90 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`})`}`;
  const summary = document.createElement('p');
  summary.textContent = e.summary;
  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th scope="col">signal</th><th scope="col">value</th><th scope="col">threshold</th><th scope="col">at (UTC)</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const item of e.evidence) {
    const unit = unitOfSignal(item.signal, units);
    const cell = (v) => (typeof v === 'number' ? `${formatValue(v, unit, Math.abs(v) >= 100 ? 0 : 2)}${unit ? ` ${unit.label}` : ''}` : v == null ? '' : String(v));
    const tr = document.createElement('tr');
    for (const text of [unit ? item.signal.replace(/_(kwh_per_km|kph|km|c|pct|kw|kwh)$/, '') : item.signal, cell(item.value), cell(item.threshold), item.atMs == null ? '' : utc(item.atMs).slice(11, 19)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    if (item.note) tr.title = item.note;
    if (item.atMs != null) {
      tr.classList.add('seekable');
      tr.tabIndex = 0;
      tr.addEventListener('click', () => seek(item.atMs));
      tr.addEventListener('keydown', (ev) => ev.key === 'Enter' && seek(item.atMs));
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  const links = document.createElement('p');
  links.className = 'links';
  const go = document.createElement('button');
  go.type = 'button';
  go.textContent = 'go to its start';
  go.addEventListener('click', () => seek(e.startMs));
  const whole = document.createElement('a');
  whole.href = `/replay/${encodeURIComponent(deviceId)}?event=${encodeURIComponent(e.eventId)}`;
  whole.textContent = 'replay this moment with its aftermath';
  links.append(go, ' ', whole);
  panel.append(h, when, summary, table, links);
}

// ---- tooltip for strip items (hover and keyboard focus) ----
const tip = {
  show(el, text) {
    const t = $('tip');
    t.textContent = text;
    t.hidden = false;
    const r = el.getBoundingClientRect();
    const left = Math.min(window.innerWidth - 340, Math.max(8, r.left + r.width / 2 - 160));
    t.style.left = `${left + window.scrollX}px`;
    t.style.top = `${r.bottom + window.scrollY + 6}px`;
  },
  hide() {
    $('tip').hidden = true;
  },
};

// ---- annotate here ----
function openAnnotate() {
  if (state.playing) send({ type: 'pause' });
  $('annotate-at').textContent = utc(state.positionMs);
  $('annotate-form').hidden = false;
  $('annotate-text').focus();
}
$('annotate').addEventListener('click', openAnnotate);
$('annotate-cancel').addEventListener('click', () => ($('annotate-form').hidden = true));
$('annotate-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('annotate-text').value.trim();
  if (!text) return;
  const res = await fetch(`${api}/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ startMs: Math.round(state.positionMs), text }) });
  if (!res.ok) {
    $('status').textContent = `annotation not saved: ${(await res.json().catch(() => ({}))).message ?? res.status}`;
    return;
  }
  const saved = await res.json();
  state.annotations.push(annotationMark(saved));
  state.markers.push({ kind: 'annotation', id: saved.annotationId, startMs: saved.startMs });
  $('annotate-form').hidden = true;
  $('annotate-text').value = '';
  $('status').textContent = `annotation saved at ${utc(saved.startMs)}`;
  drawTimelineStrip();
  for (const p of state.plots) p.redraw();
});

// ---- controls and keys ----
const jumpMoment = (direction) => {
  const m = adjacentMoment(state.moments, state.positionMs, direction);
  if (m) seek(m.startMs);
  else $('status').textContent = direction === 1 ? 'no moment after this one' : 'no moment before this one';
};
$('play').addEventListener('click', () => send({ type: state.playing ? 'pause' : 'play' }));
$('step').addEventListener('click', () => send({ type: 'step', direction: 1 }));
$('step-back').addEventListener('click', () => send({ type: 'step', direction: -1 }));
$('next-moment').addEventListener('click', () => jumpMoment(1));
$('prev-moment').addEventListener('click', () => jumpMoment(-1));
$('next-mark').addEventListener('click', () => send({ type: 'jump', to: 'next' }));
$('prev-mark').addEventListener('click', () => send({ type: 'jump', to: 'prev' }));
$('speed').addEventListener('change', () => send({ type: 'speed', speed: Number($('speed').value) }));
$('loop').addEventListener('change', () => send({ type: 'loop', enabled: $('loop').checked }));
$('seek').addEventListener('change', () => seek(state.startMs + (Number($('seek').value) / 1000) * (state.endMs - state.startMs)));
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key === 'Escape') $('annotate-form').hidden = true;
  if (e.ctrlKey || e.metaKey || e.altKey || t.closest?.('input, select, textarea, form')) return;
  const onControl = t.closest?.('button, a, [tabindex]');
  if (e.key === ' ' && !onControl) {
    e.preventDefault();
    $('play').click();
  } else if (e.key === 'ArrowRight' && !onControl) $('step').click();
  else if (e.key === 'ArrowLeft' && !onControl) $('step-back').click();
  else if (e.key === 'n') jumpMoment(1);
  else if (e.key === 'p') jumpMoment(-1);
  else if (e.key === 'N') send({ type: 'jump', to: 'next' });
  else if (e.key === 'P') send({ type: 'jump', to: 'prev' });
  else if (e.key === 'a') {
    e.preventDefault();
    openAnnotate();
  }
});
