import type { Incident } from '../domain/alerts/incident.ts';
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

  outbox(q: OutboxQuery = {}): Promise<OutboxItem[]> {
    return this.store.withConnection((conn) => listOutbox(conn, q));
  }
}
