//===- AssignPrecision.cpp - --mpq-assign-precision -----------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Reads the model into the memory model's graph (GraphExtraction.h), runs a
// precision strategy (PrecisionAssignment.h) under the budgets, and writes
// the widths back as mpq.fake_quant ops (placement rule in Passes.td and
// docs/design.md). The pass only orchestrates: the model, the rule and the
// report are libraries that other tools reuse.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/ArenaBuffers.h"
#include "mpq/Analysis/GraphExtraction.h"
#include "mpq/Analysis/PlannedRam.h"
#include "mpq/Analysis/PrecisionAssignment.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Report/PrecisionReport.h"
#include "mpq/Support/Packing.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQASSIGNPRECISIONPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// A width the strategy must not change, and where it comes from.
struct FixedWidth {
  unsigned bits = 0; ///< 0: free.
  WidthOrigin origin = WidthOrigin::Rule;
  Operation *op = nullptr; ///< The existing fake-quant, for Model.
};

constexpr unsigned kIOBits = 8;

/// True if a layer whose weights a model fixes needs one requantization
/// multiplier, not one per channel: weights on one grid (`weightQuant` an
/// mpq.fake_quant to a per-tensor !mpq.uniform) and no batch norm after the
/// layer. Its parameters are then the PL+FB row whatever the scheme.
bool hasPerLayerParams(Operation *layer, Operation *weightQuant) {
  auto fq = dyn_cast_or_null<FakeQuantOp>(weightQuant);
  auto grid = fq ? dyn_cast<UniformType>(fq.getQuant()) : UniformType();
  if (!layer || !grid || grid.isPerAxis())
    return false;
  return llvm::none_of(layer->getUsers(),
                       [](Operation *user) { return isa<BatchNormOp>(user); });
}

bool isCandidate(const AssignmentRequest &request, unsigned bits) {
  return llvm::is_contained(request.candidateBits, bits);
}

std::string candidateText(const AssignmentRequest &request) {
  std::string text;
  for (size_t i = 0; i < request.candidateBits.size(); ++i)
    text += (i == 0                                  ? ""
             : i + 1 == request.candidateBits.size() ? " or "
                                                     : ", ") +
            std::to_string(request.candidateBits[i]);
  return text;
}

struct AssignPrecisionPass
    : ::mlir::mpq::impl::MPQAssignPrecisionPassBase<AssignPrecisionPass> {
  using Base::Base;
  AssignPrecisionPass(const MPQAssignPrecisionPassOptions &options,
                      PrecisionOutcome *outcome)
      : Base(options), outcome(outcome) {}
  void runOnOperation() override;

  /// Where a caller in process receives the report (may be null).
  PrecisionOutcome *outcome = nullptr;

private:
  LogicalResult parseOptions(AssignmentRequest &request,
                             std::unique_ptr<PrecisionStrategy> &strategyImpl);
  LogicalResult collectFixedWidths(const ExtractedGraph &extracted,
                                   const AssignmentRequest &request,
                                   std::vector<FixedWidth> &weightFixed,
                                   std::vector<FixedWidth> &varFixed);
  void writeBack(ExtractedGraph &extracted, const BitAssignment &bits);
  LogicalResult loadSensitivity(const GraphDesc &graph,
                                AssignmentRequest &request);
  LogicalResult fitPlannedArena(const ExtractedGraph &extracted,
                                const PrecisionStrategy &strategyImpl,
                                const AssignmentRequest &request,
                                AssignmentResult &result, int64_t &plannedArena,
                                int64_t &activationBudget);
};

/// Bound on the re-assignments of ram-model=planned; each lowers the
/// activation budget by at least one byte, and in practice one or two
/// rounds settle it.
constexpr int kMaxPlannedRounds = 64;

} // namespace

LogicalResult AssignPrecisionPass::parseOptions(
    AssignmentRequest &request,
    std::unique_ptr<PrecisionStrategy> &strategyImpl) {
  ModuleOp module = getOperation();
  auto optionError = [&](StringRef option) {
    return module.emitError()
           << "mpq-assign-precision: option '" << option << "': ";
  };
  auto takeBudget = [&](StringRef option, ByteSize size,
                        int64_t &out) -> LogicalResult {
    if (!size.bytes)
      return optionError(option)
             << "a budget is required (e.g. " << option << "=512kB)";
    if (*size.bytes <= 0)
      return optionError(option)
             << "the budget must be positive, got " << *size.bytes;
    out = *size.bytes;
    return success();
  };
  if (failed(takeBudget("flash", flash, request.flashBudget)) ||
      failed(takeBudget("ram", ram, request.ramBudget)))
    return failure();
  request.scheme = scheme;
  request.inPlace = inPlace;
  if (!(delta >= 0.0 && delta < 1.0))
    return optionError("delta")
           << "the share margin must be in [0, 1), got " << delta;
  request.delta = delta;
  strategyImpl = createPrecisionStrategy(enumName(strategy.getValue()));
  if (!strategyImpl)
    return optionError("strategy")
           << "no implementation of '" << enumName(strategy.getValue()) << "'";
  for (const std::string &text : pins) {
    std::optional<LayerPin> pin = parseLayerPin(text);
    if (!pin)
      return optionError("pins")
             << "'" << text
             << "' is not layer:wbits:abits (0 leaves a width free)";
    request.pins.push_back(*pin);
  }
  return success();
}

LogicalResult AssignPrecisionPass::collectFixedWidths(
    const ExtractedGraph &extracted, const AssignmentRequest &request,
    std::vector<FixedWidth> &weightFixed, std::vector<FixedWidth> &varFixed) {
  const GraphDesc &graph = extracted.graph;
  weightFixed.assign(graph.steps.size(), FixedWidth());
  varFixed.assign(graph.numVariables(), FixedWidth());
  std::vector<bool> lastVar(graph.numVariables(), false);
  for (const GraphStep &step : graph.steps)
    if (step.isLast)
      lastVar[graph.tensors[step.output].variable] = true;
  auto ioText = [&](int var) -> const char * {
    if (extracted.variables[var].isInput)
      return "the image input stays at 8 bits";
    if (lastVar[var])
      return "the last layer's output stays at 8 bits";
    return nullptr;
  };

  // Widths the model already fixes, unless the user asked to choose again.
  if (!reassign) {
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      FakeQuantOp fq = extracted.steps[s].existingWeightQuant;
      if (!fq)
        continue;
      unsigned bits = getFakeQuantWidth(fq);
      if (!isCandidate(request, bits))
        return fq.emitError()
               << "the weights of '" << graph.steps[s].name << "' are fixed at "
               << bits
               << " bits, which precision assignment cannot keep (widths "
               << candidateText(request) << "); add 'reassign' to choose again";
      weightFixed[s] = {bits, WidthOrigin::Model, fq};
    }
    for (size_t v = 0; v < extracted.variables.size(); ++v) {
      for (FakeQuantOp fq : extracted.variables[v].existing) {
        unsigned bits = getFakeQuantWidth(fq);
        const std::string name = graph.variableName(static_cast<int>(v));
        if (!isCandidate(request, bits))
          return fq.emitError()
                 << "'" << name << "' is fixed at " << bits
                 << " bits, which precision assignment cannot keep (widths "
                 << candidateText(request)
                 << "); add 'reassign' to choose again";
        if (const char *io = ioText(static_cast<int>(v)); io && bits != kIOBits)
          return fq.emitError()
                 << io << ", but this mpq.fake_quant fixes '" << name << "' at "
                 << bits << " bits; add 'reassign' to choose again";
        FixedWidth &fixed = varFixed[v];
        if (fixed.bits != 0 && fixed.bits != bits) {
          InFlightDiagnostic diag =
              fq.emitError()
              << "this mpq.fake_quant fixes '" << name << "' at " << bits
              << " bits, another one on the same tensor at " << fixed.bits
              << " bits";
          diag.attachNote(fixed.op->getLoc())
              << "the other mpq.fake_quant is here";
          return diag;
        }
        fixed = {bits, WidthOrigin::Model, fq};
      }
    }
  }

  for (const LayerPin &pin : request.pins) {
    const int s = graph.findStep(pin.layer);
    if (s < 0) {
      std::vector<std::string> names;
      for (const GraphStep &step : graph.steps)
        names.push_back(step.name);
      return getOperation().emitError()
             << "mpq-assign-precision: option 'pins': no layer named '"
             << pin.layer << "' (steps: " << llvm::join(names, ", ") << ")";
    }
    const int var = graph.tensors[graph.steps[s].output].variable;
    struct Part {
      unsigned bits;
      FixedWidth *fixed;
      const char *what;
    };
    const Part parts[] = {{pin.weightBits, &weightFixed[s], "weights"},
                          {pin.outputBits, &varFixed[var], "output"}};
    for (const Part &part : parts) {
      if (part.bits == 0)
        continue;
      if (part.fixed->origin == WidthOrigin::Model &&
          part.fixed->bits != part.bits) {
        InFlightDiagnostic diag =
            getOperation().emitError()
            << "mpq-assign-precision: option 'pins': pin " << pin.layer << ":"
            << pin.weightBits << ":" << pin.outputBits << " sets the "
            << part.what << " of '" << pin.layer << "' to " << part.bits
            << " bits, but an mpq.fake_quant in the model fixes "
            << part.fixed->bits << "; add 'reassign' to choose again";
        diag.attachNote(part.fixed->op->getLoc())
            << "the existing mpq.fake_quant is here";
        return diag;
      }
      *part.fixed = {part.bits, WidthOrigin::Pin, part.fixed->op};
    }
  }
  return success();
}

void AssignPrecisionPass::writeBack(ExtractedGraph &extracted,
                                    const BitAssignment &bits) {
  MLIRContext *ctx = &getContext();
  OpBuilder builder(ctx);
  // An existing fake-quant gets the new width (reassign); its scale, if it
  // had one, belonged to the old width.
  auto updateWidth = [&](FakeQuantOp fq, unsigned width) {
    if (getFakeQuantWidth(fq) == width)
      return;
    std::optional<StorageInfo> info = getStorageInfo(fq.getQuant());
    fq.setQuant(BitsType::get(ctx, width, info && info->isSigned));
  };

  const GraphDesc &graph = extracted.graph;
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    if (!hasWeights(graph.steps[s].kind))
      continue;
    StepSite &site = extracted.steps[s];
    const unsigned width = bits.weightBits[s];
    FakeQuantOp fq = site.existingWeightQuant;
    if (fq) {
      updateWidth(fq, width);
    } else {
      builder.setInsertionPoint(site.op);
      Value weight = site.op->getOperand(site.weightOperand);
      fq = FakeQuantOp::create(builder, site.op->getLoc(), weight,
                               BitsType::get(ctx, width, /*isSigned=*/true),
                               Rounding::half_to_even, /*narrow=*/false,
                               /*min=*/nullptr, /*max=*/nullptr);
      site.op->setOperand(site.weightOperand, fq);
    }
    // Only the search chooses per-layer weights, and only where the width
    // is free: a placeholder it created, or a fake-quant being reassigned,
    // whose grid or learned range belonged to the per-channel weights
    // (calibration chooses again). A model's own per-tensor grid is counted
    // per layer too (hasPerLayerParams) and stays as it is.
    if (bits.isPerLayer(s) && (!site.existingWeightQuant || reassign)) {
      std::optional<StorageInfo> info = getStorageInfo(fq.getQuant());
      fq.setQuant(BitsType::get(ctx, width, !info || info->isSigned));
      fq.removeMinAttr();
      fq.removeMaxAttr();
      fq.setPerLayer(true);
    }
  }

  for (size_t v = 0; v < extracted.variables.size(); ++v) {
    VariableSite &site = extracted.variables[v];
    const unsigned width = bits.activationBits[v];
    if (!site.existing.empty()) {
      for (FakeQuantOp fq : site.existing)
        updateWidth(fq, width);
      continue;
    }
    Value stored = site.stored;
    Location loc = stored.getLoc();
    if (auto arg = dyn_cast<BlockArgument>(stored))
      builder.setInsertionPointToStart(arg.getOwner());
    else
      builder.setInsertionPointAfterValue(stored);
    auto fq = FakeQuantOp::create(
        builder, loc, stored,
        BitsType::get(ctx, width, /*isSigned=*/!site.nonNegative),
        site.isInput ? Rounding::half_to_even
        : activationRounding == ActivationRounding::Nearest ? Rounding::half_up
                                                            : Rounding::floor,
        /*narrow=*/false, /*min=*/nullptr, /*max=*/nullptr);
    stored.replaceAllUsesExcept(fq, fq);
  }
}

LogicalResult AssignPrecisionPass::fitPlannedArena(
    const ExtractedGraph &extracted, const PrecisionStrategy &strategyImpl,
    const AssignmentRequest &request, AssignmentResult &result,
    int64_t &plannedArena, int64_t &activationBudget) {
  const GraphDesc &graph = extracted.graph;
  // The widths are chosen without the DSP kernels' scratch; runOnOperation
  // keeps it only where it fits beside them (mpq.narrow_kernels).
  const std::vector<int64_t> scratch;
  if (fuseRows) {
    // The rule's per-layer terms do not see row groups, which can hold far
    // less than in + out: the widths are those of the largest budget for
    // the rule whose planned arena, with row groups, fits the budget (by
    // bisection to 1%; larger budgets keep more at 8 bits).
    auto fused = [&](int64_t ramBudget, AssignmentResult &out) {
      AssignmentRequest wide = request;
      wide.ramBudget = ramBudget;
      out = strategyImpl.assign(graph, wide);
      if (!out.valid || !out.fits)
        return false;
      std::string error;
      const int64_t arena =
          plannedArenaBytes(graph, out.assignment, scratch, PlanOptions(),
                            error, request.inPlace, /*fuseRows=*/true);
      return arena >= 0 && arena <= request.ramBudget;
    };
    int64_t high = 0;
    for (const ActivationTensor &tensor : graph.tensors)
      high += packedTensorBytes(tensor.shape, 8);
    high = std::max(high, request.ramBudget);
    AssignmentResult candidate;
    if (fused(high, candidate)) {
      result = std::move(candidate);
    } else if (fused(request.ramBudget, candidate)) {
      int64_t low = request.ramBudget;
      AssignmentResult best = std::move(candidate);
      while (high - low > std::max<int64_t>(1, low / 100)) {
        const int64_t middle = low + (high - low) / 2;
        if (fused(middle, candidate)) {
          low = middle;
          best = std::move(candidate);
        } else {
          high = middle;
        }
      }
      result = std::move(best);
    }
    // The rule's RAM is its own budget's; the plan is what must fit.
    result.ramFits = true;
  }
  AssignmentRequest lowered = request;
  for (int round = 0;; ++round) {
    std::string error;
    plannedArena =
        plannedArenaBytes(graph, result.assignment, scratch, PlanOptions(),
                          error, request.inPlace, fuseRows);
    activationBudget = lowered.ramBudget;
    if (plannedArena < 0)
      return getOperation().emitError()
             << "mpq-assign-precision: ram-model=planned: planning failed: "
             << error;
    if (plannedArena <= request.ramBudget)
      return success();
    // Lower the activation budget by the excess and assign again.
    const int64_t excess = plannedArena - request.ramBudget;
    const std::string why =
        "RAM budget of " + std::to_string(request.ramBudget) +
        " B cannot be met: the arena planned for the widths chosen needs " +
        std::to_string(plannedArena) + " B (ram-model=planned)";
    lowered.ramBudget -= excess;
    AssignmentResult next;
    if (lowered.ramBudget > 0 && round < kMaxPlannedRounds)
      next = strategyImpl.assign(graph, lowered);
    if ((!next.valid || !next.fits) && lowered.inPlace) {
      // The rule's in-place terms count every layer's overlap, but a run of
      // layers in place drifts down the arena and the planner may realize
      // only some. Start again from the budget with in + out terms (the
      // arena is still planned in place).
      lowered = request;
      lowered.inPlace = false;
      next = strategyImpl.assign(graph, lowered);
    }
    if (!next.valid || !next.fits) {
      // Flash does not depend on the activation budget: this is RAM.
      result.fits = result.ramFits = false;
      result.error = why +
                     ", and no assignment fits the paper's per-layer RAM "
                     "model at the " +
                     std::to_string(lowered.ramBudget) +
                     " B that would leave room for the tensors the plan "
                     "keeps alive together";
      if (next.valid)
        result.smallestFootprint = next.smallestFootprint;
      return success();
    }
    result = std::move(next);
  }
}

LogicalResult AssignPrecisionPass::loadSensitivity(const GraphDesc &graph,
                                                   AssignmentRequest &request) {
  llvm::json::Value value = outcome ? outcome->sensitivity : nullptr;
  std::string where = "the sensitivity table given in process";
  if (value.kind() == llvm::json::Value::Null) {
    if (sensitivity.empty())
      return success(); // The proxy.
    where = "'" + sensitivity + "'";
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
        llvm::MemoryBuffer::getFile(sensitivity);
    if (!file)
      return getOperation().emitError()
             << "mpq-assign-precision: option 'sensitivity': cannot read "
             << where << ": " << file.getError().message();
    llvm::Expected<llvm::json::Value> parsed =
        llvm::json::parse((*file)->getBuffer());
    if (!parsed)
      return getOperation().emitError()
             << "mpq-assign-precision: option 'sensitivity': " << where
             << " is not JSON: " << llvm::toString(parsed.takeError());
    value = std::move(*parsed);
  }
  StartingWidths start;
  std::string error = computeStartingWidths(graph, request, start);
  if (!error.empty())
    return getOperation().emitError() << "mpq-assign-precision: " << error;
  std::optional<SensitivityTable> table =
      sensitivityFromJson(graph, start, request.candidateBits, value, error);
  if (!table)
    return getOperation().emitError()
           << "mpq-assign-precision: option 'sensitivity': " << where << ": "
           << error;
  request.sensitivity = std::make_shared<SensitivityTable>(std::move(*table));
  return success();
}

void AssignPrecisionPass::runOnOperation() {
  AssignmentRequest request;
  std::unique_ptr<PrecisionStrategy> strategyImpl;
  if (failed(parseOptions(request, strategyImpl)))
    return signalPassFailure();
  FailureOr<func::FuncOp> func = getModelFunction(getOperation());
  if (failed(func))
    return signalPassFailure();
  FailureOr<ExtractedGraph> extracted = extractGraph(*func);
  if (failed(extracted))
    return signalPassFailure();
  const GraphDesc &graph = extracted->graph;

  std::vector<FixedWidth> weightFixed, varFixed;
  if (failed(collectFixedWidths(*extracted, request, weightFixed, varFixed)))
    return signalPassFailure();
  // One pin per step that fixes its weights or the variable it creates.
  request.pins.clear();
  const std::vector<int> creators = variableCreators(graph);
  std::vector<LayerPin> stepPins(graph.steps.size());
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    stepPins[s].layer = graph.steps[s].name;
    stepPins[s].weightBits = weightFixed[s].bits;
    stepPins[s].perLayerWeights =
        request.scheme == QuantScheme::PC_ICN &&
        hasPerLayerParams(extracted->steps[s].op, weightFixed[s].op);
  }
  for (size_t v = 0; v < varFixed.size(); ++v)
    if (varFixed[v].bits != 0 && creators[v] >= 0)
      stepPins[creators[v]].outputBits = varFixed[v].bits;
  for (const LayerPin &pin : stepPins)
    if (pin.weightBits != 0 || pin.outputBits != 0)
      request.pins.push_back(pin);

  if (strategy == PrecisionStrategyKind::Search &&
      failed(loadSensitivity(graph, request)))
    return signalPassFailure();
  AssignmentResult result = strategyImpl->assign(graph, request);
  if (!result.valid) {
    getOperation().emitError() << "mpq-assign-precision: " << result.error;
    return signalPassFailure();
  }
  int64_t plannedArena = -1, activationBudget = -1;
  if (ramModel == RamModel::Planned && result.fits &&
      failed(fitPlannedArena(*extracted, *strategyImpl, request, result,
                             plannedArena, activationBudget)))
    return signalPassFailure();
  // The DSP kernels' scratch (kernelScratchBytes) where it fits beside the
  // widths chosen without it; where it does not, none (mpq.narrow_kernels):
  // it never costs activation bits.
  setNarrowKernels(*func, false);
  if (dspKernels && ramModel == RamModel::Planned && result.fits) {
    GraphDesc wide = graph;
    for (GraphStep &step : wide.steps)
      step.widensInput = step.kind == StepKind::Conv;
    std::string error;
    const int64_t withScratch =
        plannedArenaBytes(wide, result.assignment, {}, PlanOptions(), error,
                          request.inPlace, fuseRows);
    if (withScratch >= 0 && withScratch <= request.ramBudget)
      plannedArena = withScratch;
    else
      setNarrowKernels(*func, true);
  }

  PrecisionReportInput info{graph,
                            request,
                            result,
                            enumName(strategy.getValue()),
                            enumName(ramModel.getValue()),
                            {},
                            {}};
  info.plannedArenaBytes = plannedArena;
  info.activationBudget = activationBudget;
  // A width the strategy chose is named after it.
  auto chosenBy = [&](WidthOrigin origin) {
    return origin == WidthOrigin::Rule &&
                   strategy == PrecisionStrategyKind::Search
               ? WidthOrigin::Search
               : origin;
  };
  for (const FixedWidth &fixed : weightFixed)
    info.weightOrigin.push_back(chosenBy(fixed.origin));
  for (size_t v = 0; v < varFixed.size(); ++v)
    info.variableOrigin.push_back(chosenBy(varFixed[v].origin));
  for (const GraphStep &step : graph.steps)
    if (step.isLast)
      info.variableOrigin[graph.tensors[step.output].variable] =
          WidthOrigin::IO;
  for (size_t v = 0; v < extracted->variables.size(); ++v)
    if (extracted->variables[v].isInput)
      info.variableOrigin[v] = WidthOrigin::IO;

  if (outcome) {
    outcome->report = precisionReportJson(info);
    outcome->fits = result.fits;
    outcome->flashBytes = result.footprint.flashBytes;
    outcome->bits = formatBitString(graph, result.assignment);
    outcome->layers.clear();
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      const GraphStep &step = graph.steps[s];
      if (!hasWeights(step.kind))
        continue;
      auto bitsOf = [&](int tensor) {
        return result.assignment.activationBits[graph.tensors[tensor].variable];
      };
      outcome->layers.push_back(
          {step.name, stepKindName(step.kind),
           nameFromLocation(extracted->steps[s].op->getLoc())
               .value_or(step.name),
           result.assignment.weightBits[s], bitsOf(step.inputs.front()),
           bitsOf(step.output), result.footprint.steps[s].weightBytes,
           result.footprint.steps[s].paramBytes,
           result.assignment.isPerLayer(s),
           widthOriginName(info.weightOrigin[s]),
           widthOriginName(
               info.variableOrigin[graph.tensors[step.output].variable])});
    }
  }
  if (!report.empty()) {
    // writeToOutput goes through a temporary file and a rename: a reader
    // never sees a half-written report.
    llvm::Error error = llvm::writeToOutput(report, [&](raw_ostream &os) {
      writePrecisionReport(os, info);
      return llvm::Error::success();
    });
    if (error) {
      getOperation().emitError()
          << "mpq-assign-precision: cannot write the report to '" << report
          << "': " << llvm::toString(std::move(error));
      return signalPassFailure();
    }
  }
  if (table)
    printPrecisionTable(llvm::errs(), info);

  if (!result.fits) {
    // One error per budget missed (the library puts each on its own line),
    // with a note at its bottleneck layer.
    SmallVector<StringRef> lines;
    StringRef(result.error).split(lines, '\n');
    size_t line = 0;
    auto emitMiss = [&](bool fits, int bottleneck, StringRef what) {
      if (fits || line >= lines.size())
        return;
      InFlightDiagnostic diag = func->emitError()
                                << "the model does not fit: " << lines[line++];
      if (bottleneck >= 0)
        diag.attachNote(extracted->steps[bottleneck].op->getLoc())
            << what << " bottleneck: '" << graph.steps[bottleneck].name << "'";
    };
    emitMiss(result.ramFits, result.ramBottleneck, "RAM");
    emitMiss(result.flashFits, result.flashBottleneck, "flash");
    return signalPassFailure();
  }
  writeBack(*extracted, result.assignment);
}

std::unique_ptr<Pass> mlir::mpq::createMPQAssignPrecisionPass(
    const MPQAssignPrecisionPassOptions &options, PrecisionOutcome *outcome) {
  return std::make_unique<AssignPrecisionPass>(options, outcome);
}
