// Quantized ONNX models: a QDQ model (QuantizeLinear / DequantizeLinear around Conv, depthwise
// Conv + Relu, residual Add, GlobalAveragePool, Flatten, Gemm; uint8 activations as
// onnxruntime's quantizer writes them) runs on the int8 kernels and agrees with onnxruntime-web on
// the same bytes within one output step; the QOperator form is covered by the node tests.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { makeModel, node, tensor, valueInfo, DataType } from '../../bench/lib/onnx.mjs';
import { init, loadModel } from '../../web/index.js';
import { randomFloats } from './models.mjs';
import { ortSession } from './ort.mjs';
import { rng } from './rng.mjs';

before(() => init());

const F = DataType.FLOAT;

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

test('a QDQ model runs on the int8 kernels and agrees with onnxruntime-web within one output step', async () => {
  const bytes = qdqCnn();
  const model = await loadModel(bytes);
  const ort = await ortSession(bytes);
  const r = rng(11);
  const batch = 8;
  const x = { data: randomFloats(r, batch * 400, 1.5), shape: [batch, 4, 10, 10] };
  const ours = await model.run({ x });
  const theirs = await ort.run({ x });
  assert.deepEqual(ours.y.shape, [batch, 6]);
  let maxDiff = 0;
  for (let k = 0; k < ours.y.data.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ours.y.data[k] - theirs.y.data[k]));
  console.log(`QDQ CNN: max |ours - onnxruntime| = ${maxDiff} (output step 0.1)`);
  assert.ok(maxDiff <= 0.1 * 1.0001, `max diff ${maxDiff}`);
  const ops = model.profile(1).map((p) => p.op);
  for (const want of ['Conv int8 im2col', 'Conv int8 depthwise', 'Add int8', 'GlobalAveragePool int8', 'FullyConnected int8', 'QuantizeLinear', 'DequantizeLinear']) {
    assert.ok(ops.includes(want), `${want} not in ${ops.join(', ')}`);
  }
  assert.ok(!ops.some((o) => o.includes('f32')), `float steps left: ${ops.join(', ')}`);
  await ort.release();
  model.dispose();
});
