//===- Passes.h - mpq passes ------------------------------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_PASSES_H
#define MPQ_TRANSFORMS_PASSES_H

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Transforms/PassOptions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace mlir::mpq {

#define GEN_PASS_DECL
#include "mpq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mpq/Transforms/Passes.h.inc"

/// What --mpq-assign-precision decided, for a caller that runs the pass in
/// process (the compiler library) instead of reading its report= file.
struct PrecisionOutcome {
  /// In: strategy=search's sensitivity table, as the `sensitivity=` file
  /// holds it (sensitivityJson); null: the file, or else the proxy.
  llvm::json::Value sensitivity = nullptr;
  /// One weight layer's widths and memory-model bytes.
  struct Layer {
    /// `name` is unique in the assignment; `node` is the ONNX node the
    /// layer's op came from (several ops may share one).
    std::string name, kind, node;
    unsigned weightBits = 0, inputBits = 0, outputBits = 0;
    int64_t weightBytes = 0, paramBytes = 0;
    /// Weights on one grid, batch norm folded (BitAssignment::
    /// perLayerWeights): the PL+FB parameters.
    bool perLayerWeights = false;
    /// Why the widths are what they are (rule, search, pin, model, io).
    std::string weightOrigin, outputOrigin;
  };
  /// The report document (mpq/Report/PrecisionReport.h).
  llvm::json::Value report = nullptr;
  bool fits = false;
  /// Weights + per-channel parameters, as the memory model counts them.
  int64_t flashBytes = 0;
  /// "w=<weight bits> a=<activation bits>".
  std::string bits;
  std::vector<Layer> layers;
};

/// --mpq-assign-precision that also fills `outcome` (if not null).
std::unique_ptr<Pass>
createMPQAssignPrecisionPass(const MPQAssignPrecisionPassOptions &options,
                             PrecisionOutcome *outcome);

/// What --mpq-plan-buffers planned, for a caller in process.
struct PlanOutcome {
  /// The report document (the pass's report= file).
  llvm::json::Value report = nullptr;
  int64_t arenaBytes = 0;
  int64_t lowerBoundBytes = 0;
  /// The picture of the plan (the pass's svg= file).
  std::string svg;
};

/// --mpq-plan-buffers that also fills `outcome` (if not null).
std::unique_ptr<Pass>
createMPQPlanBuffersPass(const MPQPlanBuffersPassOptions &options,
                         PlanOutcome *outcome);

} // namespace mlir::mpq

#endif // MPQ_TRANSFORMS_PASSES_H
