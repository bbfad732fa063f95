//===- SnapBias.cpp - Layer biases on their int32 grid --------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// See mpq/Transforms/SnapBias.h. --mpq-calibrate calls snapBiases once the
// grids are chosen (option snap-bias, on by default).
//
//===----------------------------------------------------------------------===//

#include "mpq/Transforms/SnapBias.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/IntegerSemantics.h"
#include "mpq/Transforms/LowerFakeQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpq;

namespace {

UniformType gridOf(FakeQuantOp fq) {
  return fq ? dyn_cast<UniformType>(fq.getQuant()) : UniformType();
}

/// The per-tensor grid the integer graph gives `value`, the input of a
/// layer: that of the fake_quant it comes from through ops that keep their
/// input's grid (data movement, and average pools not followed by a
/// fake_quant, as --mpq-lower-fake-quant lowers them). Null if there is none
/// yet.
UniformType activationGrid(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto fq = dyn_cast<FakeQuantOp>(def)) {
      UniformType grid = gridOf(fq);
      return grid && !grid.isPerAxis() ? grid : UniformType();
    }
    if (!def->hasTrait<KeepsInputGrid>())
      return {};
    value = def->getOperand(0);
  }
  return {};
}

Value floatConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                    ArrayRef<double> values) {
  SmallVector<float> data(values.begin(), values.end());
  return arith::ConstantOp::create(
      builder, loc, DenseElementsAttr::get(type, ArrayRef<float>(data)));
}

LogicalResult snapLayer(FloatLayerOpInterface layer) {
  auto weightQuant = layer.getWeight().getDefiningOp<FakeQuantOp>();
  UniformType wGrid = gridOf(weightQuant),
              xGrid = activationGrid(layer.getInput());
  if (!wGrid || !xGrid || (wGrid.isPerAxis() && wGrid.getAxis() != 0))
    return success(); // Not calibrated yet; the lowering will say so.
  auto wType = cast<RankedTensorType>(layer.getWeight().getType());
  int64_t channels = wType.getDimSize(0);

  // The float bias: the operand, or what an int32 fake_quant (an earlier
  // snap) quantizes. A bias the model quantized to a stored width is its own.
  Value biasOperand = layer.getBias();
  FakeQuantOp oldQuant;
  Value floatBias = biasOperand;
  if (auto fq = biasOperand ? biasOperand.getDefiningOp<FakeQuantOp>()
                            : FakeQuantOp()) {
    if (!gridOf(fq) || gridOf(fq).getWidth() != 32)
      return success();
    oldQuant = fq;
    floatBias = fq.getInput();
  }
  std::vector<double> bias(channels, 0.0);
  if (floatBias) {
    auto values = getFloatConstantValues(floatBias);
    if (!values || values->size() != static_cast<size_t>(channels))
      return success(); // Not a per-channel constant; the lowering says so.
    bias = *values;
  }

  // ICN: the batch-norm's shift joins the bias, its gain stays.
  Value result = layer->getResult(0);
  BatchNormOp bn;
  if (result.hasOneUse())
    bn = dyn_cast<BatchNormOp>(*result.getUsers().begin());
  std::vector<double> mean, beta;
  bool shifted = false;
  if (bn) {
    FailureOr<BatchNormAffine> affine = getBatchNormAffine(bn);
    if (failed(affine))
      return failure();
    if (affine->gain.size() != static_cast<size_t>(channels))
      return success();
    mean = *getFloatConstantValues(bn.getMean());
    beta = *getFloatConstantValues(bn.getBias());
    for (int64_t c = 0; c < channels; ++c) {
      // A pruned channel's output is its zero point whatever its bias.
      if (affine->gain[c] == 0.0 || !std::isfinite(affine->gain[c]) ||
          affine->offset[c] == 0.0)
        continue;
      bias[c] += affine->offset[c] / affine->gain[c];
      mean[c] = beta[c] = 0.0;
      shifted = true;
    }
  }
  if (!floatBias && !shifted)
    return success(); // B = 0 is exact.

  SmallVector<double> scales;
  for (int64_t c = 0; c < channels; ++c) {
    double sw = wGrid.isPerAxis() ? wGrid.getScales()[c] : wGrid.getScale();
    double accScale = xGrid.getScale() * sw; // As the lowering computes it.
    scales.push_back(accScale);
    double steps = bias[c] / accScale;
    if (!(std::fabs(steps) <= 2147483647.0))
      return layer->emitError()
             << "the bias of channel " << c
             << " does not fit in int32: " << formatNumber(bias[c]) << " is "
             << formatNumber(steps)
             << " steps of s_x * s_w = " << formatNumber(accScale);
  }
  MLIRContext *ctx = layer->getContext();
  UniformType grid =
      wGrid.isPerAxis()
          ? UniformType::get(ctx, 32, /*isSigned=*/true, /*axis=*/0, scales,
                             SmallVector<int64_t>(channels, 0))
          : UniformType::get(ctx, 32, /*isSigned=*/true, scales[0], 0);

  OpBuilder builder(layer);
  Location loc = layer->getLoc();
  auto biasType = RankedTensorType::get({channels}, wType.getElementType());
  Value snapped = FakeQuantOp::create(
      builder, loc, floatConstant(builder, loc, biasType, bias), grid,
      Rounding::half_to_even, /*narrow=*/false, /*min=*/nullptr,
      /*max=*/nullptr);
  // What this replaces, erased once nothing uses it (constants may be
  // shared, also between the batch-norm's parameters).
  llvm::SetVector<Operation *> replaced;
  if (biasOperand) {
    replaced.insert(biasOperand.getDefiningOp());
    if (oldQuant)
      replaced.insert(oldQuant.getInput().getDefiningOp());
  }
  layer.getBiasMutable().assign(snapped);
  if (shifted) {
    builder.setInsertionPoint(bn);
    replaced.insert(bn.getMean().getDefiningOp());
    replaced.insert(bn.getBias().getDefiningOp());
    auto typeOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };
    bn.getMeanMutable().assign(
        floatConstant(builder, bn.getLoc(), typeOf(bn.getMean()), mean));
    bn.getBiasMutable().assign(
        floatConstant(builder, bn.getLoc(), typeOf(bn.getBias()), beta));
  }
  for (Operation *op : replaced)
    if (op && op->use_empty())
      op->erase();
  return success();
}

} // namespace

LogicalResult mlir::mpq::snapBiases(func::FuncOp func) {
  SmallVector<FloatLayerOpInterface> layers;
  func.walk([&](FloatLayerOpInterface layer) { layers.push_back(layer); });
  for (FloatLayerOpInterface layer : layers)
    if (failed(snapLayer(layer)))
      return failure();
  return success();
}
