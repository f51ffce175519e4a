// `npm run fuzz -- --seconds N` (default 60): builds the libFuzzer target with clang
// (-fsanitize=fuzzer,address,undefined) and fuzzes model bytes -> ONNX reader -> graph import,
// starting from a seed corpus of the ONNX node test suite's models (Debian libonnx-testdata).
// Prints the executions done; exits non-zero on a finding (the crashing input is saved in
// build/fuzz/findings/). A longer run: `npm run fuzz -- --seconds 600`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { qdqCnn, smallCnn } from '../tests/js/models.mjs';
import { ensureSystem, log, ROOT, run } from './lib/toolchain.mjs';

const BUILD = join(ROOT, 'build', 'fuzz');
const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

export function fuzz({ seconds = 60 } = {}) {
  ensureSystem(['build', 'fuzz', 'testdata']);
  if (!existsSync(join(BUILD, 'CMakeCache.txt'))) {
    run('cmake', ['-S', ROOT, '-B', BUILD, '-G', 'Ninja', '-DWI8_FUZZ=ON', '-DWI8_BUILD_TESTS=OFF',
      '-DWI8_WERROR=ON', '-DCMAKE_BUILD_TYPE=Debug', '-DCMAKE_CXX_COMPILER=clang++']);
  }
  run('cmake', ['--build', BUILD, '--target', 'wi8_fuzz_onnx']);
  const seeds = join(BUILD, 'seeds');
  const corpus = join(BUILD, 'corpus');
  const findings = join(BUILD, 'findings');
  for (const d of [seeds, corpus, findings]) mkdirSync(d, { recursive: true });
  for (const t of readdirSync(NODE_TESTS)) {
    const m = join(NODE_TESTS, t, 'model.onnx');
    if (existsSync(m)) copyFileSync(m, join(seeds, `${t}.onnx`));
  }
  // Whole small models: the CNN and the QDQ CNN of the JS tests (the shipped models are larger
  // than -max_len).
  writeFileSync(join(seeds, 'small_cnn.onnx'), smallCnn());
  writeFileSync(join(seeds, 'qdq_cnn.onnx'), qdqCnn());
  log(`fuzzing for ${seconds} s`);
  const r = spawnSync(join(BUILD, 'wi8_fuzz_onnx'), [
    `-max_total_time=${seconds}`, '-max_len=65536', '-timeout=10', '-rss_limit_mb=2048',
    `-artifact_prefix=${findings}/`, '-print_final_stats=1', corpus, seeds,
  ], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  const out = r.stderr ?? '';
  const execs = Number(out.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1] ?? 0);
  if (r.status !== 0) {
    process.stderr.write(out.split('\n').slice(-60).join('\n'));
    throw new Error(`the fuzzer found a problem after ${execs} executions (inputs in ${findings})`);
  }
  log(`fuzz: ${execs} executions in ${seconds} s, no findings`);
  return { execs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 60;
  if (!Number.isInteger(seconds) || seconds < 1) {
    console.error('usage: npm run fuzz -- --seconds N');
    process.exit(2);
  }
  try {
    fuzz({ seconds });
  } catch (e) {
    console.error(`[wasm-int8] ${e.message}`);
    process.exit(1);
  }
}
