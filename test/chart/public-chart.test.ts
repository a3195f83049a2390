import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { README_CHARTS, startDemoChartServer, withFormat, type DemoChartServer } from '../../scripts/docs/readme-charts.ts';

// `public=true` is what an analyst key always gets and what may be published: the drawn chart must
// carry no place, coordinate, device id or clock time. Everything a reader or a screen reader could
// get from the SVG is scanned: text, <title>/<desc>, aria labels; and every string of the spec.
const FIXTURES = join(import.meta.dirname, '../../fixtures/model-s-2013');
const chargers = readFileSync(join(FIXTURES, 'chargers.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
const places = JSON.parse(readFileSync(join(FIXTURES, 'places.json'), 'utf8')) as { name: string; lat: number; lon: number }[];
/** Names and the words that make them a place (no "charger", "public", "stop": those are kinds). */
const PLACE_WORDS = [...new Set([...chargers.map((c) => c[1]!), ...places.map((p) => p.name)].flatMap((name) => name.split(/[\s(),;]+/)).filter((w) => /^[A-Z][a-z]{3,}/.test(w)))]
  .filter((w) => !['Public', 'Supercharger'].includes(w));
const COORDINATES = [...chargers.flatMap((c) => [c[2]!, c[3]!]), ...places.flatMap((p) => [String(p.lat), String(p.lon)])];
const DEVICE_IDS = ['model-s-2013', 'twizy-rsk', 'twizy'];
const ABSOLUTE_TIME = [/\b(19|20)\d\d\b/, /\d{4}-\d\d-\d\d/, /\b\d{1,2}:\d\d\b/, /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b/, /\bUTC\b/, /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b/];
/** A number written to 3 or more decimals is what a coordinate looks like. */
const LAT_LON = /-?\d{1,3}\.\d{3,}/;

const CASES = [
  { name: 'Model S, distance', path: `${README_CHARTS[0].path}&public=true` },
  { name: 'Model S, time', path: `${README_CHARTS[0].path.replace('x=distance', 'x=time')}&public=true` },
  { name: 'Twizy trip', path: `${README_CHARTS[1].path}&public=true` },
];

/** What the SVG says in words: text content, titles, descriptions and aria labels. */
function readableText(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/<(text|title|desc)\b[^>]*>([\s\S]*?)<\/\1>/g)) out.push(m[2]!.replace(/<[^>]+>/g, ' '));
  for (const m of svg.matchAll(/\saria-[a-z]+="([^"]*)"/g)) out.push(m[1]!);
  return out.map((s) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&quot;/g, '"'));
}

function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(k), stringsOf(v, out);
  return out;
}

function leaks(texts: readonly string[]): string[] {
  const found: string[] = [];
  for (const t of texts) {
    for (const w of PLACE_WORDS) if (new RegExp(`\\b${w}\\b`).test(t)) found.push(`place "${w}" in "${t}"`);
    for (const c of COORDINATES) if (t.includes(c)) found.push(`coordinate ${c} in "${t}"`);
    if (LAT_LON.test(t)) found.push(`coordinate-like number in "${t}"`);
    for (const id of DEVICE_IDS) if (t.includes(id)) found.push(`device id in "${t}"`);
    for (const re of ABSOLUTE_TIME) if (re.test(t)) found.push(`absolute time ${re} in "${t}"`);
  }
  return found;
}

let server: DemoChartServer;
beforeAll(async () => {
  server = await startDemoChartServer();
}, 180_000);
afterAll(async () => {
  await server?.close();
});

describe('public=true charts of the demo data', () => {
  it('the scan finds what the ordinary chart shows (so it can fail)', async () => {
    const svg = await (await server.get(withFormat(README_CHARTS[0].path.replace('x=distance', 'x=time'), 'svg'))).text();
    const found = leaks(readableText(svg));
    for (const what of ['place "Newark"', 'place "Milford"', 'device id', 'absolute time']) expect(found.some((f) => f.startsWith(what)), what).toBe(true);
    expect(PLACE_WORDS).toEqual(expect.arrayContaining(['Newark', 'Milford', 'Norwich', 'Madison', 'Groton', 'Branford']));
  });

  it.each(CASES)('$name: the SVG names no place, coordinate, device or clock time', async ({ path }) => {
    const res = await server.get(withFormat(path, 'svg'));
    expect(res.status).toBe(200);
    const texts = readableText(await res.text());
    expect(texts.length).toBeGreaterThan(20);
    expect(leaks(texts)).toEqual([]);
    // Time is relative, distance is distance.
    expect(texts.some((t) => /time since start \(h\)|distance travelled/.test(t))).toBe(true);
  });

  it.each(CASES)('$name: nor does any string of its Vega-Lite spec, which has no position either', async ({ path }) => {
    const res = await server.get(withFormat(path, 'vl.json'));
    expect(res.status).toBe(200);
    const spec = (await res.json()) as Record<string, unknown>;
    expect(leaks(stringsOf(spec).filter((s) => s !== '$schema' && !s.startsWith('https://vega.github.io/')))).toEqual([]);
    expect(stringsOf(spec).filter((s) => ['lat', 'lon', 'latitude', 'longitude'].includes(s))).toEqual([]);
  });

  it('keeps the story: chargers marked by kind, claims in words with their verdicts', async () => {
    const texts = readableText(await (await server.get(withFormat(CASES[0]!.path, 'svg'))).text()).join(' | ');
    expect(texts).toContain('charger');
    expect(texts).toContain('state of charge ≥ 90 % — supported');
    expect(texts).toContain('cabin set-point lowered — contradicted');
  });
});
