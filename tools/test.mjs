// `npm test`: the one test command. On a fresh Debian machine (as root) it installs what is missing,
// then: lint -> native build + C++ tests (plain, then ASan + UBSan) -> wasm build + the same C++
// tests under node (SIMD128 paths) -> 60 s of libFuzzer on the ONNX reader -> JS tests (node:test, incl. the npm package and the browser page in headless Chromium).
// Prints a summary and a closing "N passed, N failed" line; exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUILD_NATIVE, BUILD_SANITIZE, BUILD_WASM, buildNative, buildSanitized, buildWasm, EM_ENV, ensureNodeModules,
  ensureSystem, log, ROOT,
} from './lib/toolchain.mjs';
import { fuzz } from './fuzz.mjs';
import { lint } from './lint.mjs';

const results = []; // { name, passed, failed, seconds }

// Runs a command, streaming its output, and returns the output for parsing.
function stream(cmd, args, env = process.env) {
  log(`$ ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (dst) => (chunk) => {
      out += chunk;
      dst.write(chunk);
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const { passed, failed } = await fn();
    results.push({ name, passed, failed, seconds: (Date.now() - t0) / 1000 });
  } catch (e) {
    console.error(`[wasm-int8] ${name}: ${e.message}`);
    results.push({ name, passed: 0, failed: 1, seconds: (Date.now() - t0) / 1000, error: e.message });
  }
}

// GoogleTest through ctest -V: counts come from gtest's own summary lines.
async function ctest(dir, env) {
  const { code, out } = await stream('ctest', ['--test-dir', dir, '-V', '--timeout', '1200'], env);
  const sum = (re) => [...out.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  const passed = sum(/\[ {2}PASSED {2}\] (\d+) tests?/g);
  const failed = sum(/\[ {2}FAILED {2}\] (\d+) tests?, listed below/g);
  if (code !== 0 && failed === 0) return { passed, failed: 1 };
  if (passed + failed === 0) throw new Error('ctest ran no GoogleTest test');
  return { passed, failed };
}

async function nodeTests(dir) {
  const files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.test.mjs')).map((f) => join(dir, f));
  const { code, out } = await stream(process.execPath, ['--test', '--test-reporter=spec', ...files]);
  const num = (re) => Number(out.match(re)?.[1] ?? 0);
  const passed = num(/ℹ pass (\d+)/);
  const failed = num(/ℹ fail (\d+)/) + num(/ℹ cancelled (\d+)/);
  if (code !== 0 && failed === 0) return { passed, failed: 1 };
  if (passed + failed === 0) throw new Error(`no JS test ran in ${dir}`);
  return { passed, failed };
}

const t0 = Date.now();
try {
  ensureSystem(['build', 'lint', 'browser', 'testdata', 'fuzz']);
  ensureNodeModules();
} catch (e) {
  console.error(`[wasm-int8] set-up failed: ${e.message}`);
  process.exit(1);
}

await step('lint (clang-format, node --check)', async () => {
  lint();
  return { passed: 1, failed: 0 };
});
await step('C++ tests, native (g++)', async () => {
  buildNative();
  return ctest(BUILD_NATIVE);
});
await step('C++ tests, native ASan + UBSan', async () => {
  buildSanitized();
  return ctest(BUILD_SANITIZE);
});
await step('C++ tests, wasm SIMD128 under node', async () => {
  buildWasm();
  return ctest(BUILD_WASM, EM_ENV);
});
await step('fuzz: model bytes -> reader -> graph -> plan -> run, 60 s', async () => {
  const { execs } = fuzz({ seconds: 60 });
  return { passed: execs > 0 ? 1 : 0, failed: execs > 0 ? 0 : 1 };
});
await step('JS tests (node:test)', () => nodeTests('tests/js'));
await step('browser tests (headless Chromium)', () => nodeTests('tests/browser'));

const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed }), {
  passed: 0,
  failed: 0,
});
console.log('\n==== wasm-int8 test summary ====');
for (const r of results) {
  const status = r.failed ? 'FAIL' : 'ok  ';
  console.log(`${status} ${r.name.padEnd(40)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds.toFixed(1)} s`);
}
console.log(`total time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed ? 1 : 0);
