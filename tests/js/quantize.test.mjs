// Model.quantize(): post-training quantization in JavaScript — calibration with progress and
// abort, every calibration method, the report, and the simulate mode.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { init, loadModel, QuantizedModel, WasmInt8Error } from '../../web/index.js';
import { randomFloats, smallCnn } from './models.mjs';
import { rng } from './rng.mjs';

before(() => init());

const feeds = (r, batch) => ({ image: { data: randomFloats(r, batch * 3 * 144, 2), shape: [batch, 3, 12, 12] } });

function maxDiff(a, b) {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

test('quantize() calibrates with progress, runs int8, and reports every tensor and layer', async () => {
  const model = await loadModel(smallCnn());
  const r = rng(1);
  const calibration = Array.from({ length: 16 }, () => feeds(r, 2));
  const progress = [];
  const q = await model.quantize({ calibration, onProgress: (p) => progress.push(p) });
  assert.ok(q instanceof QuantizedModel);
  // A fresh quantized model has no plan yet: profile() says so (it used to throw a TypeError).
  assert.throws(() => q.profile(1), /Model\.profile: call run\(\) once first/);
  assert.deepEqual(progress.map((p) => p.done), Array.from({ length: 16 }, (_, k) => k + 1));
  assert.ok(progress.every((p) => p.total === 16));
  const x = feeds(rng(2), 8);
  const want = (await model.run(x)).probs.data;
  const got = (await q.run(x)).probs.data;
  assert.ok(maxDiff(want, got) < 0.03, `int8 vs fp32 probabilities: ${maxDiff(want, got)}`);
  const ops = q.profile(1).map((p) => p.op);
  for (const op of ['Conv int8 im2col', 'Conv int8 depthwise', 'Conv int8 1x1', 'Add int8', 'MaxPool int8', 'GlobalAveragePool int8', 'FullyConnected int8']) {
    assert.ok(ops.includes(op), `${op} missing from ${ops.join(', ')}`);
  }
  const report = q.report();
  assert.equal(report.method, 'minmax');
  assert.equal(report.calibrationInputs, 16);
  // SQNR of the int8 tensors against fp32, measured on the calibration inputs.
  const measured = report.tensors.filter((t) => t.sqnrDb !== undefined);
  assert.ok(measured.length >= 7, `${measured.length} tensors with SQNR`);
  for (const t of measured) assert.ok(t.sqnrDb > 15 && t.sqnrDb < 200, `${t.name}: ${t.sqnrDb} dB`);
  const image = report.tensors.find((t) => t.name === 'image');
  assert.ok(image.min < -1.9 && image.max > 1.9 && image.scale > 0 && Number.isInteger(image.zeroPoint));
  const softmax = report.layers.find((l) => l.op === 'Softmax');
  assert.equal(softmax.precision, 'float');
  assert.match(softmax.reason, /no int8 kernel for Softmax/);
  assert.equal(report.layers.filter((l) => l.precision === 'int8' && l.op.startsWith('Q')).length, 7);
  // The fp32 model is unchanged and still runs.
  assert.deepEqual((await model.run(x)).probs.data, want);
  q.dispose();
  model.dispose();
});

test('every calibration method and the simulate mode', async () => {
  const model = await loadModel(smallCnn());
  const r = rng(3);
  const calibration = Array.from({ length: 12 }, () => feeds(r, 2));
  const x = feeds(rng(4), 8);
  const want = (await model.run(x)).probs.data;
  for (const method of ['minmax', 'moving_average', 'percentile', 'mse', 'entropy']) {
    const q = await model.quantize({ calibration, method });
    const sim = await model.quantize({ calibration, method, simulate: true });
    const got = (await q.run(x)).probs.data;
    const simulated = (await sim.run(x)).probs.data;
    assert.ok(maxDiff(want, got) < 0.1, `${method}: int8 vs fp32 ${maxDiff(want, got)}`);
    // Fake quantization previews the int8 model: the same up to requantization rounding.
    assert.ok(maxDiff(got, simulated) < 0.01, `${method}: int8 vs simulate ${maxDiff(got, simulated)}`);
    assert.ok(sim.profile(1).every((p) => !p.op.includes('int8')), 'simulate runs fp32 kernels');
    q.dispose();
    sim.dispose();
  }
  model.dispose();
});

test('abort, async iterables and bad calibration data', async () => {
  const model = await loadModel(smallCnn());
  const r = rng(5);
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    model.quantize({
      calibration: Array.from({ length: 50 }, () => feeds(r, 1)),
      signal: controller.signal,
      onProgress: ({ done }) => {
        seen = done;
        if (done === 3) controller.abort();
      },
    }),
    (e) => e.name === 'AbortError',
  );
  assert.equal(seen, 3);
  // After an abort the model runs as before, and quantizes again from scratch.
  const x = feeds(rng(6), 2);
  const want = (await model.run(x)).probs.data;
  async function* stream() {
    for (let k = 0; k < 5; k++) yield feeds(r, 1);
  }
  const progress = [];
  const q = await model.quantize({ calibration: stream(), onProgress: (p) => progress.push(p) });
  assert.deepEqual(progress.at(-1), { done: 5, total: undefined });
  assert.ok(maxDiff(want, (await q.run(x)).probs.data) < 0.05);
  q.dispose();
  await assert.rejects(model.quantize({ calibration: [] }), /Model.quantize: calibration is empty/);
  await assert.rejects(model.quantize({}), /calibration must be an array or iterable of feeds/);
  await assert.rejects(model.quantize({ calibration: [feeds(r, 1)], method: 'best' }), /calibration method 'best' is not one of minmax, moving_average, percentile, mse, entropy/);
  await assert.rejects(
    model.quantize({ calibration: [feeds(r, 1), { image: new Float32Array(3) }] }),
    (e) => e instanceof WasmInt8Error && /input 'image'/.test(e.message),
  );
  assert.deepEqual((await model.run(x)).probs.data, want);
  model.dispose();
});

test('toONNX() writes standard QDQ ONNX that loads back bit-identical and runs in onnxruntime-web', async () => {
  const { ortSession } = await import('./ort.mjs');
  const model = await loadModel(smallCnn());
  const r = rng(7);
  const q = await model.quantize({ calibration: Array.from({ length: 8 }, () => feeds(r, 2)) });
  const bytes = q.toONNX();
  assert.ok(bytes instanceof Uint8Array && bytes.length > 0);
  const back = await loadModel(bytes);
  const ort = await ortSession(bytes);
  const x = feeds(rng(8), 16);
  const ours = (await q.run(x)).probs.data;
  assert.deepEqual((await back.run(x)).probs.data, ours);
  const theirs = (await ort.run(x)).probs.data;
  assert.ok(maxDiff(ours, theirs) < 0.02, `ours vs onnxruntime on our export: ${maxDiff(ours, theirs)}`);
  await ort.release();
  assert.equal(model.toONNX, undefined); // only quantized models export
  back.dispose();
  q.dispose();
  model.dispose();
});

test('calibration on images: imageToTensor() and the preprocess option', async () => {
  const { imageToTensor } = await import('../../web/index.js');
  const { readFileSync } = await import('node:fs');
  const { loadFashionMnist } = await import('./fmnist.mjs');
  const set = loadFashionMnist('t10k');
  // A Fashion-MNIST image as 56x56 RGBA "ImageData", dark on light like a drawing.
  const rgba = (k) => {
    const data = new Uint8ClampedArray(56 * 56 * 4);
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) {
        const v = 255 - set.images[k * 784 + (y >> 1) * 28 + (x >> 1)];
        data.set([v, v, v, 255], (y * 56 + x) * 4);
      }
    }
    return { data, width: 56, height: 56 };
  };
  const t = imageToTensor(rgba(0), { size: [28, 28], grayscale: true, invert: true });
  assert.deepEqual(t.shape, [1, 1, 28, 28]);
  let maxErr = 0;
  for (let k = 0; k < 784; k++) maxErr = Math.max(maxErr, Math.abs(t.data[k] - set.images[k] / 255));
  assert.ok(maxErr < 0.01, `downscaled image differs by ${maxErr}`);
  const model = await loadModel(readFileSync(new URL('../../demo/models/fmnist_cnn.onnx', import.meta.url)));
  const images = Array.from({ length: 10 }, (_, k) => rgba(k));
  const q = await model.quantize({
    calibration: images,
    preprocess: (img) => ({ input: imageToTensor(img, { size: [28, 28], grayscale: true, invert: true }) }),
  });
  assert.equal(q.report().calibrationInputs, 10);
  assert.throws(() => imageToTensor({ data: new Uint8ClampedArray(3), width: 1, height: 1 }), /imageToTensor: image must be ImageData/);
  await assert.rejects(model.quantize({ calibration: images, preprocess: 5 }), /preprocess must be a function/);
  q.dispose();
  model.dispose();
});

test('bias correction: on by default for per-tensor weights, where it recovers accuracy', async () => {
  const { readFileSync } = await import('node:fs');
  const { argmax, batchOf, loadFashionMnist } = await import('./fmnist.mjs');
  const train = loadFashionMnist('train');
  const testSet = loadFashionMnist('t10k');
  const model = await loadModel(readFileSync(new URL('../../demo/models/fmnist_mobilenet.onnx', import.meta.url)));
  const calibration = Array.from({ length: 5 }, (_, k) => ({ input: batchOf(train, k * 20, 20) }));
  const n = 1000;
  const x = { input: batchOf(testSet, 0, n) };
  const top1 = (y) => Array.from({ length: n }, (_, i) => argmax(y, i * 10, 10));
  const fp32 = top1((await model.run(x)).logits.data);
  const agreement = async (q) => top1((await q.run(x)).logits.data).filter((p, i) => p === fp32[i]).length / n;
  const plain = await model.quantize({ calibration, perChannel: false, biasCorrection: false });
  const corrected = await model.quantize({ calibration, perChannel: false });
  assert.equal(plain.report().biasCorrection, null);
  // Every Conv and the Gemm of this model have a bias: 25 convs + 1 Gemm.
  assert.deepEqual(corrected.report().biasCorrection, { inputs: 5, layers: 26 });
  const [a, b] = [await agreement(plain), await agreement(corrected)];
  // Per-tensor weights lose ~7 % agreement on this depthwise-heavy model; correction wins back
  // more than a third of it (measured: 92.7 % -> 95.5 % on these 1000 test images).
  assert.ok(b > a + 0.015, `agreement with fp32: ${a} without, ${b} with bias correction`);
  // The corrected biases are what toONNX() writes: it loads back and runs bit-identical.
  const back = await loadModel(corrected.toONNX());
  assert.deepEqual((await back.run(x)).logits.data, (await corrected.run(x)).logits.data);
  // Per-channel weights: off unless asked for.
  const perChannel = await model.quantize({ calibration });
  assert.equal(perChannel.report().biasCorrection, null);
  for (const m of [plain, corrected, back, perChannel, model]) m.dispose();
});
