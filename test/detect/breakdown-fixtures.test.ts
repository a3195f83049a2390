import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { loadBreakdownScorer } from '../../src/models/onnx-breakdown-scorer.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { openTempStore } from '../temp-store.ts';

const DIR = join(import.meta.dirname, '../../fixtures/model-s-2013');

let store: Awaited<ReturnType<typeof openTempStore>>;
let series: TelemetrySeries;

beforeAll(async () => {
  store = await openTempStore();
  await ingest(store, { input: { path: join(DIR, 'telemetry.csv.gz') }, format: 'csv', source: 'model-s-2013', deviceId: 'model-s-2013' });
  series = await store.withConnection((conn) => readSeries(conn, { deviceId: 'model-s-2013' }));
});

afterAll(async () => store?.dispose());

describe('the Model S 2013 reconstruction', () => {
  it('has one breakdown: the Branford ramp shutdown, from the power cut through the tow to Milford, and nothing at the other stops', async () => {
    const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as { kind: string; start: string; end: string; tow: { start: string; end: string } }[];
    const label = labels.find((l) => l.kind === 'breakdown')!;
    const detector = createBreakdownDetector({ scorer: await loadBreakdownScorer(join(import.meta.dirname, '../../models/breakdown.onnx')) });
    // Registered as what it is: a Tesla, which drives on at 0 % displayed (so 1 % is not its cut-off).
    const device = { model: 'Tesla Model S 85' };
    const events = await detector.detect(series, { deviceId: 'model-s-2013', chargers: [], fromMs: -8.64e15, device });
    expect(events).toHaveLength(1);
    const e = events[0]!;
    // The power went at 17:09:29 (the "shutting down" warning showed two minutes before).
    expect(e.startMs).toBe(Date.parse(label.start));
    expect(e.endMs).toBe(Date.parse(label.tow.end));
    expect(e.evidence.find((x) => x.signal === 'tow')).toMatchObject({ atMs: expect.any(Number) });
    expect(e.evidence.find((x) => x.signal === 'error_codes')?.value).toBe('SHUTTING_DOWN');
    // The arrivals (Milford with 0 mi displayed, Groton, Manhattan) are not even rules candidates.
    expect(findBreakdownCandidates(series, { device })).toHaveLength(1);
  });
});
