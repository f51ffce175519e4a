// The npm package as users get it: `npm pack`, install the tarball into a fresh project, import
// 'wasm-int8' by name and run the FC; the built .wasm is SIMD128 code and within the size budget;
// the TypeScript declarations type-check a usage example.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
test('both wasm builds are SIMD128 code and under 400 KB (400,000 bytes); the threaded one shares its memory', () => {
  for (const name of ['wasm_int8', 'wasm_int8_threads']) {
    const wasm = join(ROOT, 'dist', `${name}.wasm`);
    const size = statSync(wasm).size;
    assert.ok(size < 400000, `dist/${name}.wasm is ${size} bytes, over the 400,000-byte budget`);
    // binaryen's disassembler: the int8 dot product and other v128 instructions must be in the code.
    const text = execFileSync('wasm-dis', [wasm], { maxBuffer: 64 << 20, encoding: 'utf8' });
    assert.match(text, /i32x4\.dot_i16x8_s/);
    assert.match(text, /i64x2\.extmul_low_i32x4_s/);
    const v128 = text.match(/\bv128\.load\b/g)?.length ?? 0;
    assert.ok(v128 > 10, `only ${v128} v128.load instructions`);
    assert.equal(/\(memory \S+ \(shared \d+ \d+\)\)/.test(text), name.endsWith('threads'), `${name}: shared memory`);
  }
});

test('npm pack -> npm install in a separate project -> import "wasm-int8" runs the FC', () => {
  const work = mkdtempSync(join(tmpdir(), 'wasm-int8-pack-'));
  try {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [info] = JSON.parse(out.slice(out.indexOf('[\n')));
    const files = info.files.map((f) => f.path).sort();
    for (const f of ['dist/wasm_int8.mjs', 'dist/wasm_int8.wasm', 'dist/wasm_int8_threads.mjs', 'dist/wasm_int8_threads.wasm',
      'dist/wasm_int8_threads.worker.js', 'dist/package.json', 'web/index.js', 'web/index.d.ts', 'package.json', 'README.md']) {
      assert.ok(files.includes(f), `tarball lacks ${f}: ${files.join(', ')}`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('build/')), 'tarball ships sources or build dirs');

    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, info.filename)], {
      cwd: app,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    writeFileSync(
      join(app, 'main.js'),
      `import { init, FullyConnected, chooseQuantParams } from 'wasm-int8';
       await init();
       const fc = FullyConnected.fromFloat({
         weights: new Float32Array([1, 2, 3, -1, -2, -3]), bias: new Float32Array([0.5, 0]),
         inFeatures: 3, outFeatures: 2,
         input: chooseQuantParams(-1, 1), output: chooseQuantParams(-10, 10), activation: 'relu',
       });
       const y = fc.runFloat(new Float32Array([0.5, 0.25, -0.5]));
       console.log(JSON.stringify(Array.from(y)));`,
    );
    const y = JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' }));
    // The installed package's threaded build loads (its worker script included) and the process exits.
    writeFileSync(join(app, 'threads.js'), `import { init, runtime } from 'wasm-int8'; await init({ threads: 2 }); console.log(JSON.stringify(runtime()));`);
    const rt = JSON.parse(execFileSync(process.execPath, ['threads.js'], { cwd: app, encoding: 'utf8', timeout: 60000 }));
    assert.deepEqual(rt, { threads: 2, maxThreads: 4, module: 'wasm_int8_threads' });
    // 0.5 + 0.5 - 1.5 + 0.5 = -0 -> relu -> 0; -(…) = 0.5 -> 0.5 - 0 -> 0.5 (within an output step 20/255)
    assert.equal(y.length, 2);
    assert.ok(Math.abs(y[0] - 0.0) <= 20 / 255, `y[0] = ${y[0]}`);
    assert.ok(Math.abs(y[1] - 0.5) <= 20 / 255, `y[1] = ${y[1]}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the TypeScript declarations type-check a usage example', () => {
  const work = mkdtempSync(join(tmpdir(), 'wasm-int8-types-'));
  try {
    const example = join(work, 'example.mts');
    writeFileSync(
      example,
      `import { init, Conv2D, FullyConnected, chooseQuantParams, quantize, dequantize, QuantParams } from ${JSON.stringify(join(ROOT, 'web', 'index.js'))};
       async function main(): Promise<number> {
         await init();
         const p: QuantParams = chooseQuantParams(-1, 1);
         const fc = FullyConnected.fromFloat({ weights: new Float32Array(4), inFeatures: 2, outFeatures: 2, input: p, output: p, activation: 'relu6' });
         const y: Int8Array = fc.run(quantize(new Float32Array(2), p));
         const f: Float32Array = dequantize(y, fc.output);
         fc.dispose();
         const conv = Conv2D.fromFloat({ inputShape: [1, 4, 4, 2], outChannels: 2, kernel: [3, 3], pads: 'same', weights: new Float32Array(36), input: p, output: p });
         const shape: [number, number, number, number] = conv.outputShape;
         conv.dispose();
         return f[0] + fc.outputRange.qmin + shape[3];
       }
       void main();
       // @ts-expect-error: the weights must be a Float32Array
       FullyConnected.fromFloat({ weights: [1, 2], inFeatures: 1, outFeatures: 2, input: { scale: 1, zeroPoint: 0 }, output: { scale: 1, zeroPoint: 0 } });`,
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', example], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    assert.fail(`tsc: ${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('package.json exports point at files that exist', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const target of [pkg.exports['.'].default, pkg.exports['.'].types, pkg.exports['./wasm']]) {
    assert.ok(statSync(join(ROOT, target)).isFile(), target);
  }
});
