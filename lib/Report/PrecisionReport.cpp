//===- PrecisionReport.cpp - Reporting a bit-width assignment -------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Report/PrecisionReport.h"
#include "mpq/Support/JsonOrder.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace mlir::mpq;

const char *mlir::mpq::widthOriginName(WidthOrigin origin) {
  switch (origin) {
  case WidthOrigin::Rule:
    return "rule";
  case WidthOrigin::Search:
    return "search";
  case WidthOrigin::Pin:
    return "pin";
  case WidthOrigin::Model:
    return "model";
  case WidthOrigin::IO:
    return "io";
  }
  return "?";
}

namespace {

/// Read-only views of the assignment that the JSON and the table share.
/// A cost as a person reads it: "4", "0.125", "1.5e+04".
std::string shortNumber(double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", value);
  return buf;
}

struct ReportView {
  const PrecisionReportInput &in;
  const GraphDesc &g;
  const AssignmentResult &r;

  explicit ReportView(const PrecisionReportInput &input)
      : in(input), g(input.graph), r(input.result) {}

  unsigned bitsOf(int tensor) const {
    return r.assignment.activationBits[g.tensors[tensor].variable];
  }
  WidthOrigin originOfOutput(int step) const {
    return in.variableOrigin[g.tensors[g.steps[step].output].variable];
  }
  int ramStep(const Footprint &fp) const {
    return r.chainRule ? fp.ramStep : fp.peakLiveStep;
  }
  int64_t ramBytes(const Footprint &fp) const {
    return r.chainRule ? fp.ramBytes : fp.peakLiveBytes;
  }
  std::string stepName(int step) const {
    return step >= 0 ? g.steps[step].name : std::string();
  }
  /// The search's cost row of a width the strategy chose (null if fixed).
  llvm::json::Value sensitivityJson(const std::vector<double> &row,
                                    const std::string &why) const {
    if (why == "fixed" || row.empty())
      return nullptr;
    return llvm::json::Array(row);
  }
  /// Adds the search's figures for a step's weights (if any) and output.
  void addSearchFields(llvm::json::Object &entry, size_t s) const {
    if (!r.search)
      return;
    const SearchOutcome &so = *r.search;
    const GraphStep &step = g.steps[s];
    if (hasWeights(step.kind)) {
      entry["weight_sensitivity"] =
          sensitivityJson(so.sensitivity.weight[s], so.weightWhy[s]);
      // Where the option was offered (per-channel schemes).
      if (s < so.sensitivity.weightPerLayer.size() &&
          !so.sensitivity.weightPerLayer[s].empty() &&
          in.request.scheme == QuantScheme::PC_ICN)
        entry["weight_per_layer_sensitivity"] =
            sensitivityJson(so.sensitivity.weightPerLayer[s], so.weightWhy[s]);
      entry["weight_why"] = so.weightWhy[s];
    }
    const int var = g.tensors[step.output].variable;
    entry["output_sensitivity"] =
        sensitivityJson(so.sensitivity.activation[var], so.variableWhy[var]);
    entry["output_why"] = so.variableWhy[var];
  }
  std::string cutDirection(const CutRecord &cut) const {
    if (cut.target == CutTarget::Weight)
      return "";
    if (!r.chainRule)
      return "in order";
    return cut.forward ? "forward" : "backward";
  }
};

} // namespace

llvm::json::Value
mlir::mpq::precisionReportJson(const PrecisionReportInput &input) {
  using llvm::json::Array;
  using llvm::json::Object;
  const ReportView v(input);
  const Footprint &fp = v.r.footprint;
  Object root{
      {"fits", v.r.fits},
      {"strategy", input.strategy},
      {"scheme", quantSchemeName(input.request.scheme)},
      {"delta", input.request.delta},
      {"ram_model", input.ramModel},
      {"in_place", input.request.inPlace},
      {"activation_rule", v.r.chainRule ? "chain" : "dag"},
      {"flash_budget", input.request.flashBudget},
      {"ram_budget", input.request.ramBudget},
      {"flash_bytes", fp.flashBytes},
      {"weights_bytes", fp.weightBytes},
      {"params_bytes", fp.paramBytes},
      {"ram_bytes", v.r.ramUsed},
      {"ram_bottleneck", v.stepName(v.ramStep(fp))},
      {"bits", formatBitString(v.g, v.r.assignment)},
  };
  if (!v.r.fits) {
    const Footprint &least = v.r.smallestFootprint;
    root["error"] = v.r.error;
    root["smallest_flash_bytes"] = least.flashBytes;
    root["smallest_ram_bytes"] = v.ramBytes(least);
    root["flash_bottleneck"] = v.stepName(v.r.flashBottleneck);
    root["ram_bottleneck_at_smallest"] = v.stepName(v.r.ramBottleneck);
  }
  if (input.plannedArenaBytes >= 0) {
    root["planned_arena_bytes"] = input.plannedArenaBytes;
    root["activation_budget"] = input.activationBudget;
  }
  if (v.r.search) {
    const SearchOutcome &so = *v.r.search;
    Object search{{"solver", so.solver},
                  {"sensitivity_source", so.sensitivitySource},
                  {"candidate_bits", Array(input.request.candidateBits)},
                  {"rule_fits", so.ruleFits}};
    if (v.r.fits)
      search["objective"] = so.objective;
    if (so.ruleFits) {
      search["rule_objective"] = so.ruleObjective;
      search["rule_bits"] = so.ruleBits;
    }
    root["search"] = std::move(search);
  }
  Array layers, steps, cuts;
  const std::vector<int> creators = variableCreators(v.g);
  for (size_t s = 0; s < v.g.steps.size(); ++s) {
    const GraphStep &step = v.g.steps[s];
    const StepFootprint &sf = fp.steps[s];
    if (hasWeights(step.kind)) {
      Object layer{
          {"name", step.name},
          {"step", static_cast<int64_t>(s)},
          {"kind", stepKindName(step.kind)},
          {"weight_bits", v.r.assignment.weightBits[s]},
          {"weight_granularity",
           v.r.assignment.isPerLayer(s) ||
                   input.request.scheme != QuantScheme::PC_ICN
               ? "layer"
               : "channel"},
          {"input_bits", v.bitsOf(step.inputs.front())},
          {"output_bits", v.bitsOf(step.output)},
          {"weight_bytes", sf.weightBytes},
          {"param_bytes", sf.paramBytes},
          {"input_bytes", sf.inputBytes},
          {"output_bytes", sf.outputBytes},
          {"activation_bytes", sf.ioBytes()},
          {"live_bytes", sf.liveBytes},
          {"weight_origin", widthOriginName(input.weightOrigin[s])},
          {"output_origin",
           widthOriginName(v.originOfOutput(static_cast<int>(s)))},
      };
      if (v.r.fits)
        v.addSearchFields(layer, s);
      layers.push_back(std::move(layer));
      continue;
    }
    Array inputBits;
    for (int t : step.inputs)
      inputBits.push_back(v.bitsOf(t));
    Object entry{
        {"name", step.name},
        {"step", static_cast<int64_t>(s)},
        {"kind", stepKindName(step.kind)},
        {"input_bits", std::move(inputBits)},
        {"output_bits", v.bitsOf(step.output)},
        {"input_bytes", sf.inputBytes},
        {"output_bytes", sf.outputBytes},
        {"live_bytes", sf.liveBytes},
    };
    // A pass-through step's output is its input's variable: reported once,
    // at the step that creates it.
    if (v.r.fits &&
        creators[v.g.tensors[step.output].variable] == static_cast<int>(s))
      v.addSearchFields(entry, s);
    steps.push_back(std::move(entry));
  }
  for (const CutRecord &cut : v.r.cuts) {
    const bool weight = cut.target == CutTarget::Weight;
    Object entry{{"target", weight ? "weight" : "activation"},
                 {"name", cut.name},
                 {"from_bits", cut.fromBits},
                 {"to_bits", cut.toBits},
                 {"round", cut.round},
                 {"reason", cut.reason}};
    if (!weight) {
      entry["direction"] = v.cutDirection(cut);
      entry["at"] = v.stepName(cut.step);
    }
    cuts.push_back(std::move(entry));
  }
  root["layers"] = std::move(layers);
  root["steps"] = std::move(steps);
  root["cuts"] = std::move(cuts);
  return root;
}

void mlir::mpq::writePrecisionReport(llvm::raw_ostream &os,
                                     const PrecisionReportInput &input) {
  // The verdict first, then the totals, the layers and the cut log.
  static const llvm::StringRef order[] = {"fits",
                                          "error",
                                          "strategy",
                                          "scheme",
                                          "delta",
                                          "ram_model",
                                          "in_place",
                                          "activation_rule",
                                          "flash_budget",
                                          "ram_budget",
                                          "planned_arena_bytes",
                                          "activation_budget",
                                          "flash_bytes",
                                          "weights_bytes",
                                          "params_bytes",
                                          "ram_bytes",
                                          "ram_bottleneck",
                                          "bits",
                                          "search",
                                          "solver",
                                          "sensitivity_source",
                                          "candidate_bits",
                                          "objective",
                                          "rule_fits",
                                          "rule_objective",
                                          "rule_bits",
                                          "smallest_flash_bytes",
                                          "smallest_ram_bytes",
                                          "flash_bottleneck",
                                          "ram_bottleneck_at_smallest",
                                          "layers",
                                          "steps",
                                          "cuts",
                                          "target",
                                          "name",
                                          "kind",
                                          "weight_bits",
                                          "weight_granularity",
                                          "input_bits",
                                          "output_bits",
                                          "from_bits",
                                          "to_bits",
                                          "round",
                                          "direction",
                                          "at",
                                          "reason",
                                          "weight_bytes",
                                          "param_bytes",
                                          "input_bytes",
                                          "output_bytes",
                                          "activation_bytes",
                                          "live_bytes",
                                          "weight_origin",
                                          "output_origin",
                                          "weight_sensitivity",
                                          "weight_per_layer_sensitivity",
                                          "weight_why",
                                          "output_sensitivity",
                                          "output_why"};
  printJsonInOrder(os, precisionReportJson(input), order);
  os << "\n";
}

void mlir::mpq::printPrecisionTable(llvm::raw_ostream &os,
                                    const PrecisionReportInput &input) {
  const ReportView v(input);
  const Footprint &fp = v.r.footprint;
  os << "mpq-assign-precision: strategy " << input.strategy << ", scheme "
     << quantSchemeName(input.request.scheme) << ", RAM model "
     << input.ramModel << " ("
     << (v.r.chainRule ? "chain rule" : "DAG live-tensor rule")
     << "): " << (v.r.fits ? "fits" : "does NOT fit") << "\n";
  os << llvm::formatv("  flash {0} B of {1} B (weights {2} B + parameters {3} "
                      "B)\n",
                      fp.flashBytes, input.request.flashBudget, fp.weightBytes,
                      fp.paramBytes);
  os << llvm::formatv("  RAM   {0} B of {1} B (at '{2}')\n", v.r.ramUsed,
                      input.request.ramBudget, v.stepName(v.ramStep(fp)));
  os << llvm::formatv("  {0,-16} {1,-15} {2,3} {3,3} {4,3} {5,10} {6,8} "
                      "{7,10} {8,10} {9,10}  {10}\n",
                      "step", "kind", "w", "in", "out", "weight B", "param B",
                      "in B", "out B", "live B", "origin (w/out)");
  for (size_t s = 0; s < v.g.steps.size(); ++s) {
    const GraphStep &step = v.g.steps[s];
    const StepFootprint &sf = fp.steps[s];
    const bool layer = hasWeights(step.kind);
    std::string inBits;
    for (int t : step.inputs)
      inBits += (inBits.empty() ? "" : "+") + std::to_string(v.bitsOf(t));
    std::string origin =
        layer ? std::string(widthOriginName(input.weightOrigin[s])) + "/" +
                    widthOriginName(v.originOfOutput(static_cast<int>(s)))
              : "";
    os << llvm::formatv(
        "  {0,-16} {1,-15} {2,3} {3,3} {4,3} {5,10} {6,8} {7,10} {8,10} "
        "{9,10}  {10}\n",
        step.name, stepKindName(step.kind),
        layer ? std::to_string(v.r.assignment.weightBits[s]) +
                    (v.r.assignment.isPerLayer(s) ? "L" : "")
              : "-",
        inBits, v.bitsOf(step.output), sf.weightBytes, sf.paramBytes,
        sf.inputBytes, sf.outputBytes, sf.liveBytes, origin);
  }
  os << "  cuts (" << v.r.cuts.size() << "):\n";
  for (const CutRecord &cut : v.r.cuts) {
    const bool weight = cut.target == CutTarget::Weight;
    os << "    " << (weight ? "weight " : "activation ") << cut.name << " "
       << cut.fromBits << " -> " << cut.toBits << " ("
       << (weight ? "iteration " : v.cutDirection(cut) + " sweep ") << cut.round
       << "): " << cut.reason << "\n";
  }
  if (v.r.search && v.r.fits) {
    const SearchOutcome &so = *v.r.search;
    os << "  search (" << so.solver << ", sensitivity " << so.sensitivitySource
       << "): objective " << shortNumber(so.objective);
    if (so.ruleFits)
      os << ", the rule's " << shortNumber(so.ruleObjective) << " ("
         << so.ruleBits << ")";
    else
      os << ", the rule does not fit";
    os << "\n";
    auto why = [&](const std::string &what, const std::string &text) {
      if (!text.empty() && text != "fixed")
        os << "    " << what << ": " << text << "\n";
    };
    for (size_t s = 0; s < v.g.steps.size(); ++s)
      if (hasWeights(v.g.steps[s].kind))
        why("weights of " + v.g.steps[s].name, so.weightWhy[s]);
    for (size_t var = 0; var < so.variableWhy.size(); ++var)
      why("activation " + v.g.variableName(static_cast<int>(var)),
          so.variableWhy[var]);
  }
  if (!v.r.fits)
    os << "  " << v.r.error << "\n";
}

//===----------------------------------------------------------------------===//
// Sensitivity files
//===----------------------------------------------------------------------===//

llvm::json::Value
mlir::mpq::sensitivityJson(const GraphDesc &graph,
                           const SensitivityTable &table,
                           const std::vector<unsigned> &candidateBits) {
  using llvm::json::Array;
  using llvm::json::Object;
  const std::vector<int> creators = variableCreators(graph);
  Object layers;
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    Object entry;
    if (hasWeights(step.kind) && s < table.weight.size())
      entry["weights"] = Array(table.weight[s]);
    if (s < table.weightPerLayer.size() && !table.weightPerLayer[s].empty())
      entry["weights_per_layer"] = Array(table.weightPerLayer[s]);
    const int var = graph.tensors[step.output].variable;
    if (creators[var] == static_cast<int>(s) &&
        static_cast<size_t>(var) < table.activation.size())
      entry["output"] = Array(table.activation[var]);
    if (!entry.empty())
      layers[step.name] = std::move(entry);
  }
  return Object{{"source", table.source},
                {"candidate_bits", Array(candidateBits)},
                {"layers", std::move(layers)}};
}

std::optional<SensitivityTable> mlir::mpq::sensitivityFromJson(
    const GraphDesc &graph, const StartingWidths &start,
    const std::vector<unsigned> &candidateBits, const llvm::json::Value &value,
    std::string &error) {
  const llvm::json::Object *root = value.getAsObject();
  const llvm::json::Object *layers = root ? root->getObject("layers") : nullptr;
  if (!layers) {
    error = "not a sensitivity table: no object 'layers'";
    return std::nullopt;
  }
  if (const llvm::json::Array *bits = root->getArray("candidate_bits")) {
    std::vector<unsigned> got;
    for (const llvm::json::Value &b : *bits)
      got.push_back(static_cast<unsigned>(b.getAsInteger().value_or(0)));
    if (got != candidateBits) {
      error = "the table was measured for other candidate widths than the "
              "assignment's";
      return std::nullopt;
    }
  }
  // Fixed widths need no row: they cost nothing in the objective.
  const size_t n = candidateBits.size();
  SensitivityTable table = uniformSensitivity(graph, n);
  table.source = "file";
  if (std::optional<llvm::StringRef> source = root->getString("source"))
    table.source = source->str();
  auto readRow = [&](const llvm::json::Object &entry, llvm::StringRef key,
                     const std::string &what,
                     std::vector<double> &row) -> bool {
    const llvm::json::Array *array = entry.getArray(key);
    if (!array) {
      error = "no '" + key.str() + "' row for " + what;
      return false;
    }
    if (array->size() != n) {
      error = "the '" + key.str() + "' row of " + what + " has " +
              std::to_string(array->size()) + " entries for " +
              std::to_string(n) + " candidate widths";
      return false;
    }
    for (size_t k = 0; k < n; ++k) {
      std::optional<double> d = (*array)[k].getAsNumber();
      if (!d || !std::isfinite(*d) || *d < 0) {
        error = "the '" + key.str() + "' row of " + what +
                " holds something other than a finite non-negative number";
        return false;
      }
      row[k] = *d;
    }
    return true;
  };
  const std::vector<int> creators = variableCreators(graph);
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    const int var = graph.tensors[step.output].variable;
    const bool needWeights = hasWeights(step.kind) && !start.weightFixed[s];
    const bool needOutput =
        creators[var] == static_cast<int>(s) && !start.variableFixed[var];
    if (!needWeights && !needOutput)
      continue;
    const llvm::json::Object *entry = layers->getObject(step.name);
    const std::string what = "'" + step.name + "'";
    if (!entry) {
      error = "no entry for " + what;
      return std::nullopt;
    }
    if (needWeights && !readRow(*entry, "weights", what, table.weight[s]))
      return std::nullopt;
    // Optional: the cost of per-layer weights (null: none).
    const llvm::json::Value *perLayer = entry->get("weights_per_layer");
    if (needWeights && perLayer &&
        perLayer->kind() != llvm::json::Value::Null) {
      table.weightPerLayer.resize(graph.steps.size());
      table.weightPerLayer[s].assign(n, 0.0);
      if (!readRow(*entry, "weights_per_layer", what, table.weightPerLayer[s]))
        return std::nullopt;
    }
    if (needOutput && !readRow(*entry, "output", what, table.activation[var]))
      return std::nullopt;
  }
  return table;
}
