import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeviceRangeStats } from './contract/telemetry-log.ts';

/** Rows, top speed and mean SoC per device over [fromMs, toMs): the fleet-wide scan the scale benchmark times. */
export async function readFleetStats(conn: DuckDBConnection, fromMs: number, toMs: number): Promise<DeviceRangeStats[]> {
  const reader = await conn.runAndReadAll(
    `SELECT device_id, count(*)::DOUBLE, max(speed_kph), avg(soc_pct) FROM telemetry
     WHERE ts >= epoch_ms(CAST($1 AS BIGINT)) AND ts < epoch_ms(CAST($2 AS BIGINT)) GROUP BY device_id ORDER BY device_id`,
    [Math.trunc(fromMs), Math.trunc(toMs)],
  );
  return reader.getRows().map((r) => ({
    deviceId: String(r[0]), rows: Number(r[1]), maxSpeedKph: r[2] === null ? null : Number(r[2]), meanSocPct: r[3] === null ? null : Number(r[3]),
  }));
}
