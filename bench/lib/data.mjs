// Seeded random data for a case, in one canonical layout, plus the layout and quantization helpers
// the engines need to adapt it. Every engine gets the same numbers, so outputs can be compared.
//
// Canonical layouts:
//   input    fc: [batch, inFeatures]        conv/dwconv: NHWC [batch, inH, inW, inC]
//   weights  fc: [outFeatures, inFeatures]  conv: OIHW [outC, inC, kH, kW]  dwconv: [C, 1, kH, kW]
//   bias     [outFeatures] / [outC]
//   output   fc: [batch, outFeatures]       conv/dwconv: NHWC [batch, outH, outW, outC]

import { inputSize } from './cases.mjs';

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(next, n, lo, hi) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
  return a;
}

function hashName(name) {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The case's float data. Input in [-1, 1); weights uniform with variance 1/fanIn, so outputs have
 * a standard deviation near 0.6 whatever the shape; `inputRange` / `outputRange` are the real
 * ranges int8 engines quantize with.
 */
export function caseData(spec, seed = 1) {
  const next = rng(seed ^ hashName(spec.name));
  const fanIn = spec.kind === 'fc' ? spec.inFeatures : (spec.kind === 'dwconv' ? 1 : spec.inC) * spec.kH * spec.kW;
  const outC = spec.kind === 'fc' ? spec.outFeatures : spec.outC;
  const a = Math.sqrt(3 / fanIn);
  return {
    input: uniform(next, inputSize(spec), -1, 1),
    weights: uniform(next, outC * fanIn, -a, a),
    bias: uniform(next, outC, -0.1, 0.1),
    inputRange: [-1, 1],
    outputRange: [-3, 3],
  };
}

/** NHWC -> NCHW (any typed array). */
export function nchwFromNhwc(x, n, h, w, c) {
  const y = new x.constructor(x.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h * w; i++) {
      for (let ch = 0; ch < c; ch++) y[(b * c + ch) * h * w + i] = x[(b * h * w + i) * c + ch];
    }
  }
  return y;
}

/** NCHW -> NHWC (any typed array). */
export function nhwcFromNchw(x, n, h, w, c) {
  const y = new x.constructor(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) y[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
    }
  }
  return y;
}

/** OIHW [o, i, kh, kw] -> HWIO [kh, kw, i, o] (TensorFlow's conv filter; for depthwise i = 1 gives [kh, kw, C, 1] after a reshape). */
export function hwioFromOihw(w, o, i, kh, kw) {
  const y = new w.constructor(w.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let r = 0; r < kh * kw; r++) y[(r * i + b) * o + a] = w[(a * i + b) * kh * kw + r];
    }
  }
  return y;
}

/** OIHW [o, i, kh, kw] -> OHWI [o, kh, kw, i] (TFLite's conv filter). */
export function ohwiFromOihw(w, o, i, kh, kw) {
  const y = new w.constructor(w.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let r = 0; r < kh * kw; r++) y[(a * kh * kw + r) * i + b] = w[(a * i + b) * kh * kw + r];
    }
  }
  return y;
}

/** [rows, cols] -> [cols, rows]. */
export function transpose2d(w, rows, cols) {
  const y = new w.constructor(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[c * rows + r] = w[r * cols + c];
  return y;
}

/** Asymmetric 8-bit parameters for [min, max] (0 exactly representable), in [qmin, qmax]. */
export function affineParams([min, max], qmin, qmax) {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = (hi - lo) / (qmax - qmin);
  const zeroPoint = Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale)));
  return { scale, zeroPoint };
}

/** float -> 8-bit integers of `Type` (Uint8Array or Int8Array), round half away, saturating. */
export function quantizeArray(x, { scale, zeroPoint }, Type) {
  const [qmin, qmax] = Type === Uint8Array ? [0, 255] : [-128, 127];
  const q = new Type(x.length);
  for (let i = 0; i < x.length; i++) q[i] = Math.min(qmax, Math.max(qmin, Math.round(x[i] / scale) + zeroPoint));
  return q;
}

/** Symmetric per-output-channel int8 weights in [-127, 127]: rows of `perChannel` values each. */
export function quantizePerChannel(w, channels) {
  const perChannel = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = 0; i < perChannel; i++) m = Math.max(m, Math.abs(w[c * perChannel + i]));
    const s = m > 0 ? m / 127 : 1;
    scales[c] = s;
    for (let i = 0; i < perChannel; i++) q[c * perChannel + i] = Math.round(w[c * perChannel + i] / s);
  }
  return { q, scales };
}

/** Per-tensor symmetric int8 weights in [-127, 127]. */
export function quantizePerTensor(w) {
  let m = 0;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  const scale = m > 0 ? m / 127 : 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.round(w[i] / scale);
  return { q, scale };
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
