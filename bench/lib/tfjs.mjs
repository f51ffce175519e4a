// @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD) through tfjs-core's fused ops: fused.matMul,
// fused.conv2d, fused.depthwiseConv2d, each with the bias fused. Native layout NHWC; one thread
// (Node runs it single-threaded anyway).

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { outputSize } from './cases.mjs';
import { hwioFromOihw, transpose2d } from './data.mjs';

const require = createRequire(import.meta.url);

export async function createTfjs() {
  // The .wasm files come from node_modules (a directory path: the Node build reads them with fs).
  tfwasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  if (typeof tfwasm.setThreadsCount === 'function') tfwasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialize');
  await tf.ready();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  if (!simd) throw new Error('tfjs: the wasm backend runs without SIMD');

  function fp32(spec, data) {
    const held = [];
    const keep = (t) => {
      held.push(t);
      return t;
    };
    let op;
    if (spec.kind === 'fc') {
      const a = keep(tf.tensor2d(data.input, [spec.batch, spec.inFeatures]));
      // b as [K, N] without transposes: tfjs-backend-wasm sends only that form to XNNPACK's fully
      // connected operator (cached per weight tensor); transposeB falls back to a scalar loop.
      const b = keep(tf.tensor2d(transpose2d(data.weights, spec.outFeatures, spec.inFeatures), [spec.inFeatures, spec.outFeatures]));
      const bias = keep(tf.tensor1d(data.bias));
      op = () => tf.fused.matMul({ a, b, bias });
    } else {
      const x = keep(tf.tensor4d(data.input, [spec.batch, spec.inH, spec.inW, spec.inC]));
      const bias = keep(tf.tensor1d(data.bias));
      const inPerGroup = spec.kind === 'dwconv' ? 1 : spec.inC;
      // HWIO for conv2d; for depthwise the same transpose of [C, 1, kh, kw] is [kh, kw, 1, C],
      // whose memory order equals depthwiseConv2d's [kh, kw, C, 1].
      const hwio = hwioFromOihw(data.weights, spec.outC, inPerGroup, spec.kH, spec.kW);
      const filterShape = spec.kind === 'dwconv' ? [spec.kH, spec.kW, spec.inC, 1] : [spec.kH, spec.kW, spec.inC, spec.outC];
      const filter = keep(tf.tensor4d(hwio, filterShape));
      const args = { x, filter, strides: spec.stride, pad: spec.pad, bias };
      op = spec.kind === 'dwconv' ? () => tf.fused.depthwiseConv2d(args) : () => tf.fused.conv2d(args);
    }
    return {
      run() {
        const y = op();
        const values = y.dataSync();
        y.dispose();
        return values;
      },
      output() {
        const values = this.run();
        if (values.length !== outputSize(spec)) {
          throw new Error(`tfjs output has ${values.length} values, expected ${outputSize(spec)}`);
        }
        return values;
      },
      dispose() {
        for (const t of held) t.dispose();
      },
    };
  }

  return { version: `${tf.version_core} (wasm ${tfwasm.version_wasm})`, fp32, memory: () => tf.memory() };
}
