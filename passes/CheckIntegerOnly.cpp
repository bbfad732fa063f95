//===- CheckIntegerOnly.cpp - --mpq-check-integer-only --------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQCHECKINTEGERONLYPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

static bool isFloatLike(Type type) {
  return isa<FloatType>(getElementTypeOrSelf(type));
}

struct CheckIntegerOnlyPass
    : ::mlir::mpq::impl::MPQCheckIntegerOnlyPassBase<CheckIntegerOnlyPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](Operation *op) {
      // The model boundary converts between float and integer codes.
      if (op->hasTrait<ModelBoundary>() ||
          isa<func::FuncOp, ModuleOp, func::ReturnOp>(op))
        return WalkResult::advance();
      for (Type type : op->getOperandTypes())
        if (isFloatLike(type)) {
          op->emitError() << "'" << op->getName()
                          << "' computes on floating point (operand of type "
                          << type << ") in a graph that must be integer-only";
          return WalkResult::interrupt();
        }
      for (Type type : op->getResultTypes())
        if (isFloatLike(type)) {
          op->emitError() << "'" << op->getName()
                          << "' produces floating point (" << type
                          << ") in a graph that must be integer-only";
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
