//===- Schedule.h - Memory-aware topological order of ops -------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The arena can never be smaller than the peak of live bytes of the schedule
// (docs/paper.md §5), so the order of ops is chosen before buffers
// are placed. On a chain there is nothing to choose; on branching nets
// (residual blocks with a projection shortcut, inception-style branches,
// multi-output heads) running the branch that frees memory first can lower
// the peak.
//
// Liveness model (the same one the buffer planner sees through
// tensorLifetimes): step s executes the s-th op of the order. A tensor is
// live on the inclusive steps [first, last] where
//   first = its producer's step, or 0 for a graph input;
//   last  = the step of its last consumer; the final step for a model output
//           (marked with markOutput; an op output nobody reads is an output);
//           `first` for a graph input that nobody reads.
// The peak is the maximum over steps of the bytes of live tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_SCHEDULE_H
#define MPQ_ANALYSIS_SCHEDULE_H

#include "mpq/Analysis/BufferPlanner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::mpq {

/// A DAG of ops, each producing one tensor. Tensor ids number graph inputs
/// and op results together, in creation order; op ids number ops.
struct OpGraph {
  struct Tensor {
    std::string name;
    int64_t size = 0;
    /// Producing op, or -1 for a graph input.
    int producer = -1;
    bool isOutput = false;
  };
  struct Op {
    std::string name;
    /// Tensor ids read by the op (repeats allowed, e.g. x + x).
    std::vector<int> operands;
    /// Tensor id of the result.
    int result = -1;
  };
  std::vector<Tensor> tensors;
  std::vector<Op> ops;

  /// Adds a graph input of `size` bytes; returns its tensor id.
  int addInput(const std::string &name, int64_t size);
  /// Adds an op reading `operands` and producing `size` bytes; returns the
  /// tensor id of its result (the op id is ops.size() - 1).
  int addOp(const std::string &name, int64_t size,
            const std::vector<int> &operands);
  /// Keeps `tensor` live to the end of the schedule.
  void markOutput(int tensor);
};

struct ScheduleOptions {
  /// Exact dynamic programming over the sets of executed ops (down-sets of
  /// the DAG) for graphs with at most this many ops (at most 64)...
  int exactMaxOps = 64;
  /// ...as long as it visits at most this many sets; otherwise the greedy
  /// heuristic decides.
  int64_t exactMaxStates = 200000;
};

struct ScheduleResult {
  std::vector<int> order;
  int64_t peakBytes = 0;
  /// Peak of the order the caller gave, for reports.
  int64_t givenPeakBytes = 0;
  /// True when the exact search finished: no topological order has a lower
  /// peak.
  bool exact = false;
  /// "given", "exact" or the heuristic that won.
  std::string method;
};

/// Checks ids, one producer per op result, and that every operand is created
/// before the op that reads it (so 0, 1, ..., n-1 is a topological order).
/// Returns an error message or the empty string.
std::string verifyGraph(const OpGraph &graph);

/// Returns an error message unless `order` lists every op once, each after
/// the producers of its operands.
std::string checkTopologicalOrder(const OpGraph &graph,
                                  const std::vector<int> &order);

/// Live interval of every tensor (indexed by tensor id) as planner buffers,
/// for `order` (must be a topological order).
std::vector<Buffer> tensorLifetimes(const OpGraph &graph,
                                    const std::vector<int> &order);

/// Peak of live bytes of `order` (must be a topological order).
int64_t peakLiveBytes(const OpGraph &graph, const std::vector<int> &order);

/// Chooses a topological order with a low peak of live bytes, never higher
/// than the one of `given` (ops in id order when `given` is empty). The
/// given order is kept unless another is strictly better. Returns an error
/// message for an invalid graph or order, else the empty string.
std::string scheduleForMemory(const OpGraph &graph,
                              const std::vector<int> &given,
                              const ScheduleOptions &options,
                              ScheduleResult &result);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_SCHEDULE_H
