/**
 * Renders the charts shown in the README from the bundled fixtures, through the same code as the
 * API (ingest → sessions → loadChartData → buildChartSpec → renderChart) into a :memory: store:
 *   docs/model-s-2013.png  — the 2013 test drive on a distance axis, as the maker's chart showed it;
 *   docs/twizy-rsk-trip.png — a real RSK Twizy trip (CC BY 4.0, NaitMalek et al.) on a time axis.
 * Run: npx node scripts/charts/render-readme-charts.ts
 */
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimVerdict } from '../../src/chart/claim-verdicts.ts';
import { loadChartData } from '../../src/chart/load-chart-data.ts';
import { renderChart } from '../../src/chart/render-chart.ts';
import { annotationCallouts, type AnnotationLike } from '../../src/domain/chart/annotation-callouts.ts';
import { buildChartSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { IMPERIAL_UNITS, METRIC_UNITS, type ChartPlace } from '../../src/domain/chart/chart-input.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { refreshSessions } from '../../src/sessions/session-maintainer.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const DOCS = join(ROOT, 'docs');

interface FixturePlace {
  name: string;
  kind: string;
  at: string;
}

/** The places the 2013 chart marks, with the short names it used. */
const MODEL_S_MARKERS: Record<string, string> = {
  'Newark DE Supercharger': 'Newark',
  'Milford CT Supercharger': 'Milford',
  'Groton hotel': 'Groton',
  'Norwich public charger': 'Norwich',
  'Branford exit ramp (stall)': 'stall',
};

async function modelS(store: TelemetryStore): Promise<Buffer> {
  const deviceId = 'model-s-2013';
  const dir = join(FIXTURES, 'model-s-2013');
  await ingest(store, { input: { path: join(dir, 'telemetry.csv.gz') }, format: 'csv', source: 'fixtures/model-s-2013/telemetry.csv.gz', deviceId });
  await refreshSessions(store, deviceId, -8.64e15);
  const input = await loadChartData(store, { deviceId });
  const places = (JSON.parse(readFileSync(join(dir, 'places.json'), 'utf8')) as FixturePlace[])
    .filter((p) => MODEL_S_MARKERS[p.name])
    .map((p): ChartPlace => ({ name: MODEL_S_MARKERS[p.name]!, atMs: Date.parse(p.at), kind: p.kind === 'charger' ? 'charger' : 'stop' }));
  const annotations = (JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')) as (AnnotationLike & { annotationId: string })[])
    .filter((a) => a.annotationId !== 'ms13-passed-charger');
  // The claim checker judges each call-out against the log; the box says what it found.
  for (const a of annotations) {
    a.verdict = await claimVerdict(a.claim, (fromMs, toMs) => store.withConnection((conn) => readSeries(conn, { deviceId, fromMs, toMs })));
  }
  const spec = buildChartSpec(
    { ...input, places, callouts: annotationCallouts(annotations, ['call-out']) },
    { x: 'distance', widthPx: 1000, heightPx: 620, units: IMPERIAL_UNITS, title: 'Model S, Washington DC → Boston, 23–24 January 2013 (reconstructed log)' },
  );
  return (await renderChart(spec, { format: 'png', widthPx: 1000, heightPx: 620 })) as Buffer;
}

async function twizy(store: TelemetryStore): Promise<Buffer> {
  const deviceId = 'twizy-rsk';
  const file = 'T1_03_29_2021.csv.gz';
  await ingest(store, { input: { path: join(FIXTURES, 'twizy-rsk', file) }, format: 'csv', source: `fixtures/twizy-rsk/${file}`, deviceId, profile: 'twizy-rsk' });
  await refreshSessions(store, deviceId, -8.64e15);
  const input = await loadChartData(store, { deviceId });
  const spec = buildChartSpec(input, {
    x: 'time',
    widthPx: 1000,
    heightPx: 520,
    units: METRIC_UNITS,
    title: 'Renault Twizy, Rabat–Salé–Kénitra, 29 March 2021 (data: NaitMalek et al., CC BY 4.0)',
  });
  return (await renderChart(spec, { format: 'png', widthPx: 1000, heightPx: 520 })) as Buffer;
}

const store = await TelemetryStore.open(':memory:');
try {
  mkdirSync(DOCS, { recursive: true });
  const outputs: Record<string, number> = {};
  if (readdirSync(FIXTURES).includes('model-s-2013')) {
    const png = await modelS(store);
    writeFileSync(join(DOCS, 'model-s-2013.png'), png);
    outputs['docs/model-s-2013.png'] = png.length;
  }
  const png = await twizy(store);
  writeFileSync(join(DOCS, 'twizy-rsk-trip.png'), png);
  outputs['docs/twizy-rsk-trip.png'] = png.length;
  process.stdout.write(`${JSON.stringify({ bytes: outputs })}\n`);
} finally {
  await store.close();
}
