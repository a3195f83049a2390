// The GPS track of the replay as SVG (no map tiles: it works offline): one line per stretch
// without a gap, never a straight line across one, the current position and where moments happened.
import { trackSegments } from './replay-model.js';

let project = () => [0, 0];

/**
 * Draws the track of `rows` (timeline rows with ts, lat, lon) into `svg` for the range, with where
 * `moments` happened; returns the lines drawn ({ fromMs, toMs, points }).
 */
export function drawTrack(svg, rows, reduced, range, moments) {
  svg.replaceChildren();
  const points = rows.map((r) => ({ ts: Date.parse(r.ts), lat: r.lat, lon: r.lon }));
  // A reduced timeline has a sample per bucket or so: steps up to a few buckets wide are not gaps (its hole rows are).
  const bucketMs = reduced ? ((range.endMs - range.startMs) / 100_000) * 6 : 0;
  const lines = trackSegments(points, Math.max(5 * 60_000, 4 * bucketMs));
  const drawn = lines.map((l) => ({ fromMs: l[0][2], toMs: l.at(-1)[2], points: l.length }));
  const all = lines.flat();
  if (all.length === 0) {
    svg.appendChild(svgEl('text', { x: 200, y: 115, 'text-anchor': 'middle', class: 'track-empty' }, 'no GPS positions in this range'));
    return drawn;
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
  for (const m of moments) {
    if (m.event.lat == null || m.event.lon == null) continue;
    const [x, y] = project(m.event.lat, m.event.lon);
    svg.appendChild(svgEl('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 6, class: `track-moment ${m.kind}` }, m.title));
  }
  svg.appendChild(svgEl('circle', { id: 'marker', r: 5, cx: -10, cy: -10 }));
  return drawn;
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

/** Moves the current position on the track (nothing before the track is drawn or without a fix). */
export function moveMarker(lat, lon) {
  const marker = document.getElementById('marker');
  if (!marker || lat == null || lon == null) return;
  const [x, y] = project(lat, lon);
  marker.setAttribute('cx', x.toFixed(1));
  marker.setAttribute('cy', y.toFixed(1));
}

