import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChargersCsv } from '../../src/chargers/parse-chargers-csv.ts';
import { createChargeShortfallDetector } from '../../src/domain/detect/charge-shortfall.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { loadEnergyModel } from '../../src/models/load-energy-model.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { openTempStore } from '../temp-store.ts';

const DIR = join(import.meta.dirname, '../../fixtures/model-s-2013');
const ROOT = join(import.meta.dirname, '../..');

interface Label {
  kind: string;
  subkind: string;
  start: string;
  end: string;
  warnBy?: string;
}
const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as Label[];
const label = (subkind: string) => labels.find((l) => l.subkind === subkind)!;

let store: Awaited<ReturnType<typeof openTempStore>>;
let events: DetectedEvent[];

beforeAll(async () => {
  store = await openTempStore();
  await ingest(store, { input: { path: join(DIR, 'telemetry.csv.gz') }, format: 'csv', source: 'model-s-2013', deviceId: 'model-s-2013' });
  const series = await store.withConnection((conn) => readSeries(conn, { deviceId: 'model-s-2013' }));
  const { chargers, errors } = parseChargersCsv(readFileSync(join(DIR, 'chargers.csv'), 'utf8'));
  expect(errors).toEqual([]);
  const detector = createChargeShortfallDetector({ energyModel: loadEnergyModel(join(ROOT, 'models/energy-model.json')) });
  // The car's registration: a Model S cuts propulsion at 0 % displayed, not at the 2 % default.
  events = await detector.detect(series, { deviceId: 'model-s-2013', chargers, fromMs: -8.64e15, device: { model: 'Tesla Model S 85' } });
});

afterAll(async () => {
  await store?.dispose();
});

describe('charge-shortfall on the Model S 2013 test drive (committed energy model)', () => {
  it('warns about the Norwich leg (28 %, 32 mi shown, 61 mi to go at 10–20 °F) before the car moves', () => {
    const departure = label('cold_departure');
    const warned = events.filter((e) => e.subkind === 'predicted_shortfall' && e.startMs >= Date.parse(departure.start) - 60_000 && e.startMs <= Date.parse(departure.end));
    expect(warned).toHaveLength(1);
    expect(warned[0]!.startMs).toBeLessThanOrEqual(Date.parse(departure.warnBy!));
    expect(warned[0]!.severity).toBe('critical');
  });

  it('finds the arrival at Milford under the reserve, warned about on the way, and the cold soak overnight', () => {
    const arrival = label('arrived_below_reserve');
    const arrived = events.filter((e) => e.subkind === 'arrived_below_reserve');
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.startMs).toBeGreaterThanOrEqual(Date.parse(arrival.start));
    // The drive ends when the car-park crawl does, at the plug-in that closes the label.
    expect(arrived[0]!.startMs).toBeLessThanOrEqual(Date.parse(arrival.end) + 60_000);
    expect(events.some((e) => e.subkind === 'predicted_shortfall' && e.startMs < Date.parse(arrival.start) - 10 * 60_000 && e.endMs! >= Date.parse(arrival.start))).toBe(true);
    const soak = events.filter((e) => e.subkind === 'cold_soak');
    expect(soak).toHaveLength(1);
    expect(Math.abs(soak[0]!.startMs - Date.parse(label('cold_soak').start))).toBeLessThan(5 * 60_000);
  });

  it('does not call the ramp shutdown at 1 % a stranding (above a Model S cut-off of 0 %: a breakdown), nor warn on the legs that arrive with margin', () => {
    expect(events.filter((e) => e.subkind === 'stranded')).toEqual([]);
    const day2Evening = Date.parse('2013-01-24T21:00:00Z');
    expect(events.filter((e) => e.startMs >= day2Evening)).toEqual([]);
    // Nor the evening leg from Milford to Groton after the charge: no usable charger lies ahead of it,
    // and Newark, 467 km behind, is nobody's next charger.
    expect(events.filter((e) => e.subkind === 'predicted_shortfall' && e.startMs >= Date.parse('2013-01-23T23:00:00Z') && e.startMs < Date.parse('2013-01-24T02:00:00Z'))).toEqual([]);
  });

  it('without device facts the stop at 1 % is not called a stranding either: the car held 75 km/h to the end, no limp mode', async () => {
    const series = await store.withConnection((conn) => readSeries(conn, { deviceId: 'model-s-2013' }));
    const { chargers } = parseChargersCsv(readFileSync(join(DIR, 'chargers.csv'), 'utf8'));
    const detector = createChargeShortfallDetector({ energyModel: loadEnergyModel(join(ROOT, 'models/energy-model.json')) });
    const unknown = await detector.detect(series, { deviceId: 'model-s-2013', chargers, fromMs: -8.64e15 });
    const stranded = unknown.filter((e) => e.subkind === 'stranded');
    expect(stranded).toEqual([]);
  });
});
