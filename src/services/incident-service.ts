import { escalationSteps, incidentHistory, type IncidentDetail } from '../domain/alerts/incident-detail.ts';
import type { Incident } from '../domain/alerts/incident.ts';
import { listIncidentNotes } from '../store/alert-annotation-repository.ts';
import { getAlertRule } from '../store/alert-rule-repository.ts';
import { getEvents } from '../store/event-repository.ts';
import { getIncident, listIncidents, type IncidentQuery } from '../store/incident-repository.ts';
import { listOutbox, type OutboxItem, type OutboxQuery } from '../store/outbox-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/** Reads of what the alert engine and the delivery worker wrote: incidents and the webhook outbox. */
export class IncidentService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  list(q: IncidentQuery = {}): Promise<Incident[]> {
    return this.store.withConnection((conn) => listIncidents(conn, q));
  }

  find(incidentId: string): Promise<Incident | undefined> {
    return this.store.withConnection((conn) => getIncident(conn, incidentId));
  }

  /** The incident page: its events (evidence), its escalation ladder with each notice's delivery, and its history with the notes. */
  detail(incidentId: string): Promise<IncidentDetail | undefined> {
    return this.store.withConnection(async (conn) => {
      const incident = await getIncident(conn, incidentId);
      if (!incident) return undefined;
      const [rule, events, outbox, notes] = [
        await getAlertRule(conn, incident.ruleId), await getEvents(conn, incident.eventIds), await listOutbox(conn, { incidentId, limit: 1000 }), await listIncidentNotes(conn, incidentId),
      ];
      return { incident, ruleName: rule?.name ?? null, events, escalation: escalationSteps(rule, outbox), history: incidentHistory(incident, notes) };
    });
  }

  outbox(q: OutboxQuery = {}): Promise<OutboxItem[]> {
    return this.store.withConnection((conn) => listOutbox(conn, q));
  }
}
