import { describe, expect, it } from 'vitest';
import { loadDetectorSet } from '../../src/detect/load-detectors.ts';
import { BREAKDOWN_FEATURE_COUNT } from '../../src/domain/detect/breakdown-features.ts';
import { loadBreakdownScorer } from '../../src/models/onnx-breakdown-scorer.ts';
import { composeServices } from '../../src/services/compose-services.ts';
import { openTempStore } from '../temp-store.ts';

describe('the ONNX session is released', () => {
  it('scores until released, then refuses (the native session is gone), and a second release is harmless', async () => {
    const scorer = await loadBreakdownScorer('models/breakdown.onnx');
    const features = new Float32Array(2 * BREAKDOWN_FEATURE_COUNT);
    const scores = await scorer.score(features, 2);
    expect(scores).toHaveLength(2);
    expect(scores.every((p) => p >= 0 && p <= 1)).toBe(true);
    await scorer.release();
    await expect(scorer.score(features, 2)).rejects.toThrow(/released/);
    await scorer.release();
  });

  it('loadDetectorSet hands back the release of what its models hold', async () => {
    const set = await loadDetectorSet();
    expect(set.detectors.map((d) => d.name).some((n) => n.startsWith('breakdown'))).toBe(true);
    await set.release();
    await set.release();
  });

  it('the composition root closes its services (pipeline finished, models released) and leaves the store to its owner', async () => {
    const store = await openTempStore();
    try {
      const services = await composeServices(store, { detectors: 'load' });
      await services.start();
      await services.close();
      // Closed services leave the store usable by its owner.
      expect(await services.devices.list()).toEqual([]);
    } finally {
      await store.dispose();
    }
  });
});
