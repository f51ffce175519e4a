// The whole-model benchmark's cases, engines, interleaved timing and table, without Node imports:
// the browser page (bench/browser/, `npm run bench:browser`) runs it, and bench/models.mjs runs the
// same measurement in Node. The bare specifiers 'onnxruntime-web' and '@tensorflow/tfjs-*' resolve
// through node_modules in Node and through the page's import map in a browser.
//
// What is measured (see bench/README.md): one inference (batch 1) per engine call, every engine on
// the same input, engines interleaved round-robin (each round starts with a different engine),
// median of `runs` calls after `warmup` untimed rounds; before timing each engine's output is
// compared once with onnxruntime-web fp32's. XNNPACK (tfjs-backend-wasm) runs the same network and
// weights, rebuilt op by op from each case's ONNX bytes (onnx_layers.mjs, tfjs_model.mjs).
import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { init, loadModel, runtime, setThreads } from '../../web/index.js';
import { formatMs, formatRatio, median, ratio, textTable } from './format.mjs';
import { mobilenetV2 } from './mobilenetv2.mjs';
import { layersFromOnnx } from './onnx_layers.mjs';
import { tfjsModel } from './tfjs_model.mjs';

export const MODELS = ['mobilenetv2_224', 'fmnist_cnn', 'fmnist_mobilenet'];
/** The shipped Fashion-MNIST models' files in demo/models. */
export const FMNIST_FILES = { fmnist_cnn: 'fmnist_cnn.onnx', fmnist_mobilenet: 'fmnist_mobilenet.onnx' };

/**
 * The ms columns; with threads > 1, int8_1t is our int8 on one thread in the same run
 * (setThreads(1) around the timed call: switching is a store, the pool stays), for the thread speedup.
 */
export function columnsFor(threads) {
  return ['int8', 'fp32', 'ort_fp32', 'ort_int8', 'xnnpack_fp32', ...(threads > 1 ? ['int8_1t'] : [])];
}

function message(e) {
  return e instanceof Error ? e.message : String(e);
}

/** `promise`, or a rejection after `ms` (for steps that could wait forever on a worker). */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Configures the three engines for `threads` threads and loads wasm-int8. `ortWasmPaths` and
 * `tfjsWasmPaths` are where the peers' .wasm files are (URL prefixes ending in '/').
 * Returns {ours: runtime(), tfjs: boolean (the wasm backend is up), versions, warnings}.
 */
export async function setupEngines({ threads, ortWasmPaths, tfjsWasmPaths, timeoutMs = 120000 }) {
  const warnings = [];
  ort.env.wasm.wasmPaths = ortWasmPaths;
  ort.env.wasm.numThreads = threads;
  let tfjs = false;
  try {
    tfwasm.setWasmPaths(tfjsWasmPaths);
    if (typeof tfwasm.setThreadsCount === 'function') tfwasm.setThreadsCount(threads);
    tfjs = await withTimeout(tf.setBackend('wasm'), timeoutMs, 'tfjs setBackend(wasm)');
    await tf.ready();
    if (!tfjs) warnings.push('tfjs-backend-wasm did not initialize (tf.setBackend returned false): no XNNPACK column');
  } catch (e) {
    warnings.push(`tfjs-backend-wasm: ${message(e)}: no XNNPACK column`);
    tfjs = false;
  }
  await withTimeout(init({ threads }), timeoutMs, 'wasm-int8 init');
  const ours = runtime();
  if (ours.threads !== threads) warnings.push(`--threads ${threads}: wasm-int8 runs ${ours.threads} (its build allows ${ours.maxThreads})`);
  const versions = {
    ort: ort.env.versions?.web ?? null,
    tfjs: tfwasm.version_wasm ?? null,
    tfjsThreads: tfjs && typeof tfwasm.getThreadsCount === 'function' ? tfwasm.getThreadsCount() : null,
  };
  if (tfjs && versions.tfjsThreads !== null && versions.tfjsThreads !== threads) {
    warnings.push(`--threads ${threads}: tfjs-backend-wasm runs ${versions.tfjsThreads} (getThreadsCount() after setThreadsCount(${threads}))`);
  }
  return { ours, tfjs, versions, warnings };
}

/** MobileNetV2-1.0 at 224x224, random weights (bench/lib/mobilenetv2.mjs), calibrated on 8 random images. */
export function mobilenetCase() {
  const mnv2 = mobilenetV2({ batch: 1 });
  const random = () => {
    const d = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < d.length; i++) d[i] = Math.random() * 2 - 1;
    return { input: { data: d, shape: [1, 3, 224, 224] } };
  };
  return { name: 'mobilenetv2_224', bytes: mnv2.bytes, shape: [1, 3, 224, 224], calibration: Array.from({ length: 8 }, random) };
}

/**
 * Calibration for the Fashion-MNIST models: the first 200 training images (`images`: 784 uint8
 * pixels each, as in demo/data/fmnist_calibration.bin), as 10 batches of 20, float x / 255, NCHW.
 */
export function fmnistCalibration(images) {
  if (images.length < 200 * 784) throw new Error(`fmnist calibration: need 200 images of 784 bytes, got ${images.length} bytes`);
  return Array.from({ length: 10 }, (_, k) => {
    const data = new Float32Array(20 * 784);
    for (let i = 0; i < data.length; i++) data[i] = images[k * 20 * 784 + i] / 255;
    return { input: { data, shape: [20, 1, 28, 28] } };
  });
}

export function fmnistCase(name, bytes, calibration) {
  return { name, bytes, shape: [1, 1, 28, 28], calibration };
}

// With threads, onnxruntime's pool spin-waits between runs by default and keeps a core busy while
// the other engines run (on 2 cores it halved our 2-thread speed and cost the Fashion-MNIST models
// 10x); without spinning its own times barely moved. So the benchmark turns spinning off.
async function ortRunner(bytes, input, shape) {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
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

/**
 * Benchmarks one case ({name, bytes, shape, calibration}) on every engine.
 * An engine that fails to load, to run, or does not answer within `timeoutMs` during setup and
 * the output check is left out (its ms is null) and `warn(text)` is called; the others go on.
 * `onStatus(text)` hears each step. Returns {name, ms: {column: median ms | null}, check: {column:
 * max |x - onnxruntime fp32|}, profile}.
 */
export async function benchCase(c, { columns, runs, warmup, tfjs = true, profile = false, warn = () => {}, onStatus = () => {}, timeoutMs = 120000 }) {
  const { name, bytes, shape, calibration } = c;
  const input = 'input';
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.abs(Math.sin(i * 0.7));
  const feeds = { [input]: { data, shape } };
  const owned = [];
  const step = async (what, f) => {
    onStatus(`${name}: ${what}`);
    try {
      const r = await withTimeout(f(), timeoutMs, what);
      if (r && typeof r.dispose === 'function') owned.push(r);
      return r;
    } catch (e) {
      warn(`${name}: ${what} failed: ${message(e)}`);
      return null;
    }
  };
  const fp32 = await step('wasm-int8 loadModel', () => loadModel(bytes));
  const int8 = fp32 && (await step('wasm-int8 quantize', () => fp32.quantize({ calibration })));
  const ortFp32 = await step('onnxruntime-web fp32 session', () => ortRunner(bytes, input, shape));
  const int8Onnx = int8 && (await step('wasm-int8 toONNX', async () => int8.toONNX()));
  const ortInt8 = int8Onnx && (await step('onnxruntime-web int8 session', () => ortRunner(int8Onnx, input, shape)));
  // XNNPACK: the ONNX graph rebuilt op by op in tfjs; a model with an op the converter lacks gets
  // no column (the warning names the op).
  let xnnpack = null;
  if (tfjs) xnnpack = await step('tfjs network from the ONNX file', async () => tfjsModel(layersFromOnnx(bytes)));
  const outName = fp32?.outputNames[0];
  const out = (r) => r[outName].data;
  const ours = runtime();
  const engines = {
    int8: int8 && (async () => out(await int8.run(feeds))),
    fp32: fp32 && (async () => out(await fp32.run(feeds))),
    ort_fp32: ortFp32 && (() => ortFp32.run(data)),
    ort_int8: ortInt8 && (() => ortInt8.run(data)),
    xnnpack_fp32: xnnpack && (async () => xnnpack.run(data)),
    int8_1t: int8 && (async () => {
      setThreads(1);
      try {
        return out(await int8.run(feeds));
      } finally {
        setThreads(ours.threads);
      }
    }),
  };
  // Output checks against onnxruntime fp32; an engine that throws here is dropped.
  const check = {};
  let ref = null;
  if (engines.ort_fp32) ref = await step('onnxruntime-web fp32 reference run', () => engines.ort_fp32());
  if (!ref) warn(`${name}: no onnxruntime-web fp32 output: outputs not checked`);
  for (const k of columns) {
    if (!engines[k]) continue;
    const y = await step(`${k} first run`, () => engines[k]());
    if (!y) engines[k] = null;
    else if (ref) check[k] = maxAbsDiff(y, ref);
  }
  const times = Object.fromEntries(columns.map((k) => [k, []]));
  const active = columns.filter((k) => engines[k]);
  onStatus(`${name}: timing ${active.join(', ')} (${warmup} warm-up + ${runs} runs)`);
  for (let r = 0; r < warmup + runs; r++) {
    const order = active.map((_, j) => active[(r + j) % active.length]);
    for (const k of order) {
      if (!engines[k]) continue;
      const t0 = performance.now();
      try {
        await engines[k]();
      } catch (e) {
        warn(`${name}: ${k} failed in run ${r + 1}: ${message(e)}`);
        engines[k] = null;
        active.splice(active.indexOf(k), 1);
        continue;
      }
      if (r >= warmup) times[k].push(performance.now() - t0);
    }
  }
  const ms = Object.fromEntries(columns.map((k) => [k, engines[k] ? median(times[k]) : null]));
  const prof = profile && int8 ? int8.profile(10) : null;
  for (const o of owned.reverse()) {
    try {
      await o.dispose();
    } catch (e) {
      warn(`${name}: dispose failed: ${message(e)}`);
    }
  }
  return { name, ms, check, profile: prof };
}

/** The report table: title line, header, rule, and a row per result (printed as results come). */
export function modelTable(columns, { runs, warmup }) {
  const threaded = columns.includes('int8_1t');
  const table = textTable([
    { title: 'model', width: 18, align: 'left' },
    ...columns.map((c) => ({ title: c, width: 12 })),
    { title: 'int8/xnnpack', width: 12 },
    { title: 'int8/ort_int8', width: 13 },
    { title: 'int8/fp32', width: 9 },
    { title: 'fp32/xnnpack', width: 12 },
    ...(threaded ? [{ title: 'int8 threads speedup', width: 20 }] : []),
  ]);
  return {
    title: `ms per inference (batch 1), median of ${runs} runs after ${warmup} warm-up, engines interleaved; ratio = peer time / ours (> 1: ours faster)`,
    header: table.header,
    rule: table.rule,
    row: ({ name, ms: m }) => table.row([
      name, ...columns.map((k) => formatMs(m[k])),
      formatRatio(ratio(m.xnnpack_fp32, m.int8)), formatRatio(ratio(m.ort_int8, m.int8)),
      formatRatio(ratio(m.fp32, m.int8)), formatRatio(ratio(m.xnnpack_fp32, m.fp32)),
      ...(threaded ? [formatRatio(ratio(m.int8_1t, m.int8))] : []),
    ]),
  };
}

/** "output check <name> (max |x - onnxruntime fp32|): int8 0.14, fp32 1.3e-6, ..." */
export function checkLine({ name, check }) {
  if (Object.keys(check).length === 0) return `output check ${name}: none (no onnxruntime-web fp32 output to compare with)`;
  return `output check ${name} (max |x - onnxruntime fp32|): ${Object.entries(check).map(([k, v]) => `${k} ${v.toPrecision(2)}`).join(', ')}`;
}
