import type { DuckDBConnection } from '@duckdb/node-api';
import type { AlertRule } from '../domain/alerts/alert-rule.ts';
import { limitValue } from './keyset-sql.ts';

/** Rules by id; `afterId` and `limit` page through them (keyset). */
export async function listAlertRules(conn: DuckDBConnection, page: { afterId?: string | undefined; limit?: number | undefined } = {}): Promise<AlertRule[]> {
  const reader = await conn.runAndReadAll('SELECT rule::VARCHAR FROM alert_rules WHERE ($1::VARCHAR IS NULL OR rule_id > $1) ORDER BY rule_id LIMIT $2', [page.afterId ?? null, limitValue(page.limit)]);
  return reader.getRows().map((r) => JSON.parse(String(r[0])) as AlertRule);
}

export async function getAlertRule(conn: DuckDBConnection, ruleId: string): Promise<AlertRule | undefined> {
  const reader = await conn.runAndReadAll('SELECT rule::VARCHAR FROM alert_rules WHERE rule_id = $1', [ruleId]);
  const row = reader.getRows()[0];
  return row ? (JSON.parse(String(row[0])) as AlertRule) : undefined;
}

/** Inserts or replaces a rule; returns true when it was new. */
export async function upsertAlertRule(conn: DuckDBConnection, rule: AlertRule, nowMs: number): Promise<boolean> {
  const existed = (await getAlertRule(conn, rule.ruleId)) !== undefined;
  await conn.run(
    `INSERT INTO alert_rules VALUES ($1, $2, epoch_ms(CAST($3 AS BIGINT)), epoch_ms(CAST($3 AS BIGINT)))
     ON CONFLICT (rule_id) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at`,
    [rule.ruleId, JSON.stringify(rule), nowMs],
  );
  return !existed;
}

/** Returns false when there was no such rule. Its incidents and queued notices stay. */
export async function deleteAlertRule(conn: DuckDBConnection, ruleId: string): Promise<boolean> {
  const reader = await conn.runAndReadAll('DELETE FROM alert_rules WHERE rule_id = $1 RETURNING rule_id', [ruleId]);
  return reader.getRows().length > 0;
}
