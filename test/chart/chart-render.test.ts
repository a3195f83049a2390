import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { syntheticDrive } from '../../scripts/charts/synthetic-drive.ts';
import { renderChart } from '../../src/chart/render-chart.ts';
import { buildChartSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { IMPERIAL_UNITS, METRIC_UNITS, type ChartInput, type ChartOptions } from '../../src/domain/chart/chart-input.ts';
import { publicChartInput } from '../../src/domain/chart/public-chart-input.ts';
import { expectGolden, normalizeSvg } from './golden.ts';

const SIZE = { widthPx: 640, heightPx: 420 };
const drive = syntheticDrive({ seconds: 7200, events: 4, seed: 7 });
const plain: ChartInput = { ...drive, events: [], places: [], callouts: [], periods: [] };

const kinds: [string, ChartInput, ChartOptions][] = [
  ['time-axis', plain, { x: 'time', units: METRIC_UNITS, ...SIZE, title: 'time axis' }],
  ['distance-axis', plain, { x: 'distance', units: IMPERIAL_UNITS, ...SIZE, title: 'distance axis' }],
  ['annotated', drive, { x: 'time', units: METRIC_UNITS, ...SIZE, title: 'bands, events, places, call-outs', power: true }],
  ['public', publicChartInput(drive), { x: 'time', units: METRIC_UNITS, ...SIZE, title: 'public', elapsedTime: true }],
];

describe('renderChart', () => {
  it.each(kinds)('draws the %s chart as its golden SVG', async (name, input, options) => {
    const svg = (await renderChart(buildChartSpec(input, options), { format: 'svg', ...SIZE })) as string;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`width="${SIZE.widthPx}" height="${SIZE.heightPx}"`);
    expectGolden(normalizeSvg(svg), join(import.meta.dirname, 'golden', `${name}.svg`));
  });

  it('writes a PNG of exactly width × height × scale that is not blank', async () => {
    const scale = 2;
    const png = (await renderChart(buildChartSpec(drive, { x: 'distance', units: METRIC_UNITS, ...SIZE }), { format: 'png', ...SIZE, scale })) as Buffer;
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(SIZE.widthPx * scale);
    expect(png.readUInt32BE(20)).toBe(SIZE.heightPx * scale);
    // Decode it (resvg draws the PNG as an image into pixels) and count what is not white.
    const w = SIZE.widthPx * scale;
    const h = SIZE.heightPx * scale;
    const wrapper = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}"><image width="${w}" height="${h}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
    const pixels = new Resvg(wrapper, { background: 'white' }).render().pixels;
    let inked = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 235 || pixels[i + 1]! < 235 || pixels[i + 2]! < 235) inked++;
    const share = inked / (w * h);
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.95);
  });

  it('cuts bands at the axis ends (resvg aborted the process on a far-reaching band beside a thin one)', async () => {
    const t0 = drive.series.tsMs[0]!;
    const t1 = drive.series.tsMs[drive.series.length - 1]!;
    const input: ChartInput = { ...plain, periods: [{ kind: 'gap', startMs: t0 - 10 * 86_400_000, endMs: t0 }, { kind: 'park', startMs: t0, endMs: t0 + 1000 }, { kind: 'drive', startMs: t0 + 1000, endMs: t1 + 86_400_000 }] };
    const spec = buildChartSpec(input, { x: 'time', units: METRIC_UNITS, ...SIZE });
    const bands = (spec.datasets as Record<string, { x: number; x2: number }[]>).periods!;
    expect(bands.every((b) => b.x >= t0 && b.x2 <= t1)).toBe(true);
    expect(bands.map((b) => b.x2 - b.x)).toEqual([1000, t1 - t0 - 1000]);
    const png = (await renderChart(spec, { format: 'png', ...SIZE })) as Buffer;
    expect(png.readUInt32BE(16)).toBe(SIZE.widthPx);
  });

  it('returns the spec itself as vl.json', async () => {
    const spec = buildChartSpec(plain, { x: 'time', units: METRIC_UNITS, ...SIZE });
    const text = (await renderChart(spec, { format: 'vl.json', ...SIZE })) as string;
    expect(JSON.parse(text)).toEqual(spec);
  });
});
