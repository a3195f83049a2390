import type { SimulatorConfig } from './simulator-config.ts';
import { SIMULATOR_CONFIGS } from './simulator-configs.ts';

const train = SIMULATOR_CONFIGS.train!;
const { sparseDrivingShare: _s, sparseDrivingS: _d, gpsJitterShare: _j, gpsJitterM: _m, ...quirks } = train.quirks;

/**
 * `train`'s vehicles, roads and weather, reported at 1 Hz in the schema's words: `train` without
 * the reporting shapes it draws for the detectors (`ready`/`standby` wording, sparse modems, GPS
 * scatter, tapered limp modes; those draws are skipped, so the fleets are otherwise byte-identical).
 * The energy model is a fit of physics: modems that send a row every 15 s give no windows at the
 * fit's step limit and leave a fit with a negative auxiliary power, so it is fitted on this world.
 * The simulator's physics and label tests run on it too (they were written for 1 Hz driving).
 */
export const TRAIN_PHYSICS_CONFIG: SimulatorConfig = {
  ...train,
  name: 'train-physics',
  strandings: { cutoffSocPct: [0, 2], limpPct: [2, 3], limpKw: [8, 25] },
  quirks: { ...quirks, wording: { words: 2, off: 1, gears: 1 } },
};
