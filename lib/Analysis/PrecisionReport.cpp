//===- PrecisionReport.cpp - Reporting a bit-width assignment -------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PrecisionReport.h"

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

void mlir::mpq::writePrecisionReport(llvm::raw_ostream &os,
                                     const PrecisionReportInput &input) {
  const ReportView v(input);
  const Footprint &fp = v.r.footprint;
  llvm::json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    j.attribute("fits", v.r.fits);
    if (!v.r.fits)
      j.attribute("error", v.r.error);
    j.attribute("strategy", input.strategy);
    j.attribute("scheme", quantSchemeName(input.request.scheme));
    j.attribute("delta", input.request.delta);
    j.attribute("ram_model", input.ramModel);
    j.attribute("activation_rule", v.r.chainRule ? "chain" : "dag");
    j.attribute("flash_budget", input.request.flashBudget);
    j.attribute("ram_budget", input.request.ramBudget);
    if (input.plannedArenaBytes >= 0) {
      j.attribute("planned_arena_bytes", input.plannedArenaBytes);
      j.attribute("activation_budget", input.activationBudget);
    }
    j.attribute("flash_bytes", fp.flashBytes);
    j.attribute("weights_bytes", fp.weightBytes);
    j.attribute("params_bytes", fp.paramBytes);
    j.attribute("ram_bytes", v.r.ramUsed);
    j.attribute("ram_bottleneck", v.stepName(v.ramStep(fp)));
    j.attribute("bits", formatBitString(v.g, v.r.assignment));
    if (!v.r.fits) {
      const Footprint &least = v.r.smallestFootprint;
      j.attribute("smallest_flash_bytes", least.flashBytes);
      j.attribute("smallest_ram_bytes", v.ramBytes(least));
      j.attribute("flash_bottleneck", v.stepName(v.r.flashBottleneck));
      j.attribute("ram_bottleneck_at_smallest", v.stepName(v.r.ramBottleneck));
    }
    j.attributeArray("layers", [&] {
      for (size_t s = 0; s < v.g.steps.size(); ++s) {
        const GraphStep &step = v.g.steps[s];
        if (!hasWeights(step.kind))
          continue;
        const StepFootprint &sf = fp.steps[s];
        j.object([&] {
          j.attribute("name", step.name);
          j.attribute("kind", stepKindName(step.kind));
          j.attribute("weight_bits", v.r.assignment.weightBits[s]);
          j.attribute("input_bits", v.bitsOf(step.inputs.front()));
          j.attribute("output_bits", v.bitsOf(step.output));
          j.attribute("weight_bytes", sf.weightBytes);
          j.attribute("param_bytes", sf.paramBytes);
          j.attribute("input_bytes", sf.inputBytes);
          j.attribute("output_bytes", sf.outputBytes);
          j.attribute("activation_bytes", sf.ioBytes());
          j.attribute("live_bytes", sf.liveBytes);
          j.attribute("weight_origin", widthOriginName(input.weightOrigin[s]));
          j.attribute("output_origin",
                      widthOriginName(v.originOfOutput(static_cast<int>(s))));
        });
      }
    });
    j.attributeArray("steps", [&] {
      for (size_t s = 0; s < v.g.steps.size(); ++s) {
        const GraphStep &step = v.g.steps[s];
        if (hasWeights(step.kind))
          continue;
        const StepFootprint &sf = fp.steps[s];
        j.object([&] {
          j.attribute("name", step.name);
          j.attribute("kind", stepKindName(step.kind));
          j.attributeArray("input_bits", [&] {
            for (int t : step.inputs)
              j.value(v.bitsOf(t));
          });
          j.attribute("output_bits", v.bitsOf(step.output));
          j.attribute("input_bytes", sf.inputBytes);
          j.attribute("output_bytes", sf.outputBytes);
          j.attribute("live_bytes", sf.liveBytes);
        });
      }
    });
    j.attributeArray("cuts", [&] {
      for (const CutRecord &cut : v.r.cuts) {
        j.object([&] {
          const bool weight = cut.target == CutTarget::Weight;
          j.attribute("target", weight ? "weight" : "activation");
          j.attribute("name", cut.name);
          j.attribute("from_bits", cut.fromBits);
          j.attribute("to_bits", cut.toBits);
          j.attribute("round", cut.round);
          if (!weight) {
            j.attribute("direction", v.cutDirection(cut));
            j.attribute("at", v.stepName(cut.step));
          }
          j.attribute("reason", cut.reason);
        });
      }
    });
  });
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
