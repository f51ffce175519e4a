// Memory that comes back: loading, running and disposing a model 1000 times leaves the wasm heap in
// use where it started (within a small bound), and a failed load frees what it allocated.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { init, loadModel, wasmHeapInUse } from '../../web/index.js';
import { randomFloats, smallCnn } from './models.mjs';
import { rng } from './rng.mjs';

before(() => init());

test('1000 load / run / dispose cycles return the heap to its baseline', async () => {
  const bytes = smallCnn();
  const image = { data: randomFloats(rng(9), 2 * 3 * 144), shape: [2, 3, 12, 12] };
  const cycle = async () => {
    const m = await loadModel(bytes);
    await m.run({ image });
    m.dispose();
  };
  await cycle(); // first-use allocations (static tables) happen once
  const baseline = wasmHeapInUse();
  let peak = 0;
  for (let k = 0; k < 1000; k++) {
    await cycle();
    peak = Math.max(peak, wasmHeapInUse());
  }
  const after = wasmHeapInUse();
  console.log(`heap in use: baseline ${baseline} B, after 1000 cycles ${after} B`);
  assert.ok(after - baseline <= 4096, `heap grew by ${after - baseline} bytes`);
  assert.ok(peak >= baseline);
});

test('failed loads and runs free what they allocated', async () => {
  const bytes = smallCnn();
  const image = { data: new Float32Array(3 * 144), shape: [1, 3, 12, 12] };
  const baseline = wasmHeapInUse();
  for (let k = 0; k < 200; k++) {
    await assert.rejects(loadModel(bytes.slice(0, 200 + k)));
    const m = await loadModel(bytes);
    await assert.rejects(m.run({ image: { data: new Float32Array(5), shape: [1, 3, 12, 12] } }));
    await m.run({ image });
    m.dispose();
  }
  assert.ok(wasmHeapInUse() - baseline <= 4096, `heap grew by ${wasmHeapInUse() - baseline} bytes`);
});
