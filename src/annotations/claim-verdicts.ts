import type { DuckDBConnection } from '@duckdb/node-api';
import type { Annotation, AnnotationWithVerdict } from '../domain/annotations/annotation.ts';
import { claimSpanMs, evaluateClaim } from '../domain/claims/evaluate-claim.ts';
import { readSeries } from '../store/series-repository.ts';

/**
 * Each annotation with the verdict on its claim (null without one). Reads only the telemetry each
 * claim needs, so a page of annotations over a long history stays cheap.
 */
export async function withVerdicts(conn: DuckDBConnection, annotations: readonly Annotation[]): Promise<AnnotationWithVerdict[]> {
  const out: AnnotationWithVerdict[] = [];
  for (const a of annotations) {
    if (!a.claim) {
      out.push({ ...a, verdict: null });
      continue;
    }
    const series = await readSeries(conn, { deviceId: a.deviceId, ...claimSpanMs(a.claim) });
    out.push({ ...a, verdict: evaluateClaim(series, a.claim) });
  }
  return out;
}
