// The demo page in headless Chromium (Debian's, driven by playwright-core): the page quantizes the
// Fashion-MNIST model in a worker, shows both columns (top-3, latency, size), evaluates 100 test
// images (both >= 85 %), shows a corrupt model's error in the page, and keeps working. A visitor's
// own model and calibration images: quantized with progress, compared (sizes, latency, top-1),
// downloadable, cancellable; bad models, shapes and images are reported next to their control.
// Saves screenshots to tests/artifacts/demo.png and demo-user.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { makeModel, node, valueInfo, DataType } from '../../bench/lib/onnx.mjs';
import { startServer } from '../../tools/lib/server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

// The flags keep Chromium off the network (this machine has none) and runnable as root.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let server, url, browser;

before(async () => {
  ({ server, url } = await startServer({ root: ROOT, port: 0 }));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A new page on the demo, once its own model is quantized; `errors` collects the page's errors. */
async function openDemo() {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}/demo/`);
  // Quantization in the worker, with progress, then the first gallery image is classified.
  await page.waitForFunction(() => /^ready|^error/.test(document.getElementById('status').textContent), null, { timeout: 120000 });
  assert.match(await page.textContent('#status'), /^ready: quantized in [\d.]+ s; \d+ of \d+ layers run int8/);
  // The page is cross-origin isolated (the server sends COOP / COEP): the worker runs the threaded build.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(await page.textContent('#threads'), `threads: ${Math.min(4, cores)} (${cores > 1 ? 'wasm_int8_threads' : 'wasm_int8'})`);
  return { page, errors };
}

/** Clicks "evaluate 100": both accuracies appear, are >= 85 %, and the median latencies are shown. */
async function evaluate100(page) {
  await page.click('#evaluate');
  await page.waitForFunction(() => document.getElementById('eval-status').dataset.done === 'true', null, { timeout: 180000 });
  const accuracy = {};
  for (const col of ['fp32', 'int8']) {
    const text = await page.textContent(`#col-${col} .accuracy`);
    const m = text.match(/^accuracy: ([\d.]+)% \((\d+) \/ 100\)$/);
    assert.ok(m, text);
    accuracy[col] = Number(m[1]);
    assert.ok(accuracy[col] >= 85, `${col} accuracy ${accuracy[col]}`);
  }
  assert.match(await page.textContent('#eval-status'), /^100 \/ 100 images, fp32 and int8 agree on \d+; median latency fp32 [\d.]+ ms, int8 [\d.]+ ms$/);
  const data = await page.evaluate(() => ({ ...document.getElementById('eval-status').dataset }));
  return { accuracy, latency: { fp32: Number(data.fp32Ms), int8: Number(data.int8Ms) } };
}

/** The main demo answers a click on gallery image `nth` (its old results are cleared first). */
async function assertStillClassifies(page, nth) {
  await page.evaluate(() => document.querySelectorAll('.top3').forEach((e) => e.replaceChildren()));
  await page.click(`#gallery canvas:nth-child(${nth})`);
  for (const col of ['fp32', 'int8']) {
    await page.waitForFunction((c) => document.querySelector(`#col-${c} .top3 li`), col, { timeout: 30000 });
  }
  assert.match(await page.textContent('#col-int8 .latency'), /^latency: [\d.]+ ms/);
}

test('the demo quantizes in the browser, shows fp32 and int8 side by side, evaluates and reports errors', async () => {
  const { page, errors } = await openDemo();
  assert.equal(await page.textContent('#simd'), 'SIMD: yes');
  assert.equal(await page.textContent('#isolated'), 'cross-origin isolated: yes');
  for (const col of ['fp32', 'int8']) {
    await page.waitForFunction((c) => document.querySelector(`#col-${c} .top3 li`), col, { timeout: 30000 });
    assert.match(await page.textContent(`#col-${col} .top3 li .label`), /^(T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)$/);
    assert.match(await page.textContent(`#col-${col} .latency`), /^latency: [\d.]+ ms/);
    assert.match(await page.textContent(`#col-${col} .size`), /^size: \d+ KB/);
  }
  assert.ok((await page.locator('#sqnr div').count()) >= 5, 'SQNR bars drawn');
  // evaluate 100: both accuracies appear and are >= 85 %.
  const { accuracy, latency } = await evaluate100(page);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
  // The MobileNetV2-style model: quantized in the page, evaluated the same way. The median latencies
  // of both columns are recorded (tests/artifacts/demo-latency.json), not asserted: speed is the
  // benchmarks' business, this machine is shared.
  await page.selectOption('#model', 'models/fmnist_mobilenet.onnx');
  await page.waitForFunction(() => /^ready|^error/.test(document.getElementById('status').textContent), null, { timeout: 120000 });
  assert.match(await page.textContent('#status'), /^ready: quantized in [\d.]+ s; \d+ of \d+ layers run int8/);
  const mobilenet = await evaluate100(page);
  writeFileSync(join(ARTIFACTS, 'demo-latency.json'), JSON.stringify({ fmnist_cnn: { accuracy, latency }, fmnist_mobilenet: mobilenet, threads: await page.textContent('#threads') }, null, 2));
  console.log(`demo latency (median ms over 100 images; ${await page.textContent('#threads')}): CNN fp32 ${latency.fp32.toFixed(3)} / int8 ${latency.int8.toFixed(3)}; ` +
    `MobileNet-style fp32 ${mobilenet.latency.fp32.toFixed(3)} / int8 ${mobilenet.latency.int8.toFixed(3)}`);
  // A corrupt model: the error is shown in the page.
  await page.setInputFiles('#user-model', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from([8, 7, 0x3a, 0xff, 0xff, 0xff, 0x0f, 1, 2]) });
  await page.waitForFunction(() => document.getElementById('user-status').className === 'error', null, { timeout: 30000 });
  assert.match(await page.textContent('#user-status'), /^this model cannot be used: wasm-int8: ONNX: byte offset \d+/);
  await assertStillClassifies(page, 12);
  assert.deepEqual(errors, []);
  console.log(`demo: evaluate 100 -> CNN fp32 ${accuracy.fp32} %, int8 ${accuracy.int8} %; MobileNet-style fp32 ${mobilenet.accuracy.fp32} %, int8 ${mobilenet.accuracy.int8} %`);
  await page.close();
});

const FMNIST_MODEL = join(ROOT, 'demo', 'models', 'fmnist_cnn.onnx');
const PIXELS = 28 * 28;

/**
 * The first `count` gallery images as PNG files, dark on light (as a visitor's photos or drawings
 * would be: the dataset is light on dark), encoded by the page's OffscreenCanvas.
 */
async function galleryPngs(page, count) {
  const gallery = readFileSync(join(ROOT, 'demo', 'data', 'fmnist_gallery.bin'));
  const images = Array.from({ length: count }, (_, k) => [...gallery.subarray(k * PIXELS, (k + 1) * PIXELS)].map((v) => 255 - v));
  const encoded = await page.evaluate(async (all) => Promise.all(all.map(async (gray) => {
    const canvas = new OffscreenCanvas(28, 28);
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(28, 28);
    gray.forEach((v, i) => img.data.set([v, v, v, 255], i * 4));
    ctx.putImageData(img, 0, 0);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    return btoa(String.fromCharCode(...bytes));
  })), images);
  return encoded.map((b64, k) => ({ name: `item${k}.png`, mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') }));
}

/** fp32 top-1 of the shipped model on the first `count` gallery images (x / 255), run in the page. */
function expectedTop1(page, count) {
  return page.evaluate(async ([n, pixels]) => {
    const lib = await import('/web/index.js');
    await lib.init();
    const model = await lib.loadModel('/demo/models/fmnist_cnn.onnx');
    const gallery = new Uint8Array(await (await fetch('/demo/data/fmnist_gallery.bin')).arrayBuffer());
    const top1 = [];
    for (let k = 0; k < n; k++) {
      const data = Float32Array.from(gallery.subarray(k * pixels, (k + 1) * pixels), (v) => v / 255);
      const logits = [...(await model.run({ input: { data, shape: [1, 1, 28, 28] } })).logits.data];
      top1.push(logits.indexOf(Math.max(...logits)));
    }
    model.dispose();
    return top1;
  }, [count, PIXELS]);
}

const tinyModel = (op, shape) =>
  makeModel({ inputs: [valueInfo('x', DataType.FLOAT, shape)], outputs: [valueInfo('y', DataType.FLOAT, shape)], nodes: [node(op, ['x'], ['y'])] });
const onnxFile = (name, buffer) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(buffer) });

/** Waits until the text of element `id` matches `pattern`; returns the text. */
async function waitForText(page, id, pattern, timeout = 30000) {
  await page.waitForFunction(([i, p]) => new RegExp(p).test(document.getElementById(i).textContent), [id, pattern.source], { timeout });
  return page.textContent(`#${id}`);
}

test('a visitor quantizes their own model on their own images, and every error shows next to its control', async () => {
  const { page, errors } = await openDemo();
  // An op the library cannot run (made up, so that it stays unsupported), then an input the image
  // preprocessing cannot fill.
  await page.setInputFiles('#user-model', onnxFile('odd.onnx', tinyModel('OddOp', ['N', 3, 8, 8])));
  assert.match(await waitForText(page, 'user-status', /cannot be used/), /^this model cannot be used: wasm-int8: ONNX: node 'OddOp_y' \(OddOp, #0\): operator 'OddOp' is not supported/);
  assert.equal(await page.getAttribute('#user-status', 'class'), 'error');
  await page.setInputFiles('#user-model', onnxFile('vector.onnx', tinyModel('Relu', ['N', 10])));
  await waitForText(page, 'user-status', /^loaded/);
  assert.match(await page.textContent('#user-preprocess-status'), /^no image preprocessing for this model: input 'x' is \[\?, 10\]; the preprocessing fills \[1, C, H, W\] with C = 1 or 3$/);
  assert.ok(await page.isDisabled('#user-quantize'));

  // The Fashion-MNIST CNN on 6 gallery images, dark on light: grayscale (from its input shape) + invert.
  const count = 6;
  const pngs = await galleryPngs(page, count);
  await page.setInputFiles('#user-model', FMNIST_MODEL);
  assert.match(await waitForText(page, 'user-status', /^loaded/), /^loaded: \d+ nodes \(Conv 3, .*\); inputs input \[\?, 1, 28, 28\]$/);
  assert.equal(await page.textContent('#user-preprocess-status'), '');
  assert.equal(await page.textContent('#user-channels'), '1 channel: grayscale');
  assert.deepEqual([await page.inputValue('#user-height'), await page.inputValue('#user-width')], ['28', '28']);
  assert.ok(await page.isDisabled('#user-range option[value=imagenet]'), 'ImageNet mean/std is for RGB');
  await page.setInputFiles('#user-images', pngs);
  await waitForText(page, 'user-images-status', /^6 decoded: item0.png \(28 × 28\)/);
  await page.check('#user-invert');
  await page.click('#user-quantize');
  const status = await waitForText(page, 'user-quantize-status', /^quantized|failed/, 60000);
  assert.match(status, /^quantized in [\d.]+ s on 6 images; \d+ of \d+ layers run int8$/);
  assert.deepEqual(await page.$eval('#user-progress', (p) => [p.value, p.max]), [count, count]);
  const latency = {};
  for (const precision of ['fp32', 'int8']) {
    const text = await page.textContent(`#user-${precision}-latency`);
    assert.match(text, /^[\d.]+ ms$/);
    latency[precision] = parseFloat(text);
    assert.ok(latency[precision] > 0, `${precision} latency ${text}`);
  }
  const size = {};
  for (const precision of ['fp32', 'int8']) {
    assert.match(await page.textContent(`#user-${precision}-size`), /^\d+ KB$/);
    size[precision] = Number(await page.getAttribute(`#user-${precision}-size`, 'data-bytes'));
  }
  assert.equal(size.fp32, statSync(FMNIST_MODEL).size);
  assert.ok(size.int8 < size.fp32 / 3, `int8 ${size.int8} bytes vs fp32 ${size.fp32}`);
  // Top-1 per image: fp32 must be what the model gives on the original pixels (so the PNGs went
  // through decode, resize, grayscale and invert intact), int8 must mostly agree with it.
  const rows = (await page.$$eval('#user-top1 li', (lis) => lis.map((li) => li.textContent))).map((t) => t.match(/^item(\d+)\.png: fp32 (\d+), int8 (\d+)$/));
  assert.ok(rows.every(Boolean), 'one "itemK.png: fp32 a, int8 b" row per image');
  assert.deepEqual(rows.map((r) => Number(r[2])), await expectedTop1(page, count));
  const agree = rows.filter((r) => r[2] === r[3]).length;
  assert.ok(agree >= count - 1, `fp32 and int8 agree on ${agree} of ${count}`);
  assert.equal(await page.textContent('#user-agreement'), `top-1 class index: fp32 and int8 agree on ${agree} of ${count} calibration images`);
  assert.ok((await page.locator('#user-sqnr div').count()) >= 5, 'SQNR bars drawn');
  // The download is the int8 QDQ model the sizes speak of.
  assert.equal(await page.getAttribute('#user-download', 'download'), 'fmnist_cnn_int8.onnx');
  const download = await page.$eval('#user-download', async (a) => {
    const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
    const lib = await import('/web/index.js');
    return { length: bytes.length, ops: lib.inspectModel(bytes).ops };
  });
  assert.equal(download.length, size.int8);
  assert.ok(download.ops.QuantizeLinear > 0 && download.ops.DequantizeLinear > 0, JSON.stringify(download.ops));
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'demo-user.png'), fullPage: true });

  // Cancel: 300 images take long enough to click Cancel after the first few.
  const many = Array.from({ length: 300 }, (_, k) => ({ ...pngs[k % count], name: `copy${k}.png` }));
  await page.setInputFiles('#user-images', many);
  await waitForText(page, 'user-images-status', /^300 decoded/);
  await page.click('#user-quantize');
  await page.waitForFunction(() => document.getElementById('user-progress').value >= 1, null, { timeout: 30000 });
  await page.click('#user-cancel');
  assert.equal(await waitForText(page, 'user-quantize-status', /^cancelled|^quantized|failed/), 'cancelled');
  assert.ok((await page.$eval('#user-progress', (p) => p.value)) < 300);
  assert.ok(await page.isHidden('#user-results'));
  // The cancelled model quantizes again.
  await page.click('#user-quantize');
  const again = await waitForText(page, 'user-quantize-status', /^cancelled|^quantized|failed/, 120000);
  assert.match(again, /^quantized in [\d.]+ s on 300 images/);
  assert.equal(await page.$$eval('#user-top1 li', (lis) => lis.length), 300);

  // A file that is not an image: named in the page, and nothing is left to quantize.
  await page.setInputFiles('#user-images', [pngs[0], { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a png at all') }]);
  assert.match(await waitForText(page, 'user-images-status', /broken/), /^broken\.png: this browser cannot decode it as an image/);
  assert.equal(await page.getAttribute('#user-images-status', 'class'), 'error');
  assert.ok(await page.isDisabled('#user-quantize'));
  await page.setInputFiles('#photo', { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg either') });
  assert.match(await waitForText(page, 'photo-status', /broken/), /^broken\.jpg: this browser cannot decode it as an image/);

  // The rest of the demo still works.
  await assertStillClassifies(page, 3);
  assert.deepEqual(errors, []);
  console.log(`demo, own model: fmnist_cnn ${size.fp32} -> ${size.int8} bytes, fp32 ${latency.fp32} ms / int8 ${latency.int8} ms, top-1 agreement ${agree} / ${count}; after a cancel: ${again}`);
  await page.close();
});

test('the server refuses paths outside the repository', async () => {
  const res = await fetch(`${url}/..%2f..%2fetc/passwd`);
  assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
});
