import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { loadConfig, DEFAULT_DB_PATH, type Config } from '../config.ts';
import { loadAlertConfig } from '../alerts/alert-config.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { defaultAllowedHosts } from '../http/auth/host-check.ts';
import { buildApp } from '../http/app.ts';
import { FIXTURES_DIR, loadDemoData } from '../services/demo-data.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

export { FIXTURES_DIR };

/** The line `serve --demo` logs once everything derived from the demo data is stored (tests wait for it). */
export const DEMO_DERIVED_MESSAGE = 'demo data derived: detection idle';

/** The label of the admin key a start prints (the previous one is revoked). */
export const START_KEY_LABEL = 'serve-start';

export async function runServeCommand(overrides: Partial<Config> & { demo?: boolean; alertRules?: string | undefined; adminKeyFile?: string | undefined }): Promise<void> {
  const { demo, alertRules, adminKeyFile, ...rest } = overrides;
  // Reads hand DuckDB's result vectors (off-heap ArrayBuffers, ~10 MB per device-day) to the
  // socket. By default V8 starts a full collection after every ~64 MB of such memory whatever the
  // heap's size, about one per two device-day reads; counted within the heap's own growing limit
  // they cost a third as many (measured: bench:reads, Arrow p50 62 → 53 ms).
  setFlagsFromString('--external-memory-accounted-in-global-limit');
  const config = loadConfig(rest);
  // A bad rules file stops the start, before the store is opened, with the field that is wrong.
  const alerts = alertRules ? loadAlertConfig(alertRules) : undefined;
  const store = await TelemetryStore.open(config.dbPath, { memoryLimit: config.memoryLimit, createFolder: config.dbPath === DEFAULT_DB_PATH });
  const app = await buildApp({ store, bodyLimitBytes: config.bodyLimitBytes, logger: { level: config.logLevel }, alerts, allowedHosts: defaultAllowedHosts(config.host, config.allowedHosts), webhookAllow: config.webhookAllow,
    limits: { requestsPerMinute: config.requestsPerMinute, uploadsPerKey: config.uploadsPerKey, socketsPerKey: config.socketsPerKey },
  });
  const stop = async (): Promise<void> => {
    await app.close();
    await store.close();
  };
  // The demo data goes through the same path as any upload: the derived pipeline follows each commit.
  if (demo) await loadDemoData(app.services, (msg) => app.log.info(msg));
  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'telltale stopping');
    await stop();
    process.exit(0);
  };
  // Auth is never off: each start replaces the start-up admin key and prints it once (the pages'
  // sign-in takes it; lasting keys come from `telltale keys create` or POST /v1/keys).
  const { token } = await app.services.keys.rotate(START_KEY_LABEL, { role: 'admin' });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await stop();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new TelltaleError('PORT_IN_USE', MESSAGES.portInUse(config.host, config.port), { cause: err });
    throw err;
  }
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // With --admin-key-file the key goes to a file only the owner reads (scripts, secrets mounts), not to the log.
  if (adminKeyFile) writeFileSync(adminKeyFile, `${token}\n`, { mode: 0o600 });
  else process.stdout.write(`telltale admin key (replaced at each start): ${token}\n`);
  app.log.info({ url: address, db: config.dbPath }, 'telltale listening');
  // Retention per fleet: applied at start, then every hour (the timer does not keep the process up).
  if (Object.keys(config.retentionDays).length > 0) {
    const applyRetention = () =>
      app.services.privacy.applyRetention(config.retentionDays).then(
        (done) => app.log.info({ purged: done.filter((d) => d.telemetry > 0) }, 'retention applied'),
        (err: unknown) => app.log.error({ err }, 'retention failed'),
      );
    void applyRetention();
    setInterval(() => void applyRetention(), 3_600_000).unref();
  }
  if (demo) {
    // Not awaited: the server answers while the demo's sessions and events are derived.
    app.services.pipeline.idle().then(
      () => app.log.info(DEMO_DERIVED_MESSAGE),
      (err: unknown) => app.log.error({ err }, 'demo data not derived'),
    );
  }
}
