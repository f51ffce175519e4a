// The threaded build (init({ threads })): it loads in Node (worker_threads), splits the convolutions
// across threads, and gives the same bytes as one thread and as the single-threaded build.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { init, loadModel, runtime, setThreads, threadsSupported, WasmInt8Error } from '../../web/index.js';
import { batchOf, loadFashionMnist } from './fmnist.mjs';

const MODEL = new URL('../../demo/models/fmnist_mobilenet.onnx', import.meta.url);

// fp32 and int8 logits of the shipped MobileNet-style model on 8 test images; the int8 model is
// quantized on 40 training images (deterministic).
async function logits() {
  const train = loadFashionMnist('train');
  const testSet = loadFashionMnist('t10k');
  const fp32 = await loadModel(readFileSync(MODEL));
  const int8 = await fp32.quantize({ calibration: [{ input: batchOf(train, 0, 20) }, { input: batchOf(train, 20, 20) }] });
  const x = { input: batchOf(testSet, 0, 8) };
  const out = { fp32: Array.from((await fp32.run(x)).logits.data), int8: Array.from((await int8.run(x)).logits.data) };
  fp32.dispose();
  int8.dispose();
  return out;
}

test('threads: the threaded build loads, and every thread count gives the same bytes', async () => {
  assert.equal(threadsSupported(), true);
  await init({ threads: 2 });
  assert.deepEqual(runtime(), { threads: 2, maxThreads: 4, module: 'wasm_int8_threads' });
  const two = await logits();
  assert.equal(setThreads(1), 1);
  const one = await logits();
  assert.equal(setThreads(9), 4, 'clamped to the pool');
  const four = await logits();
  setThreads(2);
  assert.deepEqual(two, one);
  assert.deepEqual(four, one);
  // The single-threaded build, in a process of its own, computes the same bytes.
  const script = `
    import { init, loadModel } from ${JSON.stringify(new URL('../../web/index.js', import.meta.url).href)};
    import { batchOf, loadFashionMnist } from ${JSON.stringify(new URL('./fmnist.mjs', import.meta.url).href)};
    import { readFileSync } from 'node:fs';
    await init();
    const train = loadFashionMnist('train'), testSet = loadFashionMnist('t10k');
    const fp32 = await loadModel(readFileSync(new URL(${JSON.stringify(MODEL.href)})));
    const int8 = await fp32.quantize({ calibration: [{ input: batchOf(train, 0, 20) }, { input: batchOf(train, 20, 20) }] });
    const x = { input: batchOf(testSet, 0, 8) };
    console.log(JSON.stringify({ fp32: Array.from((await fp32.run(x)).logits.data), int8: Array.from((await int8.run(x)).logits.data) }));`;
  const single = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120000 }));
  assert.deepEqual(single, one);
  assert.throws(() => setThreads(0), (e) => e instanceof WasmInt8Error && /setThreads: n must be an integer >= 1, got 0/.test(e.message));
});
