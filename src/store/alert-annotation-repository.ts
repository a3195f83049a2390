import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';

export interface IncidentAnnotation {
  deviceId: string;
  startMs: number;
  endMs: number | null;
  text: string;
  author: string | null;
  tags: string[];
  /** What the note is about, e.g. { incidentId }. */
  claim: Record<string, unknown> | null;
}

/**
 * Writes an acknowledgement note on the device's timeline, in the caller's transaction. The
 * annotations table belongs to the annotations API; alerts only add rows to it.
 */
export async function insertIncidentAnnotation(conn: DuckDBConnection, a: IncidentAnnotation, nowMs: number): Promise<string> {
  const annotationId = randomUUID();
  await conn.run(
    `INSERT INTO annotations VALUES ($1, $2, epoch_ms(CAST($3 AS BIGINT)), CASE WHEN $4::DOUBLE IS NULL THEN NULL ELSE epoch_ms(CAST($4 AS BIGINT)) END,
       $5, $6, $7, $8, epoch_ms(CAST($9 AS BIGINT)))`,
    [annotationId, a.deviceId, Math.round(a.startMs), a.endMs === null ? null : Math.round(a.endMs), a.text, a.author, JSON.stringify(a.tags),
      a.claim === null ? null : JSON.stringify(a.claim), nowMs],
  );
  return annotationId;
}

/** The notes `advance` wrote for an incident (its acknowledgement and resolution), oldest first. */
export async function listIncidentNotes(conn: DuckDBConnection, incidentId: string): Promise<{ state: 'acknowledged' | 'resolved'; atMs: number; by: string | null; text: string }[]> {
  const reader = await conn.runAndReadAll(
    `SELECT json_extract_string(claim, '$.state') AS state, epoch_ms(created_at)::DOUBLE, author, text FROM annotations
     WHERE json_extract_string(claim, '$.incidentId') = $1 AND json_extract_string(claim, '$.state') IN ('acknowledged', 'resolved') ORDER BY created_at, annotation_id`,
    [incidentId],
  );
  return reader.getRows().map((r) => ({ state: String(r[0]) as 'acknowledged' | 'resolved', atMs: Number(r[1]), by: r[2] === null ? null : String(r[2]), text: String(r[3]) }));
}
