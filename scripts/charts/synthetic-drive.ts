import type { ChartEvent, ChartInput, ChartSeries } from '../../src/domain/chart/chart-input.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';

export interface SyntheticDriveOptions {
  seconds: number;
  seed?: number;
  startMs?: number;
  events?: number;
}

/**
 * A seeded 1 Hz drive for tests and the chart benchmark: driving with stops, a 30-minute charge at
 * 40 % of the way, a 10-minute hole in the log at 70 %, temperatures drifting, `events` detected
 * events spread along it, two chargers and a call-out on the charge.
 */
export function syntheticDrive(o: SyntheticDriveOptions): ChartInput {
  const rand = mulberry32(o.seed ?? 42);
  const startMs = o.startMs ?? Date.UTC(2024, 2, 5, 8, 0, 0);
  const chargeFrom = Math.floor(o.seconds * 0.4);
  const chargeTo = chargeFrom + Math.min(1800, Math.floor(o.seconds * 0.1));
  const holeFrom = Math.floor(o.seconds * 0.7);
  const holeTo = holeFrom + Math.min(600, Math.floor(o.seconds * 0.05));
  const idx: number[] = [];
  for (let i = 0; i < o.seconds; i++) if (i < holeFrom || i >= holeTo) idx.push(i);
  const n = idx.length;
  const col = () => new Float64Array(n).fill(Number.NaN);
  const s: ChartSeries = {
    length: n, tsMs: new Float64Array(n), speedKph: col(), socPct: col(), rangeKm: col(), outsideTempC: col(), batteryTempC: col(),
    cabinSetpointC: col(), powerKw: col(), odometerKm: col(), lat: col(), lon: col(),
  };
  let speed = 0;
  let soc = 90;
  let odo = 12_000;
  let battery = 15;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    const charging = i >= chargeFrom && i < chargeTo;
    const target = charging || i % 900 > 840 ? 0 : 60 + 40 * Math.sin(i / 700) + 10 * rand();
    speed = charging ? 0 : Math.max(0, speed + Math.max(-3, Math.min(2, (target - speed) * 0.05 + (rand() - 0.5))));
    const power = charging ? -40 : 0.5 + speed * 0.18 + (rand() - 0.5) * 4;
    soc = Math.min(100, Math.max(0, soc - (power / 160) * (100 / 3600)));
    odo += speed / 3600;
    battery += (charging ? 0.004 : 0.0008) - (battery - 20) * 0.0001;
    s.tsMs[k] = startMs + i * 1000;
    s.speedKph[k] = Math.round(speed * 10) / 10;
    s.powerKw[k] = Math.round(power * 10) / 10;
    s.socPct[k] = Math.round(soc * 10) / 10;
    s.rangeKm[k] = Math.round(soc * 4.2);
    s.odometerKm[k] = Math.round(odo * 100) / 100;
    s.outsideTempC[k] = Math.round((5 + 6 * Math.sin(i / 8000)) * 2) / 2;
    s.batteryTempC[k] = Math.round(battery * 2) / 2;
    if (i % 60 === 0) s.cabinSetpointC[k] = i < o.seconds / 2 ? 21 : 19;
    s.lat[k] = 48.1 + odo / 1000;
    s.lon[k] = 11.5 + odo / 2000;
  }
  const at = (i: number) => startMs + i * 1000;
  const severities: ChartEvent['severity'][] = ['info', 'warning', 'critical'];
  const events: ChartEvent[] = Array.from({ length: o.events ?? 5 }, (_, k) => {
    const i = Math.floor(((k + 0.5) / (o.events ?? 5)) * o.seconds);
    return { eventId: `e${k}`, kind: 'anomaly', subkind: 'battery_temp', severity: severities[k % 3]!, startMs: at(i), summary: `synthetic event ${k}` };
  });
  return {
    deviceId: 'synthetic-1',
    series: s,
    periods: [
      { kind: 'drive', startMs: at(0), endMs: at(chargeFrom) },
      { kind: 'charge', startMs: at(chargeFrom), endMs: at(chargeTo) },
      { kind: 'drive', startMs: at(chargeTo), endMs: at(holeFrom) },
      { kind: 'gap', startMs: at(holeFrom), endMs: at(holeTo) },
      { kind: 'drive', startMs: at(holeTo), endMs: at(o.seconds - 1) },
    ],
    events,
    places: [
      { name: 'Depot', atMs: at(0), kind: 'stop' },
      { name: 'Supercharger A', atMs: at(chargeFrom), kind: 'charger' },
    ],
    callouts: [
      { atMs: at(chargeTo - 1), channel: 'socPct', text: 'charged for 30 min', verdict: 'supported' },
      { atMs: at(Math.floor(o.seconds * 0.2)), channel: 'speedKph', text: 'cruise' },
    ],
  };
}
