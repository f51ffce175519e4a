#!/usr/bin/env node
// Where the 2-thread speedup goes: MobileNetV2-1.0-224 int8 (our PTQ), profiled step by step on
// 1 and on N threads, alternating in one process (setThreads() switches; the pool stays), so a
// layer that does not scale stands out. Prints the speedup per step type, the steps that scale
// worst among the slow ones, and the whole-run wall time; --json writes all of it.
//
//   npm run bench:threads [-- --threads N] [-- --rounds R] [-- --json FILE]
//
// Per step: the median over R rounds of Model.profile(20, { steps: true }) (ms per run). The wall
// time is a median of 20 back-to-back runSync() per round; the steps' sum leaves out the run's
// JS side and the workers' wake-up at its start, so the two speedups differ.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { init, loadModel, runtime, setThreads } from '../web/index.js';
import { mobilenetCase } from './lib/model_bench.mjs';
import { formatMs, formatRatio, machineDescription, median, textTable } from './lib/report.mjs';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'string' },
  },
});
const threads = Number(args.threads);
const rounds = Number(args.rounds);
if (!(threads >= 2) || !(rounds >= 1)) throw new Error('bench:threads: --threads must be >= 2 and --rounds >= 1');

await init({ threads });
const rt = runtime();
if (rt.threads < threads) {
  console.error(`bench:threads: this runtime has at most ${rt.maxThreads} thread(s) (${rt.module}); nothing to compare`);
  process.exit(1);
}
const c = mobilenetCase();
const fp32 = await loadModel(c.bytes);
const model = await fp32.quantize({ calibration: c.calibration });
fp32.dispose();
const feeds = c.calibration[0];
for (let i = 0; i < 10; i++) model.runSync(feeds);

const steps = { 1: [], [threads]: [] };
const wall = { 1: [], [threads]: [] };
for (let r = 0; r < rounds; r++) {
  for (const t of r % 2 ? [threads, 1] : [1, threads]) {
    setThreads(t);
    model.runSync(feeds);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) model.runSync(feeds);
    wall[t].push((performance.now() - t0) / 20);
    steps[t].push(model.profile(20, { steps: true }));
  }
}
setThreads(1);

// Per step (same order in every profile): median ms on 1 and on N threads.
const perStep = steps[1][0].map((s, k) => ({
  op: s.op,
  where: s.where,
  ms1: median(steps[1].map((p) => p[k].ms)),
  msN: median(steps[threads].map((p) => p[k].ms)),
}));
const byOp = new Map();
for (const s of perStep) {
  const e = byOp.get(s.op) ?? { op: s.op, count: 0, ms1: 0, msN: 0 };
  e.count += 1;
  e.ms1 += s.ms1;
  e.msN += s.msN;
  byOp.set(s.op, e);
}
const ops = [...byOp.values()].sort((a, b) => b.ms1 - a.ms1);
const sum = (list, key) => list.reduce((a, s) => a + s[key], 0);
const total1 = sum(perStep, 'ms1'), totalN = sum(perStep, 'msN');
const w1 = median(wall[1]), wN = median(wall[threads]);

console.log(`MobileNetV2-1.0-224 int8, 1 vs ${threads} threads, ${rounds} alternating rounds (ms per run, medians)\n`);
const table = textTable([
  { title: 'step type', width: 26, align: 'left' },
  { title: 'count', width: 5 },
  { title: '1 thread', width: 8 },
  { title: `${threads} threads`, width: 9 },
  { title: 'speedup', width: 7 },
]);
console.log(table.header());
console.log(table.rule());
const line = (name, count, a, b) => console.log(table.row([name, String(count), formatMs(a), formatMs(b), formatRatio(a / b)]));
for (const e of ops) line(e.op, e.count, e.ms1, e.msN);
console.log(table.rule());
line('steps, summed', perStep.length, total1, totalN);
line('run (wall, runSync)', '', w1, wN);

// The steps that cost the most time lost to poor scaling: ms on N threads above ms1 / N.
const worst = perStep
  .map((s) => ({ ...s, lost: s.msN - s.ms1 / threads }))
  .sort((a, b) => b.lost - a.lost)
  .slice(0, 8);
console.log(`\nsteps losing the most to scaling (ms on ${threads} threads above 1-thread ms / ${threads}):`);
for (const s of worst) {
  console.log(`  ${formatMs(s.ms1).padStart(7)} ${formatMs(s.msN).padStart(7)}  ${formatRatio(s.ms1 / s.msN).padStart(6)}  ${s.op} ${s.where}`);
}
console.log(`\nmachine: ${machineDescription()}; runtime: ${rt.module}`);

if (args.json) {
  writeFileSync(args.json, JSON.stringify({
    machine: machineDescription(), threads, rounds, module: rt.module,
    wall: { 1: w1, [threads]: wN }, ops, steps: perStep,
  }, null, 2));
}
process.exit(0);
