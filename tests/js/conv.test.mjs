// Conv2D (int8) through the JS API against a plain-JS float convolution, and its errors.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { chooseQuantParams, Conv2D, init, WasmInt8Error } from '../../web/index.js';
import { rng } from './rng.mjs';


before(() => init());

// Float NHWC conv with OHWI weights; also the worst-case int8 error bound per output (input and
// weight rounding, bias rounding, one output step).
function floatConv(x, w, b, [n, h, wd, c], oc, [kh, kw], [sh, sw], [dh, dw], [pt, pl, pb, pr], groups, inScale, wScales, outScale) {
  const oh = Math.floor((h + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  const cg = c / groups, og = oc / groups;
  const y = new Float64Array(n * oh * ow * oc);
  const bound = new Float64Array(y.length);
  let i = 0;
  for (let b0 = 0; b0 < n; ++b0) {
    for (let r = 0; r < oh; ++r) {
      for (let q = 0; q < ow; ++q) {
        for (let o = 0; o < oc; ++o, ++i) {
          let acc = b ? b[o] : 0;
          let err = (inScale * wScales[o]) / 2 + outScale;
          for (let u = 0; u < kh; ++u) {
            for (let v = 0; v < kw; ++v) {
              const ih = r * sh + u * dh - pt, iw = q * sw + v * dw - pl;
              if (ih < 0 || iw < 0 || ih >= h || iw >= wd) continue;
              for (let k = 0; k < cg; ++k) {
                const xv = x[((b0 * h + ih) * wd + iw) * c + Math.floor(o / og) * cg + k];
                const wv = w[((o * kh + u) * kw + v) * cg + k];
                acc += xv * wv;
                err += Math.abs(wv) * inScale / 2 + Math.abs(xv) * wScales[o] / 2 + (inScale * wScales[o]) / 4;
              }
            }
          }
          y[i] = acc;
          bound[i] = err;
        }
      }
    }
  }
  return { y, bound, shape: [n, oh, ow, oc] };
}

test('int8 Conv2D agrees with a float JS convolution within the quantization error bound', () => {
  const r = rng(3);
  const cases = [
    { inputShape: [1, 9, 8, 5], outChannels: 7, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] },
    { inputShape: [2, 10, 10, 4], outChannels: 6, kernel: [3, 2], strides: [2, 1], dilations: [1, 2], pads: [0, 1, 2, 0], groups: 2 },
    { inputShape: [1, 12, 12, 16], outChannels: 16, kernel: [3, 3], strides: [2, 2], pads: 'same', groups: 16 },
    { inputShape: [1, 6, 6, 24], outChannels: 8, kernel: [1, 1] },
    { inputShape: [1, 7, 7, 3], outChannels: 4, kernel: [5, 5], pads: 'same', groups: 1 },
  ];
  for (const c of cases) {
    const groups = c.groups ?? 1;
    const [kh, kw] = c.kernel;
    const cg = c.inputShape[3] / groups;
    const w = Float32Array.from({ length: c.outChannels * kh * kw * cg }, () => r(-0.4, 0.4));
    const b = Float32Array.from({ length: c.outChannels }, () => r(-0.5, 0.5));
    const x = Float32Array.from({ length: c.inputShape.reduce((a, v) => a * v, 1) }, () => r(-1, 1));
    const input = chooseQuantParams(-1, 1);
    const output = chooseQuantParams(-4, 4);
    const conv = Conv2D.fromFloat({ ...c, weights: w, bias: b, input, output });
    let pads = c.pads ?? [0, 0, 0, 0];
    if (pads === 'same') {
      // what the layer chose must give ceil(in / stride) outputs
      const [, h, wd] = c.inputShape;
      const [sh, sw] = c.strides ?? [1, 1];
      assert.deepEqual(conv.outputShape.slice(1, 3), [Math.ceil(h / sh), Math.ceil(wd / sw)]);
    }
    const got = conv.runFloat(x);
    if (pads === 'same') {
      // SAME_UPPER: total padding (out - 1) * stride + kernel - in, the odd pixel at the end.
      const [, h, wd] = c.inputShape;
      const [sh, sw] = c.strides ?? [1, 1];
      const th = Math.max(0, (Math.ceil(h / sh) - 1) * sh + kh - h);
      const tw = Math.max(0, (Math.ceil(wd / sw) - 1) * sw + kw - wd);
      pads = [th >> 1, tw >> 1, th - (th >> 1), tw - (tw >> 1)];
    }
    {
      const ref = floatConv(x, w, b, c.inputShape, c.outChannels, c.kernel, c.strides ?? [1, 1], c.dilations ?? [1, 1], pads, groups,
        input.scale, conv.weightScales, output.scale);
      assert.deepEqual(conv.outputShape, ref.shape);
      for (let i = 0; i < got.length; ++i) {
        const want = Math.min(Math.max(ref.y[i], output.scale * (-128 - output.zeroPoint)), output.scale * (127 - output.zeroPoint));
        assert.ok(Math.abs(got[i] - want) <= ref.bound[i], `${JSON.stringify(c)} [${i}]: ${got[i]} vs ${want} (bound ${ref.bound[i]})`);
      }
    }
    assert.equal(conv.depthwise, groups === c.inputShape[3] && groups === c.outChannels);
    conv.dispose();
  }
});

test('Conv2D errors name the field, and the module keeps working', () => {
  const base = {
    inputShape: [1, 4, 4, 2], outChannels: 2, kernel: [3, 3], weights: new Float32Array(36),
    input: { scale: 0.1, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 },
  };
  const cases = [
    [{ inputShape: [4, 4, 2] }, /inputShape must be \[batch, height, width, channels\] \(NHWC\)/],
    [{ kernel: [0, 3] }, /kernel\[0\] must be an integer >= 1, got 0/],
    [{ strides: [1] }, /strides must be \[height, width\]/],
    [{ pads: [1, 1, 1] }, /pads must be \[top, left, bottom, right\], 'same' or 'valid'/],
    [{ pads: [1, -1, 1, 1] }, /pads\[1\] must be an integer >= 0, got -1/],
    [{ groups: 3 }, /Conv2D: groups \(3\) must divide input channels \(2\) and output channels \(2\)/],
    [{ kernel: [5, 5], weights: new Float32Array(100) }, /the dilated kernel \(5 x 5\) is larger than the padded input \(4 x 4\)/],
    [{ weights: new Float32Array(35) }, /Conv2D: weights has 35 values, expected 36/],
    [{ weights: new Int8Array(36) }, /weights must be a Float32Array, got Int8Array/],
  ];
  for (const [patch, re] of cases) {
    assert.throws(() => Conv2D.fromFloat({ ...base, ...patch }), (e) => e instanceof WasmInt8Error && re.test(e.message), String(re));
  }
  const conv = Conv2D.fromFloat({ ...base, pads: 'same' });
  assert.deepEqual(conv.outputShape, [1, 4, 4, 2]);
  assert.throws(() => conv.run(new Int8Array(31)), /Conv2D: input has 31 values, expected 32 \(NHWC 1x4x4x2\)/);
  assert.equal(conv.run(new Int8Array(32)).length, 32);
  conv.dispose();
  assert.throws(() => conv.run(new Int8Array(32)), /Conv2D.run: this layer was disposed/);
});

test('fp32 Conv2DF32 and FullyConnectedF32 match plain-JS float within 1e-5 relative', async () => {
  const { Conv2DF32, FullyConnectedF32 } = await import('../../web/index.js');
  const r = rng(9);
  const close = (got, want, what) => {
    for (let i = 0; i < want.length; ++i) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
    }
  };
  for (const c of [
    { inputShape: [1, 9, 8, 5], outChannels: 7, kernel: [3, 3], pads: [1, 1, 1, 1] },
    { inputShape: [2, 10, 10, 4], outChannels: 6, kernel: [3, 2], strides: [2, 1], dilations: [1, 2], pads: [0, 1, 2, 0], groups: 2 },
    { inputShape: [1, 12, 12, 16], outChannels: 16, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], groups: 16 },
    { inputShape: [1, 6, 6, 24], outChannels: 8, kernel: [1, 1] },
  ]) {
    const groups = c.groups ?? 1;
    const [kh, kw] = c.kernel;
    const w = Float32Array.from({ length: c.outChannels * kh * kw * (c.inputShape[3] / groups) }, () => r(-0.4, 0.4));
    const b = Float32Array.from({ length: c.outChannels }, () => r(-0.5, 0.5));
    const x = Float32Array.from({ length: c.inputShape.reduce((a, v) => a * v, 1) }, () => r(-1, 1));
    const conv = Conv2DF32.create({ ...c, weights: w, bias: b, activation: 'relu6' });
    const ref = floatConv(x, w, b, c.inputShape, c.outChannels, c.kernel, c.strides ?? [1, 1], c.dilations ?? [1, 1], c.pads ?? [0, 0, 0, 0], groups, 1, new Float32Array(c.outChannels), 1);
    assert.deepEqual(conv.outputShape, ref.shape);
    close(conv.run(x), ref.y.map((v) => Math.min(Math.max(v, 0), 6)), JSON.stringify(c));
    conv.dispose();
  }
  const K = 33, N = 19;
  const w = Float32Array.from({ length: N * K }, () => r(-1, 1));
  const x = Float32Array.from({ length: 3 * K }, () => r(-1, 1));
  const fc = FullyConnectedF32.create({ weights: w, inFeatures: K, outFeatures: N });
  const want = new Float64Array(3 * N);
  for (let m = 0; m < 3; ++m) for (let n = 0; n < N; ++n) for (let k = 0; k < K; ++k) want[m * N + n] += x[m * K + k] * w[n * K + k];
  close(fc.run(x, 3), want, 'fc');
  assert.throws(() => fc.run(new Float32Array(K + 1)), /FullyConnectedF32: input has 34 values, expected batch \(1\) x inFeatures \(33\) = 33/);
  fc.dispose();
  assert.throws(() => Conv2DF32.create({ inputShape: [1, 4, 4, 2], outChannels: 2, kernel: [3, 3], weights: new Float32Array(35) }),
    /Conv2DF32: weights has 35 values, expected 36/);
});
