// Quantized ONNX models: a QDQ model (QuantizeLinear / DequantizeLinear around Conv, depthwise
// Conv + Relu, residual Add, GlobalAveragePool, Flatten, Gemm; uint8 activations as
// onnxruntime's quantizer writes them) runs on the int8 kernels and agrees with onnxruntime-web on
// the same bytes within one output step; the QOperator form is covered by the node tests.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { init, loadModel } from '../../web/index.js';
import { qdqCnn, randomFloats } from './models.mjs';
import { ortSession } from './ort.mjs';
import { rng } from './rng.mjs';

before(() => init());


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
