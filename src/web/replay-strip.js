// The strip under the player (comma connect's drive timeline): sessions coloured by kind, moments
// of truth and annotations as bands, customer feedback as marks, and the playhead. Every item is
// clickable to jump there; moments and feedback are focusable, with their text in a tooltip.
import { bandOnStrip } from './replay-model.js';

const SVG = 'http://www.w3.org/2000/svg';
export const STRIP_WIDTH = 1000;
/** Lanes, top to bottom (viewBox units; the strip is drawn 1:1 vertically). */
const LANES = { session: [0, 16], moment: [18, 16], annotation: [36, 10], feedback: [48, 12] };
export const STRIP_HEIGHT = 60;
const SESSION_COLORS = { drive: '#2b7bb9', charge: '#3a9d5d', park: '#c8c8c8', gap: '#f3c6c6' }; // a gap is shown, never bridged

function element(name, attributes, title) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  if (title) {
    const t = document.createElementNS(SVG, 'title');
    t.textContent = title;
    el.appendChild(t);
  }
  return el;
}

/** Draws the strip into `svg` for the range; `onSeek(tMs)` on a click (or Enter on a focused item), `tip` shows/hides a tooltip. */
export function drawStrip(svg, { range, sessions, moments, annotations, feedback, units, onSeek, tip }) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${STRIP_WIDTH} ${STRIP_HEIGHT}`);
  const band = (startMs, endMs, minWidth) => bandOnStrip(startMs, endMs, range.startMs, range.endMs, STRIP_WIDTH, minWidth);
  const activate = (el, tMs, text) => {
    el.addEventListener('click', () => onSeek(Math.min(range.endMs, Math.max(range.startMs, tMs))));
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onSeek(Math.min(range.endMs, Math.max(range.startMs, tMs)));
      }
    });
    if (text) {
      el.setAttribute('tabindex', '0');
      el.setAttribute('aria-label', text);
      el.addEventListener('mouseenter', () => tip.show(el, text));
      el.addEventListener('focus', () => tip.show(el, text));
      el.addEventListener('mouseleave', () => tip.hide());
      el.addEventListener('blur', () => tip.hide());
    }
  };
  const [sy, sh] = LANES.session;
  for (const s of sessions) {
    const b = band(s.startMs, s.endMs, 0.5);
    if (!b) continue;
    const rect = element('rect', { x: b.x, y: sy, width: b.width, height: sh, fill: SESSION_COLORS[s.kind] ?? '#999', class: `band ${s.kind}` },
      `${s.kind} ${new Date(s.startMs).toISOString()} · ${Math.round(s.durationS / 60)} min${s.distanceKm ? ` · ${units.distance.convert(s.distanceKm).toFixed(1)} ${units.distance.label}` : ''}`);
    rect.addEventListener('click', () => onSeek(Math.max(range.startMs, s.startMs)));
    svg.appendChild(rect);
  }
  const [my, mh] = LANES.moment;
  for (const m of moments) {
    const b = band(m.startMs, m.endMs, 6);
    if (!b) continue;
    // The moment also shades the session lane above it, so it reads against the drive it ended.
    svg.appendChild(element('rect', { x: b.x, y: 0, width: b.width, height: my + mh, fill: m.fill, class: 'moment-shade' }));
    const rect = element('rect', { x: b.x, y: my, width: b.width, height: mh, fill: m.color, class: `marker event ${m.cls}`, 'data-event-id': m.id }, m.title);
    activate(rect, m.startMs, m.title);
    svg.appendChild(rect);
  }
  const [ay, ah] = LANES.annotation;
  for (const a of annotations) {
    const b = band(a.startMs, a.endMs, 4);
    if (!b) continue;
    const rect = element('rect', { x: b.x, y: ay, width: b.width, height: ah, fill: a.color, class: `marker annotation ${a.cls}`, 'data-annotation-id': a.id }, a.title);
    activate(rect, a.startMs, a.title);
    svg.appendChild(rect);
  }
  const [fy, fh] = LANES.feedback;
  for (const f of feedback) {
    const b = band(f.tsMs, f.tsMs, 6);
    if (!b) continue;
    const cx = b.x + b.width / 2;
    const mark = element('path', { d: `M${cx - 4},${fy + fh} L${cx},${fy} L${cx + 4},${fy + fh} Z`, fill: f.color, class: `feedback ${f.kind}`, 'data-feedback-id': f.id });
    activate(mark, f.tsMs, f.title);
    svg.appendChild(mark);
  }
  // The window the plots are zoomed to, outlined (hidden while they show the whole range).
  const zoomed = element('rect', { x: 0, y: 0.5, width: STRIP_WIDTH, height: STRIP_HEIGHT - 1, class: 'strip-window', visibility: 'hidden' });
  svg.appendChild(zoomed);
  const cursor = element('rect', { x: 0, y: 0, width: 2, height: STRIP_HEIGHT, class: 'strip-cursor' });
  svg.appendChild(cursor);
  return {
    /** Outlines the plots' window on the strip; the whole range hides the outline. */
    showWindow(view) {
      const whole = view.startMs <= range.startMs && view.endMs >= range.endMs;
      const b = band(view.startMs, view.endMs, 2);
      zoomed.setAttribute('visibility', whole || !b ? 'hidden' : 'visible');
      if (b) (zoomed.setAttribute('x', b.x.toFixed(1)), zoomed.setAttribute('width', b.width.toFixed(1)));
    },
    moveCursor(tMs) {
      const x = ((tMs - range.startMs) / Math.max(1, range.endMs - range.startMs)) * STRIP_WIDTH;
      cursor.setAttribute('x', Math.max(0, Math.min(STRIP_WIDTH - 2, x - 1)).toFixed(1));
    },
  };
}
