import type { SimulatorConfig } from '../../src/simulate/simulator-config.ts';
import { SIMULATOR_CONFIGS } from '../../src/simulate/simulator-configs.ts';

const train = SIMULATOR_CONFIGS.train!;
const { sparseDrivingShare: _s, sparseDrivingS: _d, gpsJitterShare: _j, gpsJitterM: _m, ...quirks } = train.quirks;

/**
 * `train` as it was before it drew `ready`/`standby` wording, sparse modems, GPS scatter and
 * tapered limp modes (byte-identical fleets: those draws are skipped). The physics and label tests
 * below were written for 1 Hz driving and the schema's words, so they run on this world; the
 * widened shapes are tested in simulator-configs.test.ts.
 */
export const TRAIN_BEFORE_WIDENING: SimulatorConfig = {
  ...train,
  name: 'train-before-widening',
  strandings: { cutoffSocPct: [0, 2], limpPct: [2, 3], limpKw: [8, 25] },
  quirks: { ...quirks, wording: { words: 2, off: 1, gears: 1 } },
};
