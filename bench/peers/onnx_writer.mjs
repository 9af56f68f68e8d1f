// onnx_writer.mjs: a minimal writer of ONNX model files: the protobuf wire format
// (protobuf.dev, "Encoding": varints, tag = field << 3 | wire type, wire type 0 for varints,
// 2 for length-delimited bytes, strings and sub-messages, 5 for fixed 32-bit floats) for the
// few messages of onnx/onnx.proto that an inference graph of float32 tensors needs. Field
// numbers are onnx.proto's (IR version 7):
//   ModelProto          ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
//   OperatorSetIdProto  domain 1, version 2
//   GraphProto          node 1, name 2, initializer 5, input 11, output 12
//   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5
//   AttributeProto      name 1, f 2, i 3, ints 8, type 20 (AttributeType FLOAT 1, INT 2, INTS 7)
//   TensorProto         dims 1, data_type 2 (DataType FLOAT 1), name 8, raw_data 9 (little endian)
//   ValueInfoProto      name 1, type 2
//   TypeProto           tensor_type 1;  TypeProto.Tensor  elem_type 1, shape 2
//   TensorShapeProto    dim 1;  TensorShapeProto.Dimension  dim_value 1
// Only what this benchmark writes is here; nothing reads ONNX back.

const FLOAT = 1; // TensorProto.DataType FLOAT, TypeProto.Tensor.elem_type
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7; // AttributeProto.AttributeType

// Message collects one protobuf message's encoded fields as byte chunks.
class Message {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  push(bytes) {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
  tag(field, wireType) {
    return this.push(varint(field * 8 + wireType));
  }
  // int writes a varint field (int32, int64, enum); negative values would need ten bytes
  // and none are written here.
  int(field, v) {
    if (v < 0 || !Number.isSafeInteger(v)) throw new Error(`onnx_writer: cannot write ${v} as a varint`);
    return this.tag(field, 0).push(varint(v));
  }
  float(field, v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(field, 5).push(b);
  }
  bytes(field, b) {
    return this.tag(field, 2).push(varint(b.length)).push(b);
  }
  string(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field, m) {
    this.tag(field, 2).push(varint(m.length));
    for (const c of m.chunks) this.push(c);
    return this;
  }
  // packedInts writes a repeated varint field in packed form (proto3's default, which proto2
  // readers accept too).
  packedInts(field, values) {
    const m = new Message();
    for (const v of values) m.push(varint(v));
    return this.tag(field, 2).push(varint(m.length)).push(concat(m));
  }
}

function varint(v) {
  const out = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(m) {
  const out = new Uint8Array(m.length);
  let off = 0;
  for (const c of m.chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

// tensorProto is a float32 initializer: name, dims and the data as raw_data.
function tensorProto(name, dims, data) {
  if (dims.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`onnx_writer: ${name} has ${data.length} values for dims ${dims}`);
  const m = new Message().packedInts(1, dims).int(2, FLOAT).string(8, name);
  return m.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

// valueInfo is a float32 graph input or output of a fixed shape.
function valueInfo(name, dims) {
  const shape = new Message();
  for (const d of dims) shape.message(1, new Message().int(1, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

// attribute encodes one node attribute from a JS value: an integer, a float (a non-integer
// number, or {float: v}) or an array of integers.
function attribute(name, v) {
  const m = new Message().string(1, name);
  if (Array.isArray(v)) return m.int(20, ATTR_INTS).packedInts(8, v);
  if (typeof v === 'object') return m.int(20, ATTR_FLOAT).float(2, v.float);
  if (Number.isInteger(v)) return m.int(20, ATTR_INT).int(3, v);
  return m.int(20, ATTR_FLOAT).float(2, v);
}

// GraphWriter accumulates a graph's initializers and nodes and serializes the model.
export class GraphWriter {
  constructor(name) {
    this.name = name;
    this.nodes = [];
    this.initializers = [];
    this.inputs = [];
    this.outputs = [];
  }
  input(name, dims) {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }
  output(name, dims) {
    this.outputs.push(valueInfo(name, dims));
    return name;
  }
  initializer(name, dims, data) {
    this.initializers.push(tensorProto(name, dims, data));
    return name;
  }
  // node adds opType(inputs) → outputs with attributes attrs (name → value); returns outputs[0].
  node(opType, name, inputs, outputs, attrs = {}) {
    const m = new Message();
    for (const i of inputs) m.string(1, i);
    for (const o of outputs) m.string(2, o);
    m.string(3, name).string(4, opType);
    for (const [k, v] of Object.entries(attrs)) m.message(5, attribute(k, v));
    this.nodes.push(m);
    return outputs[0];
  }
  // modelBytes is the ModelProto: IR version 7, the default ONNX domain at opset.
  modelBytes(opset, producer = 'graft bench/peers') {
    const g = new Message();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, t);
    for (const v of this.inputs) g.message(11, v);
    for (const v of this.outputs) g.message(12, v);
    const model = new Message().int(1, 7).string(2, producer).string(3, '1').message(7, g);
    model.message(8, new Message().string(1, '').int(2, opset));
    return concat(model);
  }
}
