import { describe, expect, it } from 'vitest';
import { parseAlertConfig } from '../../../src/alerts/alert-config.ts';
import type { AlertRule } from '../../../src/domain/alerts/alert-rule.ts';
import { ruleMatches } from '../../../src/domain/alerts/rule-matches.ts';

const rule: AlertRule = {
  ruleId: 'r1', name: 'R1', match: { kinds: ['breakdown'], minSeverity: 'warning', fleets: ['north'] },
  receivers: [{ name: 'driver', url: 'http://127.0.0.1:9/hook', secret: 'secret-123' }],
  escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver' }],
};
const event = { deviceId: 'd1', kind: 'breakdown', severity: 'critical' as const, fleet: 'north' };

describe('alert rules', () => {
  it('match on kind, minimum severity, device and fleet', () => {
    expect(ruleMatches(rule, event)).toBe(true);
    expect(ruleMatches(rule, { ...event, kind: 'anomaly' })).toBe(false);
    expect(ruleMatches(rule, { ...event, severity: 'info' })).toBe(false);
    expect(ruleMatches(rule, { ...event, fleet: null })).toBe(false);
    expect(ruleMatches({ ...rule, match: { deviceIds: ['d2'] } }, event)).toBe(false);
    expect(ruleMatches({ ...rule, enabled: false }, event)).toBe(false);
  });

  it('a config file with problems is refused naming each field', () => {
    expect(() => parseAlertConfig({ rules: [rule, { ...rule, escalation: [{ delayMs: 0, receiver: 'nobody', audience: 'x' }] }] }, 'rules.json')).toThrow(
      "invalid alert rules in rules.json: /rules/1/escalation/0/receiver: no receiver named 'nobody'",
    );
    expect(() => parseAlertConfig({ rules: [{ ...rule, receivers: [{ ...rule.receivers[0], url: 'ftp://x' }] }] }, 'f')).toThrow(/\/rules\/0\/receivers\/0\/url/);
    expect(() => parseAlertConfig({ rules: [rule, rule] }, 'f')).toThrow(/\/rules\/1\/ruleId: 'r1' appears twice/);
    expect(() => parseAlertConfig({ rules: [], delivery: { timeoutMs: 0 } }, 'f')).toThrow(/\/delivery\/timeoutMs/);
    expect(parseAlertConfig({ rules: [rule] }, 'f').rules).toHaveLength(1);
  });
});
