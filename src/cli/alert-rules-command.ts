import { DEFAULT_DB_PATH } from '../config.ts';
import { readFileSync } from 'node:fs';
import { parseAlertConfig } from '../alerts/alert-config.ts';
import { deleteAlertRule, listAlertRules, upsertAlertRule } from '../store/alert-rule-repository.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

async function withStore<T>(db: string, work: (store: TelemetryStore) => Promise<T>): Promise<T> {
  const store = await TelemetryStore.open(db, { createFolder: db === DEFAULT_DB_PATH });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function runAlertRulesList(opts: { db: string }): Promise<void> {
  const rules = await withStore(opts.db, (s) => s.withConnection(listAlertRules));
  const masked = rules.map((r) => ({ ...r, receivers: r.receivers.map((x) => ({ ...x, secret: '********' })) }));
  process.stdout.write(`${JSON.stringify(masked, null, 2)}\n`);
}

export async function runAlertRulesAdd(file: string, opts: { db: string }): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  const rules = Array.isArray(json) ? json : typeof json === 'object' && json !== null && 'rules' in json ? (json as { rules: unknown }).rules : [json];
  const config = parseAlertConfig({ rules }, file);
  await withStore(opts.db, (s) =>
    s.withConnection(async (conn) => {
      for (const rule of config.rules) {
        const created = await upsertAlertRule(conn, rule, s.now());
        process.stdout.write(`${created ? 'added' : 'replaced'} ${rule.ruleId}\n`);
      }
    }),
  );
}

export async function runAlertRulesRemove(ruleId: string, opts: { db: string }): Promise<void> {
  const removed = await withStore(opts.db, (s) => s.withConnection((conn) => deleteAlertRule(conn, ruleId)));
  if (!removed) throw new Error(`no alert rule '${ruleId}'`);
  process.stdout.write(`removed ${ruleId}\n`);
}
