import type { Severity } from '../../domain/events/detected-event.ts';
import type { Incident, IncidentState } from '../../domain/alerts/incident.ts';
import type { IncidentQuery, NewIncident } from '../incident-repository.ts';

/** Incidents opened by alert rules from events, and their open → acknowledged → resolved life. */
export interface IncidentBook {
  open(incident: NewIncident, nowMs: number): Promise<void>;
  get(incidentId: string): Promise<Incident | undefined>;
  /** Newest first. */
  list(q?: IncidentQuery): Promise<Incident[]>;
  /** A repeated or growing detection: widen the span, raise the severity, take the latest summary. */
  widen(incidentId: string, e: { startMs: number; endMs: number; severity: Severity; summary: string }, nowMs: number): Promise<void>;
  linkEvent(link: { incidentId: string; ruleId: string; eventId: string; eventUpdatedAtMs: number }): Promise<void>;
  /** Never backwards; the state before, or undefined when there is no such incident. */
  advance(incidentId: string, to: 'acknowledged' | 'resolved', by: string | null, note: string | null, nowMs: number): Promise<IncidentState | undefined>;
}
