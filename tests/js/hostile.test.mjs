// Hostile models through loadModel() and run(): each is rejected with a WasmInt8Error that names
// the problem, and right after each the module runs a good model to the same bit-identical
// result. The corpus: truncation at 20 points, random bytes, a dimension of 2^62, a negative
// dimension, raw_data shorter than the shape, an unknown op, a cycle, more nodes than the limit,
// wrong attribute types and values. A 100k-node chain (the limit) loads and runs.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { makeModel, node, tensor, valueInfo, DataType } from '../../bench/lib/onnx.mjs';
import { init, loadModel, WasmInt8Error } from '../../web/index.js';
import { randomFloats, smallCnn } from './models.mjs';
import { rng } from './rng.mjs';

const F = DataType.FLOAT;
let reference;
let image;
let expected;

before(async () => {
  await init();
  reference = await loadModel(smallCnn());
  image = { data: randomFloats(rng(21), 3 * 144), shape: [1, 3, 12, 12] };
  expected = (await reference.run({ image })).probs.data;
});

async function goodModelStillRuns() {
  assert.deepEqual((await reference.run({ image })).probs.data, expected);
}

// Loads `bytes` and runs it on zeros; must fail with a message matching `pattern`.
async function rejects(bytes, pattern, what) {
  let message = null;
  try {
    const m = await loadModel(bytes);
    try {
      const feeds = {};
      m.inputNames.forEach((name, k) => {
        const shape = m.inputShapes[k].map((d) => d ?? 1);
        feeds[name] = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
      });
      await m.run(feeds);
    } finally {
      m.dispose();
    }
  } catch (e) {
    assert.ok(e instanceof WasmInt8Error, `${what}: ${e}`);
    message = e.message;
  }
  assert.ok(message !== null, `${what}: accepted`);
  assert.match(message, pattern, what);
  await goodModelStillRuns();
}

const oneOp = (nodes, initializers = [], inShape = [1, 4]) =>
  makeModel({
    inputs: [valueInfo('x', F, inShape)],
    outputs: [valueInfo('y', F, inShape)],
    nodes,
    initializers,
  });

test('truncated and random bytes', async () => {
  const good = smallCnn();
  for (let k = 1; k <= 20; k++) {
    await rejects(good.subarray(0, Math.floor((good.length * k) / 21)), /^wasm-int8: ONNX: (byte offset \d+: |the model has no graph|graph output|node )/, `cut ${k}/21`);
  }
  const r = rng(8);
  for (let k = 0; k < 20; k++) {
    const bytes = new Uint8Array(1 + Math.floor(r() * 4000));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(r() * 256);
    await rejects(bytes, /^wasm-int8: ONNX: /, `random ${k}`);
  }
});

test('impossible shapes and data', async () => {
  const w = (dims, data) => ({ name: 'w', dataType: F, dims, data });
  await rejects(oneOp([node('Add', ['x', 'w'], ['y'])], [w([2 ** 62], new Float32Array(4))]), /initializer 'w' is larger than the limit of \d+ bytes \(dims \[4611686018427387904\]\)/, 'dim 2^62');
  await rejects(oneOp([node('Add', ['x', 'w'], ['y'])], [w([-3], new Float32Array(4))]), /initializer 'w' has a negative dimension \(-3\)/, 'negative dim');
  await rejects(oneOp([node('Add', ['x', 'w'], ['y'])], [w([1, 4], new Float32Array(3))]), /initializer 'w' has 12 bytes of raw_data but its shape \[1, 4\] \(float32\) needs 16 \(at byte offset \d+\)/, 'short raw_data');
  await rejects(
    makeModel({ inputs: [valueInfo('x', F, [1, 2 ** 31])], outputs: [valueInfo('y', F, [1, 2 ** 31])], nodes: [node('Relu', ['x'], ['y'])] }),
    /input 'x': dimension 1 is 2147483648, outside \[0, 2147483647\]/,
    'a 2^31 dimension',
  );
  await rejects(
    makeModel({ inputs: [valueInfo('x', F, [2 ** 15, 2 ** 16])], outputs: [valueInfo('y', F, [2 ** 15, 2 ** 16])], nodes: [node('Relu', ['x'], ['y'], {}, { name: 'big' })] }),
    /input 'x' of shape \[32768, 65536\] has more than 1073741824 elements/,
    'a 2^31-element input',
  );
  await rejects(
    makeModel({ inputs: [valueInfo('x', F, [1, 2 ** 40])], outputs: [valueInfo('y', F, [1, 2 ** 40])], nodes: [node('Relu', ['x'], ['y'])] }),
    /input 'x': dimension 1 is 1099511627776, outside \[0, 2147483647\]/,
    'a 2^40-element input',
  );
});

test('graphs that cannot run', async () => {
  await rejects(oneOp([node('FancyOp', ['x'], ['y'], {}, { name: 'odd' })]), /node 'odd' \(FancyOp, #0\): operator 'FancyOp' is not supported/, 'unknown op');
  await rejects(
    oneOp([node('Relu', ['x', 'b'], ['a'], {}, { name: 'r1' }), node('Add', ['a', 'x'], ['b'], {}, { name: 'r2' }), node('Relu', ['b'], ['y'])]),
    /ONNX: the graph has a cycle through node 'r[12]'/,
    'cycle',
  );
  await rejects(oneOp([node('Relu', ['nowhere'], ['y'], {}, { name: 'r' })]), /node 'r' \(Relu, #0\): input 'nowhere' is not produced by any node, graph input or initializer/, 'dangling input');
  const conv = (attrs) =>
    oneOp([node('Conv', ['x', 'w'], ['y'], attrs, { name: 'c' })], [tensor('w', F, [2, 2, 3, 3], new Float32Array(36))], [1, 2, 5, 5]);
  await rejects(conv({ kernel_shape: { floats: [3, 3] } }), /node 'c' \(Conv, #0\): attribute 'kernel_shape' must be INTS/, 'wrong attribute type');
  await rejects(conv({ kernel_shape: [3, 3], pads: [1, 1, -1, 1] }), /node 'c' \(Conv, #0\): pads must be >= 0/, 'negative pad');
  await rejects(conv({ kernel_shape: [3, 3], dilations: [1, 9] }), /node 'c' \(Conv, #0\): Conv2DF32: the dilated kernel \(3 x 19\) is larger than the padded input \(5 x 5\)/, 'kernel larger than the input');
  await rejects(conv({ kernel_shape: [3, 3], group: 3 }), /node 'c' \(Conv, #0\): X has 2 channels but W expects 2 x group 3/, 'group does not divide');
  await rejects(conv({ kernel_shape: [3, 3], auto_pad: 'SOMETIMES' }), /auto_pad 'SOMETIMES' is not one of/, 'bad auto_pad');
});

test('node count: 100k nodes run, one more is rejected', async () => {
  const chain = (count) => {
    const nodes = [];
    for (let k = 0; k < count; k++) nodes.push(node(k % 2 ? 'Relu' : 'Neg', [k ? `t${k - 1}` : 'x'], [k === count - 1 ? 'y' : `t${k}`], {}, { name: `n${k}` }));
    return nodes;
  };
  const relus = (count) => oneOp(chain(count).map((n) => ({ ...n, opType: 'Relu' })));
  const t0 = Date.now();
  const m = await loadModel(relus(100000));
  const out = await m.run({ x: Float32Array.of(-1, 2, -3, 4) });
  assert.deepEqual([...out.y.data], [0, 2, 0, 4]);
  assert.equal(m.info().steps, 100000);
  m.dispose();
  console.log(`100k-node chain: loaded, planned and run in ${Date.now() - t0} ms`);
  await rejects(relus(100001), /ONNX: .*100000/, '100001 nodes');
});
