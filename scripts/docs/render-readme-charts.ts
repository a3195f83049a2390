/**
 * Renders the README's chart pictures by asking the real server for them: the demo server of
 * `npm start` (scripts/docs/readme-charts.ts) answers the README's own chart commands, and each
 * PNG is written to docs/ as it came over HTTP. Nothing here builds or draws a chart.
 * Run: npm run docs:charts   (prints one line of JSON: the files written, their bytes and pixel sizes)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { README_CHARTS, startDemoChartServer } from './readme-charts.ts';

const DOCS = join(import.meta.dirname, '../../docs');
mkdirSync(DOCS, { recursive: true });
const server = await startDemoChartServer((msg) => process.stderr.write(`${msg}\n`));
try {
  const written: Record<string, { bytes: number; widthPx: number; heightPx: number }> = {};
  for (const chart of README_CHARTS) {
    const res = await server.get(chart.path);
    if (res.status !== 200) throw new Error(`${chart.path}: HTTP ${res.status} ${await res.text()}`);
    const png = Buffer.from(await res.arrayBuffer());
    const file = `docs/${chart.name}.png`;
    writeFileSync(join(DOCS, `${chart.name}.png`), png);
    written[file] = { bytes: png.length, widthPx: png.readUInt32BE(16), heightPx: png.readUInt32BE(20) };
  }
  process.stdout.write(`${JSON.stringify({ written })}\n`);
} finally {
  await server.close();
}
