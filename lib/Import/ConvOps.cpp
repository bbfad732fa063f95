//===- ConvOps.cpp - Convolution and fully-connected layers ---------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Conv, Gemm and MatMul, and the window geometry that convolutions and
// pools share.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

FailureOr<Entry> Importer::requireNCHW(const Node &node, size_t i) {
  auto x = dataInput(node, i);
  if (failed(x))
    return failure();
  if (x->host)
    return nodeError(node) << "constant input '" << node.inputs[i]
                           << "' is not supported here";
  if (x->shape.size() != 4)
    return nodeError(node) << "only 2-D spatial (rank-4 NCHW) inputs are "
                              "supported, input '"
                           << node.inputs[i] << "' has rank "
                           << x->shape.size();
  return x;
}

FailureOr<Window> Importer::window(const Node &node, ArrayRef<int64_t> inHW,
                                   ArrayRef<int64_t> kernel,
                                   ArrayRef<int64_t> strides,
                                   ArrayRef<int64_t> dilations, bool ceilMode) {
  auto autoPad = stringAttr(node, "auto_pad", "NOTSET");
  auto pads = intsAttr(node, "pads", {0, 0, 0, 0});
  if (failed(autoPad) || failed(pads))
    return failure();
  if (*autoPad != "NOTSET" && *autoPad != "SAME_UPPER" &&
      *autoPad != "SAME_LOWER" && *autoPad != "VALID")
    return nodeError(node) << "unsupported auto_pad value '" << *autoPad
                           << "' (supported: NOTSET, SAME_UPPER, SAME_LOWER, "
                              "VALID)";
  if (pads->size() != 4)
    return nodeError(node) << "pads must have 4 values, got " << pads->size();
  for (int64_t i = 0; i < 2; ++i)
    if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1)
      return nodeError(node)
             << "kernel, strides and dilations must be positive";
  // Bounded, the window arithmetic below cannot overflow: products of two
  // such values and sums of a few fit in int64.
  constexpr int64_t kMaxWindow = int64_t(1) << 31;
  for (auto [name, values] : {std::make_pair("kernel_shape", kernel),
                              std::make_pair("strides", strides),
                              std::make_pair("dilations", dilations),
                              std::make_pair("pads", ArrayRef<int64_t>(*pads))})
    for (int64_t v : values)
      if (v > kMaxWindow)
        return nodeError(node) << "attribute '" << name << "' value " << v
                               << " is larger than " << kMaxWindow;
  Window w;
  SmallVector<int64_t> begin(2), end(2);
  for (int64_t i = 0; i < 2; ++i) {
    int64_t in = inHW[i], s = strides[i],
            eff = (kernel[i] - 1) * dilations[i] + 1;
    int64_t pb = (*pads)[i], pe = (*pads)[i + 2], out;
    if (*autoPad == "NOTSET") {
      if (pb < 0 || pe < 0)
        return nodeError(node) << "negative pads are not supported";
      int64_t span = in + pb + pe - eff;
      if (span < 0)
        return nodeError(node) << "the window is larger than the padded input";
      out = ceilMode ? (span + s - 1) / s + 1 : span / s + 1;
      // A last window starting in the end padding is dropped (as ONNX
      // Runtime and PyTorch do).
      if (ceilMode && (out - 1) * s >= in + pb)
        --out;
      pe += std::max<int64_t>(0, (out - 1) * s + eff - (in + pb + pe));
    } else if (*autoPad == "VALID") {
      if (in < eff)
        return nodeError(node) << "the window is larger than the input";
      pb = pe = 0;
      out = (in - eff) / s + 1;
    } else {
      out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + eff - in);
      pb = *autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    }
    begin[i] = pb;
    end[i] = pe;
    w.out.push_back(out);
  }
  w.pads = {begin[0], begin[1], end[0], end[1]};
  return w;
}

FailureOr<ConvGeometry> Importer::convGeometry(const Node &node,
                                               ArrayRef<int64_t> x,
                                               ArrayRef<int64_t> wShape) {
  auto group = intAttr(node, "group", 1);
  auto strides = intsAttr(node, "strides", {1, 1});
  auto dilations = intsAttr(node, "dilations", {1, 1});
  auto kernel = intsAttr(node, "kernel_shape", {wShape[2], wShape[3]});
  if (failed(group) || failed(strides) || failed(dilations) || failed(kernel))
    return failure();
  if (strides->size() != 2 || dilations->size() != 2 || kernel->size() != 2)
    return nodeError(node) << "strides, dilations and kernel_shape must have "
                              "2 values";
  if ((*kernel)[0] != wShape[2] || (*kernel)[1] != wShape[3])
    return nodeError(node) << "kernel_shape does not match the weight shape";
  int64_t cin = x[1], cout = wShape[0];
  if (*group > cin)
    return nodeError(node) << "group = " << *group << " exceeds the " << cin
                           << " input channels";
  if (*group < 1 || cin % *group || cout % *group || wShape[1] * *group != cin)
    return nodeError(node) << "group = " << *group
                           << " does not fit input channels " << cin
                           << " and weight shape [" << cout << ", " << wShape[1]
                           << ", ...]";
  auto w = window(node, {x[2], x[3]}, *kernel, *strides, *dilations,
                  /*ceilMode=*/false);
  if (failed(w))
    return failure();
  return ConvGeometry{*group, *strides, *dilations, *w};
}

static LogicalResult importConv(Importer &im, const Node &node) {
  auto x = im.requireNCHW(node, 0);
  auto wIn = im.dataInput(node, 1);
  if (failed(x) || failed(wIn))
    return failure();
  if (wIn->shape.size() != 4)
    return im.nodeError(node) << "the weight must have rank 4 (OIHW), got rank "
                              << wIn->shape.size();
  auto geometry = im.convGeometry(node, x->shape, wIn->shape);
  if (failed(geometry))
    return failure();
  int64_t cout = wIn->shape[0];
  Location loc = im.nodeLoc(node);
  auto xs = im.materialize(*x, kToNHWC, loc);
  auto ws = im.materialize(*wIn, kToNHWC, loc);
  if (failed(xs) || failed(ws))
    return failure();
  SmallVector<Value> operands = {*xs, *ws};
  if (im.hasInput(node, 2)) {
    const Entry &b = im.input(node, 2);
    if (b.shape.size() != 1 || b.shape[0] != cout)
      return im.nodeError(node)
             << "the bias must be a vector of " << cout << " elements";
    auto bs = im.materialize(b, {0}, loc);
    if (failed(bs))
      return failure();
    operands.push_back(*bs);
  }
  const Window &w = geometry->window;
  Shape out = {x->shape[0], w.out[0], w.out[1], cout};
  Value y = im.create<Conv2DOp>(
      loc, im.f32(out), operands,
      {im.namedI64Array("strides", geometry->strides),
       im.namedI64Array("dilations", geometry->dilations),
       im.namedI64Array("pads", w.pads),
       im.builder.getNamedAttr("groups",
                               im.builder.getI64IntegerAttr(geometry->group))});
  im.define(node, im.stored(y, kToNHWC));
  return success();
}

static Value fullyConnected(Importer &im, const Node &node, Value x, Value w,
                            Value bias, int64_t outFeatures) {
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<Value> operands = {x, w};
  if (bias)
    operands.push_back(bias);
  return im.create<FullyConnectedOp>(
      im.nodeLoc(node), im.f32({xType.getDimSize(0), outFeatures}), operands);
}

/// Whether `e` is a weight the importer can rewrite: a constant, possibly
/// behind a fake_quant.
static bool isWeight(const Entry &e) {
  if (e.host)
    return true;
  if (auto fq = e.value.getDefiningOp<FakeQuantOp>())
    return fq.getInput().getDefiningOp<arith::ConstantOp>() != nullptr;
  return false;
}

static LogicalResult importGemm(Importer &im, const Node &node) {
  auto a = im.dataInput(node, 0);
  auto b = im.dataInput(node, 1);
  auto alpha = im.floatAttr(node, "alpha", 1.0f);
  auto beta = im.floatAttr(node, "beta", 1.0f);
  auto transA = im.intAttr(node, "transA", 0);
  auto transB = im.intAttr(node, "transB", 0);
  if (failed(a) || failed(b) || failed(alpha) || failed(beta) ||
      failed(transA) || failed(transB))
    return failure();
  if (a->shape.size() != 2 || b->shape.size() != 2)
    return im.nodeError(node) << "A and B must be matrices";
  Location loc = im.nodeLoc(node);
  Perm aPerm = *transA ? Perm{1, 0} : Perm{0, 1};
  auto x = im.materialize(*a, aPerm, loc);
  if (failed(x))
    return failure();
  int64_t m = a->shape[aPerm[0]], k = a->shape[aPerm[1]];
  // fully_connected wants W as [N, K] = B^T.
  Perm wPerm = *transB ? Perm{0, 1} : Perm{1, 0};
  int64_t n = b->shape[wPerm[0]];
  if (b->shape[wPerm[1]] != k)
    return im.nodeError(node)
           << "inner dimensions differ: " << k << " vs " << b->shape[wPerm[1]];
  Value y;
  bool alphaDone = *alpha == 1.0f, cDone = !im.hasInput(node, 2);
  if (isWeight(*b)) {
    Entry wEntry = *b;
    if (!alphaDone && b->host && b->host->isFloat()) {
      Tensor scaled = *b->host;
      for (float &v : scaled.floats)
        v *= *alpha;
      wEntry.host = std::make_shared<const Tensor>(std::move(scaled));
      alphaDone = true;
    }
    auto w = im.materialize(wEntry, wPerm, loc);
    if (failed(w))
      return failure();
    Value bias;
    // A constant C of shape [N], [1, N] or a scalar with N = 1 is the bias.
    const Entry *c = cDone ? nullptr : &im.input(node, 2);
    if (c && alphaDone && c->host && c->host->isFloat() &&
        c->host->numElements() == n &&
        (c->shape.size() <= 1 || c->shape == Shape{1, n})) {
      Tensor cb = *c->host;
      for (float &v : cb.floats)
        v *= *beta;
      cb.shape = {n};
      auto bv = im.hostConstant(cb, {0}, loc);
      if (failed(bv))
        return failure();
      bias = *bv;
      cDone = true;
    } else if (c && alphaDone && *beta == 1.0f && !c->host &&
               c->shape == Shape{n} && isWeight(*c)) {
      // A bias quantized in the model (a QONNX Quant to its int32 grid).
      auto bv = im.materialize(*c, {0}, loc);
      if (failed(bv))
        return failure();
      bias = *bv;
      cDone = true;
    }
    y = fullyConnected(im, node, *x, *w, bias, n);
  } else {
    auto rhs = im.materialize(*b, *transB ? Perm{1, 0} : Perm{0, 1}, loc);
    if (failed(rhs))
      return failure();
    y = im.create<MatMulOp>(loc, im.f32({m, n}), ValueRange{*x, *rhs});
  }
  if (!alphaDone) {
    auto s = im.hostConstant(scalarTensor(*alpha), {}, loc);
    if (failed(s))
      return failure();
    y = im.create<MulOp>(loc, im.f32({m, n}), ValueRange{y, *s});
  }
  if (!cDone) {
    const Entry &c = im.input(node, 2);
    auto shape = broadcastShapes(c.shape, Shape{m, n});
    if (!shape || *shape != Shape{m, n})
      return im.nodeError(node)
             << "C does not broadcast to [" << m << ", " << n << "]";
    FailureOr<Value> cv;
    if (c.host && c.host->isFloat()) {
      Tensor cb = *c.host;
      for (float &v : cb.floats)
        v *= *beta;
      cv = im.hostConstant(cb, identityPerm(cb.shape.size()), loc);
    } else if (*beta != 1.0f) {
      return im.nodeError(node) << "beta != 1 needs a constant C";
    } else {
      cv = im.materialize(c, identityPerm(c.shape.size()), loc);
    }
    if (failed(cv))
      return failure();
    y = im.create<AddOp>(loc, im.f32({m, n}), ValueRange{y, *cv});
  }
  im.define(node, im.stored(y, {0, 1}));
  return success();
}

static LogicalResult importMatMul(Importer &im, const Node &node) {
  auto a = im.dataInput(node, 0);
  auto b = im.dataInput(node, 1);
  if (failed(a) || failed(b))
    return failure();
  if (a->shape.size() != 2 || b->shape.size() != 2)
    return im.nodeError(node) << "only 2-D MatMul is supported, got ranks "
                              << a->shape.size() << " and " << b->shape.size();
  if (a->shape[1] != b->shape[0])
    return im.nodeError(node) << "inner dimensions differ: " << a->shape[1]
                              << " vs " << b->shape[0];
  Location loc = im.nodeLoc(node);
  auto x = im.materialize(*a, {0, 1}, loc);
  if (failed(x))
    return failure();
  int64_t n = b->shape[1];
  Value y;
  if (isWeight(*b)) {
    auto w = im.materialize(*b, {1, 0}, loc);
    if (failed(w))
      return failure();
    y = fullyConnected(im, node, *x, *w, Value(), n);
  } else {
    auto rhs = im.materialize(*b, {0, 1}, loc);
    if (failed(rhs))
      return failure();
    y = im.create<MatMulOp>(loc, im.f32({a->shape[0], n}),
                            ValueRange{*x, *rhs});
  }
  im.define(node, im.stored(y, {0, 1}));
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerConvOps(OpTable &table) {
  table.add("Conv", importConv);
  table.add("Gemm", importGemm);
  table.add("MatMul", importMatMul);
}
