// The demo's inference worker: loads wasm-int8, the fp32 model, quantizes it (progress reported),
// and answers classify / evaluate requests, so the page stays responsive. Messages in:
//   {type: 'load', url}                 fp32 model from the server, then quantize()
//   {type: 'classify', id, pixels}      pixels: Float32Array(784), x / 255, light on dark
//   {type: 'evaluate', count}           the first `count` gallery images
//   {type: 'user', bytes}               the visitor's own ONNX file: load, summarise, try a run
// Messages out: progress, ready, result, evaluate-progress, user-model, error.
import { init, inspectModel, loadModel, simdSupported } from '../web/index.js';

const RUNS = 15; // latency: median of this many runs per image and model
const FMNIST_PIXELS = 28 * 28;
let fp32 = null;
let int8 = null;
let gallery = null;

const post = (m) => self.postMessage(m);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function softmax(logits) {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function argmax(xs) {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** The model's first output and the median latency of RUNS runs. */
function timed(model, feeds) {
  const times = [];
  let out;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    out = model.runSync(feeds);
    times.push(performance.now() - t0);
  }
  return { output: out[model.outputNames[0]].data, ms: median(times) };
}

const classified = ({ output, ms }) => ({ probs: softmax([...output]), ms });

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Image k of a file of 28 x 28 byte images, as the Fashion-MNIST models' feeds. */
function fmnistFeeds(model, bytes, k) {
  const data = new Float32Array(FMNIST_PIXELS);
  for (let i = 0; i < FMNIST_PIXELS; i++) data[i] = bytes[k * FMNIST_PIXELS + i] / 255;
  return { [model.inputNames[0]]: { data, shape: [1, 1, 28, 28] } };
}

/** What the page shows of a quantization report (it crosses to the page by structured clone). */
function reportSummary(model) {
  const report = model.report();
  return {
    layers: report.layers,
    tensors: report.tensors.map((t) => ({ name: t.name, sqnrDb: t.sqnrDb ?? null, scale: t.scale, zeroPoint: t.zeroPoint })),
  };
}

async function load(url) {
  await init();
  fp32?.dispose();
  int8?.dispose();
  const bytes = await fetchBytes(url);
  fp32 = await loadModel(bytes);
  const cal = await fetchBytes('data/fmnist_calibration.bin');
  const calibration = [];
  for (let k = 0; k < cal.length / FMNIST_PIXELS; k++) calibration.push(fmnistFeeds(fp32, cal, k));
  const t0 = performance.now();
  int8 = await fp32.quantize({ calibration, onProgress: (p) => post({ type: 'progress', ...p }) });
  post({
    type: 'ready',
    fp32Bytes: bytes.length,
    int8Bytes: int8.toONNX().length,
    quantizeMs: performance.now() - t0,
    simd: simdSupported(),
    report: reportSummary(int8),
  });
}

async function classify(id, pixels) {
  const feeds = { [fp32.inputNames[0]]: { data: pixels, shape: [1, 1, 28, 28] } };
  post({ type: 'result', id, fp32: classified(timed(fp32, feeds)), int8: classified(timed(int8, feeds)) });
}

async function evaluate(count) {
  gallery ??= await fetchBytes('data/fmnist_gallery.bin');
  const n = Math.min(count, gallery.length / (FMNIST_PIXELS + 1));
  const labels = gallery.subarray((gallery.length / (FMNIST_PIXELS + 1)) * FMNIST_PIXELS);
  let fp32Right = 0;
  let int8Right = 0;
  let agree = 0;
  for (let k = 0; k < n; k++) {
    const feeds = fmnistFeeds(fp32, gallery, k);
    const a = timed(fp32, feeds);
    const b = timed(int8, feeds);
    const pa = argmax(a.output);
    const pb = argmax(b.output);
    fp32Right += pa === labels[k];
    int8Right += pb === labels[k];
    agree += pa === pb;
    post({ type: 'evaluate-progress', done: k + 1, total: n, fp32Right, int8Right, agree, fp32Ms: a.ms, int8Ms: b.ms });
  }
}

async function user(bytes) {
  await init();
  const info = inspectModel(bytes); // throws with the byte offset / node of a bad file
  const model = await loadModel(bytes);
  try {
    const feeds = {};
    for (const [k, name] of model.inputNames.entries()) {
      const shape = (model.inputShapes[k] ?? [1]).map((d) => d ?? 1);
      feeds[name] = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
    }
    const t0 = performance.now();
    const out = model.runSync(feeds);
    const ms = performance.now() - t0;
    post({ type: 'user-model', info: { ops: info.ops, nodes: info.nodes, inputs: info.inputs, outputs: info.outputs, constantBytes: info.constantBytes }, runMs: ms, outputShapes: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.shape])) });
  } finally {
    model.dispose();
  }
}

self.onmessage = async ({ data: m }) => {
  try {
    if (m.type === 'load') await load(m.url);
    else if (m.type === 'classify') await classify(m.id, m.pixels);
    else if (m.type === 'evaluate') await evaluate(m.count);
    else if (m.type === 'user') await user(m.bytes);
  } catch (e) {
    post({ type: 'error', what: m.type, message: e.message });
  }
};
