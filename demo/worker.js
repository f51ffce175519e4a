// The demo's inference worker: loads wasm-int8, the fp32 model, quantizes it (progress reported),
// and answers classify / evaluate requests, so the page stays responsive. Messages in:
//   {type: 'load', url}                 fp32 model from the server, then quantize()
//   {type: 'classify', id, pixels}      pixels: Float32Array(784), x / 255, light on dark
//   {type: 'evaluate', count}           the first `count` gallery images
//   {type: 'user', bytes}               the visitor's own ONNX file: load and summarise it
//   {type: 'user-images', files}        the visitor's calibration images (File objects): decode them
//   {type: 'user-quantize', preprocess} quantize the visitor's model on those images, compare fp32 / int8
//   {type: 'user-cancel'}               abort that quantization
// Messages out: progress, ready, result, evaluate-progress, user-model, user-images, user-progress,
// user-quantized, error ({what: the request's type, name, message}).
import { imageToTensor, init, inspectModel, loadModel, runtime, simdSupported, threadsSupported } from '../web/index.js';

const RUNS = 15; // latency: median of this many runs per image and model
// Untimed runs before the first timing of a model: V8 first runs wasm functions in its baseline
// compiler and tiers hot ones up later, so the int8 kernels (not used by calibration, which runs
// fp32) would be timed cold on the first image (seen: int8 0.65 ms vs 0.21 ms warm on the CNN).
const WARMUP_RUNS = 30;
const WARMUP_MS = 300; // at most this long per model (a large user model gets fewer runs)
const FMNIST_PIXELS = 28 * 28;
let fp32 = null;
let int8 = null;
let gallery = null;
const user = { model: null, fileBytes: 0, images: [], abort: null };

const post = (m) => self.postMessage(m);

// The threaded build where the page is cross-origin isolated (the demo server sends COOP / COEP),
// with a thread per core up to the build's 4; the single-threaded build elsewhere.
const start = () => init({ threads: threadsSupported() ? Math.min(4, navigator.hardwareConcurrency || 1) : 1 });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function softmax(logits) {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

// A loop, not Math.max(...xs): a user model's output can exceed the engine's argument limit.
function argmax(xs) {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** Untimed runs of each model (WARMUP_RUNS, or WARMUP_MS per model). */
function warmUp(models, feeds) {
  for (const model of models) {
    const t0 = performance.now();
    for (let r = 0; r < WARMUP_RUNS && performance.now() - t0 < WARMUP_MS; r++) model.runSync(feeds);
  }
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
const firstOutput = (model, feeds) => model.runSync(feeds)[model.outputNames[0]].data;

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
  await start();
  fp32?.dispose();
  int8?.dispose();
  const bytes = await fetchBytes(url);
  fp32 = await loadModel(bytes);
  const cal = await fetchBytes('data/fmnist_calibration.bin');
  const calibration = [];
  for (let k = 0; k < cal.length / FMNIST_PIXELS; k++) calibration.push(fmnistFeeds(fp32, cal, k));
  const t0 = performance.now();
  int8 = await fp32.quantize({ calibration, onProgress: (p) => post({ type: 'progress', ...p }) });
  warmUp([fp32, int8], calibration[0]);
  post({
    type: 'ready',
    fp32Bytes: bytes.length,
    int8Bytes: int8.toONNX().length,
    quantizeMs: performance.now() - t0,
    simd: simdSupported(),
    runtime: runtime(),
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

async function userModel(bytes) {
  await start();
  user.model?.dispose();
  user.model = null; // a file that fails to load leaves no stale model to quantize
  const info = inspectModel(bytes); // throws with the byte offset / node of a bad file
  user.model = await loadModel(bytes); // throws for an op it cannot run
  user.fileBytes = bytes.length;
  post({ type: 'user-model', info: { ops: info.ops, nodes: info.nodes, inputs: info.inputs, outputs: info.outputs } });
}

async function userImages(files) {
  for (const image of user.images) image.bitmap.close();
  user.images = [];
  const images = [];
  try {
    for (const file of files) {
      try {
        images.push({ name: file.name, bitmap: await createImageBitmap(file) });
      } catch (e) {
        throw new Error(`${file.name}: this browser cannot decode it as an image (${e.message})`);
      }
    }
  } catch (e) {
    for (const image of images) image.bitmap.close();
    throw e;
  }
  user.images = images;
  post({ type: 'user-images', images: images.map(({ name, bitmap }) => ({ name, width: bitmap.width, height: bitmap.height })) });
}

// mean / std after scaling to [0, 1], as imageToTensor takes them.
const VALUE_RANGES = {
  unit: { mean: 0, std: 1 }, // [0, 1]
  signed: { mean: 0.5, std: 0.5 }, // [-1, 1]
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

/** One decoded image as the model's [1, C, H, W] float input. */
function imageTensor(bitmap, { channels, height, width, invert, range }) {
  if (!VALUE_RANGES[range]) throw new Error(`unknown value range '${range}'`);
  // The canvas resizes: its smoothing averages many pixels when it shrinks a photo, where
  // imageToTensor's bilinear sampling would alias. White first, so transparent pixels read as paper.
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  return imageToTensor(ctx.getImageData(0, 0, width, height), { grayscale: channels === 1, invert, ...VALUE_RANGES[range] });
}

async function userQuantize(preprocess) {
  const model = user.model;
  if (!model) throw new Error('load a model first');
  if (!user.images.length) throw new Error('choose calibration images first');
  const images = user.images;
  const input = model.inputNames[0];
  const feeds = images.map(({ bitmap }) => ({ [input]: imageTensor(bitmap, preprocess) }));
  user.abort = new AbortController();
  let q;
  try {
    const t0 = performance.now();
    q = await model.quantize({
      calibration: feeds,
      onProgress: (p) => post({ type: 'user-progress', ...p }),
      signal: user.abort.signal,
    });
    const quantizeMs = performance.now() - t0;
    const top1 = feeds.map((f, k) => ({ name: images[k].name, fp32: argmax(firstOutput(model, f)), int8: argmax(firstOutput(q, f)) }));
    warmUp([model, q], feeds[0]);
    post({
      type: 'user-quantized',
      quantizeMs,
      fp32Bytes: user.fileBytes,
      onnx: q.toONNX(), // copied to the page (not transferred: it may view the wasm heap)
      fp32Ms: timed(model, feeds[0]).ms,
      int8Ms: timed(q, feeds[0]).ms,
      top1,
      report: reportSummary(q),
    });
  } finally {
    user.abort = null;
    q?.dispose();
  }
}

self.onmessage = async ({ data: m }) => {
  try {
    if (m.type === 'load') await load(m.url);
    else if (m.type === 'classify') await classify(m.id, m.pixels);
    else if (m.type === 'evaluate') await evaluate(m.count);
    else if (m.type === 'user') await userModel(m.bytes);
    else if (m.type === 'user-images') await userImages(m.files);
    else if (m.type === 'user-quantize') await userQuantize(m.preprocess);
    else if (m.type === 'user-cancel') user.abort?.abort();
  } catch (e) {
    post({ type: 'error', what: m.type, name: e.name, message: e.message });
  }
};
