/**
 * The real-data checks of the evaluation: the Model S 2013 fixture (its labelled moments and the
 * Norwich departure warning) and every real twizy-rsk trip (nothing may fire), through the store.
 * Both are archives recorded long ago: judged at their last row, as nobody heard them go silent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChargersCsv } from '../../src/chargers/parse-chargers-csv.ts';
import type { Detector } from '../../src/domain/detect/detector.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { detectAll } from './evaluate-config.ts';
import { MATCH_SLACK_MS } from './score-detection.ts';

const iso = (ms: number | null) => (ms === null ? '…' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export interface RealChecks {
  modelS: { events: { kind: string; subkind: string; startMs: number }[]; labels: { kind: string; subkind: string; found: boolean; warnedInTime: boolean | null }[]; norwichWarnedBeforeLeg: boolean | null; allLabelsFound: boolean } | null;
  twizy: { events: number; byTrip: Record<string, string[]> };
  lines: string[];
}

export async function runRealChecks(root: string, detectors: readonly Detector[]): Promise<RealChecks> {
  const lines: string[] = [];
  const store = await TelemetryStore.open(':memory:');
  const msDir = join(root, 'fixtures/model-s-2013');
  let modelS: RealChecks['modelS'] = null;
  try {
    await ingest(store, { input: { path: join(msDir, 'telemetry.csv.gz') }, format: 'csv', source: 'model-s', deviceId: 'model-s-2013' });
    const msChargers = parseChargersCsv(readFileSync(join(msDir, 'chargers.csv'), 'utf8')).chargers;
    const series = await store.withConnection((c) => readSeries(c, { deviceId: 'model-s-2013' }));
    const endMs = series.length ? series.tsMs[series.length - 1]! : 0;
    // An archive: its end is where the recording stops, not a silence anyone heard (judged at its last row).
    // The demo registers the car's model (its cut-off and gauge); so does this check.
    const found = await detectAll(detectors, series, 'model-s-2013', msChargers, { windowEndMs: endMs, device: { model: 'Tesla Model S 85' } });
    const msLabels = JSON.parse(readFileSync(join(msDir, 'labels.json'), 'utf8')) as { kind: string; subkind: string; start: string; end: string; warnBy?: string }[];
    lines.push(`Model S 2013 fixture (${series.length} rows): ${found.length} events`);
    for (const e of found) lines.push(`  ${iso(e.startMs)} → ${iso(e.endMs)}  ${e.severity.padEnd(8)} ${e.kind}/${e.subkind}  ${e.summary}`);
    const labelResults = msLabels.map((l) => {
      const start = Date.parse(l.start);
      const end = Date.parse(l.end);
      const hit = found.find((e) => e.kind === l.kind && e.startMs >= start - MATCH_SLACK_MS && e.startMs <= end + MATCH_SLACK_MS);
      const warnBy = l.warnBy ? Date.parse(l.warnBy) : null;
      const warned = warnBy === null ? null : found.some((e) => e.subkind === 'predicted_shortfall' && e.startMs >= start - 60 * 60_000 && e.startMs <= warnBy);
      lines.push(`  label ${l.kind}/${l.subkind} ${l.start}: ${hit ? `found (${hit.subkind} at ${iso(hit.startMs)})` : 'missed'}${warnBy === null ? '' : `; warned by ${l.warnBy}: ${warned ? 'yes' : 'no'}`}`);
      return { kind: l.kind, subkind: l.subkind, found: Boolean(hit), warnedInTime: warned };
    });
    modelS = {
      events: found.map((e) => ({ kind: e.kind, subkind: e.subkind, startMs: e.startMs })),
      labels: labelResults,
      norwichWarnedBeforeLeg: labelResults.find((l) => l.subkind === 'cold_departure')?.warnedInTime ?? null,
      allLabelsFound: labelResults.every((l) => l.found),
    };
  } catch (err) {
    lines.push(`Model S 2013 fixture: not evaluated (${(err as Error).message})`);
  }
  const twDir = join(root, 'fixtures/twizy-rsk');
  const byTrip: Record<string, string[]> = {};
  for (const file of readdirSync(twDir).filter((f) => /\.csv(\.gz)?$/.test(f)).sort()) {
    await ingest(store, { input: { path: join(twDir, file) }, format: 'csv', source: file, deviceId: file, profile: 'twizy-rsk' });
    const series = await store.withConnection((c) => readSeries(c, { deviceId: file }));
    const endMs = series.length ? series.tsMs[series.length - 1]! : 0;
    // A logged trip: the file ends where the logger stopped, which says nothing about the car
    // (a recording cut at speed is not a 12 V failure). Silence is only evidence when it was heard:
    // a live device that stopped reporting. So an archived file is judged at its last row.
    const found = await detectAll(detectors, series, file, [], { windowEndMs: endMs });
    byTrip[file] = found.map((e) => `${e.kind}/${e.subkind}@${iso(e.startMs)}`);
    lines.push(`twizy-rsk ${file.padEnd(22)} ${String(series.length).padStart(6)} rows: ${found.length ? found.map((e) => `${e.kind}/${e.subkind} at ${iso(e.startMs)}`).join('; ') : 'nothing'}`);
  }
  await store.close();
  return { modelS, twizy: { events: Object.values(byTrip).reduce((n, v) => n + v.length, 0), byTrip }, lines };
}
