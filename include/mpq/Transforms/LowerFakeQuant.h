//===- LowerFakeQuant.h - Fake-quant to integer lowering --------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The lowering behind --mpq-lower-fake-quant as a function, for callers that
// need to know which integer value replaces which float value: the per-layer
// fidelity comparison (mpq-eval --compare-layers) lowers a copy of the
// fake-quant graph and pairs the two graphs' values through it.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_LOWERFAKEQUANT_H
#define MPQ_TRANSFORMS_LOWERFAKEQUANT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <functional>

namespace mlir::mpq {

/// Called with a float value of the fake-quant graph and the integer value
/// that replaces it, while the float graph still exists (it is erased at the
/// end of the lowering).
using LoweredValueFn = std::function<void(Value floatValue, Value integer)>;

/// Lowers `func` in place to integer-only ops, as --mpq-lower-fake-quant does
/// to every function; reports each replacement to `onLowered` if given.
/// Emits errors and returns failure if the graph cannot be lowered.
LogicalResult lowerFakeQuant(func::FuncOp func,
                             LoweredValueFn onLowered = nullptr);

} // namespace mlir::mpq

#endif // MPQ_TRANSFORMS_LOWERFAKEQUANT_H
