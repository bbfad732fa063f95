//===- GraphBuilders.h - Hand-built graphs for the analysis tests -*- C++
//-*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TEST_UNITTESTS_ANALYSIS_GRAPHBUILDERS_H
#define MPQ_TEST_UNITTESTS_ANALYSIS_GRAPHBUILDERS_H

#include "mpq/Analysis/PrecisionAssignment.h"

#include <string>
#include <vector>

namespace mlir::mpq::graphs {

/// x [1, w0] -> L0 -> [1, w1] -> L1 -> ... ; layer Li is FC [w(i+1), w(i)],
/// variable i is the input of Li, the last layer is marked last.
inline GraphDesc fcChain(const std::vector<int64_t> &widths) {
  GraphDesc g;
  int cur = g.addTensor("x", {1, widths[0]}, 0);
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    int out = g.addTensor("y" + std::to_string(i), {1, widths[i + 1]},
                          static_cast<int>(i + 1));
    g.addLayer("L" + std::to_string(i), StepKind::FullyConnected,
               {widths[i + 1], widths[i]}, widths[i + 1], cur, out,
               i + 2 == widths.size());
    cur = out;
  }
  return g;
}

inline AssignmentRequest request(int64_t flash, int64_t ram) {
  AssignmentRequest r;
  r.flashBudget = flash;
  r.ramBudget = ram;
  return r;
}

} // namespace mlir::mpq::graphs

#endif // MPQ_TEST_UNITTESTS_ANALYSIS_GRAPHBUILDERS_H
