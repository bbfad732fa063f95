//===- QuantOps.cpp - QDQ pairs and QONNX Quant ---------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// QuantizeLinear/DequantizeLinear pairs, quantized weights and QONNX Quant
// become mpq.fake_quant; DequantizeLinear of integer codes dequantizes at
// the model boundary.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

/// Creates the fake_quant for `params` on `x` (in x's stored layout).
static LogicalResult fakeQuant(Importer &im, const Node &node, const Entry &x,
                               const QuantParams &params) {
  Location loc = im.nodeLoc(node);
  Value input;
  Perm perm;
  if (x.host) {
    auto v = im.hostConstant(*x.host, identityPerm(x.shape.size()), loc);
    if (failed(v))
      return failure();
    input = *v;
    perm = identityPerm(x.shape.size());
  } else {
    input = x.value;
    perm = x.perm;
  }
  int32_t axis = -1;
  if (params.axis >= 0) {
    axis = invert(perm)[params.axis];
    if (static_cast<int64_t>(params.scales.size()) != x.shape[params.axis])
      return im.nodeError(node)
             << "has " << params.scales.size() << " scales for axis "
             << params.axis << " of size " << x.shape[params.axis];
  }
  if (params.bits == 32) {
    // A bias on its int32 grid (s_x * s_w per channel, as QAT exports and
    // mpq's calibration snap it): the float values and their rounding.
    if (!x.host || !params.isSigned || params.narrow)
      return im.nodeError(node)
             << "a 32-bit quantization is supported on a constant only, "
                "signed and not narrow (a layer's bias on its int32 grid)";
  } else if (params.bits < 1 || params.bits > 8) {
    return im.nodeError(node) << "bit-width " << params.bits
                              << " is not supported (1..8, or 32 on a bias)";
  }
  if (params.narrow && !params.isSigned)
    return im.nodeError(node) << "narrow range with unsigned codes is not "
                                 "supported";
  auto scales = DenseF64ArrayAttr::get(im.context, params.scales);
  auto emitErr = [&]() { return im.nodeError(node); };
  if (failed(UniformType::verify(emitErr, params.bits, params.isSigned, axis,
                                 scales, params.zeroPoints)))
    return failure();
  auto quant = UniformType::get(im.context, params.bits, params.isSigned, axis,
                                params.scales, params.zeroPoints);
  SmallVector<NamedAttribute> attrs = {
      im.builder.getNamedAttr("quant", TypeAttr::get(quant)),
      im.builder.getNamedAttr("rounding",
                              RoundingAttr::get(im.context, params.rounding))};
  if (params.narrow)
    attrs.push_back(
        im.builder.getNamedAttr("narrow", im.builder.getUnitAttr()));
  Value y = im.create<FakeQuantOp>(loc, input.getType(), input, attrs);
  im.define(node, im.stored(y, perm));
  return success();
}

/// Scale and zero point of a QuantizeLinear/DequantizeLinear (inputs 1, 2),
/// for an input of shape `shape`.
FailureOr<QuantParams> Importer::qdqParams(const Node &node,
                                           ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  auto scale = hostInput(node, 1, "scale");
  if (failed(scale))
    return failure();
  const Tensor *zp = nullptr;
  if (hasInput(node, 2)) {
    auto z = hostInput(node, 2, "zero point");
    if (failed(z))
      return failure();
    zp = *z;
  }
  QuantParams p;
  int zpType = zp ? zp->dataType : kUInt8;
  // int32 only for DequantizeLinear of an int32 bias.
  if (zpType != kUInt8 && zpType != kInt8 &&
      !(zpType == kInt32 && node.opType == "DequantizeLinear"))
    return nodeError(node) << "zero point type " << dataTypeName(zpType)
                           << " is not supported (uint8 or int8)";
  p.isSigned = zpType != kUInt8;
  p.bits = 8;
  p.rounding = Rounding::half_to_even;
  const Tensor &s = **scale;
  if (!s.isFloat())
    return nodeError(node) << "the scale must be float";
  if (s.numElements() > 1 || s.shape.size() == 1) {
    auto axisAttr = intAttr(node, "axis", 1);
    if (failed(axisAttr))
      return failure();
    auto axis = normalizeAxis(node, *axisAttr, rank);
    if (failed(axis))
      return failure();
    p.axis = *axis;
  }
  if (s.numElements() == 0)
    return nodeError(node) << "scale '" << node.inputs[1] << "' is empty";
  // One scale is per tensor, axis or not, as ONNX Runtime reads it:
  // torch.onnx writes a per-tensor bias scale as [1] with axis 0 and a zero
  // point of one zero per channel. The zero points must then agree.
  if (s.numElements() == 1) {
    p.axis = -1;
    if (zp && zp->numElements() == 0)
      return nodeError(node)
             << "zero point '" << node.inputs[2] << "' is empty";
    if (zp && !llvm::all_equal(zp->ints))
      return nodeError(node)
             << "zero point '" << node.inputs[2] << "' has "
             << zp->numElements() << " different values for one scale";
  }
  if (p.axis >= 0 && s.numElements() != shape[p.axis])
    return nodeError(node) << "scale '" << node.inputs[1] << "' has "
                           << s.numElements() << " values for axis " << p.axis
                           << " of size " << shape[p.axis];
  for (float v : s.floats)
    p.scales.push_back(v);
  if (zp && p.axis < 0) {
    p.zeroPoints.assign(1, zp->ints[0]);
  } else if (zp) {
    if (zp->numElements() != s.numElements())
      return nodeError(node) << "scale and zero point sizes differ";
    p.zeroPoints.assign(zp->ints.begin(), zp->ints.end());
  } else {
    p.zeroPoints.assign(p.scales.size(), 0);
  }
  return p;
}

bool Importer::passesCodes(const Node &node) {
  if (!node.domain.empty() || node.inputs.size() != 1 ||
      node.outputs.size() != 1 ||
      (node.opType != "Cast" && node.opType != "Identity"))
    return false;
  auto it = values.find(node.inputs[0]);
  if (it == values.end() || !it->second.pendingQuant)
    return false;
  const QuantParams &q = *it->second.pendingQuant;
  if (node.opType == "Cast") {
    auto to = node.attributes.find("to");
    if (to == node.attributes.end() ||
        to->second.kind != onnx_import::Attribute::Int ||
        to->second.i != (q.isSigned ? kInt8 : kUInt8))
      return false;
  }
  define(node, it->second);
  return true;
}

static LogicalResult importQuantizeLinear(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  if (failed(x))
    return failure();
  auto params = im.qdqParams(node, x->shape);
  if (failed(params))
    return failure();
  Entry e;
  e.shape = x->shape;
  e.pendingQuant = std::make_shared<QuantParams>(*params);
  e.pendingSource = node.inputs[0];
  im.define(node, std::move(e));
  return success();
}

static LogicalResult importDequantizeLinear(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  if (failed(x))
    return failure();
  auto params = im.qdqParams(node, x->shape);
  if (failed(params))
    return failure();
  if (x->pendingQuant) {
    const QuantParams &q = *x->pendingQuant;
    if (q.scales != params->scales || q.zeroPoints != params->zeroPoints ||
        q.isSigned != params->isSigned || q.axis != params->axis)
      return im.nodeError(node)
             << "scale or zero point differ from those of "
                "its QuantizeLinear (a requantization is not "
                "supported)";
    return fakeQuant(im, node, im.values.find(x->pendingSource)->second,
                     *params);
  }
  if (isQuantized(*x)) {
    // Integer codes back to real values: the model boundary.
    if (failed(im.requireGrid(node, 0, *x, *params)))
      return failure();
    auto type = cast<RankedTensorType>(x->value.getType());
    Value y = DequantizeOp::create(im.builder, im.nodeLoc(node),
                                   im.f32(type.getShape()), x->value);
    im.define(node, im.stored(y, x->perm));
    return success();
  }
  if (!x->host || x->host->isFloat())
    return im.nodeError(node) << "input '" << node.inputs[0]
                              << "' must be an integer initializer or a "
                                 "QuantizeLinear output";
  // Quantized weights: the exact dequantized values, marked with their
  // quantization. An int32 bias has no stored width: its float values only.
  const Tensor &q = *x->host;
  Tensor deq;
  deq.dataType = kFloat;
  deq.shape = q.shape;
  int64_t n = q.numElements();
  deq.floats.resize(n);
  int64_t inner = 1, size = 1;
  if (params->axis >= 0) {
    size = q.shape[params->axis];
    inner = product(ArrayRef<int64_t>(q.shape).drop_front(params->axis + 1));
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = params->axis >= 0 ? (i / inner) % size : 0;
    deq.floats[i] = static_cast<float>(q.ints[i] - params->zeroPoints[c]) *
                    static_cast<float>(params->scales[c]);
  }
  if (q.dataType == kInt32) {
    im.defineHost(node, std::move(deq));
    return success();
  }
  if (q.dataType != kInt8 && q.dataType != kUInt8)
    return im.nodeError(node) << "quantized " << dataTypeName(q.dataType)
                              << " data is not supported (int8, uint8, int32)";
  params->isSigned = q.dataType == kInt8;
  Entry e;
  e.shape.assign(deq.shape.begin(), deq.shape.end());
  e.host = std::make_shared<const Tensor>(std::move(deq));
  return fakeQuant(im, node, e, *params);
}

static LogicalResult importQonnxQuant(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  auto scale = im.hostInput(node, 1, "scale");
  auto zp = im.hostInput(node, 2, "zero point");
  auto bitwidth = im.hostInput(node, 3, "bitwidth");
  auto isSigned = im.intAttr(node, "signed", 1);
  auto narrow = im.intAttr(node, "narrow", 0);
  auto rounding = im.stringAttr(node, "rounding_mode", "ROUND");
  if (failed(x) || failed(scale) || failed(zp) || failed(bitwidth) ||
      failed(isSigned) || failed(narrow) || failed(rounding))
    return failure();
  QuantParams p;
  if (*rounding == "ROUND")
    p.rounding = Rounding::half_to_even;
  else if (*rounding == "FLOOR")
    p.rounding = Rounding::floor;
  else
    return im.nodeError(node) << "unsupported rounding_mode '" << *rounding
                              << "' (supported: ROUND, FLOOR)";
  if ((*bitwidth)->numElements() != 1)
    return im.nodeError(node) << "bitwidth must be a scalar";
  double bits = elementAt(**bitwidth, 0);
  if (bits != std::floor(bits) || bits < 1 || (bits > 8 && bits != 32))
    return im.nodeError(node) << "bitwidth " << formatNumber(bits)
                              << " is not an integer in 1..8 (or 32 on a "
                                 "constant bias)";
  p.bits = static_cast<unsigned>(bits);
  p.isSigned = *isSigned != 0;
  p.narrow = *narrow != 0;
  // Per tensor, or per channel along the one axis where the scale (or zero
  // point) is not broadcast.
  int64_t rank = x->shape.size();
  for (const Tensor *t : {*scale, *zp}) {
    if (t->numElements() == 1)
      continue;
    if (t->shape.size() > static_cast<size_t>(rank))
      return im.nodeError(node) << "scale/zero point rank exceeds the input's";
    for (size_t i = 0; i < t->shape.size(); ++i) {
      if (t->shape[i] == 1)
        continue;
      int64_t axis = rank - t->shape.size() + i;
      if (p.axis >= 0 && p.axis != axis)
        return im.nodeError(node) << "scale and zero point vary along more "
                                     "than one axis";
      p.axis = axis;
    }
  }
  int64_t slices = p.axis >= 0 ? x->shape[p.axis] : 1;
  // One value, or one per slice of the axis: elementAt below reads them.
  for (size_t input : {1, 2}) {
    const Tensor *t = input == 1 ? *scale : *zp;
    if (t->numElements() == 1 || t->numElements() == slices)
      continue;
    auto diag = im.nodeError(node)
                << (input == 1 ? "scale" : "zero point") << " '"
                << node.inputs[input] << "' has " << t->numElements()
                << " values (shape " << shapeString(t->shape) << ") for ";
    if (p.axis >= 0)
      return diag << "axis " << p.axis << " of size " << slices;
    return diag << "the whole tensor";
  }
  for (int64_t c = 0; c < slices; ++c) {
    auto at = [&](const Tensor *t) {
      return elementAt(*t, t->numElements() == 1 ? 0 : c);
    };
    double z = at(*zp);
    if (z != std::floor(z) || !std::isfinite(z) || std::fabs(z) > 1e9)
      return im.nodeError(node)
             << "zero point " << formatNumber(z) << " is not an integer"
             << (std::isfinite(z) && z == std::floor(z) ? " in range" : "");
    p.scales.push_back(at(*scale));
    p.zeroPoints.push_back(static_cast<int64_t>(z));
  }
  return fakeQuant(im, node, *x, p);
}

//===----------------------------------------------------------------------===//
// QDQ export patterns
//===----------------------------------------------------------------------===//

/// Whether `fq` marks a computed tensor on a grid that holds 0 exactly: a
/// uniform grid whose zero points are codes (the type's verifier checks
/// they are in range; narrow may drop the one at the bottom).
static bool isActivationGridWithZero(FakeQuantOp fq) {
  auto grid = dyn_cast<UniformType>(fq.getQuant());
  return grid && !fq.getNarrow() && !fq.getMin() && !fq.getMax() &&
         !fq.getInput().getDefiningOp<arith::ConstantOp>();
}

/// A copy of `fq` on `input` (same grid, rounding and attributes).
static Value cloneFakeQuant(OpBuilder &b, FakeQuantOp fq, Value input) {
  return FakeQuantOp::create(b, fq.getLoc(), TypeRange{input.getType()},
                             ValueRange{input}, fq->getAttrs())
      .getResult();
}

void mlir::mpq::onnx_import::rewriteQdqPatterns(Block &body) {
  OpBuilder b(body.getParentOp()->getContext());
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    ops.push_back(&op);
  for (Operation *op : ops) {
    // relu(fq(x)) = fq(relu(x)): fq is monotone and maps 0 to 0, so both
    // are max(0, fq(x)). PyTorch writes DequantizeLinear -> Relu ->
    // QuantizeLinear for an unfused ReLU, and Relu between a QDQ pair and
    // the next Conv; with the ReLU inside, its input is fake-quantized as
    // the integer pipeline needs.
    if (auto relu = dyn_cast<ReluOp>(op)) {
      auto fq = relu.getInput().getDefiningOp<FakeQuantOp>();
      if (!fq || !isActivationGridWithZero(fq))
        continue;
      b.setInsertionPoint(relu);
      Value inner = ReluOp::create(b, relu.getLoc(), TypeRange{fq.getType()},
                                   ValueRange{fq.getInput()})
                        .getResult();
      relu.getResult().replaceAllUsesWith(cloneFakeQuant(b, fq, inner));
      relu->erase();
      if (fq->use_empty())
        fq->erase();
      continue;
    }
    auto fq = dyn_cast<FakeQuantOp>(op);
    if (!fq)
      continue;
    // fq(fq(x)) on one grid is fq(x) (the DequantizeLinear -> Relu ->
    // QuantizeLinear above, or two QDQ pairs in a row).
    if (auto inner = fq.getInput().getDefiningOp<FakeQuantOp>()) {
      if (inner->getAttrDictionary() == fq->getAttrDictionary()) {
        fq.getResult().replaceAllUsesWith(inner.getResult());
        fq->erase();
      }
      continue;
    }
    // fq(pad(x, 0)) = pad(fq(x), 0): a zero pad before the first
    // QuantizeLinear (a float op before the quantized region) moves inside
    // it, as fq(0) = 0.
    if (auto pad = fq.getInput().getDefiningOp<PadOp>()) {
      if (!isActivationGridWithZero(fq) || pad.getValue().convertToDouble())
        continue;
      b.setInsertionPoint(fq);
      Value inner = cloneFakeQuant(b, fq, pad.getInput());
      Value padded = PadOp::create(b, pad.getLoc(), TypeRange{pad.getType()},
                                   ValueRange{inner}, pad->getAttrs())
                         .getResult();
      fq.getResult().replaceAllUsesWith(padded);
      fq->erase();
      if (pad->use_empty())
        pad->erase();
    }
  }
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerQuantOps(OpTable &table) {
  table.add("QuantizeLinear", importQuantizeLinear);
  table.add("DequantizeLinear", importDequantizeLinear, Inputs::IntegerAware);
  // The dispatch has never checked Quant's input for integer tensors.
  table.add("Quant", importQonnxQuant, Inputs::IntegerAware, kQonnxDomain);
}
