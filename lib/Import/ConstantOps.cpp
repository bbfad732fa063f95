//===- ConstantOps.cpp - Constant subgraphs -------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Constant, Shape, Size, Gather, ConstantOfShape and Cast, folded at import
// into host tensors (shape subgraphs, constants). Shape and Size read the
// static shape of a computed tensor too. The other ops' evaluation on
// constants is in FoldOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

static LogicalResult importConstant(Importer &im, const Node &node) {
  if (node.attributes.size() != 1)
    return im.nodeError(node) << "needs exactly one value attribute";
  const auto &[name, attr] = *node.attributes.begin();
  Tensor t;
  if (name == "value" && attr.kind == onnx_import::Attribute::TensorKind) {
    t = attr.t;
  } else if (name == "value_float" &&
             attr.kind == onnx_import::Attribute::Float) {
    t.dataType = kFloat;
    t.floats = {attr.f};
  } else if (name == "value_floats" &&
             attr.kind == onnx_import::Attribute::Floats) {
    t.dataType = kFloat;
    t.floats = attr.floats;
    t.shape = {static_cast<int64_t>(attr.floats.size())};
  } else if (name == "value_int" && attr.kind == onnx_import::Attribute::Int) {
    t.dataType = kInt64;
    t.ints = {attr.i};
  } else if (name == "value_ints" &&
             attr.kind == onnx_import::Attribute::Ints) {
    t.dataType = kInt64;
    t.ints = attr.ints;
    t.shape = {static_cast<int64_t>(attr.ints.size())};
  } else {
    return im.nodeError(node) << "unsupported value attribute '" << name << "'";
  }
  im.defineHost(node, std::move(t));
  return success();
}

static LogicalResult importShape(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  auto start = im.intAttr(node, "start", 0);
  auto end = im.intAttr(node, "end", std::numeric_limits<int64_t>::max());
  if (failed(x) || failed(start) || failed(end))
    return failure();
  int64_t rank = x->shape.size();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  Tensor t;
  t.dataType = kInt64;
  for (int64_t i = clampIndex(*start); i < clampIndex(*end); ++i)
    t.ints.push_back(x->shape[i]);
  t.shape = {static_cast<int64_t>(t.ints.size())};
  im.defineHost(node, std::move(t));
  return success();
}

/// The element count of a tensor, constant or computed (its shape is
/// static).
static LogicalResult importSize(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  if (failed(x))
    return failure();
  Tensor t;
  t.dataType = kInt64;
  t.ints = {product(x->shape)};
  im.defineHost(node, std::move(t));
  return success();
}

static LogicalResult importGather(Importer &im, const Node &node) {
  if (failed(im.requireDefined(node, 0)))
    return failure();
  if (!im.input(node, 0).host)
    return importActivationGather(im, node);
  auto data = im.hostInput(node, 0, "data");
  auto indices = im.hostInput(node, 1, "indices");
  auto axisAttr = im.intAttr(node, "axis", 0);
  if (failed(data) || failed(indices) || failed(axisAttr))
    return failure();
  const Tensor &d = **data, &idx = **indices;
  int64_t rank = d.shape.size();
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  if (idx.isFloat())
    return im.nodeError(node)
           << "indices '" << node.inputs[1] << "' must be integers";
  int64_t outer = product(ArrayRef<int64_t>(d.shape).take_front(*axis));
  int64_t inner = product(ArrayRef<int64_t>(d.shape).drop_front(*axis + 1));
  int64_t size = d.shape[*axis];
  Tensor out;
  out.dataType = d.dataType;
  out.shape.assign(d.shape.begin(), d.shape.begin() + *axis);
  out.shape.insert(out.shape.end(), idx.shape.begin(), idx.shape.end());
  out.shape.insert(out.shape.end(), d.shape.begin() + *axis + 1, d.shape.end());
  if (failed(im.checkShape(node, out.shape, "the output")))
    return failure();
  // An empty result has nothing to gather, however large the data's other
  // dimensions.
  if (llvm::is_contained(out.shape, 0))
    outer = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i : idx.ints) {
      if (i < -size || i >= size)
        return im.nodeError(node) << "index " << i << " is out of range";
      int64_t at = (i < 0 ? i + size : i);
      int64_t base = (o * size + at) * inner;
      if (d.isFloat())
        out.floats.insert(out.floats.end(), d.floats.begin() + base,
                          d.floats.begin() + base + inner);
      else
        out.ints.insert(out.ints.end(), d.ints.begin() + base,
                        d.ints.begin() + base + inner);
    }
  }
  im.defineHost(node, std::move(out));
  return success();
}

static LogicalResult importConstantOfShape(Importer &im, const Node &node) {
  auto shapeT = im.hostInput(node, 0, "shape");
  if (failed(shapeT))
    return failure();
  Tensor out;
  out.dataType = kFloat;
  double fill = 0.0;
  auto it = node.attributes.find("value");
  if (it != node.attributes.end()) {
    if (it->second.kind != onnx_import::Attribute::TensorKind ||
        it->second.t.numElements() != 1)
      return im.nodeError(node) << "value must be a one-element tensor";
    out.dataType = it->second.t.dataType;
    fill = elementAt(it->second.t, 0);
  }
  if ((*shapeT)->isFloat())
    return im.nodeError(node)
           << "shape '" << node.inputs[0] << "' must hold integers";
  out.shape = (*shapeT)->ints;
  for (int64_t dim : out.shape)
    if (dim < 0)
      return im.nodeError(node) << "negative dimension " << dim;
  // Before allocating: the shape comes from the model's data.
  if (failed(im.checkShape(node, out.shape, "the output")))
    return failure();
  int64_t n = out.numElements();
  if (out.isFloat()) {
    out.floats.assign(n, static_cast<float>(fill));
  } else {
    if (!std::isfinite(fill))
      return im.nodeError(node) << "value " << fill << " is not an integer";
    out.ints.assign(n, static_cast<int64_t>(fill));
  }
  im.defineHost(node, std::move(out));
  return success();
}

static LogicalResult importCast(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  auto to = im.intAttr(node, "to", kUndefined);
  if (failed(x) || failed(to))
    return failure();
  bool toFloat = *to == kFloat || *to == kDouble;
  if (!x->host) {
    if (*to != kFloat)
      return im.nodeError(node) << "casting a computed tensor to "
                                << dataTypeName(*to) << " is not supported";
    im.define(node, *x);
    return success();
  }
  const Tensor &t = *x->host;
  Tensor out;
  out.dataType = *to;
  out.shape = t.shape;
  if (toFloat) {
    out.dataType = kFloat;
    for (int64_t i = 0, e = t.numElements(); i < e; ++i)
      out.floats.push_back(static_cast<float>(elementAt(t, i)));
  } else if (*to == kInt64 || *to == kInt32 || *to == kInt8 || *to == kUInt8 ||
             *to == kInt16 || *to == kUInt16 || *to == kBool) {
    for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
      double v = elementAt(t, i);
      // Beyond int64 (or NaN) the conversion would be undefined.
      if (*to != kBool && !(std::fabs(v) < 9.2e18))
        return im.nodeError(node) << "element " << i << " = " << v
                                  << " does not fit " << dataTypeName(*to);
      out.ints.push_back(*to == kBool ? v != 0.0
                                      : static_cast<int64_t>(std::trunc(v)));
    }
  } else {
    return im.nodeError(node)
           << "cast to " << dataTypeName(*to) << " is not supported";
  }
  im.defineHost(node, std::move(out));
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerConstantOps(OpTable &table) {
  table.add("Constant", importConstant);
  table.add("Shape", importShape);
  table.add("Size", importSize);
  table.add("Gather", importGather);
  table.add("ConstantOfShape", importConstantOfShape);
  table.add("Cast", importCast);
}
