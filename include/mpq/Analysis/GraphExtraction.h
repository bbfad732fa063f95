//===- GraphExtraction.h - mpq IR to the memory model's graph ---*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Builds the MLIR-free GraphDesc of MemoryModel.h from a graph-level mpq
// function, and remembers where each weight and activation tensor lives in
// the IR so a pass can write bit-widths back. Used by --mpq-assign-precision
// and meant for every other pass or tool that needs the memory model
// (buffer planning, mpqc's reports).
//
// What becomes what
// -----------------
// - The function: the module's only func.func with a body.
// - Layers (weight steps, in program order): `mpq.conv2d` (Depthwise when
//   groups == C_in == C_out > 1, its OHWI [C, KH, KW, 1] weight sized as
//   [KH, KW, C]; Conv otherwise, OHWI as stored) and `mpq.fully_connected`
//   ([O, I]). The weight must be an `arith.constant` or an `mpq.fake_quant`
//   of one (an existing weight width).
// - Activation variables (one bit-width each): every tensor function
//   argument (the image, fixed at 8 bits), and the output of every layer,
//   `mpq.add` and `mpq.concat` (Add and Concat steps).
// - Where a variable is stored: the creating op's result, moved past the
//   `mpq.batch_norm`, `mpq.relu` and `mpq.clip` ops that follow it while the
//   value has a single use (they are fused into the layer and do not
//   requantize). A function argument is stored as it is.
// - Pass-through ops keep the variable and get a tensor of their own shape,
//   listed as an Other step (so liveness and "X_i counts the elements the
//   layer reads" come out right): `mpq.avg_pool2d`, `mpq.global_avg_pool`,
//   `mpq.max_pool2d`, `mpq.reshape`, `mpq.transpose`, `mpq.pad`,
//   `mpq.softmax`. `batch_norm` / `relu` / `clip` / `fake_quant` on an
//   activation keep both the variable and the tensor.
// - An `mpq.fake_quant` whose input is an activation records an existing
//   width for that variable.
// - The last layers: the weight layers whose output variable reaches the
//   `func.return`.
// - Names: from the op's location (`NameLoc`, also inside a FusedLoc or a
//   CallSiteLoc's callee), else `<kind><step index>` with kind conv, dw, fc,
//   add, concat or the op's mnemonic; a repeated name gets `_<step index>`.
//   Tensors are `<step>_out`, function arguments `input` (`input<i>` if
//   there are several).
//
// Anything else in the function (other ops, values that are neither
// constants nor activations where an activation is read, dynamic shapes)
// is an error reported on the op, naming it.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_GRAPHEXTRACTION_H
#define MPQ_ANALYSIS_GRAPHEXTRACTION_H

#include "mpq/Analysis/MemoryModel.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace mlir::mpq {

/// Where one activation variable is stored in the IR.
struct VariableSite {
  /// The value a fake-quant of the chosen width goes on (see the file
  /// comment): a function argument or a step's result after its epilogue.
  Value stored;
  /// A function argument (the image): no step creates it.
  bool isInput = false;
  /// `stored` comes out of a ReLU or a Clip with min >= 0, so it can be
  /// quantized unsigned.
  bool nonNegative = false;
  /// `mpq.fake_quant` ops already on this variable, in program order.
  std::vector<FakeQuantOp> existing;
};

/// The op behind one GraphDesc step.
struct StepSite {
  Operation *op = nullptr;
  /// Weight layers: the operand index of the weight.
  unsigned weightOperand = 0;
  /// Weight layers: the `mpq.fake_quant` already on the weight, if any.
  FakeQuantOp existingWeightQuant;
};

struct ExtractedGraph {
  func::FuncOp func;
  GraphDesc graph;
  std::vector<StepSite> steps;         ///< Parallel to graph.steps.
  std::vector<VariableSite> variables; ///< One per graph variable.
};

/// Builds the graph of `func` (see the file comment). Emits an error on the
/// offending op and fails on anything it cannot describe.
FailureOr<ExtractedGraph> extractGraph(func::FuncOp func);

/// The name a frontend gave an op, from its location: a `NameLoc`, also
/// inside a FusedLoc or a CallSiteLoc's callee.
std::optional<std::string> nameFromLocation(Location loc);

/// The bit-width an `mpq.fake_quant` fixes (its `!mpq.bits` or
/// `!mpq.uniform` storage width).
unsigned getFakeQuantWidth(FakeQuantOp op);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_GRAPHEXTRACTION_H
