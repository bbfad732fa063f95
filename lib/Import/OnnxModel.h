//===- OnnxModel.h - An ONNX model as plain C++ data ------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The part of an ONNX ModelProto the importer needs, copied out of protobuf
// into plain structs. Only OnnxReader.cpp touches protobuf (and is compiled
// with -fexceptions); the MLIR-building code sees these structs only.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_LIB_IMPORT_ONNXMODEL_H
#define MPQ_LIB_IMPORT_ONNXMODEL_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mpq::onnx_import {

/// ONNX TensorProto.DataType values the importer knows by name.
enum DataType : int {
  kUndefined = 0,
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUInt32 = 12,
  kUInt64 = 13,
};

/// Name of an ONNX data type for messages ("float", "int8", ...).
const char *dataTypeName(int dataType);

/// The number of elements of `shape`, or std::nullopt if a dimension is
/// negative or the product overflows int64. Every shape that enters the
/// importer is counted with this once, where it enters.
std::optional<int64_t> checkedElementCount(const std::vector<int64_t> &shape);

/// "[2, 3, 4]", for messages.
std::string shapeString(const std::vector<int64_t> &shape);

/// A host-side tensor: floating-point data as float, every integer or
/// boolean type as int64 (exact for the types ONNX CNNs use). The reader and
/// the importer keep `floats` or `ints` at exactly numElements() entries,
/// with the element count checked (checkedElementCount) and within the
/// import's size limit.
struct Tensor {
  int dataType = kUndefined;
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> ints;

  bool isFloat() const { return dataType == kFloat || dataType == kDouble; }
  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

struct Attribute {
  enum Kind { Int, Float, String, Ints, Floats, TensorKind, Other };
  Kind kind = Other;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  Tensor t;
};

struct Node {
  std::string opType, domain, name;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, Attribute> attributes;
};

/// One dimension of a graph input or output: a value or a symbol.
struct Dim {
  bool known = false;
  int64_t value = 0;
  std::string param;
};

struct ValueInfo {
  std::string name;
  int elemType = kUndefined;
  bool hasShape = false;
  std::vector<Dim> dims;
};

struct Model {
  int64_t irVersion = 0;
  std::string producer;
  std::string graphName;
  /// Opset version per domain ("" is the default ONNX domain).
  std::map<std::string, int64_t> opsets;
  std::vector<ValueInfo> inputs, outputs;
  std::vector<std::pair<std::string, Tensor>> initializers;
  std::vector<Node> nodes;
};

/// Parses a serialized ModelProto. Returns an empty string on success,
/// otherwise the reason (without the file name). Never throws. A tensor with
/// more than `maxTensorElements` elements, or whose element count overflows,
/// is an error naming it and its shape.
std::string readOnnxModel(const char *data, size_t size, Model &model,
                          int64_t maxTensorElements);

} // namespace mlir::mpq::onnx_import

#endif // MPQ_LIB_IMPORT_ONNXMODEL_H
