import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { README_CHARTS, startDemoChartServer, withFormat, type DemoChartServer } from '../../scripts/docs/readme-charts.ts';
import { expectGolden, normalizeSvg } from './golden.ts';
import { labelTexts, outsideOf, overlapping, svgPlots, svgRects, svgSize, svgTexts, type SvgText } from './svg-geometry.ts';

// The charts the README shows, asked of the server `npm start` runs, the way the README asks:
// their SVG is golden, their layout is checked on what Vega drew, and the README quotes the very
// commands (scripts/docs/render-readme-charts.ts writes docs/*.png from the same requests).
const ROOT = join(import.meta.dirname, '../..');
const MODEL_S = README_CHARTS[0].path;
const CASES = [
  { name: 'model-s-2013-distance', path: MODEL_S },
  { name: 'model-s-2013-time', path: MODEL_S.replace('x=distance', 'x=time') },
  { name: 'twizy-rsk-trip', path: README_CHARTS[1].path },
];
/** A PNG's pixels (RGBA), decoded by drawing it into an SVG with resvg (no PNG decoder needed). */
function pixelsOf(png: Buffer, widthPx: number, heightPx: number): Uint8Array {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${widthPx}" height="${heightPx}"><image width="${widthPx}" height="${heightPx}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return new Resvg(svg, { background: 'white' }).render().pixels;
}

const sizeOf = (path: string) => ({ widthPx: Number(/width=(\d+)/.exec(path)![1]), heightPx: Number(/height=(\d+)/.exec(path)![1]) });

let server: DemoChartServer;
const svgs = new Map<string, string>();

beforeAll(async () => {
  server = await startDemoChartServer();
  for (const c of CASES) {
    const res = await server.get(withFormat(c.path, 'svg'));
    expect(res.status, c.path).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    svgs.set(c.name, await res.text());
  }
}, 180_000);

afterAll(async () => {
  await server?.close();
});

describe('the README’s charts, from the API', () => {
  it('are asked for in the README with the commands the picture script uses', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const chart of README_CHARTS) {
      expect(readme.includes(`http://127.0.0.1:8080${chart.path}`), `README.md quotes ${chart.path}`).toBe(true);
      expect(readme.includes(`(docs/${chart.name}.png)`), `README.md shows docs/${chart.name}.png`).toBe(true);
    }
  });

  it.each(CASES)('$name: the SVG is its golden file', ({ name }) => {
    expectGolden(normalizeSvg(svgs.get(name)!), join(import.meta.dirname, 'golden', `api-${name}.svg`));
  });

  it.each(CASES)('$name: fills the size asked for and draws an x-axis under the last panel', ({ name, path }) => {
    const svg = svgs.get(name)!;
    const { widthPx, heightPx } = sizeOf(path);
    const size = svgSize(svg);
    expect([size.width, size.height]).toEqual([widthPx, heightPx]);
    // The drawing is the canvas (within the pixel a legend symbol reaches out), not shrunk into it.
    expect(Math.abs(size.viewBoxWidth - widthPx)).toBeLessThanOrEqual(2);
    expect(Math.abs(size.viewBoxHeight - heightPx)).toBeLessThanOrEqual(2);
    const xTitle = path.includes('x=distance') ? /distance travelled \((mi|km)\)/ : /time \(UTC\)/;
    const titles = svgTexts(svg).filter((t) => t.markClass.includes('role-axis-title'));
    const xAxisTitle = titles.find((t) => xTitle.test(t.text));
    expect(xAxisTitle, 'x-axis title').toBeDefined();
    const plots = svgPlots(svg);
    const lastPanel = plots.filter((p) => p.bottom < xAxisTitle!.box.top).at(-1)!;
    expect(xAxisTitle!.box.top).toBeGreaterThan(lastPanel.bottom);
    const ticks = svgTexts(svg).filter((t) => t.markClass.includes('role-axis-label') && t.box.top > lastPanel.bottom && t.box.bottom < xAxisTitle!.box.top);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(CASES)('$name: no two texts overlap, and every label and call-out lies inside its plot', ({ name }) => {
    const svg = svgs.get(name)!;
    const texts = svgTexts(svg);
    const clash = overlapping(texts);
    expect(clash.map(([a, b]) => `${a.text} × ${b.text}`)).toEqual([]);
    const plots = svgPlots(svg);
    const labels = labelTexts(texts);
    expect(outsideOf(labels, plots).map((t) => t.text)).toEqual([]);
    // Boxes and tags of call-outs: inside the plot, clear of each other and of every label.
    const boxes = svgRects(svg, /role-mark (callout_box|callout_tag)_/);
    const asTexts: SvgText[] = boxes.map((box, k) => ({ text: `box ${k}`, markClass: 'box', box }));
    expect(outsideOf(asTexts, plots).map((t) => t.text)).toEqual([]);
    expect(overlapping(asTexts).map(([a, b]) => `${a.text} × ${b.text}`)).toEqual([]);
    const calloutTexts = labels.filter((t) => /callout_(text|number)_/.test(t.markClass));
    const strays = labels.filter((t) => !/callout_(text|number)_/.test(t.markClass)).filter((t) => boxes.some((b) => t.box.left < b.right && b.left < t.box.right && t.box.top < b.bottom && b.top < t.box.bottom));
    expect(strays.map((t) => t.text)).toEqual([]);
    // Each call-out's text is inside its own box.
    for (const t of calloutTexts) expect(boxes.some((b) => t.box.left >= b.left && t.box.right <= b.right && t.box.top >= b.top && t.box.bottom <= b.bottom), t.text).toBe(true);
  });

  it('shows the Model S places and every call-out the store holds (in a box or as a numbered note)', () => {
    const texts = svgTexts(svgs.get('model-s-2013-distance')!);
    const all = texts.map((t) => t.text.replace(/\n/g, ' ')).join(' | ');
    for (const place of ['Newark DE Supercharger', 'Milford CT Supercharger', 'Norwich CT public charger']) expect(all).toContain(place);
    for (const figure of ['Charged to 90 %', 'Stopped charging at 72 %', 'Left Norwich with 32 mi', 'Branford exit ramp', 'Cruise control set at 54 mph', 'Turned the heat down']) expect(all).toContain(figure);
  });

  it('puts the Model S stops where the published chart had them (miles)', async () => {
    const spec = (await (await server.get(withFormat(MODEL_S, 'vl.json'))).json()) as { datasets: { places: { name: string; x: number }[] } };
    const at = (prefix: string) => spec.datasets.places.filter((p) => p.name.startsWith(prefix)).map((p) => Math.round(p.x));
    // Published: Newark ~114, Milford ~314 (and again after the tow), Norwich ~404 mi.
    expect(at('Newark')).toEqual([114]);
    expect(at('Milford')[0]).toBe(314);
    expect(at('Norwich')).toEqual([405]);
  });

  // Not byte for byte (a rasteriser update may move an edge pixel): nearly every pixel the same.
  it.each(README_CHARTS)('docs/$name.png is what the README’s command returns today (else: npm run docs:charts)', async ({ name, path }) => {
    const res = await server.get(path);
    expect(res.status).toBe(200);
    const served = Buffer.from(await res.arrayBuffer());
    const committed = readFileSync(join(ROOT, 'docs', `${name}.png`));
    const { widthPx, heightPx } = sizeOf(path);
    expect([committed.readUInt32BE(16), committed.readUInt32BE(20)]).toEqual([widthPx, heightPx]);
    const a = pixelsOf(served, widthPx, heightPx);
    const b = pixelsOf(committed, widthPx, heightPx);
    let differing = 0;
    for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!) > 48) differing++;
    expect(differing / (widthPx * heightPx)).toBeLessThan(0.002);
  });

  it.each(CASES)('$name: the PNG is the size asked for', async ({ path }) => {
    const res = await server.get(withFormat(path, 'png'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const { widthPx, heightPx } = sizeOf(path);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([widthPx, heightPx]);
    expect(png.length).toBeGreaterThan(20_000);
  });
});
