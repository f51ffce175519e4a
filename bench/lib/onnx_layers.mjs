// An fp32 ONNX model as a layer list for tfjsModel() (bench/lib/tfjs_model.mjs), so peers that are
// built op by op (tfjs-backend-wasm / XNNPACK) run the same network with the same weights as the
// ONNX file. Covers the ops of the benchmark's models (demo/models/fmnist_*.onnx, torch exports,
// and bench/lib/mobilenetv2.mjs): Conv (plain or depthwise, optional bias), Relu and Clip(0, 6)
// fused into the Conv / Gemm before them, Add, MaxPool, GlobalAveragePool, Flatten, Gemm,
// Identity / Dropout. Anything else throws an Error naming the op and the node.
//
// The layer list (weights and shapes in ONNX terms; the builder handles tfjs's NHWC layout):
//   {op: 'conv', input, output, weights (OIHW), bias, inC, outC, kH, kW, strides: [sh, sw],
//        pads: [top, left, bottom, right], group (1, or inC for depthwise), activation}
//   {op: 'fc', input, output, weights ([out, in]), bias, inFeatures, outFeatures, activation,
//        inputChw?: [C, H, W]}   inputChw: the input is a C x H x W feature map that ONNX flattened
//                                (Flatten before the Gemm), in C, H, W order
//   {op: 'maxpool', input, output, kH, kW, strides: [sh, sw]}
//   {op: 'gap', input, output}      global average pool: C x H x W -> C features
//   {op: 'add', inputs: [a, b], output}
//   {op: 'activation', input, output, activation}   a Relu / Clip not fused into a layer before it
// activation: 'linear', 'relu' or 'relu6'.

import { transpose2d } from './data.mjs';
import { readModel } from './onnx_read.mjs';

const unsupported = (n, why) => new Error(`ONNX ${n.opType} (node '${n.name}') is not supported by the tfjs converter (bench/lib/onnx_layers.mjs): ${why}`);

/**
 * ONNX model bytes (fp32, one NCHW image input) -> {layers, input, inputShape: [C, H, W], output},
 * the arguments of tfjsModel().
 */
export function layersFromOnnx(bytes) {
  const { graph } = readModel(bytes);
  const constants = new Map(graph.initializers.map((t) => [t.name, t]));
  for (const n of graph.nodes) {
    if (n.opType !== 'Constant') continue;
    if (!n.attributes.value) throw unsupported(n, 'only the tensor form (value) of Constant is read');
    constants.set(n.outputs[0], n.attributes.value);
  }
  const graphInputs = graph.inputs.filter((v) => !constants.has(v.name));
  if (graphInputs.length !== 1) throw new Error(`onnx_layers: the model has ${graphInputs.length} inputs, expected one image`);
  const [input] = graphInputs;
  const inputShape = input.shape?.slice(1);
  if (input.shape?.length !== 4 || !inputShape.every(Number.isInteger)) {
    throw new Error(`onnx_layers: input ${input.name} has shape [${input.shape}], expected [N, C, H, W] with fixed C, H, W`);
  }
  if (graph.outputs.length !== 1) throw new Error(`onnx_layers: the model has ${graph.outputs.length} outputs, expected one`);

  // How often each value is read (graph outputs count): a Relu is fused into the layer before it
  // only when it is that layer's only reader.
  const readers = new Map();
  for (const v of [...graph.nodes.flatMap((n) => n.inputs), graph.outputs[0].name]) readers.set(v, (readers.get(v) ?? 0) + 1);

  const layers = [];
  const producer = new Map(); // value -> the layer that writes it
  const shapes = new Map([[input.name, inputShape]]); // value -> [C, H, W] (a feature map) or [F] (features)
  const alias = new Map(); // ONNX value -> the layer-list value it equals (Identity, Dropout, Flatten of features)
  const flattened = new Map(); // ONNX value -> the C x H x W map a Flatten made it from (read by a Gemm only)
  const resolve = (v) => alias.get(v) ?? v;
  const shapeOf = (n, v) => {
    const s = shapes.get(resolve(v));
    if (!s) throw unsupported(n, flattened.has(v) ? `it reads the Flatten output '${v}', which only a Gemm may read` : `its input '${v}' is not a value this converter made`);
    return s;
  };
  const constant = (n, v) => {
    const t = constants.get(v);
    if (!t) throw unsupported(n, `'${v}' must be a constant (an initializer or a Constant node)`);
    return t;
  };
  const add = (layer, shape) => {
    layers.push(layer);
    producer.set(layer.output, layer);
    shapes.set(layer.output, shape);
  };
  // Relu / Clip(0, 6): into the conv / fc that wrote x when this is x's only reader, else a layer.
  const activate = (n, activation) => {
    const x = n.inputs[0];
    const before = producer.get(x);
    if (before && (before.op === 'conv' || before.op === 'fc') && before.activation === 'linear' && readers.get(x) === 1) {
      before.activation = activation;
      before.output = n.outputs[0];
      producer.delete(x);
      producer.set(before.output, before);
      shapes.set(before.output, shapes.get(x));
      shapes.delete(x);
      return;
    }
    add({ op: 'activation', input: resolve(x), output: n.outputs[0], activation }, shapeOf(n, x));
  };

  for (const n of graph.nodes) {
    if (n.domain && n.domain !== 'ai.onnx') throw unsupported(n, `domain '${n.domain}'`);
    const a = (name, fallback) => n.attributes[name] ?? fallback;
    switch (n.opType) {
      case 'Constant':
        break;
      case 'Identity':
      case 'Dropout': // inference: the identity (its optional mask output is not made)
        alias.set(n.outputs[0], resolve(n.inputs[0]));
        break;
      case 'Conv': {
        const [C, H, W] = shapeOf(n, n.inputs[0]);
        const w = constant(n, n.inputs[1]);
        if (w.dims.length !== 4) throw unsupported(n, `weights of rank ${w.dims.length}; only 2-D convolutions are converted`);
        const [outC, inPerGroup, kH, kW] = w.dims;
        const group = a('group', 1);
        if (a('auto_pad', 'NOTSET') !== 'NOTSET') throw unsupported(n, `auto_pad ${a('auto_pad')}`);
        if (a('dilations', [1, 1]).some((d) => d !== 1)) throw unsupported(n, `dilations [${a('dilations')}]`);
        if (inPerGroup * group !== C) throw unsupported(n, `${C} input channels with ${inPerGroup} per group x group ${group}`);
        if (group !== 1 && inPerGroup !== 1) throw unsupported(n, `group ${group} is neither 1 nor depthwise (one input channel per group)`);
        const bias = n.inputs[2] ? constant(n, n.inputs[2]).data : new Float32Array(outC);
        const strides = a('strides', [1, 1]);
        const [pt, pl, pb, pr] = a('pads', [0, 0, 0, 0]);
        const outH = Math.floor((H + pt + pb - kH) / strides[0]) + 1;
        const outW = Math.floor((W + pl + pr - kW) / strides[1]) + 1;
        add({ op: 'conv', input: resolve(n.inputs[0]), output: n.outputs[0], weights: w.data, bias, inC: C, outC, kH, kW, strides, pads: [pt, pl, pb, pr], group, activation: 'linear' }, [outC, outH, outW]);
        break;
      }
      case 'Relu':
        activate(n, 'relu');
        break;
      case 'Clip': {
        // Bounds: inputs 1 and 2 from opset 11, attributes min / max before; '' = absent.
        const bound = (i, name) => (n.inputs[i] ? constant(n, n.inputs[i]).data[0] : a(name, undefined));
        const [lo, hi] = [bound(1, 'min'), bound(2, 'max')];
        if (lo === 0 && hi === 6) activate(n, 'relu6');
        else if (lo === 0 && (hi === undefined || hi === Infinity)) activate(n, 'relu');
        else throw unsupported(n, `bounds (${lo}, ${hi}); only ReLU (0, none) and ReLU6 (0, 6) are converted`);
        break;
      }
      case 'Add': {
        const [s0, s1] = [shapeOf(n, n.inputs[0]), shapeOf(n, n.inputs[1])];
        if (String(s0) !== String(s1)) throw unsupported(n, `shapes [${s0}] and [${s1}]; only same-shape adds are converted`);
        add({ op: 'add', inputs: n.inputs.map(resolve), output: n.outputs[0] }, s0);
        break;
      }
      case 'MaxPool': {
        const [C, H, W] = shapeOf(n, n.inputs[0]);
        const [kH, kW] = a('kernel_shape');
        const strides = a('strides', [1, 1]);
        if (a('auto_pad', 'NOTSET') !== 'NOTSET') throw unsupported(n, `auto_pad ${a('auto_pad')}`);
        if (a('pads', [0, 0, 0, 0]).some((p) => p !== 0)) throw unsupported(n, `pads [${a('pads')}]`);
        if (a('ceil_mode', 0) !== 0) throw unsupported(n, 'ceil_mode 1');
        if (a('dilations', [1, 1]).some((d) => d !== 1)) throw unsupported(n, `dilations [${a('dilations')}]`);
        if (n.outputs.length > 1 && n.outputs[1]) throw unsupported(n, 'the Indices output');
        const outH = Math.floor((H - kH) / strides[0]) + 1;
        const outW = Math.floor((W - kW) / strides[1]) + 1;
        add({ op: 'maxpool', input: resolve(n.inputs[0]), output: n.outputs[0], kH, kW, strides }, [C, outH, outW]);
        break;
      }
      case 'GlobalAveragePool': {
        const s = shapeOf(n, n.inputs[0]);
        if (s.length !== 3) throw unsupported(n, `an input of shape [${s}]`);
        // ONNX keeps C x 1 x 1; the layer list makes it C features (what Flatten then makes of it).
        add({ op: 'gap', input: resolve(n.inputs[0]), output: n.outputs[0] }, [s[0]]);
        break;
      }
      case 'Flatten': {
        const s = shapeOf(n, n.inputs[0]);
        if (a('axis', 1) !== 1) throw unsupported(n, `axis ${a('axis')}`);
        if (s.length === 1) alias.set(n.outputs[0], resolve(n.inputs[0])); // features already
        else flattened.set(n.outputs[0], { value: resolve(n.inputs[0]), chw: s });
        break;
      }
      case 'Gemm': {
        if (a('transA', 0) !== 0 || a('alpha', 1) !== 1 || a('beta', 1) !== 1) {
          throw unsupported(n, `transA ${a('transA', 0)}, alpha ${a('alpha', 1)}, beta ${a('beta', 1)}; only transA 0, alpha = beta = 1 are converted`);
        }
        const flat = flattened.get(n.inputs[0]);
        const s = flat ? [flat.chw.reduce((x, y) => x * y, 1)] : shapeOf(n, n.inputs[0]);
        if (s.length !== 1) throw unsupported(n, `an input of shape [${s}] (a feature map that no Flatten made features)`);
        const [inFeatures] = s;
        const b = constant(n, n.inputs[1]);
        const transB = a('transB', 0);
        const [outFeatures, k] = transB ? b.dims : [b.dims[1], b.dims[0]];
        if (k !== inFeatures) throw unsupported(n, `B of shape [${b.dims}] (transB ${transB}) for ${inFeatures} input features`);
        // The layer list keeps fc weights as [out, in] (ONNX's transB = 1 layout).
        const weights = transB ? b.data : transpose2d(b.data, k, outFeatures);
        let bias = new Float32Array(outFeatures);
        if (n.inputs[2]) {
          const c = constant(n, n.inputs[2]);
          if (c.data.length === outFeatures) bias = c.data;
          else if (c.data.length === 1) bias.fill(c.data[0]);
          else throw unsupported(n, `C of shape [${c.dims}]`);
        }
        const layer = { op: 'fc', input: flat ? flat.value : resolve(n.inputs[0]), output: n.outputs[0], weights, bias, inFeatures, outFeatures, activation: 'linear' };
        if (flat) layer.inputChw = flat.chw;
        add(layer, [outFeatures]);
        break;
      }
      default:
        throw unsupported(n, 'no conversion for this op');
    }
  }
  const output = resolve(graph.outputs[0].name);
  if (!producer.has(output)) throw new Error(`onnx_layers: the graph output '${graph.outputs[0].name}' is not made by a converted layer`);
  return { layers, input: input.name, inputShape, output };
}
