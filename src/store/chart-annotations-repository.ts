import type { DuckDBConnection } from '@duckdb/node-api';

/** An annotation as a chart needs it: when, what, and the claim (with its verdict once checked). */
export interface ChartAnnotation {
  annotationId: string;
  startMs: number;
  endMs: number | null;
  text: string;
  tags: string[];
  claim: Record<string, unknown> | null;
}

/** A device's annotations overlapping [fromMs, toMs), oldest first. */
export async function listChartAnnotations(conn: DuckDBConnection, deviceId: string, fromMs?: number, toMs?: number): Promise<ChartAnnotation[]> {
  const reader = await conn.runAndReadAll(
    `SELECT annotation_id, epoch_ms(start_ts)::DOUBLE, epoch_ms(end_ts)::DOUBLE, text, tags::VARCHAR, claim::VARCHAR FROM annotations
     WHERE device_id = $1 AND coalesce(end_ts, start_ts) >= epoch_ms(CAST($2 AS BIGINT)) AND start_ts < epoch_ms(CAST($3 AS BIGINT))
     ORDER BY start_ts, annotation_id`,
    [deviceId, fromMs ?? -8.64e15, toMs ?? 8.64e15],
  );
  return reader.getRows().map((r) => ({
    annotationId: String(r[0]),
    startMs: Number(r[1]),
    endMs: r[2] === null ? null : Number(r[2]),
    text: String(r[3]),
    tags: r[4] === null ? [] : (JSON.parse(String(r[4])) as string[]),
    claim: r[5] === null ? null : (JSON.parse(String(r[5])) as Record<string, unknown>),
  }));
}
