import { join } from 'node:path';
import type { Detector } from '../domain/detect/detector.ts';
import { createChannelAnomalyDetector } from '../domain/detect/channel-anomalies.ts';

/** The repository's models/ folder (trained models are committed with the code). */
export const MODELS_DIR = join(import.meta.dirname, '../../models');

/** Every detector the service runs, with its models loaded from `modelsDir`. */
export async function loadDetectors(modelsDir: string = MODELS_DIR): Promise<Detector[]> {
  void modelsDir;
  return [createChannelAnomalyDetector()];
}
