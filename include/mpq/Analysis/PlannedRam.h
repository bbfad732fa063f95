//===- PlannedRam.h - Planned arena of a bit-width assignment ---*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// `ram-model=planned` of --mpq-assign-precision (docs/decisions.md §1): the RAM
// an assignment needs is the arena the buffer planner gives its activations,
// not the paper's max(in + out). The buffers are the GraphDesc's tensors at
// their variable's width (mlir::mpq::packedTensorBytes, the size function of
// the planner and code generation), live over computeLiveRanges, plus the
// scratch of each step (live during that step). On the graph level a
// pass-through tensor (pooling, reshape, transpose, pad) is its own buffer, so
// this can only overestimate the integer graph's arena where a reshape
// later turns out to be a view.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_PLANNEDRAM_H
#define MPQ_ANALYSIS_PLANNEDRAM_H

#include "mpq/Analysis/BufferPlanner.h"
#include "mpq/Analysis/MemoryModel.h"
#include "mpq/Analysis/RowSchedule.h"

#include <string>
#include <vector>

namespace mlir::mpq {

/// The buffers of `graph`'s activations at `assignment`'s widths, one per
/// tensor (same index), then one per step with scratch: `scratchBytes[step]`
/// (`scratchBytes` may be empty) plus, for a step that widens its input
/// (GraphStep::widensInput), pointwiseWideningBytes at its input's width.
/// Requires a valid graph and assignment.
/// With `inPlace`, a step that may run in place (stepInPlaceShift) gets the
/// shifted hint the integer graph's planner would give it, and an
/// element-wise step (GraphStep::elementwise) writes over the first operand
/// of its shape and at least its width that dies there, as in
/// ArenaBuffers.h.
/// With `fuseRows`, the layers --mpq-fuse-rows would run as row groups
/// (RowSchedule.h, chooseRowGroups on graphRowRuns) do: a group's inner
/// tensors are its line buffers, live over the group's steps, its input and
/// output are live over all of them, and its output may be in place over
/// its input where the input dies in the group; its members have no scratch
/// of their own.
std::vector<Buffer> activationBuffers(const GraphDesc &graph,
                                      const BitAssignment &assignment,
                                      const std::vector<int64_t> &scratchBytes,
                                      bool inPlace = false,
                                      bool fuseRows = false);

/// The runs of steps of `graph` that may share row groups: consecutive
/// steps that are convolutions or poolings with a window (windowStride >
/// 0) or sums of two tensors of their output's shape, on one NHWC image
/// (the members RowGroups.h takes). Each run lists its steps.
std::vector<std::vector<int>> graphRowRuns(const GraphDesc &graph);

/// Plans activationBuffers with `options`; returns the arena in bytes, or -1
/// with `error` set if the planner rejects the buffers.
int64_t plannedArenaBytes(const GraphDesc &graph,
                          const BitAssignment &assignment,
                          const std::vector<int64_t> &scratchBytes,
                          const PlanOptions &options, std::string &error,
                          bool inPlace = false, bool fuseRows = false);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_PLANNEDRAM_H
