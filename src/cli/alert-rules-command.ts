import { readFileSync } from 'node:fs';
import { parseAlertConfig } from '../alerts/alert-config.ts';
import { withServices } from './with-services.ts';

export async function runAlertRulesList(opts: { db: string }): Promise<void> {
  const rules = await withServices(opts.db, {}, (services) => services.alertRules.list());
  const masked = rules.map((r) => ({ ...r, receivers: r.receivers.map((x) => ({ ...x, secret: '********' })) }));
  process.stdout.write(`${JSON.stringify(masked, null, 2)}\n`);
}

export async function runAlertRulesAdd(file: string, opts: { db: string; applyToExisting?: boolean }): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  const rules = Array.isArray(json) ? json : typeof json === 'object' && json !== null && 'rules' in json ? (json as { rules: unknown }).rules : [json];
  const config = parseAlertConfig({ rules }, file);
  await withServices(opts.db, {}, async (services) => {
    for (const rule of config.rules) {
      const { created, applied } = await services.alertRules.put(rule, { applyToExisting: opts.applyToExisting });
      process.stdout.write(`${created ? 'added' : 'replaced'} ${rule.ruleId}${opts.applyToExisting ? `, applied to ${applied} stored events` : ''}\n`);
    }
  });
}

export async function runAlertRulesRemove(ruleId: string, opts: { db: string }): Promise<void> {
  const removed = await withServices(opts.db, {}, (services) => services.alertRules.remove(ruleId));
  if (!removed) throw new Error(`no alert rule '${ruleId}'`);
  process.stdout.write(`removed ${ruleId}\n`);
}
