//===- PlannedRam.cpp - Planned arena of a bit-width assignment -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PlannedRam.h"
#include "mpq/Support/Packing.h"

using namespace mlir::mpq;

/// The buffers without row groups.
static std::vector<Buffer> separateBuffers(const GraphDesc &graph,
                                           const BitAssignment &assignment,
                                           bool inPlace) {
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
  // An element-wise step writes over the first operand of its shape and at
  // least its width that dies there (ArenaBuffers' rule).
  if (inPlace)
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      const GraphStep &step = graph.steps[s];
      Buffer &out = buffers[step.output];
      if (!step.elementwise || out.inPlaceOf >= 0)
        continue;
      const ActivationTensor &y = graph.tensors[step.output];
      for (int in : step.inputs) {
        const ActivationTensor &x = graph.tensors[in];
        if (x.shape != y.shape || ranges[in].last != static_cast<int>(s) ||
            x.isOutput ||
            assignment.activationBits[x.variable] <
                assignment.activationBits[y.variable])
          continue;
        out.inPlaceOf = in;
        out.inPlaceShift = 0;
        out.inPlaceShiftUp = -1;
        break;
      }
    }
  return buffers;
}

/// `buffers` with the scratch of every step that is not a row group's
/// member (`grouped`, may be empty): `scratchBytes` and the DSP pointwise
/// kernel's widened pixels at the input's width (GraphStep::widensInput).
static std::vector<Buffer> withScratch(const GraphDesc &graph,
                                       const BitAssignment &assignment,
                                       const std::vector<int64_t> &scratchBytes,
                                       const std::vector<bool> &grouped,
                                       std::vector<Buffer> buffers) {
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    if (s < grouped.size() && grouped[s])
      continue;
    const GraphStep &step = graph.steps[s];
    int64_t bytes = s < scratchBytes.size() ? scratchBytes[s] : 0;
    if (step.widensInput && step.inputs.size() == 1 &&
        step.weightShape.size() == 4) {
      const ActivationTensor &x = graph.tensors[step.inputs.front()];
      const std::vector<int64_t> &w = step.weightShape;
      // Pixels of an NHWC tensor (0, so no scratch, past int64).
      auto pixels = [](const std::vector<int64_t> &shape) {
        int64_t n = 1;
        for (size_t d = 0; d + 1 < shape.size(); ++d)
          if (__builtin_mul_overflow(n, shape[d], &n))
            return int64_t{0};
        return n;
      };
      const unsigned bits = assignment.activationBits[x.variable];
      if (!x.shape.empty() && x.shape.back() == w[3])
        bytes +=
            step.windowPointwise
                ? pointwiseWideningBytes(pixels(x.shape), w[3],
                                         step.outChannels, bits)
                : windowWideningBytes(pixels(graph.tensors[step.output].shape),
                                      w[1], w[2], w[3], step.outChannels, bits);
    }
    if (bytes <= 0)
      continue;
    Buffer scratch;
    scratch.name = step.name + ".scratch";
    scratch.size = bytes;
    scratch.firstUse = scratch.lastUse = static_cast<int64_t>(s);
    buffers.push_back(scratch);
  }
  return buffers;
}

/// Whether tensor `t` is an NHWC image of one sample.
static bool isImage(const GraphDesc &graph, int t) {
  const std::vector<int64_t> &shape = graph.tensors[t].shape;
  return shape.size() == 4 && shape[0] == 1;
}

/// Whether step `s` may be a member of a row group (RowGroups.h): a
/// convolution or pooling with a window, a sum of two tensors of its
/// output's shape, or a pad of the channels, on NHWC images.
static bool isRowMember(const GraphDesc &graph, const GraphStep &step) {
  if (!isImage(graph, step.output))
    return false;
  const bool window =
      step.windowStride > 0 && step.inputs.size() == 1 &&
      (step.kind == StepKind::Conv || step.kind == StepKind::Depthwise ||
       step.kind == StepKind::Other) &&
      isImage(graph, step.inputs.front());
  const bool sum =
      step.kind == StepKind::Add && step.inputs.size() == 2 &&
      isImage(graph, step.inputs[0]) && isImage(graph, step.inputs[1]) &&
      graph.tensors[step.inputs[0]].shape == graph.tensors[step.output].shape &&
      graph.tensors[step.inputs[1]].shape == graph.tensors[step.output].shape;
  const bool pad = step.channelPad && step.inputs.size() == 1 &&
                   isImage(graph, step.inputs.front());
  return window || sum || pad;
}

std::vector<std::vector<int>> mlir::mpq::graphRowRuns(const GraphDesc &graph) {
  std::vector<std::vector<int>> runs;
  std::vector<int> run;
  auto flush = [&] {
    if (run.size() >= 2)
      runs.push_back(run);
    run.clear();
  };
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    if (!isRowMember(graph, graph.steps[s]))
      flush();
    else
      run.push_back(static_cast<int>(s));
  }
  flush();
  return runs;
}

/// Bytes of one image row of tensor `t` at `assignment`'s widths.
static int64_t graphRowBytes(const GraphDesc &graph, int t,
                             const BitAssignment &assignment) {
  const ActivationTensor &tensor = graph.tensors[t];
  return tensor.shape[2] *
         packedRowBytes(tensor.shape[3],
                        assignment.activationBits[tensor.variable]);
}

/// Step `s` as a candidate of chooseRowGroups at `assignment`'s widths.
static RowCandidate graphRowCandidate(const GraphDesc &graph, int s,
                                      const BitAssignment &assignment,
                                      const std::vector<int> &readers) {
  const GraphStep &step = graph.steps[s];
  RowCandidate c;
  RowLayer &l = c.rows;
  l.inRows = graph.tensors[step.inputs.front()].shape[1];
  l.outRows = graph.tensors[step.output].shape[1];
  if (step.windowStride > 0) {
    l.stride = step.windowStride;
    l.pad = step.windowPadTop;
    l.extent = step.windowExtent;
  }
  l.inRowBytes = graphRowBytes(graph, step.inputs.front(), assignment);
  l.outRowBytes = graphRowBytes(graph, step.output, assignment);
  for (int in : step.inputs) {
    c.inputs.push_back(in);
    c.inputRowBytes.push_back(graphRowBytes(graph, in, assignment));
  }
  c.output = step.output;
  // A tensor nothing reads is the caller's.
  c.reads = std::max(readers[step.output], 1);
  return c;
}

/// The candidates of `runs` at `assignment`'s widths.
static std::vector<std::vector<RowCandidate>>
graphRowCandidates(const GraphDesc &graph,
                   const std::vector<std::vector<int>> &runs,
                   const BitAssignment &assignment) {
  std::vector<int> readers(graph.tensors.size(), 0);
  for (const GraphStep &step : graph.steps)
    for (int t : step.inputs)
      ++readers[t];
  std::vector<std::vector<RowCandidate>> candidates;
  for (const std::vector<int> &run : runs) {
    candidates.emplace_back();
    for (int s : run)
      candidates.back().push_back(
          graphRowCandidate(graph, s, assignment, readers));
  }
  return candidates;
}

/// `buffers` (separateBuffers) with the row groups of `choice` over `runs`;
/// `grouped` gets the steps that are members of a group.
static std::vector<Buffer>
groupedBuffers(const GraphDesc &graph, bool inPlace,
               std::vector<Buffer> buffers,
               const std::vector<std::vector<int>> &runs,
               const std::vector<std::vector<RowCandidate>> &candidates,
               const RowGroupChoice &choice, std::vector<bool> &grouped) {
  grouped.assign(graph.steps.size(), false);
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
      RowSchedule schedule;
      if (!rowGroupLayers(candidates[c], first, last, layers).empty() ||
          !scheduleRowGroup(layers, schedule, 16).empty()) {
        first = last + 1;
        continue;
      }
      const int64_t s0 = runs[c][first], s1 = runs[c][last];
      for (size_t m = first; m <= last; ++m)
        grouped[runs[c][m]] = true;
      const int in = graph.steps[s0].inputs.front();
      const int out = graph.steps[s1].output;
      // The group is one step of the integer graph: its input and line
      // buffers live to its last layer's step, where its output starts (it
      // is written all along, but the input and lines are live with it).
      buffers[in].lastUse = std::max(buffers[in].lastUse, s1);
      buffers[out].inPlaceOf = -1;
      // In place over an input that dies in the group (as the arena plan's
      // hint: ArenaBuffers.h).
      if (inPlace && buffers[in].lastUse == s1 &&
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
  std::vector<Buffer> buffers = separateBuffers(graph, assignment, inPlace);
  std::vector<bool> grouped;
  if (!fuseRows)
    return withScratch(graph, assignment, scratchBytes, grouped,
                       std::move(buffers));
  const std::vector<std::vector<int>> runs = graphRowRuns(graph);
  const std::vector<std::vector<RowCandidate>> candidates =
      graphRowCandidates(graph, runs, assignment);
  auto grouping = [&](const RowGroupChoice &choice) {
    std::vector<Buffer> all = groupedBuffers(graph, inPlace, buffers, runs,
                                             candidates, choice, grouped);
    return withScratch(graph, assignment, scratchBytes, grouped,
                       std::move(all));
  };
  const RowGroupChoice choice =
      chooseRowGroups(candidates, [&](const RowGroupChoice &trial) {
        return lowerBound(grouping(trial), 16);
      });
  return grouping(choice);
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
