import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { AlertRuleSchema, ruleProblems, type AlertRule } from '../domain/alerts/alert-rule.ts';
import { DeliveryOptionsSchema } from './delivery-options.ts';

/** The alert rules file (`--alert-rules FILE` or TELLTALE_ALERT_RULES), loaded by `telltale serve`. */
export const AlertConfigSchema = Type.Object({
  rules: Type.Array(AlertRuleSchema),
  delivery: Type.Optional(Type.Partial(DeliveryOptionsSchema)),
  scanIntervalMs: Type.Optional(Type.Integer({ minimum: 1, description: 'How often the events table is scanned (default 200)' })),
  publicUrl: Type.Optional(Type.String({ description: "Prefix of replay links in notices, e.g. 'https://telltale.example.com'" })),
});
export type AlertConfig = Static<typeof AlertConfigSchema>;

/** Schema problems plus the cross-field ones, each naming the field, e.g. "/rules/0/escalation/1/receiver: …". */
export function alertRuleErrors(rule: unknown, at = ''): string[] {
  if (!Value.Check(AlertRuleSchema, rule)) return [...Value.Errors(AlertRuleSchema, rule)].map((e) => `${at}${e.instancePath || '/'}: ${e.message}`);
  return ruleProblems(rule).map((p) => `${at}/${p}`);
}

export function parseAlertConfig(value: unknown, source: string): AlertConfig {
  const problems = Value.Check(AlertConfigSchema, value)
    ? (value as AlertConfig).rules.flatMap((r, i) => alertRuleErrors(r, `/rules/${i}`))
    : [...Value.Errors(AlertConfigSchema, value)].map((e) => `${e.instancePath || '/'}: ${e.message}`);
  const ids = (value as AlertConfig).rules?.map((r: AlertRule) => r.ruleId) ?? [];
  for (const [i, id] of ids.entries()) if (ids.indexOf(id) !== i) problems.push(`/rules/${i}/ruleId: '${id}' appears twice`);
  if (problems.length > 0) throw new Error(`invalid alert rules in ${source}: ${problems.slice(0, 10).join('; ')}`);
  return value as AlertConfig;
}

export function loadAlertConfig(path: string): AlertConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read alert rules ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`alert rules ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseAlertConfig(json, path);
}
