//===- PrecisionAssignment.cpp - Choosing bit-widths from budgets ---------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PrecisionAssignment.h"

#include "mpq/Support/Packing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

using namespace mlir::mpq;

PrecisionStrategy::~PrecisionStrategy() = default;

namespace {

/// The width the method fixes for the image and the logits.
constexpr unsigned kFixedIOBits = 8;

std::string formatShare(double share) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f", share);
  return buf;
}

std::string bytesText(int64_t bytes) { return std::to_string(bytes) + " B"; }

/// Variables some step creates; the others are graph inputs. A reshape of
/// the image passes the image's variable through and does not make it an
/// activation the rule may cut.
std::vector<bool> producedVariables(const GraphDesc &graph) {
  std::vector<int> creators = variableCreators(graph);
  std::vector<bool> produced(creators.size());
  for (size_t v = 0; v < creators.size(); ++v)
    produced[v] = creators[v] >= 0;
  return produced;
}

/// ", in place ..." for a step that runs in place with `shift`, in order
/// (the output that far below the input) or from its last pixel.
static std::string inPlaceWords(int64_t shift, bool fromLast) {
  if (fromLast)
    return ", in place from the last pixel with the output's end " +
           std::to_string(shift) + " B above the input's";
  return ", in place with the output " + std::to_string(shift) +
         " B below the input";
}

/// Everything the rule needs while it runs: the current widths, which of
/// them are fixed, and the log.
class RuleRun {
public:
  RuleRun(const GraphDesc &g, const AssignmentRequest &req)
      : graph(g), request(req), ranges(computeLiveRanges(g)) {}

  /// Checks the request and sets up the starting widths; returns an error
  /// message or "".
  std::string initialize();
  void runChainActivationPass();
  void runDagActivationPass();
  void runWeightPass();
  AssignmentResult finish(bool chainRule);

private:
  const GraphDesc &graph;
  const AssignmentRequest &request;
  const std::vector<LiveRange> ranges;
  BitAssignment bits;
  std::vector<bool> varFixed;
  std::vector<bool> weightFixed;
  std::vector<CutRecord> cuts;
  int activationSweeps = 0;
  int weightIterations = 0;
  /// Step at which the activation pass gave up, and a description of why.
  int ramStopStep = -1;
  std::string ramStopText;
  bool flashStopped = false;

  /// Next smaller candidate below `b`, or 0 if there is none.
  unsigned nextLower(unsigned b) const {
    const std::vector<unsigned> &c = request.candidateBits;
    for (size_t i = 0; i + 1 < c.size(); ++i)
      if (c[i] == b)
        return c[i + 1];
    return 0;
  }
  bool variableCuttable(int var) const {
    return !varFixed[var] && nextLower(bits.activationBits[var]) != 0;
  }
  bool weightCuttable(int step) const {
    return !weightFixed[step] && nextLower(bits.weightBits[step]) != 0;
  }
  int64_t tensorBytes(int tensor) const {
    const ActivationTensor &t = graph.tensors[tensor];
    return packedTensorBytes(t.shape, bits.activationBits[t.variable]);
  }
  int varOf(int tensor) const { return graph.tensors[tensor].variable; }
  /// With in-place requested, the shift step `s` runs in place with at the
  /// current widths (the smaller of both directions), or -1.
  int64_t inPlaceShift(int s) const {
    return request.inPlace ? stepInPlaceShift(graph, ranges, s, bits) : -1;
  }
  /// How the step runs in place with `shift`, for the log.
  std::string inPlaceText(int s, int64_t shift) const {
    auto [below, up] = stepInPlaceShifts(graph, ranges, s, bits);
    return inPlaceWords(shift, !(below >= 0 && below == shift));
  }
  std::string sideText(int tensor) const {
    int var = varOf(tensor);
    std::string text = std::to_string(bits.activationBits[var]) + " bits";
    if (varFixed[var])
      text += ", fixed";
    else if (nextLower(bits.activationBits[var]) == 0)
      text += ", smallest";
    return text;
  }
  void cutVariable(int var, int round, bool forward, int step,
                   std::string reason) {
    CutRecord rec;
    rec.target = CutTarget::Activation;
    rec.index = var;
    rec.name = graph.variableName(var);
    rec.fromBits = bits.activationBits[var];
    rec.toBits = nextLower(rec.fromBits);
    rec.round = round;
    rec.forward = forward;
    rec.step = step;
    rec.reason = std::move(reason);
    bits.activationBits[var] = rec.toBits;
    cuts.push_back(std::move(rec));
  }
  int64_t flashBytes() const {
    int64_t total = 0;
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      const GraphStep &step = graph.steps[s];
      if (hasWeights(step.kind))
        total += packedTensorBytes(step.weightShape, bits.weightBits[s]);
      total += stepParamBytes(graph, s, bits, request.scheme);
    }
    return total;
  }
};

std::string RuleRun::initialize() {
  StartingWidths start;
  std::string error = computeStartingWidths(graph, request, start);
  if (!error.empty())
    return error;
  bits = std::move(start.bits);
  weightFixed = std::move(start.weightFixed);
  varFixed = std::move(start.variableFixed);
  return "";
}

void RuleRun::runChainActivationPass() {
  std::vector<int> layers;
  for (size_t s = 0; s < graph.steps.size(); ++s)
    if (hasWeights(graph.steps[s].kind))
      layers.push_back(static_cast<int>(s));
  const int numLayers = static_cast<int>(layers.size());
  const int64_t budget = request.ramBudget;

  // Each pair of sweeps makes at least one cut unless every layer fits or
  // one is stuck (a layer that waited saw no change and now wants the
  // sweep's side), so the loop ends after at most 2 * (number of possible
  // cuts) + 2 sweeps.
  for (int sweep = 1;; ++sweep) {
    const bool forward = sweep % 2 == 1;
    activationSweeps = sweep;
    bool allWithin = true;
    for (int k = 0; k < numLayers; ++k) {
      const int s = layers[forward ? k : numLayers - 1 - k];
      const GraphStep &step = graph.steps[s];
      const int inT = step.inputs[0], outT = step.output;
      while (true) {
        const int64_t in = tensorBytes(inT), out = tensorBytes(outT);
        const int64_t shift = inPlaceShift(s);
        const int64_t held = shift < 0 ? in + out : std::max(in + shift, out);
        if (held <= budget)
          break;
        allWithin = false;
        const bool inCut = variableCuttable(varOf(inT));
        const bool outCut = variableCuttable(varOf(outT));
        const std::string need =
            "'" + step.name + "' needs " + std::to_string(held) + " B (in " +
            std::to_string(in) + " + out " + std::to_string(out) +
            (shift < 0 ? std::string() : inPlaceText(s, shift)) + ") > " +
            bytesText(budget);
        if (!inCut && !outCut) {
          ramStopStep = s;
          ramStopText = "the rule stopped at layer '" + step.name + "' in " +
                        (forward ? "forward" : "backward") + " sweep " +
                        std::to_string(sweep) + ": " + need + " with input (" +
                        sideText(inT) + ") and output (" + sideText(outT) +
                        ") both unable to shrink";
          return;
        }
        const unsigned bi = bits.activationBits[varOf(inT)];
        const unsigned bo = bits.activationBits[varOf(outT)];
        bool wantInput;
        std::string why;
        if (inCut && outCut) {
          if (bi != bo) {
            wantInput = bi > bo;
            why = std::string(wantInput ? "input" : "output") +
                  " has more bits (" + std::to_string(std::max(bi, bo)) +
                  " > " + std::to_string(std::min(bi, bo)) + ")";
          } else {
            // Ties go to the output unless the input is strictly larger.
            wantInput = in > out;
            why = "equal bits (" + std::to_string(bi) + "), " +
                  (wantInput ? "input " + std::to_string(in) + " B > output " +
                                   std::to_string(out) + " B"
                             : "output " + std::to_string(out) +
                                   " B >= input " + std::to_string(in) + " B");
          }
        } else {
          wantInput = inCut;
          why = std::string(wantInput ? "only the input can shrink (output "
                                      : "only the output can shrink (input ") +
                sideText(wantInput ? outT : inT) + ")";
        }
        // A forward sweep cuts outputs, a backward sweep inputs; the other
        // side waits for the next sweep.
        if (wantInput == forward)
          break;
        cutVariable(varOf(wantInput ? inT : outT), sweep, forward, s,
                    need + "; " + why);
      }
    }
    if (allWithin)
      return;
  }
}

void RuleRun::runDagActivationPass() {
  const std::vector<LiveRange> ranges = computeLiveRanges(graph);
  const int64_t budget = request.ramBudget;
  activationSweeps = 1;
  for (size_t si = 0; si < graph.steps.size(); ++si) {
    const int s = static_cast<int>(si);
    while (true) {
      int64_t live = 0;
      int best = -1;
      int64_t bestBytes = -1;
      for (size_t ti = 0; ti < graph.tensors.size(); ++ti) {
        const int t = static_cast<int>(ti);
        if (ranges[t].first > s || s > ranges[t].last)
          continue;
        const int64_t b = tensorBytes(t);
        live += b;
        if (!variableCuttable(varOf(t)))
          continue;
        // Largest first; ties: earliest live range (closest to the input),
        // then the lower variable.
        bool better = best < 0 || b > bestBytes;
        if (!better && b == bestBytes) {
          if (ranges[t].first != ranges[best].first)
            better = ranges[t].first < ranges[best].first;
          else
            better = varOf(t) < varOf(best);
        }
        if (better) {
          best = t;
          bestBytes = b;
        }
      }
      // A step in place holds its input and output as their union.
      if (const int64_t shift = inPlaceShift(s); shift >= 0) {
        const int64_t in = tensorBytes(graph.steps[s].inputs.front());
        const int64_t out = tensorBytes(graph.steps[s].output);
        live -= in + out - std::max(in + shift, out);
      }
      if (live <= budget)
        break;
      const std::string need = "step '" + graph.steps[s].name + "' has " +
                               std::to_string(live) + " B live > " +
                               bytesText(budget);
      if (best < 0) {
        ramStopStep = s;
        ramStopText = "the rule stopped at " + need +
                      ": every tensor live there is fixed or at its "
                      "smallest width";
        return;
      }
      cutVariable(varOf(best), 1, true, s,
                  need + "; largest cuttable live tensor '" +
                      graph.tensors[best].name + "' (" +
                      std::to_string(bestBytes) + " B)");
    }
  }
}

void RuleRun::runWeightPass() {
  const int numSteps = static_cast<int>(graph.steps.size());
  while (true) {
    const int64_t flash = flashBytes();
    if (flash <= request.flashBudget)
      return;
    // Shares are over all weight layers, candidates only the cuttable ones.
    double total = 0;
    for (int s = 0; s < numSteps; ++s)
      total += static_cast<double>(weightElements(graph.steps[s])) *
               bits.weightBits[s];
    std::vector<double> share(numSteps, 0.0);
    int top = -1;
    for (int s = 0; s < numSteps; ++s) {
      if (!hasWeights(graph.steps[s].kind))
        continue;
      share[s] = static_cast<double>(weightElements(graph.steps[s])) *
                 bits.weightBits[s] / total;
      if (weightCuttable(s) && (top < 0 || share[s] > share[top]))
        top = s;
    }
    if (top < 0) {
      flashStopped = true;
      return;
    }
    const double threshold = share[top] - request.delta;
    int chosen = -1;
    std::string within;
    for (int s = 0; s < numSteps; ++s) {
      // The top layer always qualifies, also when delta is 0.
      if (!weightCuttable(s) || !(share[s] > threshold || s == top))
        continue;
      if (chosen < 0)
        chosen = s;
      within += (within.empty() ? "" : ", ") + graph.steps[s].name + " " +
                formatShare(share[s]);
    }
    ++weightIterations;
    CutRecord rec;
    rec.target = CutTarget::Weight;
    rec.index = chosen;
    rec.name = graph.steps[chosen].name;
    rec.fromBits = bits.weightBits[chosen];
    rec.toBits = nextLower(rec.fromBits);
    rec.round = weightIterations;
    rec.reason = "flash " + std::to_string(flash) + " B > " +
                 bytesText(request.flashBudget) + "; largest share " +
                 formatShare(share[top]) + " ('" + graph.steps[top].name +
                 "'); shares > " + formatShare(threshold) + ": " + within +
                 "; cut the one closest to the input";
    bits.weightBits[chosen] = rec.toBits;
    cuts.push_back(std::move(rec));
  }
}

AssignmentResult RuleRun::finish(bool chainRule) {
  AssignmentResult r;
  r.valid = true;
  r.chainRule = chainRule;
  r.assignment = bits;
  r.footprint = computeFootprint(graph, bits, request.scheme, request.inPlace);
  r.ramUsed = chainRule ? r.footprint.ramBytes : r.footprint.peakLiveBytes;
  r.ramFits = r.ramUsed <= request.ramBudget;
  r.flashFits = r.footprint.flashBytes <= request.flashBudget;
  r.fits = r.ramFits && r.flashFits;
  r.cuts = cuts;
  r.activationSweeps = activationSweeps;
  r.weightIterations = weightIterations;
  if (r.fits)
    return r;

  // The smallest footprint any assignment can reach: every width that is
  // not fixed at the smallest candidate.
  BitAssignment smallest = bits;
  const unsigned minBits = request.candidateBits.back();
  for (size_t v = 0; v < smallest.activationBits.size(); ++v)
    if (!varFixed[v])
      smallest.activationBits[v] = minBits;
  for (size_t s = 0; s < graph.steps.size(); ++s)
    if (hasWeights(graph.steps[s].kind) && !weightFixed[s])
      smallest.weightBits[s] = minBits;
  r.smallestFootprint =
      computeFootprint(graph, smallest, request.scheme, request.inPlace);
  const Footprint &least = r.smallestFootprint;
  const std::string minText = std::to_string(minBits) + " bits";

  std::string msg;
  if (!r.ramFits) {
    const int b = chainRule ? least.ramStep : least.peakLiveStep;
    r.ramBottleneck = b;
    const StepFootprint &sf = least.steps[b];
    msg += "RAM budget of " + bytesText(request.ramBudget) +
           " cannot be met: the smallest RAM reachable, with every "
           "activation that may be cut at " +
           minText + ", is " +
           bytesText(chainRule ? least.ramBytes : least.peakLiveBytes) +
           "; bottleneck " + (chainRule ? "layer '" : "step '") +
           graph.steps[b].name + "' (";
    if (chainRule)
      msg += "input " + bytesText(sf.inputBytes) + " + output " +
             bytesText(sf.outputBytes) +
             (sf.inPlaceShift < 0
                  ? std::string()
                  : inPlaceWords(sf.inPlaceShift, sf.inPlaceFromLast)) +
             ")";
    else
      msg += bytesText(sf.liveBytes) + " live)";
    if (!ramStopText.empty())
      msg += "; " + ramStopText;
  }
  if (!r.flashFits) {
    int b = -1;
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      if (!hasWeights(graph.steps[s].kind))
        continue;
      const StepFootprint &sf = least.steps[s];
      if (b < 0 || sf.weightBytes + sf.paramBytes >
                       least.steps[b].weightBytes + least.steps[b].paramBytes)
        b = static_cast<int>(s);
    }
    r.flashBottleneck = b;
    if (!msg.empty())
      msg += "\n";
    msg += "flash budget of " + bytesText(request.flashBudget) +
           " cannot be met: the smallest flash reachable, with every "
           "unpinned weight tensor at " +
           minText + ", is " + bytesText(least.flashBytes) + " (weights " +
           bytesText(least.weightBytes) + " + parameters " +
           bytesText(least.paramBytes) + "); bottleneck layer '" +
           graph.steps[b].name + "' (weights " +
           bytesText(least.steps[b].weightBytes) + " + parameters " +
           bytesText(least.steps[b].paramBytes) + ")";
  }
  r.error = msg;
  return r;
}

} // namespace

std::string mlir::mpq::computeStartingWidths(const GraphDesc &graph,
                                             const AssignmentRequest &request,
                                             StartingWidths &start) {
  if (request.flashBudget <= 0 || request.ramBudget <= 0)
    return "the flash and RAM budgets must be positive";
  if (!(request.delta >= 0) || !std::isfinite(request.delta))
    return "delta must be a finite non-negative number";
  const std::vector<unsigned> &cand = request.candidateBits;
  if (cand.empty())
    return "no candidate bit-widths";
  for (size_t i = 0; i < cand.size(); ++i) {
    if (cand[i] < 1 || cand[i] > 8)
      return "candidate width " + std::to_string(cand[i]) + " is outside 1..8";
    if (i > 0 && cand[i] >= cand[i - 1])
      return "candidate widths must be strictly decreasing";
  }
  auto isCandidate = [&](unsigned b) {
    for (unsigned c : cand)
      if (c == b)
        return true;
    return false;
  };

  const int numVars = graph.numVariables();
  BitAssignment &bits = start.bits;
  std::vector<bool> &varFixed = start.variableFixed;
  std::vector<bool> &weightFixed = start.weightFixed;
  bits = uniformAssignment(graph, cand.front());
  varFixed.assign(numVars, false);
  weightFixed.assign(graph.steps.size(), false);
  auto varOf = [&](int tensor) { return graph.tensors[tensor].variable; };

  // The image (any variable no step writes) and the logits stay at 8 bits.
  std::vector<bool> produced = producedVariables(graph);
  for (int v = 0; v < numVars; ++v) {
    if (!produced[v]) {
      varFixed[v] = true;
      bits.activationBits[v] = kFixedIOBits;
    }
  }
  std::vector<bool> pinnedByUser(numVars, false);
  for (const GraphStep &step : graph.steps) {
    if (step.isLast) {
      int v = varOf(step.output);
      varFixed[v] = true;
      bits.activationBits[v] = kFixedIOBits;
    }
  }

  for (const LayerPin &pin : request.pins) {
    int s = graph.findStep(pin.layer);
    if (s < 0)
      return "pin names an unknown layer '" + pin.layer + "'";
    const GraphStep &step = graph.steps[s];
    if (pin.weightBits != 0) {
      if (!hasWeights(step.kind))
        return "pin on '" + pin.layer + "' fixes weights, but it has none";
      if (!isCandidate(pin.weightBits))
        return "pin on '" + pin.layer + "': weight width " +
               std::to_string(pin.weightBits) + " is not a candidate width";
      if (weightFixed[s] && bits.weightBits[s] != pin.weightBits)
        return "conflicting weight pins on '" + pin.layer + "'";
      weightFixed[s] = true;
      bits.weightBits[s] = pin.weightBits;
      if (pin.perLayerWeights) {
        bits.perLayerWeights.resize(graph.steps.size(), false);
        bits.perLayerWeights[s] = true;
      }
    }
    if (pin.outputBits != 0) {
      int v = varOf(step.output);
      if (!isCandidate(pin.outputBits))
        return "pin on '" + pin.layer + "': output width " +
               std::to_string(pin.outputBits) + " is not a candidate width";
      if (step.isLast && pin.outputBits != kFixedIOBits)
        return "pin on '" + pin.layer +
               "': the last layer's output stays at 8 bits";
      if (pinnedByUser[v] && bits.activationBits[v] != pin.outputBits)
        return "conflicting output pins on '" + graph.variableName(v) + "'";
      pinnedByUser[v] = true;
      varFixed[v] = true;
      bits.activationBits[v] = pin.outputBits;
    }
  }
  return "";
}

AssignmentResult RuleStrategy::assign(const GraphDesc &graph,
                                      const AssignmentRequest &request) const {
  AssignmentResult invalid;
  invalid.error = validateGraph(graph);
  if (!invalid.error.empty())
    return invalid;
  RuleRun run(graph, request);
  invalid.error = run.initialize();
  if (!invalid.error.empty())
    return invalid;
  const bool chain = isChain(graph);
  if (chain)
    run.runChainActivationPass();
  else
    run.runDagActivationPass();
  run.runWeightPass();
  return run.finish(chain);
}

std::unique_ptr<PrecisionStrategy>
mlir::mpq::createPrecisionStrategy(const std::string &name) {
  if (name == "rule")
    return std::make_unique<RuleStrategy>();
  if (name == "search")
    return std::make_unique<SearchStrategy>();
  return nullptr;
}

std::optional<LayerPin> mlir::mpq::parseLayerPin(const std::string &padded) {
  // Blanks around a pin are not part of it ("a:8:8, b:4:0").
  size_t begin = padded.find_first_not_of(" \t");
  if (begin == std::string::npos)
    return std::nullopt;
  const std::string text =
      padded.substr(begin, padded.find_last_not_of(" \t") - begin + 1);
  LayerPin pin;
  size_t first = text.find(':');
  size_t second =
      first == std::string::npos ? first : text.find(':', first + 1);
  if (first == 0 || second == std::string::npos ||
      text.find(':', second + 1) != std::string::npos)
    return std::nullopt;
  auto number = [](const std::string &digits, unsigned &out) {
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    out = static_cast<unsigned>(std::stoul(digits));
    return true;
  };
  if (!number(text.substr(first + 1, second - first - 1), pin.weightBits) ||
      !number(text.substr(second + 1), pin.outputBits))
    return std::nullopt;
  pin.layer = text.substr(0, first);
  return pin;
}

std::vector<std::string> mlir::mpq::precisionStrategyNames() {
  return {"rule", "search"};
}

AssignmentResult
mlir::mpq::assignPrecisionByRule(const GraphDesc &graph,
                                 const AssignmentRequest &request) {
  return RuleStrategy().assign(graph, request);
}

bool mlir::mpq::isChain(const GraphDesc &graph) {
  if (!validateGraph(graph).empty())
    return false;
  std::vector<bool> produced = producedVariables(graph);
  std::vector<bool> written(graph.numVariables(), false);
  int prevOut = -1;
  bool first = true;
  for (const GraphStep &step : graph.steps) {
    const int inVar = graph.tensors[step.inputs[0]].variable;
    const int outVar = graph.tensors[step.output].variable;
    if (!hasWeights(step.kind)) {
      // Only one-input pass-through steps keep the chain intact.
      if (step.kind != StepKind::Other || step.inputs.size() != 1 ||
          inVar != outVar)
        return false;
      continue;
    }
    if (inVar == outVar || written[outVar])
      return false;
    if (first ? produced[inVar] : inVar != prevOut)
      return false;
    written[outVar] = true;
    prevOut = outVar;
    first = false;
  }
  return !first;
}

std::string mlir::mpq::formatBitString(const GraphDesc &graph,
                                       const BitAssignment &assignment) {
  std::string w = "w=", a = "a=";
  for (size_t s = 0; s < graph.steps.size() && s < assignment.weightBits.size();
       ++s)
    if (hasWeights(graph.steps[s].kind))
      w += std::to_string(assignment.weightBits[s]);
  for (unsigned b : assignment.activationBits)
    a += std::to_string(b);
  return w + " " + a;
}
