import type { DuckDBConnection } from '@duckdb/node-api';

/** Newer wins, and a NULL time never replaces a known one (the batch had no such value). */
const newer = (value: string, at: string) =>
  `${value} = CASE WHEN excluded.${at} IS NOT NULL AND (devices.${at} IS NULL OR excluded.${at} >= devices.${at}) THEN excluded.${value} ELSE devices.${value} END,
   ${at} = CASE WHEN excluded.${at} IS NOT NULL AND (devices.${at} IS NULL OR excluded.${at} >= devices.${at}) THEN excluded.${at} ELSE devices.${at} END`;

/**
 * Brings each device's record up to date with rows a commit adds (`rows`: a table or view with
 * the telemetry columns, duplicates already dropped): its time span and row count, and its latest
 * SoC and row state with their times. Keeping the latest values here lets the fleet overview read
 * one row per device instead of every device's recent telemetry. Run inside the commit's
 * transaction, so the record always agrees with the rows.
 */
export async function upsertDeviceSpans(conn: DuckDBConnection, rows: string, nowMs: number): Promise<void> {
  await conn.run(
    `INSERT INTO devices (device_id, first_ts, last_ts, row_count, updated_at, latest_soc_pct, latest_soc_ts, latest_state, latest_state_ts, ts_ordered, states)
     SELECT device_id, min(ts), max(ts), count(*), epoch_ms(CAST($1 AS BIGINT)),
            arg_max(soc_pct, ts) FILTER (WHERE soc_pct IS NOT NULL), max(ts) FILTER (WHERE soc_pct IS NOT NULL),
            arg_max(state, ts) FILTER (WHERE state IS NOT NULL), max(ts) FILTER (WHERE state IS NOT NULL), true,
            coalesce(list(DISTINCT state ORDER BY state) FILTER (WHERE state IS NOT NULL), [])
     FROM ${rows} GROUP BY device_id
     ON CONFLICT (device_id) DO UPDATE SET
       first_ts = least(devices.first_ts, excluded.first_ts),
       last_ts = greatest(devices.last_ts, excluded.last_ts),
       row_count = devices.row_count + excluded.row_count,
       -- Every commit inserts its rows sorted by (device_id, ts), so the
       -- device's rows stay stored in time order while each batch starts after what is stored.
       ts_ordered = devices.row_count = 0 OR (coalesce(devices.ts_ordered, false) AND excluded.first_ts > devices.last_ts),
       -- Every state value the device has sent: a read's dictionary without a scan of the range.
       states = list_sort(list_distinct(list_concat(coalesce(devices.states, []), excluded.states))),
       updated_at = excluded.updated_at,
       ${newer('latest_soc_pct', 'latest_soc_ts')},
       ${newer('latest_state', 'latest_state_ts')}`,
    [nowMs],
  );
}

/** The latest values recomputed from what is stored (after rows were loaded or purged outside a commit). */
export const LATEST_VALUES_FROM_TELEMETRY_SQL = `
UPDATE devices SET latest_soc_pct = l.soc_pct, latest_soc_ts = l.soc_ts, latest_state = l.state, latest_state_ts = l.state_ts
FROM (SELECT device_id, arg_max(soc_pct, ts) FILTER (WHERE soc_pct IS NOT NULL) AS soc_pct, max(ts) FILTER (WHERE soc_pct IS NOT NULL) AS soc_ts,
             arg_max(state, ts) FILTER (WHERE state IS NOT NULL) AS state, max(ts) FILTER (WHERE state IS NOT NULL) AS state_ts
      FROM telemetry GROUP BY device_id) l
WHERE devices.device_id = l.device_id`;

/** Recomputes every device's latest values from its stored rows. */
export async function refreshLatestValues(conn: DuckDBConnection): Promise<void> {
  await conn.run(LATEST_VALUES_FROM_TELEMETRY_SQL);
}

/**
 * What reads need to know of each device's stored rows, from what is stored (after rows were
 * loaded or rewritten outside a commit): whether they are stored in time order (a scan returns a
 * table's rows in rowid order) and every state value among them.
 */
export const SCAN_FACTS_FROM_TELEMETRY_SQL = `
UPDATE devices SET ts_ordered = coalesce(o.ordered, true), states = coalesce(o.states, [])
FROM (SELECT d.device_id, bool_and(t.prev IS NULL OR t.ts >= t.prev) AS ordered,
             list(DISTINCT t.state ORDER BY t.state) FILTER (WHERE t.state IS NOT NULL) AS states
      FROM devices d LEFT JOIN (SELECT device_id, ts, state, lag(ts) OVER (PARTITION BY device_id ORDER BY rowid) AS prev FROM telemetry) t USING (device_id)
      GROUP BY d.device_id) o
WHERE devices.device_id = o.device_id`;

/** Recomputes every device's scan facts (time order, state values) from its stored rows. */
export async function refreshScanFacts(conn: DuckDBConnection): Promise<void> {
  await conn.run(SCAN_FACTS_FROM_TELEMETRY_SQL);
}
