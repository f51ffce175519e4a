#!/usr/bin/env node
// Single-operator benchmark: wasm-int8 (int8 and fp32 ops) against onnxruntime-web (wasm EP, fp32
// and QLinear int8) and tfjs-backend-wasm (XNNPACK fp32), in one Node process, one thread each.
//
//   npm run bench:ops [-- --filter SUBSTR] [-- --runs N] [-- --warmup N] [-- --json FILE]
//
// For each case every engine is set up once (weights packed, inputs created), its output checked
// against the fp32 reference, then warmed up and timed with the engines interleaved round-robin
// (rotating who goes first), so a noisy neighbour slows all of them alike. A timed call is one
// inference including reading its output. The table reports the median per engine. See bench/README.md.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allCases, mobilenetV2Cases } from './lib/cases.mjs';
import { caseData, maxAbsDiff } from './lib/data.mjs';
import { createOrt } from './lib/ort.mjs';
import { createOurs } from './lib/ours.mjs';
import {
  DASH, formatMacs, formatMs, formatRatio, gops, machineDescription, median, ratio, textTable,
} from './lib/report.mjs';
import { createTfjs } from './lib/tfjs.mjs';

const USAGE = `usage: node bench/ops.mjs [--filter SUBSTR] [--runs N] [--warmup N] [--json FILE]
  --filter SUBSTR  run only the cases whose name contains SUBSTR
  --runs N         timed runs per case and engine (default 30); the median is reported
  --warmup N       untimed runs per case and engine before timing (default 5)
  --json FILE      also write the results as JSON to FILE`;

/** The timing columns, in table order. */
const COLUMNS = ['int8', 'fp32', 'ort_fp32', 'ort_int8', 'xnnpack_fp32'];
/** Ratio columns [title, numerator, denominator]: > 1 means ours is faster. */
const RATIOS = [
  ['xnnpack_fp32/int8', 'xnnpack_fp32', 'int8'],
  ['ort_int8/int8', 'ort_int8', 'int8'],
  ['xnnpack_fp32/fp32', 'xnnpack_fp32', 'fp32'],
];
/** The column whose output the others are checked against: the first fp32 one present. */
const REFERENCE_ORDER = ['xnnpack_fp32', 'ort_fp32', 'fp32'];
/**
 * Largest allowed |output - reference|. Outputs have a standard deviation near 0.6 (data.mjs); int8
 * outputs are compared with the reference clamped to their range (data.outputRange), and may be off
 * by rounding of the input, the weights and the output (step 6/255). ort_int8's fc (QLinearMatMul)
 * has no bias, which adds up to 0.1.
 */
const TOLERANCE = { int8: 0.1, fp32: 1e-3, ort_fp32: 1e-3, ort_int8: 0.2, xnnpack_fp32: 1e-3 };
const INT8_COLUMNS = new Set(['int8', 'ort_int8']);

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        filter: { type: 'string' },
        runs: { type: 'string', default: '30' },
        warmup: { type: 'string', default: '5' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) {
      console.error(`--${name} must be an integer >= ${min}, got ${values[name]}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  return { filter: values.filter ?? '', runs: count('runs', 1), warmup: count('warmup', 0), json: values.json };
}

const warnings = [];
function warn(message) {
  warnings.push(message);
  console.error(`warning: ${message}`);
}

/** Loads an engine; a failure is reported and leaves its columns empty instead of ending the run. */
async function load(name, create) {
  try {
    return await create();
  } catch (e) {
    warn(`${name} failed to load: ${e.stack ?? e}`);
    return null;
  }
}

async function callRun(runner) {
  const p = runner.run();
  if (p && typeof p.then === 'function') await p;
}

/** Sets up, checks, warms up and times every column of one case; returns { ms, maxDiff, refCol }. */
async function measureCase(spec, factories, { runs, warmup }) {
  const data = caseData(spec);
  const runners = new Map();
  let refCol = null;
  const drop = async (col, why, e) => {
    warn(`${spec.name}: ${col} ${why}: ${e?.message ?? e}`);
    const r = runners.get(col);
    runners.delete(col);
    try {
      await r?.dispose?.();
    } catch {
      // already failing; the warning above says why
    }
  };

  for (const col of COLUMNS) {
    try {
      const r = await factories[col]?.(spec, data);
      if (r) runners.set(col, r);
    } catch (e) {
      runners.delete(col);
      warn(`${spec.name}: ${col} set-up failed: ${e?.message ?? e}`);
    }
  }

  try {
    // Check: every column's output (as float, canonical layout) against the fp32 reference.
    const outputs = new Map();
    for (const [col, r] of [...runners]) {
      if (typeof r.output !== 'function') continue;
      try {
        outputs.set(col, await r.output());
      } catch (e) {
        await drop(col, 'failed on its first run', e);
      }
    }
    refCol = REFERENCE_ORDER.find((c) => outputs.has(c)) ?? null;
    const maxDiff = {};
    if (refCol) {
      const ref = outputs.get(refCol);
      const [lo, hi] = data.outputRange;
      const clamped = ref.map((v) => Math.min(hi, Math.max(lo, v)));
      for (const [col, out] of outputs) {
        if (col === refCol) continue;
        const expected = INT8_COLUMNS.has(col) ? clamped : ref;
        const diff = out.length === ref.length ? maxAbsDiff(out, expected) : NaN;
        maxDiff[col] = diff;
        if (!(diff <= TOLERANCE[col])) {
          warn(`${spec.name}: ${col} output differs from ${refCol}'s by up to ${diff} (tolerance ${TOLERANCE[col]})`);
        }
      }
    }

    for (let i = 0; i < warmup; i++) {
      for (const [col, r] of [...runners]) {
        try {
          await callRun(r);
        } catch (e) {
          await drop(col, 'failed during warm-up', e);
        }
      }
    }

    // Round-robin: round i starts with engine i mod k, so each engine takes each place in the
    // order equally often and a burst of load from outside hits all engines alike.
    const cols = [...runners.keys()];
    const times = Object.fromEntries(cols.map((c) => [c, []]));
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < cols.length; j++) {
        const col = cols[(i + j) % cols.length];
        const r = runners.get(col);
        if (!r) continue;
        try {
          const t0 = performance.now();
          const p = r.run();
          if (p && typeof p.then === 'function') await p;
          times[col].push(performance.now() - t0);
        } catch (e) {
          times[col] = [];
          await drop(col, 'failed during timing', e);
        }
      }
    }

    const ms = {};
    for (const col of COLUMNS) ms[col] = runners.has(col) ? median(times[col]) : null;
    return { ms, maxDiff, refCol };
  } finally {
    for (const [col, r] of runners) {
      try {
        await r.dispose?.();
      } catch (e) {
        warn(`${spec.name}: ${col} dispose failed: ${e?.message ?? e}`);
      }
    }
  }
}

async function main() {
  const opts = parseOptions();
  const cases = allCases().filter((c) => c.name.includes(opts.filter));
  if (cases.length === 0) {
    console.error(`no case matches --filter ${JSON.stringify(opts.filter)}; cases:\n  ${allCases().map((c) => c.name).join('\n  ')}`);
    process.exit(2);
  }
  const started = performance.now();
  const machine = machineDescription();

  const ours = await load('wasm-int8', createOurs);
  const ort = await load('onnxruntime-web', createOrt);
  const tfjs = await load('tfjs-backend-wasm', createTfjs);
  const factories = {
    int8: ours && ((s, d) => ours.int8(s, d)),
    fp32: ours && ((s, d) => ours.fp32(s, d)),
    ort_fp32: ort && ((s, d) => ort.fp32(s, d)),
    ort_int8: ort && ((s, d) => ort.int8(s, d)),
    xnnpack_fp32: tfjs && ((s, d) => tfjs.fp32(s, d)),
  };

  const nameWidth = Math.max('mobilenetv2/total'.length, ...cases.map((c) => c.name.length));
  const table = textTable([
    { title: 'case', width: nameWidth, align: 'left' },
    { title: 'count', width: 5 },
    { title: 'MACs', width: 7 },
    ...COLUMNS.map((c) => ({ title: c, width: Math.max(8, c.length) })),
    ...RATIOS.map(([t]) => ({ title: t, width: t.length })),
  ]);
  const rowCells = (name, count, macs, ms) => [
    name,
    String(count),
    formatMacs(macs),
    ...COLUMNS.map((c) => formatMs(ms[c])),
    ...RATIOS.map(([, a, b]) => formatRatio(ratio(ms[a], ms[b]))),
  ];

  console.log(`ms per call, median of ${opts.runs} runs (${opts.warmup} warm-up), engines interleaved; ratio > 1 = ours faster\n`);
  console.log(table.header());
  console.log(table.rule());

  const results = [];
  const worstDiff = {};
  const refCols = new Set();
  for (const spec of cases) {
    const { ms, maxDiff, refCol } = await measureCase(spec, factories, opts);
    if (refCol) refCols.add(refCol);
    for (const [col, d] of Object.entries(maxDiff)) worstDiff[col] = Math.max(worstDiff[col] ?? 0, d);
    if (tfjs) {
      const live = tfjs.memory().numTensors;
      if (live !== 0) warn(`${spec.name}: ${live} tfjs tensors still alive after dispose`);
    }
    results.push({ name: spec.name, count: spec.count, macs: spec.macs, ms });
    console.log(table.row(rowCells(spec.name, spec.count, spec.macs, ms)));
  }

  // mobilenetv2/total: Σ count × ms over all its distinct layer shapes; only when all of them ran.
  const mnv2 = mobilenetV2Cases();
  const mnv2Run = results.filter((r) => r.name.startsWith('mobilenetv2/'));
  let total = null;
  if (mnv2Run.length === mnv2.length) {
    const ms = {};
    for (const col of COLUMNS) {
      ms[col] = mnv2Run.every((r) => r.ms[col] !== null) ? mnv2Run.reduce((s, r) => s + r.count * r.ms[col], 0) : null;
    }
    total = { name: 'mobilenetv2/total', count: mnv2.reduce((s, c) => s + c.count, 0), macs: mnv2.reduce((s, c) => s + c.count * c.macs, 0), ms };
    console.log(table.rule());
    console.log(table.row(rowCells(total.name, total.count, total.macs, total.ms)));
  }

  const gopsTable = textTable([
    { title: 'GOP/s (2 ops per MAC)', width: nameWidth, align: 'left' },
    ...COLUMNS.map((c) => ({ title: c, width: Math.max(8, c.length) })),
  ]);
  console.log(`\n${gopsTable.header()}`);
  console.log(gopsTable.rule());
  for (const r of total ? [...results, total] : results) {
    console.log(gopsTable.row([r.name, ...COLUMNS.map((c) => {
      const g = gops(r.macs, r.ms[c]);
      return g === null ? DASH : g.toFixed(1);
    })]));
  }

  const seconds = (performance.now() - started) / 1000;
  const diffs = Object.entries(worstDiff).map(([c, d]) => `${c} ${d.toPrecision(2)}`).join(', ');
  console.log(`
machine: ${machine}
engines: wasm-int8 (this repo, dist/); onnxruntime-web ${ort?.version ?? DASH} (wasm EP, SIMD, numThreads 1,
  graph optimization 'all'); @tensorflow/tfjs-backend-wasm ${tfjs?.version ?? DASH} (XNNPACK, SIMD, 1 thread)
notes:
- ms: median of ${opts.runs} timed calls after ${opts.warmup} warm-up calls per engine, engines interleaved
  round-robin with a rotating start; inputs and weights prepared before timing; a timed call includes
  reading the output (ours: run() returns a new Int8Array; ORT: await session.run(); tfjs: fused op,
  dataSync(), dispose()).
- layouts: each engine's native one: ours and tfjs NHWC, ORT NCHW. Every layer: bias, no activation.
- int8 = wasm-int8 int8 op (int8 activations, per-channel int8 weights, int32 bias);
  fp32 = wasm-int8 fp32 op; ort_fp32 = Gemm / Conv; xnnpack_fp32 = tf.fused.matMul / conv2d /
  depthwiseConv2d with bias; ort_int8 = QLinearConv (uint8 activations, int8 weights with per-channel
  scales, int32 bias) or, for fc cases, QLinearMatMul (uint8 x int8, per-tensor scales, no bias add).
- ratios: time of the peer / time of ours; > 1 means ours is faster. GOP/s counts 2 ops per MAC.
- mobilenetv2/*: the ${mnv2.length} distinct Conv / depthwise / FC shapes of MobileNetV2-1.0 at 224x224
  (count = occurrences); mobilenetv2/total = sum of count x ms (${DASH} if a column misses a layer${total ? '' : '; not printed: --filter left out some layers'}).
- ${DASH} = not available: the op is not in wasm-int8 yet, or the engine failed (see the warnings).
- output check vs the fp32 reference (${[...refCols].join(', ') || DASH}), largest |difference|: ${diffs || DASH}.
- run time: ${seconds.toFixed(0)} s.`);
  if (warnings.length) console.log(`warnings (${warnings.length}):\n${warnings.map((w) => `- ${w}`).join('\n')}`);

  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ machine, cases: results }, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

await main();
