// wasm-int8: the npm package's ES module entry (Node >= 20 and browsers).
//
// Data flow: JS typed arrays -> Embind bindings (bindings/bindings.cc) -> ops (src/ops) -> kernels.
// This layer validates what users pass, names the field that is wrong, and turns the bindings'
// error strings into WasmInt8Error. It never leaves the wasm module in a broken state: every check
// that can fail happens before the module is touched, or the module reports the error itself.
import createWasmInt8 from '../dist/wasm_int8.mjs';

const isNode =
  typeof process !== 'undefined' && !!process.versions && !!process.versions.node &&
  typeof window === 'undefined';

/** The error type of the package. `message` names the function, the field and what was expected. */
export class WasmInt8Error extends Error {
  constructor(message) {
    super(message);
    this.name = 'WasmInt8Error';
  }
}

// A minimal module that uses one SIMD128 instruction (i8x16.splat): validates iff SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

/** True if this JavaScript engine runs WebAssembly SIMD128 (required by wasm-int8). */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

let wasm = null;
let loading = null;

/**
 * Loads the wasm module (once; later calls return the same promise). Options:
 * - wasmBinary: the .wasm bytes, if you load them yourself;
 * - locateFile(path, prefix): where the browser fetches `wasm_int8.wasm` from (default: next to
 *   dist/wasm_int8.mjs, resolved from import.meta.url).
 */
export function init(options = {}) {
  if (!loading) {
    loading = load(options).then(
      (m) => {
        wasm = m;
        return m;
      },
      (e) => {
        loading = null; // allow a retry, e.g. with a corrected locateFile
        throw e;
      },
    );
  }
  return loading.then(() => undefined);
}

async function load({ wasmBinary, locateFile } = {}) {
  if (!simdSupported()) {
    throw new WasmInt8Error(
      'wasm-int8: this JavaScript engine does not support WebAssembly SIMD128 ' +
        '(Chrome >= 91, Firefox >= 89, Safari >= 16.4, Node >= 16.4 do)',
    );
  }
  const args = {};
  if (wasmBinary) {
    args.wasmBinary = wasmBinary;
  } else if (isNode) {
    // Emscripten 3.1.6's loader would fetch() a file path in Node, which fails: read it ourselves.
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    args.wasmBinary = await readFile(new URL('../dist/wasm_int8.wasm', import.meta.url));
  }
  if (locateFile) args.locateFile = locateFile;
  return createWasmInt8(args);
}

function wasmModule() {
  if (!wasm) {
    throw new WasmInt8Error('wasm-int8: the module is not loaded yet; call `await init()` first');
  }
  return wasm;
}

function fail(message) {
  throw new WasmInt8Error(`wasm-int8: ${message}`);
}

function check(err) {
  if (err) fail(err);
}

function checkArray(value, Type, where) {
  if (!(value instanceof Type)) {
    const got = value === null ? 'null' : value?.constructor?.name ?? typeof value;
    fail(`${where} must be a ${Type.name}, got ${got}`);
  }
}

function checkCount(value, where, min = 1) {
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    fail(`${where} must be an integer >= ${min}, got ${String(value)}`);
  }
}

function checkQuantParams(p, where) {
  if (p === null || typeof p !== 'object') fail(`${where} must be {scale, zeroPoint}, got ${String(p)}`);
  if (typeof p.scale !== 'number' || !Number.isFinite(p.scale) || !(p.scale > 0)) {
    fail(`${where}.scale must be a finite number > 0, got ${String(p.scale)}`);
  }
  if (!Number.isInteger(p.zeroPoint) || p.zeroPoint < -128 || p.zeroPoint > 127) {
    fail(`${where}.zeroPoint must be an integer in [-128, 127], got ${String(p.zeroPoint)}`);
  }
}

/**
 * int8 quantization parameters {scale, zeroPoint} for values observed in [min, max]: asymmetric,
 * range widened to include 0, and 0 exactly representable.
 */
export function chooseQuantParams(min, max) {
  const r = wasmModule().chooseActivationParams(min, max);
  if (r.error) fail(`chooseQuantParams: ${r.error}`);
  return { scale: r.scale, zeroPoint: r.zeroPoint };
}

/** float32 -> int8: saturate(roundHalfToEven(x / scale) + zeroPoint); NaN maps to zeroPoint. */
export function quantize(values, params) {
  checkArray(values, Float32Array, 'quantize: values');
  checkQuantParams(params, 'quantize: params');
  const out = new Int8Array(values.length);
  check(wasmModule().quantize(values, out, params.scale, params.zeroPoint));
  return out;
}

/** int8 -> float32: (q - zeroPoint) * scale. */
export function dequantize(values, params) {
  checkArray(values, Int8Array, 'dequantize: values');
  checkQuantParams(params, 'dequantize: params');
  const out = new Float32Array(values.length);
  check(wasmModule().dequantize(values, out, params.scale, params.zeroPoint));
  return out;
}

const ACTIVATIONS = {
  none: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
};

function activationRange(activation, where) {
  if (activation === undefined) return ACTIVATIONS.none;
  if (typeof activation === 'string') {
    const r = ACTIVATIONS[activation];
    if (!r) fail(`${where} must be 'none', 'relu', 'relu6' or {min, max}, got '${activation}'`);
    return r;
  }
  if (activation && typeof activation === 'object') {
    const min = activation.min ?? -Infinity;
    const max = activation.max ?? Infinity;
    if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max) || min > max) {
      fail(`${where} {min, max} must be numbers with min <= max, got {${min}, ${max}}`);
    }
    return [min, max];
  }
  return fail(`${where} must be 'none', 'relu', 'relu6' or {min, max}, got ${String(activation)}`);
}

// Frees the wasm-side object if a FullyConnected is garbage collected without dispose().
const finalizer =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((op) => op.delete()) : null;

/**
 * An int8 fully-connected layer: y = act(x W^T + b), with per-output-channel symmetric int8 weights,
 * int32 bias, asymmetric int8 input/output and fixed-point requantization. Create it with
 * FullyConnected.fromFloat() or FullyConnected.fromQuantized(); call dispose() when done.
 */
export class FullyConnected {
  #op;
  #weightScales;

  constructor(token, op, opts) {
    if (token !== CONSTRUCT) fail('FullyConnected: use FullyConnected.fromFloat() or fromQuantized()');
    this.#op = op;
    this.inFeatures = opts.inFeatures;
    this.outFeatures = opts.outFeatures;
    this.input = { scale: opts.input.scale, zeroPoint: opts.input.zeroPoint };
    this.output = { scale: opts.output.scale, zeroPoint: opts.output.zeroPoint };
    this.#weightScales = new Float32Array(opts.outFeatures);
    op.weightScales(this.#weightScales);
    /** The fused activation as int8 bounds in the output's quantized domain. */
    this.outputRange = { qmin: op.qmin(), qmax: op.qmax() };
    finalizer?.register(this, op, this);
  }

  /**
   * Quantizes float weights ([outFeatures x inFeatures], row-major) per output channel and the
   * float bias to int32. `input` and `output` are the int8 quantization parameters of x and y.
   */
  static fromFloat({ weights, bias, inFeatures, outFeatures, input, output, activation } = {}) {
    const where = 'FullyConnected.fromFloat';
    checkCount(inFeatures, `${where}: inFeatures`);
    checkCount(outFeatures, `${where}: outFeatures`);
    checkArray(weights, Float32Array, `${where}: weights`);
    if (bias !== undefined && bias !== null) checkArray(bias, Float32Array, `${where}: bias`);
    checkQuantParams(input, `${where}: input`);
    checkQuantParams(output, `${where}: output`);
    const [amin, amax] = activationRange(activation, `${where}: activation`);
    const op = new (wasmModule().FullyConnected)();
    const err = op.initFromFloat(weights, bias ?? null, inFeatures, outFeatures, input.scale,
      input.zeroPoint, output.scale, output.zeroPoint, amin, amax);
    if (err) {
      op.delete();
      fail(err);
    }
    return new FullyConnected(CONSTRUCT, op, { inFeatures, outFeatures, input, output });
  }

  /**
   * From already-quantized weights: int8 [outFeatures x inFeatures] in [-127, 127], weightScales
   * [outFeatures], and optional int32 bias with scale input.scale * weightScales[c].
   */
  static fromQuantized({ weights, weightScales, bias, inFeatures, outFeatures, input, output, activation } = {}) {
    const where = 'FullyConnected.fromQuantized';
    checkCount(inFeatures, `${where}: inFeatures`);
    checkCount(outFeatures, `${where}: outFeatures`);
    checkArray(weights, Int8Array, `${where}: weights`);
    checkArray(weightScales, Float32Array, `${where}: weightScales`);
    if (bias !== undefined && bias !== null) checkArray(bias, Int32Array, `${where}: bias`);
    checkQuantParams(input, `${where}: input`);
    checkQuantParams(output, `${where}: output`);
    const [amin, amax] = activationRange(activation, `${where}: activation`);
    const op = new (wasmModule().FullyConnected)();
    const err = op.initQuantized(weights, weightScales, bias ?? null, inFeatures, outFeatures,
      input.scale, input.zeroPoint, output.scale, output.zeroPoint, amin, amax);
    if (err) {
      op.delete();
      fail(err);
    }
    return new FullyConnected(CONSTRUCT, op, { inFeatures, outFeatures, input, output });
  }

  /** Per-output-channel weight scales (a copy). */
  get weightScales() {
    return this.#weightScales.slice();
  }

  /** Runs the layer on `batch` rows of int8 input ([batch x inFeatures]); returns [batch x outFeatures]. */
  run(input, batch = 1) {
    const op = this.#live('run');
    checkArray(input, Int8Array, 'FullyConnected.run: input');
    checkCount(batch, 'FullyConnected.run: batch');
    const out = new Int8Array(batch * this.outFeatures);
    check(op.run(input, out, batch));
    return out;
  }

  /** Convenience: quantize float input with `input` params, run, dequantize with `output` params. */
  runFloat(input, batch = 1) {
    this.#live('runFloat');
    checkArray(input, Float32Array, 'FullyConnected.runFloat: input');
    return dequantize(this.run(quantize(input, this.input), batch), this.output);
  }

  /** Frees the wasm memory of this layer. Using it afterwards throws. */
  dispose() {
    if (!this.#op) return;
    finalizer?.unregister(this);
    this.#op.delete();
    this.#op = null;
  }

  #live(method) {
    if (!this.#op) fail(`FullyConnected.${method}: this layer was disposed`);
    return this.#op;
  }
}

const CONSTRUCT = Symbol('FullyConnected');
