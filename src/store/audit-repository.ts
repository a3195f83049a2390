import type { DuckDBConnection } from '@duckdb/node-api';

/** One line of the audit trail: who (key id and role) did what to which device and range. */
export interface AuditEntry {
  atMs: number;
  keyId: string | null;
  role: string | null;
  action: string;
  method: string | null;
  route: string | null;
  deviceId: string | null;
  fromMs: number | null;
  toMs: number | null;
  target: string | null;
  status: number | null;
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  deviceId?: string | undefined;
  keyId?: string | undefined;
  action?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  limit?: number | undefined;
}

export async function insertAuditEntries(conn: DuckDBConnection, entries: readonly AuditEntry[]): Promise<void> {
  for (const e of entries) {
    await conn.run(
      `INSERT INTO audit_log VALUES (nextval('audit_seq'), epoch_ms(CAST($1 AS BIGINT)), $2, $3, $4, $5, $6, $7,
        epoch_ms(CAST($8 AS BIGINT)), epoch_ms(CAST($9 AS BIGINT)), $10, $11, CAST($12 AS JSON))`,
      [e.atMs, e.keyId, e.role, e.action, e.method, e.route, e.deviceId, e.fromMs, e.toMs, e.target, e.status, e.detail === null ? null : JSON.stringify(e.detail)],
    );
  }
}

export async function listAuditEntries(conn: DuckDBConnection, q: AuditQuery): Promise<(AuditEntry & { auditId: number })[]> {
  const reader = await conn.runAndReadAll(
    `SELECT audit_id, epoch_ms(at_ts)::DOUBLE, key_id, role, action, method, route, device_id, epoch_ms(from_ts)::DOUBLE, epoch_ms(to_ts)::DOUBLE,
            target, status, detail::VARCHAR
       FROM audit_log
      WHERE ($1::VARCHAR IS NULL OR device_id = $1) AND ($2::VARCHAR IS NULL OR key_id = $2) AND ($3::VARCHAR IS NULL OR action = $3)
        AND ($4::BIGINT IS NULL OR at_ts >= epoch_ms($4::BIGINT)) AND ($5::BIGINT IS NULL OR at_ts < epoch_ms($5::BIGINT))
      ORDER BY audit_id DESC LIMIT $6`,
    [q.deviceId ?? null, q.keyId ?? null, q.action ?? null, q.fromMs ?? null, q.toMs ?? null, q.limit ?? 1000],
  );
  const num = (v: unknown) => (v === null ? null : Number(v));
  const str = (v: unknown) => (v === null ? null : String(v));
  return reader.getRows().map((r) => ({
    auditId: Number(r[0]),
    atMs: Number(r[1]),
    keyId: str(r[2]),
    role: str(r[3]),
    action: String(r[4]),
    method: str(r[5]),
    route: str(r[6]),
    deviceId: str(r[7]),
    fromMs: num(r[8]),
    toMs: num(r[9]),
    target: str(r[10]),
    status: num(r[11]),
    detail: r[12] === null ? null : (JSON.parse(String(r[12])) as Record<string, unknown>),
  }));
}
