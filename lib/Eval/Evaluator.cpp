//===- Evaluator.cpp - Reference evaluator of mpq IR ----------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Eval/Evaluator.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <optional>

using namespace mlir;
using namespace mlir::mpq;

int64_t EvalTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

EvalTensor EvalTensor::floats(std::vector<int64_t> shape,
                              std::vector<double> values) {
  EvalTensor t;
  t.shape = std::move(shape);
  t.reals = std::move(values);
  return t;
}

EvalTensor EvalTensor::integers(std::vector<int64_t> shape,
                                std::vector<int64_t> values) {
  EvalTensor t;
  t.shape = std::move(shape);
  t.isInteger = true;
  t.ints = std::move(values);
  return t;
}

namespace {

std::vector<int64_t> shapeOf(Value value) {
  auto shape = cast<ShapedType>(value.getType()).getShape();
  return {shape.begin(), shape.end()};
}

std::vector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Scale and zero point of the elements of a tensor of `shape` whose element
/// type is `type` (per tensor, or per slice along its axis). The strides are
/// computed once: the lookup runs per element.
struct Grid {
  double scale;
  int64_t zeroPoint;
};
class GridLookup {
public:
  GridLookup(UniformType type, ArrayRef<int64_t> shape) : type(type) {
    if (type.isPerAxis()) {
      stride = rowMajorStrides(shape)[type.getAxis()];
      size = shape[type.getAxis()];
    }
  }
  Grid at(int64_t index) const {
    if (!type.isPerAxis())
      return {type.getScale(), type.getZeroPoint()};
    int64_t slice = (index / stride) % size;
    return {type.getScales()[slice], type.getZeroPoints()[slice]};
  }

private:
  UniformType type;
  int64_t stride = 1, size = 1;
};

/// Integer codes minus their zero points: what the integer layers multiply.
std::vector<int64_t> centeredCodes(const EvalTensor &tensor, UniformType type) {
  if (!type)
    return tensor.ints;
  GridLookup grid(type, tensor.shape);
  std::vector<int64_t> centered(tensor.ints.size());
  for (size_t i = 0; i < centered.size(); ++i)
    centered[i] = tensor.ints[i] - grid.at(i).zeroPoint;
  return centered;
}

UniformType uniformOf(Value value) {
  return dyn_cast<UniformType>(
      cast<ShapedType>(value.getType()).getElementType());
}

/// Zero point of a per-tensor quantized value, 0 for plain integers.
int64_t zeroPointOf(Value value) {
  UniformType type = uniformOf(value);
  return type ? type.getZeroPoint() : 0;
}

/// NHWC window geometry shared by convolution and pooling: the input row and
/// column of kernel tap (ky, kx) for output (oy, ox); may fall in padding.
struct Window {
  int64_t kh, kw, sh, sw, dh, dw, top, left;
  int64_t row(int64_t oy, int64_t ky) const { return oy * sh - top + ky * dh; }
  int64_t col(int64_t ox, int64_t kx) const { return ox * sw - left + kx * dw; }
};

Window makeWindow(ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads) {
  return {kernel[0],    kernel[1],    strides[0], strides[1],
          dilations[0], dilations[1], pads[0],    pads[1]};
}

/// out[n, oy, ox, o] = sum over the window and the group's input channels of
/// in(n, iy, ix, c) * weight(o, ky, kx, ci); taps in the padding contribute
/// nothing, which is exact for centered values (x - zp) and for floats.
template <typename T, typename InFn, typename WeightFn>
std::vector<T> convolve(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape,
                        const Window &w, int64_t groups, InFn in,
                        WeightFn weight) {
  int64_t n = outShape[0], oh = outShape[1], ow = outShape[2], oc = outShape[3];
  int64_t ih = inShape[1], iw = inShape[2], ic = inShape[3];
  int64_t inPerGroup = ic / groups, outPerGroup = oc / groups;
  std::vector<T> out;
  out.reserve(n * oh * ow * oc);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t o = 0; o < oc; ++o) {
          int64_t group = o / outPerGroup;
          T acc = 0;
          for (int64_t ky = 0; ky < w.kh; ++ky) {
            int64_t iy = w.row(oy, ky);
            if (iy < 0 || iy >= ih)
              continue;
            for (int64_t kx = 0; kx < w.kw; ++kx) {
              int64_t ix = w.col(ox, kx);
              if (ix < 0 || ix >= iw)
                continue;
              for (int64_t ci = 0; ci < inPerGroup; ++ci)
                acc += in(((b * ih + iy) * iw + ix) * ic + group * inPerGroup +
                          ci) *
                       weight(((o * w.kh + ky) * w.kw + kx) * inPerGroup + ci);
            }
          }
          out.push_back(acc);
        }
  return out;
}

/// acc[o] += x[o] * y[o] (`xStep` 1) or acc[o] += x[0] * y[o] (`xStep` 0) for
/// o < n: the inner loop of convolveFloats, inlined into each variant below.
[[gnu::always_inline]] static inline void axpyBody(double *__restrict acc,
                                                   const double *__restrict x,
                                                   const double *__restrict y,
                                                   int64_t xStep, int64_t n) {
  if (xStep == 0) {
    double xv = x[0];
    for (int64_t o = 0; o < n; ++o)
      acc[o] += xv * y[o];
    return;
  }
  for (int64_t o = 0; o < n; ++o)
    acc[o] += x[o] * y[o];
}
using AxpyFn = void (*)(double *__restrict, const double *__restrict,
                        const double *__restrict, int64_t, int64_t);
static void axpyPortable(double *__restrict acc, const double *__restrict x,
                         const double *__restrict y, int64_t xStep, int64_t n) {
  axpyBody(acc, x, y, xStep, n);
}
#if defined(__x86_64__) && defined(__GNUC__)
// The same loop with 256-bit vectors where the host has AVX2. FMA is not
// enabled, so each product is rounded before its sum as in the portable
// loop: the same doubles, hence the same ranges and output bytes on every
// host.
[[gnu::target("avx2")]] static void axpyAvx2(double *__restrict acc,
                                             const double *__restrict x,
                                             const double *__restrict y,
                                             int64_t xStep, int64_t n) {
  axpyBody(acc, x, y, xStep, n);
}
#endif

static AxpyFn selectAxpy() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2"))
    return axpyAvx2;
#endif
  return axpyPortable;
}

/// The float sums of `convolve` for a full convolution (one group) or a
/// depthwise one (one input and one output channel per group), computed with
/// the loops turned so that memory streams: each output starts at 0 and adds
/// in(tap) * weight(tap) over the same taps in the same order (ky, kx, ci,
/// padding skipped), so every sum is the same double; but the innermost loop
/// runs over the output channels of one pixel, each its own sum, against
/// weights repacked once to [ky][kx][ci][o]. Other groupings: nullopt.
std::optional<std::vector<double>>
convolveFloats(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape,
               const Window &w, int64_t groups, const std::vector<double> &in,
               const std::vector<double> &weight) {
  int64_t n = outShape[0], oh = outShape[1], ow = outShape[2], oc = outShape[3];
  int64_t ih = inShape[1], iw = inShape[2], ic = inShape[3];
  bool depthwise = groups == ic && groups == oc;
  if (groups != 1 && !depthwise)
    return std::nullopt;
  int64_t k = depthwise ? 1 : ic, taps = w.kh * w.kw;
  // The weights as a matrix [o][t * k + ci], transposed in 16 x 16 tiles
  // (a plain transposition misses the cache on every element).
  int64_t cols = taps * k;
  std::vector<double> packed(cols * oc);
  constexpr int64_t tile = 16;
  for (int64_t o0 = 0; o0 < oc; o0 += tile)
    for (int64_t j0 = 0; j0 < cols; j0 += tile)
      for (int64_t o = o0, oe = std::min(o0 + tile, oc); o < oe; ++o)
        for (int64_t j = j0, je = std::min(j0 + tile, cols); j < je; ++j)
          packed[j * oc + o] = weight[o * cols + j];
  std::vector<double> out(n * oh * ow * oc, 0.0);
  static const AxpyFn axpy = selectAxpy();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double *__restrict acc = &out[((b * oh + oy) * ow + ox) * oc];
        for (int64_t ky = 0; ky < w.kh; ++ky) {
          int64_t iy = w.row(oy, ky);
          if (iy < 0 || iy >= ih)
            continue;
          for (int64_t kx = 0; kx < w.kw; ++kx) {
            int64_t ix = w.col(ox, kx);
            if (ix < 0 || ix >= iw)
              continue;
            const double *__restrict x = &in[((b * ih + iy) * iw + ix) * ic];
            const double *__restrict tap = &packed[(ky * w.kw + kx) * k * oc];
            if (depthwise) {
              axpy(acc, x, tap, 1, oc);
              continue;
            }
            for (int64_t ci = 0; ci < k; ++ci)
              axpy(acc, x + ci, tap + ci * oc, 0, oc);
          }
        }
      }
  return out;
}

/// Calls visit(outIndex, inIndex) for every in-bounds tap of every pooling
/// window (channels preserved), and done(outIndex, taps) after each window
/// with the number of in-bounds taps.
template <typename VisitFn, typename DoneFn>
void forEachPoolTap(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape,
                    const Window &w, VisitFn visit, DoneFn done) {
  int64_t ih = inShape[1], iw = inShape[2], c = inShape[3];
  int64_t index = 0;
  for (int64_t b = 0; b < outShape[0]; ++b)
    for (int64_t oy = 0; oy < outShape[1]; ++oy)
      for (int64_t ox = 0; ox < outShape[2]; ++ox)
        for (int64_t ch = 0; ch < c; ++ch, ++index) {
          int64_t taps = 0;
          for (int64_t ky = 0; ky < w.kh; ++ky)
            for (int64_t kx = 0; kx < w.kw; ++kx) {
              int64_t iy = w.row(oy, ky), ix = w.col(ox, kx);
              if (iy < 0 || iy >= ih || ix < 0 || ix >= iw)
                continue;
              visit(index, ((b * ih + iy) * iw + ix) * c + ch);
              ++taps;
            }
          done(index, taps);
        }
}

/// Index into a broadcast operand of `shape` for output multi-index `idx`.
int64_t broadcastIndex(ArrayRef<int64_t> shape, ArrayRef<int64_t> idx) {
  int64_t offset = idx.size() - shape.size();
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + (shape[d] == 1 ? 0 : idx[d + offset]);
  return flat;
}

/// Calls fn(outIndex, lhsIndex, rhsIndex) over a numpy-broadcast result.
template <typename Fn>
void forEachBroadcast(ArrayRef<int64_t> outShape, ArrayRef<int64_t> lhs,
                      ArrayRef<int64_t> rhs, Fn fn) {
  std::vector<int64_t> idx(outShape.size(), 0);
  int64_t total = 1;
  for (int64_t d : outShape)
    total *= d;
  for (int64_t i = 0; i < total; ++i) {
    fn(i, broadcastIndex(lhs, idx), broadcastIndex(rhs, idx));
    for (int64_t d = static_cast<int64_t>(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
}

/// Fake-quantizes one value: the code it would be stored as, then its value.
/// `computed`: the value comes out of the graph's double arithmetic, so a
/// rounding boundary it sits on in real arithmetic is restored first
/// (snapToBoundary); constants are quantized as given, as the lowering does.
struct Quantizer {
  double scale;
  int64_t zeroPoint, lo, hi;
  RoundingMode rounding;
  bool computed = false;
  int64_t code(double x) const {
    return fakeQuantCode(x, scale, zeroPoint, lo, hi, rounding, computed);
  }
  double value(double x) const {
    return static_cast<double>(code(x) - zeroPoint) * scale;
  }
};

class Evaluator {
public:
  explicit Evaluator(const EvalOptions &options) : options(options) {}

  FailureOr<EvalResult> run(func::FuncOp func, ArrayRef<EvalTensor> inputs);

private:
  LogicalResult evalOp(Operation *op);
  const EvalTensor &get(Value value) { return *values.find(value)->second; }
  void set(Value value, EvalTensor tensor) {
    values[value] = std::make_shared<const EvalTensor>(std::move(tensor));
  }
  /// `value` holds the same tensor as `source`, without a copy.
  void share(Value value, Value source) {
    // A copy first: inserting `value` may move the map's entries.
    std::shared_ptr<const EvalTensor> tensor = values.find(source)->second;
    values[value] = std::move(tensor);
  }
  LogicalResult evalConstant(Operation *op, ElementsAttr attr, bool integer);
  LogicalResult readConstant(Operation *op, ElementsAttr attr, bool integer);

  /// Sets the result of `op` to `data`, in the result's shape.
  LogicalResult setFloats(Operation *op, std::vector<double> data);
  LogicalResult setInts(Operation *op, std::vector<int64_t> data);
  /// Element-agnostic ops move values of either kind the same way: element
  /// i of the result is element indexOf(i) of `in`.
  template <typename IndexFn>
  LogicalResult moveElements(Operation *op, const EvalTensor &in,
                             IndexFn indexOf);

  // One function per op; evalOp dispatches.
  LogicalResult evalArithConstant(arith::ConstantOp c);
  LogicalResult evalQConstant(QConstantOp c);
  LogicalResult evalConv2D(Conv2DOp conv);
  LogicalResult evalQConv2D(QConv2DOp conv);
  LogicalResult evalFullyConnected(FullyConnectedOp fc);
  LogicalResult evalQFullyConnected(QFullyConnectedOp fc);
  LogicalResult evalMatMul(MatMulOp mm);
  LogicalResult evalBatchNorm(BatchNormOp bn);
  template <typename OpTy>
  LogicalResult evalAddOrMul(OpTy binary);
  LogicalResult evalQAdd(QAddOp add);
  LogicalResult evalQMul(QMulOp mul);
  LogicalResult evalPRelu(PReluOp prelu);
  template <typename OpTy>
  LogicalResult evalExtremum(OpTy op);
  template <typename OpTy>
  LogicalResult evalQExtremum(OpTy op);
  LogicalResult evalRelu(ReluOp relu);
  LogicalResult evalClip(ClipOp clip);
  LogicalResult evalSoftmax(SoftmaxOp softmax);
  LogicalResult evalQSoftmax(QSoftmaxOp softmax);
  LogicalResult evalLayerNorm(LayerNormOp norm);
  LogicalResult evalQLayerNorm(QLayerNormOp norm);
  LogicalResult evalElementwiseFunction(ElementwiseFunctionOpInterface op);
  LogicalResult evalTable(TableOp table);
  LogicalResult evalFakeQuant(FakeQuantOp fq);
  LogicalResult evalQuantize(QuantizeOp quant);
  LogicalResult evalDequantize(DequantizeOp dequant);
  LogicalResult evalRequantize(RequantizeOp rq);
  LogicalResult evalMaxPool2D(MaxPool2DOp pool);
  LogicalResult evalAvgPool2D(AvgPool2DOp pool);
  LogicalResult evalQAvgPool2D(QAvgPool2DOp pool);
  LogicalResult evalGlobalAvgPool(GlobalAvgPoolOp pool);
  LogicalResult evalReshape(ReshapeOp reshape);
  LogicalResult evalTranspose(TransposeOp transpose);
  LogicalResult evalPad(PadOp pad);
  LogicalResult evalConcat(ConcatOp concat);
  LogicalResult evalSlice(SliceOp slice);
  LogicalResult evalResizeNearest(ResizeNearestOp resize);
  LogicalResult evalResizeLinear(ResizeLinearOp resize);
  LogicalResult evalQResizeLinear(QResizeLinearOp resize);

  const EvalOptions &options;
  /// Tensors are immutable once computed, so a pass-through op or a cached
  /// constant shares one.
  llvm::DenseMap<Value, std::shared_ptr<const EvalTensor>> values;
};

} // namespace

FailureOr<EvalResult> Evaluator::run(func::FuncOp func,
                                     ArrayRef<EvalTensor> inputs) {
  if (func.isExternal())
    return func.emitError() << "cannot evaluate a function without a body";
  if (inputs.size() != func.getNumArguments())
    return func.emitError() << "expected " << func.getNumArguments()
                            << " inputs, got " << inputs.size();
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    std::vector<int64_t> shape = shapeOf(arg);
    if (inputs[i].shape != shape) {
      auto diag = func.emitError() << "input #" << i << " has shape [";
      llvm::interleaveComma(inputs[i].shape, diag);
      return diag << "], expected " << arg.getType();
    }
    bool wantsInteger = !isa<FloatType>(getElementTypeOrSelf(arg.getType()));
    if (wantsInteger != inputs[i].isInteger)
      return func.emitError() << "input #" << i << " must hold "
                              << (wantsInteger ? "integers" : "floats")
                              << " for " << arg.getType();
    set(arg, inputs[i]);
  }
  // The values each op reads for the last time (releaseDeadValues).
  llvm::DenseMap<Operation *, SmallVector<Value>> lastReads;
  if (options.releaseDeadValues) {
    llvm::DenseMap<Value, Operation *> lastReader;
    for (Operation &op : func.getBody().front())
      for (Value v : op.getOperands())
        lastReader[v] = &op;
    for (auto [value, reader] : lastReader)
      lastReads[reader].push_back(value);
  }
  EvalResult result;
  int64_t index = 0;
  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands()) {
        auto dequantize = v.getDefiningOp<DequantizeOp>();
        result.outputs.push_back(options.outputCodes && dequantize
                                     ? get(dequantize.getInput())
                                     : get(v));
      }
      return result;
    }
    if (failed(evalOp(&op)))
      return failure();
    if (options.onResult)
      for (Value v : op.getResults()) {
        EvalTensor tensor = get(v);
        options.onResult(v, tensor);
        set(v, std::move(tensor));
      }
    if (options.afterOp)
      options.afterOp(&op,
                      [&](Value v) -> const EvalTensor & { return get(v); });
    if (options.recordIntermediates)
      for (Value v : op.getResults())
        result.intermediates.emplace_back(displayName(&op, index), get(v));
    if (auto it = lastReads.find(&op); it != lastReads.end())
      for (Value v : it->second)
        values.erase(v);
    ++index;
  }
  return func.emitError() << "function body has no return";
}

LogicalResult Evaluator::evalConstant(Operation *op, ElementsAttr attr,
                                      bool integer) {
  if (EvalConstantCache *cache = options.constants) {
    {
      std::lock_guard<std::mutex> lock(cache->mutex);
      if (auto it = cache->tensors.find(op); it != cache->tensors.end()) {
        values[op->getResult(0)] = it->second;
        return success();
      }
    }
    if (failed(readConstant(op, attr, integer)))
      return failure();
    std::lock_guard<std::mutex> lock(cache->mutex);
    cache->tensors.try_emplace(op, values.find(op->getResult(0))->second);
    return success();
  }
  return readConstant(op, attr, integer);
}

LogicalResult Evaluator::readConstant(Operation *op, ElementsAttr attr,
                                      bool integer) {
  std::vector<int64_t> shape = shapeOf(op->getResult(0));
  if (integer) {
    auto codes = attr.tryGetValues<APInt>();
    if (!codes)
      return op->emitError() << "cannot read the constant's integers";
    std::vector<int64_t> ints;
    ints.reserve(attr.getNumElements());
    for (const APInt &v : *codes)
      ints.push_back(v.getSExtValue());
    set(op->getResult(0), EvalTensor::integers(shape, std::move(ints)));
    return success();
  }
  std::vector<double> reals;
  reals.reserve(attr.getNumElements());
  if (auto floats = attr.tryGetValues<float>()) {
    for (float v : *floats)
      reals.push_back(v);
  } else if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    auto data = resource.tryGetAsArrayRef();
    if (!data)
      return op->emitError() << "the constant's resource blob is missing";
    reals.assign(data->begin(), data->end());
  } else if (auto apfloats = attr.tryGetValues<APFloat>()) {
    for (const APFloat &v : *apfloats)
      reals.push_back(v.convertToDouble());
  } else {
    return op->emitError() << "cannot read the constant's values";
  }
  set(op->getResult(0), EvalTensor::floats(shape, std::move(reals)));
  return success();
}

/// The clamp of an integer op: explicit bounds or the storage range.
static std::pair<int64_t, int64_t> clampRange(std::optional<int64_t> lo,
                                              std::optional<int64_t> hi,
                                              UniformType out) {
  return {lo.value_or(out.getStorageMin()), hi.value_or(out.getStorageMax())};
}

LogicalResult Evaluator::setFloats(Operation *op, std::vector<double> data) {
  Value result = op->getResult(0);
  set(result, EvalTensor::floats(shapeOf(result), std::move(data)));
  return success();
}

LogicalResult Evaluator::setInts(Operation *op, std::vector<int64_t> data) {
  Value result = op->getResult(0);
  set(result, EvalTensor::integers(shapeOf(result), std::move(data)));
  return success();
}

template <typename IndexFn>
LogicalResult Evaluator::moveElements(Operation *op, const EvalTensor &in,
                                      IndexFn indexOf) {
  EvalTensor out;
  out.shape = shapeOf(op->getResult(0));
  out.isInteger = in.isInteger;
  int64_t n = out.numElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = indexOf(i);
    if (in.isInteger)
      out.ints.push_back(in.ints[src]);
    else
      out.reals.push_back(in.reals[src]);
  }
  set(op->getResult(0), std::move(out));
  return success();
}

LogicalResult Evaluator::evalArithConstant(arith::ConstantOp c) {
  auto attr = dyn_cast<ElementsAttr>(c.getValue());
  if (!attr)
    return c->emitError() << "only tensor constants are supported";
  return evalConstant(c, attr, !isa<FloatType>(attr.getElementType()));
}

LogicalResult Evaluator::evalQConstant(QConstantOp c) {
  return evalConstant(c, c.getValue(), true);
}

LogicalResult Evaluator::evalConv2D(Conv2DOp conv) {
  const EvalTensor &in = get(conv.getInput()), &w = get(conv.getWeight());
  Window win = makeWindow({w.shape[1], w.shape[2]}, conv.getStrides(),
                          conv.getDilations(), conv.getPads());
  std::vector<int64_t> outShape = shapeOf(conv->getResult(0));
  std::optional<std::vector<double>> fast = convolveFloats(
      in.shape, outShape, win, conv.getGroups(), in.reals, w.reals);
  std::vector<double> out = fast
                                ? std::move(*fast)
                                : convolve<double>(
                                      in.shape, outShape, win, conv.getGroups(),
                                      [&](int64_t i) { return in.reals[i]; },
                                      [&](int64_t i) { return w.reals[i]; });
  if (conv.getBias()) {
    const EvalTensor &b = get(conv.getBias());
    // out is [..., channels]: one bias per channel, row by row.
    size_t channels = b.reals.size();
    for (size_t row = 0; row + channels <= out.size(); row += channels)
      for (size_t c = 0; c < channels; ++c)
        out[row + c] += b.reals[c];
  }
  return setFloats(conv, std::move(out));
}

LogicalResult Evaluator::evalQConv2D(QConv2DOp conv) {
  const EvalTensor &in = get(conv.getInput()), &w = get(conv.getWeight());
  int64_t zx = zeroPointOf(conv.getInput());
  std::vector<int64_t> cw = centeredCodes(w, uniformOf(conv.getWeight()));
  Window win = makeWindow({w.shape[1], w.shape[2]}, conv.getStrides(),
                          conv.getDilations(), conv.getPads());
  std::vector<int64_t> out = convolve<int64_t>(
      in.shape, shapeOf(conv->getResult(0)), win, conv.getGroups(),
      [&](int64_t i) { return in.ints[i] - zx; },
      [&](int64_t i) { return cw[i]; });
  return setInts(conv, std::move(out));
}

LogicalResult Evaluator::evalFullyConnected(FullyConnectedOp fc) {
  const EvalTensor &in = get(fc.getInput()), &w = get(fc.getWeight());
  int64_t n = in.shape[0], k = in.shape[1], o = w.shape[0];
  std::vector<double> out(n * o, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < o; ++j) {
      double acc = fc.getBias() ? get(fc.getBias()).reals[j] : 0.0;
      for (int64_t i = 0; i < k; ++i)
        acc += in.reals[b * k + i] * w.reals[j * k + i];
      out[b * o + j] = acc;
    }
  return setFloats(fc, std::move(out));
}

LogicalResult Evaluator::evalQFullyConnected(QFullyConnectedOp fc) {
  const EvalTensor &in = get(fc.getInput()), &w = get(fc.getWeight());
  int64_t zx = zeroPointOf(fc.getInput());
  std::vector<int64_t> cw = centeredCodes(w, uniformOf(fc.getWeight()));
  int64_t n = in.shape[0], k = in.shape[1], o = w.shape[0];
  std::vector<int64_t> out(n * o, 0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < o; ++j) {
      int64_t acc = 0;
      for (int64_t i = 0; i < k; ++i)
        acc += (in.ints[b * k + i] - zx) * cw[j * k + i];
      out[b * o + j] = acc;
    }
  return setInts(fc, std::move(out));
}

LogicalResult Evaluator::evalMatMul(MatMulOp mm) {
  const EvalTensor &a = get(mm.getLhs()), &b = get(mm.getRhs());
  int64_t m = a.shape[0], k = a.shape[1], n = b.shape[1];
  std::vector<double> out(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p)
        out[i * n + j] += a.reals[i * k + p] * b.reals[p * n + j];
  return setFloats(mm, std::move(out));
}

LogicalResult Evaluator::evalBatchNorm(BatchNormOp bn) {
  const EvalTensor &in = get(bn.getInput());
  int64_t rank = in.shape.size();
  int64_t axis = bn.getAxis() < 0 ? bn.getAxis() + rank : bn.getAxis();
  int64_t inner = rowMajorStrides(in.shape)[axis];
  const auto &scale = get(bn.getScale()).reals, &bias = get(bn.getBias()).reals,
             &mean = get(bn.getMean()).reals,
             &var = get(bn.getVariance()).reals;
  double eps = bn.getEpsilon().convertToDouble();
  std::vector<double> out(in.reals.size());
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t c = (i / inner) % in.shape[axis];
    out[i] =
        scale[c] * (in.reals[i] - mean[c]) / std::sqrt(var[c] + eps) + bias[c];
  }
  return setFloats(bn, std::move(out));
}

template <typename OpTy>
LogicalResult Evaluator::evalAddOrMul(OpTy binary) {
  const EvalTensor &a = get(binary.getLhs()), &b = get(binary.getRhs());
  bool isAdd = isa<AddOp>(binary.getOperation());
  std::vector<double> out(
      EvalTensor::floats(shapeOf(binary->getResult(0)), {}).numElements());
  forEachBroadcast(shapeOf(binary->getResult(0)), a.shape, b.shape,
                   [&](int64_t o, int64_t i, int64_t j) {
                     out[o] = isAdd ? a.reals[i] + b.reals[j]
                                    : a.reals[i] * b.reals[j];
                   });
  return setFloats(binary, std::move(out));
}

/// mpq.max / mpq.min of two float tensors.
template <typename OpTy>
LogicalResult Evaluator::evalExtremum(OpTy op) {
  const EvalTensor &a = get(op.getLhs()), &b = get(op.getRhs());
  constexpr bool isMax = std::is_same_v<OpTy, MaxOp>;
  std::vector<double> out(
      EvalTensor::floats(shapeOf(op->getResult(0)), {}).numElements());
  forEachBroadcast(shapeOf(op->getResult(0)), a.shape, b.shape,
                   [&](int64_t o, int64_t i, int64_t j) {
                     out[o] = isMax ? std::max(a.reals[i], b.reals[j])
                                    : std::min(a.reals[i], b.reals[j]);
                   });
  return setFloats(op, std::move(out));
}

/// mpq.qmax / mpq.qmin: the extremum of two codes on one grid, clamped.
template <typename OpTy>
LogicalResult Evaluator::evalQExtremum(OpTy op) {
  const EvalTensor &a = get(op.getLhs()), &b = get(op.getRhs());
  constexpr bool isMax = std::is_same_v<OpTy, QMaxOp>;
  auto [lo, hi] =
      clampRange(op.getClampMin(), op.getClampMax(), uniformOf(op.getOutput()));
  std::vector<int64_t> out(
      EvalTensor::integers(shapeOf(op->getResult(0)), {}).numElements());
  forEachBroadcast(shapeOf(op->getResult(0)), a.shape, b.shape,
                   [&](int64_t o, int64_t i, int64_t j) {
                     int64_t y = isMax ? std::max(a.ints[i], b.ints[j])
                                       : std::min(a.ints[i], b.ints[j]);
                     out[o] = saturate(y, lo, hi);
                   });
  return setInts(op, std::move(out));
}

LogicalResult Evaluator::evalPRelu(PReluOp prelu) {
  const EvalTensor &x = get(prelu.getInput()), &k = get(prelu.getSlope());
  std::vector<double> out(x.reals.size());
  forEachBroadcast(shapeOf(prelu.getOutput()), x.shape, k.shape,
                   [&](int64_t o, int64_t i, int64_t j) {
                     out[o] =
                         ElementwiseFunction{ElementwiseFunctionKind::LeakyRelu,
                                             k.reals[j]}(x.reals[i]);
                   });
  return setFloats(prelu, std::move(out));
}

LogicalResult Evaluator::evalQMul(QMulOp mul) {
  const EvalTensor &a = get(mul.getLhs()), &b = get(mul.getRhs());
  int64_t za = zeroPointOf(mul.getLhs()), zb = zeroPointOf(mul.getRhs());
  UniformType outType = uniformOf(mul.getOutput());
  auto [lo, hi] = clampRange(mul.getClampMin(), mul.getClampMax(), outType);
  RoundingMode mode = toRoundingMode(mul.getRounding());
  std::vector<int64_t> out(
      EvalTensor::integers(shapeOf(mul->getResult(0)), {}).numElements());
  forEachBroadcast(shapeOf(mul->getResult(0)), a.shape, b.shape,
                   [&](int64_t o, int64_t i, int64_t j) {
                     int64_t product = (a.ints[i] - za) * (b.ints[j] - zb);
                     int64_t y = outType.getZeroPoint() +
                                 shiftRound(product * mul.getMultiplier(),
                                            31 - mul.getExponent(), mode);
                     out[o] = saturate(y, lo, hi);
                   });
  return setInts(mul, std::move(out));
}

LogicalResult Evaluator::evalQAdd(QAddOp add) {
  const EvalTensor &a = get(add.getLhs()), &b = get(add.getRhs());
  int64_t za = zeroPointOf(add.getLhs()), zb = zeroPointOf(add.getRhs());
  UniformType outType = uniformOf(add.getOutput());
  auto [lo, hi] = clampRange(add.getClampMin(), add.getClampMax(), outType);
  RoundingMode mode = toRoundingMode(add.getRounding());
  std::vector<int64_t> out(
      EvalTensor::integers(shapeOf(add->getResult(0)), {}).numElements());
  forEachBroadcast(shapeOf(add->getResult(0)), a.shape, b.shape,
                   [&](int64_t o, int64_t i, int64_t j) {
                     int64_t sum = outType.getZeroPoint() +
                                   roundedRescaledSum(
                                       a.ints[i] - za, add.getLhsMultiplier(),
                                       add.getLhsExponent(), b.ints[j] - zb,
                                       add.getRhsMultiplier(),
                                       add.getRhsExponent(), mode);
                     out[o] = saturate(sum, lo, hi);
                   });
  return setInts(add, std::move(out));
}

LogicalResult Evaluator::evalRelu(ReluOp relu) {
  std::vector<double> out = get(relu.getInput()).reals;
  for (double &v : out)
    v = std::max(v, 0.0);
  return setFloats(relu, std::move(out));
}

LogicalResult Evaluator::evalClip(ClipOp clip) {
  std::vector<double> out = get(clip.getInput()).reals;
  double lo = clip.getMin().convertToDouble(),
         hi = clip.getMax().convertToDouble();
  for (double &v : out)
    v = std::min(std::max(v, lo), hi);
  return setFloats(clip, std::move(out));
}

LogicalResult Evaluator::evalSoftmax(SoftmaxOp softmax) {
  const EvalTensor &in = get(softmax.getInput());
  int64_t rank = in.shape.size();
  int64_t axis =
      softmax.getAxis() < 0 ? softmax.getAxis() + rank : softmax.getAxis();
  int64_t inner = rowMajorStrides(in.shape)[axis], size = in.shape[axis];
  std::vector<double> out(in.reals.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if ((i / inner) % size != 0)
      continue; // Visit each softmax row once, from its first element.
    double peak = -INFINITY, sum = 0.0;
    for (int64_t k = 0; k < size; ++k)
      peak = std::max(peak, in.reals[i + k * inner]);
    for (int64_t k = 0; k < size; ++k)
      sum += std::exp(in.reals[i + k * inner] - peak);
    for (int64_t k = 0; k < size; ++k)
      out[i + k * inner] = std::exp(in.reals[i + k * inner] - peak) / sum;
  }
  return setFloats(softmax, std::move(out));
}

LogicalResult Evaluator::evalQSoftmax(QSoftmaxOp softmax) {
  const EvalTensor &in = get(softmax.getInput());
  UniformType outType = uniformOf(softmax.getOutput());
  ArrayRef<int32_t> table = softmax.getExpTable();
  const int64_t n = in.shape.back();
  std::vector<int64_t> out(in.ints.size());
  for (size_t row = 0; row < in.ints.size(); row += n) {
    const int64_t *x = in.ints.data() + row;
    const int64_t m = *std::max_element(x, x + n);
    int64_t sum = 0;
    for (int64_t j = 0; j < n; ++j)
      sum += table[m - x[j]];
    for (int64_t j = 0; j < n; ++j)
      out[row + j] = softmaxCode(
          table[m - x[j]], sum, softmax.getMultiplier(), softmax.getExponent(),
          static_cast<int32_t>(outType.getZeroPoint()), outType.getStorageMin(),
          outType.getStorageMax());
  }
  return setInts(softmax, std::move(out));
}

LogicalResult Evaluator::evalLayerNorm(LayerNormOp norm) {
  const EvalTensor &in = get(norm.getInput());
  const auto &scale = get(norm.getScale()).reals,
             &bias = get(norm.getBias()).reals;
  const double eps = norm.getEpsilon().convertToDouble();
  const size_t n = scale.size();
  std::vector<double> out(in.reals.size());
  for (size_t row = 0; row < out.size(); row += n) {
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; ++i)
      mean += in.reals[row + i];
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; ++i)
      var += (in.reals[row + i] - mean) * (in.reals[row + i] - mean);
    var /= static_cast<double>(n);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (size_t i = 0; i < n; ++i)
      out[row + i] = (in.reals[row + i] - mean) * inv * scale[i] + bias[i];
  }
  return setFloats(norm, std::move(out));
}

LogicalResult Evaluator::evalQLayerNorm(QLayerNormOp norm) {
  const EvalTensor &in = get(norm.getInput());
  UniformType outType = uniformOf(norm.getOutput());
  auto [lo, hi] = clampRange(norm.getClampMin(), norm.getClampMax(), outType);
  RoundingMode mode = toRoundingMode(norm.getRounding());
  ArrayRef<int32_t> scale = norm.getScale(), bias = norm.getBias();
  const int64_t n = in.shape.back();
  std::vector<int64_t> q(n), out(in.ints.size());
  for (size_t row = 0; row < in.ints.size(); row += n) {
    layerNormRow(in.ints.data() + row, n, norm.getEpsTerm(), norm.getShift(),
                 q.data());
    for (int64_t i = 0; i < n; ++i)
      out[row + i] = requantize(
          q[i] * scale[i] + bias[i], norm.getMultiplier(), norm.getExponent(),
          static_cast<int32_t>(outType.getZeroPoint()), lo, hi, mode);
  }
  return setInts(norm, std::move(out));
}

LogicalResult
Evaluator::evalElementwiseFunction(ElementwiseFunctionOpInterface op) {
  ElementwiseFunction f = op.getFunction();
  std::vector<double> out = get(op.getInput()).reals;
  for (double &v : out)
    v = f(v);
  return setFloats(op, std::move(out));
}

LogicalResult Evaluator::evalTable(TableOp table) {
  const EvalTensor &in = get(table.getInput());
  UniformType type = uniformOf(table.getInput());
  int64_t lo = type.getStorageMin(), codes = type.getStorageMax() - lo + 1;
  ArrayRef<int32_t> entries = table.getTable();
  // One table, or one per slice along the axis.
  bool perSlice = static_cast<int64_t>(entries.size()) != codes;
  int64_t stride = 1, slices = 1;
  if (perSlice) {
    int64_t axis = table.getNormalizedAxis();
    stride = rowMajorStrides(in.shape)[axis];
    slices = in.shape[axis];
  }
  std::vector<int64_t> out(in.ints.size());
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t index = in.ints[i] - lo;
    if (index < 0 || index >= codes)
      return table.emitError()
             << "input code " << in.ints[i] << " is outside the table";
    if (perSlice)
      index += ((static_cast<int64_t>(i) / stride) % slices) * codes;
    out[i] = entries[index];
  }
  return setInts(table, std::move(out));
}

LogicalResult Evaluator::evalFakeQuant(FakeQuantOp fq) {
  if (isa<BitsType>(fq.getQuant()) &&
      (options.bitsFakeQuantIsIdentity ||
       (!fq.getMin() && options.uncalibratedFakeQuantIsIdentity))) {
    share(fq, fq.getInput());
    return success();
  }
  const EvalTensor &in = get(fq.getInput());
  auto info = getStorageInfo(fq.getQuant());
  int64_t lo = storageMin(info->width, info->isSigned, fq.getNarrow());
  int64_t hi = storageMax(info->width, info->isSigned, fq.getNarrow());
  RoundingMode mode = toRoundingMode(fq.getRounding());
  bool computed = !matchPattern(fq.getInput(), m_Constant());
  std::vector<double> out(in.reals.size());
  if (auto uniform = dyn_cast<UniformType>(fq.getQuant())) {
    GridLookup grid(uniform, in.shape);
    for (size_t i = 0; i < out.size(); ++i) {
      Grid g = grid.at(i);
      out[i] = Quantizer{g.scale, g.zeroPoint, lo, hi, mode, computed}.value(
          in.reals[i]);
    }
    return setFloats(fq, std::move(out));
  }
  if (!fq.getMin())
    return fq->emitError() << "fake_quant to " << fq.getQuant()
                           << " has no scale yet: calibrate the model first";
  // A learned range [min, max] spans the codes [lo, hi].
  UniformType grid = getUniformForRange(
      fq->getContext(), info->width, info->isSigned, fq.getNarrow(),
      fq.getMin()->convertToDouble(), fq.getMax()->convertToDouble());
  Quantizer q{grid.getScale(), grid.getZeroPoint(), lo, hi, mode, computed};
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = q.value(in.reals[i]);
  return setFloats(fq, std::move(out));
}

LogicalResult Evaluator::evalQuantize(QuantizeOp quant) {
  // As ONNX QuantizeLinear specifies and ONNX Runtime computes it: the
  // division in float32, then rounding and saturation.
  const EvalTensor &in = get(quant.getInput());
  UniformType type = uniformOf(quant.getOutput());
  RoundingMode mode = toRoundingMode(quant.getRounding());
  std::vector<int64_t> out(in.reals.size());
  GridLookup grid(type, in.shape);
  for (size_t i = 0; i < out.size(); ++i) {
    Grid g = grid.at(i);
    float ratio = static_cast<float>(in.reals[i]) / static_cast<float>(g.scale);
    out[i] = quantizeValue(ratio, 1.0, static_cast<int32_t>(g.zeroPoint),
                           type.getStorageMin(), type.getStorageMax(), mode);
  }
  return setInts(quant, std::move(out));
}

LogicalResult Evaluator::evalDequantize(DequantizeOp dequant) {
  set(dequant->getResult(0),
      dequantizeCodes(get(dequant.getInput()), uniformOf(dequant.getInput())));
  return success();
}

LogicalResult Evaluator::evalRequantize(RequantizeOp rq) {
  const EvalTensor &in = get(rq.getInput());
  int64_t zin = zeroPointOf(rq.getInput());
  UniformType outType = uniformOf(rq.getOutput());
  auto [lo, hi] = clampRange(rq.getClampMin(), rq.getClampMax(), outType);
  RoundingMode mode = toRoundingMode(rq.getRounding());
  ArrayRef<int32_t> m0 = rq.getMultiplier(), n0 = rq.getExponent();
  std::optional<ArrayRef<int32_t>> bias = rq.getBias();
  int64_t channels = in.shape.empty() ? 1 : in.shape.back();
  auto pick = [&](ArrayRef<int32_t> values, int64_t c) {
    return values.size() == 1 ? values[0] : values[c];
  };
  std::vector<int64_t> out(in.ints.size());
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t c = static_cast<int64_t>(i) % channels;
    int64_t acc = in.ints[i] - zin + (bias ? pick(*bias, c) : 0);
    out[i] =
        requantize(acc, pick(m0, c), pick(n0, c),
                   static_cast<int32_t>(outType.getZeroPoint()), lo, hi, mode);
  }
  return setInts(rq, std::move(out));
}

LogicalResult Evaluator::evalMaxPool2D(MaxPool2DOp pool) {
  const EvalTensor &in = get(pool.getInput());
  Window win =
      makeWindow(pool.getKernel(), pool.getStrides(), {1, 1}, pool.getPads());
  EvalTensor out;
  out.shape = shapeOf(pool->getResult(0));
  out.isInteger = in.isInteger;
  int64_t n = out.numElements();
  // Padding never wins: only in-bounds taps are compared.
  std::vector<double> best(n, -INFINITY);
  std::vector<int64_t> bestInt(n, INT64_MIN);
  forEachPoolTap(
      in.shape, out.shape, win,
      [&](int64_t o, int64_t i) {
        if (in.isInteger)
          bestInt[o] = std::max(bestInt[o], in.ints[i]);
        else
          best[o] = std::max(best[o], in.reals[i]);
      },
      [](int64_t, int64_t) {});
  if (in.isInteger)
    out.ints = std::move(bestInt);
  else
    out.reals = std::move(best);
  set(pool->getResult(0), std::move(out));
  return success();
}

LogicalResult Evaluator::evalAvgPool2D(AvgPool2DOp pool) {
  const EvalTensor &in = get(pool.getInput());
  Window win =
      makeWindow(pool.getKernel(), pool.getStrides(), {1, 1}, pool.getPads());
  std::vector<int64_t> outShape = shapeOf(pool->getResult(0));
  std::vector<double> out(EvalTensor::floats(outShape, {}).numElements());
  double area = static_cast<double>(win.kh * win.kw);
  forEachPoolTap(
      in.shape, outShape, win,
      [&](int64_t o, int64_t i) { out[o] += in.reals[i]; },
      [&](int64_t o, int64_t taps) {
        out[o] /= pool.getCountIncludePad() ? area : static_cast<double>(taps);
      });
  return setFloats(pool, std::move(out));
}

LogicalResult Evaluator::evalQAvgPool2D(QAvgPool2DOp pool) {
  const EvalTensor &in = get(pool.getInput());
  int64_t zin = zeroPointOf(pool.getInput());
  UniformType outType = uniformOf(pool.getOutput());
  Window win =
      makeWindow(pool.getKernel(), pool.getStrides(), {1, 1}, pool.getPads());
  std::vector<int64_t> outShape = shapeOf(pool->getResult(0));
  std::vector<int64_t> sums(EvalTensor::integers(outShape, {}).numElements(),
                            0);
  forEachPoolTap(
      in.shape, outShape, win,
      [&](int64_t o, int64_t i) { sums[o] += in.ints[i] - zin; },
      [](int64_t, int64_t) {});
  for (int64_t &s : sums)
    s = requantize(s, pool.getMultiplier(), pool.getExponent(),
                   static_cast<int32_t>(outType.getZeroPoint()),
                   outType.getStorageMin(), outType.getStorageMax(),
                   toRoundingMode(pool.getRounding()));
  return setInts(pool, std::move(sums));
}

LogicalResult Evaluator::evalGlobalAvgPool(GlobalAvgPoolOp pool) {
  const EvalTensor &in = get(pool.getInput());
  int64_t n = in.shape[0], hw = in.shape[1] * in.shape[2], c = in.shape[3];
  std::vector<double> out(n * c, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = 0; ch < c; ++ch)
        out[b * c + ch] += in.reals[(b * hw + p) * c + ch];
  for (double &v : out)
    v /= static_cast<double>(hw);
  return setFloats(pool, std::move(out));
}

LogicalResult Evaluator::evalReshape(ReshapeOp reshape) {
  return moveElements(reshape, get(reshape.getInput()),
                      [](int64_t i) { return i; });
}

LogicalResult Evaluator::evalTranspose(TransposeOp transpose) {
  const EvalTensor &in = get(transpose.getInput());
  std::vector<int64_t> outShape = shapeOf(transpose->getResult(0));
  auto inStrides = rowMajorStrides(in.shape);
  auto outStrides = rowMajorStrides(outShape);
  ArrayRef<int64_t> perm = transpose.getPerm();
  return moveElements(transpose, in, [&](int64_t i) {
    int64_t src = 0;
    for (size_t d = 0; d < outShape.size(); ++d)
      src += ((i / outStrides[d]) % outShape[d]) * inStrides[perm[d]];
    return src;
  });
}

LogicalResult Evaluator::evalPad(PadOp pad) {
  const EvalTensor &in = get(pad.getInput());
  std::vector<int64_t> outShape = shapeOf(pad->getResult(0));
  int64_t rank = outShape.size();
  auto inStrides = rowMajorStrides(in.shape);
  auto outStrides = rowMajorStrides(outShape);
  ArrayRef<int64_t> pads = pad.getPads();
  double value = pad.getValue().convertToDouble();
  EvalTensor out;
  out.shape = outShape;
  out.isInteger = in.isInteger;
  for (int64_t i = 0, n = out.numElements(); i < n; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t coord = (i / outStrides[d]) % outShape[d] - pads[d];
      inside &= coord >= 0 && coord < in.shape[d];
      src += coord * inStrides[d];
    }
    if (in.isInteger)
      out.ints.push_back(inside ? in.ints[src] : static_cast<int64_t>(value));
    else
      out.reals.push_back(inside ? in.reals[src] : value);
  }
  set(pad->getResult(0), std::move(out));
  return success();
}

LogicalResult Evaluator::evalSlice(SliceOp slice) {
  const EvalTensor &in = get(slice.getInput());
  std::vector<int64_t> outShape = shapeOf(slice->getResult(0));
  auto inStrides = rowMajorStrides(in.shape);
  auto outStrides = rowMajorStrides(outShape);
  ArrayRef<int64_t> offsets = slice.getOffsets(), strides = slice.getStrides();
  return moveElements(slice, in, [&](int64_t i) {
    int64_t src = 0;
    for (size_t d = 0; d < outShape.size(); ++d)
      src += (offsets[d] + (i / outStrides[d]) % outShape[d] * strides[d]) *
             inStrides[d];
    return src;
  });
}

/// The bilinear taps of an NHWC resize: for every output pixel the four
/// input pixels and their integer weights (over h.denominator *
/// w.denominator), in row-major order of the output; `visit(outPixel,
/// inPixels[4], weights[4])`.
template <typename Fn>
static void forEachBilinearTap(ArrayRef<int64_t> inShape,
                               ArrayRef<int64_t> outShape,
                               const LinearResizeAxis &h,
                               const LinearResizeAxis &w, Fn visit) {
  const int64_t inH = inShape[1], inW = inShape[2];
  for (int64_t n = 0; n < outShape[0]; ++n)
    for (int64_t r = 0; r < outShape[1]; ++r) {
      const int64_t h0 = h.index[r], h1 = std::min(h0 + 1, inH - 1);
      const int64_t wh1 = h.weight[r], wh0 = h.denominator - wh1;
      for (int64_t c = 0; c < outShape[2]; ++c) {
        const int64_t w0 = w.index[c], w1 = std::min(w0 + 1, inW - 1);
        const int64_t ww1 = w.weight[c], ww0 = w.denominator - ww1;
        const int64_t base = n * inH;
        const int64_t pixels[4] = {
            (base + h0) * inW + w0, (base + h0) * inW + w1,
            (base + h1) * inW + w0, (base + h1) * inW + w1};
        const int64_t weights[4] = {wh0 * ww0, wh0 * ww1, wh1 * ww0, wh1 * ww1};
        visit((n * outShape[1] + r) * outShape[2] + c, pixels, weights);
      }
    }
}

LogicalResult Evaluator::evalResizeLinear(ResizeLinearOp resize) {
  const EvalTensor &in = get(resize.getInput());
  std::vector<int64_t> outShape = shapeOf(resize->getResult(0));
  const std::string mode = resize.getCoordinateMode().str();
  LinearResizeAxis h = linearResizeAxis(in.shape[1], outShape[1], mode),
                   w = linearResizeAxis(in.shape[2], outShape[2], mode);
  const int64_t channels = in.shape[3];
  const double scale = 1.0 / (static_cast<double>(h.denominator) *
                              static_cast<double>(w.denominator));
  std::vector<double> out(outShape[0] * outShape[1] * outShape[2] * channels);
  forEachBilinearTap(
      in.shape, outShape, h, w,
      [&](int64_t o, const int64_t *pixels, const int64_t *weights) {
        for (int64_t k = 0; k < channels; ++k) {
          double sum = 0;
          for (int t = 0; t < 4; ++t)
            sum += static_cast<double>(weights[t]) *
                   in.reals[pixels[t] * channels + k];
          out[o * channels + k] = sum * scale;
        }
      });
  return setFloats(resize, std::move(out));
}

LogicalResult Evaluator::evalQResizeLinear(QResizeLinearOp resize) {
  const EvalTensor &in = get(resize.getInput());
  std::vector<int64_t> outShape = shapeOf(resize->getResult(0));
  LinearResizeAxis h, w;
  h.index.assign(resize.getHIndex().begin(), resize.getHIndex().end());
  h.weight.assign(resize.getHWeight().begin(), resize.getHWeight().end());
  h.denominator = resize.getHDenominator();
  w.index.assign(resize.getWIndex().begin(), resize.getWIndex().end());
  w.weight.assign(resize.getWWeight().begin(), resize.getWWeight().end());
  w.denominator = resize.getWDenominator();
  const int64_t channels = in.shape[3], zin = zeroPointOf(resize.getInput());
  UniformType outType = uniformOf(resize.getOutput());
  RoundingMode mode = toRoundingMode(resize.getRounding());
  std::vector<int64_t> out(outShape[0] * outShape[1] * outShape[2] * channels);
  forEachBilinearTap(
      in.shape, outShape, h, w,
      [&](int64_t o, const int64_t *pixels, const int64_t *weights) {
        for (int64_t k = 0; k < channels; ++k) {
          int64_t acc = 0;
          for (int t = 0; t < 4; ++t)
            acc += weights[t] * (in.ints[pixels[t] * channels + k] - zin);
          out[o * channels + k] = requantize(
              acc, resize.getMultiplier(), resize.getExponent(),
              static_cast<int32_t>(outType.getZeroPoint()),
              outType.getStorageMin(), outType.getStorageMax(), mode);
        }
      });
  return setInts(resize, std::move(out));
}

LogicalResult Evaluator::evalResizeNearest(ResizeNearestOp resize) {
  const EvalTensor &in = get(resize.getInput());
  std::vector<int64_t> outShape = shapeOf(resize->getResult(0));
  auto inStrides = rowMajorStrides(in.shape);
  auto outStrides = rowMajorStrides(outShape);
  ArrayRef<int64_t> factors = resize.getFactors();
  return moveElements(resize, in, [&](int64_t i) {
    int64_t src = 0;
    for (size_t d = 0; d < outShape.size(); ++d)
      src += (i / outStrides[d]) % outShape[d] / factors[d] * inStrides[d];
    return src;
  });
}

LogicalResult Evaluator::evalConcat(ConcatOp concat) {
  std::vector<int64_t> outShape = shapeOf(concat->getResult(0));
  int64_t axis = concat.getAxis() < 0 ? concat.getAxis() + outShape.size()
                                      : concat.getAxis();
  // Rows before the axis, then each input's contiguous chunk per row.
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= outShape[d];
  EvalTensor out;
  out.shape = outShape;
  out.isInteger = get(concat.getInputs().front()).isInteger;
  for (int64_t row = 0; row < outer; ++row)
    for (Value input : concat.getInputs()) {
      const EvalTensor &in = get(input);
      int64_t chunk = in.numElements() / outer;
      for (int64_t k = 0; k < chunk; ++k) {
        if (in.isInteger)
          out.ints.push_back(in.ints[row * chunk + k]);
        else
          out.reals.push_back(in.reals[row * chunk + k]);
      }
    }
  set(concat->getResult(0), std::move(out));
  return success();
}

LogicalResult Evaluator::evalOp(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::ConstantOp c) { return evalArithConstant(c); })
      .Case([&](QConstantOp c) { return evalQConstant(c); })
      .Case([&](Conv2DOp conv) { return evalConv2D(conv); })
      .Case([&](QConv2DOp conv) { return evalQConv2D(conv); })
      .Case([&](FullyConnectedOp fc) { return evalFullyConnected(fc); })
      .Case([&](QFullyConnectedOp fc) { return evalQFullyConnected(fc); })
      .Case([&](MatMulOp mm) { return evalMatMul(mm); })
      .Case([&](BatchNormOp bn) { return evalBatchNorm(bn); })
      .Case<AddOp, MulOp>([&](auto binary) { return evalAddOrMul(binary); })
      .Case([&](QAddOp add) { return evalQAdd(add); })
      .Case([&](QMulOp mul) { return evalQMul(mul); })
      .Case([&](PReluOp prelu) { return evalPRelu(prelu); })
      .Case<MaxOp, MinOp>([&](auto op) { return evalExtremum(op); })
      .Case<QMaxOp, QMinOp>([&](auto op) { return evalQExtremum(op); })
      .Case([&](ReluOp relu) { return evalRelu(relu); })
      .Case([&](ClipOp clip) { return evalClip(clip); })
      .Case([&](SoftmaxOp softmax) { return evalSoftmax(softmax); })
      .Case([&](QSoftmaxOp softmax) { return evalQSoftmax(softmax); })
      .Case([&](LayerNormOp norm) { return evalLayerNorm(norm); })
      .Case([&](QLayerNormOp norm) { return evalQLayerNorm(norm); })
      .Case([&](ElementwiseFunctionOpInterface function) {
        return evalElementwiseFunction(function);
      })
      .Case([&](TableOp table) { return evalTable(table); })
      .Case([&](FakeQuantOp fq) { return evalFakeQuant(fq); })
      .Case([&](QuantizeOp quant) { return evalQuantize(quant); })
      .Case([&](DequantizeOp dequant) { return evalDequantize(dequant); })
      .Case([&](RequantizeOp rq) { return evalRequantize(rq); })
      .Case([&](MaxPool2DOp pool) { return evalMaxPool2D(pool); })
      .Case([&](AvgPool2DOp pool) { return evalAvgPool2D(pool); })
      .Case([&](QAvgPool2DOp pool) { return evalQAvgPool2D(pool); })
      .Case([&](GlobalAvgPoolOp pool) { return evalGlobalAvgPool(pool); })
      .Case([&](ReshapeOp reshape) { return evalReshape(reshape); })
      .Case([&](TransposeOp transpose) { return evalTranspose(transpose); })
      .Case([&](PadOp pad) { return evalPad(pad); })
      .Case([&](ConcatOp concat) { return evalConcat(concat); })
      .Case([&](SliceOp slice) { return evalSlice(slice); })
      .Case([&](ResizeNearestOp resize) { return evalResizeNearest(resize); })
      .Case([&](ResizeLinearOp resize) { return evalResizeLinear(resize); })
      .Case([&](QResizeLinearOp resize) { return evalQResizeLinear(resize); })
      .Default([&](Operation *) {
        return op->emitError() << "the reference evaluator does not support '"
                               << op->getName() << "'";
      });
}

FailureOr<EvalResult> mlir::mpq::evaluate(func::FuncOp func,
                                          ArrayRef<EvalTensor> inputs,
                                          const EvalOptions &options) {
  return Evaluator(options).run(func, inputs);
}

EvalTensor mlir::mpq::dequantizeCodes(const EvalTensor &codes,
                                      UniformType type) {
  GridLookup grid(type, codes.shape);
  std::vector<double> reals(codes.ints.size());
  for (size_t i = 0; i < reals.size(); ++i) {
    Grid g = grid.at(i);
    reals[i] = static_cast<double>(codes.ints[i] - g.zeroPoint) * g.scale;
  }
  return EvalTensor::floats(codes.shape, std::move(reals));
}

std::string mlir::mpq::displayName(Operation *op, int64_t index) {
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    return loc.getName().str();
  return op->getName().getStringRef().str() + "#" + std::to_string(index);
}

FailureOr<int64_t> mlir::mpq::countSamples(func::FuncOp func,
                                           ArrayRef<EvalTensor> inputs) {
  if (inputs.size() != func.getNumArguments())
    return func.emitError() << "expected " << func.getNumArguments()
                            << " inputs, got " << inputs.size();
  int64_t samples = 1;
  std::optional<unsigned> batchedInput;
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    std::vector<int64_t> shape = shapeOf(arg);
    const std::vector<int64_t> &given = inputs[i].shape;
    if (given == shape)
      continue;
    // Another sample count in the first dimension, the rest equal.
    bool batched =
        !shape.empty() && shape[0] == 1 && given.size() == shape.size() &&
        given[0] > 1 &&
        std::equal(shape.begin() + 1, shape.end(), given.begin() + 1);
    if (!batched) {
      auto diag = func.emitError() << "input #" << i << " has shape [";
      llvm::interleaveComma(given, diag);
      return diag << "], expected " << arg.getType()
                  << (shape.empty() || shape[0] != 1
                          ? ""
                          : " (or N samples stacked along the first "
                            "dimension)");
    }
    if (batchedInput && given[0] != samples)
      return func.emitError()
             << "input #" << i << " holds " << given[0]
             << " samples but input #" << *batchedInput << " holds " << samples;
    batchedInput = i;
    samples = given[0];
  }
  return samples;
}

std::vector<EvalTensor> mlir::mpq::selectSample(func::FuncOp func,
                                                ArrayRef<EvalTensor> inputs,
                                                int64_t index) {
  std::vector<EvalTensor> sample;
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    std::vector<int64_t> shape = shapeOf(arg);
    const EvalTensor &input = inputs[i];
    if (input.shape == shape) {
      sample.push_back(input);
      continue;
    }
    int64_t size = EvalTensor::floats(shape, {}).numElements();
    EvalTensor one;
    one.shape = shape;
    one.isInteger = input.isInteger;
    if (input.isInteger)
      one.ints.assign(input.ints.begin() + index * size,
                      input.ints.begin() + (index + 1) * size);
    else
      one.reals.assign(input.reals.begin() + index * size,
                       input.reals.begin() + (index + 1) * size);
    sample.push_back(std::move(one));
  }
  return sample;
}

/// Appends `tensor` to `stacked` along the first dimension (a scalar becomes
/// one element of a vector).
static void appendSample(EvalTensor &stacked, const EvalTensor &tensor,
                         bool first) {
  if (first) {
    stacked = tensor;
    if (stacked.shape.empty())
      stacked.shape = {1};
    return;
  }
  stacked.shape[0] += tensor.shape.empty() ? 1 : tensor.shape[0];
  stacked.ints.insert(stacked.ints.end(), tensor.ints.begin(),
                      tensor.ints.end());
  stacked.reals.insert(stacked.reals.end(), tensor.reals.begin(),
                       tensor.reals.end());
}

FailureOr<EvalResult> mlir::mpq::evaluateBatch(func::FuncOp func,
                                               ArrayRef<EvalTensor> inputs,
                                               const EvalOptions &options) {
  FailureOr<int64_t> samples = countSamples(func, inputs);
  if (failed(samples))
    return failure();
  if (*samples == 1)
    return evaluate(func, inputs, options);
  EvalResult stacked;
  for (int64_t n = 0; n < *samples; ++n) {
    FailureOr<EvalResult> one =
        evaluate(func, selectSample(func, inputs, n), options);
    if (failed(one))
      return failure();
    if (n == 0) {
      stacked.outputs.resize(one->outputs.size());
      stacked.intermediates.resize(one->intermediates.size());
    }
    for (auto [all, tensor] : llvm::zip(stacked.outputs, one->outputs))
      appendSample(all, tensor, n == 0);
    for (auto [all, entry] :
         llvm::zip(stacked.intermediates, one->intermediates)) {
      all.first = entry.first;
      appendSample(all.second, entry.second, n == 0);
    }
  }
  return stacked;
}
