import { openReplaySource, type OpenResult } from '../replay/open-replay.ts';
import type { OpenCommand } from '../replay/replay-protocol.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { DeviceService } from './device-service.ts';

/** Replays read from the store a window at a time (src/replay/store-replay-source.ts). */
export class ReplayService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;

  constructor(store: TelemetryStore, devices: DeviceService) {
    this.store = store;
    this.devices = devices;
  }

  /** A source for an `open` command, or the error (code and message from the catalogue) to send back. */
  async open(command: OpenCommand): Promise<OpenResult> {
    return openReplaySource(this.store, command, await this.devices.find(command.deviceId));
  }
}
