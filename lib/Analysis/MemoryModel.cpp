//===- MemoryModel.cpp - Flash and RAM model for bit-width decisions ------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/MemoryModel.h"
#include "mpq/Analysis/BufferPlanner.h"

#include "mpq/Support/Packing.h"

#include <algorithm>
#include <cctype>
#include <utility>

using namespace mlir::mpq;

bool mlir::mpq::hasWeights(StepKind kind) {
  return kind == StepKind::Conv || kind == StepKind::Depthwise ||
         kind == StepKind::FullyConnected;
}

const char *mlir::mpq::stepKindName(StepKind kind) {
  switch (kind) {
  case StepKind::Conv:
    return "conv";
  case StepKind::Depthwise:
    return "depthwise";
  case StepKind::FullyConnected:
    return "fully-connected";
  case StepKind::Add:
    return "add";
  case StepKind::Concat:
    return "concat";
  case StepKind::Other:
    return "other";
  }
  return "?";
}

const char *mlir::mpq::quantSchemeName(QuantScheme scheme) {
  switch (scheme) {
  case QuantScheme::PC_ICN:
    return "pc-icn";
  case QuantScheme::PL_ICN:
    return "pl-icn";
  case QuantScheme::PL_FB:
    return "pl-fb";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// GraphDesc
//===----------------------------------------------------------------------===//

int GraphDesc::numVariables() const {
  int num = 0;
  for (const ActivationTensor &t : tensors)
    num = std::max(num, t.variable + 1);
  return num;
}

int GraphDesc::findStep(const std::string &name) const {
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].name == name)
      return static_cast<int>(i);
  return -1;
}

int GraphDesc::producerOf(int tensor) const {
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].output == tensor)
      return static_cast<int>(i);
  return -1;
}

std::string GraphDesc::variableName(int variable) const {
  for (const GraphStep &step : steps)
    if (step.output >= 0 && step.output < static_cast<int>(tensors.size()) &&
        tensors[step.output].variable == variable)
      return tensors[step.output].name;
  for (const ActivationTensor &t : tensors)
    if (t.variable == variable)
      return t.name;
  return "v" + std::to_string(variable);
}

int GraphDesc::addTensor(std::string name, std::vector<int64_t> shape,
                         int variable) {
  tensors.push_back({std::move(name), std::move(shape), variable});
  return static_cast<int>(tensors.size()) - 1;
}

int GraphDesc::addLayer(std::string name, StepKind kind,
                        std::vector<int64_t> weightShape, int64_t outChannels,
                        int input, int output, bool isLast) {
  GraphStep step;
  step.name = std::move(name);
  step.kind = kind;
  step.weightShape = std::move(weightShape);
  step.outChannels = outChannels;
  step.inputs = {input};
  step.output = output;
  step.isLast = isLast;
  steps.push_back(std::move(step));
  return static_cast<int>(steps.size()) - 1;
}

int GraphDesc::addStep(std::string name, StepKind kind, std::vector<int> inputs,
                       int output) {
  GraphStep step;
  step.name = std::move(name);
  step.kind = kind;
  step.inputs = std::move(inputs);
  step.output = output;
  steps.push_back(std::move(step));
  return static_cast<int>(steps.size()) - 1;
}

std::vector<int> mlir::mpq::variableCreators(const GraphDesc &graph) {
  std::vector<int> creator(graph.numVariables(), -1);
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    const int var = graph.tensors[step.output].variable;
    bool passThrough = false;
    for (int in : step.inputs)
      passThrough |= graph.tensors[in].variable == var;
    if (!passThrough && creator[var] < 0)
      creator[var] = static_cast<int>(s);
  }
  return creator;
}

std::string mlir::mpq::validateGraph(const GraphDesc &graph) {
  const int numTensors = static_cast<int>(graph.tensors.size());
  if (graph.steps.empty())
    return "graph has no steps";
  for (const ActivationTensor &t : graph.tensors) {
    if (t.variable < 0)
      return "tensor '" + t.name + "' has a negative variable index";
    for (int64_t d : t.shape)
      if (d <= 0)
        return "tensor '" + t.name + "' has a non-positive dimension";
  }
  // Step that writes each tensor and step that creates each variable;
  // reading before either exists would make the schedule meaningless.
  std::vector<int> producer(numTensors, -1);
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    if (step.output < 0 || step.output >= numTensors)
      return "step '" + step.name + "' has no valid output tensor";
    if (producer[step.output] >= 0)
      return "tensor '" + graph.tensors[step.output].name +
             "' is written by two steps";
    producer[step.output] = static_cast<int>(s);
    for (int in : step.inputs)
      if (in < 0 || in >= numTensors)
        return "step '" + step.name + "' reads a tensor index out of range";
  }
  const std::vector<int> varProducer = variableCreators(graph);
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    const std::string where = "step '" + step.name + "'";
    if (step.inputs.empty())
      return where + " reads no tensor";
    for (int in : step.inputs) {
      if (in == step.output)
        return where + " reads its own output";
      int from = producer[in] >= 0 ? producer[in]
                                   : varProducer[graph.tensors[in].variable];
      if (from >= static_cast<int>(s))
        return where + " reads '" + graph.tensors[in].name +
               "' before it is produced";
    }
    if (hasWeights(step.kind)) {
      if (step.inputs.size() != 1)
        return where + " is a weight layer and must read exactly one tensor";
      if (step.weightShape.empty())
        return where + " has no weight shape";
      for (int64_t d : step.weightShape)
        if (d <= 0)
          return where + " has a non-positive weight dimension";
      if (step.outChannels <= 0)
        return where + " has no output channels";
    } else {
      if (!step.weightShape.empty())
        return where + " is a " + stepKindName(step.kind) +
               " step and cannot have weights";
      if (step.isLast)
        return where + ": only a weight layer can be the last layer";
    }
    if (step.lookupTables < 0 ||
        (step.lookupTables > 0 &&
         (hasWeights(step.kind) || step.inputs.size() != 1)))
      return where + " has lookup tables and must be a weightless step "
                     "reading exactly one tensor";
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Assignments and sizes
//===----------------------------------------------------------------------===//

BitAssignment mlir::mpq::uniformAssignment(const GraphDesc &graph,
                                           unsigned bits) {
  BitAssignment a;
  for (const GraphStep &step : graph.steps)
    a.weightBits.push_back(hasWeights(step.kind) ? bits : 0);
  a.activationBits.assign(graph.numVariables(), bits);
  return a;
}

std::string mlir::mpq::validateAssignment(const GraphDesc &graph,
                                          const BitAssignment &assignment) {
  if (assignment.weightBits.size() != graph.steps.size())
    return "assignment has " + std::to_string(assignment.weightBits.size()) +
           " weight widths for " + std::to_string(graph.steps.size()) +
           " steps";
  if (assignment.activationBits.size() !=
      static_cast<size_t>(graph.numVariables()))
    return "assignment has " +
           std::to_string(assignment.activationBits.size()) +
           " activation widths for " + std::to_string(graph.numVariables()) +
           " variables";
  if (!assignment.perLayerWeights.empty() &&
      assignment.perLayerWeights.size() != graph.steps.size())
    return "assignment has " +
           std::to_string(assignment.perLayerWeights.size()) +
           " per-layer flags for " + std::to_string(graph.steps.size()) +
           " steps";
  for (size_t s = 0; s < assignment.perLayerWeights.size(); ++s)
    if (assignment.perLayerWeights[s] && !hasWeights(graph.steps[s].kind))
      return "step '" + graph.steps[s].name +
             "' has no weights to quantize per layer";
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    unsigned b = assignment.weightBits[s];
    bool ok = hasWeights(graph.steps[s].kind) ? (b >= 1 && b <= 8) : b == 0;
    if (!ok)
      return "step '" + graph.steps[s].name + "' has weight width " +
             std::to_string(b);
  }
  for (size_t v = 0; v < assignment.activationBits.size(); ++v) {
    unsigned b = assignment.activationBits[v];
    if (b < 1 || b > 8)
      return "variable '" + graph.variableName(static_cast<int>(v)) +
             "' has width " + std::to_string(b);
  }
  return "";
}

int64_t mlir::mpq::layerParamBytes(QuantScheme scheme, int64_t outChannels,
                                   bool isLast) {
  const int64_t c = outChannels;
  if (isLast)
    return scheme == QuantScheme::PC_ICN ? 7 * c + 4 : 4 * c + 20;
  switch (scheme) {
  case QuantScheme::PL_FB:
    return 4 * c + 20;
  case QuantScheme::PL_ICN:
    return 9 * c + 12;
  case QuantScheme::PC_ICN:
    return 10 * c + 8;
  }
  return 0;
}

int64_t mlir::mpq::weightElements(const GraphStep &step) {
  if (!hasWeights(step.kind))
    return 0;
  int64_t n = 1;
  for (int64_t d : step.weightShape)
    n *= d;
  return n;
}

std::vector<LiveRange> mlir::mpq::computeLiveRanges(const GraphDesc &graph) {
  const int numSteps = static_cast<int>(graph.steps.size());
  const std::vector<int> varProducer = variableCreators(graph);
  std::vector<int> producer(graph.tensors.size(), -1);
  for (int s = 0; s < numSteps; ++s)
    producer[graph.steps[s].output] = s;
  std::vector<LiveRange> ranges(graph.tensors.size());
  std::vector<int> lastUse(graph.tensors.size(), -1);
  for (int s = 0; s < numSteps; ++s)
    for (int in : graph.steps[s].inputs)
      lastUse[in] = std::max(lastUse[in], s);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    int first = producer[t];
    if (first < 0)
      first = std::max(0, varProducer[graph.tensors[t].variable]);
    ranges[t].first = first;
    ranges[t].last = lastUse[t] >= 0 && !graph.tensors[t].isOutput
                         ? lastUse[t]
                         : numSteps - 1;
  }
  return ranges;
}

int64_t mlir::mpq::lookupTableBytes(unsigned inputBits) {
  return inputBits >= 1 && inputBits <= 16 ? int64_t(1) << inputBits : 0;
}

int64_t mlir::mpq::stepParamBytes(const GraphDesc &graph, size_t s,
                                  const BitAssignment &assignment,
                                  QuantScheme scheme) {
  const GraphStep &step = graph.steps[s];
  if (hasWeights(step.kind))
    return layerParamBytes(assignment.isPerLayer(s) ? QuantScheme::PL_FB
                                                    : scheme,
                           step.outChannels, step.isLast);
  if (step.lookupTables > 0)
    return step.lookupTables *
           lookupTableBytes(
               assignment.activationBits[graph.tensors[step.inputs.front()]
                                             .variable]);
  return 0;
}

std::pair<int64_t, int64_t>
mlir::mpq::stepInPlaceShifts(const GraphDesc &graph,
                             const std::vector<LiveRange> &ranges, size_t s,
                             const BitAssignment &assignment) {
  const std::pair<int64_t, int64_t> none{-1, -1};
  const GraphStep &step = graph.steps[s];
  if (step.windowStride <= 0 || step.inputs.size() != 1)
    return none;
  const int in = step.inputs.front();
  if (ranges[in].last != static_cast<int>(s))
    return none;
  const ActivationTensor &x = graph.tensors[in],
                         &y = graph.tensors[step.output];
  if (x.shape.size() != 4 || y.shape.size() != 4)
    return none;
  const unsigned inBits = assignment.activationBits[x.variable];
  const unsigned outBits = assignment.activationBits[y.variable];
  WindowShifts shifts = windowInPlaceShifts(
      x.shape, packedTensorBytes({x.shape[3]}, inBits), y.shape,
      packedTensorBytes({y.shape[3]}, outBits), step.windowStride,
      step.windowPadTop, step.windowExtent, step.windowPointwise);
  return {shifts.belowSaves() ? shifts.below : -1, shifts.up};
}

int64_t mlir::mpq::stepInPlaceShift(const GraphDesc &graph,
                                    const std::vector<LiveRange> &ranges,
                                    size_t s, const BitAssignment &assignment) {
  auto [below, up] = stepInPlaceShifts(graph, ranges, s, assignment);
  if (below < 0 || (up >= 0 && up < below))
    return up;
  return below;
}

Footprint mlir::mpq::computeFootprint(const GraphDesc &graph,
                                      const BitAssignment &assignment,
                                      QuantScheme scheme, bool inPlace) {
  Footprint fp;
  std::vector<int64_t> tensorBytes;
  for (const ActivationTensor &t : graph.tensors)
    tensorBytes.push_back(
        packedTensorBytes(t.shape, assignment.activationBits[t.variable]));

  std::vector<LiveRange> ranges = computeLiveRanges(graph);
  fp.steps.resize(graph.steps.size());
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    StepFootprint &sf = fp.steps[s];
    if (hasWeights(step.kind))
      sf.weightBytes =
          packedTensorBytes(step.weightShape, assignment.weightBits[s]);
    sf.paramBytes = stepParamBytes(graph, s, assignment, scheme);
    for (int in : step.inputs)
      sf.inputBytes += tensorBytes[in];
    sf.outputBytes = tensorBytes[step.output];
    for (size_t t = 0; t < graph.tensors.size(); ++t)
      if (ranges[t].first <= static_cast<int>(s) &&
          static_cast<int>(s) <= ranges[t].last)
        sf.liveBytes += tensorBytes[t];
    if (inPlace) {
      sf.inPlaceShift = stepInPlaceShift(graph, ranges, s, assignment);
      sf.inPlaceFromLast =
          sf.inPlaceShift >= 0 &&
          stepInPlaceShifts(graph, ranges, s, assignment).first !=
              sf.inPlaceShift;
      sf.liveBytes -= sf.ioBytes() - sf.heldBytes();
    }

    fp.weightBytes += sf.weightBytes;
    fp.paramBytes += sf.paramBytes;
    if (hasWeights(step.kind) && sf.heldBytes() > fp.ramBytes) {
      fp.ramBytes = sf.heldBytes();
      fp.ramStep = static_cast<int>(s);
    }
    if (sf.liveBytes > fp.peakLiveBytes) {
      fp.peakLiveBytes = sf.liveBytes;
      fp.peakLiveStep = static_cast<int>(s);
    }
  }
  fp.flashBytes = fp.weightBytes + fp.paramBytes;
  return fp;
}

//===----------------------------------------------------------------------===//
// MobileNetV1
//===----------------------------------------------------------------------===//

GraphDesc mlir::mpq::buildMobileNetV1(double alpha, int resolution) {
  GraphDesc g;
  if (!(alpha > 0) || resolution <= 0)
    return g;
  // Keras' int(filters * alpha); never below one channel.
  auto width = [&](int64_t c) {
    return std::max<int64_t>(
        1, static_cast<int64_t>(static_cast<double>(c) * alpha));
  };
  // TF SAME padding.
  auto down = [](int64_t in, int64_t stride) {
    return (in + stride - 1) / stride;
  };

  int var = 0;
  int64_t hw = resolution;
  int cur = g.addTensor("input", {1, hw, hw, 3}, var++);
  int64_t ch = width(32);
  hw = down(hw, 2);
  int out = g.addTensor("conv0_out", {1, hw, hw, ch}, var++);
  g.addLayer("conv0", StepKind::Conv, {ch, 3, 3, 3}, ch, cur, out);
  cur = out;

  static const int strides[13] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
  static const int widths[13] = {64,  128, 128, 256, 256,  512, 512,
                                 512, 512, 512, 512, 1024, 1024};
  for (int b = 0; b < 13; ++b) {
    std::string id = std::to_string(b + 1);
    hw = down(hw, strides[b]);
    out = g.addTensor("dw" + id + "_out", {1, hw, hw, ch}, var++);
    g.addLayer("dw" + id, StepKind::Depthwise, {3, 3, ch}, ch, cur, out);
    cur = out;
    int64_t next = width(widths[b]);
    out = g.addTensor("pw" + id + "_out", {1, hw, hw, next}, var++);
    g.addLayer("pw" + id, StepKind::Conv, {next, 1, 1, ch}, next, cur, out);
    cur = out;
    ch = next;
  }

  // Average pooling does not requantize in the paper's model: the pooled
  // vector keeps pw13's variable.
  int pooled = g.addTensor("pool_out", {1, ch}, g.tensors[cur].variable);
  g.addStep("pool", StepKind::Other, {cur}, pooled);
  out = g.addTensor("fc_out", {1, 1000}, var++);
  g.addLayer("fc", StepKind::FullyConnected, {1000, ch}, 1000, pooled, out,
             /*isLast=*/true);
  return g;
}

int64_t mlir::mpq::pointwiseWideningBytes(int64_t pixels, int64_t inChannels,
                                          int64_t outChannels,
                                          unsigned inputBits) {
  if ((inputBits != 8 && inputBits != 4 && inputBits != 2) || pixels < 2 ||
      inChannels <= 0 || inChannels > (int64_t{1} << 40) ||
      inChannels % 8 != 0 || outChannels % 2 != 0 || outChannels < 8)
    return 0;
  return 2 * 2 * inChannels;
}

int64_t mlir::mpq::windowWideningBytes(int64_t outPixels, int64_t kh,
                                       int64_t kw, int64_t inChannels,
                                       int64_t outChannels,
                                       unsigned inputBits) {
  int64_t codes = 0;
  if (inputBits != 8 || outPixels < 2 || kh <= 0 || kw <= 0 ||
      inChannels <= 0 || outChannels % 2 != 0 || outChannels < 8 ||
      __builtin_mul_overflow(kh, kw, &codes) ||
      __builtin_mul_overflow(codes, inChannels, &codes) ||
      codes > (int64_t{1} << 40) || (inChannels % 4 != 0 && codes > 64))
    return 0;
  return 2 * 2 * ((codes + 7) / 8 * 8);
}
