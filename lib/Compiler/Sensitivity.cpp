//===- Sensitivity.cpp - Measuring the search's sensitivity table ---------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "Sensitivity.h"

#include "mpq/Analysis/GraphExtraction.h"
#include "mpq/Analysis/PrecisionAssignment.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Eval/Evaluator.h"
#include "mpq/Eval/Validation.h"
#include "mpq/Report/PrecisionReport.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mpq;

namespace {

constexpr int64_t kUnlimited = int64_t(1) << 50;

LogicalResult runPasses(ModuleOp module,
                        function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  build(pm);
  return pm.run(module);
}

/// The fake_quants that carry each free width in an assigned module: one
/// list per slot, weights (by step) then variables.
struct FreeSites {
  std::vector<std::vector<FakeQuantOp>> weight, variable;
};

FailureOr<FreeSites> freeSites(ModuleOp module, const StartingWidths &start) {
  FailureOr<func::FuncOp> func = getModelFunction(module);
  if (failed(func))
    return failure();
  FailureOr<ExtractedGraph> graph = extractGraph(*func);
  if (failed(graph))
    return failure();
  FreeSites sites;
  sites.weight.resize(graph->steps.size());
  sites.variable.resize(graph->variables.size());
  if (graph->steps.size() != start.weightFixed.size() ||
      graph->variables.size() != start.variableFixed.size())
    return func->emitError("sensitivity: the assigned model's graph differs "
                           "from the imported one");
  for (size_t s = 0; s < graph->steps.size(); ++s)
    if (FakeQuantOp fq = graph->steps[s].existingWeightQuant;
        fq && !start.weightFixed[s])
      sites.weight[s].push_back(fq);
  for (size_t v = 0; v < graph->variables.size(); ++v)
    if (!start.variableFixed[v])
      sites.variable[v] = graph->variables[v].existing;
  return sites;
}

/// The outputs of `func` on every sample, on the context's threads.
FailureOr<SampleOutputs> runSamples(func::FuncOp func,
                                    ArrayRef<EvalTensor> samples,
                                    bool uncalibratedIsIdentity) {
  EvalConstantCache constants;
  EvalOptions options;
  options.uncalibratedFakeQuantIsIdentity = uncalibratedIsIdentity;
  options.releaseDeadValues = true;
  options.constants = &constants;
  return evaluateSamples(func, samples, options);
}

} // namespace

FailureOr<llvm::json::Value>
mlir::mpq::measureSensitivity(ModuleOp imported,
                              const IntegerPipelineOptions &options) {
  MLIRContext *context = imported.getContext();
  FailureOr<func::FuncOp> func = getModelFunction(imported);
  if (failed(func))
    return failure();
  FailureOr<ExtractedGraph> original = extractGraph(*func);
  if (failed(original))
    return failure();
  const GraphDesc &graph = original->graph;

  // The free widths: what the pass would let a strategy choose (pins, the
  // image and logits, and the model's own fake_quants are fixed).
  AssignmentRequest request;
  request.flashBudget = request.ramBudget = kUnlimited;
  for (const std::string &text : options.pins)
    if (std::optional<LayerPin> pin = parseLayerPin(text))
      request.pins.push_back(*pin);
  StartingWidths start;
  if (std::string error = computeStartingWidths(graph, request, start);
      !error.empty())
    return func->emitError("sensitivity: ") << error;
  for (size_t s = 0; s < original->steps.size(); ++s)
    if (original->steps[s].existingWeightQuant)
      start.weightFixed[s] = true;
  for (size_t v = 0; v < original->variables.size(); ++v)
    if (!original->variables[v].existing.empty())
      start.variableFixed[v] = true;

  // The float model's outputs.
  FailureOr<std::vector<EvalTensor>> inputs = loadModelInputs(
      *func, options.calibration, options.synthetic, "calibration input");
  if (failed(inputs))
    return failure();
  FailureOr<SampleOutputs> reference =
      runSamples(*func, *inputs, /*uncalibratedIsIdentity=*/true);
  if (failed(reference))
    return failure();
  const size_t samples = inputs->size();

  // Every width at 8 bits where the assignment places them, and the ranges
  // calibration observes there (they do not depend on the widths).
  OwningOpRef<ModuleOp> base = imported.clone();
  MPQAssignPrecisionPassOptions assign;
  assign.flash = ByteSize(kUnlimited);
  assign.ram = ByteSize(kUnlimited);
  assign.scheme = options.scheme;
  assign.activationRounding = options.activationRounding;
  assign.pins.assign(options.pins.begin(), options.pins.end());
  if (failed(runPasses(*base, [&](OpPassManager &pm) {
        pm.addPass(createMPQAssignPrecisionPass(assign, nullptr));
        buildMPQCalibrationStage(pm, options, /*observeOnly=*/true);
      })))
    return failure();

  const std::vector<unsigned> &candidates = request.candidateBits;
  SensitivityTable table = uniformSensitivity(graph, candidates.size());
  table.source = "measured: relative output error on " +
                 std::to_string(samples) + " calibration sample" +
                 (samples == 1 ? "" : "s");

  // Per-layer weights are an option of per-channel schemes only.
  const bool perLayerRows = options.scheme == QuantScheme::PC_ICN;
  if (perLayerRows) {
    table.weightPerLayer.resize(graph.steps.size());
    for (size_t s = 0; s < graph.steps.size(); ++s)
      if (hasWeights(graph.steps[s].kind) && !start.weightFixed[s])
        table.weightPerLayer[s].assign(candidates.size(), 0.0);
  }

  // Per candidate: per channel (the scheme's), then per layer.
  for (size_t run = 0; run < (perLayerRows ? 2 : 1) * candidates.size();
       ++run) {
    const size_t k = run % candidates.size();
    const bool perLayer = run >= candidates.size();
    // Every free width at candidates[k], with its grid (per layer: one grid
    // per weight tensor, batch norms folded).
    OwningOpRef<ModuleOp> atWidth = base->clone();
    FailureOr<FreeSites> sites = freeSites(*atWidth, start);
    if (failed(sites))
      return failure();
    auto retype = [&](FakeQuantOp fq) {
      auto bits = cast<BitsType>(fq.getQuant());
      fq.setQuant(BitsType::get(context, candidates[k], bits.getIsSigned()));
    };
    for (auto *list : {&sites->weight, &sites->variable})
      for (std::vector<FakeQuantOp> &fqs : *list)
        llvm::for_each(fqs, retype);
    if (perLayer)
      for (std::vector<FakeQuantOp> &fqs : sites->weight)
        for (FakeQuantOp fq : fqs)
          fq.setPerLayer(true);
    if (failed(runPasses(*atWidth, [&](OpPassManager &pm) {
          buildMPQCalibrationStage(pm, options, /*observeOnly=*/false);
        })))
      return failure();

    // One run per free width: that width quantized, the others in float.
    auto measure = [&](bool weight, size_t index) -> FailureOr<double> {
      OwningOpRef<ModuleOp> run = atWidth->clone();
      FailureOr<FreeSites> runSites = freeSites(*run, start);
      if (failed(runSites))
        return failure();
      for (bool isWeight : {true, false}) {
        auto &lists = isWeight ? runSites->weight : runSites->variable;
        for (size_t i = 0; i < lists.size(); ++i) {
          if (isWeight == weight && i == index)
            continue;
          for (FakeQuantOp fq : lists[i]) {
            fq.replaceAllUsesWith(fq.getInput());
            fq.erase();
          }
        }
      }
      FailureOr<func::FuncOp> runFunc = getModelFunction(*run);
      if (failed(runFunc))
        return failure();
      FailureOr<SampleOutputs> result =
          runSamples(*runFunc, *inputs, /*uncalibratedIsIdentity=*/false);
      if (failed(result))
        return failure();
      return relativeOutputError(*result, *reference);
    };
    for (bool weight : {true, false}) {
      if (perLayer && !weight)
        continue;
      const auto &lists = weight ? sites->weight : sites->variable;
      auto &rows = perLayer ? table.weightPerLayer
                            : (weight ? table.weight : table.activation);
      for (size_t i = 0; i < lists.size(); ++i) {
        if (lists[i].empty())
          continue;
        FailureOr<double> cost = measure(weight, i);
        if (failed(cost))
          return failure();
        rows[i][k] = *cost;
      }
    }
  }
  // Fewer bits never cost less: a measured dip is noise (a tensor the
  // outputs hardly depend on), and the search should not chase it.
  for (auto *rows : {&table.weight, &table.activation, &table.weightPerLayer})
    for (std::vector<double> &row : *rows)
      for (size_t k = 1; k < row.size(); ++k)
        row[k] = std::max(row[k], row[k - 1]);
  return sensitivityJson(graph, table, candidates);
}
