// The evidence panel of the replay: the moment of truth at the playhead, with every piece of
// evidence its detector recorded, in the device's units.
import { formatValue, unitOfSignal } from './replay-model.js';
import { localiseText } from './units-text.js';

const utc = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');

/**
 * Shows `moment` (its event: kind, span, summary, evidence in display `units`) in `panel`; a row
 * with a time, and "go to its start", call `seek`.
 */
export function showEvidence(panel, moment, { units, deviceId, seek }) {
  const e = moment.event;
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
  summary.textContent = localiseText(e.summary, units);
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
    if (item.note) tr.title = localiseText(item.note, units);
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

