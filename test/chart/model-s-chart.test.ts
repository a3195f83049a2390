import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_S_SIZE, modelSChartSpec } from '../../scripts/charts/model-s-chart.ts';
import { renderChart } from '../../src/chart/render-chart.ts';
import type { VegaLiteSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { openTempStore } from '../temp-store.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let spec: VegaLiteSpec;
type Rows = Record<string, Record<string, unknown>[]>;

beforeAll(async () => {
  store = await openTempStore();
  spec = await modelSChartSpec(store);
}, 120_000);

afterAll(async () => {
  await store?.dispose();
});

describe('the 2013 Model S chart', () => {
  it('puts Newark, Milford, Groton, Norwich and the stall where the published chart had them (miles)', () => {
    const places = (spec.datasets as Rows).places!;
    const at = Object.fromEntries(places.map((p) => [p.name, p.x as number]));
    // Published: Newark ~114, Milford ~314, Groton ~393, Norwich ~404, stall ~455 mi.
    expect(at.Newark).toBeCloseTo(114, -1);
    expect(at.Milford).toBeCloseTo(314, -1);
    expect(at.Groton).toBeCloseTo(393, -1);
    expect(at.Norwich).toBeCloseTo(404, -1);
    expect(at.stall).toBeCloseTo(455, -1);
    expect(JSON.stringify(spec)).toContain('distance travelled (mi)');
  });

  it('has the maker’s call-outs, each judged against the log', () => {
    const callouts = Object.entries(spec.datasets as Rows)
      .filter(([name]) => name.startsWith('callouts-'))
      .flatMap(([, rows]) => rows.map((r) => (r.text as string[]).join(' ')));
    expect(callouts).toHaveLength(4);
    for (const figure of ['90 %', '72 %', '28 %', 'Branford']) expect(callouts.some((t) => t.includes(figure))).toBe(true);
    expect(callouts.every((t) => t.endsWith('— supported'))).toBe(true);
  });

  it('renders to a PNG of the README size', async () => {
    const png = (await renderChart(spec, { format: 'png', ...MODEL_S_SIZE })) as Buffer;
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([MODEL_S_SIZE.widthPx, MODEL_S_SIZE.heightPx]);
  });
});
