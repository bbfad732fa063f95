//===- PlannedRam.cpp - Planned arena of a bit-width assignment -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PlannedRam.h"
#include "mpq/Support/Packing.h"

using namespace mlir::mpq;

/// The buffers without row groups.
static std::vector<Buffer>
separateBuffers(const GraphDesc &graph, const BitAssignment &assignment,
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

std::vector<std::vector<int>> mlir::mpq::graphRowRuns(const GraphDesc &graph) {
  std::vector<int> readers(graph.tensors.size(), 0);
  for (const GraphStep &step : graph.steps)
    for (int in : step.inputs)
      ++readers[in];
  auto image = [&](int t) {
    const std::vector<int64_t> &shape = graph.tensors[t].shape;
    return shape.size() == 4 && shape[0] == 1;
  };
  auto member = [&](const GraphStep &step) {
    return (step.kind == StepKind::Conv || step.kind == StepKind::Depthwise) &&
           step.windowStride > 0 && step.inputs.size() == 1 &&
           image(step.inputs.front()) && image(step.output);
  };
  std::vector<std::vector<int>> runs;
  std::vector<int> run;
  auto flush = [&] {
    if (run.size() >= 2)
      runs.push_back(run);
    run.clear();
  };
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    if (!member(step)) {
      flush();
      continue;
    }
    if (!run.empty()) {
      const int previous = graph.steps[run.back()].output;
      if (run.back() + 1 != static_cast<int>(s) ||
          step.inputs.front() != previous || readers[previous] != 1)
        flush();
    }
    run.push_back(static_cast<int>(s));
  }
  flush();
  return runs;
}

/// The rows of step `s` at `assignment`'s widths.
static RowLayer graphRowLayer(const GraphDesc &graph, int s,
                              const BitAssignment &assignment) {
  const GraphStep &step = graph.steps[s];
  const ActivationTensor &in = graph.tensors[step.inputs.front()];
  const ActivationTensor &out = graph.tensors[step.output];
  auto rowBytes = [&](const ActivationTensor &t) {
    return t.shape[2] *
           packedRowBytes(t.shape[3], assignment.activationBits[t.variable]);
  };
  RowLayer l;
  l.inRows = in.shape[1];
  l.outRows = out.shape[1];
  l.stride = step.windowStride;
  l.pad = step.windowPadTop;
  l.extent = step.windowExtent;
  l.inRowBytes = rowBytes(in);
  l.outRowBytes = rowBytes(out);
  return l;
}

/// `buffers` (separateBuffers) with the row groups of `choice` over `runs`.
static std::vector<Buffer>
groupedBuffers(const GraphDesc &graph, const BitAssignment &assignment,
               bool inPlace, std::vector<Buffer> buffers,
               const std::vector<std::vector<int>> &runs,
               const RowGroupChoice &choice) {
  // Tensors read once: a group's input may be overwritten only then, and a
  // model output (no reader) never.
  std::vector<int> readers(graph.tensors.size(), 0);
  for (const GraphStep &step : graph.steps)
    for (int t : step.inputs)
      ++readers[t];
  for (size_t c = 0; c < runs.size(); ++c) {
    for (size_t first = 0; first < runs[c].size();) {
      size_t last = first;
      while (last + 1 < runs[c].size() && choice[c][first] >= 0 &&
             choice[c][last + 1] == choice[c][first])
        ++last;
      if (last == first) {
        ++first;
        continue;
      }
      std::vector<RowLayer> layers;
      for (size_t m = first; m <= last; ++m)
        layers.push_back(graphRowLayer(graph, runs[c][m], assignment));
      RowSchedule schedule;
      if (!scheduleRowGroup(layers, schedule, 16).empty()) {
        first = last + 1;
        continue;
      }
      const int64_t s0 = runs[c][first], s1 = runs[c][last];
      const int in = graph.steps[s0].inputs.front();
      const int out = graph.steps[s1].output;
      // The group is one step of the integer graph: its input and line
      // buffers live to its last layer's step, where its output starts (it
      // is written all along, but the input and lines are live with it).
      buffers[in].lastUse = std::max(buffers[in].lastUse, s1);
      buffers[out].inPlaceOf = -1;
      // In place over an input that dies in the group (as the arena plan's
      // hint: ArenaBuffers.h).
      if (inPlace && buffers[in].lastUse == s1 && readers[in] == 1 &&
          schedule.inPlaceShift < buffers[out].size) {
        buffers[out].inPlaceOf = in;
        buffers[out].inPlaceShift = schedule.inPlaceShift;
        buffers[out].inPlaceShiftUp = -1;
      }
      for (size_t m = first; m < last; ++m) {
        Buffer &line = buffers[graph.steps[runs[c][m]].output];
        line.size = schedule.lineBytes[m - first];
        line.firstUse = s0;
        line.lastUse = s1;
        line.inPlaceOf = -1;
      }
      first = last + 1;
    }
  }
  return buffers;
}

std::vector<Buffer> mlir::mpq::activationBuffers(
    const GraphDesc &graph, const BitAssignment &assignment,
    const std::vector<int64_t> &scratchBytes, bool inPlace, bool fuseRows) {
  std::vector<Buffer> buffers =
      separateBuffers(graph, assignment, scratchBytes, inPlace);
  if (!fuseRows)
    return buffers;
  const std::vector<std::vector<int>> runs = graphRowRuns(graph);
  std::vector<std::vector<RowLayer>> layers;
  for (const std::vector<int> &run : runs) {
    layers.emplace_back();
    for (int s : run)
      layers.back().push_back(graphRowLayer(graph, s, assignment));
  }
  // A group's tensors are never in place (the group's output is cleared
  // above; its input and inner tensors die inside the group).
  const RowGroupChoice choice =
      chooseRowGroups(layers, [&](const RowGroupChoice &trial) {
        return lowerBound(
            groupedBuffers(graph, assignment, inPlace, buffers, runs, trial),
            16);
      });
  return groupedBuffers(graph, assignment, inPlace, std::move(buffers), runs,
                        choice);
}

int64_t mlir::mpq::plannedArenaBytes(const GraphDesc &graph,
                                     const BitAssignment &assignment,
                                     const std::vector<int64_t> &scratchBytes,
                                     const PlanOptions &options,
                                     std::string &error, bool inPlace,
                                     bool fuseRows) {
  Plan plan;
  error = planBuffers(
      activationBuffers(graph, assignment, scratchBytes, inPlace, fuseRows),
      options, plan);
  return error.empty() ? plan.arenaSize : -1;
}
