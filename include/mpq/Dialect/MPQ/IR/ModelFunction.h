//===- ModelFunction.h - The function that holds the model ------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The one rule for which func.func of a module is the model: the only one
// with a body. Whole-model passes and tools (precision assignment, buffer
// planning, the lowering to loops, the compiler driver, mpq-eval without
// --func) all ask getModelFunction, so they agree and fail the same way.
//
// Passes that transform each function on its own (--mpq-calibrate,
// --mpq-lower-fake-quant) still visit every function with a body: a module
// may hold several independent graphs (tests put one per case), and each is
// calibrated or lowered as it stands.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MODELFUNCTION_H
#define MPQ_DIALECT_MPQ_IR_MODELFUNCTION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::mpq {

/// The function a whole-model analysis works on: the module's only
/// func.func with a body. Emits an error on `module` naming the candidates
/// and fails if there is none or more than one.
FailureOr<func::FuncOp> getModelFunction(ModuleOp module);

} // namespace mlir::mpq

#endif // MPQ_DIALECT_MPQ_IR_MODELFUNCTION_H
