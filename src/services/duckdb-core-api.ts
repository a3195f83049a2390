import type { CoreApi } from './core-api.ts';
import type { Services } from './compose-services.ts';
import { pageEvents, pageIncidents, pageSessions } from './list-pages.ts';
import { readTelemetry } from './telemetry-read-service.ts';

/** The core routes' interface over the DuckDB services (the same calls those routes always made). */
export function coreApiOfServices(services: Services): CoreApi {
  const { store } = services;
  return {
    storeKind: 'duckdb',
    now: () => store.now(),
    schemaVersion: () => store.schemaVersion(),
    ingest: (request) => services.ingest.ingest(request),
    readTelemetry: (request) => readTelemetry(store, request),
    pageSessions: (request) => pageSessions(store, request),
    pageEvents: (request) => pageEvents(store, request),
    pageIncidents: (request) => pageIncidents(store, request),
    findIncident: (incidentId) => services.incidents.find(incidentId),
    findDevice: (deviceId) => services.devices.find(deviceId),
    chart: (request) => services.charts.produce(request),
    keys: services.keys,
    audit: services.audit,
  };
}
