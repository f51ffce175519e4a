// A small ONNX protobuf *reader*, the counterpart of onnx.mjs's writer: enough of ModelProto to
// rebuild a model's graph in another engine (bench/lib/onnx_layers.mjs). No dependencies. Field
// numbers are those of onnx/onnx.proto.
//
//   const { opset, graph } = readModel(bytes);
//   graph.nodes         [{opType, name, domain, inputs, outputs, attributes: {name: value}}]
//   graph.initializers  [{name, dataType, dims, data}]   (data: Float32Array for FLOAT, Number[] for INT64 / INT32)
//   graph.inputs        [{name, elemType, shape}]         (shape entries: numbers, or strings where symbolic)
//   graph.outputs       likewise
//
// Attribute values: a number (FLOAT, INT), a string (STRING), a tensor (TENSOR), an array of
// numbers (FLOATS, INTS). Tensors stored outside the file (external data) are rejected.

import { DataType } from './onnx.mjs';

const textDecoder = new TextDecoder();

// --- the protobuf wire format -------------------------------------------------------------------

/** The varint at bytes[at]: [value, the offset after it]. int64 values beyond 2^53 lose precision (no field read here needs them). */
function varint(bytes, at) {
  let v = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (at >= bytes.length) throw new Error(`onnx_read: truncated varint at byte ${at}`);
    const b = bytes[at++];
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [Number(BigInt.asIntN(64, v)), at];
  }
}

/**
 * The fields of one message, in order: {field, wire, value}. value is a Number for varints
 * (wire 0), a Uint8Array view for length-delimited fields (wire 2), a DataView of 4 or 8 bytes
 * for fixed32 (wire 5) and fixed64 (wire 1).
 */
function* fields(bytes) {
  let at = 0;
  while (at < bytes.length) {
    let key;
    [key, at] = varint(bytes, at);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value;
    if (wire === 0) {
      [value, at] = varint(bytes, at);
    } else if (wire === 2) {
      let n;
      [n, at] = varint(bytes, at);
      if (at + n > bytes.length) throw new Error(`onnx_read: field ${field} runs past the end (byte ${at})`);
      value = bytes.subarray(at, at + n);
      at += n;
    } else if (wire === 5 || wire === 1) {
      const n = wire === 5 ? 4 : 8;
      if (at + n > bytes.length) throw new Error(`onnx_read: field ${field} runs past the end (byte ${at})`);
      value = new DataView(bytes.buffer, bytes.byteOffset + at, n);
      at += n;
    } else {
      throw new Error(`onnx_read: unsupported wire type ${wire} (field ${field}, byte ${at})`);
    }
    yield { field, wire, value };
  }
}

/** A repeated varint field, packed (wire 2: a bare run of varints) or not (wire 0): appends to `out`. */
function varints(f, out) {
  if (f.wire === 0) {
    out.push(f.value);
    return;
  }
  for (let at = 0, v; at < f.value.length; out.push(v)) [v, at] = varint(f.value, at);
}

/** A repeated float field, packed (wire 2) or not (wire 5): appends to `out`. */
function floats(f, out) {
  if (f.wire === 5) {
    out.push(f.value.getFloat32(0, true));
  } else {
    const dv = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
    for (let i = 0; i + 4 <= f.value.byteLength; i += 4) out.push(dv.getFloat32(i, true));
  }
}

const string = (f) => textDecoder.decode(f.value);

// --- ONNX messages --------------------------------------------------------------------------------

/** TensorProto -> {name, dataType, dims, data}. */
export function readTensor(bytes) {
  const t = { name: '', dataType: 0, dims: [], raw: null, floatData: [], intData: [], external: false };
  for (const f of fields(bytes)) {
    if (f.field === 1) varints(f, t.dims); // dims
    else if (f.field === 2) t.dataType = f.value; // data_type
    else if (f.field === 4) floats(f, t.floatData); // float_data
    else if (f.field === 5 || f.field === 7) varints(f, t.intData); // int32_data, int64_data
    else if (f.field === 8) t.name = string(f); // name
    else if (f.field === 9) t.raw = f.value; // raw_data
    else if (f.field === 14) t.external = f.value === 1; // data_location: EXTERNAL
  }
  if (t.external) throw new Error(`onnx_read: tensor ${t.name} keeps its data outside the file (external data)`);
  const count = t.dims.reduce((n, d) => n * d, 1);
  let data;
  if (t.dataType === DataType.FLOAT) {
    // Copied, so the Float32Array is aligned and does not keep the model's bytes alive.
    data = t.raw ? new Float32Array(new Uint8Array(t.raw).buffer) : Float32Array.from(t.floatData);
  } else if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32) {
    if (t.raw) {
      const dv = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
      const size = t.dataType === DataType.INT64 ? 8 : 4;
      data = Array.from({ length: t.raw.byteLength / size }, (_, i) =>
        size === 8 ? Number(dv.getBigInt64(8 * i, true)) : dv.getInt32(4 * i, true));
    } else {
      data = t.intData;
    }
  } else {
    throw new Error(`onnx_read: tensor ${t.name} has data type ${t.dataType}; only FLOAT, INT32 and INT64 are read`);
  }
  if (data.length !== count) throw new Error(`onnx_read: tensor ${t.name} has ${data.length} values for dims [${t.dims}]`);
  return { name: t.name, dataType: t.dataType, dims: t.dims, data };
}

function readAttribute(bytes) {
  let name = '';
  let type = 0;
  const v = { f: 0, i: 0, s: '', t: null, floats: [], ints: [] };
  for (const f of fields(bytes)) {
    if (f.field === 1) name = string(f); // name
    else if (f.field === 2) v.f = f.value.getFloat32(0, true); // f
    else if (f.field === 3) v.i = f.value; // i
    else if (f.field === 4) v.s = string(f); // s
    else if (f.field === 5) v.t = readTensor(f.value); // t
    else if (f.field === 7) floats(f, v.floats); // floats
    else if (f.field === 8) varints(f, v.ints); // ints
    else if (f.field === 20) type = f.value; // type
  }
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7.
  const byType = { 1: v.f, 2: v.i, 3: v.s, 4: v.t, 6: v.floats, 7: v.ints };
  if (!(type in byType)) throw new Error(`onnx_read: attribute ${name} has type ${type}, which is not read`);
  return [name, byType[type]];
}

function readNode(bytes) {
  const n = { opType: '', name: '', domain: '', inputs: [], outputs: [], attributes: {} };
  for (const f of fields(bytes)) {
    if (f.field === 1) n.inputs.push(string(f)); // input ('' = an omitted optional input)
    else if (f.field === 2) n.outputs.push(string(f)); // output
    else if (f.field === 3) n.name = string(f); // name
    else if (f.field === 4) n.opType = string(f); // op_type
    else if (f.field === 5) {
      const [k, v] = readAttribute(f.value); // attribute
      n.attributes[k] = v;
    } else if (f.field === 7) n.domain = string(f); // domain
  }
  return n;
}

function readValueInfo(bytes) {
  const v = { name: '', elemType: 0, shape: null };
  for (const f of fields(bytes)) {
    if (f.field === 1) v.name = string(f); // name
    if (f.field !== 2) continue; // type: TypeProto
    for (const t of fields(f.value)) {
      if (t.field !== 1) continue; // tensor_type: TypeProto.Tensor
      for (const tt of fields(t.value)) {
        if (tt.field === 1) v.elemType = tt.value; // elem_type
        if (tt.field !== 2) continue; // shape: TensorShapeProto
        v.shape = [];
        for (const d of fields(tt.value)) {
          if (d.field !== 1) continue; // dim
          let dim = null;
          for (const x of fields(d.value)) {
            if (x.field === 1) dim = x.value; // dim_value
            else if (x.field === 2) dim = string(x); // dim_param
          }
          v.shape.push(dim);
        }
      }
    }
  }
  return v;
}

/** ModelProto bytes -> {irVersion, opset (of the default domain), producer, graph}. */
export function readModel(bytes) {
  // A plain Uint8Array view (a Node Buffer's subarray() and slice() differ from Uint8Array's).
  const data = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  const model = { irVersion: 0, opset: 0, producer: '', graph: null };
  for (const f of fields(data)) {
    if (f.field === 1) model.irVersion = f.value; // ir_version
    else if (f.field === 2) model.producer = string(f); // producer_name
    else if (f.field === 7) { // graph: GraphProto
      const g = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
      for (const x of fields(f.value)) {
        if (x.field === 1) g.nodes.push(readNode(x.value)); // node
        else if (x.field === 2) g.name = string(x); // name
        else if (x.field === 5) g.initializers.push(readTensor(x.value)); // initializer
        else if (x.field === 11) g.inputs.push(readValueInfo(x.value)); // input
        else if (x.field === 12) g.outputs.push(readValueInfo(x.value)); // output
      }
      model.graph = g;
    } else if (f.field === 8) { // opset_import: OperatorSetIdProto
      let domain = '';
      let version = 0;
      for (const x of fields(f.value)) {
        if (x.field === 1) domain = string(x);
        else if (x.field === 2) version = x.value;
      }
      if (domain === '' || domain === 'ai.onnx') model.opset = version;
    }
  }
  if (!model.graph) throw new Error('onnx_read: no graph in the model');
  return model;
}
