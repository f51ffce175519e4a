// inspectModel(): ONNX bytes through the reader and graph import, from JavaScript; hostile bytes
// give a WasmInt8Error that names the problem, and the module keeps working.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { makeModel, node, tensor, valueInfo, DataType } from '../../bench/lib/onnx.mjs';
import { FullyConnected, init, inspectModel, WasmInt8Error } from '../../web/index.js';
import { rng } from './rng.mjs';

before(() => init());

function convReluModel() {
  const w = new Float32Array(8 * 3 * 3 * 3).fill(0.1);
  return makeModel({
    inputs: [valueInfo('x', DataType.FLOAT, ['N', 3, 16, 16])],
    outputs: [valueInfo('y', DataType.FLOAT, ['N', 8, 16, 16])],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Relu', ['c'], ['y']),
    ],
    initializers: [
      tensor('w', DataType.FLOAT, [8, 3, 3, 3], w),
      tensor('b', DataType.FLOAT, [8], new Float32Array(8)),
    ],
  });
}

test('inspectModel summarises a model built in JS and a model of the ONNX test suite', () => {
  const info = inspectModel(convReluModel());
  assert.equal(info.opset, 13);
  assert.deepEqual(info.inputs, [{ name: 'x', dtype: 'float32', shape: [null, 3, 16, 16] }]);
  assert.deepEqual(info.outputs, [{ name: 'y', dtype: 'float32', shape: [null, 8, 16, 16] }]);
  assert.deepEqual({ ...info.ops }, { Conv: 1, Relu: 1 });
  assert.equal(info.nodes, 2);
  assert.equal(info.constantBytes, (8 * 27 + 8) * 4);

  const suite = readFileSync('/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/model.onnx');
  const s = inspectModel(suite);
  assert.deepEqual({ ...s.ops }, { Conv: 1 });
  assert.equal(s.inputs.length, 2); // x and W are graph inputs in the test suite
});

test('hostile bytes throw a WasmInt8Error naming the problem, and the module keeps working', () => {
  const good = convReluModel();
  const r = rng(5);
  // Truncated at 20 points, and 200 corrupted copies.
  for (let k = 1; k <= 20; ++k) {
    const cut = good.subarray(0, Math.floor((good.length * k) / 21));
    try {
      inspectModel(cut);
      assert.fail(`a model cut to ${cut.length} bytes was accepted`);
    } catch (e) {
      assert.ok(e instanceof WasmInt8Error, String(e));
      assert.match(e.message, /^wasm-int8: ONNX: (byte offset \d+: |the model has no graph)/);
    }
  }
  for (let k = 0; k < 200; ++k) {
    const bad = good.slice();
    for (let j = 0; j < 4; ++j) bad[Math.floor(r(0, bad.length))] = Math.floor(r(0, 256));
    try {
      inspectModel(bad);
    } catch (e) {
      assert.ok(e instanceof WasmInt8Error && e.message.startsWith('wasm-int8: ONNX: '), String(e));
    }
  }
  assert.throws(() => inspectModel(new Uint8Array(0)), /ONNX: the model is empty \(0 bytes\)/);
  assert.throws(() => inspectModel([1, 2, 3]), /inspectModel: bytes must be a Uint8Array or an ArrayBuffer, got Array/);
  // The module still works: the same model again, and an int8 layer.
  assert.equal(inspectModel(good.buffer.slice(good.byteOffset, good.byteOffset + good.length)).nodes, 2);
  const fc = FullyConnected.fromFloat({
    weights: new Float32Array([1, 1]), inFeatures: 2, outFeatures: 1,
    input: { scale: 0.1, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 },
  });
  assert.deepEqual([...fc.run(new Int8Array([10, 20]))], [30]);
  fc.dispose();
});
