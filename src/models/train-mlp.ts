import type { MlpModel } from './onnx-mlp-writer.ts';
import { mulberry32 } from '../domain/seeded-random.ts';

export interface MlpTrainingOptions {
  /** Hidden units (0 = logistic regression). */
  hidden: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights (not the biases). */
  l2: number;
  seed: number;
  /** Weight of a positive row relative to a negative one; 'balanced' = negatives / positives. */
  positiveWeight: number | 'balanced';
}

export const DEFAULT_MLP_TRAINING: MlpTrainingOptions = { hidden: 8, epochs: 1500, learningRate: 0.02, l2: 1e-4, seed: 1, positiveWeight: 'balanced' };

/**
 * Deterministic training of a one-hidden-layer tanh MLP (or a logistic regression) for binary
 * labels: seeded initialisation, full-batch Adam in a fixed order, fixed epochs, float64 math.
 * The same rows and options give the same parameters on the same platform, so the ONNX file
 * written from them is byte-identical run after run.
 */
export function trainMlp(featureNames: readonly string[], rows: readonly (readonly number[])[], labels: readonly number[], options: MlpTrainingOptions = DEFAULT_MLP_TRAINING): MlpModel {
  const f = featureNames.length;
  const n = rows.length;
  if (n === 0) throw new Error('no training rows');
  if (labels.length !== n) throw new Error(`labels has ${labels.length} entries for ${n} rows`);
  rows.forEach((r, i) => {
    if (r.length !== f) throw new Error(`row ${i} has ${r.length} values; expected ${f}`);
    r.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new Error(`row ${i}, feature ${featureNames[j]}: ${v} is not a finite number`);
    });
  });

  // Standardisation from the training rows; a constant feature keeps std 1.
  const mean = new Float64Array(f);
  const std = new Float64Array(f);
  for (const r of rows) for (let j = 0; j < f; j++) mean[j]! += r[j]! / n;
  for (const r of rows) for (let j = 0; j < f; j++) std[j]! += (r[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < f; j++) std[j] = std[j]! > 1e-12 ? Math.sqrt(std[j]!) : 1;
  // Round through float32 first so training sees exactly what the ONNX graph will compute with.
  const mean32 = Float32Array.from(mean);
  const std32 = Float32Array.from(std);
  const x = rows.map((r) => r.map((v, j) => (Math.fround(v) - mean32[j]!) / std32[j]!));

  const positives = labels.filter((y) => y === 1).length;
  const wPos = options.positiveWeight === 'balanced' ? (positives > 0 ? (n - positives) / positives : 1) : options.positiveWeight;
  const sampleWeight = labels.map((y) => (y === 1 ? wPos : 1));
  const totalWeight = sampleWeight.reduce((a, b) => a + b, 0);

  const h = options.hidden;
  const rand = mulberry32(options.seed);
  const init = (fanIn: number) => (rand() * 2 - 1) * Math.sqrt(1 / fanIn);
  // Parameters as one flat vector: [W1 (f×h), b1 (h), W2 (h×1), b2] or [W (f), b] when h = 0.
  const sizes = h > 0 ? [f * h, h, h, 1] : [f, 1];
  const params = new Float64Array(sizes.reduce((a, b) => a + b, 0));
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  if (h > 0) {
    for (let i = 0; i < f * h; i++) params[i] = init(f);
    for (let i = 0; i < h; i++) params[offsets[2]! + i] = init(h);
  } else {
    for (let i = 0; i < f; i++) params[i] = init(f);
  }
  const isWeight = new Uint8Array(params.length);
  if (h > 0) {
    isWeight.fill(1, 0, f * h);
    isWeight.fill(1, offsets[2]!, offsets[2]! + h);
  } else isWeight.fill(1, 0, f);

  const m = new Float64Array(params.length);
  const v = new Float64Array(params.length);
  const grad = new Float64Array(params.length);
  const hidden = new Float64Array(h);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      let logit: number;
      if (h > 0) {
        logit = params[offsets[3]!]!;
        for (let u = 0; u < h; u++) {
          let s = params[offsets[1]! + u]!;
          for (let j = 0; j < f; j++) s += xi[j]! * params[j * h + u]!;
          hidden[u] = Math.tanh(s);
          logit += hidden[u]! * params[offsets[2]! + u]!;
        }
      } else {
        logit = params[offsets[1]!]!;
        for (let j = 0; j < f; j++) logit += xi[j]! * params[j]!;
      }
      const p = 1 / (1 + Math.exp(-logit));
      const d = ((p - labels[i]!) * sampleWeight[i]!) / totalWeight;
      if (h > 0) {
        grad[offsets[3]!]! += d;
        for (let u = 0; u < h; u++) {
          grad[offsets[2]! + u]! += d * hidden[u]!;
          const dh = d * params[offsets[2]! + u]! * (1 - hidden[u]! ** 2);
          grad[offsets[1]! + u]! += dh;
          for (let j = 0; j < f; j++) grad[j * h + u]! += dh * xi[j]!;
        }
      } else {
        grad[offsets[1]!]! += d;
        for (let j = 0; j < f; j++) grad[j]! += d * xi[j]!;
      }
    }
    for (let k = 0; k < params.length; k++) {
      const g = grad[k]! + (isWeight[k] ? options.l2 * params[k]! : 0);
      m[k] = beta1 * m[k]! + (1 - beta1) * g;
      v[k] = beta2 * v[k]! + (1 - beta2) * g * g;
      const mHat = m[k]! / (1 - beta1 ** epoch);
      const vHat = v[k]! / (1 - beta2 ** epoch);
      params[k]! -= (options.learningRate * mHat) / (Math.sqrt(vHat) + eps);
    }
  }

  const slice = (k: number) => Float32Array.from(params.subarray(offsets[k]!, offsets[k]! + sizes[k]!));
  return {
    featureNames,
    mean: mean32,
    std: std32,
    layers: h > 0
      ? [{ inputs: f, outputs: h, weights: slice(0), bias: slice(1) }, { inputs: h, outputs: 1, weights: slice(2), bias: slice(3) }]
      : [{ inputs: f, outputs: 1, weights: slice(0), bias: slice(1) }],
  };
}

