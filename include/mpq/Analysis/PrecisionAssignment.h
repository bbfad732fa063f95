//===- PrecisionAssignment.h - Choosing bit-widths from budgets -*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Bit-width assignment from the flash and RAM budgets alone (docs/paper.md §4),
// on the MLIR-free graph description of MemoryModel.h. The
// `--mpq-assign-precision` pass extracts a GraphDesc from the IR, runs a
// PrecisionStrategy and writes the widths and the cut log back.
//
// The rule (strategy "rule")
// --------------------------
// Every unpinned width starts at the largest candidate (8); a cut moves a
// width to the next smaller candidate (8 -> 4 -> 2), never below the
// smallest. Activations first, then weights.
//
// Activations on a chain (docs/paper.md §4, exactly). A chain is a graph whose
// weight layers each read the previous layer's output variable, the first
// one reading a graph input, with every weightless step a one-input
// pass-through (same variable in and out, e.g. pooling, flatten). Sweeps
// alternate, forward first; in each, every layer whose input + output bytes
// exceed the RAM budget wants to cut the side with more bits, or if equal
// the side with more bytes (the input only if strictly larger). A forward
// sweep may only cut outputs and a backward sweep only inputs; a layer whose
// wanted side is not the sweep's side waits for the next sweep. A layer keeps
// cutting until it fits or must wait. Sweeps stop after a whole sweep in
// which every layer was already within budget.
//
// Fixed widths. The image input and the last layer's output stay at 8 bits,
// and user pins fix a layer's output variable and/or weights. A side is
// cuttable if its variable is not fixed and above the smallest candidate.
// The wanted side is chosen among the cuttable sides only: with one
// cuttable side, that side is wanted (so conv0 cuts its output in a forward
// sweep and fc its input in a backward sweep, which is what the paper's rule
// must do for the 8-bit image and logits); with none and the layer still
// over budget, no assignment can fit (every width that could change is at
// its minimum) and the model is infeasible. On the paper's unpinned
// interior this is the same as "both sides at 2 bits", because a side at 2
// bits never has more bits than a cuttable side.
//
// Activations on other graphs (residual Add, Concat, requantizing weightless
// steps): the generalization of docs/decisions.md §2. Steps are visited once in
// execution order; while the bytes of the tensors live at a step exceed the RAM
// budget, the largest cuttable live tensor (by current bytes; ties: the one
// whose live range starts earliest, i.e. closest to the input, then the lower
// variable index) has its variable cut. Cuts only shrink tensors, so steps
// already visited stay within budget and one pass suffices. The RAM figure
// checked is then the peak of live bytes (Footprint::peakLiveBytes), which for
// a chain equals the paper's max(in + out).
//
// Weights: while flash (weights + per-channel parameters) exceeds the
// budget, the candidates are the weight layers that are not pinned and not
// at the smallest width; share_i = numel(W_i) * bw_i / sum over ALL layers
// of numel(W_j) * bw_j; s* is the largest candidate share; among candidates
// with share > s* - delta (and the top layer itself, so delta = 0 means
// "cut the largest"), the one closest to the input (lowest step index) is
// cut. With the table of docs/paper.md §3 the parameters do not depend on any
// width, so running the weight pass after the activation pass is visible
// only in the log order.
//
// Failure. If either pass cannot meet its budget the result does not fit,
// and `error` names the budget, the smallest footprint reachable (every
// cuttable width at the smallest candidate) and the bottleneck layer (the
// layer with the largest in + out, or the largest live step on a DAG, or
// the largest weights + parameters for flash, at that smallest footprint).
// Both passes always run, so a model that misses both budgets reports both.
// No exceptions: invalid input also comes back as `valid == false` with a
// message.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_PRECISIONASSIGNMENT_H
#define MPQ_ANALYSIS_PRECISIONASSIGNMENT_H

#include "mpq/Analysis/MemoryModel.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mpq {

/// Holds a layer at a width (`--pin=layer:wbits:abits`); 0 leaves that part
/// free. `outputBits` fixes the variable the layer writes.
struct LayerPin {
  std::string layer;
  unsigned weightBits = 0;
  unsigned outputBits = 0;
  /// With `weightBits`: the weights are quantized per layer, batch norm
  /// folded (BitAssignment::perLayerWeights), e.g. a model's own per-tensor
  /// weights with no batch norm after them.
  bool perLayerWeights = false;
};

/// Parses "layer:wbits:abits" (0 leaves a width free); nullopt if `text`
/// is not of that form.
std::optional<LayerPin> parseLayerPin(const std::string &text);

/// What quantizing one tensor at each candidate width costs: the objective
/// the search strategy minimizes (PrecisionSearch.cpp). Rows are indexed by
/// step (weights; empty for weightless steps) and by variable
/// (activations); each row has one entry per width of
/// AssignmentRequest::candidateBits, in that order. Only the widths a
/// strategy may choose are read: fixed widths (the image, the logits, pins)
/// cost nothing in the objective.
struct SensitivityTable {
  std::vector<std::vector<double>> weight;
  std::vector<std::vector<double>> activation;
  /// Optional, under scheme=pc-icn: the cost of each weight layer quantized
  /// per layer instead (one grid for the tensor, batch norm folded into the
  /// weights; its parameters are the PL+FB row, 4 C + 20 bytes instead of
  /// 10 C + 8). Empty, or one row per step like `weight`; a layer with an
  /// empty row is quantized per channel. The search offers per-layer
  /// weights where a row is given (docs/design.md, "Parameters that fit
  /// tight budgets").
  std::vector<std::vector<double>> weightPerLayer;
  /// Where the figures come from: "measured" (on calibration data),
  /// "proxy" (proxySensitivity), or a file name.
  std::string source;
};

/// A table for `graph` with every cost `fill`: a row of `candidates`
/// entries per weight layer (an empty row for weightless steps) and per
/// variable.
SensitivityTable uniformSensitivity(const GraphDesc &graph, size_t candidates,
                                    double fill = 0.0);

/// The stand-in when nothing was measured: every tensor counts the same,
/// and its cost at b bits is the noise power of a b-bit uniform quantizer
/// over that of an 8-bit one, minus one: (255 / (2^b - 1))^2 - 1, so 0 at
/// 8 bits, 288 at 4 and 7224 at 2.
SensitivityTable proxySensitivity(const GraphDesc &graph,
                                  const std::vector<unsigned> &candidateBits);

/// Empty if `table` has a row of `candidateBits.size()` finite,
/// non-negative entries for every weight layer and every variable of
/// `graph` (and, if it has per-layer rows, one per step, each empty or of
/// that form on a weight layer), else what is wrong.
std::string validateSensitivity(const GraphDesc &graph,
                                const SensitivityTable &table,
                                const std::vector<unsigned> &candidateBits);

/// How the search solves its problem: `Auto` takes the dynamic program on
/// chains without lookup tables and the MILP otherwise; the others force
/// one (DP on a graph it cannot solve is an invalid request).
enum class SearchSolver { Auto, DynamicProgram, Milp };

struct AssignmentRequest {
  int64_t flashBudget = 0; ///< Bytes for weights + per-channel parameters.
  int64_t ramBudget = 0;   ///< Bytes for activations (paper model).
  QuantScheme scheme = QuantScheme::PC_ICN;
  double delta = 0.05; ///< Absolute share margin of the weight pass.
  std::vector<LayerPin> pins;
  /// Allowed widths, strictly decreasing; the first is the starting width.
  std::vector<unsigned> candidateBits = {8, 4, 2};
  /// The search's objective; null: proxySensitivity. The rule ignores it.
  std::shared_ptr<const SensitivityTable> sensitivity;
  SearchSolver solver = SearchSolver::Auto;
  /// Layers may run in place (stepInPlaceShift): the rule budgets a layer
  /// that does as the union of its input and output, not in + out. The
  /// search keeps in + out (its RAM rows are linear in the widths).
  bool inPlace = false;
};

/// What the search adds to a result: how it solved, the objective, the
/// rule's figure on the same objective, and why each width is what it is.
struct SearchOutcome {
  std::string solver; ///< "dp" or "milp".
  std::string sensitivitySource;
  /// Total sensitivity of the widths chosen (widths the search may choose).
  double objective = 0;
  /// The rule's widths on the same request and objective, if they fit.
  bool ruleFits = false;
  double ruleObjective = 0;
  std::string ruleBits;
  /// The table used (the request's or the proxy).
  SensitivityTable sensitivity;
  /// Per step / per variable: why the width is not the next wider one (the
  /// budget a wider one breaks), "fixed", or "" at the widest candidate.
  std::vector<std::string> weightWhy;
  std::vector<std::string> variableWhy;
};

enum class CutTarget { Activation, Weight };

/// One cut, in the order the strategy made it.
struct CutRecord {
  CutTarget target = CutTarget::Activation;
  /// Variable index (activation) or step index (weight).
  int index = -1;
  std::string name; ///< Variable name or layer name.
  unsigned fromBits = 0;
  unsigned toBits = 0;
  /// 1-based sweep (activations) or iteration (weights) number.
  int round = 0;
  bool forward = true; ///< Direction of the activation sweep.
  /// The step whose budget demanded the cut (-1 for weight cuts).
  int step = -1;
  std::string reason;
};

struct AssignmentResult {
  /// False if the graph or the request was malformed (see `error`).
  bool valid = false;
  bool fits = false;
  bool ramFits = false;
  bool flashFits = false;
  /// True if the exact chain rule ran, false for the DAG generalization.
  bool chainRule = false;
  BitAssignment assignment;
  Footprint footprint; ///< At `assignment`.
  /// RAM figure the budget was checked against: footprint.ramBytes on a
  /// chain, footprint.peakLiveBytes otherwise.
  int64_t ramUsed = 0;
  std::vector<CutRecord> cuts;
  int activationSweeps = 0;
  int weightIterations = 0;
  /// On failure: every cuttable width at the smallest candidate.
  Footprint smallestFootprint;
  int ramBottleneck = -1;   ///< Step index, if RAM does not fit.
  int flashBottleneck = -1; ///< Step index, if flash does not fit.
  std::string error;        ///< Empty iff valid && fits.
  /// Set by the search strategy.
  std::optional<SearchOutcome> search;
};

/// A way of choosing bit-widths; more (search, RL) can be added later.
class PrecisionStrategy {
public:
  virtual ~PrecisionStrategy();
  virtual const char *name() const = 0;
  virtual AssignmentResult assign(const GraphDesc &graph,
                                  const AssignmentRequest &request) const = 0;
};

/// docs/paper.md §4 (see the file comment).
class RuleStrategy final : public PrecisionStrategy {
public:
  const char *name() const override { return "rule"; }
  AssignmentResult assign(const GraphDesc &graph,
                          const AssignmentRequest &request) const override;
};

/// Minimizes the total sensitivity (AssignmentRequest::sensitivity) of the
/// widths under both budgets, exactly (PrecisionSearch.cpp): the RAM figure
/// is the rule's (input + output of each layer on a chain, the live bytes
/// of each step otherwise), flash is weights + parameters + lookup tables.
class SearchStrategy final : public PrecisionStrategy {
public:
  const char *name() const override { return "search"; }
  AssignmentResult assign(const GraphDesc &graph,
                          const AssignmentRequest &request) const override;
};

/// The strategies by name: the `strategy=` option (PassOptions.h).
enum class PrecisionStrategyKind { Rule, Search };

/// How the activations precision assignment quantizes are rounded (the
/// `activation-rounding=` option, PassOptions.h): to the nearest code, ties
/// up (`half_up`: one add before the requantization's shift on the target,
/// as CMSIS-NN rounds; ties are rare in real data, so the grid is as
/// unbiased as ONNX Runtime's half to even); or down,
/// as the paper's PACT activations are (docs/paper.md §1), which suits a
/// model trained with that rounding but puts a bias of half a step on every
/// activation of one that was not. Fake-quants a model brings keep their
/// own rounding.
enum class ActivationRounding { Nearest, Floor };

/// What every strategy starts from: each width at the first candidate, the
/// image (any variable no step creates) and the last layers' outputs at 8
/// bits, the pins applied. `weightFixed` / `variableFixed` mark the widths
/// a strategy must not change.
struct StartingWidths {
  BitAssignment bits;
  std::vector<bool> weightFixed;
  std::vector<bool> variableFixed;
};

/// Checks the request (budgets, delta, candidates, pins) against `graph`
/// and fills `start`; returns what is wrong, or "".
std::string computeStartingWidths(const GraphDesc &graph,
                                  const AssignmentRequest &request,
                                  StartingWidths &start);

/// How the RAM budget is checked: `paper`, the largest input + output of
/// a layer; `planned`, the arena the buffer planner gives the activations.
enum class RamModel { Paper, Planned };

/// The strategy called `name` ("rule", "search"), or null if there is none.
std::unique_ptr<PrecisionStrategy>
createPrecisionStrategy(const std::string &name);

/// Names accepted by createPrecisionStrategy.
std::vector<std::string> precisionStrategyNames();

/// Shorthand for RuleStrategy().assign(graph, request).
AssignmentResult assignPrecisionByRule(const GraphDesc &graph,
                                       const AssignmentRequest &request);

/// True if `graph` is a chain in the sense above (the exact rule applies).
bool isChain(const GraphDesc &graph);

/// Compact widths for reports and tests: "w=<one digit per weight layer in
/// step order> a=<one digit per variable>", e.g. "w=88 a=848".
std::string formatBitString(const GraphDesc &graph,
                            const BitAssignment &assignment);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_PRECISIONASSIGNMENT_H
