//===- LowerFakeQuant.cpp - --mpq-lower-fake-quant ------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Float + fake_quant graph -> integer-only mpq ops with Integer Channel
// Normalization (docs/paper.md §2). The walk goes once over the function in
// program order and keeps, for every float value that sits on a quantization
// grid, the integer value that replaces it. Layers consume their epilogue
// (batch_norm, relu/clip, fake_quant) in one step.
//
//===----------------------------------------------------------------------===//

#include "mpq/Transforms/LowerFakeQuant.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/IntegerSemantics.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQLOWERFAKEQUANTPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// The layer name diagnostics use: the op's NameLoc, else its op name.
std::string layerName(Operation *op) {
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    return ("'" + loc.getName().strref() + "'").str();
  return ("'" + op->getName().getStringRef() + "'").str();
}

/// Like floatConstant, with a diagnostic at `user` naming `what` otherwise.
FailureOr<std::vector<double>> constantValues(Value value, Operation *user,
                                              StringRef what) {
  if (auto values = getFloatConstantValues(value))
    return *values;
  return user->emitError() << what << " of " << layerName(user)
                           << " must be a float constant";
}

UniformType uniformOf(Value value) {
  return dyn_cast<UniformType>(getElementTypeOrSelf(value.getType()));
}

RankedTensorType withElement(Value value, Type element) {
  return cast<RankedTensorType>(value.getType()).clone(element);
}

/// M0/N0 of a real rescaling factor, as `mpq.requantize` takes them.
FailureOr<QuantizedMultiplier> multiplierFor(double real, Operation *op) {
  std::optional<QuantizedMultiplier> m = quantizeMultiplier(real);
  if (!m)
    return op->emitError() << "rescaling factor " << formatNumber(real)
                           << " of " << layerName(op)
                           << " cannot be represented";
  // Below 2^-33 every int32 accumulator rounds to 0: a pruned channel.
  if (m->n0 < -32)
    return QuantizedMultiplier{0, 0};
  if (m->n0 > 31)
    return op->emitError() << "rescaling factor " << formatNumber(real)
                           << " of " << layerName(op)
                           << " is too large for a Q1.31 multiplier";
  return *m;
}

/// The codes of a constant on `type`'s grid (per tensor, or per slice along
/// its axis), as the fake_quant `op` rounds and saturates them.
std::vector<int64_t> quantizeConstant(FakeQuantOp op, ArrayRef<double> values,
                                      UniformType type) {
  auto shape = cast<RankedTensorType>(op.getInput().getType()).getShape();
  int64_t lo = storageMin(type.getWidth(), type.getIsSigned(), op.getNarrow());
  int64_t hi = storageMax(type.getWidth(), type.getIsSigned(), op.getNarrow());
  RoundingMode mode = toRoundingMode(op.getRounding());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  std::vector<int64_t> codes;
  for (auto [i, v] : llvm::enumerate(values)) {
    int64_t slice = type.isPerAxis()
                        ? (static_cast<int64_t>(i) / strides[type.getAxis()]) %
                              shape[type.getAxis()]
                        : 0;
    codes.push_back(quantizeValue(
        v, type.getScales()[slice],
        static_cast<int32_t>(type.getZeroPoints()[slice]), lo, hi, mode));
  }
  return codes;
}

/// Whether every use of `op` is the bias operand of a layer, which then
/// reads the fake-quantized bias itself.
bool isLayerBias(FakeQuantOp op) {
  return !op->use_empty() && llvm::all_of(op->getUses(), [](OpOperand &use) {
    auto layer = dyn_cast<FloatLayerOpInterface>(use.getOwner());
    return layer && layer.isBiasOperand(use);
  });
}

/// A layer's bias per output channel: its real values and, when it is a
/// fake_quant of a constant (an int32 bias snapped by --mpq-calibrate, or a
/// model's own), the grid and codes behind them.
struct LayerBias {
  std::vector<double> values;
  std::vector<int64_t> codes;
  UniformType grid;

  /// B_c, if the bias already is a whole number of accumulator units
  /// `accScale`: its code on a grid of that scale and zero point 0.
  std::optional<int64_t> exactCode(int64_t c, double accScale) const {
    if (!grid)
      return std::nullopt;
    size_t slice = grid.isPerAxis() ? c : 0;
    if (grid.getScales()[slice] != accScale || grid.getZeroPoints()[slice] != 0)
      return std::nullopt;
    return codes[c];
  }
};

FailureOr<LayerBias> readBias(FloatLayerOpInterface layer, int64_t channels) {
  LayerBias bias;
  bias.values.assign(channels, 0.0);
  Value value = layer.getBias();
  if (!value)
    return bias;
  auto fq = value.getDefiningOp<FakeQuantOp>();
  if (fq) {
    bias.grid = dyn_cast<UniformType>(fq.getQuant());
    if (!bias.grid)
      return fq.emitError() << "fake_quant to " << fq.getQuant()
                            << " has no scale yet: calibrate the model before "
                               "lowering";
    value = fq.getInput();
  }
  auto values = constantValues(value, layer, "the bias");
  if (failed(values))
    return failure();
  if (values->size() != static_cast<size_t>(channels))
    return layer->emitError()
           << "the bias of " << layerName(layer) << " has " << values->size()
           << " values for " << channels << " output channels";
  if (!fq) {
    bias.values = *values;
    return bias;
  }
  bias.codes = quantizeConstant(fq, *values, bias.grid);
  for (int64_t c = 0; c < channels; ++c) {
    size_t slice = bias.grid.isPerAxis() ? c : 0;
    // As the evaluator dequantizes a fake_quant.
    bias.values[c] =
        static_cast<double>(bias.codes[c] - bias.grid.getZeroPoints()[slice]) *
        bias.grid.getScales()[slice];
  }
  return bias;
}

/// The epilogue after a layer or an add: [batch_norm] [relu|clip] fake_quant,
/// each value used once.
struct Epilogue {
  BatchNormOp batchNorm;
  Operation *activation = nullptr; // A ClampActivation: relu or clip.
  FakeQuantOp fakeQuant;
  /// The fake_quant's grid (set by matchPerTensorEpilogue).
  UniformType outType;
};

FailureOr<Epilogue> matchEpilogue(Operation *op, bool allowBatchNorm) {
  Epilogue e;
  Value value = op->getResult(0);
  auto next = [&]() -> Operation * {
    return value.hasOneUse() ? *value.getUsers().begin() : nullptr;
  };
  if (allowBatchNorm)
    if (auto bn = dyn_cast_or_null<BatchNormOp>(next());
        bn && bn.getInput() == value) {
      e.batchNorm = bn;
      value = bn.getResult();
    }
  if (Operation *user = next(); user && user->hasTrait<ClampActivation>()) {
    e.activation = user;
    value = user->getResult(0);
  }
  e.fakeQuant = dyn_cast_or_null<FakeQuantOp>(next());
  if (!e.fakeQuant)
    return op->emitError()
           << "the output of " << layerName(op)
           << " is not fake-quantized: expected " << op->getName()
           << (allowBatchNorm ? " [-> batch_norm]" : "")
           << " [-> relu|clip] -> fake_quant, each result used once";
  return e;
}

/// matchEpilogue for an op whose output grid is one per-tensor !mpq.uniform
/// (every op the lowering creates): that grid in `outType`, or an error.
FailureOr<Epilogue> matchPerTensorEpilogue(Operation *op,
                                           bool allowBatchNorm = false) {
  FailureOr<Epilogue> e = matchEpilogue(op, allowBatchNorm);
  if (failed(e))
    return failure();
  e->outType = dyn_cast<UniformType>(e->fakeQuant.getQuant());
  if (!e->outType || e->outType.isPerAxis())
    return e->fakeQuant.emitError()
           << "the output of " << layerName(op)
           << " needs a per-tensor !mpq.uniform fake_quant (calibrate first)";
  return e;
}

class Lowering {
public:
  Lowering(func::FuncOp func, LoweredValueFn onLowered)
      : func(func), builder(func.getContext()), onLowered(onLowered) {}

  LogicalResult run();

private:
  LogicalResult lowerFakeQuant(FakeQuantOp op);
  LogicalResult lowerLayer(FloatLayerOpInterface layer);
  LogicalResult lowerAdd(AddOp add);
  LogicalResult lowerMul(MulOp mul);
  /// mpq.max / mpq.min of two activations: both requantized into the
  /// output's grid, then mpq.qmax / mpq.qmin of the codes.
  LogicalResult lowerExtremum(Operation *op);
  LogicalResult lowerSoftmax(SoftmaxOp softmax);
  LogicalResult lowerLayerNorm(LayerNormOp norm);
  LogicalResult lowerResizeLinear(ResizeLinearOp resize);
  /// `op` (an element-wise function of `input`) and the fake_quant after it
  /// as one mpq.table: one table per entry of `functions` (one, or one per
  /// channel).
  LogicalResult lowerToTable(Operation *op, Value input,
                             ArrayRef<ElementwiseFunction> functions,
                             int64_t axis = -1);
  LogicalResult lowerAveragePool(Operation *pool, ArrayRef<int64_t> kernel,
                                 ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> pads);
  LogicalResult lowerDataMovement(Operation *op);
  LogicalResult lowerReturn(func::ReturnOp ret);

  /// The output clamp of an epilogue's activation on `type`'s codes.
  std::pair<int64_t, int64_t>
  activationClamp(const Epilogue &e, UniformType type, RoundingMode mode);
  /// The epilogue's clamp as the optional clamp_min / clamp_max attributes
  /// of an integer op: null where it is the output type's own bound.
  std::pair<IntegerAttr, IntegerAttr> clampAttrs(const Epilogue &e,
                                                 UniformType outType);
  /// Marks the epilogue's ops lowered (the integer op replaces them).
  void consumeEpilogue(const Epilogue &e);
  /// Requantizes an integer value to `type`, or returns it if it has it.
  Value rescale(Value value, UniformType type, Rounding rounding, Location loc);
  /// The grid a concat of differently quantized `inputs` takes.
  FailureOr<UniformType> concatGrid(ConcatOp concat, ArrayRef<Value> inputs);
  /// The integer value replacing `value`, quantizing a graph input (through
  /// its data movement) on demand; null if `value` is not on a grid.
  Value lookup(Value value);
  void consume(Operation *op) { handled.insert(op); }
  /// Records that `integer` replaces the float value `value`.
  void record(Value value, Value integer) {
    quantized[value] = integer;
    if (onLowered)
      onLowered(value, integer);
  }

  func::FuncOp func;
  OpBuilder builder;
  LoweredValueFn onLowered;
  llvm::DenseMap<Value, Value> quantized;
  llvm::DenseSet<Operation *> handled;
};

} // namespace

std::pair<int64_t, int64_t> Lowering::activationClamp(const Epilogue &e,
                                                      UniformType type,
                                                      RoundingMode mode) {
  int64_t lo = type.getStorageMin(), hi = type.getStorageMax();
  int32_t zp = static_cast<int32_t>(type.getZeroPoint());
  auto code = [&](double real) {
    return quantizeValue(real, type.getScale(), zp, lo, hi, mode);
  };
  // Rounding is monotone and maps 0 to 0, so clamping the real value before
  // quantizing equals clamping the code after it.
  if (isa_and_nonnull<ReluOp>(e.activation))
    return {code(0.0), hi};
  if (auto clip = dyn_cast_or_null<ClipOp>(e.activation))
    return {code(clip.getMin().convertToDouble()),
            code(clip.getMax().convertToDouble())};
  return {lo, hi};
}

std::pair<IntegerAttr, IntegerAttr> Lowering::clampAttrs(const Epilogue &e,
                                                         UniformType outType) {
  auto [lo, hi] = activationClamp(
      e, outType, toRoundingMode(FakeQuantOp(e.fakeQuant).getRounding()));
  return {
      lo != outType.getStorageMin() ? builder.getI64IntegerAttr(lo) : nullptr,
      hi != outType.getStorageMax() ? builder.getI64IntegerAttr(hi) : nullptr};
}

void Lowering::consumeEpilogue(const Epilogue &e) {
  consume(e.fakeQuant);
  if (e.batchNorm)
    consume(e.batchNorm);
  if (e.activation)
    consume(e.activation);
}

Value Lowering::rescale(Value value, UniformType type, Rounding rounding,
                        Location loc) {
  UniformType from = uniformOf(value);
  if (from == type)
    return value;
  auto m = multiplierFor(from.getScale() / type.getScale(),
                         value.getDefiningOp() ? value.getDefiningOp()
                                               : func.getOperation());
  if (failed(m))
    return {};
  return RequantizeOp::create(builder, loc, withElement(value, type), value,
                              builder.getDenseI32ArrayAttr({m->m0}),
                              builder.getDenseI32ArrayAttr({m->n0}),
                              /*bias=*/nullptr,
                              RoundingAttr::get(builder.getContext(), rounding),
                              /*clamp_min=*/nullptr, /*clamp_max=*/nullptr);
}

Value Lowering::lookup(Value value) { return quantized.lookup(value); }

LogicalResult Lowering::lowerFakeQuant(FakeQuantOp op) {
  auto type = dyn_cast<UniformType>(op.getQuant());
  if (!type)
    return op.emitError() << "fake_quant to " << op.getQuant()
                          << " has no scale yet: calibrate the model before "
                             "lowering";
  Value input = op.getInput();
  builder.setInsertionPoint(op);

  // A bias: the layer folds it into its requantization.
  if (isLayerBias(op))
    return success();
  if (!type.isStored())
    return op.emitError() << "fake_quant to " << type.getWidth()
                          << " bits is only lowered as the bias of a "
                             "conv2d or fully_connected";

  // A weight: quantize the constant to codes once, at compile time.
  if (std::optional<std::vector<double>> values =
          getFloatConstantValues(input)) {
    auto shape = cast<RankedTensorType>(input.getType()).getShape();
    std::vector<int64_t> quantized = quantizeConstant(op, *values, type);
    std::vector<int8_t> codes(quantized.begin(), quantized.end());
    auto codeType = RankedTensorType::get(shape, builder.getI8Type());
    auto attr = DenseElementsAttr::get(codeType, ArrayRef<int8_t>(codes));
    record(op.getResult(), QConstantOp::create(builder, op.getLoc(),
                                               withElement(input, type), attr));
    return success();
  }
  if (type.isPerAxis())
    return op.emitError() << "per-axis quantization of an activation is not "
                             "supported (only of constant weights)";

  // An integer value already: re-quantize if the grid changes.
  if (Value source = lookup(input)) {
    Value result = rescale(source, type, op.getRounding(), op.getLoc());
    if (!result)
      return failure();
    record(op.getResult(), result);
    return success();
  }

  // A graph input: quantize at the boundary, replaying the data movement
  // between the argument and here on codes.
  SmallVector<Operation *> movement;
  Value root = input;
  while (Operation *def = root.getDefiningOp()) {
    if (!def->hasTrait<PermutesElements>())
      return op.emitError()
             << "the input of this fake_quant is computed in float by '"
             << def->getName()
             << "', which is not itself fake-quantized: the graph cannot be "
                "made integer-only";
    movement.push_back(def);
    root = def->getOperand(0);
  }
  builder.setInsertionPointAfterValue(root);
  Value current =
      QuantizeOp::create(builder, op.getLoc(), withElement(root, type), root,
                         op.getRoundingAttr());
  for (Operation *def : llvm::reverse(movement)) {
    builder.setInsertionPointAfter(def);
    Operation *clone = builder.clone(*def);
    clone->setOperand(0, current);
    clone->getResult(0).setType(withElement(def->getResult(0), type));
    current = clone->getResult(0);
  }
  record(op.getResult(), current);
  return success();
}

LogicalResult Lowering::lowerLayer(FloatLayerOpInterface layer) {
  bool isConv = isa<Conv2DOp>(layer.getOperation());
  Value input = layer.getInput(), weight = layer.getWeight();
  Value qInput = lookup(input), qWeight = lookup(weight);
  if (!qInput)
    return layer->emitError()
           << "the input of " << layerName(layer) << " is not fake-quantized";
  if (!qWeight || !qWeight.getDefiningOp<QConstantOp>())
    return layer->emitError() << "the weight of " << layerName(layer)
                              << " must be a fake-quantized constant";
  FailureOr<Epilogue> e =
      matchPerTensorEpilogue(layer, /*allowBatchNorm=*/true);
  if (failed(e))
    return failure();
  UniformType outType = e->outType;

  int64_t channels = cast<ShapedType>(weight.getType()).getDimSize(0);
  FailureOr<LayerBias> bias = readBias(layer, channels);
  if (failed(bias))
    return failure();
  std::vector<double> gain(channels, 1.0), offset(channels, 0.0);
  if (BatchNormOp bn = e->batchNorm) {
    FailureOr<BatchNormAffine> affine = getBatchNormAffine(bn);
    if (failed(affine))
      return failure();
    if (affine->gain.size() != static_cast<size_t>(channels))
      return bn.emitError()
             << "batch_norm after " << layerName(layer) << " has "
             << affine->gain.size() << " channels, the layer " << channels;
    gain = affine->gain;
    offset = affine->offset;
  }

  // y_c = gain_c * (s_x s_w,c Phi + b_c) + offset_c
  //     = gain_c s_x s_w,c (Phi + (b_c + offset_c / gain_c) / (s_x s_w,c)).
  UniformType inType = uniformOf(qInput), wType = uniformOf(qWeight);
  SmallVector<int32_t> multipliers, exponents, biases;
  for (int64_t c = 0; c < channels; ++c) {
    double sw = wType.isPerAxis() ? wType.getScales()[c] : wType.getScale();
    double accScale = inType.getScale() * sw;
    if (gain[c] == 0.0) {
      // A pruned channel: its output is the zero point (docs/decisions.md §3).
      if (offset[c] != 0.0)
        layer->emitWarning() << "channel " << c << " of " << layerName(layer)
                             << " has batch-norm scale 0: its constant "
                                "output "
                             << formatNumber(offset[c]) << " becomes 0";
      multipliers.push_back(0);
      exponents.push_back(0);
      biases.push_back(0);
      continue;
    }
    auto m = multiplierFor(gain[c] * accScale / outType.getScale(), layer);
    if (failed(m))
      return failure();
    // A snapped bias is B itself; any other is rounded to the accumulator's
    // grid here, a residue the fake-quant graph does not have.
    std::optional<int64_t> exact = bias->exactCode(c, accScale);
    double b = exact && offset[c] == 0.0
                   ? static_cast<double>(*exact)
                   : std::nearbyint((bias->values[c] + offset[c] / gain[c]) /
                                    accScale);
    if (!(std::fabs(b) <= 2147483647.0))
      return layer->emitError() << "the integer bias of channel " << c << " of "
                                << layerName(layer) << " (" << formatNumber(b)
                                << ") does not fit in int32";
    multipliers.push_back(m->m0);
    exponents.push_back(m->n0);
    biases.push_back(static_cast<int32_t>(b));
  }

  builder.setInsertionPoint(e->fakeQuant);
  auto accType = withElement(layer->getResult(0), builder.getI32Type());
  Value acc;
  if (isConv) {
    auto conv = cast<Conv2DOp>(layer.getOperation());
    acc = QConv2DOp::create(builder, layer->getLoc(), accType, qInput, qWeight,
                            conv.getStridesAttr(), conv.getDilationsAttr(),
                            conv.getPadsAttr(), conv.getGroupsAttr());
  } else {
    acc = QFullyConnectedOp::create(builder, layer->getLoc(), accType, qInput,
                                    qWeight);
  }
  auto [clampMin, clampMax] = clampAttrs(*e, outType);
  record(e->fakeQuant.getResult(),
         RequantizeOp::create(builder, layer->getLoc(),
                              withElement(e->fakeQuant.getResult(), outType),
                              acc, builder.getDenseI32ArrayAttr(multipliers),
                              builder.getDenseI32ArrayAttr(exponents),
                              builder.getDenseI32ArrayAttr(biases),
                              e->fakeQuant.getRoundingAttr(), clampMin,
                              clampMax));
  consumeEpilogue(*e);
  return success();
}

LogicalResult Lowering::lowerAdd(AddOp add) {
  Value lhs = lookup(add.getLhs()), rhs = lookup(add.getRhs());
  if (!lhs || !rhs)
    return add.emitError() << "both operands of " << layerName(add)
                           << " must be fake-quantized";
  FailureOr<Epilogue> e = matchPerTensorEpilogue(add);
  if (failed(e))
    return failure();
  UniformType outType = e->outType;
  auto ml = multiplierFor(uniformOf(lhs).getScale() / outType.getScale(), add);
  auto mr = multiplierFor(uniformOf(rhs).getScale() / outType.getScale(), add);
  if (failed(ml) || failed(mr))
    return failure();
  auto [clampMin, clampMax] = clampAttrs(*e, outType);
  builder.setInsertionPoint(e->fakeQuant);
  record(e->fakeQuant.getResult(),
         QAddOp::create(builder, add.getLoc(),
                        withElement(e->fakeQuant.getResult(), outType), lhs,
                        rhs, builder.getI32IntegerAttr(ml->m0),
                        builder.getI32IntegerAttr(ml->n0),
                        builder.getI32IntegerAttr(mr->m0),
                        builder.getI32IntegerAttr(mr->n0),
                        e->fakeQuant.getRoundingAttr(), clampMin, clampMax));
  consumeEpilogue(*e);
  return success();
}

LogicalResult Lowering::lowerMul(MulOp mul) {
  Value lhs = lookup(mul.getLhs()), rhs = lookup(mul.getRhs());
  if (!lhs || !rhs)
    return mul.emitError() << "both operands of " << layerName(mul)
                           << " must be fake-quantized";
  for (Value v : {lhs, rhs})
    if (uniformOf(v).isPerAxis() || uniformOf(v).getWidth() > 8)
      return mul.emitError()
             << "the operands of " << layerName(mul)
             << " must be quantized per tensor with at most 8 bits, got "
             << uniformOf(v);
  FailureOr<Epilogue> e = matchPerTensorEpilogue(mul);
  if (failed(e))
    return failure();
  UniformType outType = e->outType;
  auto m = multiplierFor(uniformOf(lhs).getScale() * uniformOf(rhs).getScale() /
                             outType.getScale(),
                         mul);
  if (failed(m))
    return failure();
  auto [clampMin, clampMax] = clampAttrs(*e, outType);
  builder.setInsertionPoint(e->fakeQuant);
  record(e->fakeQuant.getResult(),
         QMulOp::create(builder, mul.getLoc(),
                        withElement(e->fakeQuant.getResult(), outType), lhs,
                        rhs, builder.getI32IntegerAttr(m->m0),
                        builder.getI32IntegerAttr(m->n0),
                        e->fakeQuant.getRoundingAttr(), clampMin, clampMax));
  consumeEpilogue(*e);
  return success();
}

/// The input of a row normalization (softmax, layer_norm): per tensor, at
/// most 8 bits, normalized along its last axis.
static FailureOr<UniformType> rowInput(Operation *op, Value input) {
  if (!input)
    return op->emitError() << "the input of " << layerName(op)
                           << " is not fake-quantized";
  UniformType type = uniformOf(input);
  if (type.isPerAxis() || type.getWidth() > 8)
    return op->emitError() << "the input of " << layerName(op)
                           << " must be quantized per tensor with at most 8 "
                              "bits, got "
                           << type;
  return type;
}

LogicalResult Lowering::lowerSoftmax(SoftmaxOp softmax) {
  // A softmax whose result is not fake-quantized is the model's final one,
  // left to the caller (lowerReturn).
  Value result = softmax.getResult();
  if (!result.hasOneUse() || !isa<FakeQuantOp>(*result.getUsers().begin()))
    return success();
  Value input = lookup(softmax.getInput());
  FailureOr<UniformType> inType = rowInput(softmax, input);
  if (failed(inType))
    return failure();
  int64_t rank = cast<ShapedType>(input.getType()).getRank();
  int64_t axis =
      softmax.getAxis() < 0 ? softmax.getAxis() + rank : softmax.getAxis();
  if (axis != rank - 1)
    return softmax.emitError()
           << layerName(softmax) << " normalizes along axis " << axis
           << " of its stored layout; the integer softmax normalizes along "
              "the last (the channels, or the features)";
  int64_t row = cast<ShapedType>(input.getType()).getShape().back();
  if (row > kMaxSoftmaxRow)
    return softmax.emitError() << layerName(softmax) << " has rows of " << row
                               << " elements; the integer softmax takes at "
                                  "most "
                               << kMaxSoftmaxRow;
  FailureOr<Epilogue> e = matchPerTensorEpilogue(softmax);
  if (failed(e))
    return failure();
  if (e->activation)
    return e->activation->emitError()
           << "a clamp after " << layerName(softmax)
           << " is not supported (its result is in [0, 1] already)";
  UniformType outType = e->outType;
  std::optional<QuantizedMultiplier> m =
      quantizeMultiplier(1.0 / outType.getScale());
  if (!m || m->n0 < 0 || m->n0 > 31)
    return e->fakeQuant.emitError()
           << "the output grid of " << layerName(softmax) << " has scale "
           << formatNumber(outType.getScale())
           << "; the integer softmax needs one in (2^-31, 2]";
  std::vector<int32_t> table =
      softmaxExpTable(inType->getScale(), inType->getWidth());
  builder.setInsertionPoint(e->fakeQuant);
  record(e->fakeQuant.getResult(),
         QSoftmaxOp::create(builder, softmax.getLoc(),
                            withElement(e->fakeQuant.getResult(), outType),
                            input, builder.getDenseI32ArrayAttr(table),
                            builder.getI32IntegerAttr(m->m0),
                            builder.getI32IntegerAttr(m->n0)));
  consumeEpilogue(*e);
  return success();
}

LogicalResult Lowering::lowerLayerNorm(LayerNormOp norm) {
  Value input = lookup(norm.getInput());
  FailureOr<UniformType> inType = rowInput(norm, input);
  if (failed(inType))
    return failure();
  auto gamma = constantValues(norm.getScale(), norm, "the scale");
  if (failed(gamma))
    return failure();
  auto beta = constantValues(norm.getBias(), norm, "the bias");
  if (failed(beta))
    return failure();
  const int64_t n = cast<ShapedType>(input.getType()).getShape().back();
  if (n > kMaxLayerNormRow)
    return norm.emitError() << layerName(norm) << " normalizes rows of " << n
                            << " features; the integer layer norm takes at "
                               "most "
                            << kMaxLayerNormRow;
  FailureOr<Epilogue> e = matchPerTensorEpilogue(norm);
  if (failed(e))
    return failure();
  UniformType outType = e->outType;
  // epsilon in the units of the integer variance: N^3 eps / s_in^2.
  const double sIn = inType->getScale();
  const double epsTerm =
      std::nearbyint(static_cast<double>(n) * n * n *
                     norm.getEpsilon().convertToDouble() / (sIn * sIn));
  if (!(epsTerm < static_cast<double>(n) * std::ldexp(1.0, 44)))
    return norm.emitError()
           << "epsilon " << formatNumber(norm.getEpsilon().convertToDouble())
           << " of " << layerName(norm)
           << " is too large for the input grid (scale " << formatNumber(sIn)
           << ")";
  // The scale as codes of at most 12 bits, the bias below 2^29, on one grid
  // of step sG / 2^shift, with the largest shift (at most 16) that keeps
  // q * scale + bias within int32 (|q| <= 2^shift (isqrt(N-1) + 1) + 1).
  constexpr int64_t kScaleMax = 2047, kBiasMax = int64_t(1) << 29;
  int shift = 16;
  while (shift > 0 &&
         ((int64_t(1) << shift) * (integerSqrt(n - 1) + 1) + 1) * kScaleMax +
                 kBiasMax >=
             (int64_t(1) << 31))
    --shift;
  double maxGamma = 0, maxBeta = 0;
  for (double g : *gamma)
    maxGamma = std::max(maxGamma, std::abs(g));
  for (double b : *beta)
    maxBeta = std::max(maxBeta, std::abs(b));
  double sG = std::max(maxGamma / kScaleMax,
                       maxBeta * std::ldexp(1.0, shift) / kBiasMax);
  if (!(sG > 0) || !std::isfinite(sG))
    sG = 1.0;
  SmallVector<int32_t> scaleCodes, biasCodes;
  for (int64_t i = 0; i < n; ++i) {
    scaleCodes.push_back(static_cast<int32_t>(
        saturate(static_cast<int64_t>(std::nearbyint((*gamma)[i] / sG)),
                 -kScaleMax, kScaleMax)));
    biasCodes.push_back(static_cast<int32_t>(
        saturate(static_cast<int64_t>(
                     std::nearbyint((*beta)[i] * std::ldexp(1.0, shift) / sG)),
                 -kBiasMax, kBiasMax)));
  }
  auto m =
      multiplierFor(sG * std::ldexp(1.0, -shift) / outType.getScale(), norm);
  if (failed(m))
    return failure();
  auto [clampMin, clampMax] = clampAttrs(*e, outType);
  builder.setInsertionPoint(e->fakeQuant);
  record(e->fakeQuant.getResult(),
         QLayerNormOp::create(
             builder, norm.getLoc(),
             withElement(e->fakeQuant.getResult(), outType), input,
             builder.getDenseI32ArrayAttr(scaleCodes),
             builder.getDenseI32ArrayAttr(biasCodes),
             builder.getI64IntegerAttr(static_cast<int64_t>(epsTerm)),
             builder.getI32IntegerAttr(shift), builder.getI32IntegerAttr(m->m0),
             builder.getI32IntegerAttr(m->n0), e->fakeQuant.getRoundingAttr(),
             clampMin, clampMax));
  consumeEpilogue(*e);
  return success();
}

LogicalResult Lowering::lowerExtremum(Operation *op) {
  Value lhs = lookup(op->getOperand(0)), rhs = lookup(op->getOperand(1));
  if (!lhs || !rhs)
    return op->emitError() << "both operands of " << layerName(op)
                           << " must be fake-quantized";
  for (Value v : {lhs, rhs})
    if (uniformOf(v).isPerAxis())
      return op->emitError()
             << "the operands of " << layerName(op)
             << " must be quantized per tensor, got " << uniformOf(v);
  FailureOr<Epilogue> e = matchPerTensorEpilogue(op);
  if (failed(e))
    return failure();
  UniformType outType = e->outType;
  builder.setInsertionPoint(e->fakeQuant);
  // The output's fake_quant rounds each operand as it rounds their
  // extremum (rounding is monotone).
  for (Value *operand : {&lhs, &rhs})
    if (!(*operand = rescale(*operand, outType, e->fakeQuant.getRounding(),
                             op->getLoc())))
      return failure();
  auto [clampMin, clampMax] = clampAttrs(*e, outType);
  Type type = withElement(e->fakeQuant.getResult(), outType);
  Value result = isa<MaxOp>(op) ? QMaxOp::create(builder, op->getLoc(), type,
                                                 lhs, rhs, clampMin, clampMax)
                                      .getResult()
                                : QMinOp::create(builder, op->getLoc(), type,
                                                 lhs, rhs, clampMin, clampMax)
                                      .getResult();
  record(e->fakeQuant.getResult(), result);
  consumeEpilogue(*e);
  return success();
}

LogicalResult Lowering::lowerToTable(Operation *op, Value floatInput,
                                     ArrayRef<ElementwiseFunction> functions,
                                     int64_t axis) {
  Value input = lookup(floatInput);
  if (!input)
    return op->emitError() << "the input of " << layerName(op)
                           << " is not fake-quantized: its lookup table "
                              "needs the input's grid";
  FailureOr<Epilogue> e = matchPerTensorEpilogue(op);
  if (failed(e))
    return failure();
  UniformType outType = e->outType;
  UniformType inType = uniformOf(input);
  if (inType.isPerAxis())
    return op->emitError() << "the input of " << layerName(op)
                           << " must be quantized per tensor";
  // f, then the output fake_quant, on every input code: the fake-quant
  // graph's computation, done once at compile time.
  RoundingMode mode = toRoundingMode(e->fakeQuant.getRounding());
  bool narrow = e->fakeQuant.getNarrow();
  CodeGrid in{inType.getScale(), inType.getZeroPoint(), inType.getStorageMin(),
              inType.getStorageMax()};
  CodeGrid out{outType.getScale(), outType.getZeroPoint(),
               storageMin(outType.getWidth(), outType.getIsSigned(), narrow),
               storageMax(outType.getWidth(), outType.getIsSigned(), narrow)};
  // A relu or clip after f clamps the codes (see activationClamp).
  auto [lo, hi] = activationClamp(*e, outType, mode);
  SmallVector<int32_t> table;
  for (const ElementwiseFunction &f : functions)
    for (int64_t code : buildLookupTable(f, in, out, mode))
      table.push_back(static_cast<int32_t>(saturate(code, lo, hi)));
  // Tables per slice along another axis than the last say which.
  int64_t rank = cast<ShapedType>(input.getType()).getRank();
  IntegerAttr axisAttr;
  if (functions.size() > 1 && axis >= 0 && axis != rank - 1)
    axisAttr = builder.getI64IntegerAttr(axis);
  builder.setInsertionPoint(e->fakeQuant);
  record(e->fakeQuant.getResult(),
         TableOp::create(builder, op->getLoc(),
                         withElement(e->fakeQuant.getResult(), outType), input,
                         builder.getDenseI32ArrayAttr(table), axisAttr));
  consumeEpilogue(*e);
  return success();
}

LogicalResult Lowering::lowerResizeLinear(ResizeLinearOp resize) {
  Value input = lookup(resize.getInput());
  if (!input)
    return success(); // Not on a grid: left for the final check.
  UniformType inType = uniformOf(input), outType = inType;
  if (inType.isPerAxis() || inType.getWidth() > 8)
    return resize.emitError() << "the input of " << layerName(resize)
                              << " must be quantized per tensor with at most "
                                 "8 bits, got "
                              << inType;
  // Like a pool: the input's grid unless a fake_quant follows.
  Value result = resize.getResult();
  FakeQuantOp next;
  if (result.hasOneUse())
    next = dyn_cast<FakeQuantOp>(*result.getUsers().begin());
  if (next)
    if (auto type = dyn_cast<UniformType>(next.getQuant());
        type && !type.isPerAxis())
      outType = type;
  auto inShape = cast<ShapedType>(input.getType()).getShape();
  auto outShape = resize.getType().getShape();
  const std::string mode = resize.getCoordinateMode().str();
  LinearResizeAxis h = linearResizeAxis(inShape[1], outShape[1], mode),
                   w = linearResizeAxis(inShape[2], outShape[2], mode);
  if (h.index.empty() || w.index.empty() ||
      h.denominator * w.denominator > (int64_t(1) << 22))
    return resize.emitError()
           << layerName(resize) << " resizes " << inShape[1] << "x"
           << inShape[2] << " to " << outShape[1] << "x" << outShape[2]
           << " with coordinate_mode '" << mode
           << "': its interpolation weights need a denominator of "
           << h.denominator << " x " << w.denominator
           << ", more than the 2^22 the integer kernel takes";
  auto m =
      multiplierFor(inType.getScale() / (static_cast<double>(h.denominator) *
                                         static_cast<double>(w.denominator) *
                                         outType.getScale()),
                    resize);
  if (failed(m))
    return failure();
  builder.setInsertionPoint(resize);
  Rounding rounding = next ? next.getRounding() : Rounding::half_to_even;
  Value lowered = QResizeLinearOp::create(
      builder, resize.getLoc(), withElement(result, outType), input,
      builder.getDenseI32ArrayAttr(h.index),
      builder.getDenseI32ArrayAttr(h.weight),
      builder.getI32IntegerAttr(static_cast<int32_t>(h.denominator)),
      builder.getDenseI32ArrayAttr(w.index),
      builder.getDenseI32ArrayAttr(w.weight),
      builder.getI32IntegerAttr(static_cast<int32_t>(w.denominator)),
      builder.getI32IntegerAttr(m->m0), builder.getI32IntegerAttr(m->n0),
      RoundingAttr::get(builder.getContext(), rounding));
  record(result, lowered);
  if (outType != inType) {
    record(next.getResult(), lowered);
    consume(next);
  }
  return success();
}

LogicalResult Lowering::lowerAveragePool(Operation *pool,
                                         ArrayRef<int64_t> kernel,
                                         ArrayRef<int64_t> strides,
                                         ArrayRef<int64_t> pads) {
  Value input = lookup(pool->getOperand(0));
  if (!input)
    return success(); // Not on a grid: left for the final check.
  // The pooled tensor keeps its input's grid unless a fake_quant follows.
  UniformType inType = uniformOf(input), outType = inType;
  Value result = pool->getResult(0);
  FakeQuantOp next;
  if (result.hasOneUse())
    next = dyn_cast<FakeQuantOp>(*result.getUsers().begin());
  if (next)
    if (auto type = dyn_cast<UniformType>(next.getQuant());
        type && !type.isPerAxis())
      outType = type;
  double count = static_cast<double>(kernel[0] * kernel[1]);
  auto m =
      multiplierFor(inType.getScale() / (count * outType.getScale()), pool);
  if (failed(m))
    return failure();
  builder.setInsertionPoint(pool);
  Rounding rounding = next ? next.getRounding() : Rounding::half_to_even;
  Value lowered = QAvgPool2DOp::create(
      builder, pool->getLoc(), withElement(result, outType), input,
      builder.getDenseI64ArrayAttr(kernel),
      builder.getDenseI64ArrayAttr(strides), builder.getDenseI64ArrayAttr(pads),
      m->m0, m->n0, rounding);
  record(result, lowered);
  if (outType != inType) {
    record(next.getResult(), lowered);
    consume(next);
  }
  return success();
}

FailureOr<UniformType> Lowering::concatGrid(ConcatOp concat,
                                            ArrayRef<Value> inputs) {
  // The grid of the fake_quant that reads the concat, if one does: the
  // fake-quant graph rounds every branch to it anyway.
  Value result = concat.getResult();
  if (result.hasOneUse())
    if (auto next = dyn_cast<FakeQuantOp>(*result.getUsers().begin()))
      if (auto grid = dyn_cast<UniformType>(next.getQuant());
          grid && grid.isStored() && !grid.isPerAxis())
        return grid;
  // Otherwise the narrowest grid that holds every branch's range, at the
  // widest branch's width.
  UniformType widest = uniformOf(inputs.front());
  double lo = 0.0, hi = 0.0;
  for (Value input : inputs) {
    UniformType grid = uniformOf(input);
    if (grid.isPerAxis())
      return concat.emitError() << "a per-axis input of " << layerName(concat)
                                << " cannot be requantized";
    if (grid.getWidth() > widest.getWidth())
      widest = grid;
    lo = std::min(lo, (grid.getStorageMin() - grid.getZeroPoint()) *
                          grid.getScale());
    hi = std::max(hi, (grid.getStorageMax() - grid.getZeroPoint()) *
                          grid.getScale());
  }
  return getUniformForRange(concat.getContext(), widest.getWidth(),
                            widest.getIsSigned(), /*narrow=*/false, lo, hi);
}

LogicalResult Lowering::lowerDataMovement(Operation *op) {
  SmallVector<Value> operands;
  for (Value operand : op->getOperands()) {
    Value q = lookup(operand);
    if (!q)
      return success(); // Float data movement (e.g. of a graph input).
    operands.push_back(q);
  }
  UniformType type = uniformOf(operands.front());
  builder.setInsertionPoint(op);
  for (Value operand : operands)
    if (uniformOf(operand) != type) {
      if (!isa<ConcatOp>(op))
        return op->emitError()
               << "the inputs of " << layerName(op) << " are quantized "
               << "differently (" << uniformOf(operand) << " vs " << type
               << "); give them one fake_quant grid";
      // Branches computed apart (a fire module, an FPN level) each have
      // their grid: the concat takes one and requantizes the others into
      // it, as integer runtimes do.
      FailureOr<UniformType> grid = concatGrid(cast<ConcatOp>(op), operands);
      if (failed(grid))
        return failure();
      type = *grid;
      for (Value &input : operands)
        if (!(input =
                  rescale(input, type, Rounding::half_to_even, op->getLoc())))
          return failure();
      break;
    }
  Operation *clone = builder.clone(*op);
  clone->setOperands(operands);
  clone->getResult(0).setType(withElement(op->getResult(0), type));
  if (auto pad = dyn_cast<PadOp>(clone)) {
    // A real padding value becomes the code that represents it.
    double real = pad.getValue().convertToDouble();
    int64_t code = quantizeValue(
        real, type.getScale(), static_cast<int32_t>(type.getZeroPoint()),
        type.getStorageMin(), type.getStorageMax(), RoundingMode::HalfToEven);
    pad.setValueAttr(builder.getF64FloatAttr(static_cast<double>(code)));
  }
  record(op->getResult(0), clone->getResult(0));
  return success();
}

LogicalResult Lowering::lowerReturn(func::ReturnOp ret) {
  builder.setInsertionPoint(ret);
  SmallVector<Value> results;
  for (Value value : ret.getOperands()) {
    // Softmax needs floats; the caller applies it to the dequantized logits.
    if (auto softmax = value.getDefiningOp<SoftmaxOp>();
        softmax && lookup(softmax.getInput())) {
      softmax.emitWarning() << "the final softmax is left to the caller: the "
                               "compiled model returns the logits";
      value = softmax.getInput();
    }
    Value q = lookup(value);
    if (!q)
      return ret.emitError() << "a result of @" << func.getSymName()
                             << " is not fake-quantized";
    results.push_back(DequantizeOp::create(
        builder, ret.getLoc(), cast<RankedTensorType>(value.getType()), q));
  }
  ret->setOperands(results);
  return success();
}

LogicalResult Lowering::run() {
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front())
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (handled.contains(op))
      continue;
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](FakeQuantOp fq) { return lowerFakeQuant(fq); })
            .Case(
                [&](FloatLayerOpInterface layer) { return lowerLayer(layer); })
            .Case<AddOp, MulOp, PReluOp>([&](Operation *op) -> LogicalResult {
              // By a constant (a prelu's slope): a table per channel.
              if (auto affine = getConstantAffineOperands(op)) {
                SmallVector<ElementwiseFunction> functions;
                for (size_t c = 0; c < affine->constants.size(); ++c)
                  functions.push_back(affine->function(c));
                return lowerToTable(op, affine->activation, functions,
                                    affine->axis);
              }
              if (isa<PReluOp>(op))
                return op->emitError()
                       << "the slope of " << layerName(op)
                       << " must be a constant that varies along one axis";
              if (auto add = dyn_cast<AddOp>(op))
                return lowerAdd(add);
              return lowerMul(cast<MulOp>(op));
            })
            .Case<MaxOp, MinOp>(
                [&](Operation *op) { return lowerExtremum(op); })
            .Case([&](ElementwiseFunctionOpInterface function) {
              return lowerToTable(function, function.getInput(),
                                  {function.getFunction()});
            })
            .Case([&](AvgPool2DOp pool) -> LogicalResult {
              bool padded = llvm::any_of(pool.getPads(),
                                         [](int64_t p) { return p != 0; });
              if (padded && !pool.getCountIncludePad())
                return pool.emitError()
                       << "average pooling that excludes the padding from "
                          "the count has no integer lowering yet";
              return lowerAveragePool(pool, pool.getKernel(), pool.getStrides(),
                                      pool.getPads());
            })
            .Case([&](GlobalAvgPoolOp pool) {
              auto shape = cast<ShapedType>(pool.getInput().getType());
              return lowerAveragePool(
                  pool, {shape.getDimSize(1), shape.getDimSize(2)}, {1, 1},
                  {0, 0, 0, 0});
            })
            .Case([&](SoftmaxOp softmax) { return lowerSoftmax(softmax); })
            .Case([&](LayerNormOp norm) { return lowerLayerNorm(norm); })
            .Case([&](ResizeLinearOp resize) {
              return lowerResizeLinear(resize);
            })
            .Case([&](func::ReturnOp ret) { return lowerReturn(ret); })
            .Default([&](Operation *other) {
              // Data movement is the same op on codes.
              return other->hasTrait<ElementTypeAgnostic>()
                         ? lowerDataMovement(other)
                         : success();
            });
    if (failed(result))
      return failure();
  }

  // Erase the float graph, users first; whatever float op is still used has
  // no integer form here.
  for (Operation *op : llvm::reverse(ops)) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (!op->use_empty())
      return op->emitError()
             << "'" << op->getName() << "' could not be lowered to integer ops";
    op->erase();
  }
  return success();
}

FailureOr<BatchNormAffine> mlir::mpq::getBatchNormAffine(BatchNormOp bn) {
  auto read = [&](Value value,
                  StringRef what) -> std::optional<std::vector<double>> {
    if (auto values = getFloatConstantValues(value))
      return values;
    bn.emitError() << "the " << what
                   << " of this batch_norm must be a float constant";
    return std::nullopt;
  };
  auto scale = read(bn.getScale(), "scale");
  auto shift = scale ? read(bn.getBias(), "bias") : std::nullopt;
  auto mean = shift ? read(bn.getMean(), "mean") : std::nullopt;
  auto var = mean ? read(bn.getVariance(), "variance") : std::nullopt;
  if (!var)
    return failure();
  double eps = bn.getEpsilon().convertToDouble();
  BatchNormAffine affine;
  for (size_t c = 0; c < scale->size(); ++c) {
    double gain = (*scale)[c] / std::sqrt((*var)[c] + eps);
    affine.gain.push_back(gain);
    affine.offset.push_back((*shift)[c] - gain * (*mean)[c]);
  }
  return affine;
}

LogicalResult mlir::mpq::lowerFakeQuant(func::FuncOp func,
                                        LoweredValueFn onLowered) {
  return Lowering(func, onLowered).run();
}

namespace {
struct LowerFakeQuantPass
    : ::mlir::mpq::impl::MPQLowerFakeQuantPassBase<LowerFakeQuantPass> {
  void runOnOperation() override {
    // Every function with a body, each on its own (a module may hold several
    // independent graphs, see mpq/Dialect/MPQ/IR/ModelFunction.h).
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(lowerFakeQuant(func)))
        return signalPassFailure();
  }
};
} // namespace
