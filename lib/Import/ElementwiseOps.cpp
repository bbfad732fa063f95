//===- ElementwiseOps.cpp - Normalization, activations, arithmetic --------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// BatchNormalization, Relu, Clip, Add/Sub/Mul/Div (on constants: FoldOps.cpp),
// Softmax, the element-wise nonlinearities (Sigmoid, Tanh, HardSigmoid,
// HardSwish, LeakyRelu, PRelu with one slope), and Identity/Dropout.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

/// `t` with its shape given leading ones up to `rank`.
static Tensor withRank(Tensor t, size_t rank) {
  if (t.shape.size() < rank)
    t.shape.insert(t.shape.begin(), rank - t.shape.size(), 1);
  return t;
}

static LogicalResult importBatchNorm(Importer &im, const Node &node) {
  auto x = im.dataInput(node, 0);
  auto epsilon = im.floatAttr(node, "epsilon", 1e-5f);
  auto training = im.intAttr(node, "training_mode", 0);
  if (failed(x) || failed(epsilon) || failed(training))
    return failure();
  if (*training)
    return im.nodeError(node) << "training_mode = 1 is not supported";
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty())
      return im.nodeError(node) << "only the Y output is supported (inference)";
  if (x->host || x->shape.size() < 2)
    return im.nodeError(node)
           << "the input must be a computed tensor of rank >= 2";
  Location loc = im.nodeLoc(node);
  SmallVector<Value> operands = {x->value};
  for (size_t i = 1; i <= 4; ++i) {
    auto p = im.dataInput(node, i);
    if (failed(p))
      return failure();
    if (p->shape != Shape{x->shape[1]})
      return im.nodeError(node)
             << "input '" << node.inputs[i] << "' must be a vector of "
             << x->shape[1] << " elements";
    auto v = im.materialize(*p, {0}, loc);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  // Logical axis 1 (channels) sits at stored position perm^-1[1].
  int64_t rank = x->shape.size(), axis = invert(x->perm)[1];
  SmallVector<NamedAttribute> attrs = {
      im.builder.getNamedAttr("epsilon", im.builder.getF32FloatAttr(*epsilon))};
  if (axis != rank - 1)
    attrs.push_back(
        im.builder.getNamedAttr("axis", im.builder.getI64IntegerAttr(axis)));
  Value y = im.create<BatchNormOp>(loc, x->value.getType(), operands, attrs);
  im.define(node, im.stored(y, x->perm));
  return success();
}

static LogicalResult importRelu(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  if (failed(x))
    return failure();
  Value y = im.create<ReluOp>(im.nodeLoc(node), x->value.getType(), x->value);
  im.define(node, im.stored(y, x->perm));
  return success();
}

/// Defines `node` as x clamped to [lo, hi] (either bound may be absent):
/// mpq.relu for [0, inf), else mpq.clip.
static void defineClamp(Importer &im, const Node &node, const Entry &x,
                        std::optional<float> lo, std::optional<float> hi) {
  Location loc = im.nodeLoc(node);
  Value y;
  if (lo && *lo == 0.0f && !hi) {
    y = im.create<ReluOp>(loc, x.value.getType(), x.value);
  } else {
    float inf = std::numeric_limits<float>::infinity();
    y = im.create<ClipOp>(
        loc, x.value.getType(), x.value,
        {im.builder.getNamedAttr("min",
                                 im.builder.getF32FloatAttr(lo.value_or(-inf))),
         im.builder.getNamedAttr(
             "max", im.builder.getF32FloatAttr(hi.value_or(inf)))});
  }
  im.define(node, im.stored(y, x.perm));
}

static LogicalResult importClip(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  if (failed(x))
    return failure();
  std::optional<float> lo, hi;
  if (im.opset < 11) {
    auto it = node.attributes.find("min");
    if (it != node.attributes.end())
      lo = it->second.f;
    it = node.attributes.find("max");
    if (it != node.attributes.end())
      hi = it->second.f;
  } else {
    for (size_t i : {1, 2}) {
      if (!im.hasInput(node, i))
        continue;
      auto t = im.hostInput(node, i, i == 1 ? "min" : "max");
      if (failed(t))
        return failure();
      if ((*t)->numElements() != 1 || !(*t)->isFloat())
        return im.nodeError(node) << "min and max must be float scalars";
      (i == 1 ? lo : hi) = (*t)->floats[0];
    }
  }
  defineClamp(im, node, *x, lo, hi);
  return success();
}

/// Sigmoid, Tanh, HardSigmoid, HardSwish and LeakyRelu: one mpq op each,
/// with ONNX's attributes (a parameter must be a finite number; an
/// attribute the op does not define is refused rather than ignored).
static LogicalResult importElementwiseFunction(Importer &im, const Node &node) {
  StringRef op = node.opType;
  SmallVector<StringRef, 2> params;
  if (op == "HardSigmoid")
    params = {"alpha", "beta"};
  else if (op == "LeakyRelu")
    params = {"alpha"};
  for (const auto &attribute : node.attributes)
    if (!llvm::is_contained(params, attribute.first))
      return im.nodeError(node)
             << "unsupported attribute '" << attribute.first << "'"
             << (params.empty()
                     ? " (" + op.str() + " has none)"
                     : " (supported: " + llvm::join(params, ", ") + ")");
  auto x = im.activationInput(node, 0);
  if (failed(x))
    return failure();
  // ONNX's defaults: HardSigmoid alpha 0.2, beta 0.5; LeakyRelu alpha 0.01.
  SmallVector<NamedAttribute> attrs;
  for (StringRef name : params) {
    float fallback = name == "beta" ? 0.5f : op == "LeakyRelu" ? 0.01f : 0.2f;
    FailureOr<float> value = im.floatAttr(node, name, fallback);
    if (failed(value))
      return failure();
    if (!std::isfinite(*value))
      return im.nodeError(node)
             << "unsupported " << name << " = " << formatNumber(*value)
             << " (it must be a finite number)";
    attrs.push_back(
        im.builder.getNamedAttr(name, im.builder.getF32FloatAttr(*value)));
  }
  Location loc = im.nodeLoc(node);
  Type type = x->value.getType();
  Value y;
  if (op == "Sigmoid")
    y = im.create<SigmoidOp>(loc, type, x->value, attrs);
  else if (op == "Tanh")
    y = im.create<TanhOp>(loc, type, x->value, attrs);
  else if (op == "HardSigmoid")
    y = im.create<HardSigmoidOp>(loc, type, x->value, attrs);
  else if (op == "HardSwish")
    y = im.create<HardSwishOp>(loc, type, x->value, attrs);
  else
    y = im.create<LeakyReluOp>(loc, type, x->value, attrs);
  im.define(node, im.stored(y, x->perm));
  return success();
}

/// PRelu with one constant slope for the whole tensor is LeakyRelu with
/// alpha = slope; a slope per channel is mpq.prelu (a table per channel).
static LogicalResult importPRelu(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  if (failed(x))
    return failure();
  auto slope = im.hostInput(node, 1, "slope");
  if (failed(slope))
    return failure();
  const Tensor &k = **slope;
  if (!k.isFloat() || k.floats.empty())
    return im.nodeError(node) << "the slope must be a float constant";
  for (float v : k.floats)
    if (!std::isfinite(v))
      return im.nodeError(node) << "unsupported slope " << formatNumber(v)
                                << " (it must be a finite number)";
  float alpha = k.floats.front();
  if (llvm::any_of(k.floats, [&](float v) { return v != alpha; })) {
    // One slope per channel: broadcast to the input's rank, in its layout.
    size_t rank = x->shape.size();
    auto out = broadcastShapes(x->shape, k.shape);
    if (k.shape.size() > rank || !out || *out != x->shape)
      return im.nodeError(node) << "the slope must broadcast to the input";
    if (llvm::count_if(k.shape, [](int64_t d) { return d != 1; }) > 1)
      return im.nodeError(node) << "a slope that varies along more than one "
                                   "axis is not supported (one per channel "
                                   "is)";
    Location loc = im.nodeLoc(node);
    auto slopeValue = im.hostConstant(withRank(k, rank), x->perm, loc);
    if (failed(slopeValue))
      return failure();
    Value y = im.create<PReluOp>(loc, x->value.getType(),
                                 ValueRange{x->value, *slopeValue});
    im.define(node, im.stored(y, x->perm));
    return success();
  }
  Value y = im.create<LeakyReluOp>(
      im.nodeLoc(node), x->value.getType(), x->value,
      {im.builder.getNamedAttr("alpha", im.builder.getF32FloatAttr(alpha))});
  im.define(node, im.stored(y, x->perm));
  return success();
}

static LogicalResult importBinary(Importer &im, const Node &node);

/// Max or Min of an activation and a scalar constant: a clamp (a ReLU for
/// Max with 0), which the integer graph folds into the requantization
/// before it, as exporters write ReLU6 as Min(Max(x, 0), 6). Of two
/// activations: mpq.max / mpq.min with numpy broadcasting (importBinary).
static LogicalResult importMaxMin(Importer &im, const Node &node) {
  bool isMax = node.opType == "Max";
  if (node.inputs.size() != 2)
    return im.nodeError(node) << "is supported with two inputs (two "
                                 "activations, or an activation and a "
                                 "scalar constant), not "
                              << node.inputs.size();
  auto a = im.dataInput(node, 0);
  auto b = im.dataInput(node, 1);
  if (failed(a) || failed(b))
    return failure();
  const Entry *x = &*a, *k = &*b;
  if (x->host)
    std::swap(x, k);
  // Of two activations: mpq.max / mpq.min, broadcast as Add is.
  if (!k->host)
    return importBinary(im, node);
  if (k->host->numElements() != 1 || !k->host->isFloat())
    return im.nodeError(node) << "the constant must be one float (a clamp)";
  float c = k->host->floats[0];
  if (!std::isfinite(c))
    return im.nodeError(node) << "the constant " << c << " is not finite";
  // The result has the activation's shape (a scalar broadcasts).
  if (x->shape.empty())
    return im.nodeError(node) << "a scalar activation is not supported";
  if (isMax)
    defineClamp(im, node, *x, c, std::nullopt);
  else
    defineClamp(im, node, *x, std::nullopt, c);
  return success();
}

static LogicalResult importBinary(Importer &im, const Node &node) {
  // (importNode lets integer tensors reach only Add here.)
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (im.hasInput(node, i) && isQuantized(im.input(node, i)))
      return importIntegerAdd(im, node);
  auto a = im.dataInput(node, 0);
  auto b = im.dataInput(node, 1);
  if (failed(a) || failed(b))
    return failure();
  StringRef op = node.opType;
  auto outShape = broadcastShapes(a->shape, b->shape);
  if (!outShape)
    return im.nodeError(node) << "operand shapes do not broadcast";
  if (failed(im.checkShape(node, *outShape, "the output")))
    return failure();
  // (Both operands constant: FoldOps.cpp evaluates the node.)
  Location loc = im.nodeLoc(node);
  const Entry *lhs = &*a, *rhs = &*b;
  bool swapped = false;
  if (lhs->host) {
    std::swap(lhs, rhs);
    swapped = true;
  }
  if (op == "Div" && swapped)
    return im.nodeError(node) << "only division by a constant is supported";
  // Work in the layout of the computed operand; a constant operand is
  // broadcast to its rank and transposed on its data.
  size_t rank = outShape->size();
  Perm perm = lhs->shape.size() == rank ? lhs->perm : identityPerm(rank);
  Entry l = *lhs;
  if (lhs->shape.size() != rank) {
    Shape padded(rank - lhs->shape.size(), 1);
    padded.append(lhs->shape.begin(), lhs->shape.end());
    l = im.stored(im.reshapeTo(*lhs, padded, loc), identityPerm(rank));
  }
  FailureOr<Value> r;
  Value lhsValue = l.value;
  if (rhs->host) {
    Tensor k = *rhs->host;
    if (!k.isFloat())
      return im.nodeError(node)
             << "an integer constant operand is not supported";
    if (op == "Sub" && !swapped)
      for (float &v : k.floats)
        v = -v;
    if (op == "Div")
      for (float &v : k.floats)
        v = 1.0f / v;
    if (op == "Sub" && swapped) {
      // k - x = k + (-1) * x.
      auto m = im.hostConstant(scalarTensor(-1.0f), {}, loc);
      if (failed(m))
        return failure();
      lhsValue =
          im.create<MulOp>(loc, lhsValue.getType(), ValueRange{lhsValue, *m});
    }
    if (k.numElements() == 1) {
      k.shape.clear();
      r = im.hostConstant(k, {}, loc);
    } else {
      r = im.hostConstant(withRank(std::move(k), rank), perm, loc);
    }
  } else {
    if (rhs->shape.size() != rank) {
      Shape padded(rank - rhs->shape.size(), 1);
      padded.append(rhs->shape.begin(), rhs->shape.end());
      r = im.reshapeTo(*rhs, padded, loc);
      Entry e = im.stored(*r, identityPerm(rank));
      r = im.materialize(e, perm, loc);
    } else {
      r = im.materialize(*rhs, perm, loc);
    }
    if (succeeded(r) && op == "Div")
      return im.nodeError(node) << "only division by a constant is supported";
    if (succeeded(r) && op == "Sub") {
      auto m = im.hostConstant(scalarTensor(-1.0f), {}, loc);
      if (failed(m))
        return failure();
      r = im.create<MulOp>(loc, r->getType(), ValueRange{*r, *m});
    }
  }
  if (failed(r))
    return failure();
  Shape storedShape = permuteShape(*outShape, perm);
  Value y;
  if (op == "Mul" || op == "Div")
    y = im.create<MulOp>(loc, im.f32(storedShape), ValueRange{lhsValue, *r});
  else if (op == "Max")
    y = im.create<MaxOp>(loc, im.f32(storedShape), ValueRange{lhsValue, *r});
  else if (op == "Min")
    y = im.create<MinOp>(loc, im.f32(storedShape), ValueRange{lhsValue, *r});
  else
    y = im.create<AddOp>(loc, im.f32(storedShape), ValueRange{lhsValue, *r});
  im.define(node, im.stored(y, perm));
  return success();
}

static LogicalResult importSoftmax(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = x->shape.size();
  auto axisAttr = im.intAttr(node, "axis", im.opset < 13 ? 1 : -1);
  if (failed(axisAttr))
    return failure();
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  // Before opset 13 Softmax normalizes over all axes from `axis` on.
  if (im.opset < 13 &&
      product(ArrayRef<int64_t>(x->shape).drop_front(*axis + 1)) != 1)
    return im.nodeError(node) << "Softmax before opset 13 over several axes is "
                                 "not supported";
  int64_t storedAxis = invert(x->perm)[*axis];
  Value y = im.create<SoftmaxOp>(
      im.nodeLoc(node), x->value.getType(), x->value,
      {im.builder.getNamedAttr("axis",
                               im.builder.getI64IntegerAttr(storedAxis))});
  im.define(node, im.stored(y, x->perm));
  return success();
}

/// LayerNormalization over the last axis (axis = -1), and the subgraph
/// torch writes for it below opset 17 (fused by fuseExporterPatterns, with
/// an absent scale or bias meaning ones or zeros).
static LogicalResult importLayerNorm(Importer &im, const Node &node) {
  auto x = im.activationInput(node, 0);
  auto axisAttr = im.intAttr(node, "axis", -1);
  auto epsilon = im.floatAttr(node, "epsilon", 1e-5f);
  if (failed(x) || failed(axisAttr) || failed(epsilon))
    return failure();
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty())
      return im.nodeError(node) << "only the Y output is supported (the Mean "
                                   "and InvStdDev outputs are for training)";
  int64_t rank = x->shape.size();
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  if (*axis != rank - 1 && node.attributes.count(kFusedSingleAxis))
    return im.nodeError(node)
           << "the LayerNorm subgraph normalizes over axis " << *axis
           << " of a rank-" << rank
           << " tensor; only a normalization over the last axis is supported";
  if (*axis != rank - 1)
    return im.nodeError(node)
           << "normalizing over axes " << *axis << ".." << rank - 1
           << " is not supported: only over the last axis "
              "(axis = -1)";
  if (!(*epsilon >= 0.0f) || std::isinf(*epsilon))
    return im.nodeError(node) << "epsilon must be finite and non-negative";
  const int64_t features = x->shape.back();
  Location loc = im.nodeLoc(node);
  // The features last in the stored layout too.
  Perm perm = x->perm;
  if (perm.back() != rank - 1)
    perm = identityPerm(rank);
  auto input = im.materialize(*x, perm, loc);
  if (failed(input))
    return failure();
  SmallVector<Value> operands = {*input};
  for (size_t i = 1; i <= 2; ++i) {
    Tensor fill;
    std::shared_ptr<const Tensor> param;
    if (im.hasInput(node, i)) {
      auto host = im.hostInput(node, i, i == 1 ? "the scale" : "the bias");
      if (failed(host))
        return failure();
      if ((*host)->shape != std::vector<int64_t>{features} &&
          !((*host)->shape.size() > 1 && product((*host)->shape) == features &&
            (*host)->shape.back() == features))
        return im.nodeError(node)
               << (i == 1 ? "the scale" : "the bias") << " must be a vector of "
               << features << " elements (the last axis), got "
               << shapeString((*host)->shape);
      fill = **host;
      fill.shape = {features};
    } else {
      fill.dataType = kFloat;
      fill.shape = {features};
      fill.floats.assign(features, i == 1 ? 1.0f : 0.0f);
    }
    auto v = im.hostConstant(fill, {0}, loc);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  Value y = im.create<LayerNormOp>(
      loc, (*input).getType(), operands,
      {im.builder.getNamedAttr("epsilon",
                               im.builder.getF32FloatAttr(*epsilon))});
  im.define(node, im.stored(y, perm));
  return success();
}

static LogicalResult importIdentity(Importer &im, const Node &node) {
  if (node.opType == "Dropout") {
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty())
        return im.nodeError(node) << "the mask output is not supported "
                                     "(inference only)";
  }
  auto x = im.dataInput(node, 0);
  if (failed(x))
    return failure();
  im.define(node, *x);
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerElementwiseOps(OpTable &table) {
  table.add("BatchNormalization", importBatchNorm);
  table.add("Relu", importRelu);
  table.add("Clip", importClip);
  // Add of integer tensors is importIntegerAdd.
  table.add("Add", importBinary, Inputs::IntegerAware);
  table.add("Sub", importBinary);
  table.add("Mul", importBinary);
  table.add("Div", importBinary);
  table.add("Softmax", importSoftmax);
  table.add("LayerNormalization", importLayerNorm);
  for (StringRef op :
       {"Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu"})
    table.add(op, importElementwiseFunction);
  table.add("PRelu", importPRelu);
  table.add("Max", importMaxMin);
  table.add("Min", importMaxMin);
  table.add("Identity", importIdentity, Inputs::IntegerAware);
  table.add("Dropout", importIdentity, Inputs::IntegerAware);
}
