import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimVerdict } from '../../src/chart/claim-verdicts.ts';
import { loadChartData } from '../../src/chart/load-chart-data.ts';
import { annotationCallouts, type AnnotationLike } from '../../src/domain/chart/annotation-callouts.ts';
import { buildChartSpec, type VegaLiteSpec } from '../../src/domain/chart/build-chart-spec.ts';
import { IMPERIAL_UNITS, type ChartPlace } from '../../src/domain/chart/chart-input.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { refreshSessions } from '../../src/sessions/session-maintainer.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import type { TelemetryStore } from '../../src/store/telemetry-store.ts';

const DIR = join(import.meta.dirname, '../../fixtures/model-s-2013');
export const MODEL_S_DEVICE = 'model-s-2013';
export const MODEL_S_SIZE = { widthPx: 1000, heightPx: 620 };

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

/**
 * The 2013 chart: the Model S fixture ingested into `store`, on a distance axis in mph, °F and
 * miles, marked at Newark, Milford, Groton, Norwich and the stall, with the maker's call-outs (the
 * 90 %, 72 % and 28 % charges and the stall), each judged against the log by the claim checker.
 */
export async function modelSChartSpec(store: TelemetryStore): Promise<VegaLiteSpec> {
  await ingest(store, { input: { path: join(DIR, 'telemetry.csv.gz') }, format: 'csv', source: 'fixtures/model-s-2013/telemetry.csv.gz', deviceId: MODEL_S_DEVICE });
  await refreshSessions(store, MODEL_S_DEVICE, -8.64e15);
  const input = await loadChartData(store, { deviceId: MODEL_S_DEVICE });
  const places = (JSON.parse(readFileSync(join(DIR, 'places.json'), 'utf8')) as FixturePlace[])
    .filter((p) => MODEL_S_MARKERS[p.name])
    .map((p): ChartPlace => ({ name: MODEL_S_MARKERS[p.name]!, atMs: Date.parse(p.at), kind: p.kind === 'charger' ? 'charger' : 'stop' }));
  const annotations = (JSON.parse(readFileSync(join(DIR, 'annotations.json'), 'utf8')) as (AnnotationLike & { annotationId: string })[])
    .filter((a) => a.annotationId !== 'ms13-passed-charger');
  for (const a of annotations) {
    a.verdict = await claimVerdict(a.claim, (fromMs, toMs) => store.withConnection((conn) => readSeries(conn, { deviceId: MODEL_S_DEVICE, fromMs, toMs })));
  }
  return buildChartSpec(
    { ...input, places, callouts: annotationCallouts(annotations, ['call-out']) },
    { x: 'distance', ...MODEL_S_SIZE, units: IMPERIAL_UNITS, title: 'Model S, Washington DC → Boston, 23–24 January 2013 (reconstructed log)' },
  );
}
