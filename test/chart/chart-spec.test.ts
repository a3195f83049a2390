import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { syntheticDrive } from '../../scripts/charts/synthetic-drive.ts';
import { annotationCallouts } from '../../src/domain/chart/annotation-callouts.ts';
import { buildChartSpec, ChartInputError } from '../../src/domain/chart/build-chart-spec.ts';
import { wrapText } from '../../src/domain/chart/callout-layout.ts';
import { calloutText } from '../../src/domain/chart/callouts.ts';
import { IMPERIAL_UNITS, METRIC_UNITS, type ChartOptions, type ChartSeries } from '../../src/domain/chart/chart-input.ts';
import { cumulativeDistance } from '../../src/domain/chart/distance-axis.ts';
import { placeVisits } from '../../src/domain/chart/place-visits.ts';
import { publicChartInput } from '../../src/domain/chart/public-chart-input.ts';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../node_modules/vega-lite/build/vega-lite-schema.json'), 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
const options: ChartOptions = { x: 'time', widthPx: 800, heightPx: 500, units: METRIC_UNITS, title: 'test', power: true };
type Row = { x: number; v: number | null };
const datasets = (spec: Record<string, unknown>) => spec.datasets as Record<string, Row[]>;

function series(n: number, fill: (i: number, s: ChartSeries) => void): ChartSeries {
  const col = () => new Float64Array(n).fill(Number.NaN);
  const s: ChartSeries = { length: n, tsMs: new Float64Array(n), speedKph: col(), socPct: col(), rangeKm: col(), outsideTempC: col(), batteryTempC: col(), cabinSetpointC: col(), powerKw: col(), odometerKm: col(), lat: col(), lon: col() };
  for (let i = 0; i < n; i++) fill(i, s);
  return s;
}

describe('buildChartSpec', () => {
  const drive = syntheticDrive({ seconds: 36_000, events: 20 });

  it.each([
    ['time', { ...options }],
    ['distance, imperial', { ...options, x: 'distance' as const, units: IMPERIAL_UNITS }],
    ['public', { ...options, elapsedTime: true }],
  ])('produces a spec that validates against the Vega-Lite schema (%s)', (_name, o) => {
    const spec = buildChartSpec(_name === 'public' ? publicChartInput(drive) : drive, o);
    const ok = validate(spec);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The strip (bands, events, places) above speed, charge, temperatures and power.
    expect((spec.vconcat as unknown[]).length).toBe(5);
  });

  it('reduces each line to about four points per pixel column and keeps the extremes', () => {
    const spec = buildChartSpec(drive, options);
    const speed = datasets(spec).speed!;
    expect(speed.length).toBeLessThanOrEqual(4 * 800 + 10);
    const values = (rows: Row[]) => rows.map((r) => r.v).filter((v): v is number => v !== null);
    expect(Math.max(...values(speed))).toBe(Math.max(...drive.series.speedKph.filter((v) => !Number.isNaN(v))));
    expect(Math.min(...values(datasets(spec).soc!))).toBe(Math.min(...drive.series.socPct));
    const full = buildChartSpec(drive, { ...options, reduce: false });
    expect(datasets(full).speed!.length).toBe(drive.series.length + 1);
  });

  it('breaks lines at a hole in the log (a null row inside it), never across it', () => {
    const spec = buildChartSpec(drive, options);
    const speed = datasets(spec).speed!;
    const nulls = speed.filter((r) => r.v === null);
    expect(nulls).toHaveLength(1);
    // The hole is 25 200 s – 25 800 s after the start; the null row sits inside it.
    const t0 = drive.series.tsMs[0]!;
    expect(nulls[0]!.x).toBeGreaterThan(t0 + 25_200_000);
    expect(nulls[0]!.x).toBeLessThan(t0 + 25_800_000);
    // A sparse channel (set-point logged once a minute) is still one unbroken line.
    expect(datasets(spec).temperatures!.filter((r) => r.v === null && (r as Row & { c: string }).c === 'cabin set-point')).toHaveLength(1);
    expect(JSON.stringify(spec)).not.toMatch(/"invalid":\s*"filter"/);
  });

  it('converts to the display units the caller chose', () => {
    const spec = buildChartSpec(drive, { ...options, x: 'distance', units: IMPERIAL_UNITS });
    const maxMph = Math.max(...datasets(spec).speed!.map((r) => r.v ?? 0));
    const maxKph = Math.max(...drive.series.speedKph.filter((v) => !Number.isNaN(v)));
    expect(maxMph).toBeCloseTo(maxKph / 1.609344, 2);
    const km = drive.series.odometerKm[drive.series.length - 1]! - drive.series.odometerKm[0]!;
    expect(Math.max(...datasets(spec).speed!.map((r) => r.x))).toBeCloseTo(km / 1.609344, 1);
    expect(JSON.stringify(spec)).toContain('distance travelled (mi)');
  });

  it('puts bands, events, places and call-outs where the x-axis says', () => {
    const spec = buildChartSpec(drive, options);
    const d = datasets(spec) as unknown as Record<string, Record<string, unknown>[]>;
    expect(d.periods!.map((p) => p.kind)).toEqual(['drive', 'charge', 'drive', 'gap', 'drive']);
    expect(d.events).toHaveLength(20);
    expect(d.places!.map((p) => p.name)).toEqual(['Depot', 'Supercharger A']);
    expect(d['callouts-soc']![0]!.text).toEqual(['charged for 30 min — supported']);
    expect(d['callouts-soc']![0]!.stroke).toBe('#2a7d2e');
    // On a distance axis a charge has no width: the band disappears, the stop is squeezed.
    const byDistance = datasets(buildChartSpec(drive, { ...options, x: 'distance' })) as unknown as Record<string, Record<string, unknown>[]>;
    const charge = byDistance.periods!.find((p) => p.kind === 'charge');
    expect(charge === undefined || (charge.x2 as number) - (charge.x as number) < 0.05).toBe(true);
  });

  it('refuses an empty range and a picture too small to read, naming the field', () => {
    const empty = { ...drive, series: series(0, () => undefined) };
    expect(() => buildChartSpec(empty, options)).toThrow(ChartInputError);
    expect(() => buildChartSpec(drive, { ...options, widthPx: 50 })).toThrow(/width\/height/);
  });
});

describe('distance travelled', () => {
  it('prefers the odometer, never going backwards', () => {
    const s = series(4, (i, s) => {
      s.tsMs[i] = i * 1000;
      s.odometerKm[i] = [100, 100.5, 100.2, 101][i]!;
    });
    const d = cumulativeDistance(s);
    expect(d.source).toBe('odometer');
    expect([...d.km]).toEqual([0, 0.5, 0.5, 1]);
  });

  it('uses GPS steps from when a repeated fix was new, and skips jumps', () => {
    const s = series(30, (i, s) => {
      s.tsMs[i] = i * 1000;
      // A new fix every 10 s, 0.001° of latitude (~111 m) apart; one lat = 0 glitch.
      s.lat[i] = i === 25 ? 0 : 34 + Math.floor(i / 10) * 0.001;
      s.lon[i] = -6.8;
    });
    const d = cumulativeDistance(s);
    expect(d.source).toBe('gps');
    expect(d.km[29]).toBeCloseTo(0.2224, 3);
  });

  it('integrates speed when there is nothing else, not across holes', () => {
    const s = series(4, (i, s) => {
      s.tsMs[i] = [0, 1000, 601_000, 602_000][i]!;
      s.speedKph[i] = 60;
    });
    const d = cumulativeDistance(s);
    expect(d.source).toBe('speed');
    expect(d.km[3]).toBeCloseTo((2 * 60) / 3600, 9);
  });
});

describe('public export', () => {
  it('removes positions, places, free text and the clock, shifts time to zero and hides the device id', () => {
    const drive = syntheticDrive({ seconds: 600, events: 2 });
    const pub = publicChartInput({
      ...drive,
      events: drive.events.map((e) => ({ ...e, summary: `synthetic-1 did ${e.eventId}` })),
      places: [{ name: 'Depot on Elm Street', kind: 'stop', atMs: drive.series.tsMs[100]! }],
      callouts: [
        { atMs: drive.series.tsMs[50]!, channel: 'socPct', text: 'Charged at Elm Street', publicText: 'state of charge ≥ 90 %', verdict: 'supported' },
        { atMs: drive.series.tsMs[60]!, channel: 'socPct', text: 'Met Ann at Elm Street' },
      ],
    });
    expect(pub.deviceId).toBe('vehicle');
    expect(pub.series.tsMs[0]).toBe(0);
    expect([...pub.series.lat].every(Number.isNaN)).toBe(true);
    expect([...pub.series.lon].every(Number.isNaN)).toBe(true);
    expect(pub.series.odometerKm[0]).toBe(0);
    expect(pub.events.map((e) => e.summary)).toEqual(drive.events.map((e) => `${e.kind}/${e.subkind}`));
    expect(pub.places).toEqual([{ name: 'stop', kind: 'stop', atMs: drive.series.tsMs[100]! - drive.series.tsMs[0]! }]);
    expect(pub.callouts.map((c) => c.text)).toEqual(['state of charge ≥ 90 %']);
    expect(JSON.stringify(pub.callouts)).not.toContain('Elm');
    expect(JSON.stringify(buildChartSpec(pub, { ...options, elapsedTime: true }))).not.toContain('synthetic-1');
  });
});

describe('annotations, places and call-out text', () => {
  it('points a call-out at the channel its claim is about and shows a verdict it carries', () => {
    const callouts = annotationCallouts([
      { startMs: 5, text: 'range claim', tags: ['call-out'], claim: { channel: 'range', atMs: 7, verdict: 'refuted' } },
      { startMs: 9, text: 'note', tags: [], claim: null },
      { startMs: 11, text: 'speed', tags: ['claim'], claim: { channel: 'speed', result: { verdict: 'supported' } } },
    ]);
    expect(callouts).toEqual([
      { atMs: 7, channel: 'rangeKm', text: 'range claim', verdict: 'refuted' },
      { atMs: 9, channel: 'socPct', text: 'note', verdict: undefined },
      { atMs: 11, channel: 'speedKph', text: 'speed', verdict: 'supported' },
    ]);
    expect(annotationCallouts([{ startMs: 9, text: 'note', tags: [], claim: null }], ['call-out'])).toEqual([]);
  });

  it('marks each pass by a known place once, at the closest fix', () => {
    const s = series(100, (i, s) => {
      s.tsMs[i] = i * 60_000;
      s.lat[i] = 40 + (i < 50 ? i : 99 - i) * 0.001;
      s.lon[i] = -74;
    });
    const visits = placeVisits(s, [{ name: 'Charger', lat: 40.01, lon: -74, kind: 'charger' }], 0.3, 30 * 60_000);
    expect(visits.map((v) => v.atMs / 60_000)).toEqual([10, 89]);
  });

  it('wraps long call-outs and cuts them at six lines', () => {
    expect(wrapText(calloutText({ text: 'short' }), 46)).toEqual(['short']);
    const lines = wrapText(calloutText({ text: 'word '.repeat(60), verdict: 'refuted' }), 46);
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => l.length <= 46)).toBe(true);
    expect(lines[5]!.endsWith('…')).toBe(true);
  });

  it('describes a checkable claim from its fields alone, for public charts', () => {
    const [c] = annotationCallouts([
      { startMs: 1, text: 'Cruise at 54 mph past Elm Street', tags: [], claim: { kind: 'bound', channel: 'speed', op: '<=', value: 54, unit: 'mph', fromMs: 0, toMs: 4_320_000, share: 0.9 } },
    ]);
    expect(c!.publicText).toBe('speed ≤ 54 mph for 72 min, 90 % of the time');
  });
});

describe('simplifyLine', () => {
  it('drops points on straight stretches, keeps corners, extremes and breaks', async () => {
    const { simplifyLine } = await import('../../src/domain/chart/simplify-line.ts');
    const rows = [
      ...Array.from({ length: 50 }, (_, i) => ({ x: i, v: i * 0.5 })),
      { x: 50, v: 40 },
      { x: 50.5, v: null },
      ...Array.from({ length: 20 }, (_, i) => ({ x: 51 + i, v: 3 })),
    ];
    const kept = simplifyLine(rows, { xPxPerUnit: 1, yPxPerUnit: 1 });
    expect(kept).toEqual([{ x: 0, v: 0 }, { x: 49, v: 24.5 }, { x: 50, v: 40 }, { x: 50.5, v: null }, { x: 51, v: 3 }, { x: 70, v: 3 }]);
    // A bump of 0.4 px stays under the tolerance; one of 2 px does not.
    const bump = (h: number) => simplifyLine([{ x: 0, v: 0 }, { x: 5, v: h }, { x: 10, v: 0 }], { xPxPerUnit: 1, yPxPerUnit: 1 }).length;
    expect(bump(0.4)).toBe(2);
    expect(bump(2)).toBe(3);
  });
});
