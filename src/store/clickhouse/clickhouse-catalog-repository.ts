import { randomUUID } from 'node:crypto';
import { Value } from 'typebox/value';
import type { Annotation, AnnotationInput } from '../../domain/annotations/annotation.ts';
import type { Charger } from '../../domain/chargers/charger.ts';
import { ClaimSchema } from '../../domain/claims/claim.ts';
import type { DeviceFacts } from '../../domain/devices/device-facts.ts';
import type { AnnotationQuery } from '../annotation-repository.ts';
import type { DeviceSummary } from '../telemetry-repository.ts';
import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { latestDocs, writeDocs } from './clickhouse-doc-repository.ts';
import { readDeviceSpans } from './clickhouse-telemetry-repository.ts';
import { sqlString } from './clickhouse-sql.ts';

/** Devices (telemetry spans + facts set by hand), annotations and chargers: small tables on shard 1. */

type Facts = DeviceFacts & { region?: string | undefined };
const FACT_FIELDS = ['model', 'firmware', 'fleet', 'batteryKwh', 'reserveSocPct', 'cutoffSocPct', 'heatPump', 'region'] as const;

async function factsOf(conn: ClickHouseConnection, deviceIds?: readonly string[]): Promise<Map<string, Facts & { deviceId: string }>> {
  const where = deviceIds ? `device_id IN (${deviceIds.length ? deviceIds.map(sqlString).join(', ') : "''"})` : '1';
  const docs = await latestDocs<Facts & { deviceId: string }>(conn, 'device_facts', ['device_id'], where);
  return new Map(docs.map((d) => [d.deviceId, d]));
}

async function summaries(conn: ClickHouseConnection, deviceIds?: readonly string[]): Promise<DeviceSummary[]> {
  const [spans, facts] = await Promise.all([readDeviceSpans(conn, deviceIds), factsOf(conn, deviceIds)]);
  const ids = [...new Set([...spans.keys(), ...facts.keys()])].sort();
  return ids.map((deviceId) => {
    const s = spans.get(deviceId);
    const f = facts.get(deviceId);
    return {
      deviceId, firstTs: s ? new Date(s.firstTs).toISOString() : null, lastTs: s ? new Date(s.lastTs).toISOString() : null, rowCount: s?.rows ?? 0,
      model: f?.model ?? null, firmware: f?.firmware ?? null, fleet: f?.fleet ?? null, batteryKwh: f?.batteryKwh ?? null,
      reserveSocPct: f?.reserveSocPct ?? null, cutoffSocPct: f?.cutoffSocPct ?? null, heatPump: f?.heatPump ?? null, region: f?.region ?? null,
    };
  });
}

export async function listDevicesCh(conn: ClickHouseConnection, page: { afterId?: string | undefined; limit?: number | undefined } = {}): Promise<DeviceSummary[]> {
  const all = (await summaries(conn)).filter((d) => page.afterId === undefined || d.deviceId > page.afterId);
  return page.limit === undefined ? all : all.slice(0, Math.floor(page.limit));
}

export async function getDeviceCh(conn: ClickHouseConnection, deviceId: string): Promise<DeviceSummary | undefined> {
  return (await summaries(conn, [deviceId]))[0];
}

/** Fields given replace the stored ones; the others keep their value. */
export async function putDeviceFactsCh(conn: ClickHouseConnection, deviceId: string, facts: Facts): Promise<void> {
  const current = (await factsOf(conn, [deviceId])).get(deviceId) ?? { deviceId };
  const next: Record<string, unknown> = { ...current };
  for (const f of FACT_FIELDS) if (facts[f] !== undefined && facts[f] !== null) next[f] = facts[f];
  await writeDocs(conn, 'device_facts', [{ keys: { device_id: deviceId }, doc: next }]);
}

type StoredAnnotation = Omit<Annotation, 'claim' | 'context'> & { claimJson: unknown };

function toAnnotation(a: StoredAnnotation): Annotation {
  const { claimJson: json, ...rest } = a;
  const claim = json !== null && Value.Check(ClaimSchema, json) ? json : null;
  const context = json !== null && claim === null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  return { ...rest, claim, context };
}

export async function addAnnotationCh(conn: ClickHouseConnection, deviceId: string, a: AnnotationInput, nowMs: number): Promise<Annotation | undefined> {
  const id = a.annotationId ?? randomUUID();
  const taken = await latestDocs(conn, 'annotations', ['annotation_id'], `annotation_id = ${sqlString(id)}`);
  if (taken.length > 0) return undefined;
  const doc: StoredAnnotation = {
    annotationId: id, deviceId, startMs: a.startMs, endMs: a.endMs ?? null, text: a.text, author: a.author ?? null, tags: a.tags ?? [],
    claimJson: a.claim ?? null, createdAtMs: nowMs,
  };
  await writeDocs(conn, 'annotations', [{ keys: { annotation_id: id, device_id: deviceId }, doc }]);
  return toAnnotation(doc);
}

export async function listAnnotationsCh(conn: ClickHouseConnection, q: AnnotationQuery): Promise<Annotation[]> {
  const all = (await latestDocs<StoredAnnotation>(conn, 'annotations', ['annotation_id'], `device_id = ${sqlString(q.deviceId)}`))
    .filter((a) => (a.endMs ?? a.startMs) >= (q.fromMs ?? -8.64e15) && a.startMs < (q.toMs ?? 8.64e15) && (!q.withClaim || a.claimJson !== null))
    .filter((a) => !q.after || a.startMs > q.after.startMs || (a.startMs === q.after.startMs && a.annotationId > q.after.annotationId))
    .sort((a, b) => a.startMs - b.startMs || (a.annotationId < b.annotationId ? -1 : 1))
    .map(toAnnotation);
  return q.limit === undefined ? all : all.slice(0, Math.floor(q.limit));
}

export async function removeAnnotationCh(conn: ClickHouseConnection, deviceId: string, annotationId: string): Promise<boolean> {
  const found = await latestDocs(conn, 'annotations', ['annotation_id'], `annotation_id = ${sqlString(annotationId)} AND device_id = ${sqlString(deviceId)}`);
  if (found.length === 0) return false;
  await writeDocs(conn, 'annotations', [{ keys: { annotation_id: annotationId, device_id: deviceId }, doc: null, deleted: true }]);
  return true;
}

export async function putChargersCh(conn: ClickHouseConnection, chargers: readonly Charger[], source: string, nowMs: number): Promise<{ created: number; updated: number }> {
  const known = new Map((await latestDocs<Charger & { createdAtMs: number }>(conn, 'chargers', ['charger_id'])).map((c) => [c.chargerId, c]));
  const created = chargers.filter((c) => !known.has(c.chargerId)).length;
  await writeDocs(conn, 'chargers', chargers.map((c) => ({ keys: { charger_id: c.chargerId }, doc: { ...c, source, createdAtMs: known.get(c.chargerId)?.createdAtMs ?? nowMs } })));
  return { created, updated: chargers.length - created };
}

export async function listChargersCh(conn: ClickHouseConnection, page: { afterId?: string | undefined; limit?: number | undefined } = {}): Promise<Charger[]> {
  const all = (await latestDocs<Charger>(conn, 'chargers', ['charger_id']))
    .filter((c) => page.afterId === undefined || c.chargerId > page.afterId)
    .sort((a, b) => (a.chargerId < b.chargerId ? -1 : 1))
    .map(({ chargerId, name, lat, lon, powerKw }) => ({ chargerId, name, lat, lon, powerKw }));
  return page.limit === undefined ? all : all.slice(0, Math.floor(page.limit));
}
