import type { DeviceFacts } from '../../domain/devices/device-facts.ts';
import type { DeviceSummary } from '../telemetry-repository.ts';

/** Devices: what telemetry says of them (first/last ts, rows) and the facts set by hand. */
export interface DeviceRegistry {
  list(page?: { afterId?: string | undefined; limit?: number | undefined }): Promise<DeviceSummary[]>;
  get(deviceId: string): Promise<DeviceSummary | undefined>;
  /** Sets the given fields (the others keep their value), creating the device if it has no data yet. */
  putFacts(deviceId: string, facts: DeviceFacts & { region?: string | undefined }): Promise<void>;
}
