//===- ModelFunction.cpp - The function that holds the model --------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/ModelFunction.h"

using namespace mlir;

FailureOr<func::FuncOp> mlir::mpq::getModelFunction(ModuleOp module) {
  SmallVector<func::FuncOp> candidates;
  for (func::FuncOp func : module.getOps<func::FuncOp>())
    if (!func.isExternal())
      candidates.push_back(func);
  if (candidates.size() == 1)
    return candidates.front();
  if (candidates.empty())
    return module.emitError()
           << "the module has no function with a body: expected exactly one "
              "func.func holding the model";
  InFlightDiagnostic diag = module.emitError()
                            << "the module has " << candidates.size()
                            << " functions with a body (";
  llvm::interleaveComma(candidates, diag,
                        [&](func::FuncOp f) { diag << "@" << f.getSymName(); });
  diag << "): expected exactly one holding the model";
  return diag;
}
