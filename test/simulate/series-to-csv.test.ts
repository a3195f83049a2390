import { describe, expect, it } from 'vitest';
import { seriesToCsv, SIMULATED_CSV_HEADER } from '../../src/simulate/series-to-csv.ts';
import { simulateFleet } from '../../src/simulate/simulate-fleet.ts';

describe('seriesToCsv', () => {
  it('writes text that parses back to exactly the simulated values', () => {
    const fleet = simulateFleet({ seed: 9, devices: 2, days: 1, rates: { lookalikePerDeviceDay: 4 } });
    for (const d of fleet.devices) {
      const s = d.series;
      const lines = [...seriesToCsv(d.deviceId, s, 1000)].join('').split('\n');
      expect(lines[0]).toBe(SIMULATED_CSV_HEADER);
      expect(lines.length).toBe(s.length + 2); // header, rows, and the empty string after the last newline
      const columns = [s.speedKph, s.socPct, s.rangeKm, s.batteryTempC, s.outsideTempC, s.cabinSetpointC, s.lat, s.lon, s.altM, s.odometerKm, s.powerKw];
      const mismatches: string[] = [];
      for (let i = 0; i < s.length; i++) {
        const f = lines[i + 1]!.split(',');
        if (f[0] !== d.deviceId || Number(f[1]) !== s.tsMs[i]) mismatches.push(`row ${i}: ${f[0]},${f[1]}`);
        columns.forEach((col, c) => {
          const text = f[c + 2]!;
          const ok = Number.isNaN(col[i]!) ? text === '' : text !== '' && Number(text) === col[i];
          if (!ok && mismatches.length < 10) mismatches.push(`row ${i} column ${c}: '${text}' for ${col[i]}`);
        });
        if (f[13] !== s.state[i] || f[14] !== (s.errorCodes[i]?.join('|') ?? '')) mismatches.push(`row ${i}: ${f[13]},${f[14]}`);
      }
      expect(mismatches).toEqual([]);
    }
  });
});
