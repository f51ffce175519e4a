// loadModel() / run(): a small CNN with the patterns exporters emit (Conv + BatchNormalization +
// Relu, depthwise Conv + Clip(0, 6), residual Add, MaxPool, GlobalAveragePool, Flatten, Gemm,
// Softmax, a Shape -> Gather -> Concat -> Reshape chain) against onnxruntime-web on the same bytes;
// batch sizes that re-plan; and the errors of every kind of bad input, after which the module
// still runs the good model correctly.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { makeModel, node, tensor, valueInfo, DataType } from '../../bench/lib/onnx.mjs';
import { randomFloats, smallCnn } from './models.mjs';
import { init, loadModel, WasmInt8Error } from '../../web/index.js';
import { ortSession } from './ort.mjs';
import { rng } from './rng.mjs';

before(() => init());

const F = DataType.FLOAT;

function assertClose(got, want, where, tol = 1e-4) {
  assert.deepEqual(got.shape, want.shape, `${where}: shape`);
  for (let k = 0; k < want.data.length; k++) {
    const d = Math.abs(got.data[k] - want.data[k]);
    if (!(d <= tol)) assert.fail(`${where}[${k}]: ${got.data[k]} vs ${want.data[k]}`);
  }
}

test('a small CNN matches onnxruntime-web within 1e-4, at batch 1, 4 and 1 again', async () => {
  const bytes = smallCnn();
  const model = await loadModel(bytes);
  const ort = await ortSession(bytes);
  assert.deepEqual(model.inputNames, ['image']);
  assert.deepEqual(model.outputNames, ['probs']);
  assert.deepEqual(model.inputShapes, [[null, 3, 12, 12]]);
  const r = rng(7);
  for (const batch of [1, 4, 1]) {
    const image = { data: randomFloats(r, batch * 3 * 144, 2), shape: [batch, 3, 12, 12] };
    const ours = await model.run({ image });
    const theirs = await ort.run({ image });
    assert.equal(ours.probs.dtype, 'float32');
    assertClose(ours.probs, theirs.probs, `batch ${batch}`);
    // The same input gives bit-identical outputs.
    assert.deepEqual((await model.run({ image })).probs.data, ours.probs.data);
  }
  const info = model.info();
  assert.equal(info.nodes, 18);
  assert.equal(info.ops.Conv, 4);
  assert.ok(info.planBytes > 0 && info.steps > 0);
  const prof = model.profile(2);
  assert.ok(prof.some((p) => p.op.startsWith('Conv f32')), JSON.stringify(prof));
  // Per step, in execution order: one entry per step, each naming its node; the per-type view is
  // the same times grouped.
  const steps = model.profile(2, { steps: true });
  assert.equal(steps.length, info.steps);
  assert.ok(steps.every((s) => typeof s.op === 'string' && /node '/.test(s.where) && s.ms >= 0), JSON.stringify(steps));
  assert.equal(steps.filter((s) => s.op.startsWith('Conv f32')).length, prof.filter((p) => p.op.startsWith('Conv f32')).reduce((a, p) => a + p.count, 0));
  await ort.release();
  model.dispose();
});

test('bad feeds give errors that name the input, and later runs are correct', async () => {
  const bytes = smallCnn();
  const model = await loadModel(bytes);
  const image = { data: randomFloats(rng(3), 3 * 144), shape: [1, 3, 12, 12] };
  const good = await model.run({ image });
  const bad = [
    [{ img: image }, /no input 'img' \(inputs: image\)/],
    [{}, /input 'image' is missing/],
    [{ image: { data: new Int8Array(432), shape: [1, 3, 12, 12] } }, /'image' is float32: pass a Float32Array, got Int8Array/],
    [{ image: { data: new Float32Array(431), shape: [1, 3, 12, 12] } }, /has 431 values, its shape \[1, 3, 12, 12\] needs 432/],
    [{ image: { data: new Float32Array(432), shape: [1, 3, 144] } }, /has rank 4 in the model, the shape given has rank 3/],
    [{ image: { data: new Float32Array(432), shape: [1, 12, 3, 12] } }, /dimension 1 is 3 in the model, got 12/],
    [{ image: new Float32Array(432) }, /has shape \[\?, 3, 12, 12\] in the model: pass \{data, shape\}/],
    [{ image: { data: new Float32Array(0), shape: [0, 3, 12, 12] } }, null],
    [null, /feeds must be an object/],
  ];
  for (const [feeds, message] of bad) {
    if (message === null) continue;
    await assert.rejects(model.run(feeds), (e) => e instanceof WasmInt8Error && message.test(e.message), JSON.stringify(Object.keys(feeds ?? {})));
    assert.deepEqual((await model.run({ image })).probs.data, good.probs.data);
  }
  // NaN and Inf propagate as IEEE floats (documented): no error, later runs unaffected.
  const nan = { data: image.data.slice(), shape: image.shape };
  nan.data[5] = NaN;
  nan.data[6] = Infinity;
  const withNan = await model.run({ image: nan });
  assert.ok(withNan.probs.data.some((v) => Number.isNaN(v)));
  assert.deepEqual((await model.run({ image })).probs.data, good.probs.data);
  model.dispose();
  await assert.rejects(model.run({ image }), /Model.run: this model was disposed/);
  assert.throws(() => model.info(), /Model.info: this model was disposed/);
  model.dispose(); // twice is fine
});

test('bad models give errors that name the node, op and field; the module keeps working', async () => {
  const good = smallCnn();
  const ref = await loadModel(good);
  const image = { data: randomFloats(rng(4), 3 * 144), shape: [1, 3, 12, 12] };
  const want = (await ref.run({ image })).probs;
  const cases = [
    [good.slice(0, 100), /ONNX: byte offset \d+/],
    [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), /ONNX/],
    [
      makeModel({
        inputs: [valueInfo('x', F, [1, 4])],
        outputs: [valueInfo('y', F, [1, 4])],
        nodes: [node('Erf', ['x'], ['y'], {}, { name: 'mystery' })],
      }),
      /node 'mystery' \(Erf, #0\): operator 'Erf' is not supported \(supported: Add, /,
    ],
    [
      makeModel({
        inputs: [valueInfo('x', F, [1, 2, 4, 4])],
        outputs: [valueInfo('y', F, [1, 2, 4, 4])],
        nodes: [node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3], strides: [0, 1] }, { name: 'c' })],
        initializers: [tensor('w', F, [2, 2, 3, 3], new Float32Array(36))],
      }),
      /node 'c' \(Conv, #0\): strides must be >= 1/,
    ],
    [
      makeModel({
        inputs: [valueInfo('x', F, [1, 3, 4, 4])],
        outputs: [valueInfo('y', F, [1, 2, 4, 4])],
        nodes: [node('Conv', ['x', 'w'], ['y'], { kernel_shape: [1, 1] }, { name: 'c' })],
        initializers: [tensor('w', F, [2, 2, 1, 1], new Float32Array(4))],
      }),
      /node 'c' \(Conv, #0\): X has 3 channels but W expects 2 x group 1/,
    ],
  ];
  for (const [bytes, message] of cases) {
    await assert.rejects(
      async () => {
        const m = await loadModel(bytes);
        try {
          await m.run({ x: { data: new Float32Array(m.inputShapes[0].reduce((a, b) => a * b, 1)), shape: m.inputShapes[0] } });
        } finally {
          m.dispose();
        }
      },
      (e) => e instanceof WasmInt8Error && message.test(e.message),
      String(message),
    );
    assert.deepEqual((await ref.run({ image })).probs.data, want.data);
  }
  await assert.rejects(loadModel(42), /loadModel: the model must be a Uint8Array, ArrayBuffer, URL or path, got Number/);
  await assert.rejects(loadModel('/nonexistent/model.onnx'), /loadModel: cannot read '\/nonexistent\/model.onnx'/);
  await assert.rejects(loadModel(good, { constants: { nope: new Float32Array(1) } }), /constants: the model has no input 'nope'/);
  ref.dispose();
});
