// Type declarations of the wasm-int8 package (web/index.js).

/** The error type of the package: `message` names the function, the field and what was expected. */
export declare class WasmInt8Error extends Error {
  name: 'WasmInt8Error';
}

/** int8 affine quantization parameters: real = scale * (q - zeroPoint). */
export interface QuantParams {
  scale: number;
  /** Integer in [-128, 127]. */
  zeroPoint: number;
}

export interface InitOptions {
  /**
   * Threads inference may use (default 1). Above 1, where threadsSupported(), the threaded build
   * (wasm_int8_threads.*) is loaded and convolutions / GEMMs are split across up to 4 threads;
   * elsewhere the single-threaded build runs. Results are bit-identical either way.
   */
  threads?: number;
  /** The .wasm bytes (of the build `threads` selects), if you load them yourself. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Where the browser fetches the `.wasm` (and the threaded build's `.worker.js`) from; default:
   * next to dist/wasm_int8.mjs.
   */
  locateFile?: (path: string, prefix: string) => string;
}

/** Loads the wasm module once; call (and await) before anything else. */
export declare function init(options?: InitOptions): Promise<void>;

/** True if this JavaScript engine supports WebAssembly SIMD128 (wasm-int8 requires it). */
export declare function simdSupported(): boolean;

/** True where the threaded build can run: Node, or a cross-origin isolated page / worker. */
export declare function threadsSupported(): boolean;

/** The loaded build (after init()). */
export declare function runtime(): {
  /** Threads inference uses now. */
  threads: number;
  /** The most setThreads() accepts (1 in the single-threaded build). */
  maxThreads: number;
  module: 'wasm_int8' | 'wasm_int8_threads';
};

/** Changes how many threads inference uses (clamped to runtime().maxThreads); returns it. */
export declare function setThreads(n: number): number;

/** int8 parameters for values observed in [min, max] (asymmetric, 0 exactly representable). */
export declare function chooseQuantParams(min: number, max: number): QuantParams;

/** float32 -> int8: saturate(roundHalfToEven(x / scale) + zeroPoint); NaN maps to zeroPoint. */
export declare function quantize(values: Float32Array, params: QuantParams): Int8Array;

/** int8 -> float32: (q - zeroPoint) * scale. */
export declare function dequantize(values: Int8Array, params: QuantParams): Float32Array;

export interface ModelTensorInfo {
  name: string;
  dtype: 'float32' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';
  /** null when the rank is unknown; an entry is null where the dimension is symbolic. */
  shape: (number | null)[] | null;
}

export interface ModelInfo {
  opset: number;
  producer: string;
  inputs: ModelTensorInfo[];
  outputs: ModelTensorInfo[];
  /** Node count per operator type. */
  ops: Record<string, number>;
  nodes: number;
  constantBytes: number;
}

/** Reads an ONNX model (the checks a load runs) and summarises it; throws WasmInt8Error if it cannot. */
export declare function inspectModel(bytes: Uint8Array | ArrayBuffer): ModelInfo;

export type DType = 'float32' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';
export type AnyTensorData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/** A tensor passed to or returned by a model: row-major data in the model's (ONNX) layout. */
export interface Tensor {
  data: AnyTensorData;
  shape: number[];
}
export interface OutputTensor extends Tensor {
  dtype: DType;
}

export interface LoadModelOptions {
  /**
   * Inputs that are fixed for this model (weights or shapes some exporters pass as inputs): folded
   * at load, not fed to run().
   */
  constants?: Record<string, Tensor>;
}

export interface ModelRunInfo {
  opset: number;
  producer: string;
  /** Node count per operator type, as in the file. */
  ops: Record<string, number>;
  nodes: number;
  constantBytes: number;
  /** Activations + workspace of the current plan, in bytes. */
  planBytes: number;
  /** Steps of the current plan (kernels, layout changes). */
  steps: number;
}

export interface OpProfile {
  op: string;
  /** Milliseconds per run, all steps of this type together. */
  ms: number;
  count: number;
}

export interface StepProfile {
  /** Kernel-level name, e.g. "Conv int8 1x1". */
  op: string;
  /** The node the step came from. */
  where: string;
  /** Milliseconds per run. */
  ms: number;
}

/** A loaded ONNX model (create it with loadModel()). */
export declare class Model {
  protected constructor();
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Declared shapes; null marks a dimension the model leaves open (e.g. the batch). */
  readonly inputShapes: ((number | null)[] | null)[];
  readonly inputTypes: DType[];
  /**
   * Runs the model. A bare typed array is accepted for an input whose shape is fixed in the model.
   * A new input shape re-plans the model (weights are repacked for the new plan).
   */
  run(feeds: Record<string, Tensor | AnyTensorData>): Promise<Record<string, OutputTensor>>;
  /** run() without the Promise. */
  runSync(feeds: Record<string, Tensor | AnyTensorData>): Record<string, OutputTensor>;
  info(): ModelRunInfo;
  /** Time per step type over `runs` runs of the current plan, slowest first. */
  profile(runs?: number, options?: { steps?: false }): OpProfile[];
  /** Time per step over `runs` runs of the current plan, in execution order. */
  profile(runs: number | undefined, options: { steps: true }): StepProfile[];
  /**
   * Post-training quantization in the page: calibrates on `calibration` (feeds as run() takes
   * them) and returns a new int8 model; this one is unchanged.
   */
  quantize(options: QuantizeOptions): Promise<QuantizedModel>;
  /** Frees the model's wasm memory; using it afterwards throws. */
  dispose(): void;
}

export type CalibrationMethod = 'minmax' | 'moving_average' | 'percentile' | 'mse' | 'entropy';

export interface QuantizeOptions {
  /** Feeds as run() takes them, or items `preprocess` turns into feeds (e.g. ImageData). */
  calibration: Iterable<unknown> | AsyncIterable<unknown>;
  preprocess?: (item: any) => Record<string, Tensor | AnyTensorData>;
  /** How each activation's range is chosen from what calibration saw (default 'minmax'). */
  method?: CalibrationMethod;
  /** Per-output-channel weight scales (default true). */
  perChannel?: boolean;
  /** Fake quantization on the fp32 kernels instead of int8 kernels (default false). */
  simulate?: boolean;
  /**
   * Empirical bias correction: each Conv / Gemm layer's own mean output error per channel,
   * measured on the first 32 calibration inputs, is folded into its int32 bias
   * (default: true when perChannel is false, false otherwise).
   */
  biasCorrection?: boolean;
  onProgress?: (progress: { done: number; total: number | undefined }) => void;
  signal?: AbortSignal;
}

export interface QuantizedTensorReport {
  name: string;
  /** Observed range. */
  min: number;
  max: number;
  /** Range chosen by the calibration method. */
  rangeMin: number;
  rangeMax: number;
  scale: number;
  zeroPoint: number;
  /**
   * Signal-to-quantization-noise ratio of the int8 model's tensor against the fp32 model's, in dB,
   * on the first 16 calibration inputs (absent where no int8 counterpart was measured).
   */
  sqnrDb?: number;
}

export interface LayerReport {
  name: string;
  op: string;
  precision: 'int8' | 'float';
  /** Why a layer stayed float. */
  reason?: string;
}

export interface QuantizationReport {
  method: CalibrationMethod;
  perChannel: boolean;
  simulate: boolean;
  calibrationInputs: number;
  /** null when bias correction was off; else the inputs it measured on and the layers it changed. */
  biasCorrection: { inputs: number; layers: number } | null;
  tensors: QuantizedTensorReport[];
  layers: LayerReport[];
}

/** An int8 model made by Model.quantize(). */
export declare class QuantizedModel extends Model {
  report(): QuantizationReport;
  /** The quantized model as standard QDQ ONNX bytes (int8 weights stored as int8). */
  toONNX(): Uint8Array;
}

/**
 * Loads an ONNX model from bytes, a URL, or (in Node) a file path, and prepares it to run.
 * Throws WasmInt8Error naming the byte offset, node, op or field that is wrong.
 */
export declare function loadModel(
  source: Uint8Array | ArrayBuffer | URL | string,
  options?: LoadModelOptions,
): Promise<Model>;

/** Decodes a serialized ONNX TensorProto (.pb). */
export declare function readTensorProto(bytes: Uint8Array | ArrayBuffer): OutputTensor & { name: string };

export interface ImageToTensorOptions {
  /** [height, width] of the model input (default: the image's). */
  size?: [number, number];
  grayscale?: boolean;
  /** 1 - value (after scaling to [0, 1]): dark-on-light drawings for light-on-dark datasets. */
  invert?: boolean;
  mean?: number | number[];
  std?: number | number[];
  layout?: 'nchw' | 'nhwc';
}
/** An image (ImageData or {data: RGBA bytes, width, height}) as a model input tensor. */
export declare function imageToTensor(
  image: { data: Uint8ClampedArray | Uint8Array; width: number; height: number },
  options?: ImageToTensorOptions,
): { data: Float32Array; shape: number[] };

/** Bytes of wasm memory reserved by the module (grows, never shrinks). */
export declare function wasmMemoryBytes(): number;
/** Bytes of the wasm heap in use (allocated and not freed). */
export declare function wasmHeapInUse(): number;

/** A fused activation: a clamp of the real output. */
export type Activation = 'none' | 'relu' | 'relu6' | { min?: number; max?: number };

interface FullyConnectedCommon {
  inFeatures: number;
  outFeatures: number;
  /** Quantization parameters of the int8 input x. */
  input: QuantParams;
  /** Quantization parameters of the int8 output y. */
  output: QuantParams;
  activation?: Activation;
}

export interface FullyConnectedFloatOptions extends FullyConnectedCommon {
  /** [outFeatures x inFeatures], row-major. */
  weights: Float32Array;
  /** [outFeatures]. */
  bias?: Float32Array | null;
}

export interface FullyConnectedQuantizedOptions extends FullyConnectedCommon {
  /** [outFeatures x inFeatures] int8 in [-127, 127] (symmetric per output channel). */
  weights: Int8Array;
  /** [outFeatures] per-channel weight scales. */
  weightScales: Float32Array;
  /** [outFeatures] int32, scale input.scale * weightScales[c]. */
  bias?: Int32Array | null;
}

/** An int8 fully-connected layer: y = act(x W^T + b). */
export declare class FullyConnected {
  private constructor();
  static fromFloat(options: FullyConnectedFloatOptions): FullyConnected;
  static fromQuantized(options: FullyConnectedQuantizedOptions): FullyConnected;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly input: QuantParams;
  readonly output: QuantParams;
  /** The fused activation as int8 bounds of the output. */
  readonly outputRange: { qmin: number; qmax: number };
  /** Per-output-channel weight scales (a copy). */
  readonly weightScales: Float32Array;
  /** int8 [batch x inFeatures] -> int8 [batch x outFeatures]. */
  run(input: Int8Array, batch?: number): Int8Array;
  /** quantize(input) -> run -> dequantize. */
  runFloat(input: Float32Array, batch?: number): Float32Array;
  /** Frees the layer's wasm memory; using it afterwards throws. */
  dispose(): void;
}

export interface Conv2DOptionsCommon {
  /** NHWC input shape [batch, height, width, channels]. */
  inputShape: [number, number, number, number];
  outChannels: number;
  /** [kernelHeight, kernelWidth]. */
  kernel: [number, number];
  /** Default [1, 1]. */
  strides?: [number, number];
  /** Default [1, 1]. */
  dilations?: [number, number];
  /** [top, left, bottom, right], 'same' (SAME_UPPER) or 'valid' (default). */
  pads?: [number, number, number, number] | 'same' | 'valid';
  /** Default 1; depthwise when groups == input channels == outChannels. */
  groups?: number;
  input: QuantParams;
  output: QuantParams;
  activation?: Activation;
}

export interface Conv2DFloatOptions extends Conv2DOptionsCommon {
  /** OHWI: [outChannels][kernelH][kernelW][inChannels / groups]. */
  weights: Float32Array;
  bias?: Float32Array | null;
}

export interface Conv2DQuantizedOptions extends Conv2DOptionsCommon {
  /** OHWI int8 in [-127, 127]. */
  weights: Int8Array;
  weightScales: Float32Array;
  /** int32, scale input.scale * weightScales[c]. */
  bias?: Int32Array | null;
}

/** An int8 2-D convolution (NHWC), incl. grouped and depthwise. */
export declare class Conv2D {
  private constructor();
  static fromFloat(options: Conv2DFloatOptions): Conv2D;
  static fromQuantized(options: Conv2DQuantizedOptions): Conv2D;
  readonly inputShape: [number, number, number, number];
  readonly outputShape: [number, number, number, number];
  readonly depthwise: boolean;
  readonly input: QuantParams;
  readonly output: QuantParams;
  readonly outputRange: { qmin: number; qmax: number };
  readonly weightScales: Float32Array;
  /** int8 NHWC input -> int8 NHWC output. */
  run(input: Int8Array): Int8Array;
  /** quantize(input) -> run -> dequantize. */
  runFloat(input: Float32Array): Float32Array;
  dispose(): void;
}

export interface FullyConnectedF32Options {
  /** [outFeatures x inFeatures], row-major. */
  weights: Float32Array;
  bias?: Float32Array | null;
  inFeatures: number;
  outFeatures: number;
  activation?: Activation;
}

/** An fp32 fully-connected layer: y = act(x W^T + b). */
export declare class FullyConnectedF32 {
  private constructor();
  static create(options: FullyConnectedF32Options): FullyConnectedF32;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** float [batch x inFeatures] -> float [batch x outFeatures]. */
  run(input: Float32Array, batch?: number): Float32Array;
  dispose(): void;
}

export interface Conv2DF32Options extends Omit<Conv2DOptionsCommon, 'input' | 'output'> {
  /** OHWI: [outChannels][kernelH][kernelW][inChannels / groups]. */
  weights: Float32Array;
  bias?: Float32Array | null;
}

/** An fp32 2-D convolution (NHWC), incl. grouped and depthwise. */
export declare class Conv2DF32 {
  private constructor();
  static create(options: Conv2DF32Options): Conv2DF32;
  readonly inputShape: [number, number, number, number];
  readonly outputShape: [number, number, number, number];
  readonly depthwise: boolean;
  run(input: Float32Array): Float32Array;
  dispose(): void;
}
