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
      if (int64_t shift = stepInPlaceShift(graph, ranges, s, assignment);
          shift >= 0) {
        Buffer &out = buffers[graph.steps[s].output];
        out.inPlaceOf = graph.steps[s].inputs.front();
        out.inPlaceShift = shift;
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
