// The demo page in headless Chromium (Debian's, driven by playwright-core): the page quantizes the
// Fashion-MNIST model in a worker, shows both columns (top-3, latency, size), evaluates 100 test
// images (both >= 85 %), shows a corrupt model's error in the page, and keeps working. Saves a
// screenshot to tests/artifacts/demo.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
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

test('the demo quantizes in the browser, shows fp32 and int8 side by side, evaluates and reports errors', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}/demo/`);
  // Quantization in the worker, with progress, then the first gallery image is classified.
  await page.waitForFunction(() => /^ready|^error/.test(document.getElementById('status').textContent), null, { timeout: 120000 });
  assert.match(await page.textContent('#status'), /^ready: quantized in [\d.]+ s; \d+ of \d+ layers run int8/);
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
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
  // A corrupt model: the error is shown in the page.
  await page.setInputFiles('#user-model', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from([8, 7, 0x3a, 0xff, 0xff, 0xff, 0x0f, 1, 2]) });
  await page.waitForFunction(() => document.getElementById('user-status').className === 'error', null, { timeout: 30000 });
  assert.match(await page.textContent('#user-status'), /^this model cannot be used: wasm-int8: ONNX: byte offset \d+/);
  // The demo still works after it.
  await page.click('#gallery canvas:nth-child(12)');
  await page.waitForTimeout(500);
  assert.match(await page.textContent('#col-int8 .latency'), /^latency: [\d.]+ ms/);
  assert.deepEqual(errors, []);
  console.log(`demo: evaluate 100 -> fp32 ${accuracy.fp32} %, int8 ${accuracy.int8} %; ${await page.textContent('#col-fp32 .latency')} / ${await page.textContent('#col-int8 .latency')}`);
  await page.close();
});

test('the server refuses paths outside the repository', async () => {
  const res = await fetch(`${url}/..%2f..%2fetc/passwd`);
  assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
});
