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
#include "mpq/Transforms/Passes.h"
#include "mpq/Transforms/SnapBias.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Threading.h"

#include <cmath>
#include <limits>

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
/// the fake_quant's `clips`.
static SmallVector<double> clipsPerWidth(FakeQuantOp fq,
                                         const Histogram &histogram,
                                         RangeEstimatorKind kind) {
  SmallVector<double> clips;
  for (unsigned width = 1; width <= 8; ++width) {
    auto [min, max] = estimateRange(histogram, kind, gridSpec(fq, width));
    clips.append({min, max});
  }
  return clips;
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
    if (needsData) {
      auto samples =
          loadModelInputs(func, inputs, synthetic, "calibration input");
      if (failed(samples))
        return failure();
      // One evaluation per sample, on the context's threads; each observes
      // its own ranges, merged after (min and max do not depend on the
      // order). The constants are read once for all of them.
      EvalConstantCache constants;
      std::vector<llvm::DenseMap<Operation *, Ranges>> perSample(
          samples->size(), observed);
      std::vector<llvm::DenseMap<Operation *, Histogram>> perSampleHistograms(
          range == RangeEstimatorKind::MinMax ? 0 : samples->size());
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
        return evaluate(func, {(*samples)[i]}, options);
      };
      if (failed(failableParallelForEachN(func.getContext(), 0, samples->size(),
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

    for (FakeQuantOp fq : pending) {
      auto bits = cast<BitsType>(fq.getQuant());
      MLIRContext *ctx = fq.getContext();
      UniformType grid;
      if (fq.getMin()) {
        double min = fq.getMin()->convertToDouble(),
               max = fq.getMax()->convertToDouble();
        if (failed(checkRange(fq, "given", min, max)))
          return failure();
        // An observed range with its estimator's clips (observe-only).
        if (ArrayRef<double> clips = fq.getClips(); clips.size() == 16 &&
                                                    bits.getWidth() >= 1 &&
                                                    bits.getWidth() <= 8) {
          min = clips[2 * (bits.getWidth() - 1)];
          max = clips[2 * (bits.getWidth() - 1) + 1];
        }
        grid = getUniformForRange(ctx, bits.getWidth(), bits.getIsSigned(),
                                  fq.getNarrow(), min, max);
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
        if (auto h = histograms.find(fq);
            h != histograms.end() && !h->second.empty())
          std::tie(min, max) =
              estimateRange(h->second, range, gridSpec(fq, bits.getWidth()));
        grid = getUniformForRange(ctx, bits.getWidth(), bits.getIsSigned(),
                                  fq.getNarrow(), min, max);
      }
      fq.setQuant(grid);
      fq.removeMinAttr();
      fq.removeMaxAttr();
      fq.removePerLayerAttr();
      fq.removeClipsAttr();
    }
    return success();
  }
};

} // namespace
