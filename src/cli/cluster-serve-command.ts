import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadAlertConfig } from '../alerts/alert-config.ts';
import { loadConfig, type Config } from '../config.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { defaultAllowedHosts } from '../http/auth/host-check.ts';
import { buildClusterApp } from '../http/cluster-app.ts';
import { openClusterServices } from '../services/cluster-services.ts';
import type { ServiceLog } from '../services/compose-services.ts';
import type { StoreLocation } from '../store/contract/store-url.ts';
import { START_KEY_LABEL } from './serve-command.ts';

/**
 * `telltale serve --store clickhouse://…`: one of several processes on one cluster. Any of them
 * takes ingest and answers the core routes; each device's derived work (sessions, detection,
 * incidents, webhooks) runs in the process holding its partition's lease (docs/scale-out.md).
 */
export async function runClusterServeCommand(
  location: Extract<StoreLocation, { kind: 'clickhouse' }>,
  overrides: Partial<Config> & { alertRules?: string | undefined; adminKeyFile?: string | undefined },
): Promise<void> {
  const { alertRules, adminKeyFile, ...rest } = overrides;
  const config = loadConfig(rest);
  const alerts = alertRules ? loadAlertConfig(alertRules) : undefined;
  // The services log through the app's logger, which exists only once the app is built on them.
  let appLog: ServiceLog | undefined;
  const log: ServiceLog = {
    info: (fields, msg) => appLog?.info(fields, msg),
    warn: (fields, msg) => appLog?.warn(fields, msg),
    error: (fields, msg) => appLog?.error(fields, msg),
  };
  const cluster = await openClusterServices({
    urls: location.urls, database: location.database, alerts, webhookAllow: config.webhookAllow, log,
    lease: { ttlMs: config.leaseTtlMs, renewEveryMs: config.leaseRenewMs },
  });
  let app: Awaited<ReturnType<typeof buildClusterApp>>;
  try {
    app = await buildClusterApp({
      core: cluster.core, bodyLimitBytes: config.bodyLimitBytes, logger: { level: config.logLevel }, allowedHosts: defaultAllowedHosts(config.host, config.allowedHosts),
      limits: { requestsPerMinute: config.requestsPerMinute, uploadsPerKey: config.uploadsPerKey, socketsPerKey: config.socketsPerKey },
    });
  } catch (err) {
    await cluster.close();
    throw err;
  }
  appLog = app.log;
  const stop = async (): Promise<void> => {
    await app.close();
    await cluster.close();
  };
  let address: string;
  try {
    await cluster.start();
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await stop();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new TelltaleError('PORT_IN_USE', MESSAGES.portInUse(config.host, config.port), { cause: err });
    throw err;
  }
  // Keys are shared by every process on the cluster: each process replaces only its own start-up
  // key (per host and port listened on), never another running process's.
  const { token } = await cluster.core.keys.rotate(`${START_KEY_LABEL}@${hostname()}:${new URL(address).port}`, { role: 'admin' });
  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'telltale stopping');
    await stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  if (adminKeyFile) writeFileSync(adminKeyFile, `${token}\n`, { mode: 0o600 });
  else process.stdout.write(`telltale admin key (replaced at each start): ${token}\n`);
  app.log.info({ url: address, store: 'clickhouse', database: location.database, ownerId: cluster.ownership.ownerId }, 'telltale listening');
}
