import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseChargersCsv } from '../../src/chargers/parse-chargers-csv.ts';
import { ROOT, runCli } from '../cli/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'telltale-detect-cli-'));
const db = join(dir, 'store.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseChargersCsv', () => {
  it('keeps good rows and reports each bad one with its line and field', () => {
    const { chargers, errors } = parseChargersCsv(
      'charger_id,name,lat,lon,power_kw\nn1,"Norwich, P&R",52.63,1.29,50\nbad-lat,X,95,1,7\n,No id,52,1,\nn2,Ipswich,52.05,1.15,\nbad-power,Y,52,1,lots\nn1,Again,52,1,7\n',
    );
    expect(chargers).toEqual([
      { chargerId: 'n1', name: 'Norwich, P&R', lat: 52.63, lon: 1.29, powerKw: 50 },
      { chargerId: 'n2', name: 'Ipswich', lat: 52.05, lon: 1.15, powerKw: null },
    ]);
    expect(errors.map((e) => [e.line, e.field])).toEqual([[3, 'lat'], [4, 'charger_id'], [6, 'power_kw'], [7, 'charger_id']]);
    expect(errors[3]!.reason).toMatch(/line 2/);
  });

  it('refuses a file without the expected header', () => {
    expect(parseChargersCsv('ref,latitude\n1,2\n').errors[0]).toMatchObject({ line: 1, field: 'charger_id,name,lon' });
  });
});

describe('telltale chargers import / ingest / detect', () => {
  it('imports chargers, listing bad rows, and exits 1 when some were refused', async () => {
    const csv = join(dir, 'chargers.csv');
    writeFileSync(csv, 'charger_id,name,lat,lon,power_kw\nc1,One,34.0,-6.8,22\nc2,Two,north,-6.8,22\n');
    const r = await runCli(['chargers', 'import', csv, '--db', db]);
    expect(r.stdout).toMatch(/1 created, 0 updated, 1 rejected/);
    expect(r.stdout).toMatch(/line 3, lat: 'north' is not a number/);
    expect(r.code).toBe(1);
  });

  it('ingest leaves events current and detect --json prints the events and counts; a second run changes nothing', async () => {
    const trip = join(ROOT, 'fixtures/twizy-rsk/T3_05_25_2021_04.csv');
    const ingest = await runCli(['ingest', trip, '--db', db, '--device', 'twizy', '--profile', 'twizy-rsk', '--json']);
    expect(ingest.code).toBe(0);
    const first = await runCli(['detect', '--device', 'twizy', '--db', db, '--json']);
    expect(first.code).toBe(0);
    const body = JSON.parse(first.stdout) as { events: unknown[]; counts: { devices: number; rows: number; created: number; updated: number; removed: number } };
    // The one-sample SoC glitch of this trip is not an event.
    expect(body.events).toEqual([]);
    expect(body.counts).toMatchObject({ devices: 1, created: 0, updated: 0, removed: 0 });
    expect(body.counts.rows).toBeGreaterThan(500);
    const all = await runCli(['detect', '--all', '--db', db]);
    expect(all.stdout).toMatch(/^twizy: 0 events/m);
    const unknown = await runCli(['detect', '--device', 'nope', '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no device 'nope'/);
  });
});
