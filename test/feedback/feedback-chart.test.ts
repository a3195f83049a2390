import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { syntheticDrive } from '../../scripts/charts/synthetic-drive.ts';
import { buildChartSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { METRIC_UNITS, type ChartOptions } from '../../src/domain/chart/chart-input.ts';
import { publicChartInput } from '../../src/domain/chart/public-chart-input.ts';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../node_modules/vega-lite/build/vega-lite-schema.json'), 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
const options: ChartOptions = { x: 'time', widthPx: 800, heightPx: 500, units: METRIC_UNITS, title: 'test', power: false };

describe('feedback as a chart layer', () => {
  const drive = syntheticDrive({ seconds: 3600, events: 2 });
  const t0 = drive.series.tsMs[0]!;
  const feedback = [
    { tsMs: t0 + 600_000, kind: 'nps', score: 3, channel: 'app', text: 'it stopped on the ring road' },
    { tsMs: t0 + 1_200_000, kind: 'ticket', score: null, channel: 'phone', text: 'tow requested' },
    { tsMs: t0 + 99 * 3_600_000, kind: 'nps', score: 10, channel: 'app', text: 'outside the range' },
  ];

  it('marks each answer in the range on the top panel, coloured by what it says', () => {
    const spec = buildChartSpec({ ...drive, feedback }, options);
    expect(validate(spec)).toBe(true);
    const rows = (spec.datasets as Record<string, { tone: string; label: string }[]>).feedback!;
    expect(rows.map((r) => [r.tone, r.label])).toEqual([['detractor', 'nps 3 (app)'], ['ticket', 'ticket (phone)']]);
    const top = (spec.vconcat as { layer: { data?: { name: string } }[] }[])[0]!;
    expect(top.layer.filter((l) => l.data?.name === 'feedback')).toHaveLength(1);
    const second = (spec.vconcat as { layer: { data?: { name: string } }[] }[])[1]!;
    expect(second.layer.filter((l) => l.data?.name === 'feedback')).toHaveLength(0);
  });

  it('changes nothing without feedback, and a public chart leaves customers’ words out', () => {
    expect(buildChartSpec({ ...drive, feedback: [] }, options)).toEqual(buildChartSpec(drive, options));
    const pub = buildChartSpec(publicChartInput({ ...drive, feedback }), { ...options, elapsedTime: true });
    expect((pub.datasets as Record<string, unknown>).feedback).toBeUndefined();
  });
});
