import type { ApiKeyRecord } from '../api-key-repository.ts';
import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { latestDocs, writeDocs } from './clickhouse-doc-repository.ts';
import { sqlString } from './clickhouse-sql.ts';

/**
 * API keys on shard 1, as versioned documents keyed by key id: a revocation is a new version of
 * the key's document, read back exactly (argMax per key) before any merge.
 */

const byCreation = (a: ApiKeyRecord, b: ApiKeyRecord): number => a.createdAtMs - b.createdAtMs || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0);

export async function insertApiKeyCh(conn: ClickHouseConnection, key: ApiKeyRecord): Promise<void> {
  await writeDocs(conn, 'api_keys', [{ keys: { key_id: key.keyId }, doc: key }]);
}

export async function getApiKeyCh(conn: ClickHouseConnection, keyId: string): Promise<ApiKeyRecord | undefined> {
  return (await latestDocs<ApiKeyRecord>(conn, 'api_keys', ['key_id'], `key_id = ${sqlString(keyId)}`))[0];
}

export async function listApiKeysCh(conn: ClickHouseConnection): Promise<ApiKeyRecord[]> {
  return (await latestDocs<ApiKeyRecord>(conn, 'api_keys', ['key_id'])).sort(byCreation);
}

async function revokeAll(conn: ClickHouseConnection, keys: readonly ApiKeyRecord[], nowMs: number): Promise<string[]> {
  const live = keys.filter((k) => k.revokedAtMs === null);
  if (live.length > 0) await writeDocs(conn, 'api_keys', live.map((k) => ({ keys: { key_id: k.keyId }, doc: { ...k, revokedAtMs: nowMs } })));
  return live.map((k) => k.keyId);
}

export async function revokeApiKeyCh(conn: ClickHouseConnection, keyId: string, nowMs: number): Promise<boolean> {
  const key = await getApiKeyCh(conn, keyId);
  return (await revokeAll(conn, key ? [key] : [], nowMs)).length > 0;
}

/** The label is part of the document (it never changes for a key), so it is filtered after argMax. */
export async function revokeApiKeysByLabelCh(conn: ClickHouseConnection, label: string, nowMs: number): Promise<string[]> {
  const keys = (await listApiKeysCh(conn)).filter((k) => k.label === label);
  return revokeAll(conn, keys, nowMs);
}
