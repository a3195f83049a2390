/**
 * Chart benchmark: a seeded 10 h drive at 1 Hz (36,000 rows), 3 panels (speed, charge with range,
 * temperatures), 20 events, a charge, a hole and call-outs, to SVG and to PNG — reduced to the
 * chart's pixel width as the API does, and the same spec without reduction, in the same run.
 * Target: PNG in < 300 ms. Prints a table, then ONE line of JSON with every figure.
 * Run: npm run bench:chart [-- --runs 5]
 */
import { cpus, loadavg } from 'node:os';
import { renderChart } from '../../src/chart/render-chart.ts';
import { buildChartSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { METRIC_UNITS, type ChartOptions } from '../../src/domain/chart/chart-input.ts';
import { syntheticDrive } from '../charts/synthetic-drive.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const SIZE = { widthPx: 1000, heightPx: 600 };
const input = syntheticDrive({ seconds: 36_000, events: 20, seed: 42 });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const round = (v: number) => Math.round(v * 10) / 10;

interface Figures {
  points: number;
  specMs: number;
  svgMs: number;
  pngMs: number;
  svgBytes: number;
  pngBytes: number;
}

async function measure(reduce: boolean): Promise<Figures> {
  const options: ChartOptions = { x: 'time', units: METRIC_UNITS, ...SIZE, title: 'bench', reduce };
  const spec: number[] = [];
  const svg: number[] = [];
  const png: number[] = [];
  let points = 0;
  let svgBytes = 0;
  let pngBytes = 0;
  // One warm-up run (module and JIT start-up are not what a request pays), then RUNS measured.
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now();
    const s = buildChartSpec(input, options);
    const t1 = performance.now();
    const svgText = (await renderChart(s, { format: 'svg', ...SIZE })) as string;
    const t2 = performance.now();
    // PNG as the API produces it: spec → SVG → PNG, so this time includes the SVG step.
    const pngBytesOut = (await renderChart(s, { format: 'png', ...SIZE })) as Buffer;
    const t3 = performance.now();
    if (run === 0) continue;
    spec.push(t1 - t0);
    svg.push(t2 - t1);
    png.push(t3 - t2);
    points = Object.values(s.datasets as Record<string, unknown[]>).reduce((n, rows) => n + rows.length, 0);
    svgBytes = svgText.length;
    pngBytes = pngBytesOut.length;
  }
  return { points, specMs: round(median(spec)), svgMs: round(median(svg)), pngMs: round(median(png)), svgBytes, pngBytes };
}

/**
 * The brief's own yardstick, measured in the same run: a plain 2,000-point line chart (about 30 ms
 * to SVG and 50 ms to PNG on an idle machine). On a shared, loaded machine everything is slower
 * by about the same factor; this line says by how much.
 */
async function reference(): Promise<{ svgMs: number; pngMs: number }> {
  const values = Array.from({ length: 2000 }, (_, i) => ({ x: i, v: Math.sin(i / 40) }));
  const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 800, height: 300, data: { values }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } } };
  const svg: number[] = [];
  const png: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now();
    await renderChart(spec, { format: 'svg', widthPx: 860, heightPx: 340 });
    const t1 = performance.now();
    await renderChart(spec, { format: 'png', widthPx: 860, heightPx: 340 });
    const t2 = performance.now();
    if (run === 0) continue;
    svg.push(t1 - t0);
    png.push(t2 - t1);
  }
  return { svgMs: round(median(svg)), pngMs: round(median(png)) };
}

const ref = await reference();
const reduced = await measure(true);
const full = await measure(false);
const line = (name: string, f: Figures) =>
  `${name.padEnd(12)} ${String(f.points).padStart(7)} points  spec ${String(f.specMs).padStart(7)} ms  svg ${String(f.svgMs).padStart(7)} ms  png ${String(f.pngMs).padStart(7)} ms  (svg ${Math.round(f.svgBytes / 1024)} KiB, png ${Math.round(f.pngBytes / 1024)} KiB)`;
process.stdout.write(`chart: ${input.series.length} rows, 3 panels, ${input.events.length} events, ${SIZE.widthPx}×${SIZE.heightPx}, median of ${RUNS} runs\n`);
process.stdout.write(`${line('reduced', reduced)}\n${line('unreduced', full)}\n`);
process.stdout.write(`reference    2000-point line: svg ${ref.svgMs} ms, png ${ref.pngMs} ms (idle machine: ~30 / ~50 ms); load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores\n`);
process.stdout.write(
  `${JSON.stringify({ bench: 'chart', rows: input.series.length, panels: 3, events: input.events.length, widthPx: SIZE.widthPx, heightPx: SIZE.heightPx, runs: RUNS, reduced, unreduced: full, reference2000Points: ref, loadAverage1m: Math.round(loadavg()[0]! * 10) / 10, cores: cpus().length, pngTargetMs: 300, pngUnderTarget: reduced.pngMs < 300 })}\n`,
);
