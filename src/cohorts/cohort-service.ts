import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow';
import { renderChart } from '../chart/render-chart.ts';
import { cohortChartSpec } from '../domain/chart/cohort-chart-spec.ts';
import { buildCohortResult } from '../domain/cohorts/build-cohort-result.ts';
import { DRIVE_DIMENSIONS, resolveCohortQuery, type CohortQuery } from '../domain/cohorts/cohort-query.ts';
import type { CohortResult } from '../domain/cohorts/cohort-result.ts';
import { COHORT_ROW_NUMBERS, cohortRows, type CohortRow } from '../domain/cohorts/cohort-rows.ts';
import { judgeWatch, type SavedCohort, type SavedCohortBody, type WatchCheck } from '../domain/cohorts/cohort-watch.ts';
import { readCohortAggregate, readCohortNps, writeRowsAsParquet } from '../store/cohort-repository.ts';
import { enqueueOutbox } from '../store/outbox-repository.ts';
import { deleteSavedCohort, getSavedCohort, listSavedCohorts, upsertSavedCohort } from '../store/saved-cohort-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

export type CohortFormat = 'json' | 'arrow' | 'arrows' | 'parquet' | 'ndjson' | 'svg' | 'png' | 'vl.json';
export const COHORT_FORMATS: readonly CohortFormat[] = ['json', 'arrow', 'arrows', 'parquet', 'ndjson', 'svg', 'png', 'vl.json'];

export interface CohortOutput {
  contentType: string;
  body: string | Buffer | Uint8Array;
}

const CONTENT_TYPES: Record<CohortFormat, string> = {
  json: 'application/json',
  arrow: 'application/vnd.apache.arrow.file',
  arrows: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
  ndjson: 'application/x-ndjson',
  svg: 'image/svg+xml',
  png: 'image/png',
  'vl.json': 'application/json',
};

function rowColumns(result: CohortResult): [string, 'VARCHAR' | 'DOUBLE' | 'BOOLEAN'][] {
  return [
    ['group', 'VARCHAR'],
    ...result.groupBy.map((d) => [d, 'VARCHAR'] as [string, 'VARCHAR']),
    ['kind', 'VARCHAR'],
    ['low_exposure', 'BOOLEAN'],
    ...COHORT_ROW_NUMBERS.map((n) => [n, 'DOUBLE'] as [string, 'DOUBLE']),
  ];
}

function rowsToArrow(result: CohortResult, rows: readonly CohortRow[], format: 'file' | 'stream'): Uint8Array {
  const arrays: Record<string, unknown[] | Float64Array> = {};
  for (const [name, type] of rowColumns(result)) {
    arrays[name] = type === 'DOUBLE' ? Float64Array.from(rows, (r) => (r[name] === null ? Number.NaN : Number(r[name]))) : rows.map((r) => r[name]);
  }
  return tableToIPC(tableFromArrays(arrays as never) as unknown as Table, format);
}

/** Cohorts of vehicles: who had which moment of truth, how often per hour and km driven, against whom. */
export class CohortService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  /** Phases: resolve the query (defaults, window) → aggregate in DuckDB → rates, intervals and ratios. */
  async query(query: CohortQuery): Promise<CohortResult> {
    const resolved = resolveCohortQuery(query, this.store.now());
    const rows = await this.store.withConnection((conn) => readCohortAggregate(conn, resolved));
    // Feedback belongs to a vehicle, not to a drive: no NPS for drive-condition groups.
    const withNps = resolved.feedback === true && !resolved.groupBy.some((d) => DRIVE_DIMENSIONS.has(d));
    const nps = withNps ? await this.store.withConnection((conn) => readCohortNps(conn, resolved)) : undefined;
    return buildCohortResult(resolved, rows, nps);
  }

  async render(result: CohortResult, format: CohortFormat, chart: { widthPx?: number; heightPx?: number; per?: 'hours' | 'km' } = {}): Promise<CohortOutput> {
    const contentType = CONTENT_TYPES[format];
    if (format === 'json') return { contentType, body: JSON.stringify(result) };
    const rows = cohortRows(result);
    if (format === 'ndjson') return { contentType, body: rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '') };
    if (format === 'arrow' || format === 'arrows') return { contentType, body: rowsToArrow(result, rows, format === 'arrow' ? 'file' : 'stream') };
    if (format === 'parquet') return { contentType, body: await this.parquet(result, rows) };
    const widthPx = chart.widthPx ?? 900;
    const heightPx = chart.heightPx ?? 120 + 60 * result.kinds.length * Math.max(2, result.groups.length) * 0.5;
    const spec = cohortChartSpec(result, { widthPx, heightPx, per: chart.per ?? 'hours' });
    return { contentType, body: await renderChart(spec, { format, widthPx, heightPx: Math.round(heightPx) }) };
  }

  async save(name: string, body: SavedCohortBody): Promise<SavedCohort> {
    await this.store.withConnection((conn) => upsertSavedCohort(conn, name, body, this.store.now()));
    return (await this.get(name))!;
  }

  async list(): Promise<SavedCohort[]> {
    return this.store.withConnection(listSavedCohorts);
  }

  async get(name: string): Promise<SavedCohort | undefined> {
    return this.store.withConnection((conn) => getSavedCohort(conn, name));
  }

  async remove(name: string): Promise<boolean> {
    return this.store.withConnection((conn) => deleteSavedCohort(conn, name));
  }

  /**
   * Checks every watched cohort (or one) at `nowMs`: recent window against the baseline before
   * it, and queues a signed webhook per receiver through the alerts outbox when the rate rose
   * significantly. The idempotency key holds the cohort, kind and UTC day of the check, so a
   * rise is reported once a day however often the check runs, and again after a restart only if
   * it had not been queued.
   */
  async checkWatches(options: { name?: string; nowMs?: number } = {}): Promise<WatchCheck[]> {
    const nowMs = options.nowMs ?? this.store.now();
    const saved = options.name ? [await this.get(options.name)].filter((c): c is SavedCohort => c !== undefined) : await this.list();
    const checks: WatchCheck[] = [];
    for (const cohort of saved) {
      const watch = cohort.watch;
      if (!watch) continue;
      const windowStartMs = nowMs - (watch.windowDays ?? 7) * 86_400_000;
      const baselineStartMs = windowStartMs - (watch.baselineDays ?? 28) * 86_400_000;
      const count = async (fromMs: number, toMs: number) => {
        const r = await this.query({ ...cohort.query, groupBy: [], kinds: [watch.kind], baseline: undefined, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
        const g = r.groups[0];
        return { count: g?.moments[0]?.count ?? 0, exposure: g ? ((watch.per ?? 'hours') === 'hours' ? g.drivingHours : g.drivingKm) : 0 };
      };
      const check = judgeWatch(cohort.name, watch, windowStartMs, nowMs, await count(windowStartMs, nowMs), await count(baselineStartMs, windowStartMs));
      checks.push(check);
      if (!check.rising) continue;
      const day = new Date(nowMs).toISOString().slice(0, 10);
      const payload = JSON.stringify({ type: 'cohort.rate_rise', idempotencyKey: `cohort.${cohort.name}.${watch.kind}.${day}`, cohort: { name: cohort.name, description: cohort.description ?? null, query: cohort.query }, check, checkedAtMs: nowMs });
      await this.store.withConnection(async (conn) => {
        for (const receiver of watch.receivers) {
          await enqueueOutbox(conn, {
            idempotencyKey: `cohort.${cohort.name}.${watch.kind}.${day}.${receiver.name}`,
            incidentId: `cohort:${cohort.name}`,
            step: 0,
            receiver: receiver.name,
            receiverUrl: receiver.url,
            receiverSecret: receiver.secret,
            deviceId: `cohort:${cohort.name}`,
            payload,
            dueAtMs: nowMs,
          }, nowMs);
        }
      });
    }
    return checks;
  }

  private async parquet(result: CohortResult, rows: readonly CohortRow[]): Promise<Buffer> {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-cohort-'));
    try {
      const input = join(dir, 'rows.ndjson');
      const output = join(dir, 'rows.parquet');
      writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
      await this.store.withConnection((conn) => writeRowsAsParquet(conn, input, rowColumns(result), output));
      return readFileSync(output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
