import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { BREAKDOWN_FEATURE_COUNT } from '../domain/detect/breakdown-features.ts';
import type { BreakdownScorer } from '../domain/detect/breakdown.ts';

/** Rows per session.run: bounds the memory of one call while keeping the per-call overhead small. */
export const SCORER_BATCH_ROWS = 4096;

/**
 * The breakdown model (written by `npm run train`) on onnxruntime's CPU provider. One session is
 * created and reused; candidates are scored SCORER_BATCH_ROWS rows at a time.
 */
/** A scorer holding an onnxruntime session: `release` frees it (native memory and threads), after which `score` refuses. */
export interface OnnxScorer extends BreakdownScorer {
  release(): Promise<void>;
}

export async function loadBreakdownScorer(path = 'models/breakdown.onnx'): Promise<OnnxScorer> {
  return createOnnxScorer(await readFile(path), path);
}

/** The same from bytes already in memory (tests, the training script's --check). */
export async function createOnnxScorer(bytes: Uint8Array, label = 'model bytes'): Promise<OnnxScorer> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw new Error(`cannot load the breakdown model from ${label}: ${(err as Error).message}`, { cause: err });
  }
  if (!session.inputNames.includes('features') || !session.outputNames.includes('probability')) {
    throw new Error(`${label} is not a breakdown model: expected input 'features' and output 'probability', got ${session.inputNames.join(',')} → ${session.outputNames.join(',')}`);
  }
  const width = BREAKDOWN_FEATURE_COUNT;
  let released = false;
  return {
    async score(features, rows) {
      if (released) throw new Error(`the breakdown model from ${label} was released`);
      if (features.length !== rows * width) throw new Error(`features has ${features.length} values; expected rows (${rows}) × ${width}`);
      const out = new Float32Array(rows);
      for (let start = 0; start < rows; start += SCORER_BATCH_ROWS) {
        const n = Math.min(SCORER_BATCH_ROWS, rows - start);
        const input = new ort.Tensor('float32', features.subarray(start * width, (start + n) * width), [n, width]);
        const result = await session.run({ features: input });
        out.set(result.probability!.data as Float32Array, start);
      }
      return out;
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
