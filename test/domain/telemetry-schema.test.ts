import { describe, expect, it } from 'vitest';
import { TELEMETRY_COLUMNS } from '../../src/domain/telemetry-schema.ts';
import { TelemetryRowSchema } from '../../src/http/schemas/telemetry-row-schema.ts';
import { telemetryArrowSchema } from '../../src/store/arrow-schema.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';

const names = TELEMETRY_COLUMNS.map((c) => c.name);

describe('one telemetry schema', () => {
  it('is what the DuckDB table, the Arrow schema and the HTTP row schema are made of', async () => {
    const store = await TelemetryStore.open(':memory:');
    try {
      const r = await store.db.runAndReadAll("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'telemetry' ORDER BY ordinal_position");
      const table = r.getRows().map(([n, t]) => [String(n), String(t)]);
      expect(table.map(([n]) => n)).toEqual(names);
      expect(Object.fromEntries(table)).toMatchObject({ device_id: 'VARCHAR', ts: 'TIMESTAMP', speed_kph: 'DOUBLE', error_codes: 'VARCHAR[]' });
      expect(await store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    } finally {
      await store.close();
    }
    expect(telemetryArrowSchema().fields.map((f) => f.name)).toEqual(names);
    expect(Object.keys(TelemetryRowSchema.properties)).toEqual(names);
    expect(TelemetryRowSchema.required).toEqual(['device_id', 'ts']);
  });

  it('puts units in the names of numeric columns and bounds on every one', () => {
    for (const c of TELEMETRY_COLUMNS) {
      if (c.kind !== 'number') continue;
      expect(c.name, c.name).toMatch(/_(kph|pct|km|c|m|kw)$|^(lat|lon)$/);
      expect(c.min, c.name).toBeLessThan(c.max);
    }
  });
});
