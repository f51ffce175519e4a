// MobileNetV2-1.0 at 224x224 (the standard architecture, random weights: bench/lib/mobilenetv2.mjs)
// through loadModel() / run() against onnxruntime-web on the same bytes: logits within 1e-4, and
// the plan is what the passes promise (BatchNorm-free convs with ReLU6 fused, one layout change).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { mobilenetV2 } from '../../bench/lib/mobilenetv2.mjs';
import { init, loadModel } from '../../web/index.js';
import { ortSession } from './ort.mjs';

before(() => init());

test('MobileNetV2 fp32 matches onnxruntime-web within 1e-4', async () => {
  const { bytes } = mobilenetV2();
  const model = await loadModel(bytes);
  const ort = await ortSession(bytes);
  const data = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  const feeds = { input: { data, shape: [1, 3, 224, 224] } };
  const ours = (await model.run(feeds)).logits;
  const theirs = (await ort.run(feeds)).logits;
  assert.deepEqual(ours.shape, [1, 1000]);
  let maxDiff = 0;
  for (let i = 0; i < 1000; i++) maxDiff = Math.max(maxDiff, Math.abs(ours.data[i] - theirs.data[i]));
  console.log(`MobileNetV2 fp32: max |ours - onnxruntime| = ${maxDiff}`);
  assert.ok(maxDiff <= 1e-4, String(maxDiff));
  const info = model.info();
  assert.equal(info.ops.Conv, 52);
  assert.equal(info.ops.Clip, 35);
  // 52 convs (Clip fused) + 10 residual adds + pool + FC + the input's NCHW -> NHWC.
  assert.equal(info.steps, 65);
  await ort.release();
  model.dispose();
});
