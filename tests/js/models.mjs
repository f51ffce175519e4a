// Models built in JavaScript for the tests.
import { makeModel, node, tensor, valueInfo, DataType } from '../../bench/lib/onnx.mjs';
import { rng } from './rng.mjs';

const F = DataType.FLOAT;
const I64 = DataType.INT64;

export function randomFloats(r, n, scale = 1) {
  const a = new Float32Array(n);
  for (let k = 0; k < n; k++) a[k] = (r() * 2 - 1) * scale;
  return a;
}

/** A small CNN with the patterns exporters emit; input 'image' [N, 3, 12, 12], output 'probs' [N, 10]. */
export function smallCnn(seed = 1) {
  const r = rng(seed);
  const bn = (name, c) => [
    tensor(`${name}.g`, F, [c], Float32Array.from({ length: c }, () => 0.5 + r())),
    tensor(`${name}.b`, F, [c], randomFloats(r, c, 0.2)),
    tensor(`${name}.m`, F, [c], randomFloats(r, c, 0.1)),
    tensor(`${name}.v`, F, [c], Float32Array.from({ length: c }, () => 0.5 + r())),
  ];
  return makeModel({
    inputs: [valueInfo('image', F, ['N', 3, 12, 12])],
    outputs: [valueInfo('probs', F, ['N', 10])],
    nodes: [
      node('Conv', ['image', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('BatchNormalization', ['c1', 'bn1.g', 'bn1.b', 'bn1.m', 'bn1.v'], ['n1'], { epsilon: 1e-5 }),
      node('Relu', ['n1'], ['r1']),
      node('Conv', ['r1', 'wd'], ['d1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }),
      node('Clip', ['d1', 'zero', 'six'], ['a1']),
      node('Conv', ['a1', 'wp', 'bp'], ['p1'], { kernel_shape: [1, 1] }),
      node('Add', ['p1', 'r1'], ['s1']),
      node('MaxPool', ['s1'], ['m1'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('Conv', ['m1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1] }),
      node('Relu', ['c2'], ['r2']),
      node('GlobalAveragePool', ['r2'], ['g']),
      node('Shape', ['g'], ['gs']),
      node('Gather', ['gs', 'idx0'], ['n'], { axis: 0 }),
      node('Unsqueeze', ['n', 'axes0'], ['nu']),
      node('Concat', ['nu', 'minus1'], ['shape'], { axis: 0 }),
      node('Reshape', ['g', 'shape'], ['flat']),
      node('Gemm', ['flat', 'wf', 'bf'], ['logits'], { transB: 1 }),
      node('Softmax', ['logits'], ['probs'], { axis: 1 }),
    ],
    initializers: [
      tensor('w1', F, [8, 3, 3, 3], randomFloats(r, 8 * 27, 0.4)),
      tensor('b1', F, [8], randomFloats(r, 8, 0.1)),
      ...bn('bn1', 8),
      tensor('wd', F, [8, 1, 3, 3], randomFloats(r, 72, 0.5)),
      tensor('zero', F, [], Float32Array.of(0)),
      tensor('six', F, [], Float32Array.of(6)),
      tensor('wp', F, [8, 8, 1, 1], randomFloats(r, 64, 0.4)),
      tensor('bp', F, [8], randomFloats(r, 8, 0.1)),
      tensor('w2', F, [16, 8, 3, 3], randomFloats(r, 16 * 72, 0.2)),
      tensor('b2', F, [16], randomFloats(r, 16, 0.1)),
      tensor('idx0', I64, [], BigInt64Array.of(0n)),
      tensor('axes0', I64, [1], BigInt64Array.of(0n)),
      tensor('minus1', I64, [1], BigInt64Array.of(-1n)),
      tensor('wf', F, [10, 16], randomFloats(r, 160, 0.5)),
      tensor('bf', F, [10], randomFloats(r, 10, 0.1)),
    ],
  });
}

// Per-output-channel symmetric int8 weights and their scales.
function quantizeWeights(w, channels) {
  const per = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(w[c * per + k]));
    scales[c] = m / 127 || 1;
    for (let k = 0; k < per; k++) q[c * per + k] = Math.round(w[c * per + k] / scales[c]);
  }
  return { q, scales };
}

/** A QDQ CNN: input [N, 4, 10, 10] float, output [N, 6] float. */
export function qdqCnn(seed = 2) {
  const r = rng(seed);
  const nodes = [];
  const inits = [];
  let counter = 0;
  // Activation params (uint8, as onnxruntime's quantizer writes them).
  const act = (name, scale, zp) => {
    inits.push(tensor(`${name}.s`, F, [], Float32Array.of(scale)), tensor(`${name}.z`, DataType.UINT8, [], Uint8Array.of(zp)));
  };
  const qdq = (x, p) => {
    const id = counter++;
    nodes.push(node('QuantizeLinear', [x, `${p}.s`, `${p}.z`], [`q${id}`]));
    nodes.push(node('DequantizeLinear', [`q${id}`, `${p}.s`, `${p}.z`], [`dq${id}`]));
    return `dq${id}`;
  };
  const weights = (name, dims) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const { q, scales } = quantizeWeights(randomFloats(r, count, 0.5), dims[0]);
    inits.push(
      tensor(`${name}.q`, DataType.INT8, dims, q),
      tensor(`${name}.s`, F, [dims[0]], scales),
      tensor(`${name}.z`, DataType.INT8, [dims[0]], new Int8Array(dims[0])),
    );
    nodes.push(node('DequantizeLinear', [`${name}.q`, `${name}.s`, `${name}.z`], [`${name}.dq`], { axis: 0 }));
    inits.push(tensor(`${name}.b`, F, [dims[0]], randomFloats(r, dims[0], 0.2)));
    return `${name}.dq`;
  };
  act('in', 0.02, 128);
  act('a1', 0.03, 0);
  act('a2', 0.03, 0);
  act('a3', 0.04, 0);
  act('a4', 0.05, 10);
  act('a5', 0.02, 5);
  act('out', 0.1, 128);
  const x = qdq('x', 'in');
  nodes.push(node('Conv', [x, weights('c1', [8, 4, 3, 3]), 'c1.b'], ['c1o'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }));
  nodes.push(node('Relu', ['c1o'], ['c1r']));
  const h1 = qdq('c1r', 'a1');
  nodes.push(node('Conv', [h1, weights('c2', [8, 1, 3, 3]), 'c2.b'], ['c2o'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }));
  nodes.push(node('Relu', ['c2o'], ['c2r']));
  const h2 = qdq('c2r', 'a2');
  nodes.push(node('Add', [h2, h1], ['sum']));
  const h3 = qdq('sum', 'a3');
  nodes.push(node('Conv', [h3, weights('c3', [12, 8, 3, 3]), 'c3.b'], ['c3o'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }));
  const h4 = qdq('c3o', 'a4');
  nodes.push(node('GlobalAveragePool', [h4], ['gap']));
  const h5 = qdq('gap', 'a5');
  nodes.push(node('Flatten', [h5], ['flat']));
  nodes.push(node('Gemm', ['flat', weights('fc', [6, 12]), 'fc.b'], ['logits'], { transB: 1 }));
  const y = qdq('logits', 'out');
  nodes.push(node('Identity', [y], ['y']));
  return makeModel({
    inputs: [valueInfo('x', F, ['N', 4, 10, 10])],
    outputs: [valueInfo('y', F, ['N', 6])],
    nodes,
    initializers: inits,
  });
}
