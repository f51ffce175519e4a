// npm run accuracy [-- --json FILE] [--calibration N] [--methods a,b]: the shipped Fashion-MNIST
// models (demo/models) on the 10k test images of Debian's dataset-fashion-mnist, fp32 and int8 as
// wasm-int8 quantizes them itself (Model.quantize(), calibrated on the first N training images,
// never on test images), for every calibration method; torch's qnnpack PTQ accuracy from the
// models' manifest for comparison; and bias correction on and off, with per-channel and per-tensor
// weights. Prints tables and writes JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { init, loadModel } from '../web/index.js';
import { argmax, batchOf, loadFashionMnist } from '../tests/js/fmnist.mjs';
import { ensureSystem, log } from './lib/toolchain.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const jsonPath = opt('json', null);
const calibrationCount = Number(opt('calibration', 200));
const methods = opt('methods', 'minmax,moving_average,percentile,mse,entropy').split(',');

ensureSystem(['testdata']);
await init();
const MODELS = new URL('../demo/models/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('fmnist_models.json', MODELS), 'utf8'));
const testSet = loadFashionMnist('t10k');
const trainSet = loadFashionMnist('train');

async function predictions(model) {
  const [input] = model.inputNames;
  const [output] = model.outputNames;
  const pred = new Uint8Array(testSet.count);
  for (let start = 0; start < testSet.count; start += 250) {
    const n = Math.min(250, testSet.count - start);
    const y = (await model.run({ [input]: batchOf(testSet, start, n) }))[output].data;
    for (let i = 0; i < n; i++) pred[start + i] = argmax(y, i * 10, 10);
  }
  return pred;
}
const top1 = (pred) => pred.reduce((acc, p, i) => acc + (p === testSet.labels[i]), 0) / testSet.count;
const agreement = (a, b) => a.reduce((acc, p, i) => acc + (p === b[i]), 0) / a.length;

const results = [];
for (const m of manifest.models) {
  const bytes = readFileSync(new URL(m.files.fp32, MODELS));
  const fp32 = await loadModel(bytes);
  const fp32Pred = await predictions(fp32);
  const calibration = [];
  for (let start = 0; start < calibrationCount; start += 20) {
    calibration.push({ [fp32.inputNames[0]]: batchOf(trainSet, start, Math.min(20, calibrationCount - start)) });
  }
  const row = { name: m.name, fp32_top1: top1(fp32Pred), int8_top1: {}, agreement: 0, best_method: null,
    fp32_bytes: bytes.length, int8_bytes: null, int8_weight_bytes: null, torch_int8_top1: m.torch_int8_top1 ?? null };
  let best = -1;
  for (const method of methods) {
    const t0 = Date.now();
    const q = await fp32.quantize({ calibration, method });
    const pred = await predictions(q);
    row.int8_top1[method] = top1(pred);
    log(`${m.name} ${method}: int8 top-1 ${row.int8_top1[method]} (${Date.now() - t0} ms)`);
    if (row.int8_top1[method] > best) {
      best = row.int8_top1[method];
      row.best_method = method;
      row.agreement = agreement(pred, fp32Pred);
      row.int8_weight_bytes = q.info().constantBytes;
      row.int8_bytes = q.toONNX().length;
    }
    q.dispose();
  }
  // Bias correction (on by default only for per-tensor weights), with the default method.
  row.bias_correction = {};
  for (const [key, options] of [
    ['per_channel', { perChannel: true, biasCorrection: false }],
    ['per_channel_corrected', { perChannel: true, biasCorrection: true }],
    ['per_tensor', { perChannel: false, biasCorrection: false }],
    ['per_tensor_corrected', { perChannel: false, biasCorrection: true }],
  ]) {
    const q = await fp32.quantize({ calibration, ...options });
    const pred = await predictions(q);
    row.bias_correction[key] = { top1: top1(pred), agreement: agreement(pred, fp32Pred) };
    log(`${m.name} ${key}: int8 top-1 ${row.bias_correction[key].top1}`);
    q.dispose();
  }
  fp32.dispose();
  results.push(row);
}

const pct = (v) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(2)}%`);
const lines = [`Fashion-MNIST test set (10k), int8 calibrated on ${calibrationCount} training images`, ''];
lines.push(['model', 'fp32', ...methods, 'torch int8', 'agreement', 'fp32 bytes', 'int8 bytes'].map((s) => s.padEnd(18)).join(''));
for (const r of results) {
  lines.push([r.name, pct(r.fp32_top1), ...methods.map((k) => pct(r.int8_top1[k])), pct(r.torch_int8_top1),
    `${pct(r.agreement)} (${r.best_method})`, String(r.fp32_bytes), String(r.int8_bytes)].map((s) => s.padEnd(18)).join(''));
}
lines.push('', 'agreement: fp32 and int8 top-1 equal, for the best method; bytes: the fp32 ONNX file and the',
  'QDQ ONNX file toONNX() writes for the best method (int8 weights stored as int8).');
const corrections = ['per_channel', 'per_channel_corrected', 'per_tensor', 'per_tensor_corrected'];
lines.push('', 'Bias correction (minmax): int8 top-1 / agreement with fp32', '');
lines.push(['model', 'per-channel', '+ bias corr.', 'per-tensor', '+ bias corr.'].map((s) => s.padEnd(18)).join(''));
for (const r of results) {
  lines.push([r.name, ...corrections.map((k) => `${pct(r.bias_correction[k].top1)} / ${pct(r.bias_correction[k].agreement)}`)].map((s) => s.padEnd(18)).join(''));
}
console.log(lines.join('\n'));
if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify({ models: results }, null, 2));
  log(`wrote ${jsonPath}`);
}
