import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/** Service configuration: validated once at start-up, from flags over environment over defaults. */
export const ConfigSchema = Type.Object({
  dbPath: Type.String({ minLength: 1 }),
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  bodyLimitBytes: Type.Integer({ minimum: 1 }),
  memoryLimit: Type.String({ pattern: '^[0-9.]+ ?[KMGT]i?B$' }),
  /** Host names answered besides localhost and the listen address (TELLTALE_ALLOWED_HOSTS, comma-separated). */
  allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 255 })),
  /** Inside webhook targets allowed (TELLTALE_WEBHOOK_ALLOW, comma-separated addresses, CIDR ranges or host names). */
  webhookAllow: Type.Array(Type.String({ minLength: 1, maxLength: 255 })),
  /** Per key: requests a minute (TELLTALE_RATE_LIMIT), uploads at once (TELLTALE_UPLOADS_PER_KEY), replay sockets at once (TELLTALE_SOCKETS_PER_KEY). */
  requestsPerMinute: Type.Integer({ minimum: 1 }),
  uploadsPerKey: Type.Integer({ minimum: 1 }),
  socketsPerKey: Type.Integer({ minimum: 1 }),
  /** Days of data kept per fleet (TELLTALE_RETENTION, e.g. "north=30,south=365"); the server purges what is older, hourly. */
  retentionDays: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 })),
  /** Several processes on a ClickHouse store: how long a device-partition lease holds (TELLTALE_LEASE_TTL_MS) and how often it is renewed (TELLTALE_LEASE_RENEW_MS). */
  leaseTtlMs: Type.Integer({ minimum: 1000 }),
  leaseRenewMs: Type.Integer({ minimum: 100 }),
  logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')]),
});
export type Config = Static<typeof ConfigSchema>;

export const DEFAULT_DB_PATH = './data/telltale.duckdb';

export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = {
    dbPath: env.TELLTALE_DB ?? DEFAULT_DB_PATH,
    host: env.TELLTALE_HOST ?? '127.0.0.1',
    port: env.PORT ? Number(env.PORT) : 8080,
    bodyLimitBytes: env.TELLTALE_BODY_LIMIT_MB ? Math.round(Number(env.TELLTALE_BODY_LIMIT_MB) * 1024 * 1024) : 512 * 1024 * 1024,
    memoryLimit: env.TELLTALE_MEMORY_LIMIT ?? '2GB',
    logLevel: env.LOG_LEVEL ?? 'info',
    requestsPerMinute: env.TELLTALE_RATE_LIMIT ? Number(env.TELLTALE_RATE_LIMIT) : 1200,
    uploadsPerKey: env.TELLTALE_UPLOADS_PER_KEY ? Number(env.TELLTALE_UPLOADS_PER_KEY) : 4,
    socketsPerKey: env.TELLTALE_SOCKETS_PER_KEY ? Number(env.TELLTALE_SOCKETS_PER_KEY) : 16,
    retentionDays: Object.fromEntries((env.TELLTALE_RETENTION ?? '').split(',').filter((p) => p.includes('=')).map((p) => {
      const [fleet, days] = p.split('=');
      return [fleet!.trim(), Number(days)];
    })),
    leaseTtlMs: env.TELLTALE_LEASE_TTL_MS ? Number(env.TELLTALE_LEASE_TTL_MS) : 6_000,
    leaseRenewMs: env.TELLTALE_LEASE_RENEW_MS ? Number(env.TELLTALE_LEASE_RENEW_MS) : 2_000,
    webhookAllow: (env.TELLTALE_WEBHOOK_ALLOW ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    allowedHosts: (env.TELLTALE_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    ...defined,
  };
  if (!Value.Check(ConfigSchema, config)) {
    const problems = [...Value.Errors(ConfigSchema, config)].map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  return config;
}
