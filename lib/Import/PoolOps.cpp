//===- PoolOps.cpp - Pooling layers ---------------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// MaxPool, AveragePool and GlobalAveragePool, and ReduceMean over two axes
// of a 4-D activation (a global average pool as Keras, tf2onnx and
// `x.mean((2, 3))` write it). (On constants, ReduceMean is folded:
// FoldOps.cpp.)
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

static LogicalResult importPool(Importer &im, const Node &node) {
  bool isMax = node.opType == "MaxPool";
  auto x = im.requireNCHW(node, 0);
  if (failed(x))
    return failure();
  auto kernel = im.intsAttr(node, "kernel_shape", {});
  auto strides = im.intsAttr(node, "strides", {1, 1});
  auto dilations = im.intsAttr(node, "dilations", {1, 1});
  auto ceilMode = im.intAttr(node, "ceil_mode", 0);
  auto storageOrder = im.intAttr(node, "storage_order", 0);
  auto includePad = im.intAttr(node, "count_include_pad", 0);
  if (failed(kernel) || failed(strides) || failed(dilations) ||
      failed(ceilMode) || failed(storageOrder) || failed(includePad))
    return failure();
  if (kernel->size() != 2 || strides->size() != 2 || dilations->size() != 2)
    return im.nodeError(node)
           << "kernel_shape, strides and dilations must have 2 "
              "values";
  if ((*dilations)[0] != 1 || (*dilations)[1] != 1)
    return im.nodeError(node) << "dilated pooling is not supported";
  if (*storageOrder != 0)
    return im.nodeError(node) << "storage_order = 1 is not supported";
  if (isMax && node.outputs.size() > 1 && !node.outputs[1].empty())
    return im.nodeError(node) << "the Indices output is not supported";
  auto w = im.window(node, {x->shape[2], x->shape[3]}, *kernel, *strides,
                     *dilations, *ceilMode != 0);
  if (failed(w))
    return failure();
  if (!isMax && *ceilMode) {
    // Extra end padding from ceil_mode would change an average's count.
    auto plain = im.window(node, {x->shape[2], x->shape[3]}, *kernel, *strides,
                           *dilations, false);
    if (failed(plain))
      return failure();
    if (plain->pads != w->pads)
      return im.nodeError(node)
             << "ceil_mode = 1 with a partial last window is "
                "not supported for AveragePool";
  }
  Location loc = im.nodeLoc(node);
  auto xs = im.materialize(*x, kToNHWC, loc);
  if (failed(xs))
    return failure();
  Shape out = {x->shape[0], w->out[0], w->out[1], x->shape[1]};
  SmallVector<NamedAttribute> attrs = {im.namedI64Array("kernel", *kernel),
                                       im.namedI64Array("strides", *strides),
                                       im.namedI64Array("pads", w->pads)};
  Value y;
  if (isMax) {
    // Codes and floats alike: the largest code is the largest value.
    y = im.create<MaxPool2DOp>(
        loc, cast<RankedTensorType>(xs->getType()).clone(out), *xs, attrs);
  } else {
    if (*includePad)
      attrs.push_back(im.builder.getNamedAttr("count_include_pad",
                                              im.builder.getUnitAttr()));
    y = im.create<AvgPool2DOp>(loc, im.f32(out), *xs, attrs);
  }
  im.define(node, im.stored(y, kToNHWC));
  return success();
}

static LogicalResult importGlobalAveragePool(Importer &im, const Node &node) {
  auto x = im.requireNCHW(node, 0);
  if (failed(x))
    return failure();
  Location loc = im.nodeLoc(node);
  auto xs = im.materialize(*x, kToNHWC, loc);
  if (failed(xs))
    return failure();
  Value y = im.create<GlobalAvgPoolOp>(
      loc, im.f32({x->shape[0], 1, 1, x->shape[1]}), *xs);
  im.define(node, im.stored(y, kToNHWC));
  return success();
}

static LogicalResult importReduceMean(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  auto keepDims = im.intAttr(node, "keepdims", 1);
  auto noopEmpty = im.intAttr(node, "noop_with_empty_axes", 0);
  // Axes: an attribute before opset 18, an input from it on.
  auto axes = im.opset < 18 ? im.intsAttr(node, "axes", {})
                            : im.intsFromInputOrAttr(node, 1, "axes");
  if (failed(x) || failed(keepDims) || failed(noopEmpty) || failed(axes))
    return failure();
  int64_t rank = x->shape.size();
  SmallVector<int64_t> reduced;
  for (int64_t a : *axes) {
    auto axis = im.normalizeAxis(node, a, rank);
    if (failed(axis))
      return failure();
    if (llvm::is_contained(reduced, *axis))
      return im.nodeError(node) << "axis " << a << " is repeated";
    reduced.push_back(*axis);
  }
  llvm::sort(reduced);
  if (rank != 4 || reduced.size() != 2 || reduced[0] == 0) {
    auto diag = im.nodeError(node)
                << "a mean of an activation is supported over two axes of a "
                   "4-D tensor other than the first (a global average pool), "
                   "not over axes [";
    llvm::interleaveComma(reduced, diag);
    return diag << "] of a rank-" << rank << " tensor";
  }
  // Stored [kept0, reduced0, reduced1, kept1]: the pool's N, H, W, C.
  Perm perm;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(reduced, d))
      perm.push_back(d);
  perm.insert(perm.begin() + 1, reduced.begin(), reduced.end());
  Location loc = im.nodeLoc(node);
  auto xs = im.materialize(*x, perm, loc);
  if (failed(xs))
    return failure();
  int64_t outer = x->shape[perm[0]], channels = x->shape[perm[3]];
  Value y =
      im.create<GlobalAvgPoolOp>(loc, im.f32({outer, 1, 1, channels}), *xs);
  if (*keepDims) {
    im.define(node, im.stored(y, perm));
  } else {
    // [outer, 1, 1, channels] and [outer, channels] are the same bytes.
    Value flat = im.create<ReshapeOp>(loc, im.f32({outer, channels}), y);
    im.define(node, im.stored(flat, {0, 1}));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerPoolOps(OpTable &table) {
  // Codes and floats alike: the largest code is the largest value.
  table.add("MaxPool", importPool, Inputs::IntegerAware);
  table.add("AveragePool", importPool);
  table.add("GlobalAveragePool", importGlobalAveragePool);
  table.add("ReduceMean", importReduceMean);
}
