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

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseMap.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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

/// Constant tensors read once and shared by every evaluation given the same
/// cache: calibration evaluates one graph once per sample, possibly on
/// several threads at once (access is locked). Valid while the graph's
/// constants are unchanged.
struct EvalConstantCache {
  std::mutex mutex;
  llvm::DenseMap<Operation *, std::shared_ptr<const EvalTensor>> tensors;
};

struct EvalOptions {
  /// Keep the result of every op (for per-layer comparisons).
  bool recordIntermediates = false;
  /// Let a fake_quant to !mpq.bits without a range pass its input through,
  /// instead of failing: calibration runs the float graph this way.
  bool uncalibratedFakeQuantIsIdentity = false;
  /// Let every fake_quant to !mpq.bits pass its input through, also one
  /// with an observed range: the float model, before calibration gives
  /// those fake_quants their grids.
  bool bitsFakeQuantIsIdentity = false;
  /// Return, for each output computed by mpq.dequantize, the integer codes
  /// it reads: what compiled code returns.
  bool outputCodes = false;
  /// Drop each value once the last op that reads it has run (after afterOp):
  /// less memory to fill and copy, but afterOp may then read only the op's
  /// own operands and results. Calibration runs the float graph this way.
  bool releaseDeadValues = false;
  /// Called after every op with a way to read any value computed so far.
  std::function<void(Operation *op,
                     llvm::function_ref<const EvalTensor &(Value)> valueOf)>
      afterOp;
  /// Called for every op result right after it is computed, before afterOp;
  /// it may replace the tensor (same shape and kind), which is what later ops
  /// then read. Per-layer comparisons feed one graph's values to another this
  /// way.
  std::function<void(Value result, EvalTensor &tensor)> onResult;
  /// Where to read and keep constants across evaluations (none: each
  /// evaluation reads its own).
  EvalConstantCache *constants = nullptr;
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

// snapToBoundary, which the evaluator's fake_quant applies to computed
// values (not to constants, which the lowering quantizes as given), is in
// mpq/Support/IntegerSemantics.h beside fakeQuantCode.

/// The real values of integer `codes` on the grid of `type` (per tensor or
/// per axis): (q - zero point) * scale, in double.
EvalTensor dequantizeCodes(const EvalTensor &codes, UniformType type);

/// The name reports use for `op`: its NameLoc (the ONNX node name), else
/// "<op name>#<index>".
std::string displayName(Operation *op, int64_t index);

/// How many samples `inputs` hold for `func`. An input of its argument's
/// shape is one sample (shared by every sample if others hold more); an input
/// whose first dimension is N where the argument's is 1, all other
/// dimensions equal, holds N samples. Batched inputs must agree on N. Emits
/// an error at `func` for any other shape.
FailureOr<int64_t> countSamples(func::FuncOp func, ArrayRef<EvalTensor> inputs);

/// Sample `index` of `inputs`, one tensor per argument; `inputs` must have
/// passed countSamples.
std::vector<EvalTensor>
selectSample(func::FuncOp func, ArrayRef<EvalTensor> inputs, int64_t index);

/// Runs `func` once per sample of `inputs` (see countSamples) and
/// concatenates each output, and each intermediate, along its first
/// dimension in sample order. With one sample this is `evaluate`.
FailureOr<EvalResult> evaluateBatch(func::FuncOp func,
                                    ArrayRef<EvalTensor> inputs,
                                    const EvalOptions &options = {});

} // namespace mlir::mpq

#endif // MPQ_EVAL_EVALUATOR_H
