// wasm-int8: the npm package's ES module entry (Node >= 20 and browsers).
//
// Data flow: JS typed arrays -> Embind bindings (bindings/bindings.cc) -> ops (src/ops) -> kernels.
// This layer validates what users pass, names the field that is wrong, and turns the bindings'
// error strings into WasmInt8Error. It never leaves the wasm module in a broken state: every check
// that can fail happens before the module is touched, or the module reports the error itself.
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

/**
 * True if this environment can run the threaded build: Node, or a page / worker that is
 * cross-origin isolated (COOP + COEP headers), where SharedArrayBuffer exists.
 */
export function threadsSupported() {
  return typeof SharedArrayBuffer === 'function' && (isNode || globalThis.crossOriginIsolated === true);
}

let wasm = null;
let loading = null;
let variant = { threads: 1, maxThreads: 1, module: 'wasm_int8' };

/**
 * Loads the wasm module (once; later calls return the same promise). Options:
 * Options of later calls are ignored (the module is loaded once); setThreads() changes the count.
 * - threads: how many threads inference may use (default 1). Above 1, and where threadsSupported(),
 *   the threaded build is loaded (wasm_int8_threads.*: its convolutions and GEMMs are split across
 *   Web Workers / worker_threads, up to 4 threads); elsewhere the single-threaded build, and
 *   runtime().threads says 1. Results are bit-identical either way.
 * - wasmBinary: the .wasm bytes, if you load them yourself (of the build `threads` selects);
 * - locateFile(path, prefix): where the browser fetches the `.wasm` (and the threaded build's
 *   `.worker.js`) from (default: next to dist/wasm_int8.mjs, resolved from import.meta.url).
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

async function load({ threads = 1, wasmBinary, locateFile } = {}) {
  if (!simdSupported()) {
    throw new WasmInt8Error(
      'wasm-int8: this JavaScript engine does not support WebAssembly SIMD128 ' +
        '(Chrome >= 91, Firefox >= 89, Safari >= 16.4, Node >= 16.4 do)',
    );
  }
  if (!Number.isInteger(threads) || threads < 1) fail(`init: threads must be an integer >= 1, got ${threads}`);
  const threaded = threads > 1 && threadsSupported();
  const name = threaded ? 'wasm_int8_threads' : 'wasm_int8';
  const args = {};
  if (wasmBinary) {
    args.wasmBinary = wasmBinary;
  } else if (isNode) {
    // Emscripten 3.1.6's loader would fetch() a file path in Node, which fails: read it ourselves.
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    args.wasmBinary = await readFile(new URL(`../dist/${name}.wasm`, import.meta.url));
  }
  if (locateFile) args.locateFile = locateFile;
  const m = threaded ? await createThreaded(args) : await (await import('../dist/wasm_int8.mjs')).default(args);
  const maxThreads = m.maxThreads();
  variant = { threads: threaded ? m.setNumThreads(threads) : 1, maxThreads, module: name };
  return m;
}

// How long the threaded build may take to start its workers before init() gives up (a worker
// script that cannot be fetched would otherwise leave init() pending for ever).
const THREADS_START_MS = 30000;

// The threaded build. Emscripten 3.1.6 starts its pool of workers (worker_threads in Node) while
// the module loads. Its Node code is CommonJS-flavoured: it looks up `require` and `__dirname`,
// which an ES module does not have, so they are lent to it for the load; and its workers would
// keep Node from exiting, so they are unref'ed. A load that fails stops the workers it started.
async function createThreaded(args) {
  const lent = [];
  if (isNode) {
    const { createRequire } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:module');
    const { fileURLToPath } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:url');
    const { access } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    // A missing worker script would crash the process from inside the worker's error handler.
    const workerScript = new URL('../dist/wasm_int8_threads.worker.js', import.meta.url);
    await access(workerScript).catch(() => fail(`init: the threaded build's worker script is missing (${fileURLToPath(workerScript)})`));
    if (!('require' in globalThis)) lent.push(['require', createRequire(import.meta.url)]);
    if (!('__dirname' in globalThis)) lent.push(['__dirname', fileURLToPath(new URL('../dist/', import.meta.url))]);
    for (const [k, v] of lent) globalThis[k] = v;
  }
  let timer;
  try {
    const factory = (await import('../dist/wasm_int8_threads.mjs')).default;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new WasmInt8Error(
        `wasm-int8: init: the threaded build's workers did not start within ${THREADS_START_MS / 1000} s ` +
        '(is wasm_int8_threads.worker.js served next to wasm_int8_threads.mjs? see locateFile)')), THREADS_START_MS);
    });
    const m = await Promise.race([factory(args), timeout]);
    if (isNode) for (const w of [...m.PThread.unusedWorkers, ...m.PThread.runningWorkers]) w.unref();
    return m;
  } catch (e) {
    args.PThread?.terminateAllThreads(); // MODULARIZE: args is the Module object
    throw e;
  } finally {
    clearTimeout(timer);
    for (const [k] of lent) delete globalThis[k];
  }
}

/**
 * The loaded build: {threads, maxThreads, module}. threads: how many threads inference uses;
 * maxThreads: the most setThreads() accepts (1 in the single-threaded build).
 */
export function runtime() {
  wasmModule();
  return { ...variant };
}

/** Changes how many threads inference uses (threaded build; clamped to maxThreads). */
export function setThreads(n) {
  const m = wasmModule();
  if (!Number.isInteger(n) || n < 1) fail(`setThreads: n must be an integer >= 1, got ${n}`);
  variant.threads = m.setNumThreads(n);
  return variant.threads;
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

/**
 * Reads an ONNX model and returns what it contains, running the checks a model load runs (wire
 * format, opset, dtypes, constant sizes, every input produced, no cycles):
 * {opset, producer, inputs: [{name, dtype, shape}], outputs, ops: {Conv: 3, ...}, nodes,
 * constantBytes}. shape entries are null where symbolic. Throws WasmInt8Error naming the problem
 * (and the byte offset or the node) for a model it cannot read.
 */
export function inspectModel(bytes) {
  let data = bytes;
  if (bytes instanceof ArrayBuffer) data = new Uint8Array(bytes);
  if (!(data instanceof Uint8Array)) {
    const got = bytes === null ? 'null' : bytes?.constructor?.name ?? typeof bytes;
    fail(`inspectModel: bytes must be a Uint8Array or an ArrayBuffer, got ${got}`);
  }
  const r = wasmModule().inspectOnnx(data);
  if (r.error) fail(r.error);
  return r;
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

// Frees the wasm-side object if a layer is garbage collected without dispose().
const finalizer =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((op) => op.delete()) : null;

const CONSTRUCT = Symbol('construct');

// Creates the wasm-side op of class `cls`, calls its init method; on error frees it and throws.
function createOp(cls, init, args) {
  const op = new (wasmModule()[cls])();
  const err = op[init](...args);
  if (err) {
    op.delete();
    fail(err);
  }
  return op;
}

// Runs an op whose input and output live in the wasm heap: the (already length-checked) input is
// written at op.inputPtr(), op.execute(...args) runs, and the output is sliced out at
// op.outputPtr(). One copy each way; the HEAP view is taken after any call that may grow memory.
function runInHeap(op, heap, input, outCount, ...args) {
  const m = wasmModule();
  const shift = heap === 'HEAPF32' ? 2 : 0;
  m[heap].set(input, op.inputPtr() >> shift);
  check(op.execute(...args));
  const at = op.outputPtr() >> shift;
  return m[heap].slice(at, at + outCount);
}

function checkLength(input, expected, message) {
  if (input.length !== expected) fail(message(input.length));
}

/** What every layer shares: its wasm-side op and dispose(). */
class Layer {
  #op;

  constructor(token, op, name) {
    if (token !== CONSTRUCT) fail(`${name}: create it with ${name}.${name.endsWith('F32') ? 'create' : 'fromFloat'}()`);
    this.#op = op;
    this.name = name;
    finalizer?.register(this, op, this);
  }

  /** Frees the wasm memory of this layer. Using it afterwards throws. */
  dispose() {
    if (!this.#op) return;
    finalizer?.unregister(this);
    this.#op.delete();
    this.#op = null;
  }

  /** The wasm op, or a clear error if the layer was disposed. */
  live(method) {
    if (!this.#op) fail(`${this.name}.${method}: this layer was disposed`);
    return this.#op;
  }
}

/** What every int8 layer adds: quantization parameters of its input, output and weights. */
class Int8Layer extends Layer {
  #weightScales;

  constructor(token, op, name, { input, output, channels }) {
    super(token, op, name);
    /** Quantization parameters of the int8 input and output. */
    this.input = { scale: input.scale, zeroPoint: input.zeroPoint };
    this.output = { scale: output.scale, zeroPoint: output.zeroPoint };
    this.#weightScales = new Float32Array(channels);
    op.weightScales(this.#weightScales);
    /** The fused activation as int8 bounds in the output's quantized domain. */
    this.outputRange = { qmin: op.qmin(), qmax: op.qmax() };
  }

  /** Per-output-channel weight scales (a copy). */
  get weightScales() {
    return this.#weightScales.slice();
  }

  /** Convenience: quantize float input with `input` params, run, dequantize with `output` params. */
  runFloat(input, ...args) {
    this.live('runFloat');
    checkArray(input, Float32Array, `${this.name}.runFloat: input`);
    return dequantize(this.run(quantize(input, this.input), ...args), this.output);
  }
}

function checkLayerCommon(where, { bias, input, output, activation }, BiasType) {
  if (bias !== undefined && bias !== null) checkArray(bias, BiasType, `${where}: bias`);
  checkQuantParams(input, `${where}: input`);
  checkQuantParams(output, `${where}: output`);
  return activationRange(activation, `${where}: activation`);
}

/**
 * An int8 fully-connected layer: y = act(x W^T + b), with per-output-channel symmetric int8 weights,
 * int32 bias, asymmetric int8 input/output and fixed-point requantization. Create it with
 * FullyConnected.fromFloat() or FullyConnected.fromQuantized(); call dispose() when done.
 */
export class FullyConnected extends Int8Layer {
  constructor(token, op, opts) {
    super(token, op, 'FullyConnected', { ...opts, channels: opts.outFeatures });
    this.inFeatures = opts.inFeatures;
    this.outFeatures = opts.outFeatures;
  }

  /**
   * Quantizes float weights ([outFeatures x inFeatures], row-major) per output channel and the
   * float bias to int32. `input` and `output` are the int8 quantization parameters of x and y.
   */
  static fromFloat(opts = {}) {
    const where = 'FullyConnected.fromFloat';
    const { weights, bias, inFeatures, outFeatures, input, output } = opts;
    checkCount(inFeatures, `${where}: inFeatures`);
    checkCount(outFeatures, `${where}: outFeatures`);
    checkArray(weights, Float32Array, `${where}: weights`);
    const [amin, amax] = checkLayerCommon(where, opts, Float32Array);
    const op = createOp('FullyConnected', 'initFromFloat', [weights, bias ?? null, inFeatures,
      outFeatures, input.scale, input.zeroPoint, output.scale, output.zeroPoint, amin, amax]);
    return new FullyConnected(CONSTRUCT, op, opts);
  }

  /**
   * From already-quantized weights: int8 [outFeatures x inFeatures] in [-127, 127], weightScales
   * [outFeatures], and optional int32 bias with scale input.scale * weightScales[c].
   */
  static fromQuantized(opts = {}) {
    const where = 'FullyConnected.fromQuantized';
    const { weights, weightScales, bias, inFeatures, outFeatures, input, output } = opts;
    checkCount(inFeatures, `${where}: inFeatures`);
    checkCount(outFeatures, `${where}: outFeatures`);
    checkArray(weights, Int8Array, `${where}: weights`);
    checkArray(weightScales, Float32Array, `${where}: weightScales`);
    const [amin, amax] = checkLayerCommon(where, opts, Int32Array);
    const op = createOp('FullyConnected', 'initQuantized', [weights, weightScales, bias ?? null,
      inFeatures, outFeatures, input.scale, input.zeroPoint, output.scale, output.zeroPoint, amin,
      amax]);
    return new FullyConnected(CONSTRUCT, op, opts);
  }

  /** Runs the layer on `batch` rows of int8 input ([batch x inFeatures]); returns [batch x outFeatures]. */
  run(input, batch = 1) {
    const op = this.live('run');
    checkArray(input, Int8Array, 'FullyConnected.run: input');
    checkCount(batch, 'FullyConnected.run: batch');
    const K = this.inFeatures;
    checkLength(input, batch * K, (n) =>
      `FullyConnected: input has ${n} values, expected batch (${batch}) x inFeatures (${K}) = ${batch * K}`);
    check(op.prepare(batch));
    return runInHeap(op, 'HEAP8', input, batch * this.outFeatures, batch);
  }
}

function checkPair(value, where, def, min) {
  const v = value ?? def;
  if (!Array.isArray(v) || v.length !== 2) fail(`${where} must be [height, width], got ${String(value)}`);
  v.forEach((x, i) => checkCount(x, `${where}[${i}]`, min));
  return v;
}

// SAME_UPPER padding of one axis (the extra pixel at the end), as TensorFlow and ONNX define it.
function samePad(size, k, stride, dilation) {
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + (k - 1) * dilation + 1 - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

// The geometry object the bindings read, from the user's options (NHWC input shape).
function convGeometry(where, { inputShape, outChannels, kernel, strides, dilations, pads, groups }) {
  if (!Array.isArray(inputShape) || inputShape.length !== 4) {
    fail(`${where}: inputShape must be [batch, height, width, channels] (NHWC), got ${String(inputShape)}`);
  }
  inputShape.forEach((d, i) => checkCount(d, `${where}: inputShape[${i}]`));
  checkCount(outChannels, `${where}: outChannels`);
  const [kh, kw] = checkPair(kernel, `${where}: kernel`);
  const [sh, sw] = checkPair(strides, `${where}: strides`, [1, 1]);
  const [dh, dw] = checkPair(dilations, `${where}: dilations`, [1, 1]);
  const g = groups ?? 1;
  checkCount(g, `${where}: groups`);
  const [n, h, w, c] = inputShape;
  let p;
  if (pads === undefined || pads === 'valid') p = [0, 0, 0, 0];
  else if (pads === 'same') {
    const [t, b] = samePad(h, kh, sh, dh);
    const [l, r] = samePad(w, kw, sw, dw);
    p = [t, l, b, r];
  } else if (Array.isArray(pads) && pads.length === 4) {
    pads.forEach((x, i) => checkCount(x, `${where}: pads[${i}]`, 0));
    p = pads;
  } else {
    fail(`${where}: pads must be [top, left, bottom, right], 'same' or 'valid', got ${String(pads)}`);
  }
  return {
    batch: n, inH: h, inW: w, inC: c, outC: outChannels, kernelH: kh, kernelW: kw, strideH: sh,
    strideW: sw, dilationH: dh, dilationW: dw, padTop: p[0], padLeft: p[1], padBottom: p[2],
    padRight: p[3], groups: g,
  };
}

function checkConvInput(name, input, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  checkLength(input, n, (got) => `${name}: input has ${got} values, expected ${n} (NHWC ${shape.join('x')})`);
}

/**
 * An int8 2-D convolution, NHWC: any kernel size, stride, dilation, padding and groups (depthwise
 * when groups == input channels == outChannels), per-output-channel symmetric int8 weights in OHWI
 * layout ([outChannels][kernelH][kernelW][inChannels / groups]), int32 bias, fused activation.
 */
export class Conv2D extends Int8Layer {
  constructor(token, op, opts, geometry) {
    super(token, op, 'Conv2D', { ...opts, channels: geometry.outC });
    this.inputShape = [geometry.batch, geometry.inH, geometry.inW, geometry.inC];
    this.outputShape = [geometry.batch, op.outH(), op.outW(), geometry.outC];
    this.depthwise = op.isDepthwise();
  }

  /**
   * Options: inputShape [N, H, W, C], outChannels, kernel [kh, kw], strides [sh, sw] = [1, 1],
   * dilations = [1, 1], pads [top, left, bottom, right] | 'same' | 'valid' (default), groups = 1,
   * weights (Float32Array, OHWI), bias (Float32Array, optional), input / output {scale, zeroPoint},
   * activation.
   */
  static fromFloat(opts = {}) {
    const where = 'Conv2D.fromFloat';
    const g = convGeometry(where, opts);
    checkArray(opts.weights, Float32Array, `${where}: weights`);
    const [amin, amax] = checkLayerCommon(where, opts, Float32Array);
    const { input, output } = opts;
    const op = createOp('Conv2D', 'initFromFloat', [g, opts.weights, opts.bias ?? null,
      input.scale, input.zeroPoint, output.scale, output.zeroPoint, amin, amax]);
    return new Conv2D(CONSTRUCT, op, opts, g);
  }

  /** As fromFloat, with int8 weights (OHWI, [-127, 127]), weightScales and an int32 bias. */
  static fromQuantized(opts = {}) {
    const where = 'Conv2D.fromQuantized';
    const g = convGeometry(where, opts);
    checkArray(opts.weights, Int8Array, `${where}: weights`);
    checkArray(opts.weightScales, Float32Array, `${where}: weightScales`);
    const [amin, amax] = checkLayerCommon(where, opts, Int32Array);
    const { input, output } = opts;
    const op = createOp('Conv2D', 'initQuantized', [g, opts.weights, opts.weightScales,
      opts.bias ?? null, input.scale, input.zeroPoint, output.scale, output.zeroPoint, amin, amax]);
    return new Conv2D(CONSTRUCT, op, opts, g);
  }

  /** int8 NHWC input of inputShape -> int8 NHWC output of outputShape. */
  run(input) {
    const op = this.live('run');
    checkArray(input, Int8Array, 'Conv2D.run: input');
    checkConvInput('Conv2D', input, this.inputShape);
    return runInHeap(op, 'HEAP8', input, this.outputShape.reduce((a, b) => a * b, 1));
  }
}

/** An fp32 fully-connected layer: y = act(x W^T + b), weights [outFeatures x inFeatures]. */
export class FullyConnectedF32 extends Layer {
  constructor(token, op, opts) {
    super(token, op, 'FullyConnectedF32');
    this.inFeatures = opts.inFeatures;
    this.outFeatures = opts.outFeatures;
  }

  /** Options: weights (Float32Array), bias (optional), inFeatures, outFeatures, activation. */
  static create(opts = {}) {
    const where = 'FullyConnectedF32.create';
    const { weights, bias, inFeatures, outFeatures, activation } = opts;
    checkCount(inFeatures, `${where}: inFeatures`);
    checkCount(outFeatures, `${where}: outFeatures`);
    checkArray(weights, Float32Array, `${where}: weights`);
    if (bias !== undefined && bias !== null) checkArray(bias, Float32Array, `${where}: bias`);
    const [amin, amax] = activationRange(activation, `${where}: activation`);
    const op = createOp('FullyConnectedF32', 'init', [weights, bias ?? null, inFeatures, outFeatures, amin, amax]);
    return new FullyConnectedF32(CONSTRUCT, op, opts);
  }

  /** float [batch x inFeatures] -> float [batch x outFeatures]. */
  run(input, batch = 1) {
    const op = this.live('run');
    checkArray(input, Float32Array, 'FullyConnectedF32.run: input');
    checkCount(batch, 'FullyConnectedF32.run: batch');
    const K = this.inFeatures;
    checkLength(input, batch * K, (n) =>
      `FullyConnectedF32: input has ${n} values, expected batch (${batch}) x inFeatures (${K}) = ${batch * K}`);
    check(op.prepare(batch));
    return runInHeap(op, 'HEAPF32', input, batch * this.outFeatures, batch);
  }
}

/** An fp32 2-D convolution, NHWC, OHWI weights; the options of Conv2D without quantization. */
export class Conv2DF32 extends Layer {
  constructor(token, op, geometry) {
    super(token, op, 'Conv2DF32');
    this.inputShape = [geometry.batch, geometry.inH, geometry.inW, geometry.inC];
    this.outputShape = [geometry.batch, op.outH(), op.outW(), geometry.outC];
    this.depthwise = op.isDepthwise();
  }

  /** Options as Conv2D.fromFloat without input / output quantization parameters. */
  static create(opts = {}) {
    const where = 'Conv2DF32.create';
    const g = convGeometry(where, opts);
    checkArray(opts.weights, Float32Array, `${where}: weights`);
    if (opts.bias !== undefined && opts.bias !== null) checkArray(opts.bias, Float32Array, `${where}: bias`);
    const [amin, amax] = activationRange(opts.activation, `${where}: activation`);
    const op = createOp('Conv2DF32', 'init', [g, opts.weights, opts.bias ?? null, amin, amax]);
    return new Conv2DF32(CONSTRUCT, op, g);
  }

  /** float NHWC input of inputShape -> float NHWC output of outputShape. */
  run(input) {
    const op = this.live('run');
    checkArray(input, Float32Array, 'Conv2DF32.run: input');
    checkConvInput('Conv2DF32', input, this.inputShape);
    return runInHeap(op, 'HEAPF32', input, this.outputShape.reduce((a, b) => a * b, 1));
  }
}

// --- ONNX models ---------------------------------------------------------------------------------

const ARRAY_TYPES = {
  float32: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

async function readSource(source, where) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  const isUrl = source instanceof URL;
  if (typeof source === 'string' || isUrl) {
    const text = String(source);
    const remote = /^(https?|blob|data):/i.test(text);
    if (isNode && !remote) {
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
      try {
        return new Uint8Array(await readFile(isUrl ? source : text));
      } catch (e) {
        fail(`${where}: cannot read '${text}': ${e.message}`);
      }
    }
    let response;
    try {
      response = await fetch(source);
    } catch (e) {
      fail(`${where}: cannot fetch '${text}': ${e.message}`);
    }
    if (!response.ok) fail(`${where}: fetching '${text}' failed with HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const got = source === null ? 'null' : source?.constructor?.name ?? typeof source;
  return fail(`${where}: the model must be a Uint8Array, ArrayBuffer, URL or path, got ${got}`);
}

// A feed or constant: {data, shape} or a bare typed array (shape from the model when it is fixed).
function tensorArg(value, decl, where) {
  let data = value;
  let shape;
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    data = value.data;
    shape = value.shape ?? value.dims;
  }
  const Type = ARRAY_TYPES[decl.dtype];
  if (!(data instanceof Type)) {
    const got = data === null ? 'null' : data?.constructor?.name ?? typeof data;
    fail(`${where}: input '${decl.name}' is ${decl.dtype}: pass a ${Type.name}, got ${got}`);
  }
  if (shape === undefined) {
    if (!decl.shape || decl.shape.some((d) => d === null)) {
      fail(`${where}: input '${decl.name}' has shape [${describeShape(decl.shape)}] in the model: pass {data, shape}`);
    }
    shape = decl.shape;
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0x7fffffff)) {
    fail(`${where}: input '${decl.name}': shape must be an array of integers >= 0, got ${JSON.stringify(shape)}`);
  }
  if (decl.shape) {
    if (decl.shape.length !== shape.length) {
      fail(`${where}: input '${decl.name}' has rank ${decl.shape.length} in the model, the shape given has rank ${shape.length}`);
    }
    decl.shape.forEach((d, k) => {
      if (d !== null && d !== shape[k]) {
        fail(`${where}: input '${decl.name}' dimension ${k} is ${d} in the model, got ${shape[k]}`);
      }
    });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    fail(`${where}: input '${decl.name}' has ${data.length} values, its shape [${shape.join(', ')}] needs ${count}`);
  }
  return { data, shape };
}

function describeShape(shape) {
  return shape ? shape.map((d) => (d === null ? '?' : d)).join(', ') : '?';
}

function bytesOf(data) {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Loads an ONNX model (fp32; see the README for the supported operators) and prepares it to run.
 * `source`: the model's bytes (Uint8Array / ArrayBuffer), a URL, or a file path in Node.
 * Options:
 * - constants: {inputName: {data, shape}} — inputs that are fixed for this model (weights or
 *   shapes some exporters pass as inputs); they are folded at load and are not fed to run().
 * Errors name what is wrong: the byte offset of a malformed file, the node and field of an
 * unsupported or invalid op.
 */
export async function loadModel(source, options = {}) {
  const bytes = await readSource(source, 'loadModel');
  if (options === null || typeof options !== 'object') fail(`loadModel: options must be an object`);
  const m = wasmModule();
  const handle = new m.OnnxModel();
  try {
    check(handle.load(bytes));
    const inputs = handle.inputs();
    const constants = options.constants ?? {};
    for (const name of Object.keys(constants)) {
      const index = inputs.findIndex((t) => t.name === name);
      if (index < 0) fail(`loadModel: constants: the model has no input '${name}' (inputs: ${inputs.map((t) => t.name).join(', ')})`);
      const { data, shape } = tensorArg(constants[name], inputs[index], 'loadModel: constants');
      check(handle.freeze(index, bytesOf(data), shape));
    }
    const runInputs = inputs.filter((t) => !(t.name in constants));
    // Fixed input shapes: plan now, so that loadModel() reports what run() would.
    if (runInputs.every((t) => t.shape && t.shape.every((d) => d !== null))) {
      check(handle.plan(runInputs.map((t) => t.shape)));
    }
    return new Model(CONSTRUCT, handle, runInputs);
  } catch (e) {
    handle.delete();
    throw e;
  }
}

/** A loaded ONNX model. Create it with loadModel(); call dispose() when done. */
export class Model {
  #handle;
  #inputs;
  #outputs;
  #planKey = null;
  #busy = false;

  constructor(token, handle, inputs) {
    if (token !== CONSTRUCT) fail('Model: create it with loadModel()');
    this.#handle = handle;
    this.#inputs = inputs;
    if (handle.planned()) this.#planKey = JSON.stringify(inputs.map((t) => t.shape));
    this.#outputs = handle.outputs();
    finalizer?.register(this, handle, this);
  }

  #live(method) {
    if (!this.#handle) fail(`Model.${method}: this model was disposed`);
    return this.#handle;
  }

  /** Names of the inputs run() takes, in model order. */
  get inputNames() {
    return this.#inputs.map((t) => t.name);
  }
  /** Names of the outputs run() returns. */
  get outputNames() {
    return this.#outputs.map((t) => t.name);
  }
  /** Declared input shapes (null for a dimension the model leaves open, e.g. the batch). */
  get inputShapes() {
    return this.#inputs.map((t) => (t.shape ? [...t.shape] : null));
  }
  /** Declared input dtypes ('float32', ...). */
  get inputTypes() {
    return this.#inputs.map((t) => t.dtype);
  }

  /**
   * Runs the model. `feeds`: {inputName: {data, shape}} (or a bare typed array when the input's
   * shape is fixed in the model). Resolves to {outputName: {data, shape, dtype}}; the arrays are
   * copies owned by the caller. A new input shape (e.g. another batch size) re-plans the model.
   */
  async run(feeds) {
    return this.runSync(feeds);
  }

  /** run() without the Promise. */
  runSync(feeds) {
    const h = this.#live('run');
    if (this.#busy) fail('Model.run: a run is already in progress on this model');
    if (feeds === null || typeof feeds !== 'object') fail('Model.run: feeds must be an object {inputName: tensor}');
    for (const name of Object.keys(feeds)) {
      if (!this.#inputs.some((t) => t.name === name)) {
        fail(`Model.run: the model has no input '${name}' (inputs: ${this.inputNames.join(', ')})`);
      }
    }
    const args = this.#inputs.map((decl) => {
      if (!(decl.name in feeds)) fail(`Model.run: input '${decl.name}' is missing`);
      return tensorArg(feeds[decl.name], decl, 'Model.run');
    });
    this.#busy = true;
    try {
      const key = JSON.stringify(args.map((a) => a.shape));
      if (key !== this.#planKey || !h.planned()) {
        this.#planKey = null;
        check(h.plan(args.map((a) => a.shape)));
        this.#planKey = key;
      }
      const m = wasmModule();
      args.forEach((a, k) => {
        new Uint8Array(m.HEAP8.buffer, h.inputPtr(k), a.data.byteLength).set(bytesOf(a.data));
      });
      check(h.run());
      const out = {};
      this.#outputs.forEach((t, k) => {
        const shape = h.outputShape(k);
        const dtype = h.outputDtype(k);
        const Type = ARRAY_TYPES[dtype];
        const count = shape.reduce((a, b) => a * b, 1);
        const view = new Type(m.HEAP8.buffer, h.outputPtr(k), count);
        out[t.name] = { data: view.slice(), shape, dtype };
      });
      return out;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * What the model holds: {opset, producer, ops: {type: count}, nodes, constantBytes,
   * planBytes (activations + workspace of the current plan), steps}.
   */
  info() {
    const h = this.#live('info');
    return { ...h.info(), planBytes: h.arenaBytes(), steps: h.steps() };
  }

  /**
   * Time per step type over `runs` runs of the current plan (run() once first):
   * [{op, ms, count}], ms per run, slowest first. With `{ steps: true }`: one entry per step in
   * execution order instead, [{op, where, ms}] (`where` names the node the step came from).
   */
  profile(runs = 10, { steps = false } = {}) {
    const h = this.#live('profile');
    if (this.#planKey === null || !h.planned()) fail('Model.profile: call run() once first');
    checkCount(runs, 'Model.profile: runs');
    const r = h.profile(runs);
    if (r.error) fail(r.error);
    return steps ? r.steps : r.ops.sort((a, b) => b.ms - a.ms);
  }

  /**
   * Post-training quantization in this page: runs the model on the calibration inputs, records the
   * range of every float tensor, and returns a new int8 model (this one is unchanged). Options:
   * - calibration: an array or (async) iterable of feeds, as run() takes them (required), or of
   *   anything `preprocess` turns into feeds (e.g. ImageData with
   *   `preprocess: (img) => ({ input: imageToTensor(img, {...}) })`);
   * - method: 'minmax' (default), 'moving_average', 'percentile', 'mse' or 'entropy';
   * - perChannel: per-output-channel weight scales (default true);
   * - simulate: run the quantized graph as fake quantization on the fp32 kernels (default false);
   * - biasCorrection: fold each Conv / Gemm layer's own mean output error per channel, measured
   *   on the first 32 calibration inputs, into its int32 bias (default: on with per-tensor weights,
   *   where it recovers accuracy; off with per-channel weights, where it measured no gain — see
   *   the README);
   * - onProgress({done, total}): after each calibration input (total undefined for iterables);
   * - signal: an AbortSignal; aborting rejects with its reason and leaves this model as it was.
   */
  async quantize(options = {}) {
    const h = this.#live('quantize');
    if (options === null || typeof options !== 'object') fail('Model.quantize: options must be an object');
    const { calibration, method = 'minmax', perChannel = true, simulate = false, biasCorrection = !perChannel, onProgress, signal, preprocess } = options;
    if (preprocess !== undefined && typeof preprocess !== 'function') fail('Model.quantize: preprocess must be a function (item) => feeds');
    if (calibration === undefined || calibration === null || typeof calibration[Symbol.iterator] !== 'function' && typeof calibration[Symbol.asyncIterator] !== 'function') {
      fail('Model.quantize: calibration must be an array or iterable of feeds');
    }
    if (typeof method !== 'string') fail('Model.quantize: method must be a string');
    if (onProgress !== undefined && typeof onProgress !== 'function') fail('Model.quantize: onProgress must be a function');
    if (this.#busy) fail('Model.quantize: a run is already in progress on this model');
    const total = Array.isArray(calibration) ? calibration.length : undefined;
    const kept = []; // the first inputs: bias correction and the error per tensor are measured on them
    let done = 0;
    h.beginCalibration();
    this.#planKey = null;
    try {
      for await (const item of calibration) {
        signal?.throwIfAborted();
        const feeds = preprocess ? preprocess(item) : item;
        this.runSync(feeds);
        if (kept.length < Math.max(SQNR_INPUTS, BIAS_CORRECTION_INPUTS)) kept.push(feeds);
        done += 1;
        onProgress?.({ done, total });
        // Let the page breathe (progress bars, abort buttons) between inputs.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      signal?.throwIfAborted();
      if (done === 0) fail('Model.quantize: calibration is empty');
      const m = wasmModule();
      const q = new m.OnnxModel();
      let quantized;
      const report = { method, perChannel: !!perChannel, simulate: !!simulate, calibrationInputs: done, biasCorrection: null };
      try {
        check(q.loadQuantized(h, method, !!perChannel, !!simulate));
        if (biasCorrection) {
          report.biasCorrection = { inputs: Math.min(kept.length, BIAS_CORRECTION_INPUTS), layers: this.#correctBiases(q, kept.slice(0, BIAS_CORRECTION_INPUTS), !!simulate, signal) };
        }
        quantized = new QuantizedModel(CONSTRUCT, q, this.#inputs, report);
      } catch (e) {
        q.delete();
        throw e;
      }
      h.endCalibration();
      // SQNR per tensor: the quantized model against this one on the first calibration inputs.
      h.setCapture(true);
      q.setCapture(true);
      try {
        for (const feeds of kept.slice(0, SQNR_INPUTS)) {
          this.runSync(feeds);
          quantized.runSync(feeds);
          check(q.accumulateSqnr(h));
        }
      } finally {
        h.setCapture(false);
        q.setCapture(false);
      }
      return quantized;
    } finally {
      h.endCalibration();
      this.#planKey = null;
    }
  }

  // Empirical bias correction of the quantized handle q (quantize()): a measuring model (this
  // one's fp32 graph with a quantized copy of each Conv / Gemm beside it, reading the same inputs
  // fake-quantized) runs on `inputs`; each copy's mean error per channel goes into q's int32 bias.
  // Returns how many layers changed.
  #correctBiases(q, inputs, simulate, signal) {
    const m = wasmModule();
    const handle = new m.OnnxModel();
    let measuring = null;
    try {
      check(handle.loadBiasMeasurement(this.#handle, q)); // captures what the correction reads
      measuring = new Model(CONSTRUCT, handle, this.#inputs);
      for (const feeds of inputs) {
        signal?.throwIfAborted();
        measuring.runSync(feeds);
        check(q.accumulateBiasError(handle));
      }
      const r = q.applyBiasCorrection(simulate);
      if (r.error) fail(`Model.quantize: bias correction: ${r.error}`);
      return r.layers;
    } finally {
      if (measuring) measuring.dispose();
      else handle.delete();
    }
  }

  /** Frees the model's wasm memory. Using it afterwards throws. */
  dispose() {
    if (!this.#handle) return;
    finalizer?.unregister(this);
    this.#handle.delete();
    this.#handle = null;
  }

  /** @internal the wasm handle, for subclasses. */
  handle(method) {
    return this.#live(method);
  }
}

// Calibration inputs the quantization report's SQNR is measured on, and bias correction's.
const SQNR_INPUTS = 16;
const BIAS_CORRECTION_INPUTS = 32;

const QUANTIZED_OPS = new Set(['QLinearConv', 'QLinearMatMul', 'QGemm', 'QLinearAdd', 'QLinearMul', 'QLinearGlobalAveragePool', 'QLinearAveragePool', 'QLinearConcat']);
const MOVES = new Set(['MaxPool', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Identity']);

/** An int8 model made by Model.quantize(): runs like a Model, and reports what was quantized. */
export class QuantizedModel extends Model {
  #options;

  constructor(token, handle, inputs, options) {
    super(token, handle, inputs);
    this.#options = options;
  }

  /**
   * {method, perChannel, simulate, calibrationInputs, tensors: [{name, min, max, rangeMin,
   * rangeMax, scale, zeroPoint, sqnrDb}], layers: [{name, op, precision: 'int8' | 'float', reason?}]}.
   */
  report() {
    const h = this.handle('report');
    const tensors = h.quantReport();
    const layers = h.layers()
      .filter((l) => l.op !== 'QuantizeLinear' && l.op !== 'DequantizeLinear')
      .map((l) => {
        if (QUANTIZED_OPS.has(l.op)) return { ...l, precision: 'int8' };
        if (MOVES.has(l.op) && !this.#options.simulate) return { ...l, precision: 'int8' };
        return { ...l, precision: 'float', reason: this.#options.simulate ? 'simulate mode' : `no int8 kernel for ${l.op} here` };
      });
    return { ...this.#options, tensors, layers };
  }

  /**
   * The quantized model as standard QDQ ONNX (opset 13): int8 weights as int8 initializers with
   * per-channel scales, int32 biases, QuantizeLinear / DequantizeLinear around each op. It loads
   * back into wasm-int8 (running the same int8 kernels) and into onnxruntime.
   */
  toONNX() {
    const r = this.handle('toONNX').toOnnx();
    if (r.error) fail(`QuantizedModel.toONNX: ${r.error}`);
    return r.bytes;
  }
}

/**
 * An image (ImageData, or any {data: RGBA bytes, width, height}) as a model input {data, shape}:
 * resized (bilinear) to `size` [height, width], grayscale or RGB, optionally inverted, scaled to
 * [0, 1] then normalized with `mean` / `std` (per channel or one value), in NCHW (default) or NHWC.
 * The Fashion-MNIST models take imageToTensor(img, {size: [28, 28], grayscale: true, invert: true})
 * for dark-on-light drawings (the dataset is light-on-dark).
 */
export function imageToTensor(image, { size, grayscale = false, invert = false, mean = 0, std = 1, layout = 'nchw' } = {}) {
  if (!image || !(image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array) ||
      !Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1 ||
      image.data.length !== image.width * image.height * 4) {
    fail('imageToTensor: image must be ImageData or {data: RGBA bytes (width x height x 4), width, height}');
  }
  const [h, w] = size ?? [image.height, image.width];
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) fail(`imageToTensor: size must be [height, width], got ${JSON.stringify(size)}`);
  if (layout !== 'nchw' && layout !== 'nhwc') fail(`imageToTensor: layout must be 'nchw' or 'nhwc', got '${layout}'`);
  const channels = grayscale ? 1 : 3;
  const at = (v, c) => (Array.isArray(v) ? v[c] : v);
  const out = new Float32Array(h * w * channels);
  const sy = image.height / h;
  const sx = image.width / w;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), image.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const wx = fx - x0;
      const rgb = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const p = (yy, xx) => image.data[(yy * image.width + xx) * 4 + c];
        rgb[c] = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
      }
      const values = grayscale ? [0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]] : rgb;
      for (let c = 0; c < channels; c++) {
        let v = values[c] / 255;
        if (invert) v = 1 - v;
        v = (v - at(mean, c)) / at(std, c);
        out[layout === 'nchw' ? (c * h + y) * w + x : (y * w + x) * channels + c] = v;
      }
    }
  }
  return { data: out, shape: layout === 'nchw' ? [1, channels, h, w] : [1, h, w, channels] };
}

/** Bytes of wasm memory the module has reserved (it grows, never shrinks). */
export function wasmMemoryBytes() {
  return wasmModule().HEAP8.buffer.byteLength;
}

/** Bytes of the wasm heap in use (allocated and not freed): to check that dispose() gives memory back. */
export function wasmHeapInUse() {
  return wasmModule().heapBytesInUse();
}

/**
 * Decodes a serialized ONNX TensorProto (the .pb files of the ONNX test suite and of
 * onnxruntime's test data) into {name, data, shape, dtype}.
 */
export function readTensorProto(bytes) {
  let data = bytes;
  if (bytes instanceof ArrayBuffer) data = new Uint8Array(bytes);
  checkArray(data, Uint8Array, 'readTensorProto: bytes');
  const r = wasmModule().decodeTensor(data);
  if (r.error) fail(`readTensorProto: ${r.error}`);
  const Type = ARRAY_TYPES[r.dtype];
  const values = new Type(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength / Type.BYTES_PER_ELEMENT);
  return { name: r.name, data: values, shape: r.dims ?? [], dtype: r.dtype };
}
