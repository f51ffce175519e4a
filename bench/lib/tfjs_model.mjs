// A whole network on @tensorflow/tfjs-backend-wasm (XNNPACK) from a layer list (see
// bench/lib/mobilenetv2.mjs): fused conv2d / depthwiseConv2d with bias and ReLU6, add, mean, fused
// matMul, NHWC, explicit padding (the ONNX model's), so the outputs match the ONNX model's.
import * as tf from '@tensorflow/tfjs-core';
import { hwioFromOihw, transpose2d } from './data.mjs';

/** Returns {run(nchwInput Float32Array) -> Float32Array logits, dispose()}. */
export function tfjsModel({ layers, resolution, batch = 1 }) {
  const held = [];
  const keep = (t) => {
    held.push(t);
    return t;
  };
  const prepared = layers.map((l) => {
    if (l.op === 'conv') {
      const depthwise = l.group > 1;
      const inPerGroup = l.inC / l.group;
      const hwio = hwioFromOihw(l.weights, l.outC, inPerGroup, l.k, l.k);
      const shape = depthwise ? [l.k, l.k, l.inC, 1] : [l.k, l.k, l.inC, l.outC];
      return { ...l, filter: keep(tf.tensor4d(hwio, shape)), b: keep(tf.tensor1d(l.bias)), depthwise };
    }
    if (l.op === 'fc') {
      return { ...l, w: keep(tf.tensor2d(transpose2d(l.weights, l.outFeatures, l.inFeatures), [l.inFeatures, l.outFeatures])), b: keep(tf.tensor1d(l.bias)) };
    }
    return l;
  });
  return {
    run(nchw) {
      const y = tf.tidy(() => {
        const values = new Map();
        values.set('input', tf.transpose(tf.tensor4d(nchw, [batch, 3, resolution, resolution]), [0, 2, 3, 1]));
        for (const l of prepared) {
          if (l.op === 'conv') {
            const pad = l.pad ? [[0, 0], [l.pad, l.pad], [l.pad, l.pad], [0, 0]] : 'valid';
            const args = { x: values.get(l.input), filter: l.filter, strides: l.stride, pad, bias: l.b, activation: l.relu6 ? 'relu6' : 'linear' };
            values.set(l.output, l.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args));
          } else if (l.op === 'add') {
            values.set(l.output, tf.add(values.get(l.inputs[0]), values.get(l.inputs[1])));
          } else if (l.op === 'gap') {
            values.set(l.output, tf.mean(values.get(l.input), [1, 2]));
          } else if (l.op === 'fc') {
            values.set(l.output, tf.fused.matMul({ a: values.get(l.input), b: l.w, bias: l.b }));
          }
        }
        return values.get(prepared[prepared.length - 1].output);
      });
      const out = y.dataSync();
      y.dispose();
      return out;
    },
    dispose() {
      for (const t of held) t.dispose();
    },
  };
}
