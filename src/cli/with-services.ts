import { DEFAULT_DB_PATH, loadConfig } from '../config.ts';
import { openServices, type Services, type ServicesOptions } from '../services/compose-services.ts';

/** What services tell a CLI user: warnings and errors on stderr, one line each; the rest is quiet. */
const CLI_LOG: ServicesOptions['log'] = {
  info: () => undefined,
  warn: (_fields, message) => process.stderr.write(`telltale: ${message}\n`),
  error: ({ err, deviceId }, message) => process.stderr.write(`telltale: ${message}${deviceId ? ` (${String(deviceId)})` : ''}: ${(err as Error).message}\n`),
};

/**
 * A command's unit of work: the store at `db` and its services (detectors only when the command
 * runs them), closed afterwards whatever happens. Only the default ./data folder is created: a
 * --db path in a folder that does not exist is DB_FOLDER_MISSING.
 */
export async function withServices<T>(db: string, options: ServicesOptions & { start?: boolean }, work: (services: Services) => Promise<T>): Promise<T> {
  const { start, ...servicesOptions } = options;
  const services = await openServices(db, { memoryLimit: loadConfig().memoryLimit, createFolder: db === DEFAULT_DB_PATH }, { log: CLI_LOG, detectors: [], ...servicesOptions });
  try {
    if (start) await services.start();
    return await work(services);
  } finally {
    await services.close();
  }
}
