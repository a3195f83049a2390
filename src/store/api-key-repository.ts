import type { DuckDBConnection } from '@duckdb/node-api';
import type { Role } from '../domain/auth/role.ts';

/** One stored key: the secret only as its SHA-256, never the token itself. */
export interface ApiKeyRecord {
  keyId: string;
  secretSha256: string;
  role: Role;
  fleets: string[] | null;
  label: string | null;
  createdAtMs: number;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
}

const SELECT = `SELECT key_id, secret_sha256, role, fleets::VARCHAR, label, epoch_ms(created_at)::DOUBLE, epoch_ms(expires_at)::DOUBLE, epoch_ms(revoked_at)::DOUBLE FROM api_keys`;

function toRecord(row: unknown[]): ApiKeyRecord {
  const ms = (v: unknown) => (v === null ? null : Number(v));
  return {
    keyId: String(row[0]),
    secretSha256: String(row[1]),
    role: row[2] as Role,
    fleets: row[3] === null ? null : (JSON.parse(String(row[3])) as string[]),
    label: (row[4] as string | null) ?? null,
    createdAtMs: Number(row[5]),
    expiresAtMs: ms(row[6]),
    revokedAtMs: ms(row[7]),
  };
}

export async function insertApiKey(conn: DuckDBConnection, key: ApiKeyRecord): Promise<void> {
  await conn.run(
    `INSERT INTO api_keys VALUES ($1, $2, $3, CAST($4 AS JSON), $5, epoch_ms(CAST($6 AS BIGINT)), epoch_ms(CAST($7 AS BIGINT)), NULL)`,
    [key.keyId, key.secretSha256, key.role, key.fleets === null ? null : JSON.stringify(key.fleets), key.label, key.createdAtMs, key.expiresAtMs],
  );
}

export async function getApiKey(conn: DuckDBConnection, keyId: string): Promise<ApiKeyRecord | undefined> {
  const reader = await conn.runAndReadAll(`${SELECT} WHERE key_id = $1`, [keyId]);
  const row = reader.getRows()[0];
  return row ? toRecord(row) : undefined;
}

export async function listApiKeys(conn: DuckDBConnection): Promise<ApiKeyRecord[]> {
  const reader = await conn.runAndReadAll(`${SELECT} ORDER BY created_at, key_id`);
  return reader.getRows().map(toRecord);
}

/** Marks a key revoked; true when it existed and was not revoked already. */
export async function revokeApiKey(conn: DuckDBConnection, keyId: string, nowMs: number): Promise<boolean> {
  const reader = await conn.runAndReadAll(
    'UPDATE api_keys SET revoked_at = epoch_ms(CAST($2 AS BIGINT)) WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id',
    [keyId, nowMs],
  );
  return reader.getRows().length > 0;
}

/** Revokes every live key with this label (the start-up admin key is replaced on each start). */
export async function revokeApiKeysByLabel(conn: DuckDBConnection, label: string, nowMs: number): Promise<string[]> {
  const reader = await conn.runAndReadAll(
    'UPDATE api_keys SET revoked_at = epoch_ms(CAST($2 AS BIGINT)) WHERE label = $1 AND revoked_at IS NULL RETURNING key_id',
    [label, nowMs],
  );
  return reader.getRows().map((r) => String(r[0]));
}
