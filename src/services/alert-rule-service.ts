import type { AlertRule } from '../domain/alerts/alert-rule.ts';
import { deleteAlertRule, getAlertRule, listAlertRules, upsertAlertRule } from '../store/alert-rule-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

export interface ApplyOptions {
  /** Also apply the rule to the events already stored. */
  applyToExisting?: boolean | undefined;
}

/**
 * Alert rules in the store. Every change calls `onChanged` (the running alert engine re-reads its
 * rules); a CLI without an engine leaves it empty, and the server reads the rules on every scan.
 */
export class AlertRuleService {
  private readonly store: TelemetryStore;
  private readonly listeners: (() => void)[] = [];
  private readonly applyToStored: (rule: AlertRule) => Promise<number>;

  /** `applyToStored` places the events already stored under a rule (the alert engine's). */
  constructor(store: TelemetryStore, applyToStored: (rule: AlertRule) => Promise<number>) {
    this.store = store;
    this.applyToStored = applyToStored;
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

  /**
   * Stores a rule whose id is new; false (nothing stored) when the id is taken. A rule acts on
   * events that change after it is stored; with `applyToExisting` it is also applied to every
   * event already stored (off by default: in production a new rule would otherwise page people
   * about last year's breakdowns). `applied` counts the (rule, event) pairs acted on.
   */
  async create(rule: AlertRule, options: ApplyOptions = {}): Promise<{ created: boolean; applied: number }> {
    const created = await this.store.withConnection(async (conn) => ((await getAlertRule(conn, rule.ruleId)) ? false : upsertAlertRule(conn, rule, this.store.now())));
    this.changed();
    const applied = created && options.applyToExisting ? await this.applyToStored(rule) : 0;
    return { created, applied };
  }

  /** Creates or replaces by id (`created`: it was new); `applyToExisting` as for create. */
  async put(rule: AlertRule, options: ApplyOptions = {}): Promise<{ created: boolean; applied: number }> {
    const created = await this.store.withConnection((conn) => upsertAlertRule(conn, rule, this.store.now()));
    this.changed();
    const applied = options.applyToExisting ? await this.applyToStored(rule) : 0;
    return { created, applied };
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
