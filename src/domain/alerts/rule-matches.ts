import type { Severity } from '../events/detected-event.ts';
import type { AlertRule } from './alert-rule.ts';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export interface MatchableEvent {
  deviceId: string;
  kind: string;
  severity: Severity;
  /** The device's fleet from the devices table, if any. */
  fleet: string | null;
}

/** Whether an event falls under a rule: every condition given must hold. */
export function ruleMatches(rule: AlertRule, event: MatchableEvent): boolean {
  if (rule.enabled === false) return false;
  const m = rule.match;
  if (m.kinds && !m.kinds.includes(event.kind as never)) return false;
  if (m.minSeverity && SEVERITY_RANK[event.severity] < SEVERITY_RANK[m.minSeverity]) return false;
  if (m.deviceIds && !m.deviceIds.includes(event.deviceId)) return false;
  if (m.fleets && (event.fleet === null || !m.fleets.includes(event.fleet))) return false;
  return true;
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}
