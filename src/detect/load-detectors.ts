import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Detector } from '../domain/detect/detector.ts';
import { createBreakdownDetector } from '../domain/detect/breakdown.ts';
import { createChannelAnomalyDetector } from '../domain/detect/channel-anomalies.ts';
import { createChargeShortfallDetector } from '../domain/detect/charge-shortfall.ts';
import { loadEnergyModel } from '../models/load-energy-model.ts';
import { loadBreakdownScorer, type OnnxScorer } from '../models/onnx-breakdown-scorer.ts';

/** The repository's models/ folder (trained models are committed with the code). */
export const MODELS_DIR = join(import.meta.dirname, '../../models');

export interface LoadDetectorsOptions {
  modelsDir?: string;
  /** Told when a model is missing and its detector runs in a reduced form. */
  onWarning?: (message: string) => void;
}

/** Every detector the service runs, with its models loaded from `modelsDir` (never released: tests and scripts). */
export async function loadDetectors(options: LoadDetectorsOptions = {}): Promise<Detector[]> {
  return (await loadDetectorSet(options)).detectors;
}

/** The detectors and the release of what their models hold (the ONNX session): the composition root calls it on close. */
export async function loadDetectorSet(options: LoadDetectorsOptions = {}): Promise<{ detectors: Detector[]; release: () => Promise<void> }> {
  const dir = options.modelsDir ?? MODELS_DIR;
  const warn = options.onWarning ?? (() => undefined);
  const breakdownModel = join(dir, 'breakdown.onnx');
  let scorer: OnnxScorer | null = null;
  if (existsSync(breakdownModel)) scorer = await loadBreakdownScorer(breakdownModel);
  else warn(`${breakdownModel} not found: breakdowns are judged by the rules alone (run npm run train)`);
  const detectors: Detector[] = [createBreakdownDetector({ scorer })];
  const energyModel = join(dir, 'energy-model.json');
  if (existsSync(energyModel)) detectors.push(createChargeShortfallDetector({ energyModel: loadEnergyModel(energyModel) }));
  else warn(`${energyModel} not found: charge shortfalls are not detected (run npm run train:energy)`);
  detectors.push(createChannelAnomalyDetector());
  return { detectors, release: async () => scorer?.release() };
}
