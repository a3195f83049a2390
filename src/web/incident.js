// One incident: its evidence, its escalation ladder with the webhook deliveries, its history, and
// acknowledge / resolve with a note (POST /v1/incidents/:id/ack|resolve).
import { unitsFor } from '/assets/device-units.js';
import { duration, esc, getJson, postJson, showError, when } from '/assets/format.js';
import { formatValue, unitOfSignal } from '/assets/replay-model.js';
import { localiseText } from '/assets/units-text.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
const status = document.getElementById('status');
const form = document.getElementById('act');
const actStatus = document.getElementById('act-status');
const by = document.getElementById('by');
by.value = localStorage.getItem('telltale.by') ?? '';
const KIND = { breakdown: 'Breakdown', charge_shortfall: 'Charge shortfall', anomaly: 'Anomaly' };

function facts(i, ruleName) {
  const dev = encodeURIComponent(i.deviceId);
  const rows = [
    ['State', `<span class="badge st-${esc(i.state)}" id="state">${esc(i.state)}</span>`],
    ['Severity', `<span class="badge sev-${esc(i.severity)}">${esc(i.severity)}</span>`],
    ['Device', `<a href="/devices/${dev}">${esc(i.deviceId)}</a>`],
    ['Started', when(i.startMs)],
    ['Lasted', esc(duration(i.endMs - i.startMs)) || '—'],
    ['Opened', when(i.openedAtMs)],
    ['Rule', esc(ruleName ?? i.ruleId)],
  ];
  if (i.lat != null && i.lon != null) rows.push(['Where', `${i.lat.toFixed(5)}, ${i.lon.toFixed(5)}`]);
  return rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
}

/** An evidence value in the device's units, with its unit ("66 mph"); text as it is. */
function shown(v, signal, units) {
  if (typeof v !== 'number') return esc(v ?? '');
  const unit = unitOfSignal(signal, units);
  return esc(`${formatValue(v, unit, Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : 2)}${unit ? ` ${unit.label}` : ''}`);
}
const signalName = (signal) => signal.replace(/_(kwh_per_km|kph|km|c|pct|kw|kwh)$/, '').replaceAll('_', ' ');

function evidence(events, units) {
  if (!events.length) return '<p class="muted">No event is linked any more (it was re-detected away).</p>';
  return events.map((e) => `<section class="card" data-event-id="${esc(e.eventId)}">
      <h3>${esc(KIND[e.kind] ?? e.kind)} · ${esc(e.subkind.replaceAll('_', ' '))} <span class="badge sev-${esc(e.severity)}">${esc(e.severity)}</span></h3>
      <p class="summary">${esc(localiseText(e.summary, units))}</p>
      <p>${when(e.startMs)}${e.endMs == null ? ' (ongoing)' : ` for ${esc(duration(e.endMs - e.startMs))}`} · detector ${esc(e.detector)}${e.score == null ? '' : ` · score ${e.score.toFixed(2)}`}
        · <a class="replay-event" href="/replay/${encodeURIComponent(e.deviceId)}?event=${encodeURIComponent(e.eventId)}">Replay this ${esc((KIND[e.kind] ?? e.kind).toLowerCase())}</a></p>
      ${e.evidence.length ? `<div class="table-wrap"><table class="grid"><thead><tr><th scope="col">Signal</th><th scope="col" class="num">Value</th><th scope="col" class="num">Threshold</th><th scope="col">At</th><th scope="col">Note</th></tr></thead><tbody>
        ${e.evidence.map((x) => `<tr><td>${esc(signalName(x.signal))}</td><td class="num">${shown(x.value, x.signal, units)}</td><td class="num">${shown(x.threshold, x.signal, units)}</td><td>${x.atMs == null ? '' : when(x.atMs)}</td><td class="wrap">${esc(localiseText(x.note, units))}</td></tr>`).join('')}
      </tbody></table></div>` : ''}
    </section>`).join('');
}

function escalation(steps) {
  if (!steps.length) return '<tr><td colspan="9" class="muted">No notices queued.</td></tr>';
  return steps.map((s) => {
    const d = s.delivery;
    return `<tr><td>${s.step + 1}</td><td>${esc(s.audience ?? '')}</td><td>${esc(s.receiver)}</td><td>${s.delayMs == null ? '' : s.delayMs === 0 ? 'at once' : esc(duration(s.delayMs))}</td>
      <td class="wrap">${esc(s.instructions ?? '')}</td>
      <td>${d ? `<span class="badge st-${esc(d.status)}">${esc(d.status)}</span>` : '<span class="muted">not queued</span>'}</td>
      <td class="num">${d ? d.attempts : ''}</td><td class="wrap">${esc(d?.lastError ?? '')}</td>
      <td>${d ? (d.deliveredAtMs != null ? when(d.deliveredAtMs) : when(d.dueAtMs)) : ''}</td></tr>`;
  }).join('');
}

const history = (entries) => entries.map((h) => `<li><strong>${esc(h.action)}</strong> ${when(h.atMs)}${h.by ? ` by ${esc(h.by)}` : ''}${h.note ? `<br><q class="note">${esc(h.note)}</q>` : ''}</li>`).join('');

async function load() {
  try {
    const { body: d } = await getJson(`/v1/incidents/${encodeURIComponent(id)}/detail`);
    const i = d.incident;
    const units = await unitsFor(i.deviceId);
    i.summary = localiseText(i.summary, units);
    document.title = `Telltale — ${i.summary}`;
    document.getElementById('title').textContent = `${KIND[i.kind] ?? i.kind} of ${i.deviceId}`;
    status.textContent = i.summary;
    document.getElementById('facts').innerHTML = facts(i, d.ruleName);
    const first = d.events.find((e) => e.kind === i.kind) ?? d.events[0];
    document.getElementById('replay-links').innerHTML = [
      first ? `<a id="replay-moment" href="/replay/${encodeURIComponent(i.deviceId)}?event=${encodeURIComponent(first.eventId)}">Replay the ${esc((KIND[i.kind] ?? i.kind).toLowerCase())}</a>` : '',
      `<a href="${esc(i.replayUrl)}">Replay the incident's span</a>`,
    ].filter(Boolean).join(' · ');
    document.getElementById('evidence').innerHTML = evidence(d.events, units);
    document.querySelector('#escalation tbody').innerHTML = escalation(d.escalation);
    document.getElementById('history').innerHTML = history(d.history);
    document.getElementById('ack').disabled = i.state !== 'open';
    document.getElementById('resolve').disabled = i.state === 'resolved';
    document.body.dataset.state = i.state;
  } catch (err) {
    showError(status, err);
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const action = e.submitter?.value ?? 'ack';
  const note = document.getElementById('note').value.trim();
  localStorage.setItem('telltale.by', by.value.trim());
  actStatus.removeAttribute('role');
  actStatus.textContent = 'saving…';
  try {
    await postJson(`/v1/incidents/${encodeURIComponent(id)}/${action}`, { ...(by.value.trim() ? { by: by.value.trim() } : {}), ...(note ? { note } : {}) });
    document.getElementById('note').value = '';
    actStatus.textContent = action === 'ack' ? 'Acknowledged.' : 'Resolved.';
    await load();
  } catch (err) {
    showError(actStatus, err);
  }
});

load();
