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
