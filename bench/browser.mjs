#!/usr/bin/env node
// The whole-model benchmark (bench/models.mjs's cases and columns) in headless Chromium: serves the
// repository (tools/lib/server.mjs: COOP/COEP, so the page is cross-origin isolated and threads > 1
// can load threaded builds), opens bench/browser/index.html, which runs bench/lib/model_bench.mjs,
// polls its results and prints the same table as `npm run bench`.
//
//   npm run bench:browser [-- --runs N] [-- --warmup N] [-- --threads N] [-- --models a,b]
//                         [-- --json FILE] [-- --timeout S] [-- --chromium PATH]
//
// A model whose page makes no progress for --timeout seconds (default 300) is reported as a
// warning and skipped; the remaining models run in a fresh page. Engine failures inside the page
// are warnings too, and the other engines' columns are still measured.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer } from '../tools/lib/server.mjs';
import { checkLine, columnsFor, MODELS, modelTable } from './lib/model_bench.mjs';
import { machineDescription } from './lib/report.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// As in tests/browser: off the network (this machine has none), runnable as root; and no
// throttling of a page that Chromium may consider in the background.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    models: { type: 'string', default: MODELS.join(',') },
    json: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: node bench/browser.mjs [--runs N] [--warmup N] [--threads N] [--models a,b] [--json FILE] [--timeout S] [--chromium PATH]');
  console.log(`models: ${MODELS.join(', ')}`);
  process.exit(0);
}
const count = (key, min) => {
  const v = Number(args[key]);
  if (!Number.isInteger(v) || v < min) {
    console.error(`--${key} must be an integer >= ${min}, got ${args[key]}`);
    process.exit(2);
  }
  return v;
};
const runs = count('runs', 1);
const warmup = count('warmup', 0);
const threads = count('threads', 1);
const timeoutMs = count('timeout', 1) * 1000;
const models = args.models.split(',').map((s) => s.trim()).filter(Boolean);
for (const m of models) {
  if (!MODELS.includes(m)) {
    console.error(`unknown model ${m} (models: ${MODELS.join(', ')})`);
    process.exit(2);
  }
}
const columns = columnsFor(threads);

const warnings = [];
const warn = (text) => {
  if (warnings.includes(text)) return;
  warnings.push(text);
  console.error(`warning: ${text}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { server, url } = await startServer({ root: ROOT, port: 0 });
let browser;
try {
  browser = await chromium.launch({ executablePath: args.chromium, args: CHROMIUM_ARGS });
} catch (e) {
  server.close();
  console.error(`could not launch ${args.chromium}: ${e.message}`);
  process.exit(1);
}
const browserVersion = `Chromium ${browser.version()} (headless, playwright-core)`;

const table = modelTable(columns, { runs, warmup });
console.log(table.title);
console.log(table.header());
console.log(table.rule());

const results = [];
let info = null;
let remaining = [...models];
while (remaining.length > 0) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => warn(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') warn(`page console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => warn(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) warn(`HTTP ${r.status()} for ${r.url()}`);
  });
  let crashed = false;
  page.on('crash', () => {
    crashed = true;
  });
  const query = new URLSearchParams({ runs, warmup, threads, models: remaining.join(',') });
  let seen = 0; // this page's results already taken
  let lastProgress = Date.now();
  let status = 'loading the page';
  let done = false;
  try {
    await page.goto(`${url}/bench/browser/?${query}`, { timeout: timeoutMs });
    while (!done) {
      if (crashed) throw new Error('the page crashed');
      // The page answers between its tasks: while an engine call runs it cannot, so the wait is
      // bounded by what is left of the no-progress budget.
      const budget = Math.max(1000, timeoutMs - (Date.now() - lastProgress));
      let timer;
      const s = await Promise.race([
        page.evaluate(() => {
          const b = window.__bench;
          return b ? { status: b.status, info: b.info, cases: b.cases, warnings: b.warnings, done: b.done, error: b.error } : null;
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from the page for ${timeoutMs / 1000} s (page status: ${status})`)), budget);
        }),
      ]).finally(() => clearTimeout(timer));
      if (s) {
        if (s.status !== status) {
          status = s.status;
          lastProgress = Date.now();
        }
        info ??= s.info;
        for (const w of s.warnings) warn(w);
        for (const c of s.cases.slice(seen)) {
          results.push(c);
          console.log(table.row(c));
          remaining = remaining.filter((m) => m !== c.name);
        }
        seen = s.cases.length;
        if (s.error) warn(`page stopped: ${s.error.split('\n')[0]}`);
        done = s.done;
      }
      if (!done) {
        if (!s && Date.now() - lastProgress > 60000) throw new Error('the benchmark page did not start within 60 s (see the page errors above)');
        if (Date.now() - lastProgress > timeoutMs) throw new Error(`no progress for ${timeoutMs / 1000} s (page status: ${status})`);
        await sleep(250);
      }
    }
  } catch (e) {
    warn(`${remaining[0] ?? 'page'}: ${e.message.split('\n')[0]}; skipped`);
    remaining = remaining.slice(1);
  }
  // A page that stopped with an error and left models unmeasured: report them, do not retry.
  if (done && remaining.length > 0) {
    warn(`not measured: ${remaining.join(', ')}`);
    remaining = [];
  }
  await page.close().catch(() => {});
}
await browser.close();
server.close();

console.log('');
const ours = info?.runtime;
const peers = info ? `; onnxruntime-web ${info.versions.ort ?? '?'}, tfjs-backend-wasm ${info.versions.tfjs ?? '?'}${info.versions.tfjsThreads ? ` (${info.versions.tfjsThreads} threads)` : ''}` : '';
console.log(`machine: ${machineDescription()}; browser: ${browserVersion}; threads: ${threads} (wasm-int8: ${ours ? `${ours.module}, ${ours.threads} threads` : 'not loaded'})${peers}`);
if (info) console.log(`runtime(): ${JSON.stringify(ours)}; cross-origin isolated: ${info.crossOriginIsolated ? 'yes' : 'no'}; navigator.hardwareConcurrency ${info.hardwareConcurrency}`);
for (const r of results) console.log(checkLine(r));
for (const w of warnings) console.log(`note: ${w}`);
if (args.json) {
  const cases = results.map((r) => ({ name: r.name, ms: r.ms, check: r.check }));
  writeFileSync(args.json, JSON.stringify({ machine: machineDescription(), browser: browserVersion, threads, runtime: ours ?? null, cases, warnings }, null, 2));
  console.log(`wrote ${args.json}`);
}
process.exit(results.length === models.length ? 0 : 1);
