//===- OnnxImporter.h - ONNX models to mpq graph IR -------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Imports an ONNX model (float, QDQ or QONNX) into one func.func of mpq
// graph-level ops with its weights as dense constants, in the deployment
// form: shape subgraphs folded, NHWC activations and OHWI weights inside, the
// function's arguments and results in the model's own layout.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_IMPORT_ONNXIMPORTER_H
#define MPQ_IMPORT_ONNXIMPORTER_H

#include "mpq/Support/EnumOption.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace mlir::mpq {

/// The layout of 4-D model inputs (and of their calibration data): the ONNX
/// graph's (NCHW), or channels last (no input transpose).
enum class InputLayout { Model, NHWC };

template <>
struct EnumTraits<InputLayout> {
  static constexpr const char *kind = "input layout";
  static llvm::ArrayRef<EnumEntry<InputLayout>> entries() {
    static const EnumEntry<InputLayout> table[] = {
        {InputLayout::Model, "model"}, {InputLayout::NHWC, "nhwc"}};
    return table;
  }
};

/// A shape for a graph input (`--input-shape=name:1x49x10x1`): it binds the
/// input's symbolic dimensions to sizes.
struct InputShape {
  std::string name;
  std::vector<int64_t> dims;
};

/// Parses "NAME:DxDx...D" (the name is everything before the last ':', so
/// tf2onnx names like "input_1:0" work; every D a positive integer). On
/// error returns std::nullopt and sets `error` to the reason.
std::optional<InputShape> parseInputShape(llvm::StringRef text,
                                          std::string &error);

struct OnnxImportOptions {
  /// Name of the imported function; empty means the sanitized graph name
  /// (the file's stem if the graph has none).
  std::string funcName;
  /// Run -canonicalize after import (cancels layout transposes, folds
  /// reshapes, removes dead constants). Off only to debug the importer.
  bool canonicalize = true;
  /// Rank-4 (NCHW) graph inputs become NHWC function arguments: the caller
  /// passes channels-last data (as cameras and most MCU pipelines produce),
  /// and the model needs no input transpose, so no second image-sized
  /// buffer at the start of the arena.
  bool nhwcInputs = false;
  /// The largest tensor the import accepts (a graph input, an initializer, a
  /// constant, or any value it computes), counted as float32 elements of 4
  /// bytes. A larger one, or one whose size overflows, is an error naming
  /// the node (or tensor), the shape and the limit. Default 4 GiB.
  int64_t maxTensorBytes = int64_t(4) << 30;
  /// The largest total of constant data the import holds (initializers and
  /// the constants it folds), counted the same way. Default 4 GiB.
  int64_t maxConstantBytes = int64_t(4) << 30;
  /// Shapes for graph inputs, binding their symbolic dimensions (only a
  /// symbolic batch is bound without one, to 1). Each must name a graph
  /// input, have its rank and agree with its static dimensions; the error
  /// names the input.
  std::vector<InputShape> inputShapes;
};

/// The dialects imported IR uses.
void registerOnnxImportDialects(DialectRegistry &registry);

/// Imports the ONNX model in `path`. Returns null after emitting diagnostics
/// (located at the file and, where one is to blame, the node) on any error:
/// unreadable or non-ONNX file, unsupported op or attribute, missing input,
/// dynamic shape.
OwningOpRef<ModuleOp> importOnnxFile(llvm::StringRef path, MLIRContext *context,
                                     const OnnxImportOptions &options = {});

/// Same, for a model already in memory; `fileName` names it in locations.
OwningOpRef<ModuleOp> importOnnxBuffer(llvm::StringRef bytes,
                                       llvm::StringRef fileName,
                                       MLIRContext *context,
                                       const OnnxImportOptions &options = {});

} // namespace mlir::mpq

MPQ_ENUM_OPTION(::mlir::mpq::InputLayout)

#endif // MPQ_IMPORT_ONNXIMPORTER_H
