import { AlertEngine } from '../alerts/alert-engine.ts';
import type { AlertConfig } from '../alerts/alert-config.ts';
import { DeliveryWorker } from '../alerts/delivery-worker.ts';
import { loadDetectorSet } from '../detect/load-detectors.ts';
import type { Detector } from '../domain/detect/detector.ts';
import { DerivedPipeline, type DerivedPipelineOptions } from '../pipeline/derived-pipeline.ts';
import type { DeviceOwnership } from '../pipeline/device-ownership.ts';
import { compactTelemetry, measureClustering } from '../store/compact-telemetry.ts';
import { DuckDbBackend } from '../store/duckdb-backend.ts';
import { TelemetryStore, type StoreOptions } from '../store/telemetry-store.ts';
import { WriteLock } from '../store/write-lock.ts';
import { AuditLog } from '../auth/audit-log.ts';
import { KeyService } from '../auth/key-service.ts';
import { AlertRuleService } from './alert-rule-service.ts';
import { PrivacyService } from './privacy-service.ts';
import { AnnotationService } from './annotation-service.ts';
import { ChargerService } from './charger-service.ts';
import { ChartService } from './chart-service.ts';
import { DetectionRequests } from './detection-requests.ts';
import { DeviceService } from './device-service.ts';
import { HistoryService } from './history-service.ts';
import { IncidentService } from './incident-service.ts';
import { IngestService } from './ingest-service.ts';
import { ReplayService } from './replay-service.ts';
import { TelemetryService } from './telemetry-service.ts';
import { CohortService } from '../cohorts/cohort-service.ts';
import { FeedbackService } from '../feedback/feedback-service.ts';
import { HealthService } from '../health/health-service.ts';
import { WatchLoop } from './watch-loop.ts';

/** Where services report what a user of the process should see (pino in the server, stderr in the CLI). */
export interface ServiceLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: { err: unknown; [key: string]: unknown }, message: string): void;
}

const SILENT: ServiceLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ServicesOptions {
  /** Detectors to run; 'load' (the default) loads them from models/, [] runs none (commands that never detect). */
  detectors?: readonly Detector[] | 'load' | undefined;
  /** Alert rules and delivery settings from a config file, stored at start. */
  alerts?: AlertConfig | undefined;
  log?: ServiceLog | undefined;
  /** Throttle, clock and timers of the derived pipeline (tests). */
  pipeline?: Omit<DerivedPipelineOptions, 'onError' | 'onDetected'> | undefined;
  /** How often watched cohorts and health watches are checked in a live process (default 15 min). */
  watchIntervalMs?: number | undefined;
  /** Inside webhook targets allowed (TELLTALE_WEBHOOK_ALLOW): addresses, CIDR ranges or host names. */
  webhookAllow?: readonly string[] | undefined;
  /**
   * Several Telltale processes on one store: which devices' derived work (sessions, live
   * detection, alerts) this process owns, by leases in the store. Left out, the process owns every
   * device (one DuckDB file has one process). Started by start(), released by close().
   */
  ownership?: DeviceOwnership | undefined;
}

/**
 * Every service of the process, built once from one store. The HTTP app decorates itself with
 * them (src/http/plugins/services-plugin.ts) and every CLI command uses them (src/cli/with-services.ts);
 * routes and commands never open a connection or call a repository themselves.
 */
export interface Services {
  readonly store: TelemetryStore;
  readonly devices: DeviceService;
  readonly telemetry: TelemetryService;
  readonly ingest: IngestService;
  /** Sessions and events behind every commit, and detection on request: ONE per store. */
  readonly pipeline: DerivedPipeline;
  /** Detection asked for by a user (a device's window, checked to exist). */
  readonly detection: DetectionRequests;
  readonly history: HistoryService;
  readonly annotations: AnnotationService;
  readonly charts: ChartService;
  readonly replay: ReplayService;
  readonly chargers: ChargerService;
  readonly alertRules: AlertRuleService;
  readonly incidents: IncidentService;
  /** Cohorts of vehicles: rates of moments of truth with exact intervals; saved and watched cohorts. */
  readonly cohorts: CohortService;
  readonly feedback: FeedbackService;
  /** Journey health per vehicle and fleet; health watches. */
  readonly health: HealthService;
  readonly alerts: { readonly engine: AlertEngine; readonly worker: DeliveryWorker };
  /** API keys (hashed) and the audit trail of reads, replays, exports, charts and changes. */
  readonly keys: KeyService;
  readonly audit: AuditLog;
  /** Purges of a device's data, and retention per fleet. */
  readonly privacy: PrivacyService;
  readonly maintenance: { compact(): Promise<{ rows: number; devicesPerBlockBefore: number; devicesPerBlockAfter: number }> };
  /** Resumes what a crash left in the pipeline; with `live`, starts the alert engine and the delivery worker too (the server). */
  start(options?: { live?: boolean }): Promise<void>;
  /** Waits for queued derived work, stops the alert loops and releases the detectors' models; the store stays open. */
  close(): Promise<void>;
}

/** The composition root: the services over an open store (the caller owns the store). */
export async function composeServices(store: TelemetryStore, options: ServicesOptions = {}): Promise<Services> {
  const log = options.log ?? SILENT;
  let releaseModels = async (): Promise<void> => undefined;
  let detectors: readonly Detector[];
  if (options.detectors === undefined || options.detectors === 'load') {
    const set = await loadDetectorSet({ onWarning: (message) => log.warn({}, message) });
    detectors = set.detectors;
    releaseModels = set.release;
  } else {
    detectors = options.detectors;
  }
  const ownership = options.ownership;
  const pipeline = new DerivedPipeline(store, detectors, {
    ...options.pipeline,
    ...(ownership ? { ownership } : {}),
    onError: (err, deviceId) => log.error({ err, deviceId }, 'derived work failed'),
    onDetected: (r) => {
      if (r.changes.created.length + r.changes.updated.length + r.changes.removed.length > 0) {
        log.info({ deviceId: r.deviceId, created: r.changes.created.length, updated: r.changes.updated.length, removed: r.changes.removed.length }, 'events changed');
      }
    },
  });

  const alertLock = new WriteLock();
  const alertConfig = options.alerts;
  const engine = new AlertEngine(store, {
    lock: alertLock, scanIntervalMs: alertConfig?.scanIntervalMs, publicUrl: alertConfig?.publicUrl, ...(ownership ? { ownership } : {}),
    onError: (err) => log.error({ err }, 'alert scan failed'),
  });
  const worker = new DeliveryWorker(store, {
    lock: alertLock, delivery: alertConfig?.delivery, webhookAllow: options.webhookAllow, ...(ownership ? { ownership } : {}),
    onError: (err) => log.error({ err }, 'webhook delivery failed'),
    onAttempt: (item, outcome) => {
      if (outcome.kind !== 'delivered') log.warn({ key: item.idempotencyKey, receiver: item.receiver, outcome }, 'webhook attempt failed');
    },
  });
  engine.onQueued(() => void worker.nudge());
  // The nudge is the path: the engine scans when the pipeline says events changed (it polls only with scanIntervalMs).
  pipeline.onEventsChanged(() => void engine.nudge());

  const devices = new DeviceService(store);
  const alertRules = new AlertRuleService(store, (rule) => engine.applyToStored(rule));
  alertRules.onChanged(() => engine.rulesChanged());
  const cohorts = new CohortService(store);
  const health = new HealthService(store);
  const watches = new WatchLoop({
    cohorts, health, intervalMs: options.watchIntervalMs ?? 15 * 60_000,
    onQueued: () => void worker.nudge(),
    onError: (err) => log.error({ err }, 'watch check failed'),
  });
  const charts = new ChartService(store, devices);
  const audit = new AuditLog(store, (err) => log.error({ err }, 'audit trail write failed'));
  let live = false;
  let closed = false;

  return {
    store,
    devices,
    telemetry: new TelemetryService(store, devices),
    ingest: new IngestService(store, (touched) => pipeline.schedule(touched)),
    pipeline,
    detection: new DetectionRequests(devices, pipeline),
    history: new HistoryService(store, devices),
    annotations: new AnnotationService(store, devices),
    charts,
    replay: new ReplayService(store, devices),
    chargers: new ChargerService(store),
    alertRules,
    incidents: new IncidentService(store),
    cohorts,
    feedback: new FeedbackService(store),
    health,
    alerts: { engine, worker },
    keys: new KeyService(new DuckDbBackend(store).keys, () => store.now()),
    audit,
    privacy: new PrivacyService(store, devices, audit),
    maintenance: {
      async compact() {
        const before = await measureClustering(store);
        const after = await compactTelemetry(store);
        return { rows: after.rows, devicesPerBlockBefore: before.devicesPerBlock, devicesPerBlockAfter: after.devicesPerBlock };
      },
    },
    async start(startOptions = {}) {
      if (alertConfig) {
        for (const rule of alertConfig.rules) await alertRules.put(rule);
        log.info({ rules: alertConfig.rules.map((r) => r.ruleId) }, 'alert rules loaded');
      }
      // Leases first: resume takes only the owned devices' unfinished work.
      await ownership?.start();
      await pipeline.resume();
      if (startOptions.live) {
        live = true;
        engine.start();
        worker.start();
        watches.start();
        void engine.nudge();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pipeline.idle();
      await pipeline.close();
      if (live) {
        await watches.stop();
        await engine.stop();
        await worker.stop();
      }
      // Released, not left to expire: the other processes take the partitions at their next round.
      await ownership?.stop();
      await releaseModels();
      await charts.close();
      await audit.flush();
    },
  };
}

/** A store opened from a path plus its services; `close` closes both (the CLI's unit of work). */
export async function openServices(dbPath: string, storeOptions: StoreOptions, options: ServicesOptions = {}): Promise<Services> {
  const store = await TelemetryStore.open(dbPath, storeOptions);
  let services: Services;
  try {
    services = await composeServices(store, options);
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    ...services,
    async close() {
      try {
        await services.close();
      } finally {
        await store.close();
      }
    },
  };
}

