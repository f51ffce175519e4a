// A small ONNX protobuf *writer*: enough to build single-op (or few-op) models in memory for
// benchmarks and tests. No dependencies. Field numbers are those of onnx/onnx.proto.
//
//   const bytes = makeModel({
//     inputs: [valueInfo('x', DataType.FLOAT, [1, 3, 8, 8])],
//     outputs: [valueInfo('y', DataType.FLOAT, [1, 4, 8, 8])],
//     nodes: [node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1], group: 1 })],
//     initializers: [tensor('w', DataType.FLOAT, [4, 3, 3, 3], new Float32Array(108))],
//   });
//
// Protobuf encoding used here: a field is a key varint (fieldNumber << 3 | wireType) and a value;
// wire type 0 = varint (int32/int64/enum), 2 = length-delimited (string, bytes, sub-message,
// packed repeated), 5 = 32-bit (float).

/** onnx.TensorProto.DataType */
export const DataType = Object.freeze({
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
});

/** onnx.AttributeProto.AttributeType */
const AttributeType = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 });

const textEncoder = new TextEncoder();

// --- the protobuf wire format -------------------------------------------------------------------

/** Appends fields to a growing list of byte chunks; finish() concatenates them. */
class Writer {
  constructor() {
    this.chunks = [];
  }

  // Varints carry int64 values: negative numbers are written as their 64-bit two's complement
  // (10 bytes), as protobuf does for int32/int64 fields.
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.chunks.push(Uint8Array.from(bytes));
    return this;
  }

  key(field, wireType) {
    return this.varint((field << 3) | wireType);
  }

  int(field, value) {
    return this.key(field, 0).varint(value);
  }

  float(field, value) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.key(field, 5);
    this.chunks.push(b);
    return this;
  }

  bytes(field, data) {
    const u8 = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.key(field, 2).varint(u8.length);
    this.chunks.push(u8);
    return this;
  }

  string(field, s) {
    return this.bytes(field, textEncoder.encode(s));
  }

  /** A sub-message: `build` writes its fields into a fresh Writer. */
  message(field, build) {
    const sub = new Writer();
    build(sub);
    return this.bytes(field, sub.finish());
  }

  /** Packed repeated varints (int64 lists such as dims or INTS attributes). */
  packedVarints(field, values) {
    const sub = new Writer();
    for (const v of values) sub.varint(v);
    return this.bytes(field, sub.finish());
  }

  /** Packed repeated floats (FLOATS attributes). */
  packedFloats(field, values) {
    const b = new Uint8Array(4 * values.length);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat32(4 * i, v, true));
    return this.bytes(field, b);
  }

  finish() {
    const size = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

// --- ONNX messages as plain objects ---------------------------------------------------------------

/**
 * A tensor (initializer). `data` is a typed array whose element type matches `dataType`
 * (Float32Array for FLOAT, Uint8Array for UINT8, Int8Array for INT8, Int32Array for INT32,
 * BigInt64Array for INT64); it is stored as little-endian raw_data.
 */
export function tensor(name, dataType, dims, data) {
  const count = dims.reduce((n, d) => n * d, 1);
  if (data.length !== count) {
    throw new Error(`onnx.tensor ${name}: ${data.length} values for dims [${dims}] (${count})`);
  }
  return { name, dataType, dims, data };
}

/** A graph input or output: name, element type and a fixed shape (numbers; a string is a symbolic dim). */
export function valueInfo(name, elemType, shape) {
  return { name, elemType, shape };
}

/**
 * A node. `attributes` maps name -> value: an integer (INT), a non-integer number or
 * {float: x} (FLOAT), a string (STRING), an array of integers (INTS), {floats: [...]} (FLOATS),
 * or {tensor: tensor(...)} (TENSOR).
 */
export function node(opType, inputs, outputs, attributes = {}, { name, domain } = {}) {
  return { opType, inputs, outputs, attributes, name: name ?? `${opType}_${outputs[0]}`, domain };
}

function writeTensor(w, t) {
  w.packedVarints(1, t.dims); // dims
  w.int(2, t.dataType); // data_type
  w.string(8, t.name); // name
  w.bytes(9, t.data); // raw_data (little-endian on every platform JS runs on)
}

function writeAttribute(w, name, value) {
  w.string(1, name);
  if (typeof value === 'number' && Number.isInteger(value)) {
    w.int(3, value).int(20, AttributeType.INT); // i
  } else if (typeof value === 'number') {
    w.float(2, value).int(20, AttributeType.FLOAT); // f
  } else if (typeof value === 'string') {
    w.string(4, value).int(20, AttributeType.STRING); // s
  } else if (Array.isArray(value)) {
    w.packedVarints(8, value).int(20, AttributeType.INTS); // ints
  } else if (value && typeof value.float === 'number') {
    w.float(2, value.float).int(20, AttributeType.FLOAT);
  } else if (value && Array.isArray(value.floats)) {
    w.packedFloats(7, value.floats).int(20, AttributeType.FLOATS); // floats
  } else if (value && value.tensor) {
    w.message(5, (t) => writeTensor(t, value.tensor)).int(20, AttributeType.TENSOR); // t
  } else {
    throw new Error(`onnx attribute ${name}: unsupported value ${String(value)}`);
  }
}

function writeNode(w, n) {
  for (const i of n.inputs) w.string(1, i); // input ('' = an omitted optional input)
  for (const o of n.outputs) w.string(2, o); // output
  w.string(3, n.name); // name
  w.string(4, n.opType); // op_type
  for (const [k, v] of Object.entries(n.attributes)) w.message(5, (a) => writeAttribute(a, k, v));
  if (n.domain) w.string(7, n.domain); // domain
}

function writeValueInfo(w, v) {
  w.string(1, v.name); // name
  w.message(2, (type) => // type: TypeProto
    type.message(1, (tt) => { // tensor_type: TypeProto.Tensor
      tt.int(1, v.elemType); // elem_type
      tt.message(2, (shape) => { // shape: TensorShapeProto
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d))); // dim_param / dim_value
        }
      });
    }));
}

/**
 * Serializes a ModelProto (ir_version 8, one opset import) holding one graph.
 * Returns the model bytes (Uint8Array), ready for ort.InferenceSession.create().
 */
export function makeModel({
  inputs,
  outputs,
  nodes,
  initializers = [],
  name = 'graph',
  opset = 13,
  irVersion = 8,
  producer = 'wasm-int8 bench',
}) {
  const w = new Writer();
  w.int(1, irVersion); // ir_version
  w.string(2, producer); // producer_name
  w.message(7, (g) => { // graph: GraphProto
    for (const n of nodes) g.message(1, (m) => writeNode(m, n)); // node
    g.string(2, name); // name
    for (const t of initializers) g.message(5, (m) => writeTensor(m, t)); // initializer
    for (const v of inputs) g.message(11, (m) => writeValueInfo(m, v)); // input
    for (const v of outputs) g.message(12, (m) => writeValueInfo(m, v)); // output
  });
  w.message(8, (o) => o.string(1, '').int(2, opset)); // opset_import: domain "", version
  return w.finish();
}
