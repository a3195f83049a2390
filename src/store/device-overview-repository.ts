import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { DAY_MS, WEEK_MS, type DeviceOverviewFields } from '../domain/devices/device-overview.ts';
import { deviceState, lastActivity } from '../domain/devices/device-state.ts';
import { limitValue } from './keyset-sql.ts';
import type { DeviceSummary } from './telemetry-repository.ts';

export type DeviceOverview = DeviceSummary & DeviceOverviewFields;

export interface DeviceOverviewQuery {
  fleet?: string | undefined;
  model?: string | undefined;
  firmware?: string | undefined;
  /** Part of the device id, any case. */
  q?: string | undefined;
  /** Only these fleets (a fleet-scoped key); undefined = every device. */
  fleets?: readonly string[] | undefined;
  afterId?: string | undefined;
  limit?: number | undefined;
  /** The clock the 24 h / 7 d windows and silence are counted from. */
  nowMs: number;
}

/**
 * One page of devices with everything the fleet overview shows, in one query: the page of
 * `devices` is cut first (filters, keyset, limit), then each per-device aggregate joins only that
 * page. The SoC and row state are the device record's latest values (kept by every commit,
 * device-span-repository.ts), so the overview reads one row per device whatever is stored; they
 * count when they are from the last 15 minutes of the device's rows, and a logger that sends SoC
 * more rarely falls back to its latest session's end SoC.
 */
export async function listDeviceOverviews(conn: DuckDBConnection, q: DeviceOverviewQuery): Promise<DeviceOverview[]> {
  const params: DuckDBValue[] = [
    q.fleet ?? null, q.model ?? null, q.firmware ?? null, q.q ?? null, q.afterId ?? null,
    q.fleets === undefined ? null : listValue([...q.fleets]), limitValue(q.limit), Math.round(q.nowMs), DAY_MS, WEEK_MS,
  ];
  const reader = await conn.runAndReadAll(
    `WITH page AS (
       SELECT * FROM devices
       WHERE ($1::VARCHAR IS NULL OR fleet = $1) AND ($2::VARCHAR IS NULL OR model = $2) AND ($3::VARCHAR IS NULL OR firmware = $3)
         AND ($4::VARCHAR IS NULL OR contains(lower(device_id), lower($4))) AND ($5::VARCHAR IS NULL OR device_id > $5)
         AND ($6::VARCHAR[] IS NULL OR list_contains($6::VARCHAR[], fleet))
       ORDER BY device_id LIMIT $7
     ),
     last_sessions AS (
       SELECT s.device_id, arg_max(s.kind, s.end_ts) AS kind, arg_max(TRY_CAST(json_extract_string(s.period, '$.socEndPct') AS DOUBLE), s.end_ts) AS soc_end,
              epoch_ms(max(s.end_ts))::DOUBLE AS end_ms
       FROM sessions s JOIN page p ON s.device_id = p.device_id GROUP BY s.device_id
     ),
     open_incidents AS (
       SELECT i.device_id, count(*) AS n FROM incidents i JOIN page p ON i.device_id = p.device_id WHERE i.state <> 'resolved' GROUP BY i.device_id
     ),
     moments AS (
       SELECT e.device_id,
              count(*) FILTER (WHERE e.kind = 'breakdown' AND e.start_ts >= epoch_ms(CAST($8 - $9 AS BIGINT))) AS b24,
              count(*) FILTER (WHERE e.kind = 'breakdown') AS b7,
              count(*) FILTER (WHERE e.kind = 'charge_shortfall' AND e.start_ts >= epoch_ms(CAST($8 - $9 AS BIGINT))) AS c24,
              count(*) FILTER (WHERE e.kind = 'charge_shortfall') AS c7
       FROM events e JOIN page p ON e.device_id = p.device_id
       WHERE e.kind IN ('breakdown', 'charge_shortfall') AND e.start_ts >= epoch_ms(CAST($8 - $10 AS BIGINT)) AND e.start_ts <= epoch_ms(CAST($8 AS BIGINT))
       GROUP BY e.device_id
     )
     SELECT p.device_id, epoch_ms(p.first_ts)::DOUBLE, epoch_ms(p.last_ts)::DOUBLE, p.row_count, p.model, p.firmware, p.fleet,
            p.battery_kwh, p.reserve_soc_pct, p.cutoff_soc_pct, p.heat_pump, p.region,
            CASE WHEN p.latest_soc_ts >= p.last_ts - INTERVAL 15 MINUTE THEN p.latest_soc_pct END,
            CASE WHEN p.latest_soc_ts >= p.last_ts - INTERVAL 15 MINUTE THEN epoch_ms(p.latest_soc_ts)::DOUBLE END,
            CASE WHEN p.latest_state_ts >= p.last_ts - INTERVAL 15 MINUTE THEN p.latest_state END, s.kind, s.soc_end, s.end_ms,
            coalesce(o.n, 0), coalesce(m.b24, 0), coalesce(m.b7, 0), coalesce(m.c24, 0), coalesce(m.c7, 0)
     FROM page p LEFT JOIN last_sessions s ON s.device_id = p.device_id
       LEFT JOIN open_incidents o ON o.device_id = p.device_id LEFT JOIN moments m ON m.device_id = p.device_id
     ORDER BY p.device_id`,
    params,
  );
  return reader.getRows().map((r) => toOverview(r, q.nowMs));
}

function toOverview(r: DuckDBValue[], nowMs: number): DeviceOverview {
  const num = (v: DuckDBValue | undefined) => (v === null || v === undefined ? null : Number(v));
  const str = (v: DuckDBValue | undefined) => (v === null || v === undefined ? null : String(v));
  const iso = (v: DuckDBValue | undefined) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
  const lastSeenMs = num(r[2]);
  const signals = { lastSessionKind: str(r[15]), lastRowState: str(r[14]) };
  const rowSoc = num(r[12]);
  return {
    deviceId: String(r[0]), firstTs: iso(r[1]), lastTs: iso(r[2]), rowCount: Number(r[3]), model: str(r[4]), firmware: str(r[5]), fleet: str(r[6]),
    batteryKwh: num(r[7]), reserveSocPct: num(r[8]), cutoffSocPct: num(r[9]), heatPump: r[10] === null ? null : Boolean(r[10]), region: str(r[11]),
    lastSeenMs, lastSeenTs: iso(r[2]),
    state: deviceState({ ...signals, lastSeenMs, nowMs }),
    lastActivity: lastActivity(signals),
    socPct: rowSoc ?? num(r[16]),
    socAtMs: rowSoc !== null ? num(r[13]) : r[16] === null ? null : num(r[17]),
    openIncidents: Number(r[18]), breakdowns24h: Number(r[19]), breakdowns7d: Number(r[20]), chargeShortfalls24h: Number(r[21]), chargeShortfalls7d: Number(r[22]),
  };
}

/** The fleets, models and firmwares devices have (the overview's filter choices), each sorted; only these fleets when given. */
export async function listDeviceFacets(conn: DuckDBConnection, fleets: readonly string[] | undefined): Promise<{ fleets: string[]; models: string[]; firmwares: string[] }> {
  const reader = await conn.runAndReadAll(
    `SELECT coalesce(list(DISTINCT fleet ORDER BY fleet) FILTER (WHERE fleet IS NOT NULL), []),
            coalesce(list(DISTINCT model ORDER BY model) FILTER (WHERE model IS NOT NULL), []),
            coalesce(list(DISTINCT firmware ORDER BY firmware) FILTER (WHERE firmware IS NOT NULL), [])
     FROM devices WHERE ($1::VARCHAR[] IS NULL OR list_contains($1::VARCHAR[], fleet))`,
    [fleets === undefined ? null : listValue([...fleets])],
  );
  const row = reader.getRows()[0]!;
  const items = (v: DuckDBValue | undefined) => ((v as { items: unknown[] } | null)?.items ?? []).map(String);
  return { fleets: items(row[0]), models: items(row[1]), firmwares: items(row[2]) };
}
