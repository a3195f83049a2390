import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LegLabelSchema, MomentLabelSchema } from '../../src/simulate/moment-label.ts';
import { runCli } from '../cli/run-cli.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-simulate-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale simulate', () => {
  it('writes a fleet that telltale ingest takes with zero rejected rows, plus its ground truth', async () => {
    const out = join(dir, 'fleet');
    const sim = await runCli(['simulate', '--seed', '7', '--devices', '3', '--days', '2', '--out', out, '--json']);
    expect(sim.stderr).toBe('');
    expect(sim.code).toBe(0);
    const summary = JSON.parse(sim.stdout);
    expect(summary).toMatchObject({ devices: 3, days: 2, out });
    expect(summary.rows).toBeGreaterThan(10_000);

    const files = readdirSync(out).sort();
    expect(files).toEqual(['chargers.csv', 'devices.json', 'labels.json', 'legs.json', 'sim-0000.csv.gz', 'sim-0001.csv.gz', 'sim-0002.csv.gz']);
    const header = gunzipSync(readFileSync(join(out, 'sim-0000.csv.gz'))).toString('utf8').split('\n', 1)[0];
    expect(header).toBe('device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes');
    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as unknown[];
    const legs = JSON.parse(readFileSync(join(out, 'legs.json'), 'utf8')) as unknown[];
    expect(labels.every((l) => Value.Check(MomentLabelSchema, l))).toBe(true);
    expect(legs.length).toBeGreaterThan(3);
    expect(legs.every((l) => Value.Check(LegLabelSchema, l))).toBe(true);
    expect(summary.legs).toBe(legs.length);
    const devices = JSON.parse(readFileSync(join(out, 'devices.json'), 'utf8'));
    expect(devices.map((d: { id: string }) => d.id)).toEqual(['sim-0000', 'sim-0001', 'sim-0002']);
    expect(readFileSync(join(out, 'chargers.csv'), 'utf8').split('\n', 1)[0]).toBe('charger_id,name,lat,lon,power_kw');

    const db = join(dir, 'telltale.duckdb');
    const gz = files.filter((f) => f.endsWith('.csv.gz')).map((f) => join(out, f));
    const ingest = await runCli(['ingest', ...gz, '--db', db, '--json']);
    expect(ingest.code).toBe(0);
    const result = JSON.parse(ingest.stdout);
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ accepted: summary.rows, rejected: 0, duplicates: 0 });
  });

  it('refuses to write into a directory that is not empty', async () => {
    const r = await runCli(['simulate', '--seed', '7', '--devices', '1', '--days', '1', '--out', join(dir, 'fleet')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not empty; give a new directory');
  });

  it('--config draws the fleet from a named configuration; an unknown one is refused, naming the known ones', async () => {
    const out = join(dir, 'cold');
    const sim = await runCli(['simulate', '--seed', '3', '--devices', '2', '--days', '1', '--config', 'holdout-cold', '--out', out, '--json']);
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.stdout)).toMatchObject({ devices: 2, config: 'holdout-cold' });
    const devices = JSON.parse(readFileSync(join(out, 'devices.json'), 'utf8')) as { climate: string; cutoffSocPct: number; quirks: { wording: string } }[];
    for (const d of devices) {
      expect(['nordic', 'prairie']).toContain(d.climate);
      expect(d.cutoffSocPct).toBeLessThanOrEqual(2);
      expect(['words', 'off', 'gears']).toContain(d.quirks.wording);
    }
    const bad = await runCli(['simulate', '--seed', '3', '--devices', '1', '--days', '1', '--config', 'nowhere', '--out', join(dir, 'bad')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("unknown simulator config 'nowhere'; known: train, holdout-mixed, holdout-cold, holdout-unseen");
  });

  it('refuses a size that is not a whole number, naming the option', async () => {
    const r = await runCli(['simulate', '--seed', '1', '--devices', 'many', '--days', '1', '--out', join(dir, 'x')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--devices must be a whole number, got 'many'");
  });
});
