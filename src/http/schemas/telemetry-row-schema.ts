import { Type, type TSchema } from 'typebox';
import { TELEMETRY_COLUMNS, type ColumnDef } from '../../domain/telemetry-schema.ts';

function columnSchema(c: ColumnDef): TSchema {
  const doc = { description: c.unit ? `${c.description} (${c.unit})` : c.description };
  switch (c.kind) {
    case 'device':
      return Type.String({ ...doc, minLength: 1, maxLength: 128 });
    case 'timestamp':
      return Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ description: 'epoch ms' })], doc);
    case 'number':
      return Type.Union([Type.Number({ minimum: c.min, maximum: c.max }), Type.Null()], doc);
    case 'text':
      return Type.Union([Type.String({ maxLength: 64 }), Type.Null()], doc);
    case 'text_list':
      return Type.Union([Type.Array(Type.String()), Type.String({ description: "'|'-separated" }), Type.Null()], doc);
  }
}

/** One telemetry row as JSON (an NDJSON line in, a row of GET …/telemetry out), derived from the schema. */
export const TelemetryRowSchema = Type.Object(
  Object.fromEntries((TELEMETRY_COLUMNS as readonly ColumnDef[]).map((c) => [c.name, c.required ? columnSchema(c) : Type.Optional(columnSchema(c))])),
  { additionalProperties: true },
);

/** The columnar shape of GET …/telemetry?shape=columns: one array per column, all the same length, `ts` in epoch ms. */
export const TelemetryColumnsSchema = Type.Object(
  Object.fromEntries((TELEMETRY_COLUMNS as readonly ColumnDef[]).map((c) => [c.name, Type.Optional(Type.Array(c.kind === 'timestamp' ? Type.Number({ description: 'epoch ms' }) : columnSchema(c)))])),
);

/** A telemetry row as read back: only the columns asked for are present (`columns` is honoured exactly). */
export const TelemetryRowOutSchema = Type.Object(
  Object.fromEntries((TELEMETRY_COLUMNS as readonly ColumnDef[]).map((c) => [c.name, Type.Optional(columnSchema(c))])),
  { additionalProperties: true },
);
