import type { ChartCallout, ChartSeries } from './chart-input.ts';
import type { ChartOverlay, PanelPlacement } from './chart-overlay.ts';
import { valueAtMs } from './chart-rows.ts';
import type { ChartXAxis } from './chart-x-axis.ts';

/** DejaVu Sans at 10 px averages about this much per character. */
const CHAR_WIDTH_PX = 5.8;
const LINE_HEIGHT_PX = 12;
const WRAP_CHARS = 46;
const MAX_LINES = 3;
const GAP_PX = 4;
const VERDICT_COLORS: Record<string, string> = { supported: '#2a7d2e', contradicted: '#d62728', refuted: '#d62728', not_enough_data: '#f0a30a' };

/** The call-out text in lines of at most WRAP_CHARS, the verdict of a checked claim last. */
export function calloutLines(c: Pick<ChartCallout, 'text' | 'verdict'>): string[] {
  const words = (c.verdict ? `${c.text} — ${c.verdict.replaceAll('_', ' ')}` : c.text).split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= WRAP_CHARS) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word.length > WRAP_CHARS ? `${word.slice(0, WRAP_CHARS - 1)}…` : word);
  }
  if (lines.length > MAX_LINES) lines.splice(MAX_LINES - 1, lines.length, `${lines[MAX_LINES - 1]!.slice(0, WRAP_CHARS - 1)}…`);
  return lines;
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const overlaps = (a: Box, b: Box) => a.left < b.right + GAP_PX && b.left < a.right + GAP_PX && a.top < b.bottom + GAP_PX && b.top < a.bottom + GAP_PX;

/**
 * Boxed text with a leader line to the logged value it talks about. The layout is done in pixels
 * (y down): a box goes beside its point, below it when the point is high and above when it is low,
 * and steps further away until it overlaps no earlier box. It is then converted to data units
 * through the panel's fixed domains, so the spec stays plain Vega-Lite.
 */
export function callouts(items: readonly ChartCallout[], series: ChartSeries, xAxis: ChartXAxis): ChartOverlay {
  const datasets: Record<string, unknown[]> = {};
  return {
    datasets,
    layersFor: ({ panel, plotWidthPx: w, plotHeightPx: h, xDomain }: PanelPlacement) => {
      const [x0, x1] = xDomain;
      const placed: Box[] = [];
      const rowsByChannel = new Map<string, Record<string, unknown>[]>();
      for (const c of [...items].sort((a, b) => a.atMs - b.atMs)) {
        const channel = panel.channels[c.channel];
        if (!channel) continue;
        const raw = valueAtMs(series.tsMs, series[c.channel], c.atMs);
        const x = xAxis.toX(c.atMs);
        if (Number.isNaN(raw) || x < x0 || x > x1) continue;
        const [y0, y1] = channel.domain;
        const y = Math.min(y1, Math.max(y0, channel.convert(raw)));
        const px = ((x - x0) / (x1 - x0)) * w;
        const py = (1 - (y - y0) / (y1 - y0)) * h;
        const lines = calloutLines(c);
        const boxW = Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH_PX + 10;
        const boxH = lines.length * LINE_HEIGHT_PX + 6;
        const left = Math.min(w - boxW, Math.max(0, px + 24 + boxW > w ? px - 24 - boxW : px + 24));
        const down = py < h * 0.45;
        let box: Box = { left, right: left + boxW, top: 0, bottom: 0 };
        for (let step = 0; step < 12; step++) {
          const offset = 18 + step * (boxH / 2 + GAP_PX);
          const top = Math.min(h - boxH, Math.max(0, down ? py + offset : py - offset - boxH));
          box = { ...box, top, bottom: top + boxH };
          if (!placed.some((p) => overlaps(p, box))) break;
        }
        placed.push(box);
        const toX = (p: number) => x0 + (p / w) * (x1 - x0);
        const toY = (p: number) => y0 + (1 - p / h) * (y1 - y0);
        const rows = rowsByChannel.get(c.channel) ?? [];
        rowsByChannel.set(c.channel, rows);
        rows.push({
          x, y,
          cx: toX((box.left + box.right) / 2), cy: toY((box.top + box.bottom) / 2), ty: toY(box.top + 3),
          bx: toX(box.left), bx2: toX(box.right), by: toY(box.bottom), by2: toY(box.top),
          text: lines,
          stroke: (c.verdict && VERDICT_COLORS[c.verdict]) || '#333333',
        });
      }
      // Same scale as the panel's x (an x field without the domain would widen it).
      const xOf = (field: string) => ({ ...xAxis.encoding(false), field });
      const yOf = (field: string, domain: [number, number]) => ({ field, type: 'quantitative', scale: { domain, nice: false, zero: false }, axis: null });
      const layers: Record<string, unknown>[] = [];
      // A layer has one y scale: call-outs are grouped by the channel (and so the domain) they point into.
      for (const [channelName, rows] of rowsByChannel) {
        const domain = panel.channels[channelName as keyof typeof panel.channels]!.domain;
        const name = `callouts-${panel.id}-${channelName}`;
        datasets[name] = rows;
        const data = { name };
        layers.push(
          { data, mark: { type: 'rule', color: '#333333', strokeWidth: 1 }, encoding: { x2: { field: 'cx' }, y: yOf('y', domain), y2: { field: 'cy' } } },
          { data, mark: { type: 'point', filled: true, size: 18, color: '#333333', opacity: 1 }, encoding: { y: yOf('y', domain) } },
          {
            data,
            mark: { type: 'rect', fill: 'white', strokeWidth: 1 },
            encoding: { x: xOf('bx'), x2: { field: 'bx2' }, y: yOf('by', domain), y2: { field: 'by2' }, stroke: { field: 'stroke', type: 'nominal', scale: null } },
          },
          {
            data,
            mark: { type: 'text', fontSize: 10, align: 'center', baseline: 'top', lineHeight: LINE_HEIGHT_PX, color: '#111111' },
            encoding: { x: xOf('cx'), y: yOf('ty', domain), text: { field: 'text' } },
          },
        );
      }
      return layers;
    },
  };
}
