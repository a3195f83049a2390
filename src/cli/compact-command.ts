import { withServices } from './with-services.ts';

/** `telltale compact`: prints devices per row group before and after, as one JSON line. */
export async function runCompactCommand(options: { db: string }): Promise<void> {
  const report = await withServices(options.db, {}, (services) => services.maintenance.compact());
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
