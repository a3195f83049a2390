// The replay page: a thin client of /v1/replay (WebSocket: range, frames, position) and the REST API
// (timeline for the plots and the track, sessions, events, annotations, feedback). Playback is the
// server's; between its frames (every 50 ms) the playhead moves on at the playing speed, so the
// page renders on every animation frame without asking the server for more.
import { showEvidence } from './replay-evidence.js';
import { adjacentMoment, clampWindow, displayUnits, followWindow, formatValue, interpolatedPosition, momentAt } from './replay-model.js';
import { createPlot, plotData, plotDefinitions } from './replay-plots.js';
import { createReplayView } from './replay-view.js';
import { drawStrip } from './replay-strip.js';
import { drawTrack, moveMarker } from './replay-track.js';
import { localiseText } from './units-text.js';

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
  /** The window the plots show (the whole range, or the part zoomed to), the stretch their rows were read for, and the rows in the window. */
  view: { startMs: 0, endMs: 1 }, fetched: undefined, rowsInView: 0,
  /** Values arrived that the read-outs do not show yet (they are drawn on the next animation frame). */
  valuesPending: true,
};
window.telltale = state;
let units = displayUnits('metric');
let strip = { moveCursor() {} };
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
  state.valuesPending = true;
}

ws.addEventListener('message', (event) => {
  const m = JSON.parse(event.data);
  switch (m.type) {
    case 'ready':
      state.startMs = m.startMs;
      state.endMs = m.endMs;
      state.units = m.units ?? 'metric';
      state.focus = m.focus ?? null;
      state.view = { startMs: m.startMs, endMs: m.endMs };
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
  if (pos !== state.displayMs || state.valuesPending) {
    state.displayMs = pos;
    // Zoomed in, the window follows playback (and seeks): it moves on once the playhead leaves it.
    const followed = followWindow(state.view, range(), pos);
    if (followed !== state.view) setView(followed);
    for (const p of state.plots) p.moveHead(pos);
    strip.moveCursor(pos);
    $('clock').textContent = utc(pos);
    if (document.activeElement !== $('seek')) $('seek').value = String(Math.round(((pos - state.startMs) / Math.max(1, state.endMs - state.startMs)) * 1000));
    if (state.valuesPending) showValues();
    showMoment(pos);
    // The address follows playback (a deep link to share), at most once a second.
    if (state.playing && now - urlWrittenAtMs > 1000) writeUrl(state.positionMs);
    state.renders++;
  }
  requestAnimationFrame(render);
}
requestAnimationFrame(render);

function showValues() {
  state.valuesPending = false;
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
  const [sessions, events, annotations, feedback, track, ...series] = await Promise.all([
    json(`${api}/sessions?${range}`),
    optional(`${api}/events?${range}`),
    optional(`${api}/annotations?${range}`),
    optional(`${api}/feedback?${range}`),
    // The track unreduced up to 100,000 rows: bucketing by time would leave a short trip in a long range a zigzag of extremes.
    json(`${api}/timeline?${range}&columns=ts,lat,lon&maxPoints=100000`),
    ...readSeries(definitions, state.view),
  ]);
  state.fetched = { ...state.view };
  state.sessions = sessions;
  state.moments = events.map((e) => ({
    id: e.eventId, kind: e.kind, startMs: e.startMs, endMs: e.endMs, event: e,
    color: MOMENT_COLORS[e.kind] ?? '#555', fill: MOMENT_FILLS[e.kind] ?? 'rgba(80,80,80,0.15)', cls: `${e.kind} ${e.severity}${state.focus?.eventId === e.eventId ? ' focus' : ''}`,
    label: e.kind.replace(/_/g, ' '),
    title: `${e.kind.replace(/_/g, ' ')} · ${e.subkind.replace(/_/g, ' ')} (${e.severity}) ${utc(e.startMs)}\n${localiseText(e.summary, units)}`,
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
  state.track = drawTrack($('track'), track.rows, track.reduced, { startMs: state.startMs, endMs: state.endMs }, state.moments);
  moveMarker(state.lastValues.lat, state.lastValues.lon);
  state.valuesPending = true;
  state.loaded = true;
}

const range = () => ({ startMs: state.startMs, endMs: state.endMs });

const { readSeries, setView, zoomBy } = createReplayView({ state, api, range, $, strip: () => strip, units: () => units });

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
    sessions: state.sessions, moments: state.moments, annotations: state.annotations, feedback: state.feedback, units,
    onSeek: seek, tip,
  });
  strip.moveCursor(state.displayMs);
  strip.showWindow(state.view);
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
    const plot = createPlot(target, d, plotData(d, series[i].rows), {
      range: () => [state.view.startMs, state.view.endMs], bands, onSeek: seek, syncKey: 'replay', showBandLabels: i === 0, showTimeAxis: i === definitions.length - 1,
      onZoom: (fromMs, toMs) => setView(clampWindow(Math.min(fromMs, toMs), Math.max(fromMs, toMs), range())),
    });
    return Object.assign(plot, { definition: d });
  });
  setView(state.view);
  new ResizeObserver(() => {
    for (const p of state.plots) p.resize(container.clientWidth);
    state.displayMs = NaN; // the playheads move to the new scale on the next frame
  }).observe(container);
}

function showMoment(pos) {
  const moment = momentAt(state.moments, pos);
  if (!moment || moment.id === shownMomentId) return;
  shownMomentId = moment.id;
  state.evidenceFor = moment.id;
  showEvidence($('evidence'), moment, { units, deviceId, seek });
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
$('zoom-in').addEventListener('click', () => zoomBy(0.5));
$('zoom-out').addEventListener('click', () => zoomBy(2));
$('zoom-reset').addEventListener('click', () => setView(range()));
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
  else if (e.key === '+' || e.key === '=') zoomBy(0.5);
  else if (e.key === '-' || e.key === '_') zoomBy(2);
  else if (e.key === '0') setView(range());
  else if (e.key === 'a') {
    e.preventDefault();
    openAnnotate();
  }
});
