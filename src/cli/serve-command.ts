import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config, DEFAULT_DB_PATH } from '../config.ts';
import { loadAlertConfig } from '../alerts/alert-config.ts';
import { buildApp } from '../http/app.ts';
import { ingest } from '../ingest/ingest-pipeline.ts';
import type { TouchedRange } from '../store/staged-ingest.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';
import { defaultAllowedHosts } from '../http/auth/host-check.ts';
import { loadModelSDemo } from './model-s-demo.ts';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** The bundled real trips, loaded on `serve --demo` (idempotent: a second load is all duplicates). */
async function loadDemoData(store: TelemetryStore, log: (msg: string) => void, onCommitted: (touched: TouchedRange[]) => void): Promise<void> {
  const dir = join(FIXTURES_DIR, 'twizy-rsk');
  for (const file of readdirSync(dir).filter((f) => /\.csv(\.gz)?$/.test(f)).sort()) {
    const s = await ingest(store, {
      input: { path: join(dir, file) },
      format: 'csv',
      source: `fixtures/twizy-rsk/${file}`,
      deviceId: 'twizy-rsk',
      profile: 'twizy-rsk',
      onCommitted,
    });
    log(`demo data ${file}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected`);
  }
  await loadModelSDemo(store, FIXTURES_DIR, log, onCommitted);
}

/** The label of the admin key a start prints (the previous one is revoked). */
export const START_KEY_LABEL = 'serve-start';

export async function runServeCommand(overrides: Partial<Config> & { demo?: boolean; alertRules?: string | undefined; adminKeyFile?: string | undefined }): Promise<void> {
  const { demo, alertRules, adminKeyFile, ...rest } = overrides;
  const config = loadConfig(rest);
  // A bad rules file stops the start, before the store is opened, with the field that is wrong.
  const alerts = alertRules ? loadAlertConfig(alertRules) : undefined;
  const store = await TelemetryStore.open(config.dbPath, { memoryLimit: config.memoryLimit, createFolder: config.dbPath === DEFAULT_DB_PATH });
  const app = await buildApp({ store, bodyLimitBytes: config.bodyLimitBytes, logger: { level: config.logLevel }, alerts, allowedHosts: defaultAllowedHosts(config.host, config.allowedHosts), webhookAllow: config.webhookAllow });
  // The demo data goes through the same path as any upload: sessions and detection follow each commit.
  if (demo) {
    await loadDemoData(store, (msg) => app.log.info(msg), (touched) => app.detection.schedule(touched));
  }
  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'telltale stopping');
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // Auth is never off: each start replaces the start-up admin key and prints it once (the pages'
  // sign-in takes it; lasting keys come from `telltale keys create` or POST /v1/keys).
  const { token } = await app.keys.rotate(START_KEY_LABEL, { role: 'admin' });
  const address = await app.listen({ host: config.host, port: config.port });
  // With --admin-key-file the key goes to a file only the owner reads (scripts, secrets mounts), not to the log.
  if (adminKeyFile) writeFileSync(adminKeyFile, `${token}\n`, { mode: 0o600 });
  else process.stdout.write(`telltale admin key (replaced at each start): ${token}\n`);
  app.log.info({ url: address, db: config.dbPath }, 'telltale listening');
}
