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

using namespace mlir::mpq;

const char *mlir::mpq::widthOriginName(WidthOrigin origin) {
  switch (origin) {
  case WidthOrigin::Rule:
    return "rule";
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
  Array layers, steps, cuts;
  for (size_t s = 0; s < v.g.steps.size(); ++s) {
    const GraphStep &step = v.g.steps[s];
    const StepFootprint &sf = fp.steps[s];
    if (hasWeights(step.kind)) {
      layers.push_back(Object{
          {"name", step.name},
          {"step", static_cast<int64_t>(s)},
          {"kind", stepKindName(step.kind)},
          {"weight_bits", v.r.assignment.weightBits[s]},
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
      });
      continue;
    }
    Array inputBits;
    for (int t : step.inputs)
      inputBits.push_back(v.bitsOf(t));
    steps.push_back(Object{
        {"name", step.name},
        {"step", static_cast<int64_t>(s)},
        {"kind", stepKindName(step.kind)},
        {"input_bits", std::move(inputBits)},
        {"output_bits", v.bitsOf(step.output)},
        {"input_bytes", sf.inputBytes},
        {"output_bytes", sf.outputBytes},
        {"live_bytes", sf.liveBytes},
    });
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
                                          "output_origin"};
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
        layer ? std::to_string(v.r.assignment.weightBits[s]) : "-", inBits,
        v.bitsOf(step.output), sf.weightBytes, sf.paramBytes, sf.inputBytes,
        sf.outputBytes, sf.liveBytes, origin);
  }
  os << "  cuts (" << v.r.cuts.size() << "):\n";
  for (const CutRecord &cut : v.r.cuts) {
    const bool weight = cut.target == CutTarget::Weight;
    os << "    " << (weight ? "weight " : "activation ") << cut.name << " "
       << cut.fromBits << " -> " << cut.toBits << " ("
       << (weight ? "iteration " : v.cutDirection(cut) + " sweep ") << cut.round
       << "): " << cut.reason << "\n";
  }
  if (!v.r.fits)
    os << "  " << v.r.error << "\n";
}
