/** One past drive of a device: what it used and what the model expected for it. */
export interface CalibrationDrive {
  observed: number;
  predicted: number;
}

/**
 * observed/predicted over a device's recent drives, shrunk towards 1 by `priorWeight` (in units of
 * `predicted`): a few short drives should not swing the factor, many long ones should. Clamped,
 * because a factor outside [0.6, 1.8] says the data (SoC scale, capacity) is wrong, not the car.
 */
export function deviceCalibrationFactor(drives: readonly CalibrationDrive[], priorWeight = 2): number {
  let observed = 0;
  let predicted = 0;
  for (const d of drives) {
    if (!(Number.isFinite(d.observed) && d.predicted > 0)) continue;
    observed += d.observed;
    predicted += d.predicted;
  }
  const factor = (observed + priorWeight) / (predicted + priorWeight);
  return Math.min(1.8, Math.max(0.6, factor));
}
