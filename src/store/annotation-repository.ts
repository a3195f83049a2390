import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Value } from 'typebox/value';
import type { Annotation, AnnotationInput } from '../domain/annotations/annotation.ts';
import { ClaimSchema } from '../domain/claims/claim.ts';
import { afterKeySql, limitValue } from './keyset-sql.ts';
import { inTransaction } from './in-transaction.ts';

const COLUMNS = `annotation_id, device_id, epoch_ms(start_ts)::DOUBLE, epoch_ms(end_ts)::DOUBLE, text, author, tags::VARCHAR, claim::VARCHAR,
  epoch_ms(created_at)::DOUBLE`;

function toAnnotation(r: readonly unknown[]): Annotation {
  const json = r[7] === null ? null : (JSON.parse(String(r[7])) as unknown);
  const claim = json !== null && Value.Check(ClaimSchema, json) ? json : null;
  // The claim column also carries other parts' references (an alert acknowledgement's incident id).
  const context = json !== null && claim === null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  return {
    annotationId: String(r[0]),
    deviceId: String(r[1]),
    startMs: Number(r[2]),
    endMs: r[3] === null ? null : Number(r[3]),
    text: String(r[4]),
    author: r[5] === null ? null : String(r[5]),
    tags: JSON.parse(String(r[6])) as string[],
    claim,
    context,
    createdAtMs: Number(r[8]),
  };
}

const values = (deviceId: string, a: AnnotationInput, id: string, nowMs: number): (string | number | null)[] => [
  id, deviceId, a.startMs, a.endMs ?? null, a.text, a.author ?? null, JSON.stringify(a.tags ?? []), a.claim ? JSON.stringify(a.claim) : null, nowMs,
];

const INSERT = `INSERT INTO annotations VALUES ($1, $2, epoch_ms(CAST($3 AS BIGINT)),
  CASE WHEN $4::DOUBLE IS NULL THEN NULL ELSE epoch_ms(CAST($4 AS BIGINT)) END, $5, $6, $7, $8, epoch_ms(CAST($9 AS BIGINT)))`;

/** Stores a new annotation; undefined when its id is already taken. */
export async function insertAnnotation(conn: DuckDBConnection, deviceId: string, a: AnnotationInput, nowMs: number): Promise<Annotation | undefined> {
  const id = a.annotationId ?? randomUUID();
  const taken = await conn.runAndReadAll('SELECT 1 FROM annotations WHERE annotation_id = $1', [id]);
  if (taken.getRows().length > 0) return undefined;
  await conn.run(INSERT, values(deviceId, a, id, nowMs));
  return getAnnotation(conn, deviceId, id);
}

/** Inserts or replaces annotations by id in one transaction (a replaced one keeps its created_at): loading a bundled file twice changes nothing. */
export async function upsertAnnotations(conn: DuckDBConnection, deviceId: string, list: readonly AnnotationInput[], nowMs: number): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  await inTransaction(conn, async () => {
    for (const a of list) {
      const id = a.annotationId ?? randomUUID();
      const old = await conn.runAndReadAll('SELECT epoch_ms(created_at)::DOUBLE FROM annotations WHERE annotation_id = $1', [id]);
      const row = old.getRows()[0];
      if (row) {
        await conn.run('DELETE FROM annotations WHERE annotation_id = $1', [id]);
        updated++;
      } else {
        created++;
      }
      await conn.run(INSERT, values(deviceId, a, id, row ? Number(row[0]) : nowMs));
    }
  });
  return { created, updated };
}

export async function getAnnotation(conn: DuckDBConnection, deviceId: string, annotationId: string): Promise<Annotation | undefined> {
  const reader = await conn.runAndReadAll(`SELECT ${COLUMNS} FROM annotations WHERE device_id = $1 AND annotation_id = $2`, [deviceId, annotationId]);
  const row = reader.getRows()[0];
  return row ? toAnnotation(row) : undefined;
}

export interface AnnotationQuery {
  deviceId: string;
  /** Annotations ending at or after it. */
  fromMs?: number | undefined;
  /** Annotations starting before it. */
  toMs?: number | undefined;
  /** Only those with a claim column (checkable claims; the column may also hold other references). */
  withClaim?: boolean | undefined;
  /** Keyset cursor: only annotations after this one (start, then id). */
  after?: { startMs: number; annotationId: string } | undefined;
  limit?: number | undefined;
}

/** A device's annotations overlapping the range, in time order. */
export async function listAnnotations(conn: DuckDBConnection, q: AnnotationQuery): Promise<Annotation[]> {
  const reader = await conn.runAndReadAll(
    `SELECT ${COLUMNS} FROM annotations WHERE device_id = $1
       AND coalesce(end_ts, start_ts) >= epoch_ms(CAST($2 AS BIGINT)) AND start_ts < epoch_ms(CAST($3 AS BIGINT))
       AND (NOT $4 OR claim IS NOT NULL)
       AND ${afterKeySql({ sort: 'start_ts', id: 'annotation_id', sortValue: 'epoch_ms(CAST($5 AS BIGINT))', nullParam: '$5::DOUBLE', idParam: '$6' })}
     ORDER BY start_ts, annotation_id LIMIT $7`,
    [q.deviceId, q.fromMs ?? -8.64e15, q.toMs ?? 8.64e15, q.withClaim ?? false, q.after?.startMs ?? null, q.after?.annotationId ?? null, limitValue(q.limit)],
  );
  return reader.getRows().map(toAnnotation);
}

/** True when there was such an annotation. */
export async function deleteAnnotation(conn: DuckDBConnection, deviceId: string, annotationId: string): Promise<boolean> {
  const reader = await conn.runAndReadAll('DELETE FROM annotations WHERE device_id = $1 AND annotation_id = $2 RETURNING annotation_id', [deviceId, annotationId]);
  return reader.getRows().length > 0;
}
