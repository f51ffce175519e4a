// The JS API against plain-JS float references, and its errors.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  chooseQuantParams, dequantize, FullyConnected, init, quantize, simdSupported, WasmInt8Error,
} from '../../web/index.js';
import { rng } from './rng.mjs';


before(() => init());

describe('module', () => {
  test('Node runs SIMD128 and init() is idempotent', async () => {
    assert.equal(simdSupported(), true);
    await init();
    await init();
  });
});

describe('quantize / dequantize', () => {
  test('round trip is within half a step, 0 is exact, NaN maps to the zero point', () => {
    const r = rng(1);
    const x = Float32Array.from({ length: 1000 }, () => r(-3, 5));
    const p = chooseQuantParams(-3, 5);
    assert.ok(Number.isInteger(p.zeroPoint) && p.zeroPoint >= -128 && p.zeroPoint <= 127);
    const back = dequantize(quantize(x, p), p);
    for (let i = 0; i < x.length; ++i) assert.ok(Math.abs(back[i] - x[i]) <= p.scale / 2 + 1e-6);
    const special = quantize(new Float32Array([0, NaN, Infinity, -Infinity, 1e9]), p);
    assert.deepEqual([...special], [p.zeroPoint, p.zeroPoint, 127, -128, 127]);
    assert.equal(dequantize(new Int8Array([p.zeroPoint]), p)[0], 0);
  });

  test('matches a plain-JS reference (float32 division, ties to even)', () => {
    const p = { scale: 0.5, zeroPoint: 3 };
    const x = new Float32Array([0.25, 0.75, 1.25, -0.25, -0.75, 63, 64, -70]);
    // x / 0.5 = 0.5, 1.5, 2.5, -0.5, -1.5 -> 0, 2, 2, -0, -2 (half to even), then + 3 and saturate
    assert.deepEqual([...quantize(x, p)], [3, 5, 5, 3, 1, 127, 127, -128]);
  });

  test('bad arguments throw WasmInt8Error naming the field', () => {
    assert.throws(() => quantize([1, 2], { scale: 1, zeroPoint: 0 }), /quantize: values must be a Float32Array, got Array/);
    assert.throws(() => quantize(new Float32Array(2), { scale: 0, zeroPoint: 0 }), /params.scale must be a finite number > 0/);
    assert.throws(() => dequantize(new Int8Array(2), { scale: 1, zeroPoint: 200 }), /params.zeroPoint must be an integer in \[-128, 127\], got 200/);
    assert.throws(() => chooseQuantParams(2, 1), (e) => e instanceof WasmInt8Error && /min > max/.test(e.message));
  });
});

// y = act(W x + b) in float64, and the worst-case error of the int8 computation against it:
// input rounding (scale_in / 2 per element), weight rounding (scale_w / 2 per weight), their product,
// the bias rounding and the output rounding (one output step covers rounding plus requantization).
function floatFcWithBound(x, w, b, K, N, inP, scalesW, outP, act) {
  const y = new Float64Array(N);
  const bound = new Float64Array(N);
  for (let n = 0; n < N; ++n) {
    let acc = b[n];
    let err = (inP.scale * scalesW[n]) / 2;
    for (let k = 0; k < K; ++k) {
      const wv = w[n * K + k];
      acc += x[k] * wv;
      err += Math.abs(wv) * (inP.scale / 2) + Math.abs(x[k]) * (scalesW[n] / 2) + (inP.scale * scalesW[n]) / 4;
    }
    y[n] = Math.min(Math.max(acc, act[0]), act[1]);
    bound[n] = err + outP.scale;
  }
  return { y, bound };
}

describe('FullyConnected', () => {
  test('a random float layer quantized and run agrees with a float JS reference', () => {
    const r = rng(7);
    for (const [K, N, activation, act] of [
      [37, 11, 'none', [-Infinity, Infinity]],
      [256, 10, 'relu', [0, Infinity]],
      [130, 33, 'relu6', [0, 6]],
    ]) {
      const w = Float32Array.from({ length: N * K }, () => r(-0.3, 0.3));
      const b = Float32Array.from({ length: N }, () => r(-1, 1));
      const x = Float32Array.from({ length: K }, () => r(-1, 2));
      const input = chooseQuantParams(-1, 2);
      // Output range from the float outputs, as calibration would find it.
      const pre = floatFcWithBound(x, w, b, K, N, input, new Float32Array(N), input, [-Infinity, Infinity]).y;
      const output = chooseQuantParams(Math.min(...pre), Math.max(...pre));
      const fc = FullyConnected.fromFloat({ weights: w, bias: b, inFeatures: K, outFeatures: N, input, output, activation });
      const { y, bound } = floatFcWithBound(x, w, b, K, N, input, fc.weightScales, output, act);
      const got = fc.runFloat(x);
      let sumErr = 0;
      for (let n = 0; n < N; ++n) {
        const e = Math.abs(got[n] - y[n]);
        assert.ok(e <= bound[n], `K=${K} N=${N} out ${n}: |${got[n]} - ${y[n]}| = ${e} > bound ${bound[n]}`);
        sumErr += e;
      }
      // On average the error is a small part of the output range, not just inside the worst case.
      assert.ok(sumErr / N < 3 * output.scale, `mean error ${sumErr / N} vs output scale ${output.scale}`);
      fc.dispose();
    }
  });

  test('batch > 1 computes each row independently', () => {
    const r = rng(11);
    const K = 19, N = 6;
    const fc = FullyConnected.fromFloat({
      weights: Float32Array.from({ length: N * K }, () => r(-1, 1)),
      inFeatures: K, outFeatures: N,
      input: { scale: 0.05, zeroPoint: -3 }, output: { scale: 0.2, zeroPoint: 4 },
    });
    const rows = [0, 1, 2].map(() => Int8Array.from({ length: K }, () => Math.floor(r(-128, 128))));
    const batched = fc.run(Int8Array.from(rows.flatMap((x) => [...x])), 3);
    rows.forEach((row, i) => assert.deepEqual([...batched.subarray(i * N, (i + 1) * N)], [...fc.run(row)]));
    fc.dispose();
  });

  test('fromQuantized takes int8 weights, scales and int32 bias', () => {
    // One output: (x - zp_in) * w * s_in * s_w + bias, with exact values.
    const fc = FullyConnected.fromQuantized({
      weights: new Int8Array([2, -1]), weightScales: new Float32Array([0.5]), bias: new Int32Array([4]),
      inFeatures: 2, outFeatures: 1,
      input: { scale: 0.25, zeroPoint: 1 }, output: { scale: 0.125, zeroPoint: -2 }, activation: 'relu',
    });
    // acc = (5-1)*2 + (3-1)*(-1) + 4 = 10; real = 10 * 0.125 = 1.25 -> q = 10 - 2 = 8
    assert.deepEqual([...fc.run(new Int8Array([5, 3]))], [8]);
    assert.deepEqual(fc.outputRange, { qmin: -2, qmax: 127 });
    fc.dispose();
  });

  test('a wrong-length input throws a clear Error and the module keeps working', () => {
    const K = 8, N = 3;
    const fc = FullyConnected.fromFloat({
      weights: new Float32Array(N * K).fill(0.5), inFeatures: K, outFeatures: N,
      input: { scale: 0.1, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 },
    });
    const good = fc.run(new Int8Array(K).fill(1));
    assert.throws(
      () => fc.run(new Int8Array(K + 1)),
      (e) => e instanceof WasmInt8Error &&
        e.message === 'wasm-int8: FullyConnected: input has 9 values, expected batch (1) x inFeatures (8) = 8',
    );
    assert.throws(() => fc.run(new Int8Array(2 * K), 3), /input has 16 values, expected batch \(3\) x inFeatures \(8\) = 24/);
    assert.throws(() => fc.run(new Float32Array(K)), /input must be a Int8Array, got Float32Array/);
    assert.throws(() => fc.run(new Int8Array(K), 0), /batch must be an integer >= 1, got 0/);
    // Same layer, same answer after the errors; a new layer still works too.
    assert.deepEqual(fc.run(new Int8Array(K).fill(1)), good);
    const fc2 = FullyConnected.fromFloat({
      weights: new Float32Array(N * K).fill(0.5), inFeatures: K, outFeatures: N,
      input: { scale: 0.1, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 },
    });
    assert.deepEqual(fc2.run(new Int8Array(K).fill(1)), good);
    fc.dispose();
    fc2.dispose();
  });

  test('bad layer parameters throw errors that name the field', () => {
    const base = {
      weights: new Float32Array(6), inFeatures: 3, outFeatures: 2,
      input: { scale: 0.1, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 },
    };
    const cases = [
      [{ weights: new Float32Array(5) }, /weights has 5 values, expected 6/],
      [{ bias: new Float32Array(3) }, /bias has 3 values, expected 2/],
      [{ inFeatures: 0 }, /inFeatures must be an integer >= 1, got 0/],
      [{ outFeatures: 2.5 }, /outFeatures must be an integer >= 1, got 2.5/],
      [{ input: { scale: -1, zeroPoint: 0 } }, /input.scale must be a finite number > 0, got -1/],
      [{ output: { scale: 1, zeroPoint: 128 } }, /output.zeroPoint must be an integer in \[-128, 127\], got 128/],
      [{ activation: 'gelu' }, /activation must be 'none', 'relu', 'relu6' or \{min, max\}, got 'gelu'/],
      [{ weights: new Float32Array([1, 2, NaN, 4, 5, 6]) }, /weights\[2\] is not finite/],
      [{ output: { scale: 1e-12, zeroPoint: 0 }, weights: new Float32Array(6).fill(1) }, /too large/],
    ];
    for (const [patch, re] of cases) {
      assert.throws(() => FullyConnected.fromFloat({ ...base, ...patch }), (e) => e instanceof WasmInt8Error && re.test(e.message), String(re));
    }
    assert.throws(
      () => FullyConnected.fromQuantized({ ...base, weights: new Int8Array([1, -128, 0, 0, 0, 0]), weightScales: new Float32Array([1, 1]) }),
      /weights\[1\] is -128/,
    );
  });

  test('use after dispose() throws; dispose() twice is harmless', () => {
    const fc = FullyConnected.fromFloat({
      weights: new Float32Array(4), inFeatures: 2, outFeatures: 2,
      input: { scale: 0.1, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 },
    });
    fc.dispose();
    fc.dispose();
    assert.throws(() => fc.run(new Int8Array(2)), /FullyConnected.run: this layer was disposed/);
  });
});
