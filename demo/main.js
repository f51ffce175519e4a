// The demo page: fp32 and int8 side by side. All inference runs in worker.js (a Web Worker), so the
// page stays responsive while the model is quantized and evaluated.
import { imageToTensor, simdSupported } from '../web/index.js';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let ready = false;
let nextId = 0;
let gallery = null;
const latencies = { fp32: [], int8: [] };

$('simd').textContent = `SIMD: ${simdSupported() ? 'yes' : 'no (wasm-int8 needs it)'}`;
$('threads').textContent = `threads: ${typeof SharedArrayBuffer === 'function' && crossOriginIsolated ? 'available' : 'not available'}`;
$('isolated').textContent = `cross-origin isolated: ${self.crossOriginIsolated ? 'yes' : 'no'}`;

/** Shows `text` in the element `id`, in red if it is an error. */
function say(id, text, error = false) {
  $(id).textContent = text;
  $(id).className = error ? 'error' : '';
}
const setStatus = (text, error = false) => say('status', text, error);

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const dimsText = (shape) => `[${(shape ?? []).map((d) => d ?? '?').join(', ')}]`;
const int8LayersText = (layers) => `${layers.filter((l) => l.precision === 'int8').length} of ${layers.length} layers run int8`;

function showResult(column, r) {
  const col = $(`col-${column}`);
  col.querySelector('.latency').textContent = `latency: ${r.ms.toFixed(3)} ms (median of 15)`;
  const top = r.probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  col.querySelector('.top3').innerHTML = top
    .map(([p, i]) => `<li><span class="bar" style="width:${(p * 8).toFixed(2)}rem"></span><span class="label">${CLASSES[i]}</span> ${(100 * p).toFixed(1)}%</li>`)
    .join('');
}

function classify(pixels) {
  if (!ready) return;
  worker.postMessage({ type: 'classify', id: nextId++, pixels });
}

function galleryPixels(k) {
  const data = new Float32Array(784);
  for (let i = 0; i < 784; i++) data[i] = gallery[k * 784 + i] / 255;
  return data;
}

async function buildGallery() {
  const r = await fetch('data/fmnist_gallery.bin');
  gallery = new Uint8Array(await r.arrayBuffer());
  const count = gallery.length / 785;
  const box = $('gallery');
  for (let k = 0; k < count; k++) {
    const c = document.createElement('canvas');
    c.width = 28;
    c.height = 28;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) img.data.set([gallery[k * 784 + i], gallery[k * 784 + i], gallery[k * 784 + i], 255], i * 4);
    ctx.putImageData(img, 0, 0);
    c.title = CLASSES[gallery[count * 784 + k]];
    c.addEventListener('click', () => {
      box.querySelectorAll('.selected').forEach((e) => e.classList.remove('selected'));
      c.classList.add('selected');
      classify(galleryPixels(k));
    });
    box.appendChild(c);
  }
}

/** A quantization report: one SQNR bar per tensor in `sqnrBox`, each layer's precision in `layersBox`. */
function showReport(sqnrBox, layersBox, { tensors, layers }) {
  layersBox.textContent = layers.map((l) => `${l.op}: ${l.precision}${l.reason ? ` (${l.reason})` : ''}`).join(' · ');
  sqnrBox.innerHTML = '';
  const measured = tensors.filter((t) => t.sqnrDb !== null && Number.isFinite(t.sqnrDb));
  const max = 60; // dB at full height; the input (quantized with its own scale) is often far above
  for (const t of measured) {
    const bar = document.createElement('div');
    bar.style.height = `${(100 * Math.min(t.sqnrDb, max)) / max}%`;
    bar.title = `${t.name}: ${t.sqnrDb.toFixed(1)} dB (scale ${t.scale.toPrecision(3)}, zero point ${t.zeroPoint})`;
    bar.innerHTML = `<span>${t.sqnrDb.toFixed(0)}</span>`;
    sqnrBox.appendChild(bar);
  }
}

function drawLatencyChart() {
  const c = $('latency-chart');
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const all = [...latencies.fp32, ...latencies.int8];
  if (!all.length) return;
  const max = Math.max(...all) * 1.1;
  ctx.font = '10px sans-serif';
  ctx.fillStyle = '#3b4457';
  ctx.fillText(`ms per image (max ${max.toFixed(2)})`, 4, 10);
  for (const [key, color] of [['fp32', '#3465a4'], ['int8', '#c4532c']]) {
    const v = latencies[key];
    ctx.strokeStyle = color;
    ctx.beginPath();
    v.forEach((ms, i) => {
      const x = (i / Math.max(1, v.length - 1)) * (c.width - 8) + 4;
      const y = c.height - 4 - (ms / max) * (c.height - 16);
      if (i) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
}

worker.onmessage = ({ data: m }) => {
  if (m.type === 'progress') {
    $('quant-progress').value = m.done / m.total;
    setStatus(`quantizing in your browser: calibration image ${m.done} / ${m.total}…`);
  } else if (m.type === 'ready') {
    ready = true;
    $('threads').textContent = `threads: ${m.runtime.threads} (${m.runtime.module})`;
    $('quant-progress').value = 1;
    setStatus(`ready: quantized in ${(m.quantizeMs / 1000).toFixed(1)} s; ${int8LayersText(m.report.layers)}. Click an image.`);
    $('col-fp32').querySelector('.size').textContent = `size: ${kb(m.fp32Bytes)} (fp32 ONNX)`;
    $('col-int8').querySelector('.size').textContent = `size: ${kb(m.int8Bytes)} (int8 QDQ ONNX)`;
    showReport($('sqnr'), $('layers'), m.report);
    classify(galleryPixels(0));
    $('gallery').firstChild?.classList.add('selected');
  } else if (m.type === 'result') {
    showResult('fp32', m.fp32);
    showResult('int8', m.int8);
  } else if (m.type === 'evaluate-progress') {
    latencies.fp32.push(m.fp32Ms);
    latencies.int8.push(m.int8Ms);
    const pct = (x) => `${((100 * x) / m.done).toFixed(1)}%`;
    $('col-fp32').querySelector('.accuracy').textContent = `accuracy: ${pct(m.fp32Right)} (${m.fp32Right} / ${m.done})`;
    $('col-int8').querySelector('.accuracy').textContent = `accuracy: ${pct(m.int8Right)} (${m.int8Right} / ${m.done})`;
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const [fp32Ms, int8Ms] = [med(latencies.fp32), med(latencies.int8)];
    $('eval-status').textContent = `${m.done} / ${m.total} images, fp32 and int8 agree on ${m.agree}; ` +
      `median latency fp32 ${fp32Ms.toFixed(3)} ms, int8 ${int8Ms.toFixed(3)} ms`;
    Object.assign($('eval-status').dataset, { fp32Ms, int8Ms });
    $('eval-status').dataset.done = String(m.done === m.total);
    drawLatencyChart();
  } else if (m.type === 'user-model') {
    userModelLoaded(m.info);
  } else if (m.type === 'user-images') {
    userImagesDecoded(m.images);
  } else if (m.type === 'user-progress') {
    userProgress(m.done, m.total);
  } else if (m.type === 'user-quantized') {
    userQuantized(m);
  } else if (m.type === 'error' && m.what in USER_FAILURES) {
    userFailed(m);
  } else if (m.type === 'error') {
    setStatus(`error: ${m.message}`, true);
  }
};

function loadModel() {
  ready = false;
  latencies.fp32 = [];
  latencies.int8 = [];
  $('quant-progress').value = 0;
  setStatus('loading the fp32 model…');
  worker.postMessage({ type: 'load', url: $('model').value });
}

// Drawing: dark strokes on white, converted like a photo (grayscale, inverted, 28 x 28).
const draw = $('draw');
const dctx = draw.getContext('2d');
function clearDrawing() {
  dctx.fillStyle = '#fff';
  dctx.fillRect(0, 0, draw.width, draw.height);
}
clearDrawing();
let drawing = false;
draw.addEventListener('pointerdown', (e) => {
  drawing = true;
  dctx.beginPath();
  dctx.moveTo(e.offsetX, e.offsetY);
});
draw.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  dctx.lineWidth = 16;
  dctx.lineCap = 'round';
  dctx.strokeStyle = '#000';
  dctx.lineTo(e.offsetX, e.offsetY);
  dctx.stroke();
});
window.addEventListener('pointerup', () => {
  drawing = false;
});
const canvasPixels = () => imageToTensor(dctx.getImageData(0, 0, draw.width, draw.height), { size: [28, 28], grayscale: true, invert: true }).data;
$('clear').addEventListener('click', clearDrawing);
$('classify-drawing').addEventListener('click', () => classify(canvasPixels()));
$('photo').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
    say('photo-status', '');
  } catch (err) {
    say('photo-status', `${file.name}: this browser cannot decode it as an image (${err.message})`, true);
    return;
  }
  clearDrawing();
  const s = Math.min(draw.width / bitmap.width, draw.height / bitmap.height);
  dctx.drawImage(bitmap, (draw.width - bitmap.width * s) / 2, (draw.height - bitmap.height * s) / 2, bitmap.width * s, bitmap.height * s);
  classify(canvasPixels());
});
$('evaluate').addEventListener('click', () => {
  if (!ready) return;
  latencies.fp32 = [];
  latencies.int8 = [];
  $('eval-status').dataset.done = 'false';
  worker.postMessage({ type: 'evaluate', count: 100 });
});
$('model').addEventListener('change', loadModel);

// Your own model: the worker loads it and decodes the calibration images; the page derives the
// preprocessing from the model's input shape, asks the worker to quantize, and shows the comparison.
// Each request's error is shown next to its control and resets only that step.
const userState = { layout: null, modelName: 'model', images: 0, busy: false, downloadUrl: null };

function updateUserControls() {
  const { layout, images, busy } = userState;
  $('user-model').disabled = busy;
  $('user-images').disabled = busy;
  $('user-preprocess').disabled = busy || !layout;
  $('user-quantize').disabled = busy || !layout || !images;
  $('user-cancel').hidden = !busy;
}

// The preprocessing fills one float image input [1, C, H, W] (the batch may be open), C = 1 or 3.
function imageInputLayout(inputs) {
  if (inputs.length !== 1) throw new Error(`the model has ${inputs.length} inputs; the preprocessing fills one image input`);
  const { name, dtype, shape } = inputs[0];
  if (dtype !== 'float32') throw new Error(`input '${name}' is ${dtype}; the preprocessing makes float32`);
  if (shape?.length !== 4 || (shape[0] !== null && shape[0] !== 1) || (shape[1] !== 1 && shape[1] !== 3)) {
    throw new Error(`input '${name}' is ${dimsText(shape)}; the preprocessing fills [1, C, H, W] with C = 1 or 3`);
  }
  return { channels: shape[1], height: shape[2], width: shape[3] }; // null: the model leaves it open
}

function userModelLoaded(info) {
  const ops = Object.entries(info.ops).map(([k, v]) => `${k} ${v}`).join(', ');
  const inputs = info.inputs.map((t) => `${t.name} ${dimsText(t.shape)}`).join(', ');
  say('user-status', `loaded: ${info.nodes} nodes (${ops}); inputs ${inputs}`);
  try {
    userState.layout = imageInputLayout(info.inputs);
  } catch (e) {
    say('user-preprocess-status', `no image preprocessing for this model: ${e.message}`, true);
    updateUserControls();
    return;
  }
  const { channels, height, width } = userState.layout;
  // A size the model fixes is not the visitor's to change; an open one starts at 224, ImageNet's.
  for (const [id, size] of [['user-height', height], ['user-width', width]]) {
    $(id).value = size ?? 224;
    $(id).disabled = size !== null;
  }
  $('user-channels').textContent = channels === 1 ? '1 channel: grayscale' : '3 channels: RGB';
  // ImageNet's mean and std are per RGB channel.
  const imagenet = $('user-range').querySelector('[value=imagenet]');
  imagenet.disabled = channels !== 3;
  if (imagenet.disabled && imagenet.selected) $('user-range').value = 'unit';
  updateUserControls();
}

function userImagesDecoded(images) {
  userState.images = images.length;
  const shown = images.slice(0, 3).map((i) => `${i.name} (${i.width} × ${i.height})`);
  say('user-images-status', `${images.length} decoded: ${shown.join(', ')}${images.length > 3 ? ', …' : ''}`);
  updateUserControls();
}

function userProgress(done, total) {
  $('user-progress').max = total;
  $('user-progress').value = done;
  say('user-quantize-status', `calibration image ${done} / ${total}${done === total ? '; measuring SQNR, top-1 and latency…' : ''}`);
}

function showBytes(id, bytes) {
  $(id).textContent = kb(bytes);
  $(id).dataset.bytes = String(bytes);
}

function userQuantized(m) {
  userState.busy = false;
  updateUserControls();
  say('user-quantize-status', `quantized in ${(m.quantizeMs / 1000).toFixed(1)} s on ${m.top1.length} image${m.top1.length === 1 ? '' : 's'}; ${int8LayersText(m.report.layers)}`);
  showBytes('user-fp32-size', m.fp32Bytes);
  showBytes('user-int8-size', m.onnx.byteLength);
  $('user-fp32-latency').textContent = `${m.fp32Ms.toFixed(3)} ms`;
  $('user-int8-latency').textContent = `${m.int8Ms.toFixed(3)} ms`;
  const agree = m.top1.filter((r) => r.fp32 === r.int8).length;
  $('user-agreement').textContent = `top-1 class index: fp32 and int8 agree on ${agree} of ${m.top1.length} calibration images`;
  $('user-top1').replaceChildren(...m.top1.map((r) => {
    const li = document.createElement('li');
    li.textContent = `${r.name}: fp32 ${r.fp32}, int8 ${r.int8}`;
    li.classList.toggle('differs', r.fp32 !== r.int8);
    return li;
  }));
  showReport($('user-sqnr'), $('user-layers'), m.report);
  if (userState.downloadUrl) URL.revokeObjectURL(userState.downloadUrl);
  userState.downloadUrl = URL.createObjectURL(new Blob([m.onnx], { type: 'application/octet-stream' }));
  $('user-download').href = userState.downloadUrl;
  $('user-download').download = `${userState.modelName}_int8.onnx`;
  $('user-results').hidden = false;
}

// Where each request's error goes, and the state it undoes.
const USER_FAILURES = {
  user: { place: 'user-status', prefix: 'this model cannot be used: ', undo: () => (userState.layout = null) },
  'user-images': { place: 'user-images-status', prefix: '', undo: () => (userState.images = 0) },
  'user-quantize': { place: 'user-quantize-status', prefix: 'quantization failed: ', undo: () => (userState.busy = false) },
};

function userFailed({ what, name, message }) {
  const { place, prefix, undo } = USER_FAILURES[what];
  undo();
  updateUserControls();
  if (name === 'AbortError') {
    $('user-progress').value = 0;
    say(place, 'cancelled');
  } else {
    say(place, `${prefix}${message}`, true);
  }
}

$('user-model').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  userState.layout = null;
  $('user-results').hidden = true;
  say('user-preprocess-status', '');
  updateUserControls();
  if (!file) return;
  userState.modelName = file.name.replace(/\.onnx$/i, '');
  say('user-status', 'loading…');
  try {
    worker.postMessage({ type: 'user', bytes: new Uint8Array(await file.arrayBuffer()) });
  } catch (err) {
    say('user-status', `${file.name}: cannot be read (${err.message})`, true);
  }
});
$('user-images').addEventListener('change', (e) => {
  const files = [...e.target.files];
  userState.images = 0;
  updateUserControls();
  say('user-images-status', files.length ? 'decoding…' : '');
  if (files.length) worker.postMessage({ type: 'user-images', files });
});
$('user-quantize').addEventListener('click', () => {
  const [height, width] = [Number($('user-height').value), Number($('user-width').value)];
  if (![height, width].every((v) => Number.isInteger(v) && v >= 1 && v <= 4096)) {
    say('user-preprocess-status', `the size must be whole numbers of pixels from 1 to 4096, got ${$('user-height').value} × ${$('user-width').value}`, true);
    return;
  }
  say('user-preprocess-status', '');
  const preprocess = { channels: userState.layout.channels, height, width, invert: $('user-invert').checked, range: $('user-range').value };
  userState.busy = true;
  updateUserControls();
  $('user-results').hidden = true;
  userProgress(0, userState.images);
  worker.postMessage({ type: 'user-quantize', preprocess });
});
$('user-cancel').addEventListener('click', () => worker.postMessage({ type: 'user-cancel' }));

await buildGallery();
loadModel();
