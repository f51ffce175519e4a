// wasm-int8 (this package) in the benchmark: every call into our library lives here.
//
// createOurs() returns { int8(spec, data), fp32(spec, data) }; each returns null when the op is
// not available (yet), or a runner { run(), dispose(), output()? }:
//   run()     one inference on the prepared input (the timed call);
//   output()  optional: runs once and returns the result as float in the canonical layout
//             (fc [batch, out]; conv NHWC), for the harness's cross-engine check;
//   dispose() frees what the runner made.
// `spec` is a case from cases.mjs, `data` its float tensors from data.mjs (layouts described there:
// input NHWC / [batch, in]; weights OIHW / [out, in]; bias [out]; inputRange, outputRange).

import * as wi8 from '../../web/index.js';
import { ohwiFromOihw } from './data.mjs';

export async function createOurs() {
  await wi8.init();
  const has = (fn) => typeof fn === 'function';

  function int8FullyConnected(spec, data) {
    if (!has(wi8.FullyConnected?.fromFloat) || !has(wi8.chooseQuantParams) || !has(wi8.quantize)) return null;
    const input = wi8.chooseQuantParams(...data.inputRange);
    const output = wi8.chooseQuantParams(...data.outputRange);
    const fc = wi8.FullyConnected.fromFloat({
      weights: data.weights, // [outFeatures x inFeatures]
      bias: data.bias,
      inFeatures: spec.inFeatures,
      outFeatures: spec.outFeatures,
      input,
      output,
    });
    const x = wi8.quantize(data.input, input);
    return {
      run: () => fc.run(x, spec.batch),
      output: () => wi8.dequantize(fc.run(x, spec.batch), output),
      dispose: () => fc.dispose(),
    };
  }

  function int8Conv(spec, data) {
    if (!has(wi8.Conv2D?.fromFloat)) return null;
    const input = wi8.chooseQuantParams(...data.inputRange);
    const output = wi8.chooseQuantParams(...data.outputRange);
    const groups = spec.kind === 'dwconv' ? spec.inC : 1;
    const conv = wi8.Conv2D.fromFloat({
      inputShape: [spec.batch, spec.inH, spec.inW, spec.inC],
      outChannels: spec.outC,
      kernel: [spec.kH, spec.kW],
      strides: [spec.stride, spec.stride],
      pads: [spec.pad, spec.pad, spec.pad, spec.pad],
      groups,
      weights: ohwiFromOihw(data.weights, spec.outC, spec.inC / groups, spec.kH, spec.kW),
      bias: data.bias,
      input,
      output,
    });
    const x = wi8.quantize(data.input, input);
    return {
      run: () => conv.run(x),
      output: () => wi8.dequantize(conv.run(x), output),
      dispose: () => conv.dispose(),
    };
  }

  function fp32Layer(spec, data) {
    if (spec.kind === 'fc') {
      if (!has(wi8.FullyConnectedF32?.create)) return null;
      const fc = wi8.FullyConnectedF32.create({
        weights: data.weights, bias: data.bias, inFeatures: spec.inFeatures, outFeatures: spec.outFeatures,
      });
      return { run: () => fc.run(data.input, spec.batch), output: () => fc.run(data.input, spec.batch), dispose: () => fc.dispose() };
    }
    if (!has(wi8.Conv2DF32?.create)) return null;
    const groups = spec.kind === 'dwconv' ? spec.inC : 1;
    const conv = wi8.Conv2DF32.create({
      inputShape: [spec.batch, spec.inH, spec.inW, spec.inC],
      outChannels: spec.outC,
      kernel: [spec.kH, spec.kW],
      strides: [spec.stride, spec.stride],
      pads: [spec.pad, spec.pad, spec.pad, spec.pad],
      groups,
      weights: ohwiFromOihw(data.weights, spec.outC, spec.inC / groups, spec.kH, spec.kW),
      bias: data.bias,
    });
    return { run: () => conv.run(data.input), output: () => conv.run(data.input), dispose: () => conv.dispose() };
  }

  return {
    int8(spec, data) {
      if (spec.kind === 'fc') return int8FullyConnected(spec, data);
      return int8Conv(spec, data);
    },
    fp32(spec, data) {
      return fp32Layer(spec, data);
    },
  };
}
