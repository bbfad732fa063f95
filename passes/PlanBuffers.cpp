//===- PlanBuffers.cpp - --mpq-plan-buffers -------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Orchestrates buffer planning: the buffers and annotations are
// mpq/Analysis/ArenaBuffers.h, the order mpq/Analysis/Schedule.h, the
// placement and the checker mpq/Analysis/BufferPlanner.h. The pass checks the
// plan twice: checkPlan on the planner's result, then on the annotations as
// code generation reads them back from the reordered function.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/ArenaBuffers.h"
#include "mpq/Analysis/GraphExtraction.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Report/PlanSvg.h"
#include "mpq/Support/JsonOrder.h"
#include "mpq/Transforms/Passes.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQPLANBUFFERSPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

struct PlanBuffersPass
    : ::mlir::mpq::impl::MPQPlanBuffersPassBase<PlanBuffersPass> {
  using Base::Base;
  PlanBuffersPass(const MPQPlanBuffersPassOptions &options,
                  PlanOutcome *outcome)
      : Base(options), outcome(outcome) {}
  void runOnOperation() override;

  /// Where a caller in process receives the report (may be null).
  PlanOutcome *outcome = nullptr;

private:
  InFlightDiagnostic optionError(StringRef option);
  LogicalResult writeFile(StringRef what, StringRef path,
                          llvm::function_ref<void(raw_ostream &)> write);
};

/// Everything the report says, besides the plan itself.
struct PlanSummary {
  const ArenaGraph &graph;
  const ArenaBufferSet &buffers;
  const Plan &plan;
  const ScheduleResult &schedule;
  bool reordered = false;
  bool inPlace = false;
  int64_t naiveBytes = 0;
  /// The layer-by-layer bound: whole tensors, every layer its own step,
  /// nothing in place (in the planned order).
  int64_t classicalBound = 0;
};

llvm::json::Value planReportJson(const PlanSummary &summary) {
  using llvm::json::Array;
  using llvm::json::Object;
  const Plan &plan = summary.plan;
  const std::vector<Buffer> &buffers = summary.buffers.buffers;
  Array bufferRows;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const Buffer &b = buffers[i];
    Object row{
        {"name", b.name},
        {"kind", i < summary.graph.tensors.size()
                     ? stringifyArenaTensorKind(summary.graph.tensors[i].kind)
                     : "scratch"},
        {"offset", plan.offsets[i]},
        {"size", b.size},
        {"first_step", b.firstUse},
        {"last_step", b.lastUse}};
    // A pair the plan honours but placed apart (the shift rounded up to
    // the alignment can leave no overlap) is not in place.
    const int source =
        i < plan.inPlaceSource.size() ? plan.inPlaceSource[i] : -1;
    if (source >= 0 &&
        plan.offsets[i] < plan.offsets[source] + buffers[source].size &&
        plan.offsets[source] < plan.offsets[i] + b.size) {
      row["in_place_of"] = buffers[source].name;
      // Window layers: how far below the input the output starts, or,
      // written from the last pixel, how far above the input's end it ends.
      const bool descending = i < plan.descending.size() && plan.descending[i];
      if (descending || b.inPlaceShift > 0)
        row["in_place_shift"] = descending ? b.inPlaceShiftUp : b.inPlaceShift;
      if (descending)
        row["in_place_descending"] = true;
    }
    bufferRows.push_back(std::move(row));
  }
  return Object{
      {"function", func::FuncOp(summary.graph.func).getSymName()},
      {"algorithm", stringifyPlanAlgorithm(plan.algorithm)},
      {"method", plan.method},
      {"align", plan.align},
      {"in_place", summary.inPlace},
      {"arena_bytes", plan.arenaSize},
      {"lower_bound_bytes", plan.lowerBound},
      {"classical_bound_bytes", summary.classicalBound},
      {"ratio",
       plan.lowerBound > 0 ? double(plan.arenaSize) / plan.lowerBound : 1.0},
      {"proven_optimal", plan.provenOptimal},
      {"baseline_arena_bytes", plan.baselineArenaSize},
      {"naive_bytes", summary.naiveBytes},
      {"schedule",
       Object{
           {"method", summary.schedule.method},
           {"exact", summary.schedule.exact},
           {"reordered", summary.reordered},
           {"steps", static_cast<int64_t>(summary.graph.steps.size())},
           {"peak_live_bytes", summary.schedule.peakBytes},
           {"program_order_peak_live_bytes", summary.schedule.givenPeakBytes}}},
      {"buffers", std::move(bufferRows)},
  };
}

/// Testing hook: puts a buffer onto another one it is live with.
void forceOverlap(const std::vector<Buffer> &buffers, Plan &plan) {
  for (size_t i = 0; i < buffers.size(); ++i)
    for (size_t j = i + 1; j < buffers.size(); ++j)
      if (buffers[i].firstUse <= buffers[j].lastUse &&
          buffers[j].firstUse <= buffers[i].lastUse && buffers[i].size > 0 &&
          buffers[j].size > 0) {
        plan.offsets[j] = plan.offsets[i];
        plan.arenaSize =
            std::max(plan.arenaSize,
                     plan.offsets[j] + alignTo(buffers[j].size, plan.align));
        return;
      }
}

} // namespace

InFlightDiagnostic PlanBuffersPass::optionError(StringRef option) {
  return getOperation().emitError()
         << "mpq-plan-buffers: option '" << option << "': ";
}

LogicalResult
PlanBuffersPass::writeFile(StringRef what, StringRef path,
                           llvm::function_ref<void(raw_ostream &)> write) {
  // writeToOutput goes through a temporary file and a rename: a reader never
  // sees a half-written file.
  llvm::Error error = llvm::writeToOutput(path, [&](raw_ostream &os) {
    write(os);
    return llvm::Error::success();
  });
  if (!error)
    return success();
  getOperation().emitError()
      << "mpq-plan-buffers: cannot write the " << what << " to '" << path
      << "': " << llvm::toString(std::move(error));
  return failure();
}

void PlanBuffersPass::runOnOperation() {
  PlanOptions options;
  options.algorithm = algorithm;
  if (align < 1 || !llvm::isPowerOf2_64(static_cast<uint64_t>(align))) {
    optionError("align") << "the alignment must be a positive power of two, "
                            "got "
                         << static_cast<int64_t>(align);
    return signalPassFailure();
  }
  options.align = align;

  FailureOr<func::FuncOp> func = getModelFunction(getOperation());
  if (failed(func))
    return signalPassFailure();
  FailureOr<ArenaGraph> graph =
      extractArenaGraph(*func, /*rowGroups=*/true, dspKernels);
  if (failed(graph))
    return signalPassFailure();

  // With every aligned size and their sum within int64, no offset the
  // planner computes can overflow (an arena never exceeds the sum).
  int64_t naiveBytes = 0;
  auto addBytes = [&](int64_t bytes) {
    return bytes <= std::numeric_limits<int64_t>::max() - align &&
           !__builtin_add_overflow(naiveBytes, alignTo(bytes, align),
                                   &naiveBytes);
  };
  for (const OpGraph::Tensor &tensor : graph->graph.tensors)
    if (!addBytes(tensor.size)) {
      func->emitError() << "mpq-plan-buffers: the buffers of '"
                        << func->getSymName()
                        << "' add up to more than int64 bytes";
      return signalPassFailure();
    }
  for (const ArenaStep &step : graph->steps)
    if (!addBytes(step.scratchBytes)) {
      step.op->emitError() << "mpq-plan-buffers: the scratch buffers add up "
                              "to more than int64 bytes";
      return signalPassFailure();
    }

  ScheduleResult schedule;
  if (std::string error =
          scheduleForMemory(graph->graph, {}, ScheduleOptions(), schedule);
      !error.empty()) {
    func->emitError() << "mpq-plan-buffers: scheduling failed: " << error;
    return signalPassFailure();
  }
  ArenaBufferSet buffers = collectArenaBuffers(*graph, schedule.order, inPlace);
  Plan plan;
  if (std::string error = planBuffers(buffers.buffers, options, plan);
      !error.empty()) {
    func->emitError() << "mpq-plan-buffers: planning failed: " << error;
    return signalPassFailure();
  }
  if (testForceOverlap)
    forceOverlap(buffers.buffers, plan);
  if (std::string error = checkPlan(buffers.buffers, plan); !error.empty()) {
    func->emitError() << "mpq-plan-buffers: the plan is invalid: " << error;
    return signalPassFailure();
  }

  bool reordered = false;
  for (size_t s = 0; s < schedule.order.size(); ++s)
    reordered |= schedule.order[s] != static_cast<int>(s);
  if (reordered)
    applyStepOrder(*graph, schedule.order);
  annotateArenaPlan(*graph, buffers, plan);
  if (std::string error = verifyArenaAnnotations(*func); !error.empty()) {
    func->emitError() << "mpq-plan-buffers: the annotated plan is invalid: "
                      << error;
    return signalPassFailure();
  }

  PlanSummary summary{*graph,    buffers, plan,      schedule,
                      reordered, inPlace, naiveBytes};
  if (FailureOr<ArenaGraph> layers = extractArenaGraph(*func, false);
      succeeded(layers)) {
    std::vector<int> order(layers->steps.size());
    for (size_t k = 0; k < order.size(); ++k)
      order[k] = static_cast<int>(k);
    summary.classicalBound = lowerBound(
        collectArenaBuffers(*layers, order, /*inPlace=*/false).buffers, align);
  }
  bool wantSvg = !svg.empty() || outcome;
  std::string picture;
  if (wantSvg) {
    // Steps by the layers that run, buffers by their widths.
    PlanSvgLabels labels;
    for (const ArenaStep &step : graph->steps)
      labels.stepNames.push_back(
          nameFromLocation(step.op->getLoc())
              .value_or(step.op->getName().stripDialect().str()));
    for (size_t i = 0; i < buffers.buffers.size(); ++i) {
      unsigned bits = 0;
      if (i < graph->tensors.size())
        if (auto type = dyn_cast<ShapedType>(graph->tensors[i].value.getType()))
          if (std::optional<StorageInfo> info =
                  getStorageInfo(type.getElementType()))
            bits = info->width;
      labels.bufferBits.push_back(bits);
    }
    picture =
        renderPlanSvg(buffers.buffers, plan,
                      "@" + func->getSymName().str() + ": arena " +
                          std::to_string(plan.arenaSize) + " B, lower bound " +
                          std::to_string(plan.lowerBound) + " B (" +
                          stringifyPlanAlgorithm(plan.algorithm) + ")",
                      labels);
  }
  llvm::json::Value reportJson = planReportJson(summary);
  if (!report.empty() &&
      failed(writeFile("report", report, [&](raw_ostream &os) {
        static const StringRef order[] = {"function",
                                          "algorithm",
                                          "method",
                                          "align",
                                          "in_place",
                                          "arena_bytes",
                                          "lower_bound_bytes",
                                          "classical_bound_bytes",
                                          "ratio",
                                          "proven_optimal",
                                          "baseline_arena_bytes",
                                          "naive_bytes",
                                          "schedule",
                                          "exact",
                                          "reordered",
                                          "steps",
                                          "peak_live_bytes",
                                          "program_order_peak_live_bytes",
                                          "buffers",
                                          "name",
                                          "kind",
                                          "offset",
                                          "size",
                                          "first_step",
                                          "last_step",
                                          "in_place_of"};
        printJsonInOrder(os, reportJson, order);
        os << "\n";
      })))
    return signalPassFailure();
  if (!svg.empty() &&
      failed(writeFile("SVG", svg, [&](raw_ostream &os) { os << picture; })))
    return signalPassFailure();
  if (outcome) {
    outcome->report = std::move(reportJson);
    outcome->arenaBytes = plan.arenaSize;
    outcome->lowerBoundBytes = plan.lowerBound;
    outcome->svg = std::move(picture);
  }
}

std::unique_ptr<Pass>
mlir::mpq::createMPQPlanBuffersPass(const MPQPlanBuffersPassOptions &options,
                                    PlanOutcome *outcome) {
  return std::make_unique<PlanBuffersPass>(options, outcome);
}
