//===- Calibrate.cpp - --mpq-calibrate ------------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Post-training calibration: observe the float graph on calibration inputs
// with the reference evaluator, then give every fake_quant to !mpq.bits the
// grid of its observed range (docs/paper.md §1), and (snap-bias) each layer's
// bias its int32 grid (mpq/Transforms/SnapBias.h).
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RangeEstimator.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Eval/Evaluator.h"
#include "mpq/Eval/Validation.h"
#include "mpq/Support/Npy.h"
#include "mpq/Transforms/LowerFakeQuant.h"
#include "mpq/Transforms/Passes.h"
#include "mpq/Transforms/SnapBias.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Threading.h"

#include <cmath>
#include <limits>
#include <optional>

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQCALIBRATEPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// A running [min, max] per slice (one slice for per-tensor ranges).
struct Ranges {
  std::vector<double> mins, maxs;
  explicit Ranges(size_t slices = 1)
      : mins(slices, std::numeric_limits<double>::infinity()),
        maxs(slices, -std::numeric_limits<double>::infinity()) {}
  void add(size_t slice, double v) {
    mins[slice] = std::min(mins[slice], v);
    maxs[slice] = std::max(maxs[slice], v);
  }
  void merge(const Ranges &other) {
    for (size_t i = 0; i < mins.size(); ++i) {
      mins[i] = std::min(mins[i], other.mins[i]);
      maxs[i] = std::max(maxs[i], other.maxs[i]);
    }
  }
};

DenseElementsAttr floatAttr(ShapedType type, ArrayRef<double> values) {
  SmallVector<float> data(values.begin(), values.end());
  return DenseElementsAttr::get(type, ArrayRef<float>(data));
}

/// PL+FB: conv|fc (constant weight, optional constant bias) -> batch_norm
/// with constant parameters becomes one layer with folded weight and bias.
/// The per_layer weight placeholder of `layer`, or null.
FakeQuantOp perLayerWeights(Operation *layer) {
  auto floatLayer = dyn_cast_or_null<FloatLayerOpInterface>(layer);
  if (!floatLayer)
    return {};
  auto fq = floatLayer.getWeight().getDefiningOp<FakeQuantOp>();
  return fq && fq.getPerLayer() ? fq : FakeQuantOp();
}

/// Folds every batch norm (`all`), or those after a layer whose weights are
/// quantized per layer, into the layer before it.
LogicalResult foldBatchNorms(func::FuncOp func, bool all) {
  SmallVector<BatchNormOp> norms;
  func.walk([&](BatchNormOp bn) {
    if (all || perLayerWeights(bn.getInput().getDefiningOp()))
      norms.push_back(bn);
  });
  const StringRef why = all ? "scheme=pl-fb" : "per-layer weights";
  for (BatchNormOp bn : norms) {
    Operation *def = bn.getInput().getDefiningOp();
    auto layer = dyn_cast_or_null<FloatLayerOpInterface>(def);
    if (layer && !bn.getInput().hasOneUse())
      return bn.emitError() << why
                            << ": batch-norm is folded into the layer before "
                               "it, but that layer's output has other uses";
    if (!layer)
      return bn.emitError() << why
                            << ": batch-norm is folded into the layer "
                               "before it, but this one follows '"
                            << (def ? def->getName().getStringRef()
                                    : StringRef("a function argument"))
                            << "'";
    // The weight may already carry the fake_quant the precision pass put
    // there; fold into the constant beneath it.
    Value weightUse = layer.getWeight();
    auto fq = weightUse.getDefiningOp<FakeQuantOp>();
    Value weight = fq ? fq.getInput() : weightUse;
    auto w = getFloatConstantValues(weight);
    auto gamma = getFloatConstantValues(bn.getScale()),
         beta = getFloatConstantValues(bn.getBias()),
         mean = getFloatConstantValues(bn.getMean()),
         var = getFloatConstantValues(bn.getVariance());
    if (!w || !gamma || !beta || !mean || !var)
      return bn.emitError() << why
                            << ": folding batch-norm needs constant weights "
                               "and batch-norm parameters";
    Value biasValue = layer.getBias();
    auto weightType = cast<RankedTensorType>(weight.getType());
    int64_t channels = weightType.getDimSize(0);
    int64_t perChannel = weightType.getNumElements() / channels;
    std::vector<double> bias(channels, 0.0);
    if (biasValue) {
      auto b = getFloatConstantValues(biasValue);
      if (!b)
        return bn.emitError()
               << why << ": folding batch-norm needs a constant bias";
      bias = *b;
    }
    double eps = bn.getEpsilon().convertToDouble();
    for (int64_t c = 0; c < channels; ++c) {
      double gain = (*gamma)[c] / std::sqrt((*var)[c] + eps);
      for (int64_t i = 0; i < perChannel; ++i)
        (*w)[c * perChannel + i] *= gain;
      bias[c] = (bias[c] - (*mean)[c]) * gain + (*beta)[c];
    }
    // Before the weight's fake_quant, which will use the new constant.
    OpBuilder builder(fq ? fq.getOperation() : layer.getOperation());
    Value newWeight = arith::ConstantOp::create(builder, weight.getLoc(),
                                                floatAttr(weightType, *w));
    auto biasType =
        RankedTensorType::get({channels}, weightType.getElementType());
    Value newBias = arith::ConstantOp::create(builder, layer->getLoc(),
                                              floatAttr(biasType, bias));
    if (fq)
      fq.getInputMutable().assign(newWeight);
    else
      layer.getWeightMutable().set(newWeight);
    layer.getBiasMutable().assign(newBias);
    bn.getResult().replaceAllUsesWith(bn.getInput());
    bn.erase();
  }
  return success();
}

/// A grid needs a finite range of finite width; ranges come from data
/// (observed activations, weights, a model's min/max), which may hold
/// infinities, NaNs or +-1e308.
static LogicalResult checkRange(FakeQuantOp fq, StringRef what, double min,
                                double max) {
  if (std::isfinite(min) && std::isfinite(max) && std::isfinite(max - min))
    return success();
  return fq.emitError() << "the " << what << " range [" << min << ", " << max
                        << "] has no finite quantization scale";
}

/// A channel whose weights are all within a millionth of the largest
/// channel's (a filter that training left dead, max |w| ~ 1e-19 in real
/// detectors) is a pruned channel: its own range would give it a scale so
/// small that its bias overflows int32 on the accumulator's grid. It takes
/// the widest channel's range instead, where its weights are exact zero
/// codes and its bias passes through exactly. A warning names the channels.
static void floorDeadChannels(FakeQuantOp fq, Ranges &ranges) {
  auto magnitude = [&](size_t c) {
    return std::max(std::fabs(ranges.mins[c]), std::fabs(ranges.maxs[c]));
  };
  size_t widest = 0;
  for (size_t c = 1; c < ranges.mins.size(); ++c)
    if (magnitude(c) > magnitude(widest))
      widest = c;
  double largest = magnitude(widest);
  SmallVector<size_t> dead;
  for (size_t c = 0; c < ranges.mins.size(); ++c)
    if (magnitude(c) != 0.0 && magnitude(c) <= 1e-6 * largest) {
      dead.push_back(c);
      ranges.mins[c] = ranges.mins[widest];
      ranges.maxs[c] = ranges.maxs[widest];
    }
  if (dead.empty())
    return;
  auto diag =
      fq.emitWarning()
      << dead.size() << " output channel" << (dead.size() > 1 ? "s" : "")
      << " with (near-)zero weights, quantized as pruned (zero codes): ";
  llvm::interleaveComma(llvm::ArrayRef(dead).take_front(16), diag);
  if (dead.size() > 16)
    diag << ", ...";
}

/// The fake-quantization `fq` does at `width` bits, for a range estimator.
static GridSpec gridSpec(FakeQuantOp fq, unsigned width) {
  auto storage = getStorageInfo(fq.getQuant());
  return {width, storage && storage->isSigned, fq.getNarrow(),
          toRoundingMode(fq.getRounding())};
}

/// The ranges `kind` chooses for `fq` at each width 1..8, in the layout of
/// the fake_quant's `clips` (auto: those of each of kAutoCandidates, one
/// after the other).
static SmallVector<double> clipsPerWidth(FakeQuantOp fq,
                                         const Histogram &histogram,
                                         RangeEstimatorKind kind) {
  SmallVector<double> clips;
  for (RangeEstimatorKind estimator : kAutoCandidates) {
    if (kind != RangeEstimatorKind::Auto && estimator != kind)
      continue;
    for (unsigned width = 1; width <= 8; ++width) {
      auto [min, max] =
          estimateRange(histogram, estimator, gridSpec(fq, width));
      clips.append({min, max});
    }
  }
  return clips;
}

/// The candidate ranges of an activation under range=auto: one grid per
/// estimator of kAutoCandidates, and the one in use.
struct RangeChoice {
  FakeQuantOp fq;
  SmallVector<UniformType, 3> grids;
  size_t chosen = 0;
  void use(size_t k) {
    chosen = k;
    fq.setQuant(grids[k]);
  }
};

/// The outputs of `func` on every sample: the float model's
/// (`floatModel`: every !mpq.bits fake_quant an identity) or the model's.
static FailureOr<SampleOutputs> runSamples(func::FuncOp func,
                                           ArrayRef<EvalTensor> samples,
                                           EvalConstantCache &constants,
                                           bool floatModel) {
  EvalOptions options;
  options.bitsFakeQuantIsIdentity = floatModel;
  options.releaseDeadValues = true;
  options.constants = &constants;
  return evaluateSamples(func, samples, options);
}

/// The model's error as the SQNR of its outputs sees it, sum (got - ref)^2
/// / sum ref^2 over every output, on all samples and on the even and the
/// odd ones apart.
struct ModelError {
  double all = std::numeric_limits<double>::infinity();
  double even = std::numeric_limits<double>::infinity();
  double odd = std::numeric_limits<double>::infinity();
  /// Lower on all samples, and on each half that has samples: a gain on
  /// one half only is noise of the calibration set, which a choice among
  /// many candidates would otherwise fit.
  bool betterThan(const ModelError &other, size_t samples) const {
    if (!(all < other.all))
      return false;
    return samples < 2 || (even < other.even && odd < other.odd);
  }
};
static ModelError modelError(const SampleOutputs &got,
                             const SampleOutputs &ref) {
  auto even = [](size_t s) { return s % 2 == 0; };
  auto odd = [](size_t s) { return s % 2 == 1; };
  return {relativeOutputError(got, ref), relativeOutputError(got, ref, even),
          relativeOutputError(got, ref, odd)};
}

/// range=auto: with every other grid set, chooses each activation's range
/// among its candidates by the output error of the integer model they give
/// (a copy of `func` with its biases snapped, when `snap`, and lowered by
/// lowerFakeQuant: what is compiled, whose pools and joins round where the
/// fake-quant graph does not; the fake-quant graph itself if the function
/// does not lower as it stands) against `reference` (the float model's
/// outputs) on `samples`. First the estimator that is best for all
/// activations at once; then, activation by activation in program order,
/// another candidate wherever it lowers the error on all samples and on
/// each half of them (one sweep; ModelError::betterThan).
/// The result is never worse on the calibration inputs than the best single
/// estimator: at most 3 + 2 A evaluations of the model per sample for A
/// activations.
static LogicalResult chooseRanges(func::FuncOp func,
                                  MutableArrayRef<RangeChoice> choices,
                                  ArrayRef<EvalTensor> samples,
                                  const SampleOutputs &reference, bool snap) {
  // Whether the function lowers at all, decided on the first evaluation: a
  // graph the lowering refuses as it stands (mpq-opt on part of a model)
  // is measured as the fake-quant graph it is.
  std::optional<bool> integerModel;
  auto error = [&]() -> FailureOr<ModelError> {
    OwningOpRef<ModuleOp> holder;
    func::FuncOp target = func;
    if (integerModel.value_or(true)) {
      holder = ModuleOp::create(func.getLoc());
      auto copy = cast<func::FuncOp>(func->clone());
      holder->push_back(copy);
      bool lowered;
      {
        ScopedDiagnosticHandler quiet(func.getContext(),
                                      [](Diagnostic &) { return success(); });
        lowered = (!snap || succeeded(snapBiases(copy))) &&
                  succeeded(lowerFakeQuant(copy));
      }
      if (!integerModel)
        integerModel = lowered;
      if (lowered)
        target = copy;
      else if (*integerModel)
        // A candidate the lowering refuses (a bias beyond int32, say) is
        // not chosen; the compile reports what is wrong with the one that
        // is.
        return ModelError();
    }
    EvalConstantCache constants;
    FailureOr<SampleOutputs> outputs =
        runSamples(target, samples, constants, /*floatModel=*/false);
    if (failed(outputs))
      return failure();
    return modelError(*outputs, reference);
  };
  const size_t candidates = std::size(kAutoCandidates);
  ModelError best;
  size_t bestK = 0;
  for (size_t k = 0; k < candidates; ++k) {
    for (RangeChoice &choice : choices)
      choice.use(k);
    FailureOr<ModelError> e = error();
    if (failed(e))
      return failure();
    if (e->all < best.all) {
      best = *e;
      bestK = k;
    }
  }
  for (RangeChoice &choice : choices)
    choice.use(bestK);
  for (RangeChoice &choice : choices) {
    const size_t start = choice.chosen;
    size_t keep = start;
    for (size_t k = 0; k < candidates; ++k) {
      // A candidate with a grid already tried gives the same error.
      if (llvm::is_contained(ArrayRef(choice.grids).take_front(k),
                             choice.grids[k]) ||
          choice.grids[k] == choice.grids[start])
        continue;
      choice.use(k);
      FailureOr<ModelError> e = error();
      if (failed(e))
        return failure();
      if (e->betterThan(best, samples.size())) {
        best = *e;
        keep = k;
      }
    }
    choice.use(keep);
  }
  return success();
}

struct CalibratePass : ::mlir::mpq::impl::MPQCalibratePassBase<CalibratePass> {
  using Base::Base;

  void runOnOperation() override {
    // Every function with a body, each on its own (a module may hold several
    // independent graphs, see mpq/Dialect/MPQ/IR/ModelFunction.h).
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() &&
          (failed(calibrate(func)) ||
           (snapBias && !observeOnly && failed(snapBiases(func)))))
        return signalPassFailure();
  }

  LogicalResult calibrate(func::FuncOp func) {
    if (failed(foldBatchNorms(func, scheme == QuantScheme::PL_FB)))
      return failure();
    SmallVector<FakeQuantOp> pending;
    func.walk([&](FakeQuantOp fq) {
      if (isa<BitsType>(fq.getQuant()))
        pending.push_back(fq);
    });
    if (pending.empty())
      return success();

    // Weights and learned ranges need no data; activations are observed.
    llvm::DenseMap<Operation *, Ranges> observed;
    // range=percentile|mse: the values too, as one histogram per tensor.
    llvm::DenseMap<Operation *, Histogram> histograms;
    bool needsData = false;
    for (FakeQuantOp fq : pending) {
      if (fq.getMin() || getFloatConstantValues(fq.getInput()))
        continue;
      observed[fq] = Ranges();
      needsData = true;
    }
    // The calibration inputs, and the constants read once for every
    // evaluation on them.
    std::vector<EvalTensor> samples;
    EvalConstantCache constants;
    const bool chooses = range == RangeEstimatorKind::Auto && !observeOnly;
    if (needsData || chooses) {
      auto loaded =
          loadModelInputs(func, inputs, synthetic, "calibration input");
      if (failed(loaded))
        return failure();
      samples = std::move(*loaded);
    }
    if (needsData) {
      // One evaluation per sample, on the context's threads; each observes
      // its own ranges, merged after (min and max do not depend on the
      // order).
      std::vector<llvm::DenseMap<Operation *, Ranges>> perSample(samples.size(),
                                                                 observed);
      std::vector<llvm::DenseMap<Operation *, Histogram>> perSampleHistograms(
          range == RangeEstimatorKind::MinMax ? 0 : samples.size());
      auto observe = [&](size_t i) -> LogicalResult {
        EvalOptions options;
        options.uncalibratedFakeQuantIsIdentity = true;
        options.releaseDeadValues = true;
        options.constants = &constants;
        options.afterOp = [&](Operation *op, auto valueOf) {
          auto it = perSample[i].find(op);
          if (it == perSample[i].end())
            return;
          const std::vector<double> &values = valueOf(op->getOperand(0)).reals;
          for (double v : values)
            it->second.add(0, v);
          if (!perSampleHistograms.empty())
            perSampleHistograms[i][op] = Histogram::of(values);
        };
        return evaluate(func, {samples[i]}, options);
      };
      if (failed(failableParallelForEachN(func.getContext(), 0, samples.size(),
                                          observe)))
        return failure();
      for (const auto &sample : perSample)
        for (auto &[op, ranges] : sample) {
          observed[op].merge(ranges);
        }
      // In sample order: the merged histogram does not depend on threads.
      if (!perSampleHistograms.empty())
        for (auto &entry : observed) {
          std::vector<const Histogram *> parts;
          for (const auto &sample : perSampleHistograms)
            if (auto it = sample.find(entry.first); it != sample.end())
              parts.push_back(&it->second);
          histograms[entry.first] = Histogram::merge(parts);
        }
    }
    if (observeOnly) {
      // Ranges, not grids: they hold for any width the fake_quant gets.
      Builder builder(func.getContext());
      for (FakeQuantOp fq : pending)
        if (auto it = observed.find(fq); it != observed.end()) {
          fq.setMinAttr(builder.getF64FloatAttr(it->second.mins[0]));
          fq.setMaxAttr(builder.getF64FloatAttr(it->second.maxs[0]));
          // The estimator's range depends on the width, which precision
          // assignment may still change: one per width.
          if (auto h = histograms.find(fq);
              h != histograms.end() && !h->second.empty())
            fq.setClipsAttr(builder.getDenseF64ArrayAttr(
                clipsPerWidth(fq, h->second, range)));
        }
      return success();
    }

    // range=auto: the float model's outputs, before any grid is set.
    SampleOutputs reference;
    if (chooses) {
      auto outputs = runSamples(func, samples, constants, /*floatModel=*/true);
      if (failed(outputs))
        return failure();
      reference = std::move(*outputs);
    }
    SmallVector<RangeChoice> choices;
    // range=auto: one grid per estimator for an activation with ranges.
    auto offerChoices = [&](FakeQuantOp fq,
                            ArrayRef<std::pair<double, double>> ranges) {
      auto bits = cast<BitsType>(fq.getQuant());
      RangeChoice choice{fq, {}};
      for (auto [min, max] : ranges)
        choice.grids.push_back(
            getUniformForRange(fq.getContext(), bits.getWidth(),
                               bits.getIsSigned(), fq.getNarrow(), min, max));
      choices.push_back(std::move(choice));
      return choices.back().grids.front();
    };

    for (FakeQuantOp fq : pending) {
      auto bits = cast<BitsType>(fq.getQuant());
      MLIRContext *ctx = fq.getContext();
      const unsigned width = bits.getWidth();
      UniformType grid;
      if (fq.getMin()) {
        double min = fq.getMin()->convertToDouble(),
               max = fq.getMax()->convertToDouble();
        if (failed(checkRange(fq, "given", min, max)))
          return failure();
        // An observed range with its estimator's clips (observe-only): 16
        // values for one estimator, 48 for the three of auto.
        ArrayRef<double> clips = fq.getClips();
        const bool hasClips = (clips.size() == 16 || clips.size() == 48) &&
                              width >= 1 && width <= 8;
        auto clipsOf = [&](size_t estimator) {
          size_t at = 16 * estimator + 2 * (width - 1);
          return std::make_pair(clips[at], clips[at + 1]);
        };
        if (hasClips && clips.size() == 48 && chooses) {
          SmallVector<std::pair<double, double>, 3> ranges;
          for (size_t e = 0; e < std::size(kAutoCandidates); ++e)
            ranges.push_back(clipsOf(e));
          grid = offerChoices(fq, ranges);
        } else {
          // 16 clips are the observing estimator's; of 48, take this one's.
          if (hasClips)
            std::tie(min, max) = clipsOf(
                clips.size() == 16
                    ? 0
                    : static_cast<size_t>(llvm::find(kAutoCandidates, range) -
                                          std::begin(kAutoCandidates)));
          grid = getUniformForRange(ctx, width, bits.getIsSigned(),
                                    fq.getNarrow(), min, max);
        }
      } else if (auto values = getFloatConstantValues(fq.getInput())) {
        auto type = cast<RankedTensorType>(fq.getInput().getType());
        bool perChannel = scheme == QuantScheme::PC_ICN &&
                          type.getRank() >= 2 && !fq.getPerLayer();
        size_t slices = perChannel ? type.getDimSize(0) : 1;
        size_t perSlice = values->size() / slices;
        Ranges ranges(slices);
        for (size_t i = 0; i < values->size(); ++i)
          ranges.add(i / perSlice, (*values)[i]);
        for (size_t c = 0; c < slices; ++c)
          if (failed(checkRange(fq, "weight", ranges.mins[c], ranges.maxs[c])))
            return failure();
        if (perChannel)
          floorDeadChannels(fq, ranges);
        grid = perChannel
                   ? getUniformForRanges(ctx, bits.getWidth(),
                                         bits.getIsSigned(), fq.getNarrow(),
                                         /*axis=*/0, ranges.mins, ranges.maxs)
                   : getUniformForRange(ctx, bits.getWidth(),
                                        bits.getIsSigned(), fq.getNarrow(),
                                        ranges.mins[0], ranges.maxs[0]);
      } else {
        const Ranges &r = observed[fq];
        if (failed(checkRange(fq, "observed", r.mins[0], r.maxs[0])))
          return failure();
        double min = r.mins[0], max = r.maxs[0];
        auto h = histograms.find(fq);
        if (h != histograms.end() && !h->second.empty() && chooses) {
          SmallVector<std::pair<double, double>, 3> ranges;
          for (RangeEstimatorKind estimator : kAutoCandidates)
            ranges.push_back(
                estimateRange(h->second, estimator, gridSpec(fq, width)));
          grid = offerChoices(fq, ranges);
        } else {
          if (h != histograms.end() && !h->second.empty())
            std::tie(min, max) =
                estimateRange(h->second, range, gridSpec(fq, width));
          grid = getUniformForRange(ctx, width, bits.getIsSigned(),
                                    fq.getNarrow(), min, max);
        }
      }
      fq.setQuant(grid);
      fq.removeMinAttr();
      fq.removeMaxAttr();
      fq.removePerLayerAttr();
      fq.removeClipsAttr();
    }
    if (!choices.empty() &&
        failed(chooseRanges(func, choices, samples, reference, snapBias)))
      return failure();
    return success();
  }
};

} // namespace
