//===- IntegerOps.cpp - Integer ONNX ops ----------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and integer Add
// become integer-level mpq ops directly (qconstant, qconv2d,
// qfully_connected, requantize, qadd); integer graph inputs are quantized at
// the model boundary and integer graph outputs dequantized there.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "mpq/Support/IntegerSemantics.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

static FailureOr<UniformType> uniformFor(Importer &im, const Node &node,
                                         const QuantParams &p,
                                         int64_t storedAxis) {
  auto scales = DenseF64ArrayAttr::get(im.context, p.scales);
  auto emitErr = [&]() { return im.nodeError(node); };
  int32_t axis = p.axis >= 0 ? static_cast<int32_t>(storedAxis) : -1;
  if (failed(UniformType::verify(emitErr, p.bits, p.isSigned, axis, scales,
                                 p.zeroPoints)))
    return failure();
  return UniformType::get(im.context, p.bits, p.isSigned, axis, p.scales,
                          p.zeroPoints);
}

/// Scale (input `scaleIndex`, or 1 if negative) and zero point (input
/// `zpIndex`, or 0 if absent) of a QLinear*/Integer op's operand whose
/// element type is `dataType`. Several values make it per axis `axis`.
static FailureOr<QuantParams> linearParams(Importer &im, const Node &node,
                                           int scaleIndex, size_t zpIndex,
                                           int dataType, int64_t axis) {
  QuantParams p;
  if (dataType != kUInt8 && dataType != kInt8)
    return im.nodeError(node) << "integer operands must be uint8 or int8, got "
                              << dataTypeName(dataType);
  p.isSigned = dataType == kInt8;
  if (scaleIndex >= 0) {
    auto scale = im.hostInput(node, scaleIndex, "scale");
    if (failed(scale))
      return failure();
    if (!(*scale)->isFloat())
      return im.nodeError(node) << "the scale must be float";
    if ((*scale)->floats.empty())
      return im.nodeError(node)
             << "scale '" << node.inputs[scaleIndex] << "' is empty";
    for (float v : (*scale)->floats)
      p.scales.push_back(v);
  }
  if (im.hasInput(node, zpIndex)) {
    auto zp = im.hostInput(node, zpIndex, "zero point");
    if (failed(zp))
      return failure();
    if ((*zp)->dataType != dataType)
      return im.nodeError(node) << "zero point '" << node.inputs[zpIndex]
                                << "' is " << dataTypeName((*zp)->dataType)
                                << ", its operand " << dataTypeName(dataType);
    p.zeroPoints.assign((*zp)->ints.begin(), (*zp)->ints.end());
  }
  if (p.scales.empty())
    p.scales.assign(std::max<size_t>(p.zeroPoints.size(), 1), 1.0);
  if (p.zeroPoints.empty())
    p.zeroPoints.assign(p.scales.size(), 0);
  if (p.scales.size() != p.zeroPoints.size()) {
    if (p.scales.size() == 1)
      p.scales.assign(p.zeroPoints.size(), p.scales[0]);
    else if (p.zeroPoints.size() == 1)
      p.zeroPoints.assign(p.scales.size(), p.zeroPoints[0]);
    else
      return im.nodeError(node) << "scale and zero point sizes differ";
  }
  if (p.scales.size() > 1) {
    if (axis < 0)
      return im.nodeError(node) << "zero point '" << node.inputs[zpIndex]
                                << "' has " << p.scales.size()
                                << " values; its operand must be quantized per "
                                   "tensor";
    p.axis = axis;
  }
  return p;
}

/// The result grid of a QLinear op: y_scale (input 6) and y_zero_point
/// (input 7, whose type gives the signedness; uint8 if absent).
static FailureOr<std::pair<QuantParams, UniformType>>
qlinearOutput(Importer &im, const Node &node) {
  int yType = kUInt8;
  if (im.hasInput(node, 7)) {
    auto yzp = im.hostInput(node, 7, "zero point");
    if (failed(yzp))
      return failure();
    yType = (*yzp)->dataType;
  }
  auto yq = linearParams(im, node, 6, 7, yType, -1);
  if (failed(yq))
    return failure();
  auto out = uniformFor(im, node, *yq, 0);
  if (failed(out))
    return failure();
  return std::make_pair(*yq, *out);
}

/// The element type of an integer graph input: how its consumers read it.
FailureOr<Type> Importer::integerInputType(const ValueInfo &info,
                                           ArrayRef<int64_t> shape) {
  Location loc = NameLoc::get(StringAttr::get(context, info.name), fileLoc());
  if (info.elemType != kUInt8 && info.elemType != kInt8)
    return emitError(loc) << "input '" << info.name << "' has element type "
                          << dataTypeName(info.elemType)
                          << "; only float, uint8 and int8 inputs are "
                             "supported";
  std::optional<QuantParams> chosen;
  const Node *chooser = nullptr;
  // The input's codes reach their readers directly or through ops that only
  // move codes; those impose no grid of their own.
  static const llvm::StringSet<> moveCodes = {
      "MaxPool", "Transpose", "Reshape",  "Flatten",
      "Squeeze", "Unsqueeze", "Identity", "Dropout"};
  SmallVector<std::pair<std::string, bool>> worklist = {{info.name, false}};
  llvm::StringSet<> visited; // a cycle of code-moving ops ends here
  while (!worklist.empty()) {
    auto [value, moved] = worklist.pop_back_val();
    if (!visited.insert(value).second)
      continue;
    for (const Node &node : model.nodes) {
      for (auto [i, name] : llvm::enumerate(node.inputs)) {
        if (name != value)
          continue;
        if (i == 0 && moveCodes.contains(node.opType) &&
            !node.outputs.empty()) {
          worklist.push_back({node.outputs[0], true});
          continue;
        }
        FailureOr<QuantParams> p = QuantParams();
        StringRef op = node.opType;
        if ((op == "QLinearConv" || op == "QLinearMatMul") && i == 0)
          p = linearParams(*this, node, 1, 2, info.elemType, -1);
        else if (op == "QLinearMatMul" && i == 3)
          p = linearParams(*this, node, 4, 5, info.elemType, -1);
        else if (op == "DequantizeLinear" && i == 0) {
          p = qdqParams(node, shape);
          if (succeeded(p) && p->isSigned != (info.elemType == kInt8))
            return nodeError(node) << "zero point and input '" << info.name
                                   << "' differ in signedness";
        } else if ((op == "ConvInteger" || op == "MatMulInteger") && i < 2)
          p = linearParams(*this, node, -1, i + 2, info.elemType, -1);
        else {
          p->isSigned = info.elemType == kInt8;
          p->scales = {1.0};
          p->zeroPoints = {0};
        }
        if (failed(p))
          return failure();
        if (moved && p->axis >= 0)
          return nodeError(node) << "reads input '" << info.name
                                 << "' per axis after it was moved; per-axis "
                                    "grids are supported on the input itself";
        p->isSigned = info.elemType == kInt8;
        if (chosen &&
            (chosen->scales != p->scales ||
             chosen->zeroPoints != p->zeroPoints || chosen->axis != p->axis))
          return nodeError(node)
                 << "reads input '" << info.name
                 << "' with another scale or zero point than node '"
                 << nodeName(*chooser) << "'";
        chosen = *p;
        chooser = &node;
      }
    }
  }
  if (!chosen) {
    chosen.emplace();
    chosen->isSigned = info.elemType == kInt8;
    chosen->scales = {1.0};
    chosen->zeroPoints = {0};
  }
  auto emitErr = [&]() {
    return emitError(loc) << "input '" << info.name << "': ";
  };
  auto scales = DenseF64ArrayAttr::get(context, chosen->scales);
  if (failed(UniformType::verify(emitErr, 8, chosen->isSigned, chosen->axis,
                                 scales, chosen->zeroPoints)))
    return failure();
  return Type(UniformType::get(context, 8, chosen->isSigned, chosen->axis,
                               chosen->scales, chosen->zeroPoints));
}

/// A QuantizeLinear of a graph input used by an integer op: the model
/// boundary, mpq.quantize. The result replaces the pending entry.
LogicalResult Importer::quantizeAtBoundary(const Node &node,
                                           const std::string &name) {
  Entry &e = values.find(name)->second;
  const Entry &source = values.find(e.pendingSource)->second;
  if (source.host || !isa<BlockArgument>(source.value))
    return nodeError(node)
           << "input '" << name
           << "' quantizes a computed float tensor; only graph inputs can be "
              "quantized for integer ops (QDQ pairs become mpq.fake_quant)";
  const QuantParams &p = *e.pendingQuant;
  auto type = uniformFor(*this, node, p,
                         invert(source.perm)[std::max<int64_t>(p.axis, 0)]);
  if (failed(type))
    return failure();
  auto srcType = cast<RankedTensorType>(source.value.getType());
  Value q = QuantizeOp::create(builder, source.value.getLoc(),
                               srcType.clone(Type(*type)), source.value,
                               RoundingAttr::get(context, p.rounding));
  e = stored(q, source.perm);
  return success();
}

/// An operand that must hold integer codes.
static FailureOr<Entry> quantizedInput(Importer &im, const Node &node,
                                       size_t i) {
  auto x = im.dataInput(node, i);
  if (failed(x))
    return failure();
  if (!isQuantized(*x))
    return im.nodeError(node)
           << "input '" << node.inputs[i]
           << "' must be an integer tensor (a graph input or "
              "the result of an integer op), not "
           << (x->host ? "a constant" : "a float tensor");
  return x;
}

/// Checks that `x` holds codes of exactly the grid `p` describes.
LogicalResult Importer::requireGrid(const Node &node, size_t i, const Entry &x,
                                    const QuantParams &p) {
  UniformType have = uniformOf(x.value);
  auto want =
      uniformFor(*this, node, p, p.axis >= 0 ? invert(x.perm)[p.axis] : 0);
  if (failed(want))
    return failure();
  if (have != *want)
    return nodeError(node) << "input '" << node.inputs[i] << "' holds codes of "
                           << have << " but the node reads them as " << *want;
  return success();
}

static Value qconstant(Importer &im, const Tensor &t, UniformType type,
                       Location loc) {
  SmallVector<int32_t> codes(t.ints.begin(), t.ints.end());
  auto shape = RankedTensorType::get(t.shape, im.builder.getI32Type());
  return QConstantOp::create(im.builder, loc,
                             RankedTensorType::get(t.shape, type),
                             DenseElementsAttr::get(shape, ArrayRef(codes)));
}

/// Requantization of an int32 accumulator by real[c] = in * w[c] / out per
/// output channel, to `outType` (a 32-bit `outType` keeps the accumulator).
static FailureOr<Value> requantizeTo(Importer &im, const Node &node, Value acc,
                                     ArrayRef<double> real,
                                     ArrayRef<int32_t> bias,
                                     UniformType outType) {
  SmallVector<int32_t> multipliers, exponents;
  for (double r : real) {
    auto m = quantizeMultiplier(r);
    // Beyond N0 = 31 any nonzero accumulator leaves the output range; below
    // N0 = -32 the shift exceeds 63 and |acc * M0| < 2^63 rounds (to
    // nearest) to 0, which M0 = 0 gives exactly.
    if (!m || m->n0 > 31)
      return im.nodeError(node) << "the requantization factor " << r
                                << " is too large (more than 2^31)";
    if (m->n0 < -32)
      m = QuantizedMultiplier{};
    multipliers.push_back(m->m0);
    exponents.push_back(m->n0);
  }
  if (llvm::all_equal(multipliers) && llvm::all_equal(exponents)) {
    multipliers.resize(1);
    exponents.resize(1);
  }
  auto accType = cast<RankedTensorType>(acc.getType());
  return RequantizeOp::create(
             im.builder, im.nodeLoc(node), accType.clone(Type(outType)), acc,
             im.builder.getDenseI32ArrayAttr(multipliers),
             im.builder.getDenseI32ArrayAttr(exponents),
             bias.empty() ? nullptr : im.builder.getDenseI32ArrayAttr(bias),
             RoundingAttr::get(im.context, Rounding::half_to_even),
             /*clamp_min=*/nullptr, /*clamp_max=*/nullptr)
      .getResult();
}

/// The int32 accumulator kept as a result: ConvInteger and MatMulInteger.
static UniformType accumulatorType(Importer &im) {
  return UniformType::get(im.context, 32, /*isSigned=*/true, -1, {1.0}, {0});
}

/// The integer weight of `node` (input `i`), an initializer.
static FailureOr<const Tensor *> integerWeight(Importer &im, const Node &node,
                                               size_t i) {
  auto w = im.hostInput(node, i, "weight");
  if (failed(w))
    return failure();
  if ((*w)->dataType != kUInt8 && (*w)->dataType != kInt8)
    return im.nodeError(node)
           << "weight '" << node.inputs[i] << "' must be uint8 "
           << "or int8, got " << dataTypeName((*w)->dataType);
  return w;
}

/// The grids of a QLinear*/…Integer op's data operand (input 0, whose codes
/// must already be on it) and constant weight, per channel along
/// `weightAxis` when it has several scales or zero points.
static FailureOr<std::pair<QuantParams, QuantParams>>
operandGrids(Importer &im, const Node &node, bool qlinear, const Entry &x,
             const Tensor &w, int64_t weightAxis) {
  int xType = uniformOf(x.value).getIsSigned() ? kInt8 : kUInt8;
  // QLinear: x, x_scale, x_zp, w, w_scale, w_zp; Integer: x, w, x_zp, w_zp.
  auto xq = linearParams(im, node, qlinear ? 1 : -1, 2, xType, -1);
  auto wq = linearParams(im, node, qlinear ? 4 : -1, qlinear ? 5 : 3,
                         w.dataType, weightAxis);
  if (failed(xq) || failed(wq) || failed(im.requireGrid(node, 0, x, *xq)))
    return failure();
  return std::make_pair(*xq, *wq);
}

static LogicalResult integerConv(Importer &im, const Node &node, bool qlinear) {
  // QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B].
  // ConvInteger: x, w, [x_zp], [w_zp].
  size_t wIndex = qlinear ? 3 : 1;
  auto x = quantizedInput(im, node, 0);
  if (failed(x))
    return failure();
  if (x->shape.size() != 4)
    return im.nodeError(node)
           << "only 2-D spatial (rank-4 NCHW) inputs are "
              "supported, input '"
           << node.inputs[0] << "' has rank " << x->shape.size();
  auto w = integerWeight(im, node, wIndex);
  if (failed(w))
    return failure();
  const Tensor &wt = **w;
  if (wt.shape.size() != 4)
    return im.nodeError(node) << "the weight must have rank 4 (OIHW), got rank "
                              << wt.shape.size();
  auto grids = operandGrids(im, node, qlinear, *x, wt, /*weightAxis=*/0);
  if (failed(grids))
    return failure();
  QuantParams xq = grids->first, wq = grids->second;
  auto geometry = im.convGeometry(node, x->shape, wt.shape);
  if (failed(geometry))
    return failure();
  int64_t cout = wt.shape[0];
  if (wq.axis >= 0 && static_cast<int64_t>(wq.scales.size()) != cout)
    return im.nodeError(node)
           << "has " << wq.scales.size() << " weight scales for " << cout
           << " output channels";
  UniformType outType = accumulatorType(im);
  SmallVector<double> real(cout, 1.0);
  SmallVector<int32_t> bias;
  if (qlinear) {
    auto yq = qlinearOutput(im, node);
    if (failed(yq))
      return failure();
    outType = yq->second;
    for (int64_t c = 0; c < cout; ++c)
      real[c] =
          xq.scales[0] * wq.scales[wq.axis >= 0 ? c : 0] / yq->first.scales[0];
    if (im.hasInput(node, 8)) {
      auto b = im.hostInput(node, 8, "bias");
      if (failed(b))
        return failure();
      if ((*b)->dataType != kInt32 || (*b)->numElements() != cout)
        return im.nodeError(node)
               << "the bias must be " << cout << " int32 values";
      bias.assign((*b)->ints.begin(), (*b)->ints.end());
    }
  }
  Location loc = im.nodeLoc(node);
  auto wType = uniformFor(im, node, wq, 0);
  auto xs = im.materialize(*x, kToNHWC, loc);
  if (failed(wType) || failed(xs))
    return failure();
  Value weight = qconstant(im, transposeTensor(wt, kToNHWC), *wType, loc);
  Shape out = {x->shape[0], geometry->window.out[0], geometry->window.out[1],
               cout};
  Value acc = QConv2DOp::create(
      im.builder, loc, RankedTensorType::get(out, im.builder.getI32Type()), *xs,
      weight, im.builder.getDenseI64ArrayAttr(geometry->strides),
      im.builder.getDenseI64ArrayAttr(geometry->dilations),
      im.builder.getDenseI64ArrayAttr(geometry->window.pads),
      im.builder.getI64IntegerAttr(geometry->group));
  auto y = requantizeTo(im, node, acc, real, bias, outType);
  if (failed(y))
    return failure();
  im.define(node, im.stored(*y, kToNHWC));
  return success();
}

static LogicalResult importQLinearConv(Importer &im, const Node &node) {
  return integerConv(im, node, /*qlinear=*/true);
}

static LogicalResult importConvInteger(Importer &im, const Node &node) {
  return integerConv(im, node, /*qlinear=*/false);
}

static LogicalResult integerMatMul(Importer &im, const Node &node,
                                   bool qlinear) {
  // QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp.
  // MatMulInteger: A, B, [a_zp], [b_zp].
  size_t bIndex = qlinear ? 3 : 1;
  auto a = quantizedInput(im, node, 0);
  if (failed(a))
    return failure();
  auto b = integerWeight(im, node, bIndex);
  if (failed(b))
    return failure();
  const Tensor &bt = **b;
  int64_t rankA = a->shape.size(), rankB = bt.shape.size();
  if (rankA < 2 || rankB < 2 || rankB > 3 || (rankB == 3 && rankA != 3))
    return im.nodeError(node)
           << "supported: A of rank >= 2 times a matrix B, or "
              "batched [N, M, K] x [N, K, N'] with a constant "
              "B; got ranks "
           << rankA << " and " << rankB;
  int64_t k = a->shape[rankA - 1], n = bt.shape[rankB - 1];
  int64_t batch = rankB == 3 ? bt.shape[0] : 1;
  if (bt.shape[rankB - 2] != k || (rankB == 3 && a->shape[0] != batch))
    return im.nodeError(node) << "shapes do not match for a matrix product";
  auto grids = operandGrids(im, node, qlinear, *a, bt, /*weightAxis=*/1);
  if (failed(grids))
    return failure();
  QuantParams aq = grids->first, bq = grids->second;
  if (bq.axis >= 0 && static_cast<int64_t>(bq.scales.size()) != n)
    return im.nodeError(node) << "has " << bq.scales.size() << " scales for "
                              << n << " columns of B";
  UniformType outType = accumulatorType(im);
  // One output channel per (batch, column).
  SmallVector<double> real(batch * n, 1.0);
  if (qlinear) {
    auto yq = qlinearOutput(im, node);
    if (failed(yq))
      return failure();
    outType = yq->second;
    for (int64_t c = 0; c < batch * n; ++c)
      real[c] = aq.scales[0] * bq.scales[bq.axis >= 0 ? c % n : 0] /
                yq->first.scales[0];
  }
  // The weight, one row per output channel: W[g * n + j, kk] = B[g, kk, j].
  Tensor w;
  w.dataType = bt.dataType;
  w.shape = {batch * n, k};
  w.ints.resize(batch * n * k);
  for (int64_t g = 0; g < batch; ++g)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < n; ++j)
        w.ints[(g * n + j) * k + kk] = bt.ints[(g * k + kk) * n + j];
  QuantParams wq = bq;
  if (wq.axis >= 0) {
    wq.axis = 0;
    SmallVector<double> scales;
    SmallVector<int64_t> zps;
    for (int64_t g = 0; g < batch; ++g)
      for (int64_t j = 0; j < n; ++j) {
        scales.push_back(bq.scales[j]);
        zps.push_back(bq.zeroPoints[j]);
      }
    wq.scales = scales;
    wq.zeroPoints = zps;
  }
  Location loc = im.nodeLoc(node);
  auto wType = uniformFor(im, node, wq, 0);
  if (failed(wType))
    return failure();
  if (rankB == 3)
    w.shape = {batch * n, 1, 1, k}; // OHWI of a 1x1 convolution
  Value weight = qconstant(im, w, *wType, loc);
  if (rankB == 2) {
    // Rows of A through a fully-connected layer.
    int64_t rows = product(ArrayRef<int64_t>(a->shape).drop_back());
    Value x = im.reshapeTo(*a, {rows, k}, loc);
    Value acc = QFullyConnectedOp::create(
        im.builder, loc,
        RankedTensorType::get({rows, n}, im.builder.getI32Type()), x, weight);
    auto y = requantizeTo(im, node, acc, real, {}, outType);
    if (failed(y))
      return failure();
    Shape shape(a->shape.begin(), a->shape.end());
    shape.back() = n;
    Value r =
        im.create<ReshapeOp>(loc, RankedTensorType::get(shape, outType), *y);
    im.define(node, im.stored(r, identityPerm(shape.size())));
    return success();
  }
  // Batched with a different B per batch: a grouped 1x1 convolution over
  // [1, 1, M, batch * K] with one group per batch.
  int64_t m = a->shape[1];
  auto am = im.materialize(*a, {1, 0, 2}, loc); // [M, batch, K]
  if (failed(am))
    return failure();
  Value x = im.create<ReshapeOp>(
      loc, RankedTensorType::get({1, 1, m, batch * k}, uniformOf(a->value)),
      *am);
  Value acc = QConv2DOp::create(
      im.builder, loc,
      RankedTensorType::get({1, 1, m, batch * n}, im.builder.getI32Type()), x,
      weight, im.builder.getDenseI64ArrayAttr({1, 1}),
      im.builder.getDenseI64ArrayAttr({1, 1}),
      im.builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
      im.builder.getI64IntegerAttr(batch));
  auto y = requantizeTo(im, node, acc, real, {}, outType);
  if (failed(y))
    return failure();
  Value r = im.create<ReshapeOp>(
      loc, RankedTensorType::get({m, batch, n}, outType), *y);
  im.define(node, im.stored(r, {1, 0, 2})); // stored [M, batch, N]
  return success();
}

static LogicalResult importQLinearMatMul(Importer &im, const Node &node) {
  return integerMatMul(im, node, /*qlinear=*/true);
}

static LogicalResult importMatMulInteger(Importer &im, const Node &node) {
  return integerMatMul(im, node, /*qlinear=*/false);
}

/// Add of two integer tensors: mpq.qadd, rescaling each to the output grid.
/// Raw integer tensors (scale 1) saturate where ONNX wraps around.
LogicalResult mlir::mpq::onnx_import::importIntegerAdd(Importer &im,
                                                       const Node &node) {
  auto a = quantizedInput(im, node, 0);
  auto b = quantizedInput(im, node, 1);
  if (failed(a) || failed(b))
    return failure();
  if (a->shape != b->shape)
    return im.nodeError(node) << "integer Add needs inputs of one shape";
  UniformType ta = uniformOf(a->value), tb = uniformOf(b->value);
  if (ta.isPerAxis() || tb.isPerAxis() || ta.getIsSigned() != tb.getIsSigned())
    return im.nodeError(node) << "integer Add needs per-tensor inputs of one "
                                 "signedness";
  // ONNX adds the codes themselves: raw integers (scale 1, zero point 0)
  // in and out, each input multiplied by exactly 1.
  UniformType out =
      UniformType::get(im.context, 8, ta.getIsSigned(), -1, {1.0}, {0});
  if (ta != out || tb != out)
    return im.nodeError(node) << "integer Add is supported on raw integer "
                                 "tensors (scale 1, zero point 0), got "
                              << ta << " and " << tb;
  emitWarning(im.nodeLoc(node))
      << "Add '" << im.nodeName(node)
      << "': integer Add saturates to the type's range, where ONNX wraps "
         "around on overflow";
  auto one = quantizeMultiplier(1.0);
  auto ma = one, mb = one;
  Location loc = im.nodeLoc(node);
  auto bv = im.materialize(*b, a->perm, loc);
  if (failed(bv))
    return failure();
  Value y = QAddOp::create(
      im.builder, loc,
      cast<RankedTensorType>(a->value.getType()).clone(Type(out)), a->value,
      *bv, im.builder.getI32IntegerAttr(ma->m0),
      im.builder.getI32IntegerAttr(ma->n0),
      im.builder.getI32IntegerAttr(mb->m0),
      im.builder.getI32IntegerAttr(mb->n0),
      RoundingAttr::get(im.context, Rounding::half_to_even),
      /*clamp_min=*/nullptr, /*clamp_max=*/nullptr);
  im.define(node, im.stored(y, a->perm));
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerIntegerOps(OpTable &table) {
  table.add("QLinearConv", importQLinearConv, Inputs::IntegerAware);
  table.add("ConvInteger", importConvInteger, Inputs::IntegerAware);
  table.add("QLinearMatMul", importQLinearMatMul, Inputs::IntegerAware);
  table.add("MatMulInteger", importMatMulInteger, Inputs::IntegerAware);
}
