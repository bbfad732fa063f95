//===- Evaluator.h - Reference evaluator of mpq IR --------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Runs a function of mpq IR on concrete tensors: the float graph (in double
// precision), the fake-quant graph (fake_quant rounds to the grid of its
// type), and the integer graph (integer ops through the integer semantics of
// mpq/Support/IntegerSemantics.h). It is the oracle the generated code must
// match bit for bit, so it is written to be obviously right, not fast: plain
// loops over NHWC indices.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_EVAL_EVALUATOR_H
#define MPQ_EVAL_EVALUATOR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::mpq {

/// A concrete tensor. Float tensors hold `reals`; integer tensors (builtin
/// integers and !mpq.uniform codes) hold `ints`.
struct EvalTensor {
  std::vector<int64_t> shape;
  bool isInteger = false;
  std::vector<double> reals;
  std::vector<int64_t> ints;

  int64_t numElements() const;
  static EvalTensor floats(std::vector<int64_t> shape,
                           std::vector<double> values);
  static EvalTensor integers(std::vector<int64_t> shape,
                             std::vector<int64_t> values);
};

struct EvalOptions {
  /// Keep the result of every op (for per-layer comparisons).
  bool recordIntermediates = false;
  /// Let a fake_quant to !mpq.bits without a range pass its input through,
  /// instead of failing: calibration runs the float graph this way.
  bool uncalibratedFakeQuantIsIdentity = false;
  /// Called after every op with a way to read any value computed so far.
  std::function<void(Operation *op,
                     llvm::function_ref<const EvalTensor &(Value)> valueOf)>
      afterOp;
};

struct EvalResult {
  std::vector<EvalTensor> outputs;
  /// (name, value) per op result in program order, if requested. The name is
  /// the op's NameLoc (the ONNX node name) or "<op name>#<index>".
  std::vector<std::pair<std::string, EvalTensor>> intermediates;
};

/// Runs `func` on `inputs` (one per argument, shapes must match). On an
/// unsupported op or a mismatching input, emits an error at the op or the
/// function and returns failure.
FailureOr<EvalResult> evaluate(func::FuncOp func, ArrayRef<EvalTensor> inputs,
                               const EvalOptions &options = {});

} // namespace mlir::mpq

#endif // MPQ_EVAL_EVALUATOR_H
