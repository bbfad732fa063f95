//===- ShapeOps.cpp - Shape and data movement -----------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Transpose (bookkeeping only), Reshape, Flatten, Squeeze, Unsqueeze, Pad,
// Concat, Slice, Split and nearest Resize (and the older Upsample) of
// activations. (On constants, Slice and Split are folded: FoldOps.cpp.)
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include <cmath>
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
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (failed(im.dataInput(node, i)))
      return failure();
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

/// A copy of the elements of `x` (an activation, stored with x.perm) that
/// `g` selects, in the same layout: one mpq.slice.
static FailureOr<Entry> sliceOf(Importer &im, const Node &node, const Entry &x,
                                const SliceGeometry &g, size_t output) {
  if (llvm::is_contained(g.shape, 0))
    return im.nodeError(node) << "output " << output
                              << " is empty: an empty activation is not "
                                 "supported";
  // Stored dim i is logical dim perm[i].
  Shape offsets, strides;
  for (int64_t p : x.perm) {
    offsets.push_back(g.begin[p]);
    strides.push_back(g.step[p]);
  }
  Value y = im.create<SliceOp>(im.nodeLoc(node),
                               cast<RankedTensorType>(x.value.getType())
                                   .clone(permuteShape(g.shape, x.perm)),
                               x.value,
                               {im.namedI64Array("offsets", offsets),
                                im.namedI64Array("strides", strides)});
  return im.stored(y, x.perm);
}

static LogicalResult defineSlice(Importer &im, const Node &node, const Entry &x,
                                 const SliceGeometry &g, size_t output) {
  FailureOr<Entry> y = sliceOf(im, node, x, g, output);
  if (failed(y))
    return failure();
  im.define(node, *y, output);
  return success();
}

LogicalResult mlir::mpq::onnx_import::importActivationGather(Importer &im,
                                                             const Node &node) {
  auto x = im.activationInput(node, 0);
  auto axisAttr = im.intAttr(node, "axis", 0);
  if (failed(x) || failed(axisAttr) || failed(im.requireDefined(node, 1)))
    return failure();
  const Entry &indices = im.input(node, 1);
  if (!indices.host)
    return im.nodeError(node) << "the indices must be a constant (a gather "
                                 "of an activation at computed indices is "
                                 "not supported)";
  const Tensor &idx = *indices.host;
  if (idx.isFloat())
    return im.nodeError(node) << "the indices must be integers";
  if (idx.shape.size() > 1)
    return im.nodeError(node)
           << "indices of rank " << idx.shape.size()
           << " are not supported (a scalar or a 1-D list is)";
  int64_t rank = x->shape.size();
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  int64_t size = x->shape[*axis];
  SmallVector<int64_t> at;
  for (int64_t i : idx.ints) {
    if (i < -size || i >= size)
      return im.nodeError(node) << "index " << i << " is out of range for axis "
                                << *axis << " of size " << size;
    at.push_back(i < 0 ? i + size : i);
  }
  if (at.empty())
    return im.nodeError(node)
           << "output 0 is empty: an empty activation is not supported";
  // One slice per run of indices with one step (a single slice for a
  // range, a reversal or every k-th), concatenated along the axis.
  Location loc = im.nodeLoc(node);
  SmallVector<Entry> parts;
  for (size_t start = 0; start < at.size();) {
    size_t end = start + 1;
    int64_t step = end < at.size() ? at[end] - at[start] : 1;
    if (step == 0)
      step = 1;
    else
      while (end < at.size() && at[end] - at[end - 1] == step)
        ++end;
    SliceGeometry g;
    g.begin.assign(rank, 0);
    g.step.assign(rank, 1);
    g.shape.assign(x->shape.begin(), x->shape.end());
    g.begin[*axis] = at[start];
    g.step[*axis] = step;
    g.shape[*axis] = static_cast<int64_t>(end - start);
    FailureOr<Entry> part = sliceOf(im, node, *x, g, 0);
    if (failed(part))
      return failure();
    parts.push_back(*part);
    start = end;
  }
  Entry y = parts.front();
  if (parts.size() > 1) {
    Shape shape(x->shape.begin(), x->shape.end());
    shape[*axis] = static_cast<int64_t>(at.size());
    SmallVector<Value> operands;
    for (const Entry &part : parts)
      operands.push_back(part.value); // All in x's layout.
    int64_t storedAxis = invert(x->perm)[*axis];
    Value joined = im.create<ConcatOp>(
        loc, im.f32(permuteShape(shape, x->perm)), operands,
        {im.builder.getNamedAttr("axis",
                                 im.builder.getI64IntegerAttr(storedAxis))});
    y = im.stored(joined, x->perm);
  }
  // A scalar index drops the axis.
  if (idx.shape.empty()) {
    Shape shape(y.shape.begin(), y.shape.end());
    shape.erase(shape.begin() + *axis);
    if (shape.empty())
      return im.nodeError(node) << "a scalar activation is not supported";
    y = im.stored(im.reshapeTo(y, shape, loc), identityPerm(shape.size()));
  }
  im.define(node, y);
  return success();
}

static LogicalResult importSlice(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  if (failed(x))
    return failure();
  auto g = resolveSlice(im, node, x->shape);
  if (failed(g))
    return failure();
  return defineSlice(im, node, *x, *g, 0);
}

/// Split of an activation: one mpq.slice per output.
static LogicalResult importSplit(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  auto axisAttr = im.intAttr(node, "axis", 0);
  if (failed(x) || failed(axisAttr))
    return failure();
  int64_t rank = x->shape.size();
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> sizes;
  if (im.opset >= 13 && im.hasInput(node, 1)) {
    auto s = im.intsFromInputOrAttr(node, 1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  } else if (im.opset < 13) {
    auto s = im.intsAttr(node, "split", {});
    if (failed(s))
      return failure();
    sizes = *s;
  }
  auto resolved = resolveSplit(im, node, x->shape[*axis], sizes);
  if (failed(resolved))
    return failure();
  SliceGeometry g;
  g.begin.assign(rank, 0);
  g.step.assign(rank, 1);
  g.shape.assign(x->shape.begin(), x->shape.end());
  for (auto [i, size] : llvm::enumerate(*resolved)) {
    g.shape[*axis] = size;
    if (failed(defineSlice(im, node, *x, g, i)))
      return failure();
    g.begin[*axis] += size;
  }
  return success();
}

/// ONNX's nearest-neighbour source index of output index `i` along an axis
/// of `in` input and `out` output elements, with `scale` the axis's scale
/// (out / in when sizes are given), or std::nullopt for a transformation mode
/// this importer does not map.
static std::optional<int64_t> nearestSource(int64_t i, int64_t in, int64_t out,
                                            double scale, StringRef transform,
                                            StringRef rounding) {
  double x = static_cast<double>(i);
  double src;
  if (transform == "half_pixel")
    src = (x + 0.5) / scale - 0.5;
  else if (transform == "pytorch_half_pixel")
    src = out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  else if (transform == "asymmetric")
    src = x / scale;
  else if (transform == "tf_half_pixel_for_nn")
    src = (x + 0.5) / scale;
  else if (transform == "align_corners")
    src = out == 1
              ? 0.0
              : x * static_cast<double>(in - 1) / static_cast<double>(out - 1);
  else
    return std::nullopt;
  double r;
  if (rounding == "floor")
    r = std::floor(src);
  else if (rounding == "ceil")
    r = std::ceil(src);
  else if (rounding == "round_prefer_ceil")
    r = std::floor(src + 0.5);
  else // round_prefer_floor
    r = std::ceil(src - 0.5);
  return std::clamp<int64_t>(static_cast<int64_t>(r), 0, in - 1);
}

/// Resize (and Upsample) in nearest mode by integer factors: each output
/// element along an axis of factor f is input element i floordiv f, which
/// the importer checks ONNX's index mapping gives for the node's
/// coordinate_transformation_mode and nearest_mode (it does for the modes
/// exporters write: asymmetric + floor from PyTorch, half_pixel +
/// round_prefer_floor by default).
/// Resize in linear mode: bilinear over the spatial axes of an NCHW tensor,
/// as mpq.resize_linear on NHWC.
static LogicalResult importResizeLinear(Importer &im, const Node &node,
                                        const Entry &x, ArrayRef<int64_t> out,
                                        StringRef transform) {
  if (!llvm::is_contained(
          {"half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"},
          transform))
    return im.nodeError(node)
           << "coordinate_transformation_mode '" << transform
           << "' is not supported in linear mode (half_pixel, "
              "pytorch_half_pixel, asymmetric and align_corners are)";
  if (x.shape.size() != 4 || out[0] != x.shape[0] || out[1] != x.shape[1])
    return im.nodeError(node)
           << "linear mode resizes the two spatial axes of an NCHW tensor "
              "only; got "
           << shapeString(std::vector<int64_t>(x.shape.begin(), x.shape.end()))
           << " -> "
           << shapeString(std::vector<int64_t>(out.begin(), out.end()));
  Perm nhwc(std::begin(kToNHWC), std::end(kToNHWC));
  Location loc = im.nodeLoc(node);
  auto input = im.materialize(x, nhwc, loc);
  if (failed(input))
    return failure();
  Value y = im.create<ResizeLinearOp>(
      loc,
      cast<RankedTensorType>((*input).getType()).clone(permuteShape(out, nhwc)),
      *input,
      {im.builder.getNamedAttr("coordinate_mode",
                               im.builder.getStringAttr(transform))});
  im.define(node, im.stored(y, nhwc));
  return success();
}

static LogicalResult importResize(Importer &im, const Node &node) {
  bool upsample = node.opType == "Upsample";
  auto x = im.activationInput(node, 0);
  auto mode = im.stringAttr(node, "mode", "nearest");
  auto transform =
      im.stringAttr(node, "coordinate_transformation_mode",
                    upsample || im.opset < 11 ? "asymmetric" : "half_pixel");
  auto rounding =
      im.stringAttr(node, "nearest_mode",
                    upsample || im.opset < 11 ? "floor" : "round_prefer_floor");
  auto antialias = im.intAttr(node, "antialias", 0);
  if (failed(x) || failed(mode) || failed(transform) || failed(rounding) ||
      failed(antialias))
    return failure();
  const bool linear = *mode == "linear";
  if (*mode != "nearest" && !linear)
    return im.nodeError(node) << "mode '" << *mode
                              << "' is not supported (nearest and linear are)";
  if (!llvm::is_contained(
          {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"},
          *rounding))
    return im.nodeError(node)
           << "nearest_mode '" << *rounding << "' is not an ONNX nearest mode";
  if (*antialias != 0)
    return im.nodeError(node) << "antialias is not supported";
  if (node.attributes.count("axes"))
    return im.nodeError(node) << "the axes attribute is not supported";
  int64_t rank = x->shape.size();
  // Scales: Upsample's attribute (opset 7) or input 1, Resize's input 1
  // (opset 10) or 2; sizes: Resize's input 3.
  SmallVector<double> scales;
  SmallVector<int64_t> sizes;
  size_t scalesInput = upsample || im.opset < 11 ? 1 : 2;
  if (upsample && im.opset < 9) {
    auto it = node.attributes.find("scales");
    if (it == node.attributes.end())
      return im.nodeError(node) << "missing attribute 'scales'";
    scales.assign(it->second.floats.begin(), it->second.floats.end());
  } else if (im.hasInput(node, scalesInput) &&
             im.input(node, scalesInput).shape != Shape{0}) {
    auto t = im.hostInput(node, scalesInput, "scales");
    if (failed(t))
      return failure();
    if (!(*t)->isFloat())
      return im.nodeError(node) << "scales must be floats";
    scales.assign((*t)->floats.begin(), (*t)->floats.end());
  } else if (!upsample && im.hasInput(node, 3)) {
    auto s = im.intsFromInputOrAttr(node, 3, "sizes");
    if (failed(s))
      return failure();
    sizes = *s;
  } else {
    return im.nodeError(node) << "needs scales or sizes";
  }
  if (!scales.empty() && static_cast<int64_t>(scales.size()) != rank)
    return im.nodeError(node)
           << "has " << scales.size() << " scales for rank " << rank;
  if (!sizes.empty() && static_cast<int64_t>(sizes.size()) != rank)
    return im.nodeError(node)
           << "has " << sizes.size() << " sizes for rank " << rank;
  Shape outShape, factors;
  SmallVector<double> scaleOf;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = x->shape[d];
    if (in == 0)
      return im.nodeError(node) << "axis " << d << " of the input is empty";
    double scale;
    int64_t out;
    if (!scales.empty()) {
      scale = scales[d];
      if (!(scale > 0.0) || !std::isfinite(scale) || scale * in > 1e12)
        return im.nodeError(node) << "scale " << scale << " on axis " << d
                                  << " is not a positive size factor";
      out = static_cast<int64_t>(std::floor(scale * static_cast<double>(in)));
    } else {
      out = sizes[d];
      if (out <= 0 || out > (int64_t{1} << 40))
        return im.nodeError(node)
               << "size " << out << " on axis " << d << " is not positive";
      scale = static_cast<double>(out) / static_cast<double>(in);
    }
    if (linear) {
      // Exact rational weights need the scale to be out / in.
      if (out > (int64_t{1} << 20) ||
          (!scales.empty() &&
           scale * static_cast<double>(in) != static_cast<double>(out)))
        return im.nodeError(node)
               << "scale " << scale << " on axis " << d << " maps " << in
               << " elements to " << out
               << ", not exactly: linear resizing needs out / in";
    } else if (out < in || out % in != 0 || out / in > (int64_t{1} << 16))
      return im.nodeError(node)
             << "axis " << d << " goes from " << in << " to " << out
             << " elements: only upsampling by an integer factor (up to "
                "65536) is supported";
    outShape.push_back(out);
    factors.push_back(out / in);
    scaleOf.push_back(scale);
  }
  // (Checked before the index maps are walked: each axis is then within
  // the element limit.)
  if (failed(im.checkShape(node, outShape, "the output")))
    return failure();
  if (linear)
    return importResizeLinear(im, node, *x, outShape, *transform);
  // The mapping ONNX defines must be i floordiv factor.
  for (int64_t d = 0; d < rank; ++d) {
    for (int64_t i = 0; i < outShape[d]; ++i) {
      std::optional<int64_t> src = nearestSource(
          i, x->shape[d], outShape[d], scaleOf[d], *transform, *rounding);
      if (!src)
        return im.nodeError(node) << "coordinate_transformation_mode '"
                                  << *transform << "' is not supported";
      if (*src != i / factors[d])
        return im.nodeError(node)
               << "with coordinate_transformation_mode '" << *transform
               << "' and nearest_mode '" << *rounding << "', output " << i
               << " on axis " << d << " reads input " << *src << ", not "
               << i / factors[d]
               << ": only nearest upsampling that repeats each input "
                  "element is supported";
    }
  }
  Value y = im.create<ResizeNearestOp>(
      im.nodeLoc(node),
      cast<RankedTensorType>(x->value.getType())
          .clone(permuteShape(outShape, x->perm)),
      x->value, {im.namedI64Array("factors", permuteShape(factors, x->perm))});
  im.define(node, im.stored(y, x->perm));
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
  table.add("Slice", importSlice, Inputs::IntegerAware);
  table.add("Split", importSplit, Inputs::IntegerAware);
  table.add("Resize", importResize, Inputs::IntegerAware);
  table.add("Upsample", importResize, Inputs::IntegerAware);
}
