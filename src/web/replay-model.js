// The replay page's pure parts: unit conversion for display, the GPS track cut at gaps, moments to
// jump between, and where a time falls on a strip. No DOM here: test/web/replay-model.test.ts runs
// these in Node, and replay-model.d.ts declares them for the type checker.

const KM_PER_MI = 1.609344;

/** Display units of a unit system ('metric' | 'imperial'); values arrive in the schema's units. */
export function displayUnits(system) {
  const imperial = system === 'imperial';
  return {
    system: imperial ? 'imperial' : 'metric',
    speed: imperial ? { label: 'mph', convert: (kph) => kph / KM_PER_MI } : { label: 'km/h', convert: (kph) => kph },
    distance: imperial ? { label: 'mi', convert: (km) => km / KM_PER_MI } : { label: 'km', convert: (km) => km },
    temperature: imperial ? { label: '°F', convert: (c) => (c * 9) / 5 + 32 } : { label: '°C', convert: (c) => c },
  };
}

/** The display unit of a schema column or evidence signal named with its unit (speed_kph, range_km, outside_temp_c). */
export function unitOfSignal(signal, units) {
  if (/_kwh_per_km$/.test(signal)) return { label: `kWh/${units.distance.label}`, convert: (v) => v / units.distance.convert(1) };
  if (/_per_km$/.test(signal)) return undefined;
  if (/_kph$/.test(signal)) return units.speed;
  if (/_km$/.test(signal)) return units.distance;
  if (/_c$/.test(signal)) return units.temperature;
  if (/_pct$/.test(signal)) return { label: '%', convert: (v) => v };
  if (/_kw$/.test(signal)) return { label: 'kW', convert: (v) => v };
  if (/_kwh$/.test(signal)) return { label: 'kWh', convert: (v) => v };
  return undefined;
}

/** A value for a read-out or the evidence panel: converted and rounded, '–' when absent. */
export function formatValue(value, unit, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (typeof value !== 'number') return String(value);
  return (unit ? unit.convert(value) : value).toFixed(digits);
}

/**
 * The GPS track as separate lines, never a straight line across a gap: a row without a position
 * (the timeline puts an all-null row in every hole) ends a line, and so does a step longer than
 * maxStepMs between two positions (holes shorter than the timeline's own threshold, or raw rows).
 * Returns lines of [lon, lat, tsMs]; a line of one point is kept (a stop between two gaps).
 */
export function trackSegments(rows, maxStepMs) {
  const lines = [];
  let line = [];
  let lastTs;
  for (const r of rows) {
    const fixed = r.lat !== null && r.lat !== undefined && r.lon !== null && r.lon !== undefined;
    if (!fixed || (lastTs !== undefined && r.ts - lastTs > maxStepMs)) {
      if (line.length) lines.push(line);
      line = [];
      lastTs = undefined;
      if (!fixed) continue;
    }
    line.push([r.lon, r.lat, r.ts]);
    lastTs = r.ts;
  }
  if (line.length) lines.push(line);
  return lines;
}

/**
 * One plot series from timeline rows: null where the row is one of the timeline's hole rows (every
 * fetched channel empty: the line breaks there), undefined where only this channel has no sample
 * (a channel logged more sparsely than the others: uPlot draws across it), else the value converted.
 */
export function plotColumn(rows, column, channels, convert) {
  return rows.map((r) => {
    const v = r[column];
    if (v !== null && v !== undefined) return convert(v);
    return channels.every((c) => r[c] === null || r[c] === undefined) ? null : undefined;
  });
}

/** Moments sorted by start; the next one starting after positionMs (direction 1) or the previous one before it (−1). */
export function adjacentMoment(moments, positionMs, direction) {
  const sorted = [...moments].sort((a, b) => a.startMs - b.startMs);
  // A second's slack: after a jump the position sits on the moment's start, and "next" must move on.
  if (direction === 1) return sorted.find((m) => m.startMs > positionMs + 1000);
  return [...sorted].reverse().find((m) => m.startMs < positionMs - 1000);
}

/**
 * The moment the evidence panel shows at positionMs: one under the position (the latest started),
 * else the latest before it, else the first after it.
 */
export function momentAt(moments, positionMs) {
  const sorted = [...moments].sort((a, b) => a.startMs - b.startMs);
  const started = sorted.filter((m) => m.startMs <= positionMs);
  const under = started.filter((m) => (m.endMs ?? m.startMs) >= positionMs);
  return under.at(-1) ?? started.at(-1) ?? sorted[0];
}

/**
 * A band for [startMs, endMs] on a strip of `width` showing [rangeStartMs, rangeEndMs]: clipped to
 * the strip and at least minWidth wide (a moment is visible, not a hairline); undefined when outside.
 */
export function bandOnStrip(startMs, endMs, rangeStartMs, rangeEndMs, width, minWidth) {
  const span = Math.max(1, rangeEndMs - rangeStartMs);
  const end = endMs ?? startMs;
  if (end < rangeStartMs || startMs > rangeEndMs) return undefined;
  let x0 = ((Math.max(startMs, rangeStartMs) - rangeStartMs) / span) * width;
  let x1 = ((Math.min(end, rangeEndMs) - rangeStartMs) / span) * width;
  if (x1 - x0 < minWidth) {
    const mid = (x0 + x1) / 2;
    x0 = Math.max(0, Math.min(width - minWidth, mid - minWidth / 2));
    x1 = x0 + minWidth;
  }
  return { x: x0, width: x1 - x0 };
}

/**
 * Where playback is between two frames: the last frame's position moved on at the playing speed for
 * the wall time since it arrived, never past the next frame's reach (a tick ahead) or the range end.
 */
export function interpolatedPosition(anchor, nowMs) {
  if (!anchor.playing) return anchor.positionMs;
  const ahead = Math.min((nowMs - anchor.receivedAtMs) * anchor.speed, anchor.maxAheadMs);
  return Math.min(anchor.endMs, anchor.positionMs + Math.max(0, ahead));
}

/** The narrowest window the plots zoom to: a minute, or the whole range when it is shorter. */
export const MIN_ZOOM_MS = 60_000;

/** A window [startMs, endMs] moved and cut to lie inside range, at least MIN_ZOOM_MS wide (or the whole range). */
export function clampWindow(startMs, endMs, range) {
  const full = range.endMs - range.startMs;
  const span = Math.min(full, Math.max(MIN_ZOOM_MS, endMs - startMs));
  const start = Math.min(range.endMs - span, Math.max(range.startMs, startMs));
  return { startMs: start, endMs: start + span };
}

/**
 * The plots' window zoomed by `factor` (< 1 in, > 1 out) about `centerMs` (kept at the same place
 * on the plot), clamped to the range; zooming out past the range gives the range.
 */
export function zoomWindow(view, range, factor, centerMs = (view.startMs + view.endMs) / 2) {
  const at = Math.min(view.endMs, Math.max(view.startMs, centerMs));
  const share = (at - view.startMs) / Math.max(1, view.endMs - view.startMs);
  const span = (view.endMs - view.startMs) * factor;
  return clampWindow(at - share * span, at - share * span + span, range);
}

/** True when the window shows the whole range (not zoomed). */
export const isWholeRange = (view, range) => view.startMs <= range.startMs && view.endMs >= range.endMs;

/**
 * The window following playback: unchanged while the position is inside it; once the position
 * leaves it (played past its end, or a seek elsewhere), a window of the same width with the
 * position a tenth of the way in, clamped to the range.
 */
export function followWindow(view, range, positionMs) {
  if (positionMs >= view.startMs && positionMs <= view.endMs) return view;
  const span = view.endMs - view.startMs;
  return clampWindow(positionMs - span / 10, positionMs - span / 10 + span, range);
}

/**
 * Whether the plots need rows read again for a window: the rows in hand cover another stretch, or
 * a stretch so much wider (twice or more) that the window would show a coarser reduction than a
 * fresh read at the same number of points gives.
 */
export function needsFinerRows(fetched, view) {
  if (!fetched) return true;
  if (view.startMs < fetched.startMs || view.endMs > fetched.endMs) return true;
  return fetched.endMs - fetched.startMs >= 2 * (view.endMs - view.startMs);
}
