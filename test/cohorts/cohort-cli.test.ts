import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperienceFlag } from '../../src/domain/cohorts/parse-cohort-flags.ts';
import { runCli } from '../cli/run-cli.ts';
import { openTempStore } from '../temp-store.ts';
import { NOW_MS, writeHandFleet } from './cohort-fleet.ts';
import { HAND_FLEET } from './hand-fleet.ts';

let dir: string;
let db: string;
let dispose: () => Promise<void>;

beforeAll(async () => {
  const store = await openTempStore({ now: () => NOW_MS });
  await writeHandFleet(store, HAND_FLEET);
  db = store.path;
  dir = join(db, '..');
  // Close the DuckDB file (the CLI opens it) but keep the folder until the end.
  const { rmSync } = await import('node:fs');
  await store.close();
  dispose = async () => rmSync(dir, { recursive: true, force: true });
});
afterAll(() => dispose());

const TO = new Date(NOW_MS).toISOString();

describe('telltale cohort', () => {
  it('parses experience flags', () => {
    expect(parseExperienceFlag('breakdown:road=highway,days=90')).toEqual({ kind: 'breakdown', roadClass: 'highway', withinDays: 90 });
    expect(parseExperienceFlag('charge_shortfall:below=0')).toEqual({ kind: 'charge_shortfall', belowTempC: 0 });
    expect(() => parseExperienceFlag('breakdown:colour=red')).toThrow(/colour=red/);
  });

  it('prints the highway-breakdown cohort by firmware as JSON', async () => {
    const r = await runCli(['cohort', '--db', db, '--to', TO, '--experienced', 'breakdown:road=highway,days=90', '--group-by', 'firmware', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.groups.map((g: { label: string; vehicles: number }) => [g.label, g.vehicles])).toEqual([['firmware=1.0', 2]]);
  });

  it('prints a table, writes Parquet, and rejects a bad dimension with the field', async () => {
    const t = await runCli(['cohort', '--db', db, '--to', TO, '--group-by', 'model', '--min-hours', '5']);
    expect(t.stdout).toMatch(/model=C: 1 vehicles, 2\.0 h, 100 km {2}\(low exposure\)/);
    expect(t.stdout).toMatch(/breakdown +2 {2}per 1,000 h 25\.00/);
    const out = join(dir, 'cohort.parquet');
    const p = await runCli(['cohort', '--db', db, '--to', TO, '--group-by', 'model', '--out', out]);
    expect(p.code).toBe(0);
    expect(existsSync(out) && readFileSync(out).subarray(0, 4).toString()).toBe('PAR1');
    const bad = await runCli(['cohort', '--db', db, '--group-by', 'colour']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/groupBy/);
  });
});
