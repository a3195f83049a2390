/**
 * Renders the charts shown in the README from the bundled fixtures, through the same code as the
 * API (ingest → sessions → loadChartData → buildChartSpec → renderChart) into a :memory: store:
 *   docs/model-s-2013.png  — the 2013 test drive on a distance axis, as the maker's chart showed it;
 *   docs/twizy-rsk-trip.png — a real RSK Twizy trip (CC BY 4.0, NaitMalek et al.) on a time axis.
 * Run: npx node scripts/charts/render-readme-charts.ts
 */
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadChartData } from '../../src/chart/load-chart-data.ts';
import { renderChart } from '../../src/chart/render-chart.ts';
import { buildChartSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { METRIC_UNITS } from '../../src/domain/chart/chart-input.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { refreshSessions } from '../../src/sessions/session-maintainer.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { MODEL_S_SIZE, modelSChartSpec } from './model-s-chart.ts';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const DOCS = join(ROOT, 'docs');

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
    const png = (await renderChart(await modelSChartSpec(store), { format: 'png', ...MODEL_S_SIZE })) as Buffer;
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
