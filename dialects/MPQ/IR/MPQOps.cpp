//===- MPQOps.cpp - mpq operations: verifiers and folders -----------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQOps.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

using namespace mlir;
using namespace mlir::mpq;

#include "mpq/Dialect/MPQ/IR/MPQInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "mpq/Dialect/MPQ/IR/MPQOps.cpp.inc"

std::optional<std::vector<double>>
mlir::mpq::getFloatConstantValues(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  std::vector<double> values;
  values.reserve(attr.getNumElements());
  // f32 and f64 read straight from the raw data (weights: millions of them);
  // other float types through APFloat.
  if (attr.getElementType().isF32()) {
    for (float v : attr.getValues<float>())
      values.push_back(v);
  } else if (attr.getElementType().isF64()) {
    for (double v : attr.getValues<double>())
      values.push_back(v);
  } else {
    for (const APFloat &v : attr.getValues<APFloat>())
      values.push_back(v.convertToDouble());
  }
  return values;
}

std::optional<ConstantAffineOperands>
mlir::mpq::getConstantAffineOperands(Operation *op) {
  if (!isa<AddOp, MulOp, PReluOp>(op))
    return std::nullopt;
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  std::optional<std::vector<double>> lhsValues = getFloatConstantValues(lhs),
                                     rhsValues = getFloatConstantValues(rhs);
  // A prelu's slope is its second operand.
  if (isa<PReluOp>(op) && (lhsValues || !rhsValues))
    return std::nullopt;
  if (lhsValues.has_value() == rhsValues.has_value())
    return std::nullopt;
  Value activation = lhsValues ? rhs : lhs, constant = lhsValues ? lhs : rhs;
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  if (cast<RankedTensorType>(activation.getType()).getShape() !=
          result.getShape() ||
      result.getRank() == 0)
    return std::nullopt;
  std::vector<double> values = lhsValues ? *lhsValues : *rhsValues;
  // A scalar, or ones everywhere but one axis of the result's size there
  // (right-aligned, as broadcasting is).
  auto shape = cast<RankedTensorType>(constant.getType()).getShape();
  int64_t rank = result.getRank(), axis = rank - 1;
  if (values.size() != 1) {
    int64_t varying = 0, offset = rank - static_cast<int64_t>(shape.size());
    if (offset < 0)
      return std::nullopt;
    for (auto [d, size] : llvm::enumerate(shape)) {
      if (size == 1)
        continue;
      axis = offset + static_cast<int64_t>(d);
      if (++varying > 1 || size != result.getDimSize(axis))
        return std::nullopt;
    }
  }
  ElementwiseFunctionKind kind =
      isa<MulOp>(op)     ? ElementwiseFunctionKind::MulConstant
      : isa<PReluOp>(op) ? ElementwiseFunctionKind::LeakyRelu
                         : ElementwiseFunctionKind::AddConstant;
  return ConstantAffineOperands{activation, std::move(values), axis, kind};
}

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

static LogicalResult requireStatic(Operation *op, RankedTensorType type,
                                   StringRef what) {
  if (!type.hasStaticShape())
    return op->emitOpError()
           << what << " must have a static shape, got " << type;
  return success();
}

static LogicalResult requireRank(Operation *op, RankedTensorType type,
                                 int64_t rank, StringRef what) {
  if (type.getRank() != rank)
    return op->emitOpError()
           << "expected " << what << " of rank " << rank << ", got " << type;
  return requireStatic(op, type, what);
}

static LogicalResult requireSize(Operation *op, ArrayRef<int64_t> values,
                                 size_t size, StringRef name) {
  if (values.size() != size)
    return op->emitOpError() << "expected " << size << " values in '" << name
                             << "', got " << values.size();
  return success();
}

/// Spatial output sizes of an NHWC window op (convolution or pooling), or
/// failure with a diagnostic naming the offending argument.
static FailureOr<SmallVector<int64_t, 2>>
windowOutputSizes(Operation *op, RankedTensorType input,
                  ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads) {
  if (failed(requireSize(op, kernel, 2, "kernel")) ||
      failed(requireSize(op, strides, 2, "strides")) ||
      failed(requireSize(op, dilations, 2, "dilations")) ||
      failed(requireSize(op, pads, 4, "pads")))
    return failure();
  SmallVector<int64_t, 2> sizes;
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1)
      return op->emitOpError()
             << "kernel, strides and dilations must be positive";
    if (pads[i] < 0 || pads[i + 2] < 0)
      return op->emitOpError() << "pads must be non-negative";
    int64_t extent = dilations[i] * (kernel[i] - 1) + 1;
    int64_t padded = input.getDimSize(1 + i) + pads[i] + pads[i + 2];
    if (padded < extent)
      return op->emitOpError()
             << "window of extent " << extent << " does not fit the padded "
             << (i == 0 ? "height" : "width") << " " << padded;
    sizes.push_back((padded - extent) / strides[i] + 1);
  }
  return sizes;
}

static LogicalResult verifyOutputShape(Operation *op, RankedTensorType output,
                                       ArrayRef<int64_t> expected) {
  if (output.getShape() != expected) {
    auto diag = op->emitOpError() << "expected result shape [";
    llvm::interleaveComma(expected, diag);
    return diag << "], got " << output;
  }
  return success();
}

/// Convolution shape rules shared by mpq.conv2d and mpq.qconv2d.
static LogicalResult verifyConvShapes(Operation *op, RankedTensorType input,
                                      RankedTensorType weight,
                                      RankedTensorType output,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> dilations,
                                      ArrayRef<int64_t> pads, int64_t groups) {
  if (failed(requireRank(op, input, 4, "NHWC input")) ||
      failed(requireRank(op, weight, 4, "OHWI weight")) ||
      failed(requireRank(op, output, 4, "NHWC result")))
    return failure();
  int64_t inChannels = input.getDimSize(3), outChannels = weight.getDimSize(0);
  if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
    return op->emitOpError()
           << "groups = " << groups << " must divide the input channels ("
           << inChannels << ") and the output channels (" << outChannels << ")";
  if (weight.getDimSize(3) != inChannels / groups)
    return op->emitOpError()
           << "weight has " << weight.getDimSize(3)
           << " input channels per group, expected " << inChannels / groups;
  auto spatial =
      windowOutputSizes(op, input, {weight.getDimSize(1), weight.getDimSize(2)},
                        strides, dilations, pads);
  if (failed(spatial))
    return failure();
  return verifyOutputShape(
      op, output,
      {input.getDimSize(0), (*spatial)[0], (*spatial)[1], outChannels});
}

/// Pooling shape rules shared by the float and quantized pools.
static LogicalResult verifyPoolShapes(Operation *op, RankedTensorType input,
                                      RankedTensorType output,
                                      ArrayRef<int64_t> kernel,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> pads) {
  if (failed(requireRank(op, input, 4, "NHWC input")) ||
      failed(requireRank(op, output, 4, "NHWC result")))
    return failure();
  auto spatial = windowOutputSizes(op, input, kernel, strides, {1, 1}, pads);
  if (failed(spatial))
    return failure();
  return verifyOutputShape(
      op, output,
      {input.getDimSize(0), (*spatial)[0], (*spatial)[1], input.getDimSize(3)});
}

/// Fully-connected shape rules: [N, K] x [O, K] -> [N, O].
static LogicalResult verifyFullyConnectedShapes(Operation *op,
                                                RankedTensorType input,
                                                RankedTensorType weight,
                                                RankedTensorType output) {
  if (failed(requireRank(op, input, 2, "input")) ||
      failed(requireRank(op, weight, 2, "weight")) ||
      failed(requireRank(op, output, 2, "result")))
    return failure();
  if (weight.getDimSize(1) != input.getDimSize(1))
    return op->emitOpError()
           << "weight has " << weight.getDimSize(1)
           << " input features, expected " << input.getDimSize(1);
  return verifyOutputShape(op, output,
                           {input.getDimSize(0), weight.getDimSize(0)});
}

static LogicalResult verifyBroadcast(Operation *op, RankedTensorType lhs,
                                     RankedTensorType rhs,
                                     RankedTensorType output) {
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(lhs.getShape(), rhs.getShape(),
                                          shape))
    return op->emitOpError()
           << "operands " << lhs << " and " << rhs << " do not broadcast";
  return verifyOutputShape(op, output, shape);
}

static FailureOr<int64_t> normalizeAxis(Operation *op, int64_t axis,
                                        int64_t rank) {
  if (axis < -rank || axis >= rank)
    return op->emitOpError()
           << "axis " << axis << " is out of range for rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

/// A Q1.31 multiplier must be normalized (|M0| in [2^30, 2^31)) or zero, and
/// its exponent keep the right shift 31 - exponent within [0, 63].
static LogicalResult verifyMultiplier(Operation *op, int64_t multiplier,
                                      int64_t exponent, StringRef name) {
  int64_t magnitude = multiplier < 0 ? -multiplier : multiplier;
  if (multiplier != 0 && magnitude < (int64_t(1) << 30))
    return op->emitOpError()
           << name << " " << multiplier
           << " is not a normalized Q1.31 value (|M0| in [2^30, 2^31) or 0)";
  if (exponent < -32 || exponent > 31)
    return op->emitOpError()
           << name << " exponent " << exponent << " is outside [-32, 31]";
  return success();
}

static LogicalResult verifyClamp(Operation *op, std::optional<int64_t> lo,
                                 std::optional<int64_t> hi,
                                 UniformType output) {
  int64_t min = output.getStorageMin(), max = output.getStorageMax();
  int64_t low = lo.value_or(min), high = hi.value_or(max);
  if (low < min || high > max || low > high)
    return op->emitOpError()
           << "clamp [" << low << ", " << high
           << "] must be a non-empty part of the storage range [" << min << ", "
           << max << "]";
  return success();
}

static UniformType uniformElement(Value value) {
  return cast<UniformType>(tensorType(value).getElementType());
}

static LogicalResult requirePerTensor(Operation *op, Value value,
                                      StringRef what) {
  if (uniformElement(value).isPerAxis())
    return op->emitOpError() << what << " must be quantized per tensor";
  return success();
}

static LogicalResult requireSameShape(Operation *op, RankedTensorType a,
                                      RankedTensorType b) {
  if (a.getShape() != b.getShape())
    return op->emitOpError()
           << "input and result shapes differ: " << a << " vs " << b;
  return success();
}

static LogicalResult requireSameElementType(Operation *op, Type a, Type b) {
  if (a != b)
    return op->emitOpError() << "element types differ: " << a << " vs " << b;
  return success();
}

/// An optional bias of a layer with `outChannels` outputs.
static LogicalResult verifyBias(Operation *op, Value bias,
                                int64_t outChannels) {
  if (bias && tensorType(bias).getShape() != ArrayRef<int64_t>{outChannels})
    return op->emitOpError() << "bias must be a vector of " << outChannels
                             << " elements, got " << bias.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Graph-level ops
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::verify() {
  if (failed(verifyConvShapes(*this, tensorType(getInput()),
                              tensorType(getWeight()), tensorType(getOutput()),
                              getStrides(), getDilations(), getPads(),
                              getGroups())))
    return failure();
  return verifyBias(*this, getBias(), tensorType(getWeight()).getDimSize(0));
}

LogicalResult FullyConnectedOp::verify() {
  if (failed(verifyFullyConnectedShapes(*this, tensorType(getInput()),
                                        tensorType(getWeight()),
                                        tensorType(getOutput()))))
    return failure();
  return verifyBias(*this, getBias(), tensorType(getWeight()).getDimSize(0));
}

LogicalResult MatMulOp::verify() {
  auto lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
  if (failed(requireRank(*this, lhs, 2, "lhs")) ||
      failed(requireRank(*this, rhs, 2, "rhs")))
    return failure();
  if (lhs.getDimSize(1) != rhs.getDimSize(0))
    return emitOpError() << "contracting dimensions differ: "
                         << lhs.getDimSize(1) << " vs " << rhs.getDimSize(0);
  return verifyOutputShape(*this, tensorType(getOutput()),
                           {lhs.getDimSize(0), rhs.getDimSize(1)});
}

LogicalResult BatchNormOp::verify() {
  auto input = tensorType(getInput());
  auto axis = normalizeAxis(*this, getAxis(), input.getRank());
  if (failed(axis) ||
      failed(requireSameShape(*this, input, tensorType(getOutput()))))
    return failure();
  int64_t channels = input.getDimSize(*axis);
  for (Value param : {getScale(), getBias(), getMean(), getVariance()})
    if (tensorType(param).getShape() != ArrayRef<int64_t>{channels})
      return emitOpError() << "parameters must be vectors of " << channels
                           << " elements (the size of axis " << *axis
                           << "), got " << param.getType();
  if (!(getEpsilon().convertToFloat() >= 0.0f))
    return emitOpError() << "epsilon must be non-negative";
  return success();
}

LogicalResult AddOp::verify() {
  return verifyBroadcast(*this, tensorType(getLhs()), tensorType(getRhs()),
                         tensorType(getOutput()));
}

LogicalResult MulOp::verify() {
  return verifyBroadcast(*this, tensorType(getLhs()), tensorType(getRhs()),
                         tensorType(getOutput()));
}

LogicalResult MaxOp::verify() {
  return verifyBroadcast(*this, tensorType(getLhs()), tensorType(getRhs()),
                         tensorType(getOutput()));
}

LogicalResult MinOp::verify() {
  return verifyBroadcast(*this, tensorType(getLhs()), tensorType(getRhs()),
                         tensorType(getOutput()));
}

LogicalResult PReluOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(verifyBroadcast(*this, input, tensorType(getSlope()), output)))
    return failure();
  if (input.getShape() != output.getShape())
    return emitOpError() << "the slope must broadcast to the input's shape "
                         << input << ", got " << getSlope().getType();
  return success();
}

LogicalResult AvgPool2DOp::verify() {
  return verifyPoolShapes(*this, tensorType(getInput()),
                          tensorType(getOutput()), getKernel(), getStrides(),
                          getPads());
}

LogicalResult GlobalAvgPoolOp::verify() {
  auto input = tensorType(getInput());
  if (failed(requireRank(*this, input, 4, "NHWC input")))
    return failure();
  return verifyOutputShape(*this, tensorType(getOutput()),
                           {input.getDimSize(0), 1, 1, input.getDimSize(3)});
}

LogicalResult ClipOp::verify() {
  float min = getMin().convertToFloat(), max = getMax().convertToFloat();
  if (min > max)
    return emitOpError() << "min " << formatNumber(min)
                         << " is greater than max " << formatNumber(max);
  return success();
}

namespace {
/// The bounds of a clamp activation (relu: [0, inf)), or std::nullopt.
std::optional<std::pair<float, float>> clampBounds(Operation *op) {
  if (isa_and_nonnull<ReluOp>(op))
    return std::make_pair(0.0f, std::numeric_limits<float>::infinity());
  if (auto clip = dyn_cast_or_null<ClipOp>(op))
    return std::make_pair(clip.getMin().convertToFloat(),
                          clip.getMax().convertToFloat());
  return std::nullopt;
}

/// clamp(clamp(x, a, b), c, d) = clamp(x, max(a, c), min(b, d)) when the
/// two ranges meet (else the result is constant: left alone).
template <typename OpTy>
struct MergeClamps : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Operation *inner = op.getInput().getDefiningOp();
    auto in = clampBounds(inner), out = clampBounds(op);
    if (!in || !out)
      return failure();
    float lo = std::max(in->first, out->first);
    float hi = std::min(in->second, out->second);
    if (lo > hi)
      return failure();
    Value x = inner->getOperand(0);
    if (lo == 0.0f && hi == std::numeric_limits<float>::infinity())
      rewriter.replaceOpWithNewOp<ReluOp>(op, op.getType(), x);
    else
      rewriter.replaceOpWithNewOp<ClipOp>(op, op.getType(), x,
                                          rewriter.getF32FloatAttr(lo),
                                          rewriter.getF32FloatAttr(hi));
    return success();
  }
};
} // namespace

void ReluOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<MergeClamps<ReluOp>>(context);
}

void ClipOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<MergeClamps<ClipOp>>(context);
}

ElementwiseFunction SigmoidOp::getFunction() {
  return {ElementwiseFunctionKind::Sigmoid};
}

ElementwiseFunction TanhOp::getFunction() {
  return {ElementwiseFunctionKind::Tanh};
}

ElementwiseFunction HardSigmoidOp::getFunction() {
  return {ElementwiseFunctionKind::HardSigmoid, getAlpha().convertToDouble(),
          getBeta().convertToDouble()};
}

ElementwiseFunction HardSwishOp::getFunction() {
  return {ElementwiseFunctionKind::HardSwish};
}

ElementwiseFunction LeakyReluOp::getFunction() {
  return {ElementwiseFunctionKind::LeakyRelu, getAlpha().convertToDouble()};
}

/// An element-wise function's parameter must be a finite number.
static LogicalResult verifyFiniteParameter(Operation *op, StringRef name,
                                           APFloat value) {
  if (!value.isFinite())
    return op->emitOpError() << name << " must be finite, got "
                             << formatNumber(value.convertToDouble());
  return success();
}

LogicalResult HardSigmoidOp::verify() {
  if (failed(verifyFiniteParameter(*this, "alpha", getAlpha())))
    return failure();
  return verifyFiniteParameter(*this, "beta", getBeta());
}

LogicalResult LeakyReluOp::verify() {
  return verifyFiniteParameter(*this, "alpha", getAlpha());
}

LogicalResult SoftmaxOp::verify() {
  return normalizeAxis(*this, getAxis(), tensorType(getInput()).getRank());
}

LogicalResult LayerNormOp::verify() {
  auto input = tensorType(getInput());
  if (failed(requireSameShape(*this, input, tensorType(getOutput()))))
    return failure();
  if (input.getRank() < 1)
    return emitOpError() << "input must have at least one axis";
  int64_t features = input.getShape().back();
  for (Value param : {getScale(), getBias()})
    if (tensorType(param).getShape() != ArrayRef<int64_t>{features})
      return emitOpError() << "scale and bias must be vectors of " << features
                           << " elements (the size of the last axis), got "
                           << param.getType();
  if (!(getEpsilon().convertToFloat() >= 0.0f))
    return emitOpError() << "epsilon must be non-negative";
  return success();
}

LogicalResult FakeQuantOp::verify() {
  Type quant = getQuant();
  auto storage = getStorageInfo(quant);
  if (!storage)
    return emitOpError() << "quant must be an !mpq.uniform or !mpq.bits type, "
                            "got "
                         << quant;
  // 32 bits: the int32 grid s_x * s_w of a layer's bias (docs/paper.md §1).
  if (storage->width == 32 && !storage->isSigned)
    return emitOpError() << "fake-quantization to 32 bits is for an int32 "
                            "bias, which is signed";
  if (storage->width > 8 && storage->width != 32)
    return emitOpError() << "fake-quantization to " << storage->width
                         << " bits: stored tensors have 1..8 bits, a bias 32";
  if (getNarrow() && !storage->isSigned)
    return emitOpError() << "a narrow range needs a signed type";
  if (getPerLayer() && (!isa<BitsType>(quant) || getMin()))
    return emitOpError() << "per_layer asks calibration for one grid; it "
                            "needs an !mpq.bits type and no learned range";
  bool hasMin = getMin().has_value(), hasMax = getMax().has_value();
  if (hasMin != hasMax)
    return emitOpError() << "a learned range needs both min and max";
  if (hasMin) {
    if (isa<UniformType>(quant))
      return emitOpError() << "min/max conflict with the scale and zero point "
                              "of an !mpq.uniform type";
    double min = getMin()->convertToDouble(), max = getMax()->convertToDouble();
    if (!(min < max))
      return emitOpError() << "learned range [" << formatNumber(min) << ", "
                           << formatNumber(max) << "] is empty";
  }
  if (ArrayRef<double> clips = getClips(); !clips.empty()) {
    if (!hasMin)
      return emitOpError() << "clips need the observed range min/max";
    if (clips.size() != 16 && clips.size() != 48)
      return emitOpError() << "clips hold a range for each width 1..8 (16 "
                              "values), or one per width for each of three "
                              "estimators (48), got "
                           << clips.size();
  }
  auto input = tensorType(getInput());
  return verifyQuantizedShape([&] { return emitOpError(); }, input.clone(quant),
                              "quant");
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameElementType(*this, input.getElementType(),
                                    output.getElementType())) ||
      failed(requireStatic(*this, input, "input")) ||
      failed(requireStatic(*this, output, "result")))
    return failure();
  if (input.getNumElements() != output.getNumElements())
    return emitOpError() << "cannot reshape " << input.getNumElements()
                         << " elements into " << output.getNumElements();
  if (isa<UniformType>(input.getElementType()) &&
      uniformElement(getInput()).isPerAxis())
    return emitOpError() << "cannot reshape a per-axis quantized tensor";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

LogicalResult TransposeOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameElementType(*this, input.getElementType(),
                                    output.getElementType())))
    return failure();
  ArrayRef<int64_t> perm = getPerm();
  int64_t rank = input.getRank();
  if (failed(requireSize(*this, perm, rank, "perm")))
    return failure();
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitOpError() << "perm is not a permutation of [0, " << rank
                           << ")";
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  // The element type is shared, so a per-axis axis must stay in place.
  if (auto uniform = dyn_cast<UniformType>(input.getElementType()))
    if (uniform.isPerAxis() && perm[uniform.getAxis()] != uniform.getAxis())
      return emitOpError() << "moves quantization axis " << uniform.getAxis()
                           << " of a per-axis tensor";
  return verifyOutputShape(*this, output, shape);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  // transpose(transpose(x, p), q) = transpose(x, p o q).
  if (auto producer = getInput().getDefiningOp<TransposeOp>()) {
    if (isa<UniformType>(getType().getElementType()) &&
        uniformElement(getInput()).isPerAxis())
      return {};
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(producer.getPerm()[p]);
    getInputMutable().assign(producer.getInput());
    setPerm(composed);
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())) &&
        getInput().getType() == getType())
      return getInput();
    return getResult();
  }
  return {};
}

bool PadOp::padsOnlyLastAxis() {
  ArrayRef<int64_t> pads = getPads();
  const size_t rank = pads.size() / 2;
  for (size_t d = 0; d + 1 < rank; ++d)
    if (pads[d] || pads[rank + d])
      return false;
  return rank > 0;
}

LogicalResult PadOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameElementType(*this, input.getElementType(),
                                    output.getElementType())))
    return failure();
  int64_t rank = input.getRank();
  ArrayRef<int64_t> pads = getPads();
  if (failed(requireSize(*this, pads, 2 * rank, "pads")))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (pads[i] < 0 || pads[i + rank] < 0)
      return emitOpError() << "pads must be non-negative";
    shape.push_back(input.getDimSize(i) + pads[i] + pads[i + rank]);
  }
  if (auto uniform = dyn_cast<UniformType>(input.getElementType())) {
    double value = getValue().convertToDouble();
    if (value != std::floor(value) || value < uniform.getStorageMin() ||
        value > uniform.getStorageMax())
      return emitOpError() << "padding value " << formatNumber(value)
                           << " is not a code of " << uniform;
  }
  return verifyOutputShape(*this, output, shape);
}

LogicalResult SliceOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameElementType(*this, input.getElementType(),
                                    output.getElementType())) ||
      failed(requireStatic(*this, input, "input")) ||
      failed(requireStatic(*this, output, "result")))
    return failure();
  int64_t rank = input.getRank();
  ArrayRef<int64_t> offsets = getOffsets(), strides = getStrides();
  if (failed(requireSize(*this, offsets, rank, "offsets")) ||
      failed(requireSize(*this, strides, rank, "strides")))
    return failure();
  if (output.getRank() != rank)
    return emitOpError() << "expected a result of rank " << rank << ", got "
                         << output;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = input.getDimSize(d), count = output.getDimSize(d);
    if (strides[d] == 0)
      return emitOpError() << "stride 0 on dimension " << d;
    if (count == 0)
      continue;
    // The first and the last index read; both in the input. (|offset| and
    // |stride| are checked against the size first, so nothing overflows.)
    int64_t last = count - 1;
    bool inside = offsets[d] >= 0 && offsets[d] < size && strides[d] >= -size &&
                  strides[d] <= size && offsets[d] + last * strides[d] >= 0 &&
                  offsets[d] + last * strides[d] < size;
    if (!inside)
      return emitOpError() << "dimension " << d << " reads indices "
                           << offsets[d] << " + i * " << strides[d]
                           << " for i < " << count << ", outside the input's "
                           << size;
  }
  return success();
}

LogicalResult ResizeNearestOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameElementType(*this, input.getElementType(),
                                    output.getElementType())) ||
      failed(requireStatic(*this, input, "input")))
    return failure();
  int64_t rank = input.getRank();
  ArrayRef<int64_t> factors = getFactors();
  if (failed(requireSize(*this, factors, rank, "factors")))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (factors[d] < 1 || factors[d] > (int64_t{1} << 16))
      return emitOpError() << "factor " << factors[d] << " on dimension " << d
                           << " is not an integer in [1, 65536]";
    shape.push_back(input.getDimSize(d) * factors[d]);
  }
  return verifyOutputShape(*this, output, shape);
}

/// An NHWC resize of the spatial axes only.
static LogicalResult verifySpatialResize(Operation *op, RankedTensorType input,
                                         RankedTensorType output) {
  if (input.getRank() != 4 || output.getRank() != 4 ||
      !input.hasStaticShape() || !output.hasStaticShape())
    return op->emitOpError()
           << "resizes static NHWC tensors, got " << input << " -> " << output;
  if (input.getDimSize(0) != output.getDimSize(0) ||
      input.getDimSize(3) != output.getDimSize(3))
    return op->emitOpError()
           << "resizes the spatial axes only: batch and channels must stay, "
              "got "
           << input << " -> " << output;
  for (int d : {1, 2})
    if (input.getDimSize(d) < 1 || output.getDimSize(d) < 1)
      return op->emitOpError() << "spatial sizes must be positive";
  return success();
}

LogicalResult ResizeLinearOp::verify() {
  if (failed(verifySpatialResize(*this, tensorType(getInput()),
                                 tensorType(getOutput()))))
    return failure();
  StringRef mode = getCoordinateMode();
  if (!llvm::is_contained(
          {"half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"},
          mode))
    return emitOpError() << "coordinate_mode '" << mode
                         << "' is not half_pixel, pytorch_half_pixel, "
                            "asymmetric or align_corners";
  return success();
}

LogicalResult QResizeLinearOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(verifySpatialResize(*this, input, output)) ||
      failed(requirePerTensor(*this, getInput(), "input")) ||
      failed(requirePerTensor(*this, getOutput(), "result")))
    return failure();
  auto checkAxis = [&](ArrayRef<int32_t> index, ArrayRef<int32_t> weight,
                       int64_t denominator, int64_t in, int64_t out,
                       StringRef name) -> LogicalResult {
    if (denominator < 1)
      return emitOpError() << name << "_denominator must be positive";
    if (static_cast<int64_t>(index.size()) != out ||
        static_cast<int64_t>(weight.size()) != out)
      return emitOpError() << name << "_index and " << name
                           << "_weight must have " << out
                           << " entries (the output's size)";
    for (int64_t i = 0; i < out; ++i)
      if (index[i] < 0 || index[i] >= in || weight[i] < 0 ||
          weight[i] >= denominator || (index[i] == in - 1 && weight[i] != 0))
        return emitOpError()
               << name << " tap " << i << " (index " << index[i] << ", weight "
               << weight[i] << "/" << denominator << ") is outside the input's "
               << in << " elements";
    return success();
  };
  if (failed(checkAxis(getHIndex(), getHWeight(), getHDenominator(),
                       input.getDimSize(1), output.getDimSize(1), "h")) ||
      failed(checkAxis(getWIndex(), getWWeight(), getWDenominator(),
                       input.getDimSize(2), output.getDimSize(2), "w")))
    return failure();
  if (int64_t(getHDenominator()) * getWDenominator() > (int64_t(1) << 22))
    return emitOpError() << "h_denominator * w_denominator must be at most "
                            "2^22 (the accumulator is int32)";
  return verifyMultiplier(*this, getMultiplier(), getExponent(), "multiplier");
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  auto output = tensorType(getOutput());
  auto axis = normalizeAxis(*this, getAxis(), output.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(tensorType(getInputs().front()).getShape());
  shape[*axis] = 0;
  for (Value input : getInputs()) {
    auto type = tensorType(input);
    if (failed(requireSameElementType(*this, type.getElementType(),
                                      output.getElementType())))
      return failure();
    if (type.getRank() != output.getRank())
      return emitOpError() << "inputs must all have rank " << output.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d == *axis)
        continue;
      if (type.getDimSize(d) != shape[d])
        return emitOpError() << "input sizes differ along dimension " << d
                             << ", which is not the concatenation axis";
    }
    shape[*axis] += type.getDimSize(*axis);
  }
  return verifyOutputShape(*this, output, shape);
}

namespace {
/// concat(x, splat c) along an axis is pad(x) with c on that axis: a form
/// the memory model sees as pass-through and the code generator fills
/// without storing the constant.
struct ConcatOfSplatToPad : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() != 2 ||
        !isa<FloatType>(op.getType().getElementType()))
      return failure();
    for (int constantSide = 0; constantSide < 2; ++constantSide) {
      DenseElementsAttr splat;
      if (!matchPattern(op.getInputs()[constantSide], m_Constant(&splat)) ||
          !splat.isSplat())
        continue;
      Value input = op.getInputs()[1 - constantSide];
      auto output = tensorType(op.getOutput());
      int64_t rank = output.getRank();
      int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
      SmallVector<int64_t> pads(2 * rank, 0);
      int64_t extra = tensorType(op.getInputs()[constantSide]).getDimSize(axis);
      pads[constantSide == 0 ? axis : rank + axis] = extra;
      double value = splat.getSplatValue<APFloat>().convertToDouble();
      rewriter.replaceOpWithNewOp<PadOp>(op, output, input,
                                         rewriter.getDenseI64ArrayAttr(pads),
                                         rewriter.getF64FloatAttr(value));
      return success();
    }
    return failure();
  }
};
} // namespace

void ConcatOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<ConcatOfSplatToPad>(context);
}

LogicalResult MaxPool2DOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameElementType(*this, input.getElementType(),
                                    output.getElementType())))
    return failure();
  return verifyPoolShapes(*this, input, output, getKernel(), getStrides(),
                          getPads());
}

//===----------------------------------------------------------------------===//
// Integer-level ops
//===----------------------------------------------------------------------===//

LogicalResult QConstantOp::verify() {
  auto output = tensorType(getOutput());
  auto valueType = cast<ShapedType>(getValue().getType());
  if (valueType.getShape() != output.getShape())
    return emitOpError() << "value shape differs from the result shape";
  if (!valueType.getElementType().isInteger())
    return emitOpError() << "value must hold integer codes, got "
                         << valueType.getElementType();
  UniformType element = uniformElement(getOutput());
  int64_t lo = element.getStorageMin(), hi = element.getStorageMax();
  auto check = [&](auto codes) -> LogicalResult {
    for (auto code : codes) {
      int64_t c = static_cast<int64_t>(code);
      if (c < lo || c > hi)
        return emitOpError() << "code " << c << " is outside the range [" << lo
                             << ", " << hi << "] of the result element type";
    }
    return success();
  };
  // The usual storage types read straight from the raw data.
  if (auto dense = dyn_cast<DenseIntElementsAttr>(getValue())) {
    Type t = dense.getElementType();
    if (t.isInteger(8))
      return check(dense.getValues<int8_t>());
    if (t.isInteger(16))
      return check(dense.getValues<int16_t>());
    if (t.isInteger(32))
      return check(dense.getValues<int32_t>());
    if (t.isInteger(64))
      return check(dense.getValues<int64_t>());
  }
  auto codes = getValue().tryGetValues<APInt>();
  if (!codes)
    return emitOpError() << "cannot read the integer codes of the value";
  for (const APInt &code : *codes) {
    int64_t c = code.getSExtValue();
    if (c < lo || c > hi)
      return emitOpError() << "code " << c << " is outside the range [" << lo
                           << ", " << hi << "] of the result element type";
  }
  return success();
}

/// Per-axis quantization of an integer op's weight must run along its
/// output channels (dimension 0): that is what the kernels index by.
static LogicalResult verifyWeightAxis(Operation *op, Value weight) {
  UniformType type = uniformElement(weight);
  if (type.isPerAxis() && type.getAxis() != 0)
    return op->emitOpError() << "weight must be quantized per tensor or per "
                                "output channel (axis 0), got axis "
                             << type.getAxis();
  return success();
}

LogicalResult QConv2DOp::verify() {
  if (failed(requirePerTensor(*this, getInput(), "input")) ||
      failed(verifyWeightAxis(*this, getWeight())))
    return failure();
  return verifyConvShapes(*this, tensorType(getInput()),
                          tensorType(getWeight()), tensorType(getOutput()),
                          getStrides(), getDilations(), getPads(), getGroups());
}

LogicalResult QFullyConnectedOp::verify() {
  if (failed(requirePerTensor(*this, getInput(), "input")) ||
      failed(verifyWeightAxis(*this, getWeight())))
    return failure();
  return verifyFullyConnectedShapes(*this, tensorType(getInput()),
                                    tensorType(getWeight()),
                                    tensorType(getOutput()));
}

LogicalResult RequantizeOp::verify() {
  auto input = tensorType(getInput()), output = tensorType(getOutput());
  if (failed(requireSameShape(*this, input, output)) ||
      failed(requirePerTensor(*this, getOutput(), "result")))
    return failure();
  if (isa<UniformType>(input.getElementType()) &&
      failed(requirePerTensor(*this, getInput(), "input")))
    return failure();
  int64_t channels = output.getRank() ? output.getShape().back() : 1;
  ArrayRef<int32_t> multiplier = getMultiplier(), exponent = getExponent();
  auto checkLength = [&](size_t size, StringRef name) -> LogicalResult {
    if (size == 1 || static_cast<int64_t>(size) == channels)
      return success();
    return emitOpError() << "'" << name << "' has " << size
                         << " entries; expected 1 or " << channels
                         << " (one per channel)";
  };
  if (failed(checkLength(multiplier.size(), "multiplier")))
    return failure();
  if (exponent.size() != multiplier.size())
    return emitOpError() << "'exponent' has " << exponent.size()
                         << " entries, 'multiplier' " << multiplier.size();
  if (getBias() && failed(checkLength(getBias()->size(), "bias")))
    return failure();
  for (auto [m, e] : llvm::zip(multiplier, exponent))
    if (failed(verifyMultiplier(*this, m, e, "multiplier")))
      return failure();
  return verifyClamp(*this, getClampMin(), getClampMax(),
                     uniformElement(getOutput()));
}

/// The row of a qsoftmax or qlayer_norm: a per-tensor input, a per-tensor
/// result of the same shape, at most `maxRow` codes along
/// the last axis.
static LogicalResult verifyRowNormalization(Operation *op, Value input,
                                            Value output, int64_t maxRow) {
  if (failed(requirePerTensor(op, input, "input")) ||
      failed(requirePerTensor(op, output, "result")) ||
      failed(requireSameShape(op, tensorType(input), tensorType(output))))
    return failure();
  // (Stored types are at most 8 bits wide: the operand type says so.)
  auto shape = tensorType(input).getShape();
  if (shape.empty() || shape.back() < 1 || shape.back() > maxRow)
    return op->emitOpError() << "rows (the last axis) must have 1 to " << maxRow
                             << " elements, got " << input.getType();
  return success();
}

LogicalResult QSoftmaxOp::verify() {
  if (failed(verifyRowNormalization(*this, getInput(), getOutput(),
                                    kMaxSoftmaxRow)))
    return failure();
  ArrayRef<int32_t> table = getExpTable();
  const int64_t entries = int64_t(1) << uniformElement(getInput()).getWidth();
  if (static_cast<int64_t>(table.size()) != entries)
    return emitOpError() << "exp_table must have one entry per code "
                            "difference ("
                         << entries << "), got " << table.size();
  const int32_t one = int32_t(1) << kSoftmaxExpBits;
  if (table[0] < 1 ||
      llvm::any_of(table, [&](int32_t e) { return e < 0 || e > one; }))
    return emitOpError() << "exp_table entries must be in [0, " << one
                         << "] with a positive first entry";
  if (getExponent() < 0 || getExponent() > 31)
    return emitOpError() << "exponent " << getExponent()
                         << " is outside [0, 31] (an output scale in "
                            "(2^-31, 2])";
  return verifyMultiplier(*this, getMultiplier(), getExponent(), "multiplier");
}

LogicalResult QLayerNormOp::verify() {
  if (failed(verifyRowNormalization(*this, getInput(), getOutput(),
                                    kMaxLayerNormRow)))
    return failure();
  const int64_t n = tensorType(getInput()).getShape().back();
  if (static_cast<int64_t>(getScale().size()) != n ||
      static_cast<int64_t>(getBias().size()) != n)
    return emitOpError() << "scale and bias must have " << n
                         << " entries (the size of the last axis), got "
                         << getScale().size() << " and " << getBias().size();
  if (getShift() < 0 || getShift() > 16)
    return emitOpError() << "shift " << getShift() << " is outside [0, 16]";
  if (getEpsTerm() < 0 || getEpsTerm() >= n * (int64_t(1) << 44))
    return emitOpError() << "eps_term " << getEpsTerm()
                         << " is outside [0, N * 2^44)";
  // |q| <= 2^shift * sqrt(N) + 1 (|x - mean| / std <= sqrt(N - 1)): the
  // accumulator q * scale + bias must fit int32.
  int64_t maxScale = 0, maxBias = 0;
  for (int32_t g : getScale())
    maxScale = std::max<int64_t>(maxScale, g < 0 ? -int64_t(g) : g);
  for (int32_t b : getBias())
    maxBias = std::max<int64_t>(maxBias, b < 0 ? -int64_t(b) : b);
  const int64_t maxQ =
      (int64_t(1) << getShift()) * (integerSqrt(n - 1) + 1) + 1;
  if (maxScale >= (int64_t(1) << 15) ||
      maxQ * maxScale + maxBias >= (int64_t(1) << 31))
    return emitOpError() << "scale and bias overflow the int32 accumulator: "
                            "at shift "
                         << getShift() << " and " << n << " features, |scale| "
                         << maxScale << " and |bias| " << maxBias
                         << " can exceed 2^31";
  if (failed(verifyMultiplier(*this, getMultiplier(), getExponent(),
                              "multiplier")))
    return failure();
  return verifyClamp(*this, getClampMin(), getClampMax(),
                     uniformElement(getOutput()));
}

LogicalResult QMulOp::verify() {
  for (auto [value, what] :
       {std::pair{getLhs(), "lhs"}, {getRhs(), "rhs"}, {getOutput(), "result"}})
    if (failed(requirePerTensor(*this, value, what)))
      return failure();
  auto lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
  if (lhs.getRank() != rhs.getRank())
    return emitOpError() << "operands must have one rank, got " << lhs
                         << " and " << rhs;
  for (Value v : {getLhs(), getRhs()})
    if (uniformElement(v).getWidth() > 8)
      return emitOpError() << "operands must be at most 8 bits wide, got "
                           << v.getType();
  if (failed(verifyBroadcast(*this, lhs, rhs, tensorType(getOutput()))) ||
      failed(verifyMultiplier(*this, getMultiplier(), getExponent(),
                              "multiplier")))
    return failure();
  return verifyClamp(*this, getClampMin(), getClampMax(),
                     uniformElement(getOutput()));
}

/// qmax and qmin: codes of one per-tensor grid, broadcast, clamped within it.
static LogicalResult verifyExtremum(Operation *op, Value lhs, Value rhs,
                                    Value output, std::optional<int64_t> lo,
                                    std::optional<int64_t> hi) {
  for (auto [value, what] :
       {std::pair{lhs, "lhs"}, {rhs, "rhs"}, {output, "result"}})
    if (failed(requirePerTensor(op, value, what)))
      return failure();
  if (uniformElement(lhs) != uniformElement(output) ||
      uniformElement(rhs) != uniformElement(output))
    return op->emitOpError()
           << "operands must be on the result's grid (requantize them "
              "first), got "
           << lhs.getType() << " and " << rhs.getType();
  if (failed(verifyBroadcast(op, tensorType(lhs), tensorType(rhs),
                             tensorType(output))))
    return failure();
  return verifyClamp(op, lo, hi, uniformElement(output));
}

LogicalResult QMaxOp::verify() {
  return verifyExtremum(*this, getLhs(), getRhs(), getOutput(), getClampMin(),
                        getClampMax());
}

LogicalResult QMinOp::verify() {
  return verifyExtremum(*this, getLhs(), getRhs(), getOutput(), getClampMin(),
                        getClampMax());
}

LogicalResult QAddOp::verify() {
  for (auto [value, what] :
       {std::pair{getLhs(), "lhs"}, {getRhs(), "rhs"}, {getOutput(), "result"}})
    if (failed(requirePerTensor(*this, value, what)))
      return failure();
  if (failed(verifyBroadcast(*this, tensorType(getLhs()), tensorType(getRhs()),
                             tensorType(getOutput()))) ||
      failed(verifyMultiplier(*this, getLhsMultiplier(), getLhsExponent(),
                              "lhs_multiplier")) ||
      failed(verifyMultiplier(*this, getRhsMultiplier(), getRhsExponent(),
                              "rhs_multiplier")))
    return failure();
  return verifyClamp(*this, getClampMin(), getClampMax(),
                     uniformElement(getOutput()));
}

LogicalResult TableOp::verify() {
  if (failed(requirePerTensor(*this, getInput(), "input")) ||
      failed(requirePerTensor(*this, getOutput(), "result")) ||
      failed(requireSameShape(*this, tensorType(getInput()),
                              tensorType(getOutput()))))
    return failure();
  UniformType in = uniformElement(getInput()),
              out = uniformElement(getOutput());
  int64_t entries = in.getStorageMax() - in.getStorageMin() + 1;
  auto shape = tensorType(getInput()).getShape();
  int64_t slices = 1;
  if (!shape.empty()) {
    auto axis = normalizeAxis(*this, getAxis(), shape.size());
    if (failed(axis))
      return failure();
    slices = shape[*axis];
  } else if (getAxis() != -1) {
    return emitOpError() << "a scalar has no axis " << getAxis();
  }
  ArrayRef<int32_t> table = getTable();
  int64_t size = static_cast<int64_t>(table.size());
  if (size != entries && size != entries * slices)
    return emitOpError() << "table has " << table.size()
                         << " entries; expected " << entries
                         << ", one per code of the " << in.getWidth()
                         << "-bit input, or " << entries * slices
                         << " (a table per slice along the axis)";
  for (auto [i, code] : llvm::enumerate(table))
    if (code < out.getStorageMin() || code > out.getStorageMax())
      return emitOpError() << "entry " << i << " (" << code
                           << ") is outside the result's storage range ["
                           << out.getStorageMin() << ", " << out.getStorageMax()
                           << "]";
  return success();
}

int64_t TableOp::getNumTables() {
  UniformType in = uniformElement(getInput());
  return static_cast<int64_t>(getTable().size()) /
         (in.getStorageMax() - in.getStorageMin() + 1);
}

int64_t TableOp::getNormalizedAxis() {
  int64_t rank = tensorType(getInput()).getRank();
  return getAxis() < 0 ? getAxis() + rank : getAxis();
}

LogicalResult QAvgPool2DOp::verify() {
  if (failed(requirePerTensor(*this, getInput(), "input")) ||
      failed(requirePerTensor(*this, getOutput(), "result")) ||
      failed(verifyMultiplier(*this, getMultiplier(), getExponent(),
                              "multiplier")))
    return failure();
  return verifyPoolShapes(*this, tensorType(getInput()),
                          tensorType(getOutput()), getKernel(), getStrides(),
                          getPads());
}

LogicalResult QuantizeOp::verify() {
  return requireSameShape(*this, tensorType(getInput()),
                          tensorType(getOutput()));
}

LogicalResult DequantizeOp::verify() {
  return requireSameShape(*this, tensorType(getInput()),
                          tensorType(getOutput()));
}
