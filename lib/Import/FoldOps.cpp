//===- FoldOps.cpp - Import-time evaluation of constant nodes -------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The constant folder: a node whose inputs are all constants (initializers,
// Constant nodes, results of folded nodes, the Shape of a statically shaped
// tensor) is evaluated here, in ONNX's reference semantics on the host (float
// data in double precision rounded to float32, integer data in exact int64
// arithmetic with overflow checks), and its outputs become host constants
// (Entry::host). One fold function per op family, registered with
// OpTable::fold; Importer::importNode calls it instead of the op's handler
// when every input is constant. Ops with only a fold function (Range, Where,
// Equal, ...) are supported on constants only.
//
// The data is the model's and is hostile: every output shape is checked
// against the import's limit before it is allocated (Importer::checkShape),
// integer arithmetic that would overflow or divide by zero is an error naming
// the node, and float-to-integer conversions must be finite and in range.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

namespace {
using HostInputs = ArrayRef<const Tensor *>;
using Outputs = FailureOr<SmallVector<Tensor>>;
} // namespace

/// Whether `t` is an integer (or boolean) tensor.
static bool isInt(const Tensor &t) { return !t.isFloat(); }

/// An empty tensor of `dataType` and `shape`, its storage allocated; the
/// shape must have passed Importer::checkShape.
static Tensor makeTensor(int dataType, ArrayRef<int64_t> shape) {
  Tensor t;
  t.dataType = dataType == kDouble ? kFloat : dataType;
  t.shape.assign(shape.begin(), shape.end());
  if (t.isFloat())
    t.floats.reserve(product(shape));
  else
    t.ints.reserve(product(shape));
  return t;
}

/// A required input, or an error naming it.
static FailureOr<const Tensor *> need(Importer &im, const Node &node,
                                      HostInputs in, size_t i, StringRef what) {
  if (i < in.size() && in[i])
    return in[i];
  return im.nodeError(node) << "missing input " << i << " (" << what << ")";
}

/// The integers of input `i` (a shape, indices, axes), or an error.
static FailureOr<SmallVector<int64_t>> intsOf(Importer &im, const Node &node,
                                              HostInputs in, size_t i,
                                              StringRef what) {
  auto t = need(im, node, in, i, what);
  if (failed(t))
    return failure();
  if (!isInt(**t))
    return im.nodeError(node)
           << what << " '" << node.inputs[i] << "' must hold integers";
  return SmallVector<int64_t>((*t)->ints.begin(), (*t)->ints.end());
}

/// The single element of input `i` (a scalar or one-element tensor).
static FailureOr<const Tensor *> scalarOf(Importer &im, const Node &node,
                                          HostInputs in, size_t i,
                                          StringRef what) {
  auto t = need(im, node, in, i, what);
  if (failed(t))
    return failure();
  if ((*t)->numElements() != 1)
    return im.nodeError(node) << what << " '" << node.inputs[i]
                              << "' must have exactly one element";
  return t;
}

/// A float converted to an integer of an ONNX integer type, or std::nullopt
/// if it is not finite or out of int64 range.
static std::optional<int64_t> toInt64(double v) {
  if (!(std::fabs(v) < 9.2e18))
    return std::nullopt;
  return static_cast<int64_t>(v);
}

/// Calls `fn(offsets)` for every element of the broadcast `out` of `shapes`
/// (numpy rules, already checked), in row-major order; offsets[k] is the
/// element's flat index in input k. Stops at the first failure.
static LogicalResult
forEachBroadcast(ArrayRef<int64_t> out, ArrayRef<ArrayRef<int64_t>> shapes,
                 function_ref<LogicalResult(ArrayRef<int64_t>)> fn) {
  int64_t rank = out.size(), n = product(out);
  size_t k = shapes.size();
  // step[j][d]: how input j's offset moves when output dim d increments.
  SmallVector<Shape> step(k, Shape(rank, 0));
  for (size_t j = 0; j < k; ++j) {
    Shape strides = stridesOf(shapes[j]);
    int64_t lead = rank - shapes[j].size();
    for (size_t d = 0; d < shapes[j].size(); ++d)
      if (shapes[j][d] != 1)
        step[j][d + lead] = strides[d];
  }
  Shape index(rank, 0);
  SmallVector<int64_t> offsets(k, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    if (failed(fn(offsets)))
      return failure();
    for (int64_t d = rank - 1; d >= 0; --d) {
      for (size_t j = 0; j < k; ++j)
        offsets[j] += step[j][d];
      if (++index[d] < out[d])
        break;
      for (size_t j = 0; j < k; ++j)
        offsets[j] -= step[j][d] * out[d];
      index[d] = 0;
    }
  }
  return success();
}

/// The broadcast shape of all inputs, checked against the import's limit.
static FailureOr<Shape> broadcastAll(Importer &im, const Node &node,
                                     ArrayRef<const Tensor *> ts) {
  Shape out;
  for (const Tensor *t : ts) {
    auto b = broadcastShapes(out, t->shape);
    if (!b)
      return im.nodeError(node)
             << "input shapes "
             << shapeString(std::vector<int64_t>(out.begin(), out.end()))
             << " and " << shapeString(t->shape) << " do not broadcast";
    out = *b;
  }
  if (failed(im.checkShape(node, out, "the output")))
    return failure();
  return out;
}

//===----------------------------------------------------------------------===//
// Element-wise ops
//===----------------------------------------------------------------------===//

namespace {
/// An element-wise op on doubles (float data) and on int64 (integer data;
/// std::nullopt: overflow or undefined, an error).
struct ElementwiseOp {
  double (*onFloat)(ArrayRef<double>);
  std::optional<int64_t> (*onInt)(ArrayRef<int64_t>);
  /// Comparisons and logic produce bool.
  bool boolResult = false;
  /// Variadic (Min, Max, Sum, Mean) rather than exactly `arity` inputs.
  bool variadic = false;
  unsigned arity = 2;
};
} // namespace

static std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    return std::nullopt;
  return r;
}

static std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return std::nullopt;
  return r;
}

static std::optional<int64_t> intPow(int64_t base, int64_t exp) {
  if (exp < 0)
    return std::nullopt;
  int64_t r = 1;
  for (; exp > 0; --exp) {
    auto next = checkedMul(r, base);
    if (!next)
      return std::nullopt;
    r = *next;
    if (r == 0 || r == 1)
      break;
    if (r == -1 && base == -1) // (-1)^exp: the parity decides
      return exp % 2 ? -1 : 1;
  }
  return r;
}

/// numpy's and ONNX's integer Mod with fmod = 0: the sign of the divisor.
static std::optional<int64_t> intMod(int64_t a, int64_t b) {
  if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1))
    return std::nullopt;
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static const llvm::StringMap<ElementwiseOp> &elementwiseOps() {
  using V = ArrayRef<double>;
  using I = ArrayRef<int64_t>;
  using R = std::optional<int64_t>;
  static const llvm::StringMap<ElementwiseOp> ops = {
      {"Add",
       {[](V v) { return v[0] + v[1]; },
        [](I v) { return checkedAdd(v[0], v[1]); }}},
      {"Sub",
       {[](V v) { return v[0] - v[1]; },
        [](I v) -> R {
          int64_t r;
          if (__builtin_sub_overflow(v[0], v[1], &r))
            return std::nullopt;
          return r;
        }}},
      {"Mul",
       {[](V v) { return v[0] * v[1]; },
        [](I v) { return checkedMul(v[0], v[1]); }}},
      // Integer division truncates toward zero (C, ONNX Runtime).
      {"Div",
       {[](V v) { return v[0] / v[1]; },
        [](I v) -> R {
          if (v[1] == 0 ||
              (v[0] == std::numeric_limits<int64_t>::min() && v[1] == -1))
            return std::nullopt;
          return v[0] / v[1];
        }}},
      {"Pow",
       {[](V v) { return std::pow(v[0], v[1]); },
        [](I v) { return intPow(v[0], v[1]); }}},
      // Mod: the sign of the divisor (integers only); with fmod = 1, C's
      // fmod and %, the sign of the dividend (the key is not an op type).
      {"Mod", {nullptr, [](I v) { return intMod(v[0], v[1]); }}},
      {"Mod(fmod=1)",
       {[](V v) { return std::fmod(v[0], v[1]); },
        [](I v) -> R {
          if (v[1] == 0 ||
              (v[0] == std::numeric_limits<int64_t>::min() && v[1] == -1))
            return std::nullopt;
          return v[0] % v[1];
        }}},
      {"Min",
       {[](V v) { return *std::min_element(v.begin(), v.end()); },
        [](I v) -> R { return *std::min_element(v.begin(), v.end()); }, false,
        true}},
      {"Max",
       {[](V v) { return *std::max_element(v.begin(), v.end()); },
        [](I v) -> R { return *std::max_element(v.begin(), v.end()); }, false,
        true}},
      {"Sum",
       {[](V v) {
          double s = 0;
          for (double x : v)
            s += x;
          return s;
        },
        [](I v) -> R {
          R s = 0;
          for (int64_t x : v)
            if (!(s = checkedAdd(*s, x)))
              return std::nullopt;
          return s;
        },
        false, true}},
      {"Mean",
       {[](V v) {
          double s = 0;
          for (double x : v)
            s += x;
          return s / v.size();
        },
        nullptr, false, true}},
      {"Equal",
       {[](V v) { return double(v[0] == v[1]); },
        [](I v) -> R { return v[0] == v[1]; }, true}},
      {"Less",
       {[](V v) { return double(v[0] < v[1]); },
        [](I v) -> R { return v[0] < v[1]; }, true}},
      {"LessOrEqual",
       {[](V v) { return double(v[0] <= v[1]); },
        [](I v) -> R { return v[0] <= v[1]; }, true}},
      {"Greater",
       {[](V v) { return double(v[0] > v[1]); },
        [](I v) -> R { return v[0] > v[1]; }, true}},
      {"GreaterOrEqual",
       {[](V v) { return double(v[0] >= v[1]); },
        [](I v) -> R { return v[0] >= v[1]; }, true}},
      {"And", {nullptr, [](I v) -> R { return v[0] && v[1]; }, true}},
      {"Or", {nullptr, [](I v) -> R { return v[0] || v[1]; }, true}},
      {"Xor",
       {nullptr, [](I v) -> R { return bool(v[0]) != bool(v[1]); }, true}},
      {"Not", {nullptr, [](I v) -> R { return !v[0]; }, true, false, 1}},
      {"Neg",
       {[](V v) { return -v[0]; },
        [](I v) -> R {
          if (v[0] == std::numeric_limits<int64_t>::min())
            return std::nullopt;
          return -v[0];
        },
        false, false, 1}},
      {"Abs",
       {[](V v) { return std::fabs(v[0]); },
        [](I v) -> R {
          if (v[0] == std::numeric_limits<int64_t>::min())
            return std::nullopt;
          return v[0] < 0 ? -v[0] : v[0];
        },
        false, false, 1}},
      {"Sign",
       {[](V v) { return double((v[0] > 0) - (v[0] < 0)); },
        [](I v) -> R { return (v[0] > 0) - (v[0] < 0); }, false, false, 1}},
      {"Relu",
       {[](V v) { return v[0] > 0 ? v[0] : 0.0; },
        [](I v) -> R { return v[0] > 0 ? v[0] : 0; }, false, false, 1}},
      {"Sqrt", {[](V v) { return std::sqrt(v[0]); }, nullptr, false, false, 1}},
      {"Reciprocal",
       {[](V v) { return 1.0 / v[0]; }, nullptr, false, false, 1}},
      {"Exp", {[](V v) { return std::exp(v[0]); }, nullptr, false, false, 1}},
      {"Log", {[](V v) { return std::log(v[0]); }, nullptr, false, false, 1}},
      {"Floor",
       {[](V v) { return std::floor(v[0]); }, nullptr, false, false, 1}},
      {"Ceil", {[](V v) { return std::ceil(v[0]); }, nullptr, false, false, 1}},
      // Halves to even, as ONNX specifies.
      {"Round",
       {[](V v) { return std::nearbyint(v[0]); }, nullptr, false, false, 1}},
  };
  return ops;
}

static Outputs foldElementwise(Importer &im, const Node &node, HostInputs in) {
  std::string key = node.opType;
  if (key == "Mod") {
    auto fmod = im.intAttr(node, "fmod", 0);
    if (failed(fmod))
      return failure();
    if (*fmod)
      key = "Mod(fmod=1)";
  }
  const ElementwiseOp &op = elementwiseOps().find(key)->second;
  SmallVector<const Tensor *> ts;
  for (size_t i = 0; i < in.size(); ++i) {
    auto t = need(im, node, in, i, "operand");
    if (failed(t))
      return failure();
    ts.push_back(*t);
  }
  if (op.variadic ? ts.empty() : ts.size() != op.arity)
    return im.nodeError(node)
           << "needs " << (op.variadic ? "at least one" : Twine(op.arity).str())
           << " input" << (op.arity == 1 && !op.variadic ? "" : "s");
  // ONNX gives the operands one type; Pow's exponent may differ, and its
  // result has the base's type.
  bool isPow = node.opType == "Pow";
  for (const Tensor *t : ArrayRef(ts).drop_front())
    if (!isPow && t->isFloat() != ts[0]->isFloat())
      return im.nodeError(node) << "inputs mix float and integer types ("
                                << dataTypeName(ts[0]->dataType) << " and "
                                << dataTypeName(t->dataType) << ")";
  bool floatMath =
      llvm::any_of(ts, [](const Tensor *t) { return t->isFloat(); });
  if (floatMath ? !op.onFloat : !op.onInt)
    return im.nodeError(node)
           << "is not defined on " << dataTypeName(ts[0]->dataType) << " data";
  auto outShape = broadcastAll(im, node, ts);
  if (failed(outShape))
    return failure();
  SmallVector<ArrayRef<int64_t>> shapes;
  for (const Tensor *t : ts)
    shapes.push_back(t->shape);
  Tensor out = makeTensor(op.boolResult ? kBool : ts[0]->dataType, *outShape);
  SmallVector<double> dv(ts.size());
  SmallVector<int64_t> iv(ts.size());
  LogicalResult result = forEachBroadcast(
      *outShape, shapes, [&](ArrayRef<int64_t> offsets) -> LogicalResult {
        if (!floatMath) {
          for (size_t j = 0; j < ts.size(); ++j)
            iv[j] = ts[j]->ints[offsets[j]];
          std::optional<int64_t> r = op.onInt(iv);
          if (!r) {
            auto diag = im.nodeError(node);
            diag << "on the integers (";
            llvm::interleaveComma(iv, diag);
            diag << ") the result is undefined (division by zero) or "
                    "overflows int64";
            return failure();
          }
          out.ints.push_back(*r);
          return success();
        }
        for (size_t j = 0; j < ts.size(); ++j)
          dv[j] = elementAt(*ts[j], offsets[j]);
        double r = op.onFloat(dv);
        if (out.isFloat()) {
          out.floats.push_back(static_cast<float>(r));
        } else if (op.boolResult) {
          out.ints.push_back(r != 0.0);
        } else {
          // Pow of an integer base by a float exponent.
          std::optional<int64_t> i = toInt64(r);
          if (!i)
            return im.nodeError(node) << "result " << r << " does not fit "
                                      << dataTypeName(out.dataType);
          out.ints.push_back(*i);
        }
        return success();
      });
  if (failed(result))
    return failure();
  return SmallVector<Tensor>{std::move(out)};
}

static Outputs foldWhere(Importer &im, const Node &node, HostInputs in) {
  auto c = need(im, node, in, 0, "condition");
  auto x = need(im, node, in, 1, "X");
  auto y = need(im, node, in, 2, "Y");
  if (failed(c) || failed(x) || failed(y))
    return failure();
  if (!isInt(**c))
    return im.nodeError(node) << "the condition must be boolean";
  if ((*x)->isFloat() != (*y)->isFloat())
    return im.nodeError(node) << "X and Y mix float and integer types";
  SmallVector<const Tensor *> ts = {*c, *x, *y};
  auto outShape = broadcastAll(im, node, ts);
  if (failed(outShape))
    return failure();
  Tensor out = makeTensor((*x)->dataType, *outShape);
  (void)forEachBroadcast(*outShape, {(*c)->shape, (*x)->shape, (*y)->shape},
                         [&](ArrayRef<int64_t> o) {
                           const Tensor &from = (*c)->ints[o[0]] ? **x : **y;
                           int64_t at = (*c)->ints[o[0]] ? o[1] : o[2];
                           if (out.isFloat())
                             out.floats.push_back(from.floats[at]);
                           else
                             out.ints.push_back(from.ints[at]);
                           return success();
                         });
  return SmallVector<Tensor>{std::move(out)};
}

static Outputs foldClip(Importer &im, const Node &node, HostInputs in) {
  auto x = need(im, node, in, 0, "input");
  if (failed(x))
    return failure();
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  if (im.opset < 11) {
    auto min = im.floatAttr(node, "min", -std::numeric_limits<float>::max());
    auto max = im.floatAttr(node, "max", std::numeric_limits<float>::max());
    if (failed(min) || failed(max))
      return failure();
    lo = *min;
    hi = *max;
  } else {
    for (size_t i : {1, 2}) {
      if (i >= in.size() || !in[i])
        continue;
      auto t = scalarOf(im, node, in, i, i == 1 ? "min" : "max");
      if (failed(t))
        return failure();
      (i == 1 ? lo : hi) = elementAt(**t, 0);
    }
  }
  if (std::isnan(lo) || std::isnan(hi))
    return im.nodeError(node) << "min and max must not be NaN";
  Tensor out = makeTensor((*x)->dataType, (*x)->shape);
  for (int64_t i = 0, e = (*x)->numElements(); i < e; ++i) {
    if (out.isFloat()) {
      out.floats.push_back(static_cast<float>(
          std::min(std::max<double>((*x)->floats[i], lo), hi)));
      continue;
    }
    // A bound an integer is clamped to is above (below) that integer, so
    // within int64 range.
    int64_t v = (*x)->ints[i];
    if (v < lo)
      v = static_cast<int64_t>(std::ceil(lo));
    else if (v > hi)
      v = static_cast<int64_t>(std::floor(hi));
    out.ints.push_back(v);
  }
  return SmallVector<Tensor>{std::move(out)};
}

//===----------------------------------------------------------------------===//
// Generators and data movement
//===----------------------------------------------------------------------===//

static Outputs foldRange(Importer &im, const Node &node, HostInputs in) {
  auto start = scalarOf(im, node, in, 0, "start");
  auto limit = scalarOf(im, node, in, 1, "limit");
  auto delta = scalarOf(im, node, in, 2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  const Tensor &s = **start, &l = **limit, &d = **delta;
  if (s.isFloat() != l.isFloat() || s.isFloat() != d.isFloat())
    return im.nodeError(node) << "start, limit and delta mix float and "
                                 "integer types";
  // The count in long double: exact for int64 operands' differences.
  auto value = [](const Tensor &t) -> long double {
    return t.isFloat() ? static_cast<long double>(t.floats[0])
                       : static_cast<long double>(t.ints[0]);
  };
  long double first = value(s), last = value(l), step = value(d);
  if (step == 0 || !std::isfinite(first) || !std::isfinite(last) ||
      !std::isfinite(step))
    return im.nodeError(node)
           << "delta must be nonzero and start, limit, delta finite";
  long double count =
      std::max<long double>(std::ceil((last - first) / step), 0);
  if (count > static_cast<long double>(im.maxElements()))
    return im.nodeError(node)
           << "the output would have "
           << (count < 9e18L ? std::to_string(static_cast<int64_t>(count))
                             : std::string("more than 9e18"))
           << " elements, more than the limit of " << im.maxElements() << " ("
           << im.options.maxTensorBytes << " bytes of float32)";
  int64_t n = static_cast<int64_t>(count);
  Tensor out = makeTensor(s.dataType, {n});
  if (out.isFloat()) {
    for (int64_t i = 0; i < n; ++i)
      out.floats.push_back(
          static_cast<float>(double(s.floats[0]) + double(i) * d.floats[0]));
  } else {
    // Every value lies between start and limit: stepping cannot overflow,
    // and the step after the last value is not taken.
    for (int64_t i = 0, v = s.ints[0]; i < n; ++i) {
      out.ints.push_back(v);
      if (i + 1 < n)
        v += d.ints[0];
    }
  }
  return SmallVector<Tensor>{std::move(out)};
}

/// Copies `t`'s elements at `offsets` (flat indices) into a new tensor of
/// `shape`.
static Tensor
gatherElements(const Tensor &t, ArrayRef<int64_t> shape,
               function_ref<void(function_ref<void(int64_t)>)> forEachOffset) {
  Tensor out = makeTensor(t.dataType, shape);
  forEachOffset([&](int64_t at) {
    if (out.isFloat())
      out.floats.push_back(t.floats[at]);
    else
      out.ints.push_back(t.ints[at]);
  });
  return out;
}

/// Row-major walk over `shape`, calling `fn` with each element's offset in a
/// tensor whose dim d advances by `step[d]` from `base`.
static void walk(ArrayRef<int64_t> shape, ArrayRef<int64_t> step, int64_t base,
                 function_ref<void(int64_t)> fn) {
  int64_t rank = shape.size(), n = product(shape);
  Shape index(rank, 0);
  int64_t offset = base;
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(offset);
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += step[d];
      if (++index[d] < shape[d])
        break;
      offset -= step[d] * shape[d];
      index[d] = 0;
    }
  }
}

FailureOr<SliceGeometry>
mlir::mpq::onnx_import::resolveSlice(Importer &im, const Node &node,
                                     ArrayRef<int64_t> shape) {
  // Attributes before opset 10, constant inputs from it on.
  SmallVector<int64_t> starts, ends, axes, steps;
  if (im.opset < 10) {
    auto s = im.intsAttr(node, "starts", {});
    auto e = im.intsAttr(node, "ends", {});
    auto a = im.intsAttr(node, "axes", {});
    if (failed(s) || failed(e) || failed(a))
      return failure();
    starts = *s, ends = *e, axes = *a;
  } else {
    for (auto [i, name, values] :
         {std::make_tuple(1, "starts", &starts),
          std::make_tuple(2, "ends", &ends), std::make_tuple(3, "axes", &axes),
          std::make_tuple(4, "steps", &steps)}) {
      if (!im.hasInput(node, i)) {
        if (i <= 2)
          return im.nodeError(node)
                 << "missing input " << i << " (" << name << ")";
        continue;
      }
      auto v = im.intsFromInputOrAttr(node, i, name);
      if (failed(v))
        return failure();
      *values = std::move(*v);
    }
  }
  int64_t rank = shape.size();
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return im.nodeError(node)
           << "starts, ends, axes and steps must have the same length";
  SliceGeometry g;
  g.begin.assign(rank, 0);
  g.step.assign(rank, 1);
  g.shape.assign(shape.begin(), shape.end());
  SmallVector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    auto axis = im.normalizeAxis(node, axes[k], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return im.nodeError(node) << "axis " << axes[k] << " is repeated";
    seen[*axis] = true;
    int64_t dim = shape[*axis], step = steps[k];
    if (step == 0)
      return im.nodeError(node) << "step 0 on axis " << axes[k];
    // Negative indices count from the end; adding dim to a negative int64
    // cannot overflow.
    int64_t s = starts[k] < 0 ? starts[k] + dim : starts[k];
    int64_t e = ends[k] < 0 ? ends[k] + dim : ends[k];
    int64_t count;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      // step = INT64_MIN: one element at most.
      count = s > e ? (step == std::numeric_limits<int64_t>::min()
                           ? 1
                           : (s - e - step - 1) / -step)
                    : 0;
    }
    g.begin[*axis] = s;
    g.step[*axis] = step;
    g.shape[*axis] = count;
  }
  return g;
}

static Outputs foldSlice(Importer &im, const Node &node, HostInputs in) {
  auto data = need(im, node, in, 0, "data");
  if (failed(data))
    return failure();
  const Tensor &x = **data;
  int64_t rank = x.shape.size();
  auto g = resolveSlice(im, node, x.shape);
  if (failed(g))
    return failure();
  Shape begin = g->begin, stride = g->step, outShape = g->shape;
  // An empty result may start past the end, and its input's strides may
  // have saturated: nothing to walk.
  if (product(outShape) == 0)
    return SmallVector<Tensor>{makeTensor(x.dataType, outShape)};
  Shape strides = stridesOf(x.shape), step(rank);
  int64_t base = 0;
  for (int64_t d = 0; d < rank; ++d) {
    step[d] = strides[d] * stride[d];
    base += begin[d] * strides[d];
  }
  Tensor out = gatherElements(x, outShape,
                              [&](auto fn) { walk(outShape, step, base, fn); });
  return SmallVector<Tensor>{std::move(out)};
}

FailureOr<SmallVector<int64_t>>
mlir::mpq::onnx_import::resolveSplit(Importer &im, const Node &node,
                                     int64_t dim, SmallVector<int64_t> sizes) {
  int64_t parts = node.outputs.size();
  if (sizes.empty()) {
    auto n = im.intAttr(node, "num_outputs", parts);
    if (failed(n))
      return failure();
    if (*n != parts || parts <= 0)
      return im.nodeError(node) << "num_outputs " << *n << " differs from the "
                                << parts << " outputs";
    // Equal parts; the last one smaller if dim does not divide (opset 18).
    int64_t each = (dim + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::clamp<int64_t>(dim - i * each, 0, each));
  }
  if (static_cast<int64_t>(sizes.size()) != parts)
    return im.nodeError(node) << "split has " << sizes.size() << " entries for "
                              << parts << " outputs";
  int64_t total = 0;
  for (int64_t s : sizes)
    if (s < 0 || __builtin_add_overflow(total, s, &total))
      return im.nodeError(node) << "split sizes must be nonnegative";
  if (total != dim)
    return im.nodeError(node) << "split sizes add up to " << total
                              << ", not the axis size " << dim;
  return sizes;
}

static Outputs foldSplit(Importer &im, const Node &node, HostInputs in) {
  auto data = need(im, node, in, 0, "input");
  auto axisAttr = im.intAttr(node, "axis", 0);
  if (failed(data) || failed(axisAttr))
    return failure();
  const Tensor &x = **data;
  int64_t rank = x.shape.size();
  auto axis = im.normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  int64_t dim = x.shape[*axis];
  SmallVector<int64_t> sizes;
  if (im.opset >= 13 && in.size() > 1 && in[1]) {
    auto s = intsOf(im, node, in, 1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  } else if (im.opset < 13) {
    auto s = im.intsAttr(node, "split", {});
    if (failed(s))
      return failure();
    sizes = *s;
  }
  auto resolved = resolveSplit(im, node, dim, sizes);
  if (failed(resolved))
    return failure();
  sizes = *resolved;
  SmallVector<Tensor> outs;
  Shape strides = stridesOf(x.shape);
  int64_t offset = 0;
  for (int64_t s : sizes) {
    Shape shape(x.shape.begin(), x.shape.end());
    shape[*axis] = s;
    // (An empty part starts nowhere: its strides may have saturated.)
    int64_t base = product(shape) == 0 ? 0 : offset * strides[*axis];
    outs.push_back(gatherElements(
        x, shape, [&](auto fn) { walk(shape, strides, base, fn); }));
    offset += s;
  }
  return outs;
}

static Outputs foldExpand(Importer &im, const Node &node, HostInputs in) {
  auto data = need(im, node, in, 0, "input");
  auto spec = intsOf(im, node, in, 1, "shape");
  if (failed(data) || failed(spec))
    return failure();
  for (int64_t d : *spec)
    if (d < 0)
      return im.nodeError(node) << "negative dimension " << d << " in shape";
  auto shape = broadcastShapes((*data)->shape, *spec);
  if (!shape)
    return im.nodeError(node)
           << "input shape " << shapeString((*data)->shape)
           << " does not broadcast to "
           << shapeString(std::vector<int64_t>(spec->begin(), spec->end()));
  if (failed(im.checkShape(node, *shape, "the output")))
    return failure();
  Tensor out = makeTensor((*data)->dataType, *shape);
  (void)forEachBroadcast(*shape, {(*data)->shape}, [&](ArrayRef<int64_t> o) {
    if (out.isFloat())
      out.floats.push_back((*data)->floats[o[0]]);
    else
      out.ints.push_back((*data)->ints[o[0]]);
    return success();
  });
  return SmallVector<Tensor>{std::move(out)};
}

static Outputs foldTile(Importer &im, const Node &node, HostInputs in) {
  auto data = need(im, node, in, 0, "input");
  auto repeats = intsOf(im, node, in, 1, "repeats");
  if (failed(data) || failed(repeats))
    return failure();
  const Tensor &x = **data;
  int64_t rank = x.shape.size();
  if (static_cast<int64_t>(repeats->size()) != rank)
    return im.nodeError(node) << "repeats must have " << rank << " entries";
  Shape shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t r = (*repeats)[d], n;
    if (r < 0)
      return im.nodeError(node) << "negative repeat " << r;
    if (__builtin_mul_overflow(x.shape[d], r, &n))
      return im.nodeError(node)
             << "the output's dimension " << d << " overflows int64";
    shape.push_back(n);
  }
  if (failed(im.checkShape(node, shape, "the output")))
    return failure();
  Tensor out = makeTensor(x.dataType, shape);
  Shape strides = stridesOf(x.shape), index(rank, 0);
  for (int64_t flat = 0, n = product(shape); flat < n; ++flat) {
    int64_t at = 0;
    for (int64_t d = 0; d < rank; ++d)
      at += (index[d] % x.shape[d]) * strides[d];
    if (out.isFloat())
      out.floats.push_back(x.floats[at]);
    else
      out.ints.push_back(x.ints[at]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return SmallVector<Tensor>{std::move(out)};
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static Outputs foldReduce(Importer &im, const Node &node, HostInputs in) {
  auto data = need(im, node, in, 0, "data");
  auto keepDims = im.intAttr(node, "keepdims", 1);
  auto noop = im.intAttr(node, "noop_with_empty_axes", 0);
  if (failed(data) || failed(keepDims) || failed(noop))
    return failure();
  const Tensor &x = **data;
  int64_t rank = x.shape.size();
  // Axes are an input from opset 13 for ReduceSum, from 18 for the others.
  bool axesInput = node.opType == "ReduceSum" ? im.opset >= 13 : im.opset >= 18;
  SmallVector<int64_t> axesList;
  if (axesInput) {
    if (in.size() > 1 && in[1]) {
      auto a = intsOf(im, node, in, 1, "axes");
      if (failed(a))
        return failure();
      axesList = *a;
    }
  } else {
    auto a = im.intsAttr(node, "axes", {});
    if (failed(a))
      return failure();
    axesList = *a;
  }
  if (axesList.empty() && *noop) {
    Tensor copy = x;
    return SmallVector<Tensor>{std::move(copy)};
  }
  SmallVector<bool> reduced(rank, axesList.empty());
  for (int64_t a : axesList) {
    auto axis = im.normalizeAxis(node, a, rank);
    if (failed(axis))
      return failure();
    reduced[*axis] = true;
  }
  StringRef kind = StringRef(node.opType).drop_front(strlen("Reduce"));
  // The reduced shape with the reduced dims kept as 1.
  Shape kept, outShape, reducedDims;
  for (int64_t d = 0; d < rank; ++d) {
    kept.push_back(reduced[d] ? 1 : x.shape[d]);
    if (reduced[d])
      reducedDims.push_back(x.shape[d]);
    if (!reduced[d] || *keepDims)
      outShape.push_back(kept.back());
  }
  // An empty input may reduce to a huge output ([2^40, 0] over axis 1).
  if (failed(im.checkShape(node, outShape, "the output")))
    return failure();
  int64_t count = product(reducedDims);
  if (count == 0 && (kind == "Min" || kind == "Max"))
    return im.nodeError(node) << "reduces an empty set of elements";
  if (!x.isFloat() && kind == "Mean" && count == 0)
    return im.nodeError(node) << "reduces an empty set of elements";
  int64_t n = product(kept);
  std::vector<double> facc(n, kind == "Prod" ? 1.0 : 0.0);
  std::vector<int64_t> iacc(n, kind == "Prod" ? 1 : 0);
  std::vector<bool> first(n, true);
  // Walk the input; each element lands in the output slot of its index with
  // the reduced dims zeroed.
  Shape keptStrides = stridesOf(kept), step(rank, 0);
  for (int64_t d = 0; d < rank; ++d)
    step[d] = reduced[d] ? 0 : keptStrides[d];
  bool overflow = false;
  int64_t flat = 0;
  walk(x.shape, step, 0, [&](int64_t at) {
    if (x.isFloat()) {
      double v = x.floats[flat++];
      double &a = facc[at];
      if (kind == "Sum" || kind == "Mean")
        a += v;
      else if (kind == "Prod")
        a *= v;
      else if (first[at] || (kind == "Min" ? v < a : v > a))
        a = v;
    } else {
      int64_t v = x.ints[flat++];
      int64_t &a = iacc[at];
      if (kind == "Sum" || kind == "Mean")
        overflow |= __builtin_add_overflow(a, v, &a);
      else if (kind == "Prod")
        overflow |= __builtin_mul_overflow(a, v, &a);
      else if (first[at] || (kind == "Min" ? v < a : v > a))
        a = v;
    }
    first[at] = false;
  });
  if (overflow)
    return im.nodeError(node) << "the integer result overflows int64";
  Tensor out = makeTensor(x.dataType, outShape);
  for (int64_t i = 0; i < n; ++i) {
    if (out.isFloat())
      out.floats.push_back(
          static_cast<float>(kind == "Mean" ? facc[i] / count : facc[i]));
    else
      out.ints.push_back(kind == "Mean" ? iacc[i] / count : iacc[i]);
  }
  return SmallVector<Tensor>{std::move(out)};
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mlir::mpq::onnx_import::registerFoldOps(OpTable &table) {
  for (const auto &entry : elementwiseOps())
    if (!entry.getKey().contains('('))
      table.fold(entry.getKey(), foldElementwise);
  table.fold("Where", foldWhere);
  table.fold("Clip", foldClip);
  table.fold("Range", foldRange);
  table.fold("Slice", foldSlice);
  table.fold("Split", foldSplit);
  table.fold("Expand", foldExpand);
  table.fold("Tile", foldTile);
  for (StringRef op :
       {"ReduceSum", "ReduceProd", "ReduceMin", "ReduceMax", "ReduceMean"})
    table.fold(op, foldReduce);
}
