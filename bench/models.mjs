#!/usr/bin/env node
// Whole-model benchmark: one inference (batch 1) of each model, wasm-int8 int8 (quantized by the
// library itself, Model.quantize()) and fp32 against onnxruntime-web (fp32, and int8 on the QDQ
// ONNX our toONNX() writes) and XNNPACK fp32 (@tensorflow/tfjs-backend-wasm, the same network and
// weights built op by op from the ONNX file: bench/lib/onnx_layers.mjs, bench/lib/tfjs_model.mjs),
// in one Node process, engines interleaved round-robin. The measurement itself (cases, engines,
// timing, table) is bench/lib/model_bench.mjs, which `npm run bench:browser` runs in Chromium;
// this file is its Node driver.
//
//   npm run bench [-- --runs N] [-- --warmup N] [-- --threads N] [-- --profile] [-- --json FILE]
//
// Models: MobileNetV2-1.0 at 224x224 (standard architecture, random weights, generated here:
// bench/lib/mobilenetv2.mjs), and the shipped Fashion-MNIST CNN and MobileNetV2-style net
// (demo/models). Calibration: 8 random images for MobileNetV2 (its weights are random too),
// 200 Fashion-MNIST training images for the shipped models.
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '../tests/js/fmnist.mjs';
import { benchCase, checkLine, columnsFor, FMNIST_FILES, fmnistCalibration, fmnistCase, mobilenetCase, modelTable, setupEngines } from './lib/model_bench.mjs';
import { machineDescription } from './lib/report.mjs';

// Every engine's wasm compiled by TurboFan up front (before the first module is compiled: the
// imports above compile none). With V8's default Liftoff + dynamic tier-up, onnxruntime-web's large
// module kept being recompiled on background threads during the timed rounds; on 2 cores that took
// a core from whichever engine ran next, and our 2-thread runs, whose two threads wait for each
// other, stalled 5-15 ms in a third to a half of the rounds (Fashion-MNIST MobileNet: median 3-5 ms
// instead of 0.3-0.4). Peers are measured with optimized code from the first round too.
v8.setFlagsFromString('--no-liftoff');

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
const columns = columnsFor(threads);
const warnings = [];
const warn = (text) => warnings.push(text);

const require = createRequire(import.meta.url);
const setup = await setupEngines({
  threads,
  ortWasmPaths: pathToFileURL(`${dirname(require.resolve('onnxruntime-web'))}/`).href,
  tfjsWasmPaths: `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
});
setup.warnings.forEach(warn);
const { ours } = setup;

const calibration = fmnistCalibration(loadFashionMnist('train').images);
const cases = [
  mobilenetCase(),
  ...Object.entries(FMNIST_FILES).map(([name, file]) => fmnistCase(name, readFileSync(new URL(`../demo/models/${file}`, import.meta.url)), calibration)),
];

const table = modelTable(columns, { runs, warmup });
console.log(table.title);
console.log(table.header());
console.log(table.rule());
const results = [];
for (const c of cases) {
  const r = await benchCase(c, { columns, runs, warmup, tfjs: setup.tfjs, profile: args.profile, warn });
  results.push(r);
  console.log(table.row(r));
}
console.log('');
console.log(`machine: ${machineDescription()}; threads: ${threads} (wasm-int8: ${ours.module}, ${ours.threads} threads)`);
for (const r of results) console.log(checkLine(r));
for (const w of warnings) console.log(`note: ${w}`);
if (args.profile) {
  for (const r of results) {
    if (!r.profile) continue;
    console.log(`\nprofile ${r.name} int8 (ms per run by step type):`);
    for (const p of r.profile) console.log(`  ${p.op.padEnd(28)} ${p.ms.toFixed(3).padStart(8)}  x${p.count}`);
  }
}
if (args.json) {
  writeFileSync(args.json, JSON.stringify({ machine: machineDescription(), threads, cases: results.map((r) => ({ name: r.name, ms: r.ms, check: r.check })) }, null, 2));
  console.log(`wrote ${args.json}`);
}
process.exit(0);
