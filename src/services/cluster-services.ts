import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AlertConfig } from '../alerts/alert-config.ts';
import { KeyService } from '../auth/key-service.ts';
import { loadDetectorSet } from '../detect/load-detectors.ts';
import { DeviceOwnership } from '../pipeline/device-ownership.ts';
import { OwnedBackendWork } from '../pipeline/owned-backend-work.ts';
import { ClickHouseBackend } from '../store/clickhouse/clickhouse-backend.ts';
import { ClickHouseLeaseStore } from '../store/lease/clickhouse-lease-store.ts';
import { BackendCoreApi } from './backend-core-api.ts';
import { BackendServices } from './backend-services.ts';
import type { ServiceLog } from './compose-services.ts';
import type { CoreApi } from './core-api.ts';

export interface ClusterServicesOptions {
  urls: readonly string[];
  database: string;
  alerts?: AlertConfig | undefined;
  webhookAllow?: readonly string[] | undefined;
  log: ServiceLog;
  lease?: { ttlMs?: number | undefined; renewEveryMs?: number | undefined } | undefined;
  /** This process's name in the lease log (default: host, pid and a random part). */
  ownerId?: string | undefined;
}

/** One serving process's services on a ClickHouse cluster; start() takes leases and starts the work loop, close() releases both. */
export interface ClusterServices {
  readonly core: CoreApi;
  readonly ownership: DeviceOwnership;
  readonly work: OwnedBackendWork;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The composition root of `telltale serve --store clickhouse://…`: the contract store (migrated),
 * the lease log on shard 1 and this process's DeviceOwnership, the contract services with the
 * detectors and alert rules, the owner's work loop, and the API keys in the store's KeyBook.
 */
export async function openClusterServices(o: ClusterServicesOptions): Promise<ClusterServices> {
  const backend = await ClickHouseBackend.open(o.urls, o.database);
  const set = await loadDetectorSet({ onWarning: (message) => o.log.warn({}, message) });
  const leases = new ClickHouseLeaseStore({ url: o.urls[0]!, database: o.database });
  const ownerId = o.ownerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const ownership = new DeviceOwnership(leases, {
    ownerId, ttlMs: o.lease?.ttlMs, renewEveryMs: o.lease?.renewEveryMs,
    onError: (err) => o.log.error({ err }, 'lease round failed'),
  });
  const services = new BackendServices(backend, {
    detectors: set.detectors, rules: o.alerts?.rules ?? [], delivery: o.alerts?.delivery, webhookAllow: o.webhookAllow, publicUrl: o.alerts?.publicUrl,
  });
  const work = new OwnedBackendWork(services, ownership, { onError: (err, deviceId) => o.log.error({ err, deviceId }, 'derived work failed') });
  ownership.onChange((change) => o.log.info({ ownerId, ...change, owned: ownership.ownedPartitions() }, 'device partitions changed'));
  const core = new BackendCoreApi(services, new KeyService(backend.keys, Date.now), () => work.nudge());
  let started = false;
  let closed = false;
  return {
    core,
    ownership,
    work,
    async start() {
      started = true;
      await ownership.start();
      work.start();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (started) {
          await work.stop();
          // Released, not left to expire: the other processes take the partitions at their next round.
          await ownership.stop();
        }
      } finally {
        await leases.close();
        await set.release();
        await services.close();
      }
    },
  };
}
