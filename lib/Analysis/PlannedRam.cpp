//===- PlannedRam.cpp - Planned arena of a bit-width assignment -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PlannedRam.h"
#include "mpq/Support/Packing.h"

using namespace mlir::mpq;

std::vector<Buffer> mlir::mpq::activationBuffers(
    const GraphDesc &graph, const BitAssignment &assignment,
    const std::vector<int64_t> &scratchBytes, bool inPlace) {
  const std::vector<LiveRange> ranges = computeLiveRanges(graph);
  std::vector<Buffer> buffers;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const ActivationTensor &tensor = graph.tensors[t];
    Buffer buffer;
    buffer.name = tensor.name;
    buffer.size = packedTensorBytes(tensor.shape,
                                    assignment.activationBits[tensor.variable]);
    buffer.firstUse = ranges[t].first;
    buffer.lastUse = ranges[t].last;
    buffers.push_back(buffer);
  }
  if (inPlace)
    for (size_t s = 0; s < graph.steps.size(); ++s)
      if (auto [below, up] = stepInPlaceShifts(graph, ranges, s, assignment);
          below >= 0 || up >= 0) {
        // The planner's hint: rows in order always (the shift may save
        // nothing), from the last where that saves.
        const GraphStep &step = graph.steps[s];
        Buffer &out = buffers[step.output];
        out.inPlaceOf = step.inputs.front();
        out.inPlaceShift =
            below >= 0 ? below : buffers[out.inPlaceOf].size + out.size;
        out.inPlaceShiftUp = up;
      }
  for (size_t s = 0; s < scratchBytes.size() && s < graph.steps.size(); ++s) {
    if (scratchBytes[s] <= 0)
      continue;
    Buffer scratch;
    scratch.name = graph.steps[s].name + ".scratch";
    scratch.size = scratchBytes[s];
    scratch.firstUse = scratch.lastUse = static_cast<int64_t>(s);
    buffers.push_back(scratch);
  }
  return buffers;
}

int64_t mlir::mpq::plannedArenaBytes(const GraphDesc &graph,
                                     const BitAssignment &assignment,
                                     const std::vector<int64_t> &scratchBytes,
                                     const PlanOptions &options,
                                     std::string &error, bool inPlace) {
  Plan plan;
  error =
      planBuffers(activationBuffers(graph, assignment, scratchBytes, inPlace),
                  options, plan);
  return error.empty() ? plan.arenaSize : -1;
}
