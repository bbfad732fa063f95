//===- LayerFidelity.cpp - Per-layer fake-quant vs integer codes ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Eval/LayerFidelity.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/IntegerSemantics.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// Where the fake-quant graph takes the integer graph's value instead of its
/// own, and, for a layer, where the two are compared first.
struct Substitution {
  Value integer;
  /// Index into the layer list, or -1 for data movement and weights (their
  /// values are exact, nothing to compare).
  int64_t layer = -1;
};

/// The kind of layer that produces `integer` in place of `fakeQuant`, or ""
/// if it is not a layer.
std::string layerKind(Value integer, Value fakeQuant) {
  Operation *def = integer.getDefiningOp();
  if (!def)
    return "";
  if (auto rq = dyn_cast<RequantizeOp>(def)) {
    Operation *acc = rq.getInput().getDefiningOp();
    if (isa_and_nonnull<IntegerLayerOpInterface>(acc))
      return acc->getName().stripDialect().str(); // qconv2d, ...
    return "requantize";
  }
  if (isa<QAddOp>(def))
    return "qadd";
  if (isa<QMulOp>(def))
    return "qmul";
  if (isa<QMaxOp>(def))
    return "qmax";
  if (isa<QMinOp>(def))
    return "qmin";
  if (isa<QSoftmaxOp>(def))
    return "qsoftmax";
  if (isa<QLayerNormOp>(def))
    return "qlayer_norm";
  if (isa<QResizeLinearOp>(def))
    return "qresize_linear";
  if (isa<QAvgPool2DOp>(def))
    return "qavg_pool2d";
  if (isa<TableOp>(def))
    return "table";
  // The model input: quantize, then the data movement replayed on codes,
  // paired with the input's fake_quant (not with the float data movement
  // before it, which would count the input twice).
  if (!fakeQuant.getDefiningOp<FakeQuantOp>())
    return "";
  while (def->hasTrait<PermutesElements>()) {
    def = def->getOperand(0).getDefiningOp();
    if (!def)
      return "";
  }
  return isa<QuantizeOp>(def) ? "quantize" : "";
}

/// The code of fake-quant value `x` on the grid of `type`. A fake_quant
/// result lies on the grid, and rounding to nearest recovers its code
/// exactly. Any other value (a float average pool that the integer graph
/// requantizes) is rounded as the integer op rounds; such a value is a mean
/// of codes, computed in double from dequantized values, so an exact tie
/// (mean = k + 1/2 steps) is restored first (snapToBoundary), as the integer
/// op sees it (real means of codes lie at least 1/count away).
int64_t codeOf(double x, UniformType type, bool onGrid, RoundingMode mode) {
  double steps = x / type.getScale();
  if (!onGrid)
    steps = snapToBoundary(steps);
  return quantizeValue(steps, 1.0, static_cast<int32_t>(type.getZeroPoint()),
                       type.getStorageMin(), type.getStorageMax(),
                       onGrid ? RoundingMode::HalfToEven : mode);
}

/// Whether the fake-quant layer ending in `fakeQuant` adds exactly the
/// integer layer's B_c, channel by channel: its bias is a fake_quant to the
/// accumulator's grid s_x * s_w,c (snapped, see mpq/Transforms/SnapBias.h)
/// and a batch-norm after it, if any, has no shift left (mean and beta 0).
/// Empty if `integer` is not the requantization of a layer's accumulator.
std::vector<bool> exactBiases(RequantizeOp rq, Value fakeQuant) {
  auto acc =
      dyn_cast_or_null<IntegerLayerOpInterface>(rq.getInput().getDefiningOp());
  if (!acc)
    return {};
  auto xType = cast<UniformType>(getElementTypeOrSelf(acc.getInput()));
  auto wType = cast<UniformType>(getElementTypeOrSelf(acc.getWeight()));
  int64_t channels = cast<ShapedType>(acc.getWeight().getType()).getDimSize(0);
  std::vector<bool> exact(channels, false);
  // fake_quant <- [relu | clip] <- [batch_norm] <- conv2d | fully_connected.
  auto fq = fakeQuant.getDefiningOp<FakeQuantOp>();
  Operation *op = fq ? fq.getInput().getDefiningOp() : nullptr;
  if (op && op->hasTrait<ClampActivation>())
    op = op->getOperand(0).getDefiningOp();
  auto bn = dyn_cast_or_null<BatchNormOp>(op);
  if (bn)
    op = bn.getInput().getDefiningOp();
  auto layer = dyn_cast_or_null<FloatLayerOpInterface>(op);
  if (!layer || !layer.getBias())
    return exact;
  auto biasQuant = layer.getBias().getDefiningOp<FakeQuantOp>();
  auto grid =
      biasQuant ? dyn_cast<UniformType>(biasQuant.getQuant()) : UniformType();
  std::optional<std::vector<double>> mean, beta;
  if (bn) {
    mean = getFloatConstantValues(bn.getMean());
    beta = getFloatConstantValues(bn.getBias());
    if (!mean || !beta)
      return exact;
  }
  for (int64_t c = 0; grid && c < channels; ++c) {
    auto at = [c](auto values) {
      return values.size() == 1 ? values[0] : values[c];
    };
    double accScale = xType.getScale() * at(wType.getScales());
    exact[c] = at(grid.getScales()) == accScale &&
               at(grid.getZeroPoints()) == 0 &&
               (!bn || ((*mean)[c] == 0.0 && (*beta)[c] == 0.0));
  }
  return exact;
}

/// Per channel, the share of codes the rounding of the ICN bias is expected
/// to flip: B = round(b / (s_x s_w)) is off by at most half an accumulator
/// unit, on average a quarter, which is M_c / 4 output steps for the real
/// multiplier M_c = M0_c 2^(N0_c - 31); a code flips when the exact output's
/// fraction lies that close to a rounding boundary, so with fractions spread
/// evenly the expected share is M_c / 4. A zero B counts as exact (a layer
/// without bias and batch-norm), and so does a B that the fake-quant layer
/// adds itself (a snapped bias, see exactBiases). Empty unless `integer` is
/// a requantize with a bias.
std::vector<double> biasFlipRates(Value integer, Value fakeQuant) {
  auto rq = integer.getDefiningOp<RequantizeOp>();
  if (!rq || !rq.getBias())
    return {};
  ArrayRef<int32_t> m0 = rq.getMultiplier(), n0 = rq.getExponent(),
                    bias = *rq.getBias();
  std::vector<bool> exact = exactBiases(rq, fakeQuant);
  size_t channels = std::max({m0.size(), n0.size(), bias.size()});
  auto pick = [](ArrayRef<int32_t> values, size_t c) {
    return values.size() == 1 ? values[0] : values[c];
  };
  std::vector<double> rates;
  for (size_t c = 0; c < channels; ++c)
    rates.push_back(pick(bias, c) == 0 || (c < exact.size() && exact[c])
                        ? 0.0
                        : 0.25 * std::ldexp(static_cast<double>(pick(m0, c)),
                                            pick(n0, c) - 31));
  return rates;
}

/// Where a layer's flips can be predicted from how far apart the two layers
/// are before rounding: the integer layer's requantization of a qconv2d /
/// qfully_connected accumulator, and the float value its fake-quant layer
/// rounds (the input of the fake_quant).
struct LayerRounding {
  RequantizeOp requantize;
  Value floatInput;
};

LayerRounding roundingOf(Value integer, Value fakeQuant) {
  auto rq = integer.getDefiningOp<RequantizeOp>();
  auto fq = fakeQuant.getDefiningOp<FakeQuantOp>();
  if (!rq || !fq ||
      !isa_and_nonnull<IntegerLayerOpInterface>(rq.getInput().getDefiningOp()))
    return {};
  return {rq, fq.getInput()};
}

/// The expected number of flipped codes: per code, the distance in output
/// steps between the integer layer's value before rounding, M0 2^(N0-31)
/// (acc + B), and the fake-quant layer's, x / s_y (capped at 1); a rounding
/// boundary falls between the two with that probability. Both are clamped to
/// the output's code range first: every boundary lies inside it, and what the
/// clamp (ReLU, saturation) decides cannot flip.
double expectedFlips(RequantizeOp rq, const EvalTensor &acc,
                     const EvalTensor &real) {
  auto type = cast<UniformType>(getElementTypeOrSelf(rq.getOutput()));
  int64_t zp = type.getZeroPoint();
  double lo = rq.getClampMin().value_or(type.getStorageMin()) - zp;
  double hi = rq.getClampMax().value_or(type.getStorageMax()) - zp;
  ArrayRef<int32_t> m0 = rq.getMultiplier(), n0 = rq.getExponent();
  std::optional<ArrayRef<int32_t>> bias = rq.getBias();
  int64_t channels = acc.shape.empty() ? 1 : acc.shape.back();
  auto pick = [](ArrayRef<int32_t> values, int64_t c) {
    return values.size() == 1 ? values[0] : values[c];
  };
  double expected = 0;
  for (size_t i = 0; i < acc.ints.size(); ++i) {
    int64_t c = static_cast<int64_t>(i) % channels;
    int64_t sum = acc.ints[i] + (bias ? pick(*bias, c) : 0);
    double integer =
        std::ldexp(static_cast<double>(sum) * pick(m0, c), pick(n0, c) - 31);
    double exact = real.reals[i] / type.getScale();
    expected += std::min(1.0, std::fabs(std::clamp(integer, lo, hi) -
                                        std::clamp(exact, lo, hi)));
  }
  return expected;
}

} // namespace

FailureOr<std::vector<LayerFidelity>>
mlir::mpq::compareLayers(func::FuncOp fakeQuantFunc, func::FuncOp integerFunc,
                         ArrayRef<LoweredValue> lowered,
                         ArrayRef<EvalTensor> inputs) {
  FailureOr<int64_t> samples = countSamples(fakeQuantFunc, inputs);
  if (failed(samples) || failed(countSamples(integerFunc, inputs)))
    return failure();

  // Several float values may map to one integer value (an average pool and
  // the fake_quant after it); the last one in program order is the layer's
  // output, the earlier ones are inside the layer and stay float.
  llvm::DenseMap<Operation *, int64_t> fqOrder, intOrder;
  for (auto [i, op] : llvm::enumerate(fakeQuantFunc.getOps()))
    fqOrder[&op] = i;
  for (auto [i, op] : llvm::enumerate(integerFunc.getOps()))
    intOrder[&op] = i;
  llvm::DenseMap<Value, Value> lastFloat; // integer -> float value
  for (const LoweredValue &pair : lowered) {
    Operation *def = pair.fakeQuant.getDefiningOp();
    if (!def || !fqOrder.count(def) || !pair.integer.getDefiningOp() ||
        !intOrder.count(pair.integer.getDefiningOp()))
      return fakeQuantFunc.emitError()
             << "compareLayers: a lowered value is not computed by an op of "
                "the two functions";
    Value &last = lastFloat[pair.integer];
    if (!last || fqOrder[last.getDefiningOp()] < fqOrder[def])
      last = pair.fakeQuant;
  }

  // Layers in the integer graph's program order.
  SmallVector<std::pair<Value, Value>> points(lastFloat.begin(),
                                              lastFloat.end());
  llvm::sort(points, [&](auto a, auto b) {
    return intOrder[a.first.getDefiningOp()] <
           intOrder[b.first.getDefiningOp()];
  });
  std::vector<LayerFidelity> layers;
  std::vector<std::vector<bool>> seen; // per layer, per code - storage min
  std::vector<std::vector<double>> flipRates; // per layer, per channel
  std::vector<LayerRounding> roundings;       // per layer
  // The values the expected flips read: accumulators (integer graph) and
  // the float values fake_quants round (fake-quant graph).
  llvm::DenseSet<Value> accumulators, floatInputs;
  llvm::DenseMap<Value, Substitution> substitutions; // keyed by float value
  for (auto [integer, fakeQuant] : points) {
    auto type = dyn_cast<UniformType>(getElementTypeOrSelf(integer.getType()));
    if (!type || cast<ShapedType>(integer.getType()).getShape() !=
                     cast<ShapedType>(fakeQuant.getType()).getShape())
      return integer.getDefiningOp()->emitError()
             << "compareLayers: expected a quantized value of the shape of "
                "the fake-quant value it replaces";
    Substitution sub{integer};
    std::string kind = layerKind(integer, fakeQuant);
    if (!kind.empty()) {
      Operation *def = integer.getDefiningOp();
      LayerFidelity layer;
      layer.name = displayName(def, intOrder[def]);
      layer.kind = kind;
      layer.bits = type.getWidth();
      layer.isSigned = type.getIsSigned();
      layer.minCode = type.getStorageMax();
      layer.maxCode = type.getStorageMin();
      sub.layer = layers.size();
      layers.push_back(layer);
      seen.emplace_back(type.getStorageMax() - type.getStorageMin() + 1);
      flipRates.push_back(biasFlipRates(integer, fakeQuant));
      roundings.push_back(roundingOf(integer, fakeQuant));
      if (roundings.back().requantize) {
        accumulators.insert(roundings.back().requantize.getInput());
        floatInputs.insert(roundings.back().floatInput);
      }
    }
    substitutions[fakeQuant] = sub;
  }

  for (int64_t n = 0; n < *samples; ++n) {
    std::vector<EvalTensor> sample = selectSample(fakeQuantFunc, inputs, n);
    llvm::DenseMap<Value, EvalTensor> integerValues;
    EvalOptions intOptions;
    intOptions.onResult = [&](Value v, EvalTensor &tensor) {
      if (lastFloat.count(v) || accumulators.contains(v))
        integerValues[v] = tensor;
    };
    if (failed(evaluate(integerFunc, sample, intOptions)))
      return failure();

    llvm::DenseMap<Value, EvalTensor> floatValues;
    EvalOptions fqOptions;
    fqOptions.onResult = [&](Value v, EvalTensor &tensor) {
      if (floatInputs.contains(v))
        floatValues[v] = tensor;
      auto it = substitutions.find(v);
      if (it == substitutions.end())
        return;
      Value integer = it->second.integer;
      const EvalTensor &codes = integerValues.find(integer)->second;
      auto type = cast<UniformType>(getElementTypeOrSelf(integer.getType()));
      if (it->second.layer >= 0) {
        LayerFidelity &layer = layers[it->second.layer];
        std::vector<bool> &codesSeen = seen[it->second.layer];
        bool onGrid = isa_and_nonnull<FakeQuantOp>(v.getDefiningOp());
        RoundingMode mode = RoundingMode::HalfToEven;
        if (auto pool = integer.getDefiningOp<QAvgPool2DOp>())
          mode = toRoundingMode(pool.getRounding());
        const std::vector<double> &rates = flipRates[it->second.layer];
        if (LayerRounding r = roundings[it->second.layer]; r.requantize)
          layer.expectedFlips += expectedFlips(
              r.requantize, integerValues.find(r.requantize.getInput())->second,
              floatValues.find(r.floatInput)->second);
        for (size_t i = 0; i < codes.ints.size(); ++i) {
          int64_t got = codes.ints[i];
          if (!rates.empty())
            layer.expectedBiasFlips += rates[i % rates.size()];
          int64_t want = codeOf(tensor.reals[i], type, onGrid, mode);
          ++layer.codes;
          layer.identical += got == want;
          layer.higher += got > want;
          layer.lower += got < want;
          layer.maxDifference =
              std::max(layer.maxDifference, std::abs(got - want));
          layer.minCode = std::min(layer.minCode, got);
          layer.maxCode = std::max(layer.maxCode, got);
          int64_t slot = got - type.getStorageMin();
          if (slot >= 0 && slot < static_cast<int64_t>(codesSeen.size()))
            codesSeen[slot] = true;
        }
      }
      tensor = dequantizeCodes(codes, type);
    };
    if (failed(evaluate(fakeQuantFunc, sample, fqOptions)))
      return failure();
  }
  for (auto [layer, codesSeen] : llvm::zip(layers, seen))
    layer.distinctCodes = llvm::count(codesSeen, true);
  return layers;
}
