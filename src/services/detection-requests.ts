import type { DetectWindow, DeviceDetection } from '../detect/detect-device.ts';
import type { DerivedPipeline } from '../pipeline/derived-pipeline.ts';
import type { DeviceService } from './device-service.ts';

/** Detection asked for (POST /v1/detect, `telltale detect`): a known device's window, queued behind its live work. */
export class DetectionRequests {
  private readonly devices: DeviceService;
  private readonly pipeline: DerivedPipeline;

  constructor(devices: DeviceService, pipeline: DerivedPipeline) {
    this.devices = devices;
    this.pipeline = pipeline;
  }

  /** NOT_FOUND for an unknown device; otherwise the events found and what changed in the store. */
  async detect(deviceId: string, window: DetectWindow): Promise<DeviceDetection> {
    await this.devices.require(deviceId);
    return this.pipeline.detect(deviceId, window);
  }

  /** Every device in the store, one after the other. */
  async detectAll(window: DetectWindow, onDevice: (result: DeviceDetection) => void): Promise<void> {
    for (const { deviceId } of await this.devices.list()) onDevice(await this.pipeline.detect(deviceId, window));
  }
}
