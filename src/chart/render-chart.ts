import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_FONT } from '../domain/chart/chart-input.ts';
import { textWidthPx } from '../domain/chart/text-width.ts';

export type ChartFormat = 'svg' | 'png' | 'vl.json';

export interface RenderOptions {
  format: ChartFormat;
  widthPx: number;
  heightPx: number;
  /** PNG pixels per chart pixel (2 for high-DPI screens). */
  scale?: number;
}

// The font ships with the npm dependencies, so a PNG is the same on every machine (no system fonts).
const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map((f) => join(FONT_DIR, f));

/** DejaVu Sans Bold is about this much wider than the regular face the width table measures. */
const BOLD_WIDTH_FACTOR = 1.1;

// Without a canvas, Vega guesses every text at 0.8 em a character, about 1.5 times DejaVu's real
// width: its layout then reserves room for text that is not there and the picture shrinks to fit.
// It measures with the font's own widths instead (the same table the label layout uses).
interface TextItem {
  fontSize?: number;
  limit?: number;
  fontWeight?: string | number;
}
// vega re-exports vega-scenegraph's textMetrics at run time; its typings leave it out.
const textMetrics = (vega as unknown as { textMetrics?: { width: (item: TextItem, text: unknown) => number } }).textMetrics;
if (!textMetrics) throw new Error('vega no longer exports textMetrics: the chart layout needs it to measure text');
textMetrics.width = (item: TextItem, text: unknown) => {
  const line = text == null ? '' : String(text).trim();
  const width = textWidthPx(line, item.fontSize != null ? Number(item.fontSize) || 0 : 11);
  const drawn = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? width * BOLD_WIDTH_FACTOR : width;
  // Vega cuts a text longer than its limit with "…" (calling this to find where): it is never wider.
  return item.limit !== undefined && item.limit > 0 ? Math.min(drawn, item.limit) : drawn;
};

/**
 * Vega-Lite warns when layers restate the same explicit domain (it merges them, with the same
 * result); those warnings would only flood the server log, so compile warnings are dropped and
 * errors still throw.
 */
const quietLogger = {
  level(this: unknown, _?: number) {
    return this;
  },
  error(...args: readonly unknown[]) {
    throw new Error(args.map(String).join(' '));
  },
  warn() {
    return quietLogger;
  },
  info() {
    return quietLogger;
  },
  debug() {
    return quietLogger;
  },
};

/**
 * Vega draws at its natural size. The builder lays the chart out to fill the size asked for (to a
 * pixel or two: a legend symbol may reach out), and the picture is set to exactly that size by
 * fitting the drawing into it: never cropped, white where it falls short.
 */
function fitSvg(svg: string, widthPx: number, heightPx: number): string {
  return svg.replace(/^<svg([^>]*)>/, (_, attrs: string) => {
    const natural = /viewBox="([^"]*)"/.exec(attrs)?.[1] ?? `0 0 ${widthPx} ${heightPx}`;
    const rest = attrs.replace(/\s(width|height|viewBox)="[^"]*"/g, '');
    return `<svg${rest} width="${widthPx}" height="${heightPx}" viewBox="${natural}" preserveAspectRatio="xMidYMin meet">`;
  });
}

/**
 * Spec → picture, the one rendering function: Vega-Lite compile → Vega parse → a headless View
 * (renderer 'none': no DOM, no canvas) → SVG; PNG rasterises that SVG with resvg and the bundled
 * DejaVu Sans. 'vl.json' is the spec itself, for anyone who wants to restyle it.
 */
export async function renderChart(spec: Record<string, unknown>, options: RenderOptions): Promise<string | Buffer> {
  if (options.format === 'vl.json') return `${JSON.stringify(spec)}\n`;
  const vega = compile(spec as unknown as TopLevelSpec, { logger: quietLogger as never }).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  let svg: string;
  try {
    svg = fitSvg(await view.toSVG(), options.widthPx, options.heightPx);
  } finally {
    view.finalize();
  }
  if (options.format === 'svg') return svg;
  const resvg = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: CHART_FONT },
    fitTo: { mode: 'zoom', value: options.scale ?? 1 },
    background: 'white',
  });
  return resvg.render().asPng();
}
