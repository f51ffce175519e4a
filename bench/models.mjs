#!/usr/bin/env node
// Whole-model benchmark: one inference (batch 1) of each model, wasm-int8 int8 (quantized by the
// library itself, Model.quantize()) and fp32 against onnxruntime-web (fp32, and int8 on the QDQ
// ONNX our toONNX() writes) and XNNPACK fp32 (@tensorflow/tfjs-backend-wasm, the same network and
// weights built op by op from the ONNX file: bench/lib/onnx_layers.mjs, bench/lib/tfjs_model.mjs),
// in one Node process, engines interleaved round-robin.
//
//   npm run bench [-- --runs N] [-- --warmup N] [-- --threads N] [-- --profile] [-- --json FILE]
//
// Models: MobileNetV2-1.0 at 224x224 (standard architecture, random weights, generated here:
// bench/lib/mobilenetv2.mjs), and the shipped Fashion-MNIST CNN and MobileNetV2-style net
// (demo/models). Calibration: 8 random images for MobileNetV2 (its weights are random too),
// 200 Fashion-MNIST training images for the shipped models.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { init, loadModel, runtime, setThreads } from '../web/index.js';
import { batchOf, loadFashionMnist } from '../tests/js/fmnist.mjs';
import { mobilenetV2 } from './lib/mobilenetv2.mjs';
import { layersFromOnnx } from './lib/onnx_layers.mjs';
import { DASH, formatMs, formatRatio, machineDescription, median, ratio, textTable } from './lib/report.mjs';
import { tfjsModel } from './lib/tfjs_model.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const runs = Number(args.runs);
const warmup = Number(args.warmup);
const threads = Number(args.threads);
// With --threads N > 1, int8_1t is our int8 on one thread in the same run (setThreads(1) around
// the timed call: switching is a store, the pool stays), for the thread speedup.
const COLUMNS = ['int8', 'fp32', 'ort_fp32', 'ort_int8', 'xnnpack_fp32', ...(Number(args.threads) > 1 ? ['int8_1t'] : [])];
const warnings = [];

const require = createRequire(import.meta.url);
ort.env.wasm.wasmPaths = pathToFileURL(`${dirname(require.resolve('onnxruntime-web'))}/`).href;
ort.env.wasm.numThreads = threads;
tfwasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
if (typeof tfwasm.setThreadsCount === 'function') tfwasm.setThreadsCount(threads);
await tf.setBackend('wasm');
await tf.ready();
await init({ threads });
const ours = runtime();
if (ours.threads !== threads) warnings.push(`--threads ${threads}: wasm-int8 runs ${ours.threads} (its build allows ${ours.maxThreads})`);

async function ortRunner(bytes, input, shape) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const [outName] = session.outputNames;
  return {
    run: async (data) => (await session.run({ [input]: new ort.Tensor('float32', data, shape) }))[outName].data,
    dispose: () => session.release(),
  };
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function benchCase({ name, bytes, shape, calibration }) {
  const input = 'input';
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.abs(Math.sin(i * 0.7)) ;
  const feeds = { [input]: { data, shape } };
  const fp32 = await loadModel(bytes);
  const int8 = await fp32.quantize({ calibration });
  const ortFp32 = await ortRunner(bytes, input, shape);
  const ortInt8 = await ortRunner(int8.toONNX(), input, shape);
  // XNNPACK: the ONNX graph rebuilt op by op in tfjs; a model with an op the converter lacks gets
  // no column (the error names the op).
  let tfjs = null;
  try {
    tfjs = tfjsModel(layersFromOnnx(bytes));
  } catch (e) {
    warnings.push(`${name}: no XNNPACK column: ${e.message}`);
  }
  const out = (r) => r[fp32.outputNames[0]].data;
  const engines = {
    int8: async () => out(await int8.run(feeds)),
    fp32: async () => out(await fp32.run(feeds)),
    ort_fp32: () => ortFp32.run(data),
    ort_int8: () => ortInt8.run(data),
    xnnpack_fp32: tfjs ? async () => tfjs.run(data) : null,
    int8_1t: async () => {
      setThreads(1);
      try {
        return out(await int8.run(feeds));
      } finally {
        setThreads(ours.threads);
      }
    },
  };
  // Output checks against onnxruntime fp32.
  const ref = await engines.ort_fp32();
  const check = {};
  for (const k of COLUMNS) if (engines[k]) check[k] = maxAbsDiff(await engines[k](), ref);
  const times = Object.fromEntries(COLUMNS.map((k) => [k, []]));
  const active = COLUMNS.filter((k) => engines[k]);
  for (let r = 0; r < warmup + runs; r++) {
    for (let j = 0; j < active.length; j++) {
      const k = active[(r + j) % active.length];
      const t0 = performance.now();
      await engines[k]();
      if (r >= warmup) times[k].push(performance.now() - t0);
    }
  }
  const ms = Object.fromEntries(COLUMNS.map((k) => [k, engines[k] ? median(times[k]) : null]));
  const profile = args.profile ? int8.profile(10) : null;
  int8.dispose();
  fp32.dispose();
  await ortFp32.dispose();
  await ortInt8.dispose();
  tfjs?.dispose();
  return { name, ms, check, profile };
}

const cases = [];
const mnv2 = mobilenetV2({ batch: 1 });
const random = () => {
  const d = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < d.length; i++) d[i] = Math.random() * 2 - 1;
  return { input: { data: d, shape: [1, 3, 224, 224] } };
};
cases.push({ name: 'mobilenetv2_224', bytes: mnv2.bytes, shape: [1, 3, 224, 224], calibration: Array.from({ length: 8 }, random) });
const train = loadFashionMnist('train');
const fmnistCalibration = Array.from({ length: 10 }, (_, k) => ({ input: batchOf(train, k * 20, 20) }));
for (const [name, file] of [['fmnist_cnn', 'fmnist_cnn.onnx'], ['fmnist_mobilenet', 'fmnist_mobilenet.onnx']]) {
  cases.push({ name, bytes: readFileSync(new URL(`../demo/models/${file}`, import.meta.url)), shape: [1, 1, 28, 28], calibration: fmnistCalibration });
}

const table = textTable([
  { title: 'model', width: 18, align: 'left' },
  ...COLUMNS.map((c) => ({ title: c, width: 12 })),
  { title: 'int8/xnnpack', width: 12 },
  { title: 'int8/ort_int8', width: 13 },
  { title: 'int8/fp32', width: 9 },
  { title: 'fp32/xnnpack', width: 12 },
  ...(COLUMNS.includes('int8_1t') ? [{ title: 'int8 threads speedup', width: 20 }] : []),
]);
console.log(`ms per inference (batch 1), median of ${runs} runs after ${warmup} warm-up, engines interleaved; ratio = peer time / ours (> 1: ours faster)`);
console.log(table.header());
console.log(table.rule());
const results = [];
for (const c of cases) {
  const r = await benchCase(c);
  results.push(r);
  const m = r.ms;
  console.log(table.row([
    r.name, ...COLUMNS.map((k) => formatMs(m[k])),
    formatRatio(ratio(m.xnnpack_fp32, m.int8)), formatRatio(ratio(m.ort_int8, m.int8)),
    formatRatio(ratio(m.fp32, m.int8)), formatRatio(ratio(m.xnnpack_fp32, m.fp32)),
    ...(COLUMNS.includes('int8_1t') ? [formatRatio(ratio(m.int8_1t, m.int8))] : []),
  ]));
}
console.log('');
console.log(`machine: ${machineDescription()}; threads: ${threads} (wasm-int8: ${ours.module}, ${ours.threads} threads)`);
for (const r of results) {
  console.log(`output check ${r.name} (max |x - onnxruntime fp32|): ${Object.entries(r.check).map(([k, v]) => `${k} ${v.toPrecision(2)}`).join(', ')}`);
}
for (const w of warnings) console.log(`note: ${w}`);
if (args.profile) {
  for (const r of results) {
    console.log(`\nprofile ${r.name} int8 (ms per run by step type):`);
    for (const p of r.profile) console.log(`  ${p.op.padEnd(28)} ${p.ms.toFixed(3).padStart(8)}  x${p.count}`);
  }
}
if (args.json) {
  writeFileSync(args.json, JSON.stringify({ machine: machineDescription(), threads, cases: results.map((r) => ({ name: r.name, ms: r.ms, check: r.check })) }, null, 2));
  console.log(`wrote ${args.json}`);
}
process.exit(0);
