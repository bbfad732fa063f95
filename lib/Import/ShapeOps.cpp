//===- ShapeOps.cpp - Shape and data movement -----------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Transpose (bookkeeping only), Reshape, Flatten, Squeeze, Unsqueeze, Pad
// and Concat.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include <string>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

static LogicalResult importTranspose(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = x->shape.size();
  Perm reversed;
  for (int64_t i = rank - 1; i >= 0; --i)
    reversed.push_back(i);
  auto perm = im.intsAttr(node, "perm", reversed);
  if (failed(perm))
    return failure();
  SmallVector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm->size()) != rank)
    return im.nodeError(node) << "perm must have " << rank << " entries";
  for (int64_t p : *perm) {
    if (p < 0 || p >= rank || seen[p])
      return im.nodeError(node) << "perm is not a permutation";
    seen[p] = true;
  }
  if (x->host) {
    im.defineHost(node, transposeTensor(*x->host, *perm));
    return success();
  }
  // Only the bookkeeping changes: new logical = transpose(old logical, t),
  // so stored dim i = new logical dim t^-1[perm[i]].
  Perm tInv = invert(*perm);
  Entry e = *x;
  for (int64_t &p : e.perm)
    p = tInv[p];
  e.shape = permuteShape(x->shape, *perm);
  im.define(node, std::move(e));
  return success();
}

/// Resolves ONNX Reshape's 0 (copy) and -1 (infer) entries.
static FailureOr<Shape> resolveReshape(ArrayRef<int64_t> in,
                                       ArrayRef<int64_t> spec, bool allowZero,
                                       std::string &error) {
  Shape out;
  int64_t known = 1, inferAt = -1;
  for (auto [i, entry] : llvm::enumerate(spec)) {
    int64_t d = entry;
    if (d == 0 && !allowZero) {
      if (i >= in.size()) {
        error = "a 0 entry has no input dimension to copy";
        return failure();
      }
      d = in[i];
    }
    if (d == -1) {
      if (inferAt >= 0) {
        error = "more than one -1 entry";
        return failure();
      }
      inferAt = i;
      out.push_back(1);
      continue;
    }
    if (d < 0) {
      error = "negative entry " + std::to_string(d);
      return failure();
    }
    if (__builtin_mul_overflow(known, d, &known)) {
      error = "the element count of the shape overflows int64";
      return failure();
    }
    out.push_back(d);
  }
  int64_t total = product(in);
  if (inferAt >= 0) {
    if (known == 0 || total % known) {
      error = "cannot infer the -1 entry";
      return failure();
    }
    out[inferAt] = total / known;
  } else if (known != total) {
    error = "element counts differ";
    return failure();
  }
  return out;
}

/// Defines `node`'s output as `x` reshaped to `shape` (on the data for
/// constants).
static Entry reshapedHost(const Tensor &t, ArrayRef<int64_t> shape) {
  Tensor r = t;
  r.shape.assign(shape.begin(), shape.end());
  Entry e;
  e.shape.assign(shape.begin(), shape.end());
  e.host = std::make_shared<const Tensor>(std::move(r));
  return e;
}

static LogicalResult importReshape(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  auto spec = im.intsFromInputOrAttr(node, 1, "shape");
  auto allowZero = im.intAttr(node, "allowzero", 0);
  if (failed(x) || failed(spec) || failed(allowZero))
    return failure();
  std::string error;
  auto shape = resolveReshape(x->shape, *spec, *allowZero, error);
  if (failed(shape))
    return im.nodeError(node) << "invalid shape: " << error;
  if (x->host)
    im.define(node, reshapedHost(*x->host, *shape));
  else
    im.define(node, im.stored(im.reshapeTo(*x, *shape, im.nodeLoc(node)),
                              identityPerm(shape->size())));
  return success();
}

static LogicalResult importFlatten(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  auto axisAttr = im.intAttr(node, "axis", 1);
  if (failed(x) || failed(axisAttr))
    return failure();
  int64_t rank = x->shape.size();
  auto axis = *axisAttr == rank ? FailureOr<int64_t>(rank)
                                : im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> dims(x->shape);
  Shape shape = {product(dims.take_front(*axis)),
                 product(dims.drop_front(*axis))};
  if (x->host)
    im.define(node, reshapedHost(*x->host, shape));
  else
    im.define(node,
              im.stored(im.reshapeTo(*x, shape, im.nodeLoc(node)), {0, 1}));
  return success();
}

static LogicalResult importSqueezeUnsqueeze(Importer &im, const Node &node) {
  bool squeeze = node.opType == "Squeeze";
  auto x = im.dataInput(node, 0);
  auto axes = im.intsFromInputOrAttr(node, 1, "axes");
  if (failed(x) || failed(axes))
    return failure();
  int64_t outRank = x->shape.size() + (squeeze ? 0 : axes->size());
  SmallVector<bool> marked(squeeze ? x->shape.size() : outRank, false);
  for (int64_t a : *axes) {
    auto axis = im.normalizeAxis(node, a, marked.size());
    if (failed(axis))
      return failure();
    marked[*axis] = true;
  }
  Shape shape;
  if (squeeze) {
    for (auto [i, d] : llvm::enumerate(x->shape)) {
      bool drop = axes->empty() ? d == 1 : marked[i];
      if (drop && d != 1)
        return im.nodeError(node)
               << "cannot squeeze dimension " << i << " of size " << d;
      if (!drop)
        shape.push_back(d);
    }
  } else {
    size_t next = 0;
    for (int64_t i = 0; i < outRank; ++i)
      shape.push_back(marked[i] ? 1 : x->shape[next++]);
  }
  if (x->host)
    im.define(node, reshapedHost(*x->host, shape));
  else
    im.define(node, im.stored(im.reshapeTo(*x, shape, im.nodeLoc(node)),
                              identityPerm(shape.size())));
  return success();
}

static LogicalResult importPad(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  auto mode = im.stringAttr(node, "mode", "constant");
  if (failed(x) || failed(mode))
    return failure();
  if (*mode != "constant")
    return im.nodeError(node)
           << "unsupported mode '" << *mode << "' (only constant)";
  FailureOr<SmallVector<int64_t>> pads =
      im.opset < 11 ? im.intsAttr(node, "pads", {})
                    : im.intsFromInputOrAttr(node, 1, "pads");
  if (failed(pads))
    return failure();
  int64_t rank = x->shape.size();
  if (static_cast<int64_t>(pads->size()) != 2 * rank)
    return im.nodeError(node) << "pads must have " << 2 * rank << " entries";
  double value = 0.0;
  if (im.opset < 11) {
    auto v = im.floatAttr(node, "value", 0.0f);
    if (failed(v))
      return failure();
    value = *v;
  } else if (im.hasInput(node, 2)) {
    auto t = im.hostInput(node, 2, "constant_value");
    if (failed(t))
      return failure();
    if ((*t)->numElements() != 1)
      return im.nodeError(node) << "constant_value must be a scalar";
    value = elementAt(**t, 0);
  }
  if (im.hasInput(node, 3))
    return im.nodeError(node) << "the axes input is not supported";
  SmallVector<int64_t> storedPads(2 * rank);
  Shape storedShape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t p = x->perm[i];
    if ((*pads)[p] < 0 || (*pads)[p + rank] < 0)
      return im.nodeError(node) << "negative pads (cropping) are not supported";
    storedPads[i] = (*pads)[p];
    storedPads[i + rank] = (*pads)[p + rank];
    int64_t padded;
    if (__builtin_add_overflow(x->shape[p], (*pads)[p], &padded) ||
        __builtin_add_overflow(padded, (*pads)[p + rank], &padded))
      return im.nodeError(node)
             << "pads " << (*pads)[p] << " and " << (*pads)[p + rank]
             << " on dimension " << p << " of size " << x->shape[p]
             << " overflow int64";
    storedShape.push_back(padded);
  }
  if (failed(im.checkShape(node, storedShape, "the padded output")))
    return failure();
  Value y = im.create<PadOp>(
      im.nodeLoc(node), im.f32(storedShape), x->value,
      {im.namedI64Array("pads", storedPads),
       im.builder.getNamedAttr("value", im.builder.getF64FloatAttr(value))});
  im.define(node, im.stored(y, x->perm));
  return success();
}

static LogicalResult importConcat(Importer &im, const Node &node) {
  auto axisAttr = im.intAttr(node, "axis", 0);
  if (failed(axisAttr) || node.inputs.empty())
    return im.nodeError(node) << "needs an axis and at least one input";
  const Entry &first = im.input(node, 0);
  int64_t rank = first.shape.size();
  if (rank == 0)
    return im.nodeError(node) << "input '" << node.inputs[0]
                              << "' has rank 0; scalars cannot be concatenated";
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  Shape shape = first.shape;
  shape[*axis] = 0;
  bool allHost = true;
  const Entry *layout = nullptr;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Entry &e = im.input(node, i);
    if (static_cast<int64_t>(e.shape.size()) != rank)
      return im.nodeError(node) << "inputs must all have rank " << rank;
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && e.shape[d] != first.shape[d])
        return im.nodeError(node) << "input shapes differ outside the axis";
    // Each input's shape was checked against the limit, so the sum of a
    // dimension over the inputs cannot overflow before the check below.
    if (__builtin_add_overflow(shape[*axis], e.shape[*axis], &shape[*axis]))
      return im.nodeError(node) << "the concatenated axis overflows int64";
    allHost &= static_cast<bool>(e.host);
    if (!e.host && !layout)
      layout = &e;
  }
  if (failed(im.checkShape(node, shape, "the output")))
    return failure();
  if (allHost) {
    Tensor out;
    out.dataType = first.host->dataType;
    out.shape.assign(shape.begin(), shape.end());
    // An empty result has nothing to copy, however large its other
    // dimensions (a 0 anywhere lets the limit pass [2^40, 0, ...]).
    int64_t outer = llvm::is_contained(shape, 0)
                        ? 0
                        : product(ArrayRef<int64_t>(shape).take_front(*axis));
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const Tensor &t = *im.input(node, i).host;
        if (t.isFloat() != out.isFloat())
          return im.nodeError(node) << "inputs mix float and integer types";
        int64_t inner = product(ArrayRef<int64_t>(t.shape).drop_front(*axis));
        if (out.isFloat())
          out.floats.insert(out.floats.end(), t.floats.begin() + o * inner,
                            t.floats.begin() + (o + 1) * inner);
        else
          out.ints.insert(out.ints.end(), t.ints.begin() + o * inner,
                          t.ints.begin() + (o + 1) * inner);
      }
    }
    im.defineHost(node, std::move(out));
    return success();
  }
  Location loc = im.nodeLoc(node);
  Perm perm = layout->perm;
  SmallVector<Value> operands;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    auto v = im.materialize(im.input(node, i), perm, loc);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  int64_t storedAxis = invert(perm)[*axis];
  Value y = im.create<ConcatOp>(
      loc, im.f32(permuteShape(shape, perm)), operands,
      {im.builder.getNamedAttr("axis",
                               im.builder.getI64IntegerAttr(storedAxis))});
  im.define(node, im.stored(y, perm));
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerShapeOps(OpTable &table) {
  table.add("Transpose", importTranspose, Inputs::IntegerAware);
  table.add("Reshape", importReshape, Inputs::IntegerAware);
  table.add("Flatten", importFlatten, Inputs::IntegerAware);
  table.add("Squeeze", importSqueezeUnsqueeze, Inputs::IntegerAware);
  table.add("Unsqueeze", importSqueezeUnsqueeze, Inputs::IntegerAware);
  table.add("Pad", importPad);
  table.add("Concat", importConcat);
}
