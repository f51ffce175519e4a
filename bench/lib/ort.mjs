// onnxruntime-web (wasm execution provider, SIMD, one thread) on a single-op ONNX model built in
// memory: Gemm / Conv for fp32, QLinearMatMul / QLinearConv for int8 (uint8 activations, int8
// weights). ORT's native layout is NCHW; the canonical NHWC data is transposed once at set-up.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { outputSize } from './cases.mjs';
import {
  affineParams, nchwFromNhwc, nhwcFromNchw, quantizeArray, quantizePerChannel, quantizePerTensor, transpose2d,
} from './data.mjs';
import { DataType as D, makeModel, node, tensor, valueInfo } from './onnx.mjs';

const require = createRequire(import.meta.url);

const scalar = (name, dataType, value) => {
  const Type = { [D.FLOAT]: Float32Array, [D.UINT8]: Uint8Array, [D.INT8]: Int8Array }[dataType];
  return tensor(name, dataType, [], Type.of(value));
};

function convAttributes(spec) {
  const p = spec.pad;
  return {
    kernel_shape: [spec.kH, spec.kW],
    strides: [spec.stride, spec.stride],
    pads: [p, p, p, p],
    dilations: [1, 1],
    group: spec.kind === 'dwconv' ? spec.inC : 1,
  };
}

const inShape = (s) => (s.kind === 'fc' ? [s.batch, s.inFeatures] : [s.batch, s.inC, s.inH, s.inW]);
const outShape = (s) => (s.kind === 'fc' ? [s.batch, s.outFeatures] : [s.batch, s.outC, s.outH, s.outW]);
const weightShape = (s) => [s.outC, s.kind === 'dwconv' ? 1 : s.inC, s.kH, s.kW];

/** The fp32 model: Gemm (B as [N, K], transB = 1) or Conv (group = C for depthwise). */
export function fp32Model(spec, data) {
  if (spec.kind === 'fc') {
    return makeModel({
      inputs: [valueInfo('x', D.FLOAT, inShape(spec))],
      outputs: [valueInfo('y', D.FLOAT, outShape(spec))],
      nodes: [node('Gemm', ['x', 'w', 'b'], ['y'], { transB: 1 })],
      initializers: [
        tensor('w', D.FLOAT, [spec.outFeatures, spec.inFeatures], data.weights),
        tensor('b', D.FLOAT, [spec.outFeatures], data.bias),
      ],
    });
  }
  return makeModel({
    inputs: [valueInfo('x', D.FLOAT, inShape(spec))],
    outputs: [valueInfo('y', D.FLOAT, outShape(spec))],
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], convAttributes(spec))],
    initializers: [tensor('w', D.FLOAT, weightShape(spec), data.weights), tensor('b', D.FLOAT, [spec.outC], data.bias)],
  });
}

/**
 * The int8 model and its quantization: QLinearMatMul (A uint8 [M, K], B int8 [K, N], per-tensor
 * scales, no bias) or QLinearConv (per-output-channel weight scales, int32 bias).
 */
export function int8Model(spec, data) {
  const xq = affineParams(data.inputRange, 0, 255);
  const yq = affineParams(data.outputRange, 0, 255);
  const qparams = [
    scalar('x_scale', D.FLOAT, xq.scale),
    scalar('x_zero_point', D.UINT8, xq.zeroPoint),
    scalar('y_scale', D.FLOAT, yq.scale),
    scalar('y_zero_point', D.UINT8, yq.zeroPoint),
  ];
  if (spec.kind === 'fc') {
    const { q, scale } = quantizePerTensor(transpose2d(data.weights, spec.outFeatures, spec.inFeatures));
    const model = makeModel({
      inputs: [valueInfo('x', D.UINT8, inShape(spec))],
      outputs: [valueInfo('y', D.UINT8, outShape(spec))],
      nodes: [node('QLinearMatMul',
        ['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point'], ['y'])],
      initializers: [
        ...qparams,
        tensor('w', D.INT8, [spec.inFeatures, spec.outFeatures], q),
        scalar('w_scale', D.FLOAT, scale),
        scalar('w_zero_point', D.INT8, 0),
      ],
    });
    return { model, xq, yq };
  }
  const { q, scales } = quantizePerChannel(data.weights, spec.outC);
  const bias = Int32Array.from(data.bias, (b, c) => Math.round(b / (xq.scale * scales[c])));
  const model = makeModel({
    inputs: [valueInfo('x', D.UINT8, inShape(spec))],
    outputs: [valueInfo('y', D.UINT8, outShape(spec))],
    nodes: [node('QLinearConv',
      ['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point', 'b'], ['y'],
      convAttributes(spec))],
    initializers: [
      ...qparams,
      tensor('w', D.INT8, weightShape(spec), q),
      tensor('w_scale', D.FLOAT, [spec.outC], scales),
      tensor('w_zero_point', D.INT8, [spec.outC], new Int8Array(spec.outC)),
      tensor('b', D.INT32, [spec.outC], bias),
    ],
  });
  return { model, xq, yq };
}

// The canonical input (fc [M, K]; conv NHWC) in ORT's layout (fc [M, K]; conv NCHW).
function toOrtLayout(spec, x) {
  return spec.kind === 'fc' ? x : nchwFromNhwc(x, spec.batch, spec.inH, spec.inW, spec.inC);
}

function fromOrtLayout(spec, y) {
  return spec.kind === 'fc' ? y : nhwcFromNchw(y, spec.batch, spec.outH, spec.outW, spec.outC);
}

/** Loads onnxruntime-web's wasm backend from node_modules, single-threaded. */
export async function createOrt() {
  // The .wasm and its loader come from this package's node_modules (never from a CDN).
  ort.env.wasm.wasmPaths = pathToFileURL(`${dirname(require.resolve('onnxruntime-web'))}/`).href;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true; // fixed-width SIMD128 (the only build ORT ships)
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const sessionOptions = {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  };

  async function prepare(spec, model, input, type, decode) {
    const session = await ort.InferenceSession.create(model, sessionOptions);
    const feeds = { x: new ort.Tensor(type, input, inShape(spec)) };
    let last = null;
    const runner = {
      async run() {
        last = (await session.run(feeds)).y;
        return last.data;
      },
      async output() {
        await runner.run();
        if (last.data.length !== outputSize(spec)) {
          throw new Error(`ORT output has ${last.data.length} values, expected ${outputSize(spec)}`);
        }
        return fromOrtLayout(spec, decode(last.data));
      },
      dispose() {
        last = null;
        return session.release();
      },
    };
    return runner;
  }

  return {
    version: ort.env.versions?.web ?? 'unknown',
    fp32(spec, data) {
      return prepare(spec, fp32Model(spec, data), toOrtLayout(spec, data.input), 'float32', (y) => y);
    },
    int8(spec, data) {
      const { model, xq, yq } = int8Model(spec, data);
      const x = toOrtLayout(spec, quantizeArray(data.input, xq, Uint8Array));
      return prepare(spec, model, x, 'uint8', (y) => Float32Array.from(y, (v) => (v - yq.zeroPoint) * yq.scale));
    },
  };
}
