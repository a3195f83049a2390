import { TELEMETRY_COLUMNS, type ColumnKind } from '../domain/telemetry-schema.ts';

const SQL_TYPE: Record<ColumnKind, string> = {
  device: 'VARCHAR NOT NULL',
  timestamp: 'TIMESTAMP NOT NULL', // UTC by convention: every value is written from epoch ms
  number: 'DOUBLE',
  text: 'VARCHAR',
  text_list: 'VARCHAR[]',
};

/** Column list of the telemetry table, derived from the schema. */
export function telemetryTableColumnsSql(): string {
  return TELEMETRY_COLUMNS.map((c) => `${c.name} ${SQL_TYPE[c.kind]}`).join(',\n  ');
}

