import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseChargerMap, parseChargersCsv } from '../../src/chargers/parse-chargers-csv.ts';
import { listChargers } from '../../src/store/charger-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { runCli } from '../cli/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'telltale-chargers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chargers import: the id column by another name', () => {
  it('takes a file whose id column is called `id` (and latitude/longitude spelt out)', () => {
    const { chargers, errors } = parseChargersCsv('id,name,latitude,longitude,power_kw\nocm-1,Services A1,52.1,0.2,150\n');
    expect(errors).toEqual([]);
    expect(chargers).toEqual([{ chargerId: 'ocm-1', name: 'Services A1', lat: 52.1, lon: 0.2, powerKw: 150 }]);
  });

  it('a --map names any column, wins over the usual names, and a map to a missing column is an error naming it', () => {
    const text = 'station_ref,charger_id,title,y,x\nS1,ignored,Depot,52,1\n';
    const map = parseChargerMap(['charger_id=station_ref,name=title', 'lat=y', 'lon=x']);
    expect(parseChargersCsv(text, { map }).chargers).toEqual([{ chargerId: 'S1', name: 'Depot', lat: 52, lon: 1, powerKw: null }]);
    expect(parseChargersCsv(text, { map: { charger_id: 'nope' } }).errors[0]).toMatchObject({ line: 1, field: 'charger_id', reason: expect.stringMatching(/no column 'nope'/) });
    expect(() => parseChargerMap(['speed=x'])).toThrow(/'speed' is not a charger column/);
    expect(() => parseChargerMap(['charger_id'])).toThrow(/expected column=source/);
  });

  it('telltale chargers import --map stores the chargers under the mapped id', async () => {
    const csv = join(dir, 'stations.csv');
    const db = join(dir, 'store.duckdb');
    writeFileSync(csv, 'ref,label,lat,lon,kw\nr1,Ring road,52.6,1.3,50\n');
    const r = await runCli(['chargers', 'import', csv, '--db', db, '--map', 'charger_id=ref', '--map', 'name=label', '--map', 'power_kw=kw']);
    expect(r.stdout).toMatch(/1 created, 0 updated, 0 rejected/);
    expect(r.code).toBe(0);
    const store = await TelemetryStore.open(db);
    try {
      expect(await store.withConnection(listChargers)).toEqual([{ chargerId: 'r1', name: 'Ring road', lat: 52.6, lon: 1.3, powerKw: 50 }]);
    } finally {
      await store.close();
    }
  });
});
