// A device's story: its sessions and moments of truth on one timeline (marks are buttons: click or
// Enter selects the event below), its claims, annotations and feedback, and a replay link for each moment.
import { ago, duration, esc, getJson, pct, showError, when } from '/assets/format.js';
import { formatValue } from '/assets/replay-model.js';
import { localiseText, unitsOfDevice } from '/assets/units-text.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
const dev = encodeURIComponent(id);
const status = document.getElementById('status');
const svg = document.getElementById('timeline');
const NS = 'http://www.w3.org/2000/svg';
const W = 1300;
const KIND = { breakdown: 'breakdown', charge_shortfall: 'charge shortfall', anomaly: 'anomaly' };
const iso = (ms) => new Date(ms).toISOString();

const replayEvent = (e) => `/replay/${dev}?event=${encodeURIComponent(e.eventId)}`;
const replayRange = (fromMs, toMs) => `/replay/${dev}?from=${iso(fromMs)}&to=${iso(toMs)}`;

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent.appendChild(node);
  return node;
}

/**
 * Time → x, with every hole in the log longer than BREAK_MS (30 min) drawn as a short fixed break (its
 * length is in its tooltip): a car used twice a month would otherwise be a line of empty weeks
 * with its drives thinner than a pixel. Piecewise linear between knots, so marks land on their sessions.
 */
const BREAK_MS = 30 * 60_000;
function timeScale(sessions, startMs, endMs) {
  const breaks = sessions.filter((s) => s.kind === 'gap' && s.endMs - s.startMs > BREAK_MS);
  const breakPx = breaks.length ? Math.min(14, ((W - 20) * 0.3) / breaks.length) : 0;
  const liveMs = Math.max(endMs - startMs - breaks.reduce((sum, b) => sum + (b.endMs - b.startMs), 0), 1);
  const perMs = (W - 20 - breaks.length * breakPx) / liveMs;
  const knots = [[startMs, 10]];
  let x = 10;
  let t = startMs;
  for (const b of breaks) {
    x += (b.startMs - t) * perMs;
    knots.push([b.startMs, x]);
    x += breakPx;
    knots.push([b.endMs, x]);
    t = b.endMs;
  }
  knots.push([endMs, W - 10]);
  return (ms) => {
    let i = 1;
    while (i < knots.length - 1 && knots[i][0] < ms) i++;
    const [t0, x0] = knots[i - 1];
    const [t1, x1] = knots[i];
    return t1 === t0 ? x0 : x0 + ((Math.min(Math.max(ms, t0), t1) - t0) / (t1 - t0)) * (x1 - x0);
  };
}

function drawTimeline(device, sessions, events, notes) {
  const startMs = Date.parse(device.firstTs);
  const endMs = Date.parse(device.lastTs);
  const x = timeScale(sessions, startMs, endMs);
  svg.replaceChildren();
  for (const s of sessions) {
    const rect = el('rect', { x: x(s.startMs), y: 20, width: Math.max(x(s.endMs) - x(s.startMs), 0.5), height: 40, class: s.kind }, svg);
    el('title', {}, rect).textContent = `${s.kind === 'gap' ? 'no data' : s.kind} from ${iso(s.startMs)} for ${duration(s.endMs - s.startMs)}${s.kind === 'gap' && s.endMs - s.startMs > BREAK_MS ? ' (drawn short)' : ''}`;
  }
  for (const a of notes) {
    const line = el('rect', { x: x(a.startMs) - 1, y: 64, width: Math.max(2, a.endMs == null ? 2 : x(a.endMs) - x(a.startMs)), height: 8, class: 'note' }, svg);
    el('title', {}, line).textContent = `note: ${a.text}`;
  }
  for (const e of events) {
    const cx = x(e.startMs);
    const mark = el('path', { d: `M${cx} 76 l7 14 h-14 z`, class: `mark ${e.severity}`, tabindex: 0, role: 'button', 'data-event-id': e.eventId,
      'aria-label': `${KIND[e.kind] ?? e.kind}, ${e.severity}, ${iso(e.startMs)}: ${e.summary}` }, svg);
    el('title', {}, mark).textContent = `${KIND[e.kind] ?? e.kind} (${e.severity}) ${iso(e.startMs)}: ${e.summary}`;
    const select = () => {
      const row = document.querySelector(`#events tr[data-event-id="${CSS.escape(e.eventId)}"]`);
      document.querySelectorAll('#events tr.selected').forEach((r) => r.classList.remove('selected'));
      row?.classList.add('selected');
      row?.querySelector('a')?.focus();
    };
    mark.addEventListener('click', select);
    mark.addEventListener('keydown', (k) => (k.key === 'Enter' || k.key === ' ') && (k.preventDefault(), select()));
  }
  el('text', { x: 10, y: 112 }, svg).textContent = iso(startMs).slice(0, 16).replace('T', ' ') + ' UTC';
  el('text', { x: W - 10, y: 112, 'text-anchor': 'end' }, svg).textContent = iso(endMs).slice(0, 16).replace('T', ' ') + ' UTC';
}

function verdict(a) {
  if (a.claim && a.verdict) return `<span class="badge ${a.verdict.verdict === 'supported' ? 'st-resolved' : a.verdict.verdict === 'contradicted' ? 'st-open' : 'st-pending'}">${esc(a.verdict.verdict.replaceAll('_', ' '))}</span> <span class="muted">${esc(a.verdict.explanation)}</span>`;
  if (a.context?.incidentId) return `<a href="/incidents/${encodeURIComponent(a.context.incidentId)}">incident ${esc(a.context.state ?? '')}</a>`;
  return '';
}

async function all(url) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const { body, next } = await getJson(`${url}${url.includes('?') ? '&' : '?'}limit=5000${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...body);
    if (!next) break;
    cursor = next;
  }
  return out;
}

async function load() {
  try {
    const [{ body: device }, overview, sessions, events, notes, { body: feedback }] = await Promise.all([
      getJson(`/v1/devices/${dev}`), getJson(`/v1/devices?q=${dev}&limit=50`), all(`/v1/devices/${dev}/sessions`), all(`/v1/devices/${dev}/events`),
      all(`/v1/devices/${dev}/annotations`), getJson(`/v1/devices/${dev}/feedback`),
    ]);
    const now = overview.body.find((d) => d.deviceId === id);
    // Units follow the device (its region), `?units=metric|imperial` overrides, as on the replay.
    const requested = new URLSearchParams(location.search).get('units');
    const units = unitsOfDevice(device, requested === 'metric' || requested === 'imperial' ? requested : undefined);
    for (const e of events) e.summary = localiseText(e.summary, units);
    const distance = (v) => (v == null ? '' : `${formatValue(v, units.distance)} ${units.distance.label}`);
    document.title = `Telltale — ${id}`;
    document.getElementById('title').textContent = id;
    status.textContent = `${device.rowCount.toLocaleString()} samples · ${sessions.filter((s) => s.kind === 'drive').length} drives · ${events.filter((e) => e.kind !== 'anomaly').length} moments of truth`;
    document.getElementById('facts').innerHTML = [['Model', device.model], ['Fleet', device.fleet], ['Firmware', device.firmware], ['Battery', device.batteryKwh == null ? null : `${device.batteryKwh} kWh`], ['Region', device.region ? `${device.region} (${units.system} units)` : null]]
      .map(([k, v]) => `<dt>${k}</dt><dd>${esc(v ?? '—')}</dd>`).join('')
      + `<dt>Logged</dt><dd>${device.firstTs ? `${when(Date.parse(device.firstTs))} – ${when(Date.parse(device.lastTs))}` : '—'}</dd>`;
    if (now) {
      document.getElementById('now').innerHTML = `<dt>State</dt><dd>${now.state ? `<span class="badge state-${esc(now.state)}">${esc(now.state)}</span>${now.state === 'silent' && now.lastActivity ? ` <span class="muted">(was ${esc(now.lastActivity)})</span>` : ''}` : '—'}</dd>
        <dt>Last seen</dt><dd>${now.lastSeenMs == null ? 'never' : `${when(now.lastSeenMs)} <span class="muted">${esc(ago(now.lastSeenMs))}</span>`}</dd>
        <dt>SoC</dt><dd>${pct(now.socPct) || '—'}</dd>
        <dt>Open incidents</dt><dd>${now.openIncidents ? `<a class="hot" href="/incidents?device=${dev}">${now.openIncidents}</a>` : '0'}</dd>
        <dt>Last 24 h / 7 d</dt><dd>${now.breakdowns24h} / ${now.breakdowns7d} breakdowns, ${now.chargeShortfalls24h} / ${now.chargeShortfalls7d} shortfalls</dd>`;
    }
    if (device.firstTs) drawTimeline(device, sessions, events, notes);
    const ordered = [...events].sort((a, b) => (a.kind === 'anomaly') - (b.kind === 'anomaly') || a.startMs - b.startMs);
    document.querySelector('#events tbody').innerHTML = ordered.map((e) => `<tr data-event-id="${esc(e.eventId)}"><td>${when(e.startMs)}</td>
      <td><span class="badge sev-${esc(e.severity)}">${esc(e.severity)}</span></td><td>${esc(KIND[e.kind] ?? e.kind)}</td><td class="wrap">${esc(e.summary)}</td>
      <td>${e.endMs == null ? 'ongoing' : esc(duration(e.endMs - e.startMs))}</td><td><a href="${replayEvent(e)}">replay</a></td></tr>`).join('') || '<tr><td colspan="6" class="muted">None detected.</td></tr>';
    document.querySelector('#annotations tbody').innerHTML = notes.map((a) => `<tr><td>${when(a.startMs)}${a.endMs == null ? '' : ` for ${esc(duration(a.endMs - a.startMs))}`}</td>
      <td class="wrap">${esc(a.text)}</td><td>${esc(a.author ?? '')}</td><td class="wrap">${verdict(a)}</td>
      <td><a href="${replayRange(a.startMs - 60_000, (a.endMs ?? a.startMs) + 60_000)}">replay</a></td></tr>`).join('') || '<tr><td colspan="5" class="muted">None.</td></tr>';
    document.querySelector('#feedback tbody').innerHTML = feedback.map((f) => `<tr><td>${when(f.tsMs)}</td><td>${esc(f.kind)}</td><td class="num">${esc(f.score ?? '')}</td>
      <td>${esc(f.channel ?? '')}</td><td class="wrap">${esc(f.text ?? '')}</td></tr>`).join('') || '<tr><td colspan="5" class="muted">None.</td></tr>';
    document.querySelector('#sessions tbody').innerHTML = sessions.filter((s) => s.kind !== 'park').slice(-500).reverse().map((s) => `<tr class="${s.kind}"><td>${s.kind}</td>
      <td>${when(s.startMs)}</td><td>${esc(duration(s.endMs - s.startMs))}</td><td class="num">${distance(s.distanceKm)}</td>
      <td class="num">${s.socStartPct == null ? '' : `${Math.round(s.socStartPct)} → ${Math.round(s.socEndPct)} %`}</td>
      <td>${s.kind === 'gap' ? '' : `<a href="/replay/${dev}?session=${encodeURIComponent(s.sessionId)}">replay</a>`}</td></tr>`).join('');
    document.body.dataset.loaded = 'true';
  } catch (err) {
    showError(status, err);
  }
}

load();
