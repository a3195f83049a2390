// The replay's stacked plots (uPlot, served from node_modules): one time axis for all, the hover
// cursor synchronised between them, moments and annotations drawn as bands behind the lines, and a
// playhead that moves with playback (a DOM line over each plot, so playing never redraws a canvas).
import uPlot from '/assets/uplot.esm.js';
import { plotColumn } from './replay-model.js';

const PLOT_HEIGHT = 104;
/** The bottom plot carries the time axis for the stack. */
const AXIS_HEIGHT = 40;
const MIN_BAND_PX = 6;
const AXIS_WIDTH = 48;

/** Time ticks in UTC, 24-hour: dates alone when ticks are days apart, else the time with the date under a day's first tick. */
function timeLabels(splits) {
  const step = splits.length > 1 ? splits[1] - splits[0] : 0;
  let day = '';
  return splits.map((v) => {
    const iso = new Date(v).toISOString();
    if (step >= 86_400_000) return iso.slice(5, 10);
    const label = iso.slice(11, 16);
    if (iso.slice(0, 10) === day) return label;
    day = iso.slice(0, 10);
    return `${label}\n${iso.slice(5, 10)}`;
  });
}

/** The four plots and the channels each reads from /v1/devices/:id/timeline (schema units; converted here). */
export function plotDefinitions(units) {
  const same = (v) => v;
  return [
    {
      id: 'speed', title: `Speed (${units.speed.label})`,
      series: [{ column: 'speed_kph', label: 'Speed', unit: units.speed.label, convert: units.speed.convert, stroke: '#2b7bb9', scale: 'speed' }],
      axes: [{ scale: 'speed', label: units.speed.label }],
    },
    {
      id: 'energy', title: `State of charge (%) and range (${units.distance.label})`,
      series: [
        { column: 'soc_pct', label: 'SoC', unit: '%', convert: same, stroke: '#3a9d5d', scale: 'pct' },
        { column: 'range_km', label: 'Range', unit: units.distance.label, convert: units.distance.convert, stroke: '#8a6d00', scale: 'range', dash: [6, 3] },
      ],
      axes: [{ scale: 'pct', label: '%' }, { scale: 'range', label: units.distance.label, side: 1 }],
    },
    {
      id: 'temperature', title: `Temperatures (${units.temperature.label})`,
      series: [
        { column: 'battery_temp_c', label: 'Battery', unit: units.temperature.label, convert: units.temperature.convert, stroke: '#c0392b', scale: 'temp' },
        { column: 'outside_temp_c', label: 'Outside', unit: units.temperature.label, convert: units.temperature.convert, stroke: '#2980b9', scale: 'temp' },
        { column: 'cabin_setpoint_c', label: 'Cabin set-point', unit: units.temperature.label, convert: units.temperature.convert, stroke: '#8e44ad', scale: 'temp', dash: [4, 3] },
      ],
      axes: [{ scale: 'temp', label: units.temperature.label }],
    },
    {
      id: 'power', title: 'Power (kW, + drawn, − regenerated or charging)',
      series: [{ column: 'power_kw', label: 'Power', unit: 'kW', convert: same, stroke: '#d35400', scale: 'power', fill: 'rgba(211,84,0,0.08)' }],
      axes: [{ scale: 'power', label: 'kW' }],
    },
  ];
}

/** Timeline rows (ISO ts, schema units) as uPlot columns: ms, then one converted array per series (null breaks a line, undefined is drawn across). */
export function plotData(definition, rows) {
  const ts = rows.map((r) => Date.parse(r.ts));
  const channels = definition.series.map((s) => s.column);
  const columns = definition.series.map((s) => plotColumn(rows, s.column, channels, s.convert));
  return [ts, ...columns];
}

/**
 * Builds one plot into `target`. `range()` gives the window shown, [startMs, endMs] (the replay's
 * range, or the part zoomed to); `bands()` the moments and annotations to shade ({ startMs, endMs,
 * fill, label, id }); `onSeek(tMs)` is called on a click, `onZoom(fromMs, toMs)` on a drag across the plot.
 */
export function createPlot(target, definition, data, { range, bands, onSeek, onZoom, syncKey, showBandLabels, showTimeAxis }) {
  const height = PLOT_HEIGHT + (showTimeAxis ? AXIS_HEIGHT : 0);
  const logged = definition.series.map((s, i) => data[i + 1].some((v) => v !== null && v !== undefined));
  const drawn = { bands: [] };
  /** A drag ends with a click on the plot: that click zoomed, it does not seek. */
  let dragged = false;
  const opts = {
    width: Math.max(300, target.clientWidth),
    height,
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
    // A scale with no data (a channel the device does not log) keeps its axis, so the plots stay aligned.
    scales: {
      x: { time: true, range: () => range() },
      ...Object.fromEntries(definition.axes.map((a) => [a.scale, { range: (_u, min, max) => (min == null || max == null ? [0, 1] : uPlot.rangeNum(min, max, 0.1, true)) }])),
    },
    // A drag across a plot selects a window to zoom to (the scales are set by the page, for every plot at once).
    cursor: { sync: { key: syncKey }, drag: { x: true, y: false, setScale: false, dist: 5 }, points: { size: 5 } },
    legend: { show: false },
    series: [
      { label: 'UTC', value: (_u, v) => (v == null ? '–' : new Date(v).toISOString().slice(5, 19).replace('T', ' ')) },
      ...definition.series.map((s, i) => ({
        label: s.label,
        scale: s.scale,
        stroke: s.stroke,
        width: 1.5,
        dash: s.dash,
        fill: s.fill,
        spanGaps: false,
        value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)} ${s.unit}`),
      })),
    ],
    axes: [
      { show: showTimeAxis, stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, space: 70, values: (u, splits) => timeLabels(splits) },
      ...definition.axes.map((a) => ({ scale: a.scale, label: a.label, side: a.side ?? 3, size: AXIS_WIDTH, labelSize: 20, stroke: '#555', grid: { show: a.side !== 1, stroke: '#eee' }, ticks: { stroke: '#ddd' } })),
      // Every plot keeps room for a right-hand axis, so one time is at the same x on all of them.
      ...(definition.axes.some((a) => a.side === 1) ? [] : [{ scale: definition.axes[0].scale, side: 1, size: AXIS_WIDTH, label: ' ', labelSize: 20, stroke: 'transparent', grid: { show: false }, ticks: { show: false }, values: () => [] }]),
    ],
    hooks: {
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width < 5) return;
          dragged = true;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          onZoom(Math.round(u.posToVal(left, 'x')), Math.round(u.posToVal(left + width, 'x')));
        },
      ],
      // Bands under the lines: drawn when the plot redraws (data, size), not on every playback tick.
      drawClear: [
        (u) => {
          const { top, height } = u.bbox;
          const ctx = u.ctx;
          drawn.bands = [];
          ctx.save();
          for (const b of bands()) {
            const x0 = u.valToPos(b.startMs, 'x', true);
            const x1 = u.valToPos(b.endMs ?? b.startMs, 'x', true);
            const minPx = MIN_BAND_PX * uPlot.pxRatio;
            const w = Math.max(x1 - x0, minPx);
            const x = x1 - x0 < minPx ? (x0 + x1) / 2 - minPx / 2 : x0;
            if (x + w < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.fillStyle = b.fill;
            ctx.fillRect(x, top, w, height);
            drawn.bands.push(b.id);
          }
          ctx.restore();
        },
      ],
    },
  };
  // The title and the series keys above the plot, not over its data.
  const head = document.createElement('div');
  head.className = 'plot-head';
  const title = document.createElement('span');
  title.className = 'plot-title';
  title.textContent = definition.title;
  head.appendChild(title);
  definition.series.forEach((s, i) => {
    const key = document.createElement('span');
    key.className = `plot-key${logged[i] ? '' : ' absent'}`;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = s.stroke;
    key.append(swatch, logged[i] ? s.label : `${s.label}: not logged`);
    head.appendChild(key);
  });
  target.appendChild(head);
  const plot = new uPlot(opts, data, target);
  plot.root.setAttribute('aria-label', `${definition.title}: plot of the replayed range; click to move playback there`);
  plot.root.setAttribute('role', 'img');
  const playhead = document.createElement('div');
  playhead.className = 'playhead';
  plot.over.appendChild(playhead);
  const labels = document.createElement('div');
  labels.className = 'band-labels';
  plot.over.appendChild(labels);
  const placeLabels = () => {
    if (!showBandLabels) return;
    labels.replaceChildren();
    for (const b of bands()) {
      if (!b.label) continue;
      const x = plot.valToPos(b.startMs, 'x');
      if (x < 0 || x > plot.over.clientWidth) continue;
      const el = document.createElement('span');
      el.className = `band-label ${b.cls ?? ''}`;
      el.textContent = b.label;
      el.style.transform = `translateX(${Math.round(x + 3)}px)`;
      labels.appendChild(el);
    }
  };
  placeLabels();
  plot.over.addEventListener('click', () => {
    if (dragged) return void (dragged = false);
    if (plot.cursor.left == null || plot.cursor.left < 0) return;
    onSeek(Math.round(plot.posToVal(plot.cursor.left, 'x')));
  });
  return {
    id: definition.id,
    plot,
    drawn,
    logged,
    /** Moves the playhead (CSS only: the canvas is not redrawn). Returns its x in CSS px. */
    moveHead(tMs) {
      const x = plot.valToPos(tMs, 'x');
      playhead.style.transform = `translateX(${x.toFixed(1)}px)`;
      return x;
    },
    redraw() {
      plot.redraw(false, false);
      placeLabels();
    },
    /** Shows the window `range()` now gives (after a zoom, or playback moving it on). */
    showWindow() {
      const [min, max] = range();
      plot.setScale('x', { min, max });
      placeLabels();
    },
    /** New rows (a finer read for a zoomed window). */
    setData(next) {
      plot.setData(next);
      placeLabels();
    },
    resize(width) {
      plot.setSize({ width: Math.max(300, width), height });
      placeLabels();
    },
  };
}
