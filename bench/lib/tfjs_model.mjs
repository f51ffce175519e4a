// A whole network on @tensorflow/tfjs-backend-wasm (XNNPACK) from a layer list (the format is
// described in bench/lib/onnx_layers.mjs, which makes one from an ONNX file): fused conv2d /
// depthwiseConv2d and matMul with bias and ReLU / ReLU6, add, maxPool, mean, NHWC, explicit
// padding (the ONNX model's), so the outputs match the ONNX model's.
import * as tf from '@tensorflow/tfjs-core';
import { hwioFromOihw, transpose2d } from './data.mjs';

/**
 * fc weights [out, C*H*W] whose columns are in ONNX's C, H, W flatten order -> columns in H, W, C
 * order, the order of an NHWC feature map reshaped to [N, H*W*C]. Done once, at build time, so the
 * network needs no transpose before the matMul.
 */
function hwcColumns(w, out, [C, H, W]) {
  const y = new Float32Array(w.length);
  for (let o = 0; o < out; o++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < H * W; p++) y[o * C * H * W + p * C + c] = w[o * C * H * W + c * H * W + p];
    }
  }
  return y;
}

/**
 * Returns {run(nchwInput Float32Array) -> Float32Array (the output value, flat, NCHW for a feature map), dispose()}.
 * `input` / `inputShape` ([C, H, W]) name the NCHW input; `output` the value returned (default:
 * the last layer's).
 */
export function tfjsModel({ layers, input = 'input', inputShape, output = layers[layers.length - 1].output, batch = 1 }) {
  const held = [];
  const keep = (t) => {
    held.push(t);
    return t;
  };
  const prepared = layers.map((l) => {
    if (l.op === 'conv') {
      const depthwise = l.group > 1;
      if (depthwise && l.group !== l.inC) throw new Error(`tfjsModel: conv ${l.output} has group ${l.group}; only 1 and depthwise (= ${l.inC} input channels) are built`);
      const hwio = hwioFromOihw(l.weights, l.outC, l.inC / l.group, l.kH, l.kW);
      // Depthwise: [kH, kW, 1, outC] is [kH, kW, inC, outC / inC] (output channel c * mult + m).
      const shape = depthwise ? [l.kH, l.kW, l.inC, l.outC / l.inC] : [l.kH, l.kW, l.inC, l.outC];
      const [pt, pl, pb, pr] = l.pads;
      const pad = pt || pl || pb || pr ? [[0, 0], [pt, pb], [pl, pr], [0, 0]] : 'valid';
      return { ...l, filter: keep(tf.tensor4d(hwio, shape)), b: keep(tf.tensor1d(l.bias)), depthwise, pad };
    }
    if (l.op === 'fc') {
      const w = l.inputChw ? hwcColumns(l.weights, l.outFeatures, l.inputChw) : l.weights;
      // matMul's b as [in, out]: the form tfjs-backend-wasm hands to XNNPACK's fully-connected op.
      return { ...l, w: keep(tf.tensor2d(transpose2d(w, l.outFeatures, l.inFeatures), [l.inFeatures, l.outFeatures])), b: keep(tf.tensor1d(l.bias)) };
    }
    if (['add', 'gap', 'maxpool', 'activation'].includes(l.op)) return l;
    throw new Error(`tfjsModel: unknown layer op '${l.op}'`);
  });
  const [C, H, W] = inputShape;
  return {
    run(nchw) {
      const y = tf.tidy(() => {
        const values = new Map();
        const x = tf.tensor4d(nchw, [batch, C, H, W]);
        // One channel: NCHW and NHWC are the same bytes.
        values.set(input, C === 1 ? tf.reshape(x, [batch, H, W, 1]) : tf.transpose(x, [0, 2, 3, 1]));
        for (const l of prepared) {
          if (l.op === 'conv') {
            const args = { x: values.get(l.input), filter: l.filter, strides: l.strides, pad: l.pad, bias: l.b, activation: l.activation };
            values.set(l.output, l.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args));
          } else if (l.op === 'fc') {
            const a = l.inputChw ? tf.reshape(values.get(l.input), [batch, l.inFeatures]) : values.get(l.input);
            values.set(l.output, tf.fused.matMul({ a, b: l.w, bias: l.b, activation: l.activation }));
          } else if (l.op === 'add') {
            values.set(l.output, tf.add(values.get(l.inputs[0]), values.get(l.inputs[1])));
          } else if (l.op === 'maxpool') {
            values.set(l.output, tf.maxPool(values.get(l.input), [l.kH, l.kW], l.strides, 'valid'));
          } else if (l.op === 'gap') {
            values.set(l.output, tf.mean(values.get(l.input), [1, 2]));
          } else if (l.op === 'activation') {
            const v = values.get(l.input);
            values.set(l.output, l.activation === 'relu6' ? tf.relu6(v) : l.activation === 'relu' ? tf.relu(v) : v);
          }
        }
        const result = values.get(output);
        return result.rank === 4 ? tf.transpose(result, [0, 3, 1, 2]) : result; // a feature map: back to NCHW, as ONNX has it
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
