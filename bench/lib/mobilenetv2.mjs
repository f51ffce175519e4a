// MobileNetV2 (Sandler et al. 2018) as an fp32 ONNX model built in memory: the standard
// architecture at width 1.0, with random weights (for speed measurements and whole-model
// comparisons; nothing is downloaded). BatchNorm is already folded into each Conv's bias, as
// exporters do in eval mode; ReLU6 is Clip(0, 6) with constant bounds (opset 13).
import { DataType as D, makeModel, node, tensor, valueInfo } from './onnx.mjs';

// The inverted-residual settings: expansion t, output channels c, repeats n, first stride s.
const SETTINGS = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Returns {bytes, input: 'input', output: 'logits'} for inputs [batch, 3, resolution, resolution].
 * `batch` may be a string (a symbolic dimension). (Engines built op by op read the network from
 * `bytes`: bench/lib/onnx_layers.mjs.)
 */
export function mobilenetV2({ resolution = 224, classes = 1000, batch = 'N', seed = 1 } = {}) {
  const rand = lcg(seed);
  const nodes = [];
  const inits = [];
  let id = 0;
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const conv = (x, inC, outC, k, stride, group, relu6) => {
    const n = id++;
    const fanIn = (inC / group) * k * k;
    const w = new Float32Array(outC * (inC / group) * k * k);
    const std = Math.sqrt(2 / fanIn) * 0.8;
    for (let i = 0; i < w.length; i++) w[i] = normal() * std;
    const b = new Float32Array(outC);
    for (let i = 0; i < outC; i++) b[i] = (rand() - 0.5) * 0.2;
    inits.push(tensor(`w${n}`, D.FLOAT, [outC, inC / group, k, k], w), tensor(`b${n}`, D.FLOAT, [outC], b));
    const p = (k - 1) >> 1;
    nodes.push(node('Conv', [x, `w${n}`, `b${n}`], [`c${n}`], {
      kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p], group,
    }));
    if (!relu6) return `c${n}`;
    nodes.push(node('Clip', [`c${n}`, 'zero', 'six'], [`r${n}`]));
    return `r${n}`;
  };
  inits.push(tensor('zero', D.FLOAT, [], Float32Array.of(0)), tensor('six', D.FLOAT, [], Float32Array.of(6)));
  let x = conv('input', 3, 32, 3, 2, 1, true);
  let c = 32;
  for (const [t, out, n, s] of SETTINGS) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      let h = x;
      if (t !== 1) h = conv(h, c, hidden, 1, 1, 1, true);
      h = conv(h, hidden, hidden, 3, stride, hidden, true);
      h = conv(h, hidden, out, 1, 1, 1, false);
      if (stride === 1 && c === out) {
        const a = `add${id++}`;
        nodes.push(node('Add', [h, x], [a]));
        h = a;
      }
      x = h;
      c = out;
    }
  }
  x = conv(x, c, 1280, 1, 1, 1, true);
  nodes.push(node('GlobalAveragePool', [x], ['pool']));
  nodes.push(node('Flatten', ['pool'], ['flat'], { axis: 1 }));
  const fw = new Float32Array(classes * 1280);
  for (let i = 0; i < fw.length; i++) fw[i] = normal() * Math.sqrt(1 / 1280);
  inits.push(tensor('fc.w', D.FLOAT, [classes, 1280], fw), tensor('fc.b', D.FLOAT, [classes], new Float32Array(classes)));
  nodes.push(node('Gemm', ['flat', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }));
  const bytes = makeModel({
    inputs: [valueInfo('input', D.FLOAT, [batch, 3, resolution, resolution])],
    outputs: [valueInfo('logits', D.FLOAT, [batch, classes])],
    nodes,
    initializers: inits,
    name: 'mobilenetv2',
  });
  return { bytes, input: 'input', output: 'logits', resolution, classes };
}
