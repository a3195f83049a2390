/**
 * Measures the advance width of each character the charts print in DejaVu Sans (the bundled font
 * every PNG is drawn with), by rasterising "|c|" and "||" with resvg and taking the difference of
 * their ink widths. Prints the table src/domain/chart/text-width.ts keeps (em units ×1000).
 * Run: npx node scripts/charts/measure-font-widths.ts
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);
const FONT = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
const SIZE = 1000;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function inkWidth(text: string): number {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE * 40}" height="${SIZE * 2}"><text x="10" y="${SIZE * 1.2}" font-family="DejaVu Sans" font-size="${SIZE}" xml:space="preserve">${esc(text)}</text></svg>`;
  const box = new Resvg(svg, { font: { fontFiles: [FONT], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).getBBox();
  if (!box) throw new Error(`nothing drawn for ${JSON.stringify(text)}`);
  return box.width;
}

const chars = [...Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)), '—', '–', '°', '·', '≥', '≤', '…', '−', '→', 'é', '×'];
const bars = inkWidth('||');
const widths: Record<string, number> = {};
for (const c of chars) widths[c] = Math.round(inkWidth(`|${c}|`) - bars);
process.stdout.write(`${JSON.stringify(widths)}\n`);
