//===- FuseRows.cpp - --mpq-fuse-rows -------------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Chooses the row groups of an integer-only model function (Passes.td has
// the contract; mpq/Analysis/RowGroups.h what a group is): greedily, the
// consecutive layers whose fusion lowers the arena's lower bound the most,
// until no fusion lowers it.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/ArenaBuffers.h"
#include "mpq/Analysis/RowGroups.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQFUSEROWSPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// The arena's lower bound for the function as it is annotated (program
/// order, in place as asked), or -1.
int64_t arenaLowerBound(func::FuncOp func, bool inPlace, bool dspKernels) {
  FailureOr<ArenaGraph> graph = extractArenaGraph(func, true, dspKernels);
  if (failed(graph))
    return -1;
  std::vector<int> order(graph->steps.size());
  for (size_t k = 0; k < order.size(); ++k)
    order[k] = static_cast<int>(k);
  return lowerBound(collectArenaBuffers(*graph, order, inPlace).buffers, 16);
}

struct FuseRowsPass : ::mlir::mpq::impl::MPQFuseRowsPassBase<FuseRowsPass> {
  using Base::Base;
  void runOnOperation() override;
};

} // namespace

void FuseRowsPass::runOnOperation() {
  FailureOr<func::FuncOp> found = getModelFunction(getOperation());
  if (failed(found))
    return signalPassFailure();
  func::FuncOp func = *found;
  // Start from no groups: the choice replaces the function's.
  func.walk([](Operation *op) { setRowGroup(op, std::nullopt); });
  if (arenaLowerBound(func, inPlace, dspKernels) < 0)
    return signalPassFailure();
  RowRuns runs = collectRowRuns(func);
  auto apply = [&](const RowGroupChoice &choice) {
    for (size_t c = 0; c < runs.members.size(); ++c)
      for (size_t m = 0; m < runs.members[c].size(); ++m) {
        std::optional<int64_t> id;
        if (choice[c][m] >= 0)
          id = choice[c][m];
        setRowGroup(runs.members[c][m].op, id);
      }
  };
  RowGroupChoice choice;
  {
    // Diagnostics of trial extractions are not the user's.
    ScopedDiagnosticHandler quiet(&getContext(),
                                  [](Diagnostic &) { return success(); });
    choice = chooseRowGroups(runs.candidates, [&](const RowGroupChoice &trial) {
      apply(trial);
      return arenaLowerBound(func, inPlace, dspKernels);
    });
  }
  apply(choice);
}
