//===- LowerFakeQuant.h - Fake-quant to integer lowering --------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The lowering behind --mpq-lower-fake-quant as a function, for callers that
// need to know which integer value replaces which float value: the per-layer
// fidelity comparison (mpq-eval --compare-layers) lowers a copy of the
// fake-quant graph and pairs the two graphs' values through it. Also the
// batch-norm arithmetic of ICN, which bias snapping (SnapBias.h) shares.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_LOWERFAKEQUANT_H
#define MPQ_TRANSFORMS_LOWERFAKEQUANT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <functional>
#include <vector>

namespace mlir::mpq {

class BatchNormOp;

/// Called with a float value of the fake-quant graph and the integer value
/// that replaces it, while the float graph still exists (it is erased at the
/// end of the lowering).
using LoweredValueFn = std::function<void(Value floatValue, Value integer)>;

/// Batch-norm as the per-channel affine map y = gain_c x + offset_c, with
/// gain_c = gamma_c / sqrt(var_c + eps) and offset_c = beta_c - gain_c mean_c:
/// ICN puts the gain into the multiplier M0 and offset_c / gain_c into the
/// bias B. Emits an error at `bn` and fails unless the parameters are float
/// constants.
struct BatchNormAffine {
  std::vector<double> gain, offset;
};
FailureOr<BatchNormAffine> getBatchNormAffine(BatchNormOp bn);

/// Lowers `func` in place to integer-only ops, as --mpq-lower-fake-quant does
/// to every function; reports each replacement to `onLowered` if given.
/// Emits errors and returns failure if the graph cannot be lowered.
LogicalResult lowerFakeQuant(func::FuncOp func,
                             LoweredValueFn onLowered = nullptr);

} // namespace mlir::mpq

#endif // MPQ_TRANSFORMS_LOWERFAKEQUANT_H
