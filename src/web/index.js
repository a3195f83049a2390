// Lists devices and their sessions; each links to the replay page (deep links: ?session=, ?t=).
const root = document.getElementById('devices');
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const when = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

const devices = await fetch('/v1/devices').then((r) => r.json());
root.innerHTML = devices.length ? '' : '<p>No devices yet: ingest some telemetry (see the README).</p>';
for (const d of devices) {
  const section = document.createElement('section');
  const id = encodeURIComponent(d.deviceId);
  section.innerHTML = `<h2><a href="/replay/${id}">${esc(d.deviceId)}</a></h2>
    <p>${d.rowCount.toLocaleString()} samples, ${esc(d.firstTs ?? '')} – ${esc(d.lastTs ?? '')}${d.model ? ` · ${esc(d.model)}` : ''}</p>
    <table><thead><tr><th>kind</th><th>start</th><th>duration</th><th>distance</th><th>SoC</th><th></th></tr></thead><tbody></tbody></table>`;
  root.appendChild(section);
  const sessions = await fetch(`/v1/devices/${id}/sessions`).then((r) => r.json());
  const body = section.querySelector('tbody');
  for (const s of sessions.filter((x) => x.kind !== 'park').slice(-200)) {
    const row = document.createElement('tr');
    row.className = s.kind;
    row.innerHTML = `<td>${s.kind}</td><td>${when(s.startMs)}</td><td>${Math.round(s.durationS / 60)} min</td>
      <td>${s.distanceKm == null ? '' : `${s.distanceKm.toFixed(1)} km`}</td>
      <td>${s.socStartPct == null ? '' : `${s.socStartPct.toFixed(0)} → ${s.socEndPct.toFixed(0)} %`}</td>
      <td>${s.kind === 'gap' ? '' : `<a href="/replay/${id}?session=${s.sessionId}">replay</a>`}</td>`;
    body.appendChild(row);
  }
}
