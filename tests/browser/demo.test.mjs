// The demo page in headless Chromium (Debian's, driven by playwright-core): the wasm module loads in a
// real browser, SIMD is detected, and the int8 FC result is shown. Saves a screenshot to
// tests/artifacts/demo.png.
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

test('the demo page loads the module, reports SIMD and shows the int8 FC result', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}/demo/`);
  await page.waitForFunction(() => document.getElementById('fc-result').textContent.length > 0 ||
    document.getElementById('status').className === 'error', null, { timeout: 30000 });
  assert.deepEqual(errors, []);
  assert.equal(await page.textContent('#simd'), 'SIMD: yes');
  assert.equal(await page.textContent('#isolated'), 'Cross-origin isolated: yes');
  const result = await page.textContent('#fc-result');
  assert.match(result, /^int8 FC result: max \|int8 - float\| = [\d.]+ \([\d.]+ output steps\); median run [\d.]+ µs$/);
  const steps = Number(result.match(/\(([\d.]+) output steps\)/)[1]);
  // Input and weight rounding over 256 products: a few output steps, not garbage.
  assert.ok(steps <= 8, `int8 is ${steps} output steps from float`);
  assert.equal(await page.locator('#fc-table tbody tr').count(), 10);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
  await page.close();
});

test('the server refuses paths outside the repository', async () => {
  const res = await fetch(`${url}/..%2f..%2fetc/passwd`);
  assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
});
