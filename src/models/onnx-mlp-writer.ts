import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A dense layer: y = x · weights + bias, weights row-major [inputs × outputs]. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
}

/**
 * A small MLP for binary classification: standardise → (dense → tanh)* → dense → sigmoid. With a
 * single layer it is a logistic regression. The standardisation (mean/std per feature) is part of
 * the graph, so callers feed raw feature rows.
 */
export interface MlpModel {
  featureNames: readonly string[];
  mean: Float32Array;
  std: Float32Array;
  layers: DenseLayer[];
}

export interface OnnxMlpMetadata {
  docString?: string;
  /** Written as model metadata_props, in the given order. */
  props?: Record<string, string>;
}

/**
 * The model as ONNX bytes: input 'features' float32 [N, F], output 'probability' float32 [N, 1].
 * Opset 13, IR version 7 (well inside what onnxruntime 1.x reads). The bytes depend only on the
 * arguments, so a deterministic training run writes a byte-identical file.
 */
export function writeOnnxMlp(model: MlpModel, meta: OnnxMlpMetadata = {}): Uint8Array {
  const f = model.featureNames.length;
  if (model.mean.length !== f || model.std.length !== f) throw new Error(`mean/std must have ${f} entries (one per feature)`);
  if (model.layers.length === 0) throw new Error('the model needs at least one layer');
  if (model.layers[0]!.inputs !== f) throw new Error(`layer 0 takes ${model.layers[0]!.inputs} inputs but there are ${f} features`);
  if (model.layers.at(-1)!.outputs !== 1) throw new Error('the last layer must have one output (the logit)');

  const initializer = [
    tensor('feature_mean', [1, f], model.mean),
    tensor('feature_std', [1, f], model.std),
  ];
  const node = [
    onnx.NodeProto.create({ name: 'center', opType: 'Sub', input: ['features', 'feature_mean'], output: ['centered'] }),
    onnx.NodeProto.create({ name: 'scale', opType: 'Div', input: ['centered', 'feature_std'], output: ['z0'] }),
  ];
  let x = 'z0';
  model.layers.forEach((layer, i) => {
    if (layer.weights.length !== layer.inputs * layer.outputs || layer.bias.length !== layer.outputs) throw new Error(`layer ${i}: weights/bias do not match ${layer.inputs}×${layer.outputs}`);
    if (i > 0 && model.layers[i - 1]!.outputs !== layer.inputs) throw new Error(`layer ${i} takes ${layer.inputs} inputs but layer ${i - 1} gives ${model.layers[i - 1]!.outputs}`);
    initializer.push(tensor(`w${i}`, [layer.inputs, layer.outputs], layer.weights), tensor(`b${i}`, [layer.outputs], layer.bias));
    node.push(
      onnx.NodeProto.create({ name: `matmul${i}`, opType: 'MatMul', input: [x, `w${i}`], output: [`m${i}`] }),
      onnx.NodeProto.create({ name: `add${i}`, opType: 'Add', input: [`m${i}`, `b${i}`], output: [`a${i}`] }),
    );
    x = `a${i}`;
    if (i < model.layers.length - 1) {
      node.push(onnx.NodeProto.create({ name: `tanh${i}`, opType: 'Tanh', input: [x], output: [`h${i}`] }));
      x = `h${i}`;
    }
  });
  node.push(onnx.NodeProto.create({ name: 'sigmoid', opType: 'Sigmoid', input: [x], output: ['probability'] }));

  const graph = onnx.GraphProto.create({
    name: 'mlp',
    node,
    initializer,
    input: [valueInfo('features', ['N', f])],
    output: [valueInfo('probability', ['N', 1])],
  });
  const modelProto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    producerName: 'telltale',
    producerVersion: '1',
    docString: meta.docString ?? '',
    graph,
    metadataProps: [
      ...Object.entries(meta.props ?? {}).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
      onnx.StringStringEntryProto.create({ key: 'features', value: model.featureNames.join(',') }),
    ],
  });
  return onnx.ModelProto.encode(modelProto).finish();
}

function tensor(name: string, dims: number[], values: Float32Array) {
  // raw_data is little-endian float32: copy through a DataView so the bytes do not depend on the host.
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => (typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: d }) : onnx.TensorShapeProto.Dimension.create({ dimParam: d }))),
        }),
      }),
    }),
  });
}

/** The same computation in plain JS (float32 parameters, float64 arithmetic): the reference for tests and training metrics. */
export function mlpForward(model: MlpModel, rows: Float32Array, n: number): Float64Array {
  const f = model.featureNames.length;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let x: number[] = [];
    for (let j = 0; j < f; j++) x.push((rows[r * f + j]! - model.mean[j]!) / model.std[j]!);
    model.layers.forEach((layer, i) => {
      const y: number[] = [];
      for (let o = 0; o < layer.outputs; o++) {
        let s = layer.bias[o]!;
        for (let k = 0; k < layer.inputs; k++) s += x[k]! * layer.weights[k * layer.outputs + o]!;
        y.push(i < model.layers.length - 1 ? Math.tanh(s) : s);
      }
      x = y;
    });
    out[r] = 1 / (1 + Math.exp(-x[0]!));
  }
  return out;
}
