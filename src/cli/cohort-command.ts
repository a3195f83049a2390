import { readFileSync, writeFileSync } from 'node:fs';
import { COHORT_FORMATS, type CohortFormat } from '../cohorts/cohort-service.ts';
import { parseCohortFlags, type CohortFlags } from '../domain/cohorts/parse-cohort-flags.ts';
import type { CohortResult } from '../domain/cohorts/cohort-result.ts';
import { withServices } from './with-services.ts';

export interface CohortCommandOptions extends Omit<CohortFlags, 'query'> {
  db: string;
  query?: string;
  format?: string;
  out?: string;
  per?: 'hours' | 'km';
}

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '–' : v.toFixed(digits));

function table(result: CohortResult): string {
  const lines = [`window ${new Date(result.fromMs).toISOString()} → ${new Date(result.toMs).toISOString()}, ${Math.round(result.confidence * 100)} % exact intervals, baseline ${result.baseline ?? '–'}`];
  for (const g of result.groups) {
    lines.push(`${g.label}: ${g.vehicles} vehicles, ${fmt(g.drivingHours, 1)} h, ${fmt(g.drivingKm, 0)} km${g.lowExposure ? '  (low exposure)' : ''}`);
    for (const m of g.moments) {
      const r = m.perThousandHours;
      const rr = m.ratioToBaseline;
      lines.push(
        `  ${m.kind.padEnd(18)} ${String(m.count).padStart(5)}  per 1,000 h ${fmt(r?.rate)} [${fmt(r?.lower)}, ${fmt(r?.upper)}]` +
          (rr ? `  ratio ${fmt(rr.ratio)} [${fmt(rr.lower)}, ${fmt(rr.upper)}] p=${fmt(rr.pValue, 4)}` : ''),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** `telltale cohort`: the same query as POST /v1/cohorts/query, from flags or a JSON file. */
export async function runCohortCommand(options: CohortCommandOptions): Promise<void> {
  const query = parseCohortFlags({ ...options, query: options.query ? JSON.parse(readFileSync(options.query, 'utf8')) : undefined });
  const format = (options.format ?? (options.out ? options.out.replace(/^.*?\.(vl\.json|[^.]+)$/, '$1') : 'table')) as CohortFormat | 'table';
  if (format !== 'table' && !COHORT_FORMATS.includes(format)) throw new Error(`--format ${format}: one of table, ${COHORT_FORMATS.join(', ')}`);
  await withServices(options.db, {}, async ({ cohorts }) => {
    const result = await cohorts.query(query);
    if (format === 'table') {
      process.stdout.write(table(result));
      return;
    }
    const out = await cohorts.render(result, format, { per: options.per });
    if (options.out) writeFileSync(options.out, out.body);
    else process.stdout.write(typeof out.body === 'string' ? `${out.body}${out.body.endsWith('\n') ? '' : '\n'}` : Buffer.from(out.body));
  });
}
