import { clampWindow, isWholeRange, needsFinerRows, zoomWindow } from './replay-model.js';
import { plotData, plotDefinitions } from './replay-plots.js';

/**
 * The window the replay's plots show: zoom in and out about the playhead, and the plots' rows for
 * a window, read again at a finer step when a zoomed window needs them (the latest read wins).
 * `page` gives what the player owns: its state, the device's API root, the whole range, the
 * current strip and units, and the page's elements by id.
 */
export function createReplayView(page) {
  const { state, api, range, $ } = page;
  let reading = 0;

  /**
   * The plots' rows for a window, one read per plot: the same number of points for any window, so a
   * zoomed window is read again at a finer step (bucketed by DuckDB, holes kept as null rows).
   */
  function readSeries(definitions, window) {
    return definitions.map(async (d) => {
      const columns = d.series.map((s) => s.column);
      const url = `${api}/timeline?from=${Math.floor(window.startMs)}&to=${Math.ceil(window.endMs) + 1}&columns=ts,${columns.join(',')}&maxPoints=${Math.min(100_000, (2 * columns.length + 2) * 1200 + 4)}`;
      const r = await fetch(url);
      if (!r.ok) throw new Error(`${url.split('?')[0]} answered ${r.status}`);
      return r.json();
    });
  }

  function countRowsInView() {
    const ts = state.plots[0]?.plot.data[0] ?? [];
    let n = 0;
    for (const t of ts) if (t >= state.view.startMs && t <= state.view.endMs) n++;
    state.rowsInView = n;
  }

  /** Shows `view` on every plot and the strip; reads finer rows when the window needs them. */
  function setView(view) {
    state.view = view;
    for (const p of state.plots) p.showWindow();
    page.strip().showWindow?.(view);
    $('zoom-out').disabled = $('zoom-reset').disabled = isWholeRange(view, range());
    countRowsInView();
    if (!state.loaded || !needsFinerRows(state.fetched, view)) return;
    const span = view.endMs - view.startMs;
    const wanted = isWholeRange(view, range()) ? range() : clampWindow(view.startMs - span / 4, view.endMs + span / 4, range());
    const ticket = ++reading;
    state.fetched = wanted;
    Promise.all(readSeries(plotDefinitions(page.units()), wanted)).then((series) => {
      if (ticket !== reading) return;
      state.plots.forEach((p, i) => p.setData(plotData(p.definition, series[i].rows)));
      countRowsInView();
      state.rowsRead = (state.rowsRead ?? 0) + 1;
    }, (err) => ($('status').textContent = `could not read the zoomed rows: ${err.message}`));
  }

  /** Zooms by `factor` (0.5 in, 2 out) about the playhead when it is in the window. */
  function zoomBy(factor) {
    const pos = state.displayMs;
    const about = pos >= state.view.startMs && pos <= state.view.endMs ? pos : undefined;
    setView(zoomWindow(state.view, range(), factor, about));
  }

  return { readSeries, setView, zoomBy };
}
