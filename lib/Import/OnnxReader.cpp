//===- OnnxReader.cpp - ModelProto to plain structs -----------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The only file that touches protobuf and libonnx. It is compiled with
// -fexceptions (libonnx and protobuf may throw) and catches everything at its
// one entry point, readOnnxModel, turning it into an error string.
//
//===----------------------------------------------------------------------===//

#include "OnnxModel.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <exception>

using namespace mlir::mpq::onnx_import;

std::optional<int64_t>
mlir::mpq::onnx_import::checkedElementCount(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return std::nullopt;
  return n;
}

std::string
mlir::mpq::onnx_import::shapeString(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

const char *mlir::mpq::onnx_import::dataTypeName(int dataType) {
  switch (dataType) {
  case kFloat:
    return "float";
  case kUInt8:
    return "uint8";
  case kInt8:
    return "int8";
  case kUInt16:
    return "uint16";
  case kInt16:
    return "int16";
  case kInt32:
    return "int32";
  case kInt64:
    return "int64";
  case kString:
    return "string";
  case kBool:
    return "bool";
  case kFloat16:
    return "float16";
  case kDouble:
    return "double";
  case kUInt32:
    return "uint32";
  case kUInt64:
    return "uint64";
  default:
    return "unknown";
  }
}

namespace {
/// Thrown inside this file only; caught in readOnnxModel.
struct ReadError : std::exception {
  explicit ReadError(std::string message) : message(std::move(message)) {}
  const char *what() const noexcept override { return message.c_str(); }
  std::string message;
};
} // namespace

/// Copies `count` little-endian elements of type T out of raw_data.
template <typename T, typename Out>
static void copyRaw(const std::string &raw, int64_t count,
                    std::vector<Out> &out) {
  // count is at most the import's element limit, so count * sizeof(T) does
  // not overflow.
  if (raw.size() != static_cast<size_t>(count) * sizeof(T))
    throw ReadError("raw_data holds " + std::to_string(raw.size()) +
                    " bytes, expected " +
                    std::to_string(count * int64_t(sizeof(T))));
  out.resize(count);
  if (count == 0)
    return; // no memcpy from (or to) a null pointer
  if constexpr (std::is_same_v<T, Out>) {
    std::memcpy(out.data(), raw.data(), raw.size());
  } else {
    for (int64_t i = 0; i < count; ++i) {
      T value;
      std::memcpy(&value, raw.data() + i * sizeof(T), sizeof(T));
      out[i] = static_cast<Out>(value);
    }
  }
}

template <typename Field, typename Out>
static void copyField(const Field &field, int64_t count,
                      std::vector<Out> &out) {
  if (static_cast<int64_t>(field.size()) != count)
    throw ReadError("holds " + std::to_string(field.size()) +
                    " elements, expected " + std::to_string(count));
  out.assign(field.begin(), field.end());
}

static Tensor convertTensor(const onnx::TensorProto &proto,
                            int64_t maxElements) {
  Tensor t;
  t.dataType = proto.data_type();
  t.shape.assign(proto.dims().begin(), proto.dims().end());
  for (int64_t d : t.shape)
    if (d < 0)
      throw ReadError("tensor '" + proto.name() +
                      "' has a negative dimension " + std::to_string(d) +
                      " (shape " + shapeString(t.shape) + ")");
  std::optional<int64_t> count = checkedElementCount(t.shape);
  if (!count)
    throw ReadError("tensor '" + proto.name() + "' has shape " +
                    shapeString(t.shape) +
                    ", whose element count overflows int64");
  if (*count > maxElements)
    throw ReadError("tensor '" + proto.name() + "' has shape " +
                    shapeString(t.shape) + ": " + std::to_string(*count) +
                    " elements, more than the limit of " +
                    std::to_string(maxElements));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw ReadError("tensor '" + proto.name() +
                    "' keeps its data in an external file, which is not "
                    "supported");
  int64_t n = *count;
  const std::string &raw = proto.raw_data();
  bool hasRaw = proto.has_raw_data();
  try {
    switch (t.dataType) {
    case kFloat:
      hasRaw ? copyRaw<float>(raw, n, t.floats)
             : copyField(proto.float_data(), n, t.floats);
      break;
    case kDouble:
      hasRaw ? copyRaw<double>(raw, n, t.floats)
             : copyField(proto.double_data(), n, t.floats);
      break;
    case kInt64:
      hasRaw ? copyRaw<int64_t>(raw, n, t.ints)
             : copyField(proto.int64_data(), n, t.ints);
      break;
    case kInt32:
      hasRaw ? copyRaw<int32_t>(raw, n, t.ints)
             : copyField(proto.int32_data(), n, t.ints);
      break;
    case kInt16:
      hasRaw ? copyRaw<int16_t>(raw, n, t.ints)
             : copyField(proto.int32_data(), n, t.ints);
      break;
    case kUInt16:
      hasRaw ? copyRaw<uint16_t>(raw, n, t.ints)
             : copyField(proto.int32_data(), n, t.ints);
      break;
    case kInt8:
      hasRaw ? copyRaw<int8_t>(raw, n, t.ints)
             : copyField(proto.int32_data(), n, t.ints);
      break;
    case kUInt8:
    case kBool:
      hasRaw ? copyRaw<uint8_t>(raw, n, t.ints)
             : copyField(proto.int32_data(), n, t.ints);
      break;
    case kUInt32:
      hasRaw ? copyRaw<uint32_t>(raw, n, t.ints)
             : copyField(proto.uint64_data(), n, t.ints);
      break;
    default:
      throw ReadError("tensor '" + proto.name() + "' has data type " +
                      dataTypeName(t.dataType) + ", which is not supported");
    }
  } catch (const ReadError &e) {
    if (e.message.rfind("tensor '", 0) == 0)
      throw;
    throw ReadError("tensor '" + proto.name() + "' " + e.message);
  }
  return t;
}

static Attribute convertAttribute(const onnx::AttributeProto &proto,
                                  int64_t maxElements) {
  Attribute a;
  switch (proto.type()) {
  case onnx::AttributeProto::INT:
    a.kind = Attribute::Int;
    a.i = proto.i();
    break;
  case onnx::AttributeProto::FLOAT:
    a.kind = Attribute::Float;
    a.f = proto.f();
    break;
  case onnx::AttributeProto::STRING:
    a.kind = Attribute::String;
    a.s = proto.s();
    break;
  case onnx::AttributeProto::INTS:
    a.kind = Attribute::Ints;
    a.ints.assign(proto.ints().begin(), proto.ints().end());
    break;
  case onnx::AttributeProto::FLOATS:
    a.kind = Attribute::Floats;
    a.floats.assign(proto.floats().begin(), proto.floats().end());
    break;
  case onnx::AttributeProto::TENSOR:
    a.kind = Attribute::TensorKind;
    a.t = convertTensor(proto.t(), maxElements);
    break;
  default:
    a.kind = Attribute::Other;
    break;
  }
  return a;
}

static ValueInfo convertValueInfo(const onnx::ValueInfoProto &proto) {
  ValueInfo info;
  info.name = proto.name();
  if (!proto.type().has_tensor_type())
    return info;
  const auto &tensorType = proto.type().tensor_type();
  info.elemType = tensorType.elem_type();
  if (!tensorType.has_shape())
    return info;
  info.hasShape = true;
  for (const auto &dim : tensorType.shape().dim()) {
    Dim d;
    if (dim.has_dim_value()) {
      d.known = true;
      d.value = dim.dim_value();
    } else if (dim.has_dim_param()) {
      d.param = dim.dim_param();
    }
    info.dims.push_back(d);
  }
  return info;
}

static void convertModel(const onnx::ModelProto &proto, Model &model,
                         int64_t maxElements) {
  model.irVersion = proto.ir_version();
  model.producer = proto.producer_name();
  for (const auto &opset : proto.opset_import())
    model.opsets[opset.domain() == "ai.onnx" ? "" : opset.domain()] =
        opset.version();
  const onnx::GraphProto &graph = proto.graph();
  model.graphName = graph.name();
  for (const auto &input : graph.input())
    model.inputs.push_back(convertValueInfo(input));
  for (const auto &output : graph.output())
    model.outputs.push_back(convertValueInfo(output));
  model.initializers.reserve(graph.initializer_size());
  for (const auto &init : graph.initializer())
    model.initializers.emplace_back(init.name(),
                                    convertTensor(init, maxElements));
  model.nodes.reserve(graph.node_size());
  for (const auto &nodeProto : graph.node()) {
    Node node;
    node.opType = nodeProto.op_type();
    node.domain = nodeProto.domain() == "ai.onnx" ? "" : nodeProto.domain();
    node.name = nodeProto.name();
    node.inputs.assign(nodeProto.input().begin(), nodeProto.input().end());
    node.outputs.assign(nodeProto.output().begin(), nodeProto.output().end());
    for (const auto &attr : nodeProto.attribute()) {
      try {
        node.attributes[attr.name()] = convertAttribute(attr, maxElements);
      } catch (const ReadError &e) {
        throw ReadError("attribute '" + attr.name() + "' of node '" +
                        node.name + "': " + e.message);
      }
    }
    model.nodes.push_back(std::move(node));
  }
}

std::string mlir::mpq::onnx_import::readOnnxModel(const char *data, size_t size,
                                                  Model &model,
                                                  int64_t maxTensorElements) {
  try {
    if (size > static_cast<size_t>(INT32_MAX))
      return "cannot parse: larger than protobuf's 2 GiB limit";
    onnx::ModelProto proto;
    if (!proto.ParseFromArray(data, static_cast<int>(size))) {
      // What a failed parse left behind tells a cut-off model from a file
      // that was never one.
      if (proto.ir_version() > 0 || proto.has_graph() ||
          proto.opset_import_size() > 0)
        return "cannot parse: truncated protobuf (the file stops or is "
               "corrupt after a valid ONNX prefix)";
      return "cannot parse: not an ONNX ModelProto";
    }
    if (!proto.has_graph() || proto.ir_version() <= 0)
      return "cannot parse: not an ONNX ModelProto (no graph or ir_version)";
    convertModel(proto, model, maxTensorElements);
    return "";
  } catch (const std::exception &e) {
    return std::string("cannot read the model: ") + e.what();
  } catch (...) {
    return "cannot read the model: unknown exception";
  }
}
