//===- PoolOps.cpp - Pooling layers ---------------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// MaxPool, AveragePool and GlobalAveragePool.
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

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerPoolOps(OpTable &table) {
  // Codes and floats alike: the largest code is the largest value.
  table.add("MaxPool", importPool, Inputs::IntegerAware);
  table.add("AveragePool", importPool);
  table.add("GlobalAveragePool", importGlobalAveragePool);
}
