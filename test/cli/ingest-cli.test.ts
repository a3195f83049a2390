import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

let dir: string;
let db: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-cli-'));
  db = join(dir, 'telltale.duckdb');
  writeFileSync(join(dir, 'good.csv'), 'device_id,ts,speed_kph\ncar-1,2024-01-01T00:00:00Z,10\ncar-1,2024-01-01T00:00:01Z,11\n');
  writeFileSync(join(dir, 'mixed.ndjson'), '{"device_id":"car-2","ts":1704067200000,"soc_pct":50}\n{"device_id":"car-2","ts":1704067201000,"soc_pct":101}\n');
  writeFileSync(join(dir, 'mph.csv'), 'Time,Speed_mph,OAT_F\n2024-01-01 08:00:00,60,32\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale ingest', () => {
  it('prints one JSON summary for several files, with the reasons for rejected rows', async () => {
    const r = await runCli(['ingest', join(dir, 'good.csv'), join(dir, 'mixed.ndjson'), '--db', db, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ accepted: 3, duplicates: 0, rejected: 1 });
    expect(summary.errors).toEqual([{ file: join(dir, 'mixed.ndjson'), row: 2, field: 'soc_pct', reason: '101 is outside 0…100 %' }]);
    expect(summary.files).toHaveLength(2);
  });

  it('counts a re-run as duplicates and prints a readable summary without --json', async () => {
    const r = await runCli(['ingest', join(dir, 'good.csv'), '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 accepted, 2 duplicates, 0 rejected');
  });

  it('maps columns, units and a time zone with --map and --tz', async () => {
    const r = await runCli([
      'ingest', join(dir, 'mph.csv'), '--db', db, '--device', 'us-car', '--tz', 'America/New_York',
      '--map', 'ts=Time', '--map', 'speed_kph=Speed_mph:mph', '--map', 'outside_temp_c=OAT_F:f', '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: 1, rejected: 0 });
    const out = join(dir, 'us-car.csv');
    const exported = await runCli(['export', '--device', 'us-car', '--db', db, '--out', out]);
    expect(exported.code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const [header, row] = readFileSync(out, 'utf8').trim().split('\n');
    const values = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]));
    expect(values).toMatchObject({ ts: '2024-01-01T13:00:00.000Z', speed_kph: '96.56064', outside_temp_c: '0.0' });
  });

  it('fails a bad batch with one line naming the code and the reason, exit status 1, no stack trace', async () => {
    for (const [args, code] of [
      [['ingest', join(dir, 'good.csv'), '--profile', 'nope'], 'UNKNOWN_PROFILE'],
      [['ingest', join(dir, 'missing.csv')], 'FILE_NOT_FOUND'],
      [['ingest', join(dir, 'mph.csv'), '--map', 'speed=Speed_mph'], 'BAD_MAP'],
      [['ingest', join(dir, 'mph.csv')], 'MISSING_COLUMN'],
    ] as const) {
      const r = await runCli([...args, '--db', db]);
      expect(r.code, code).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1), code).toMatch(new RegExp(`^telltale: error ${code}: .+`));
      expect(r.stderr, code).not.toMatch(/\n\s+at /);
    }
  });
});
