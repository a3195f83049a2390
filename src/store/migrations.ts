import { LATEST_VALUES_FROM_TELEMETRY_SQL, SCAN_FACTS_FROM_TELEMETRY_SQL } from './device-span-repository.ts';
import { telemetryTableColumnsSql } from './telemetry-ddl.ts';
import { TELEMETRY_MINUTES_DDL, TELEMETRY_MINUTES_FROM_TELEMETRY_SQL } from './telemetry-minutes-repository.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Versioned, append-only: a released migration is never edited; a change is a new entry.
 *
 * No PRIMARY KEY on telemetry: an ART index over (device_id, ts) made range reads slower and
 * inserts far slower. Uniqueness is enforced by the writer (anti-join before insert, under the
 * store's write lock), and rows are written sorted by (device_id, ts) so zone maps prune reads.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'telemetry, devices, ingest batches, quarantine',
    sql: `
CREATE TABLE telemetry (
  ${telemetryTableColumnsSql()}
);
CREATE TABLE devices (
  device_id VARCHAR PRIMARY KEY,
  model VARCHAR,
  firmware VARCHAR,
  fleet VARCHAR,
  first_ts TIMESTAMP,
  last_ts TIMESTAMP,
  row_count BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMP
);
CREATE TABLE ingest_batches (
  batch_id VARCHAR PRIMARY KEY,
  source VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  profile VARCHAR,
  status VARCHAR NOT NULL,
  received BIGINT,
  accepted BIGINT,
  duplicates BIGINT,
  rejected BIGINT,
  error VARCHAR,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP
);
CREATE TABLE quarantine (
  batch_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  row_number BIGINT,
  field VARCHAR,
  reason VARCHAR NOT NULL,
  raw_text VARCHAR,
  quarantined_at TIMESTAMP NOT NULL
);`,
  },
  {
    version: 2,
    name: 'sessions: drive, charge, park and gap periods per device',
    sql: `
CREATE TABLE sessions (
  session_id VARCHAR NOT NULL,
  device_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  start_ts TIMESTAMP NOT NULL,
  end_ts TIMESTAMP NOT NULL,
  period JSON NOT NULL
);`,
  },
  {
    version: 3,
    name: 'events (moments of truth), chargers, annotations',
    sql: `
CREATE TABLE events (
  event_id VARCHAR PRIMARY KEY,
  device_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  subkind VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  detector VARCHAR NOT NULL,
  start_ts TIMESTAMP NOT NULL,
  end_ts TIMESTAMP,
  lat DOUBLE,
  lon DOUBLE,
  summary VARCHAR NOT NULL,
  score DOUBLE,
  evidence JSON NOT NULL,
  detected_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE TABLE chargers (
  charger_id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  lat DOUBLE NOT NULL,
  lon DOUBLE NOT NULL,
  power_kw DOUBLE,
  source VARCHAR,
  created_at TIMESTAMP NOT NULL
);
CREATE TABLE annotations (
  annotation_id VARCHAR PRIMARY KEY,
  device_id VARCHAR NOT NULL,
  start_ts TIMESTAMP NOT NULL,
  end_ts TIMESTAMP,
  text VARCHAR NOT NULL,
  author VARCHAR,
  tags JSON NOT NULL,
  claim JSON,
  created_at TIMESTAMP NOT NULL
);`,
  },
  {
    version: 4,
    name: 'alerts: rules, incidents, incident events, webhook outbox, event cursor',
    sql: `
CREATE TABLE alert_rules (
  rule_id VARCHAR PRIMARY KEY,
  rule JSON NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE TABLE incidents (
  incident_id VARCHAR PRIMARY KEY,
  rule_id VARCHAR NOT NULL,
  device_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  summary VARCHAR NOT NULL,
  start_ts TIMESTAMP NOT NULL,
  end_ts TIMESTAMP NOT NULL,
  lat DOUBLE,
  lon DOUBLE,
  opened_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  acknowledged_at TIMESTAMP,
  acknowledged_by VARCHAR,
  resolved_at TIMESTAMP,
  resolved_by VARCHAR,
  note VARCHAR
);
CREATE TABLE incident_events (
  incident_id VARCHAR NOT NULL,
  rule_id VARCHAR NOT NULL,
  event_id VARCHAR NOT NULL,
  event_updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (rule_id, event_id)
);
CREATE SEQUENCE outbox_seq START 1;
CREATE TABLE outbox (
  outbox_id BIGINT PRIMARY KEY,
  idempotency_key VARCHAR NOT NULL UNIQUE,
  incident_id VARCHAR NOT NULL,
  step INTEGER NOT NULL,
  receiver VARCHAR NOT NULL,
  receiver_url VARCHAR NOT NULL,
  receiver_secret VARCHAR NOT NULL,
  device_id VARCHAR NOT NULL,
  seq BIGINT NOT NULL,
  payload JSON NOT NULL,
  status VARCHAR NOT NULL,
  attempts INTEGER NOT NULL,
  due_at TIMESTAMP NOT NULL,
  next_attempt_at TIMESTAMP NOT NULL,
  last_error VARCHAR,
  created_at TIMESTAMP NOT NULL,
  delivered_at TIMESTAMP,
  dead_lettered_at TIMESTAMP
);
CREATE TABLE alert_cursor (
  name VARCHAR PRIMARY KEY,
  updated_at TIMESTAMP NOT NULL
);`,
  },
  {
    version: 5,
    name: 'derived work recorded with each ingest commit',
    // One row per (batch, device), inserted in the batch's own transaction and deleted in the
    // transaction that writes the derived state, so an acknowledged batch's sessions and events
    // are never lost to a crash. fast_done: the breakdown-class detectors have judged it; the
    // throttled stage (sessions, long look-back detectors) deletes the row.
    sql: `
CREATE TABLE derived_work (
  batch_id VARCHAR NOT NULL,
  device_id VARCHAR NOT NULL,
  from_ts TIMESTAMP NOT NULL,
  to_ts TIMESTAMP NOT NULL,
  fast_done BOOLEAN NOT NULL DEFAULT false,
  recorded_at TIMESTAMP NOT NULL
);`,
  },
  {
    version: 6,
    name: 'devices: battery capacity, reserve and cut-off SoC, heat pump (device facts used by detection)',
    sql: `
ALTER TABLE devices ADD COLUMN battery_kwh DOUBLE;
ALTER TABLE devices ADD COLUMN reserve_soc_pct DOUBLE;
ALTER TABLE devices ADD COLUMN cutoff_soc_pct DOUBLE;
ALTER TABLE devices ADD COLUMN heat_pump BOOLEAN;`,
  },
  {
    version: 7,
    name: 'drive conditions as typed session columns (cohorts aggregate them without parsing JSON), device region',
    sql: `
ALTER TABLE sessions ADD COLUMN duration_s DOUBLE;
ALTER TABLE sessions ADD COLUMN distance_km DOUBLE;
ALTER TABLE sessions ADD COLUMN highway_km DOUBLE;
ALTER TABLE sessions ADD COLUMN arterial_km DOUBLE;
ALTER TABLE sessions ADD COLUMN city_km DOUBLE;
ALTER TABLE sessions ADD COLUMN highway_s DOUBLE;
ALTER TABLE sessions ADD COLUMN arterial_s DOUBLE;
ALTER TABLE sessions ADD COLUMN city_s DOUBLE;
ALTER TABLE sessions ADD COLUMN mean_outside_temp_c DOUBLE;
ALTER TABLE sessions ADD COLUMN temp_band VARCHAR;
ALTER TABLE sessions ADD COLUMN daylight VARCHAR;
UPDATE sessions SET duration_s = (period->>'durationS')::DOUBLE, distance_km = (period->>'distanceKm')::DOUBLE;
ALTER TABLE devices ADD COLUMN region VARCHAR;`,
  },
  {
    version: 8,
    name: 'saved cohorts (a named query, optionally watched)',
    sql: `
CREATE TABLE saved_cohorts (
  name VARCHAR PRIMARY KEY,
  body JSON NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);`,
  },
  {
    version: 9,
    name: 'customer feedback (survey scores, tickets, reviews) beside the logs',
    sql: `
CREATE TABLE feedback (
  feedback_id VARCHAR PRIMARY KEY,
  device_id VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  kind VARCHAR NOT NULL,
  score DOUBLE,
  channel VARCHAR,
  text VARCHAR,
  batch_id VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
);`,
  },
  {
    version: 10,
    name: 'journey health watches and the last state of each vehicle against them',
    sql: `
CREATE TABLE health_watches (
  watch_id VARCHAR PRIMARY KEY,
  body JSON NOT NULL,
  created_at TIMESTAMP NOT NULL
);
CREATE TABLE health_state (
  watch_id VARCHAR NOT NULL,
  device_id VARCHAR NOT NULL,
  below BOOLEAN NOT NULL,
  crossings INTEGER NOT NULL,
  score DOUBLE NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (watch_id, device_id)
);`,
  },
  {
    version: 11,
    name: 'access control: API keys (hashed) and the audit trail',
    sql: `
CREATE TABLE api_keys (
  key_id VARCHAR PRIMARY KEY,
  secret_sha256 VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  fleets JSON,
  label VARCHAR,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP,
  revoked_at TIMESTAMP
);
CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
  audit_id BIGINT PRIMARY KEY,
  at_ts TIMESTAMP NOT NULL,
  key_id VARCHAR,
  role VARCHAR,
  action VARCHAR NOT NULL,
  method VARCHAR,
  route VARCHAR,
  device_id VARCHAR,
  from_ts TIMESTAMP,
  to_ts TIMESTAMP,
  target VARCHAR,
  status INTEGER,
  detail JSON
);`,
  },
  {
    version: 12,
    name: "quarantine rows carry their device where it can be read, so a person's purge removes them too",
    sql: `ALTER TABLE quarantine ADD COLUMN device_id VARCHAR;`,
  },
  {
    version: 13,
    name: "devices keep their latest SoC and row state (the fleet overview reads one row per device, not each device's recent telemetry)",
    sql: `
ALTER TABLE devices ADD COLUMN latest_soc_pct DOUBLE;
ALTER TABLE devices ADD COLUMN latest_soc_ts TIMESTAMP;
ALTER TABLE devices ADD COLUMN latest_state VARCHAR;
ALTER TABLE devices ADD COLUMN latest_state_ts TIMESTAMP;
${LATEST_VALUES_FROM_TELEMETRY_SQL};`,
  },
  {
    version: 14,
    name: 'devices record whether their rows are stored in time order (a range read then needs no sort)',
    sql: `
ALTER TABLE devices ADD COLUMN ts_ordered BOOLEAN DEFAULT false;`,
  },
  // Apart: with both ALTERs (or an ALTER and the UPDATE) in one transaction, DuckDB refused to
  // commit on a store with devices ("another transaction has altered this table").
  { version: 15, name: 'devices: their state values', sql: 'ALTER TABLE devices ADD COLUMN states VARCHAR[];' },
  {
    version: 16,
    name: 'the new device facts computed from the stored rows',
    sql: `${SCAN_FACTS_FROM_TELEMETRY_SQL};`,
  },
  {
    version: 17,
    name: 'the timeline pyramid: each device summed up per minute, so a chart of a day reads 1,440 rows, not 86,400',
    sql: `${TELEMETRY_MINUTES_DDL};
${TELEMETRY_MINUTES_FROM_TELEMETRY_SQL}`,
  },
];
