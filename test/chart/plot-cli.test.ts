import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../cli/run-cli.ts';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-plot-'));
  db = join(dir, 'telltale.duckdb');
  const r = await runCli(['ingest', join(ROOT, 'fixtures/twizy-rsk/T3_04_22_2021_1.csv'), '--db', db, '--device', 'twizy', '--profile', 'twizy-rsk']);
  expect(r.code).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale plot', () => {
  it('writes a PNG of the size asked for, on a distance axis', async () => {
    const out = join(dir, 'trip.png');
    const r = await runCli(['plot', '--db', db, '--device', 'twizy', '--x', 'distance', '--width', '600', '--height', '400', '--out', out]);
    expect(r.stderr).toContain('image/png');
    expect(r.code).toBe(0);
    const png = readFileSync(out);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([600, 400]);
  }, 60_000);

  it('writes the spec and a public SVG', async () => {
    const spec = join(dir, 'trip.vl.json');
    expect((await runCli(['plot', '--db', db, '--device', 'twizy', '--units', 'imperial', '--out', spec])).code).toBe(0);
    expect(JSON.parse(readFileSync(spec, 'utf8')).$schema).toMatch(/vega-lite/);
    const svg = join(dir, 'public.svg');
    expect((await runCli(['plot', '--db', db, '--device', 'twizy', '--public', '--out', svg])).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).not.toContain('twizy');
  }, 60_000);

  it('refuses an unknown extension and an unknown device, saying why', async () => {
    const bad = await runCli(['plot', '--db', db, '--device', 'twizy', '--out', join(dir, 'trip.gif')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('.svg, .png or .vl.json');
    const missing = await runCli(['plot', '--db', db, '--device', 'nope', '--out', join(dir, 'nope.svg')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no device 'nope'");
    expect(existsSync(join(dir, 'nope.svg'))).toBe(false);
  }, 60_000);
});
