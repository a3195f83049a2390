import type { AlertRule } from '../domain/alerts/alert-rule.ts';
import { deleteAlertRule, getAlertRule, listAlertRules, upsertAlertRule } from '../store/alert-rule-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/**
 * Alert rules in the store. Every change calls `onChanged` (the running alert engine re-reads its
 * rules); a CLI without an engine leaves it empty, and the server reads the rules on every scan.
 */
export class AlertRuleService {
  private readonly store: TelemetryStore;
  private readonly listeners: (() => void)[] = [];

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  onChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  list(): Promise<AlertRule[]> {
    return this.store.withConnection(listAlertRules);
  }

  find(ruleId: string): Promise<AlertRule | undefined> {
    return this.store.withConnection((conn) => getAlertRule(conn, ruleId));
  }

  /** Stores a rule whose id is new; false (nothing stored) when the id is taken. */
  async create(rule: AlertRule): Promise<boolean> {
    const created = await this.store.withConnection(async (conn) => ((await getAlertRule(conn, rule.ruleId)) ? false : upsertAlertRule(conn, rule, this.store.now())));
    this.changed();
    return created;
  }

  /** Creates or replaces by id; true when it was new. */
  async put(rule: AlertRule): Promise<boolean> {
    const created = await this.store.withConnection((conn) => upsertAlertRule(conn, rule, this.store.now()));
    this.changed();
    return created;
  }

  /** True when there was such a rule (its incidents and queued notices stay). */
  async remove(ruleId: string): Promise<boolean> {
    const removed = await this.store.withConnection((conn) => deleteAlertRule(conn, ruleId));
    this.changed();
    return removed;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
