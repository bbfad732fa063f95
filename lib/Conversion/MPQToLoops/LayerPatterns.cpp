//===- LayerPatterns.cpp - Conv and fully connected kernels ---------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// A qconv2d or qfully_connected and the requantize that reads its int32
// accumulator are one step of the schedule and one loop nest: the pattern is
// rooted at the requantize (where the result is stored), and the accumulator
// never reaches memory. One pattern per kernel strategy; the convolution's are
// tried by benefit:
//
//   MatMulSmladLowering  (4, with arm-dsp; also fully connected) 1x1
//                        convolutions as a product at 8, 4 or 2 bits:
//                        32-bit loads, 2 pixels x 2 channels, weights laid
//                        out as read, sub-byte fields masked into lanes;
//   ConvSmladLowering    (3, with arm-dsp) four 8-bit codes per word, two
//                        16-bit products per SMLAD, inside the image;
//   ConvSteppedLowering  (2) a few codes per step, so that every sub-byte
//                        code sits at a constant shift in the bytes loaded;
//   ConvScalarLowering   (1) code by code (input channels not in whole
//                        bytes), and the errors of a layer that has no
//                        kernel.
//
// All of them share the loop nest over output positions and channel blocks
// (FusedLayer); they differ in the reduction over one window.
//
//===----------------------------------------------------------------------===//

#include "LoopPattern.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <numeric>
#include <optional>

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// One layer and its requantize: operands, parameters and the facts about
/// their ranges that the kernels are chosen by. `analyze` reads the IR only;
/// `materialize` places the result and creates the constant globals.
struct FusedLayer {
  Operation *layer = nullptr;
  RequantizeOp rq;
  QConstantOp weightOp;
  PackedBuffer in, w;
  PackedBuffer out;
  UniformType wElem, outElem;
  int64_t channels = 0, zx = 0, lo = 0, hi = 0;
  RoundingMode mode = RoundingMode::Floor;
  SmallVector<int32_t> zeroPoints;
  bool weightZeroPoints = false, narrowTotal = false, highWord = false;
  /// The largest |accumulator| the codes allow (without the bias).
  double maxAccumulator = 0;
  MPQToLoopsLowering::ChannelParams params;
  MPQToLoopsLowering::ParamTable zw;

  /// Diagnostics go to the layer only when `report` (the fallback pattern);
  /// other patterns just do not match.
  static FailureOr<FusedLayer>
  analyze(RequantizeOp rq, const MPQToLoopsLowering &lowering, bool report);
  /// `weights`: also the packed weight bytes (kernels with a layout of
  /// their own make theirs).
  LogicalResult materialize(MPQToLoopsLowering &lowering, OpBuilder &b,
                            bool weights = true);
};

FailureOr<FusedLayer> FusedLayer::analyze(RequantizeOp rq,
                                          const MPQToLoopsLowering &lowering,
                                          bool report) {
  FusedLayer f;
  f.rq = rq;
  f.layer = rq.getInput().getDefiningOp();
  if (report) {
    FailureOr<PackedBuffer> in =
        lowering.bufferFor(f.layer->getOperand(0), f.layer);
    if (failed(in))
      return failure();
    f.in = *in;
  } else if (std::optional<PackedBuffer> in =
                 lowering.lookupBuffer(f.layer->getOperand(0))) {
    f.in = *in;
  } else {
    return failure();
  }
  f.weightOp = f.layer->getOperand(1).getDefiningOp<QConstantOp>();
  if (!f.weightOp) {
    if (report)
      f.layer->emitError() << "code generation needs constant weights";
    return failure();
  }
  auto wType = cast<RankedTensorType>(f.weightOp.getType());
  f.wElem = cast<UniformType>(wType.getElementType());
  f.w.shape.assign(wType.getShape().begin(), wType.getShape().end());
  f.w.bits = f.wElem.getWidth();
  f.w.isSigned = f.wElem.getIsSigned();
  if (f.w.bits != 1 && f.w.bits != 2 && f.w.bits != 4 && f.w.bits != 8) {
    if (report)
      f.layer->emitError() << "code generation supports 1, 2, 4 and 8-bit "
                              "weights; these have "
                           << f.w.bits << " bits";
    return failure();
  }

  f.channels = f.w.shape[0];
  for (int64_t c = 0; c < f.channels; ++c)
    f.zeroPoints.push_back(static_cast<int32_t>(f.wElem.isPerAxis()
                                                    ? f.wElem.getZeroPoints()[c]
                                                    : f.wElem.getZeroPoint()));
  f.outElem = cast<UniformType>(rq.getType().getElementType());
  f.lo = rq.getClampMin().value_or(f.outElem.getStorageMin());
  f.hi = rq.getClampMax().value_or(f.outElem.getStorageMax());
  f.mode = toRoundingMode(rq.getRounding());
  UniformType xElem =
      cast<UniformType>(cast<RankedTensorType>(f.layer->getOperand(0).getType())
                            .getElementType());
  f.zx = xElem.getZeroPoint();

  // When |accumulator + bias| provably fits in int32, the sum is taken in
  // int32 and the requantization product is a 32x32->64 multiply (SMULL on
  // Cortex-M) instead of a 64x64 one; the value is the same.
  int64_t maxX = std::max(std::abs(xElem.getStorageMin() - f.zx),
                          std::abs(xElem.getStorageMax() - f.zx));
  int64_t maxW = 0, maxB = 0, taps = 1;
  for (int32_t z : f.zeroPoints)
    maxW = std::max({maxW, std::abs(f.wElem.getStorageMin() - z),
                     std::abs(f.wElem.getStorageMax() - z)});
  if (std::optional<ArrayRef<int32_t>> bias = rq.getBias())
    for (int32_t b : *bias)
      maxB = std::max<int64_t>(maxB, std::abs(static_cast<int64_t>(b)));
  for (size_t d = 1; d < f.w.shape.size(); ++d)
    taps *= f.w.shape[d];
  f.maxAccumulator = static_cast<double>(taps) * maxX * maxW;
  f.narrowTotal = f.maxAccumulator + maxB < 2147483647.0;

  // Floor with every shift 31 - N0 >= 32, or HalfUp with every shift >= 33
  // (real multipliers below 1/2 or 1/4, the usual case), and a narrow
  // output: the requantization works on the product's high word.
  const int32_t maxExponent = f.mode == RoundingMode::HalfUp ? -2 : -1;
  f.highWord =
      f.narrowTotal &&
      (f.mode == RoundingMode::Floor || f.mode == RoundingMode::HalfUp) &&
      f.outElem.getWidth() <= 16 &&
      llvm::all_of(rq.getExponent(),
                   [&](int32_t n0) { return n0 <= maxExponent; });
  f.weightZeroPoints =
      llvm::any_of(f.zeroPoints, [](int32_t z) { return z != 0; });
  return f;
}

LogicalResult FusedLayer::materialize(MPQToLoopsLowering &lowering,
                                      OpBuilder &b, bool weights) {
  if (failed(lowering.assignStorage(rq)))
    return failure();
  out = *lowering.lookupBuffer(rq.getResult());
  if (weights)
    w.memref = lowering.weightBytes(b, weightOp, w);
  params = lowering.requantParams(b, rq, channels);
  zw = lowering.paramTable(b, "weight_zp", zeroPoints);
  return success();
}

/// The parts of a layer's loop nest every kernel shares: channel blocks,
/// the weight zero point, the requantization and store of a block.
class LayerEmitter {
public:
  LayerEmitter(FusedLayer &f, OpBuilder &b, unsigned channelBlock)
      : f(f), e(b, f.layer->getLoc()), channelBlock(channelBlock) {}

  /// The weight zero point of output channel `o` (null without zero
  /// points).
  Value loadZw(Value o) {
    if (!f.weightZeroPoints)
      return Value();
    return f.zw.at(e, o);
  }

  /// sum (x - zx)(w - zw) = sum (x - zx) w - zw sum (x - zx): where several
  /// output channels read the same inputs, the input sum is computed once
  /// per output position (and group), and the products use the stored
  /// weight codes as they are, saving a subtraction per multiply. i32
  /// arithmetic wraps, so the result is the exact accumulator whenever that
  /// fits in int32, as mpq.qconv2d requires. Weights without zero points
  /// skip both.
  Value weightTerm(Value code, Value zw, bool factored) {
    return f.weightZeroPoints && !factored ? e.sub(code, zw) : code;
  }

  /// Channel `o`'s accumulator requantized (i32).
  Value requantized(Value acc, Value o) {
    Value bias = f.params.biases.at(e, o);
    Value m0 = e.toI64(f.params.multipliers.at(e, o));
    Value shift = f.params.shifts.at(e, o);
    Value total = f.narrowTotal ? e.toI64(e.add(acc, bias))
                                : e.add(e.toI64(acc), e.toI64(bias));
    return f.highWord
               ? e.requantizeHigh(total, m0, shift, f.outElem.getZeroPoint(),
                                  f.lo, f.hi, f.mode)
               : e.requantize(total, m0, e.toI64(shift),
                              f.outElem.getZeroPoint(), f.lo, f.hi, f.mode);
  }

  /// Requantizes channel `o`'s accumulator and stores it at outIdx.
  void finish(Value acc, Value o, ArrayRef<Value> outIdx) {
    Value y = requantized(acc, o);
    e.store(f.out, flatRow(e, f.out.shape, outIdx), o, y);
  }

  /// Requantizes channel `o`'s accumulator and stores it in row `row` of the
  /// result.
  void finishRow(Value acc, Value o, Value row) {
    e.store(f.out, row, o, requantized(acc, o));
  }

  /// A channel block's accumulators, less zw * (input sum) where the weight
  /// zero point was factored out (`sum` is null otherwise), requantized and
  /// stored at outIdx(o).
  void finishBlock(ArrayRef<Value> os, ArrayRef<Value> accs,
                   ArrayRef<Value> zws, Value sum,
                   function_ref<SmallVector<Value>(Value)> outIdx) {
    for (auto [j, o] : llvm::enumerate(os))
      finish(sum ? e.sub(accs[j], e.mul(zws[j], sum)) : accs[j], o, outIdx(o));
  }

  /// Output channels [first, first + count) in blocks of up to
  /// `channelBlock` that share each input load (one accumulator per channel
  /// of the block).
  void blockedChannels(Value first, int64_t count,
                       function_ref<void(ArrayRef<Value>)> body) {
    int64_t block = 1;
    while (block * 2 <= channelBlock && count % (block * 2) == 0)
      block *= 2;
    e.loopNest({count / block}, [&](ArrayRef<Value> ivs) {
      Value start = e.add(first, e.mul(ivs[0], e.index(block)));
      SmallVector<Value> os;
      for (int64_t j = 0; j < block; ++j)
        os.push_back(e.add(start, e.index(j)));
      body(os);
    });
  }

  FusedLayer &f;
  LoopEmitter e;
  unsigned channelBlock;
};

//===----------------------------------------------------------------------===//
// Fully connected
//===----------------------------------------------------------------------===//

/// qfully_connected + requantize: per row, the input sum (weight zero point
/// factored out), then channel blocks reducing over K code by code.
class FullyConnectedLowering : public LoopPattern<RequantizeOp> {
public:
  FullyConnectedLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
                         const MPQToLoopsOptions &options)
      : LoopPattern(context, lowering), options(options) {}

protected:
  LogicalResult matchKernel(RequantizeOp rq,
                            PatternRewriter &rewriter) const override {
    return success(rq.getInput().getDefiningOp<QFullyConnectedOp>());
  }

  LogicalResult emit(RequantizeOp rq, OpBuilder &b) const override {
    FailureOr<FusedLayer> layer = FusedLayer::analyze(rq, lowering, true);
    if (failed(layer) || failed(layer->materialize(lowering, b)))
      return failure();
    FusedLayer &f = *layer;
    LayerEmitter le(f, b, options.channelBlock);
    LoopEmitter &e = le.e;
    int64_t k = f.in.shape[1];
    bool factored = f.weightZeroPoints && f.channels >= 2;
    e.loopNest({f.out.shape[0]}, [&](ArrayRef<Value> rows) {
      Value n = rows[0];
      auto x = [&](Value r) { return e.sub(e.load(f.in, n, r), e.i32(f.zx)); };
      Value sum;
      if (factored)
        sum = e.reduceNest({k}, e.i32(0), [&](ArrayRef<Value> r, Value a) {
          return e.add(a, x(r[0]));
        });
      le.blockedChannels(e.index(0), f.channels, [&](ArrayRef<Value> os) {
        SmallVector<Value> zws =
            llvm::map_to_vector(os, [&](Value o) { return le.loadZw(o); });
        SmallVector<Value> accs =
            e.reduceNest({k}, SmallVector<Value>(os.size(), e.i32(0)),
                         [&](ArrayRef<Value> r, ValueRange a) {
                           Value xv = x(r[0]);
                           SmallVector<Value> next;
                           for (auto [j, o] : llvm::enumerate(os)) {
                             Value wv = le.weightTerm(e.load(f.w, o, r[0]),
                                                      zws[j], factored);
                             next.push_back(e.add(a[j], e.mul(xv, wv)));
                           }
                           return next;
                         });
        le.finishBlock(os, accs, zws, sum, [&](Value o) {
          return SmallVector<Value>{n, o};
        });
      });
    });
    return success();
  }

private:
  MPQToLoopsOptions options;
};

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// A qconv2d's geometry and the facts the kernels are chosen by.
struct ConvShape {
  int64_t kh, kw, inPerGroup, groups, outPerGroup;
  bool factored, padded;
  /// Codes per step of the stepped kernel: enough that every sub-byte code
  /// of a step sits at a constant place in its byte.
  int64_t step;
  /// Whether the input channels of a group come in whole steps.
  bool stepped;
  /// SMLAD multiplies the stored codes as they are: 8-bit codes, inputs
  /// without zero point, weights without one or with it factored out, and
  /// whole words of input channels.
  bool smlad;

  explicit ConvShape(const FusedLayer &f) {
    auto conv = cast<QConv2DOp>(f.layer);
    kh = f.w.shape[1], kw = f.w.shape[2], inPerGroup = f.w.shape[3];
    groups = conv.getGroups(), outPerGroup = f.channels / groups;
    factored = f.weightZeroPoints && outPerGroup >= 2;
    padded = llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; });
    int64_t xBits = f.in.bits;
    step = std::max<int64_t>(8 / std::min<int64_t>(xBits, 8),
                             8 / std::min<int64_t>(f.w.bits, 8));
    stepped = inPerGroup % step == 0;
    smlad = f.in.bits == 8 && f.w.bits == 8 && f.zx == 0 &&
            inPerGroup % 4 == 0 && (factored || !f.weightZeroPoints);
  }
};

/// One output position (n, oy, ox) of one group, as a kernel sees it.
/// `checked`: its window may reach into the padding.
struct ConvPosition {
  Value n, oy, ox, group, firstChannel;
  bool checked;
};

/// The reduction over one window for a block of output channels `os`: the
/// accumulators, zero points not yet subtracted where `ConvShape::factored`.
using ConvKernel = function_ref<SmallVector<Value>(
    LayerEmitter &, const ConvShape &, const ConvPosition &, ArrayRef<Value>,
    ArrayRef<Value>)>;

/// The centered input code of a tap r = (ky, kx, c); taps in the padding
/// read a valid address and contribute 0.
Value centeredTap(LayerEmitter &le, const ConvPosition &p, ArrayRef<Value> r) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  auto conv = cast<QConv2DOp>(f.layer);
  auto [inside, row] =
      windowTap(e, f.in.shape, p.n, p.oy, p.ox, r[0], r[1], conv.getStrides(),
                conv.getDilations(), conv.getPads(), p.checked);
  Value v = e.sub(e.load(f.in, row, e.add(p.firstChannel, r[2])), e.i32(f.zx));
  return e.select(inside, v, e.i32(0));
}

/// Four codes a step, two products per SMLAD; only where no tap needs a
/// padding test.
SmallVector<Value> smladKernel(LayerEmitter &le, const ConvShape &s,
                               const ConvPosition &p, ArrayRef<Value> os,
                               ArrayRef<Value> zws) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  auto conv = cast<QConv2DOp>(f.layer);
  return e.reduceNest(
      {s.kh, s.kw, s.inPerGroup / 4}, SmallVector<Value>(os.size(), e.i32(0)),
      [&](ArrayRef<Value> r, ValueRange a) {
        Value ci = e.mul(r[2], e.index(4));
        WindowTap tap = windowTap(e, f.in.shape, p.n, p.oy, p.ox, r[0], r[1],
                                  conv.getStrides(), conv.getDilations(),
                                  conv.getPads(), /*checked=*/false);
        auto [xe, xo] =
            e.halves(e.loadWord(f.in, tap.row, e.add(p.firstChannel, ci)),
                     f.in.isSigned);
        SmallVector<Value> next;
        for (auto [j, o] : llvm::enumerate(os)) {
          Value wRow = flatRow(e, f.w.shape, {o, r[0], r[1], Value()});
          auto [we, wo] = e.halves(e.loadWord(f.w, wRow, ci), f.w.isSigned);
          Value acc = e.armIntrinsic("llvm.arm.smlad", {xe, we, a[j]});
          next.push_back(e.armIntrinsic("llvm.arm.smlad", {xo, wo, acc}));
        }
        return next;
      });
}

/// `step` input channels a step, so that sub-byte codes sit at constant
/// shifts in the bytes loaded.
SmallVector<Value> steppedKernel(LayerEmitter &le, const ConvShape &s,
                                 const ConvPosition &p, ArrayRef<Value> os,
                                 ArrayRef<Value> zws) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  auto conv = cast<QConv2DOp>(f.layer);
  int64_t step = s.step, xBits = f.in.bits;
  return e.reduceNest(
      {s.kh, s.kw, s.inPerGroup / step},
      SmallVector<Value>(os.size(), e.i32(0)),
      [&](ArrayRef<Value> r, ValueRange a) {
        auto [inside, row] = windowTap(
            e, f.in.shape, p.n, p.oy, p.ox, r[0], r[1], conv.getStrides(),
            conv.getDilations(), conv.getPads(), p.checked);
        Value xBytes = e.add(e.mul(p.group, e.index(s.inPerGroup * xBits / 8)),
                             e.mul(r[2], e.index(step * xBits / 8)));
        Value wBytes = e.mul(r[2], e.index(step * f.w.bits / 8));
        SmallVector<Value> wRows;
        for (Value o : os)
          wRows.push_back(flatRow(e, f.w.shape, {o, r[0], r[1], Value()}));
        SmallVector<Value> next(a.begin(), a.end());
        for (int64_t k = 0; k < step; ++k) {
          Value xv = e.select(
              inside, e.sub(e.loadAfter(f.in, row, xBytes, k), e.i32(f.zx)),
              e.i32(0));
          for (auto [j, wRow] : llvm::enumerate(wRows)) {
            Value wv = le.weightTerm(e.loadAfter(f.w, wRow, wBytes, k), zws[j],
                                     s.factored);
            next[j] = e.add(next[j], e.mul(xv, wv));
          }
        }
        return next;
      });
}

/// Code by code.
SmallVector<Value> scalarKernel(LayerEmitter &le, const ConvShape &s,
                                const ConvPosition &p, ArrayRef<Value> os,
                                ArrayRef<Value> zws) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  return e.reduceNest(
      {s.kh, s.kw, s.inPerGroup}, SmallVector<Value>(os.size(), e.i32(0)),
      [&](ArrayRef<Value> r, ValueRange a) {
        Value xv = centeredTap(le, p, r);
        SmallVector<Value> next;
        for (auto [j, o] : llvm::enumerate(os)) {
          Value wRow = flatRow(e, f.w.shape, {o, r[0], r[1], Value()});
          Value wv = le.weightTerm(e.load(f.w, wRow, r[2]), zws[j], s.factored);
          next.push_back(e.add(a[j], e.mul(xv, wv)));
        }
        return next;
      });
}

/// The loop nest of a convolution: output positions and groups, the input
/// sum where the weight zero point is factored out, channel blocks, and
/// `interior` for the reduction where no tap needs a padding test,
/// `border` where one may. With padding (and channel-block > 1), the
/// positions whose window lies inside the image (most of them) take a copy
/// of the kernel without padding tests.
void emitConvolution(LayerEmitter &le, const ConvShape &s, ConvKernel interior,
                     ConvKernel border) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  OpBuilder &b = e.b;
  auto conv = cast<QConv2DOp>(f.layer);
  ArrayRef<int64_t> strides = conv.getStrides(), dil = conv.getDilations();
  const PackedBuffer &out = f.out;
  // In place above its input (mpq.rows_descending), the output pixels go
  // from the last to the first: images, rows and pixels in a row (a 1x1
  // layer's shift counts on every pixel, not only every row, in reverse).
  const bool descending = getRowsDescending(conv);
  e.loopNest(
      {out.shape[0], out.shape[1], out.shape[2], s.groups},
      [&](ArrayRef<Value> ivs) {
        Value n = ivs[0], oy = ivs[1], ox = ivs[2];
        if (descending) {
          n = e.sub(e.index(out.shape[0] - 1), n);
          oy = e.sub(e.index(out.shape[1] - 1), oy);
          ox = e.sub(e.index(out.shape[2] - 1), ox);
        }
        ConvPosition p{n, oy, ox, ivs[3], Value(), false};
        p.firstChannel = e.mul(p.group, e.index(s.inPerGroup));
        auto position = [&](bool checked) {
          p.checked = checked;
          Value sum;
          if (s.factored)
            sum = e.reduceNest({s.kh, s.kw, s.inPerGroup}, e.i32(0),
                               [&](ArrayRef<Value> r, Value a) {
                                 return e.add(a, centeredTap(le, p, r));
                               });
          Value firstOut = e.mul(p.group, e.index(s.outPerGroup));
          le.blockedChannels(firstOut, s.outPerGroup, [&](ArrayRef<Value> os) {
            SmallVector<Value> zws =
                llvm::map_to_vector(os, [&](Value o) { return le.loadZw(o); });
            ConvKernel kernel = checked && s.padded ? border : interior;
            SmallVector<Value> accs = kernel(le, s, p, os, zws);
            le.finishBlock(os, accs, zws, sum, [&](Value o) {
              return SmallVector<Value>{p.n, p.oy, p.ox, o};
            });
          });
        };
        if (!s.padded || le.channelBlock == 1) {
          position(s.padded);
          return;
        }
        using P = arith::CmpIPredicate;
        auto within = [&](Value o, int64_t axis) {
          Value first = e.sub(e.mul(o, e.index(strides[axis])),
                              e.index(conv.getPads()[axis]));
          Value last =
              e.add(first, e.index((f.w.shape[1 + axis] - 1) * dil[axis]));
          return arith::AndIOp::create(
              b, e.loc, e.cmp(P::sge, first, e.index(0)),
              e.cmp(P::slt, last, e.index(f.in.shape[1 + axis])));
        };
        Value interiorPos =
            arith::AndIOp::create(b, e.loc, within(p.oy, 0), within(p.ox, 1));
        auto branch = scf::IfOp::create(b, e.loc, interiorPos,
                                        /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(branch.thenBlock());
        position(false);
        b.setInsertionPointToStart(branch.elseBlock());
        position(true);
      });
}

/// qconv2d + requantize with a given pair of kernels; `matchKernel` of the
/// subclass decides whether they apply.
class ConvLowering : public LoopPattern<RequantizeOp> {
public:
  ConvLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
               const MPQToLoopsOptions &options, PatternBenefit benefit)
      : LoopPattern(context, lowering, benefit), options(options) {}

protected:
  /// The conv layer of `rq` and its shape, if this pattern's kernels apply.
  virtual bool applies(const FusedLayer &f, const ConvShape &s) const = 0;
  virtual ConvKernel interiorKernel() const = 0;
  virtual ConvKernel borderKernel() const = 0;
  /// Whether this pattern reports a layer it cannot lower (the fallback).
  virtual bool reportsErrors() const { return false; }

  LogicalResult matchKernel(RequantizeOp rq,
                            PatternRewriter &rewriter) const override {
    if (!rq.getInput().getDefiningOp<QConv2DOp>())
      return failure();
    if (reportsErrors())
      return success();
    FailureOr<FusedLayer> f = FusedLayer::analyze(rq, lowering, false);
    if (failed(f) || !applies(*f, ConvShape(*f)))
      return rewriter.notifyMatchFailure(rq, "kernel does not apply");
    return success();
  }

  LogicalResult emit(RequantizeOp rq, OpBuilder &b) const override {
    FailureOr<FusedLayer> f =
        FusedLayer::analyze(rq, lowering, reportsErrors());
    if (failed(f) || failed(f->materialize(lowering, b)))
      return failure();
    LayerEmitter le(*f, b, options.channelBlock);
    emitConvolution(le, ConvShape(*f), interiorKernel(), borderKernel());
    return success();
  }

  MPQToLoopsOptions options;
};

/// 8-bit codes with SMLAD inside the image (the stepped kernel, one code a
/// step, at the border).
class ConvSmladLowering : public ConvLowering {
public:
  ConvSmladLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
                    const MPQToLoopsOptions &options)
      : ConvLowering(context, lowering, options, /*benefit=*/3) {}

protected:
  bool applies(const FusedLayer &, const ConvShape &s) const override {
    return s.smlad;
  }
  ConvKernel interiorKernel() const override { return smladKernel; }
  ConvKernel borderKernel() const override { return steppedKernel; }
};

/// Input channels in whole steps: codes at constant shifts.
class ConvSteppedLowering : public ConvLowering {
public:
  ConvSteppedLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
                      const MPQToLoopsOptions &options)
      : ConvLowering(context, lowering, options, /*benefit=*/2) {}

protected:
  bool applies(const FusedLayer &, const ConvShape &s) const override {
    return s.stepped;
  }
  ConvKernel interiorKernel() const override { return steppedKernel; }
  ConvKernel borderKernel() const override { return steppedKernel; }
};

/// Any convolution, code by code.
class ConvScalarLowering : public ConvLowering {
public:
  ConvScalarLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
                     const MPQToLoopsOptions &options)
      : ConvLowering(context, lowering, options, /*benefit=*/1) {}

protected:
  bool applies(const FusedLayer &, const ConvShape &) const override {
    return true;
  }
  bool reportsErrors() const override { return true; }
  ConvKernel interiorKernel() const override { return scalarKernel; }
  ConvKernel borderKernel() const override { return scalarKernel; }
};

//===----------------------------------------------------------------------===//
// Pointwise and fully connected: 2x2 SMLAD
//===----------------------------------------------------------------------===//

/// A 1x1 convolution (stride 1, no padding, one group) or a fully connected
/// layer as a product of matrices: `pixels` rows of `k` input codes (NHWC:
/// the channels of a pixel are one row) against `channels` rows of weights,
/// in blocks of `block` output channels, `groups` groups of four codes of
/// each row a step. A group is one field of every byte of a word (the whole
/// bytes at 8 bits), on both sides: four codes, two 16-bit lane pairs, one
/// SMLAD each. The inputs' groups are as the previous layer packed them; the
/// weights are laid out at compile time so that the same field of the
/// block's weight words holds the matching codes, one channel per field.
struct MatMulShape {
  int64_t pixels, k, channels, block, groups;
  /// Pixels (rows of the input) a block: 2, or 1 with four channels.
  int64_t rows;
  /// Sub-byte signed weights are widened at the top of their bytes
  /// (sign-extended by SXTB16 without a shift back): the accumulators carry
  /// 2^scaleLog2 times the products.
  int64_t scaleLog2;
};

/// Whether the SMLAD product kernel takes the layer: 8, 4 or 2-bit codes
/// (sub-byte inputs unsigned), an input without zero point, rows of whole
/// steps (so every input word is word-aligned: the arena's buffers are),
/// pairs of output channels, and (with sub-byte signed weights) an
/// accumulator that still fits in int32 scaled.
std::optional<MatMulShape> smladMatMulShape(const FusedLayer &f) {
  auto width = [](unsigned bits) {
    return bits == 2 || bits == 4 || bits == 8;
  };
  if (!width(f.in.bits) || !width(f.w.bits) || f.zx != 0 ||
      f.in.offset % 4 != 0 || (f.in.bits < 8 && f.in.isSigned))
    return std::nullopt;
  MatMulShape m;
  if (auto conv = dyn_cast<QConv2DOp>(f.layer)) {
    auto ones = [](ArrayRef<int64_t> v) {
      return llvm::all_of(v, [](int64_t x) { return x == 1; });
    };
    if (conv.getGroups() != 1 || f.w.shape[1] != 1 || f.w.shape[2] != 1 ||
        !ones(conv.getStrides()) ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }))
      return std::nullopt;
    m.k = f.w.shape[3];
  } else {
    if (f.in.shape.size() != 2)
      return std::nullopt;
    m.k = f.in.shape[1];
  }
  m.pixels = f.in.rows();
  m.channels = f.channels;
  if (m.channels % 2 != 0 || f.out.rows() != m.pixels)
    return std::nullopt;
  // Two pixels by two channels: four accumulators and the widened halves of
  // two input and two weight words fit the registers (two by four spills:
  // 2.09 instructions per MAC against 1.48 at 128 -> 128). A single row
  // (fully connected) takes four channels a block.
  m.rows = m.pixels == 1 && m.channels % 4 == 0 ? 1 : 2;
  m.block = m.rows == 1 ? 4 : 2;
  // A step ends on whole words of the input row and of the block's
  // weights, and covers at least eight codes where the row allows.
  const int64_t xGroups = 8 / f.in.bits;
  const int64_t wGroups = std::max<int64_t>(1, 8 / (m.block * f.w.bits));
  const int64_t groups = std::lcm(xGroups, wGroups);
  if (m.k % (4 * groups) != 0)
    return std::nullopt;
  m.groups = groups == 1 && m.k % 8 == 0 ? 2 : groups;
  m.scaleLog2 = f.w.bits < 8 && f.w.isSigned ? 8 - f.w.bits : 0;
  if (m.scaleLog2 != 0 &&
      f.maxAccumulator * static_cast<double>(1 << m.scaleLog2) >= 2147483647.0)
    return std::nullopt;
  return m;
}

/// Where group `t` of a step is: for the inputs, word t / (8 / bits) of the
/// step and field t % (8 / bits) of its bytes; for channel `cc` of the
/// weights (one field per channel, the block's channels in consecutive
/// fields), field index t * block + cc counted across the step's words.
struct GroupPlace {
  int64_t word, field;
};
GroupPlace inputGroup(unsigned bits, int64_t t) {
  return {t / (8 / bits), t % (8 / bits)};
}
GroupPlace weightGroup(unsigned bits, int64_t block, int64_t t, int64_t cc) {
  const int64_t n = t * block + cc;
  return {n / (8 / bits), n % (8 / bits)};
}

/// The weights as words in the order the kernel reads them: for each block
/// of output channels, each step along the row, the step's words, in which
/// group t of channel cc is field t * block + cc (weightGroup): byte B of
/// that field holds the code that byte B of the input group multiplies.
SmallVector<int32_t> blockedWeightWords(const FusedLayer &f,
                                        const MatMulShape &m) {
  std::vector<int32_t> codes = MPQToLoopsLowering::codesOf(f.weightOp);
  const unsigned wb = f.w.bits, xb = f.in.bits;
  const int64_t stepCodes = 4 * m.groups;
  const int64_t stepWords = m.groups * m.block * wb / 8;
  const uint32_t mask = (1u << wb) - 1;
  SmallVector<int32_t> words;
  for (int64_t c = 0; c < m.channels; c += m.block)
    for (int64_t s = 0; s < m.k; s += stepCodes) {
      SmallVector<uint32_t> step(stepWords, 0);
      for (int64_t t = 0; t < m.groups; ++t)
        for (int64_t cc = 0; cc < m.block; ++cc) {
          GroupPlace x = inputGroup(xb, t), w = weightGroup(wb, m.block, t, cc);
          for (int64_t byte = 0; byte < 4; ++byte) {
            const int64_t k =
                s + x.word * (32 / xb) + byte * (8 / xb) + x.field;
            const uint32_t code =
                static_cast<uint32_t>(codes[(c + cc) * m.k + k]) & mask;
            step[w.word] |= code << (wb * (byte * (8 / wb) + w.field));
          }
        }
      for (uint32_t word : step)
        words.push_back(static_cast<int32_t>(word));
    }
  return words;
}

/// Up to this many reduction steps, the product kernel is straight-line
/// code: a loop of a few steps costs its test and branch on every output
/// block (pointwise 24 -> 48, MobileNetV1 0.75's first: 2.17 instructions
/// per MAC with the loop, 2.05 without; at four steps, 32 -> 64, the loop
/// is as fast and 300 B smaller).
constexpr int64_t kMatMulStraightSteps = 3;

/// Pixels two at a time (the last alone if their number is odd) against
/// blocks of output channels: every input word and every weight word is
/// loaded (one 32-bit load) and widened (SXTB16/UXTB16, sub-byte fields
/// masked first) once and serves two or four channels, two pixels; one
/// SMLAD per lane pair, pixel and channel. The input sum of a pixel (weight
/// zero points factored out) is taken once per pixel with USADA8 (unsigned
/// codes; two SMLADs against 1 otherwise).
void emitSmladMatMul(LayerEmitter &le, const MatMulShape &m, Value weights) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  OpBuilder &b = e.b;
  const unsigned xb = f.in.bits, wb = f.w.bits;
  const int64_t block = m.block, rowBytes = f.in.rowBytes();
  const int64_t rowWords = rowBytes / 4;
  // Bytes of one step: of an input row, of a block's weights.
  const int64_t xStep = m.groups * xb / 2;
  const int64_t wStep = m.groups * block * wb / 2;
  // The input as words, from its own offset (word-aligned: checked by
  // smladMatMulShape), for the input sums; the reduction reads it through
  // the pointers below.
  auto viewType = MemRefType::get({(f.in.bytes() + 3) / 4}, b.getI32Type());
  Value x = memref::ViewOp::create(b, e.loc, viewType, f.in.memref,
                                   e.index(f.in.offset), ValueRange{});
  auto load = [&](Value memref, Value at) -> Value {
    return memref::LoadOp::create(b, e.loc, memref, ValueRange{at});
  };
  auto smlad = [&](Value x, Value y, Value acc) {
    return e.armIntrinsic("llvm.arm.smlad", {x, y, acc});
  };
  // A byte repeated four times.
  auto bytes4 = [&](uint32_t byte) -> Value {
    return e.i32(static_cast<int32_t>(byte * 0x01010101u));
  };
  // Field `field` (bits field * bits and up) of every byte of `word`:
  // unsigned codes moved to the bottom (their values), signed ones to the
  // top (2^(8 - bits) times their values once SXTB16 widens them).
  auto field = [&](Value word, unsigned bits, bool isSigned,
                   int64_t field) -> Value {
    if (bits == 8)
      return word;
    const uint32_t ones = (1u << bits) - 1;
    if (isSigned) {
      const int64_t up = 8 - bits * (field + 1);
      if (up != 0)
        word = arith::ShLIOp::create(b, e.loc, word, e.i32(up));
      return arith::AndIOp::create(b, e.loc, word, bytes4(ones << (8 - bits)));
    }
    if (field != 0)
      word = arith::ShRUIOp::create(b, e.loc, word, e.i32(bits * field));
    return arith::AndIOp::create(b, e.loc, word, bytes4(ones));
  };
  // Byte addresses as LLVM pointers (the reduction loop's).
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  auto gep = [&](Value p, Value bytes) -> Value {
    return LLVM::GEPOp::create(b, e.loc, ptrType, b.getI8Type(), p,
                               ArrayRef<LLVM::GEPArg>{e.indexToI32(bytes)});
  };
  auto gepConst = [&](Value p, int64_t bytes) -> Value {
    if (bytes == 0)
      return p;
    return LLVM::GEPOp::create(
        b, e.loc, ptrType, b.getI8Type(), p,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(bytes)});
  };
  auto pointerTo = [&](Value memref) -> Value {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, e.loc, memref);
    Value wide =
        arith::IndexCastUIOp::create(b, e.loc, b.getI64Type(), address);
    return LLVM::IntToPtrOp::create(b, e.loc, ptrType, wide);
  };
  Value xBase = gepConst(pointerTo(f.in.memref), f.in.offset);
  Value wBase = pointerTo(weights);
  // The sum of the codes of an input word.
  auto sumCodes = [&](Value word, Value acc) {
    if (!f.in.isSigned) {
      for (int64_t fld = 0; fld < 8 / xb; ++fld)
        acc = e.armIntrinsic("llvm.arm.usada8",
                             {field(word, xb, false, fld), e.i32(0), acc});
      return acc;
    }
    auto [lo, hi] = e.halves(word, true);
    Value ones = e.i32(0x00010001);
    return smlad(hi, ones, smlad(lo, ones, acc));
  };
  auto pixelBlock = [&](Value first, int64_t count) {
    SmallVector<Value> rows, rowStarts, sums;
    for (int64_t i = 0; i < count; ++i) {
      rows.push_back(e.add(first, e.index(i)));
      rowStarts.push_back(e.mul(rows.back(), e.index(rowWords)));
    }
    if (f.weightZeroPoints)
      for (Value start : rowStarts)
        sums.push_back(
            e.reduceNest({rowWords}, e.i32(0), [&](ArrayRef<Value> r, Value a) {
              return sumCodes(load(x, e.add(start, r[0])), a);
            }));
    e.loopNest({m.channels / block}, [&](ArrayRef<Value> blk) {
      Value c0 = e.mul(blk[0], e.index(block));
      Value wStart = e.mul(blk[0], e.index(wStep * (m.k / (4 * m.groups))));
      // The reduction: two pointers, the input word of the first row and
      // the weight word, advanced by constants, every load at a constant
      // offset from one of them (the other rows are whole rows further),
      // and the loop ending when the input pointer reaches the row's end.
      // Written with LLVM pointers so that nothing is left for LLVM to
      // rebuild: indices into the arena fold its (large) constant offsets
      // into every address and cost registers, spills and instructions.
      Value xFirst = gep(xBase, e.mul(rows.front(), e.index(rowBytes)));
      Value wFirst = gep(wBase, wStart);
      // One step of the reduction (`groups` groups of four codes of each
      // row) from the pointers xp and wp: the accumulators after it.
      auto step = [&](ValueRange a, Value xp, Value wp) {
        SmallVector<Value> next(a);
        auto word = [&](Value p, int64_t bytes) -> Value {
          return LLVM::LoadOp::create(b, e.loc, b.getI32Type(),
                                      gepConst(p, bytes), /*alignment=*/4);
        };
        // Each word loaded once (a field of it per group).
        DenseMap<int64_t, Value> wLoaded, xLoaded;
        auto weight = [&](int64_t t, int64_t cc) {
          GroupPlace g = weightGroup(wb, block, t, cc);
          Value &w = wLoaded[g.word];
          if (!w)
            w = word(wp, 4 * g.word);
          return e.halves(field(w, wb, f.w.isSigned, g.field), f.w.isSigned);
        };
        auto input = [&](int64_t i, int64_t t) {
          GroupPlace g = inputGroup(xb, t);
          Value &w = xLoaded[i * m.groups + g.word];
          if (!w)
            w = word(xp, i * rowBytes + 4 * g.word);
          return e.halves(field(w, xb, f.in.isSigned, g.field), f.in.isSigned);
        };
        auto mac = [&](int64_t i, int64_t cc, std::pair<Value, Value> xh,
                       std::pair<Value, Value> wh) {
          Value &acc = next[block * i + cc];
          acc = smlad(xh.second, wh.second, smlad(xh.first, wh.first, acc));
        };
        for (int64_t t = 0; t < m.groups; ++t) {
          if (count == 1) {
            // One row: its group widened once, then each channel's.
            std::pair<Value, Value> xh = input(0, t);
            for (int64_t cc = 0; cc < block; ++cc)
              mac(0, cc, xh, weight(t, cc));
            continue;
          }
          // The block's weight groups widened once, then each pixel's input
          // group (the order that keeps the 2x2 block in registers).
          SmallVector<std::pair<Value, Value>> ws;
          for (int64_t cc = 0; cc < block; ++cc)
            ws.push_back(weight(t, cc));
          for (int64_t i = 0; i < count; ++i) {
            std::pair<Value, Value> xh = input(i, t);
            for (int64_t cc = 0; cc < block; ++cc)
              mac(i, cc, xh, ws[cc]);
          }
        }
        return next;
      };
      SmallVector<Value> zeros(block * count, e.i32(0));
      SmallVector<Value> accs;
      const int64_t steps = m.k / (4 * m.groups);
      if (steps <= kMatMulStraightSteps) {
        // A few steps (rows of up to 24 codes at 8 bits): straight-line
        // code, each step at constant offsets from the first pointers.
        accs = zeros;
        for (int64_t t = 0; t < steps; ++t)
          accs = step(accs, gepConst(xFirst, xStep * t),
                      gepConst(wFirst, wStep * t));
      } else {
        Value xEnd = gep(xFirst, e.index(rowBytes));
        SmallVector<Value> inits(zeros);
        inits.append({xFirst, wFirst});
        SmallVector<Type> types(ValueRange(inits).getTypes());
        SmallVector<Location> locs(types.size(), e.loc);
        auto loop = scf::WhileOp::create(b, e.loc, types, inits);
        OpBuilder::InsertionGuard guard(b);
        Block *before = b.createBlock(&loop.getBefore(), {}, types, locs);
        Value more =
            LLVM::ICmpOp::create(b, e.loc, LLVM::ICmpPredicate::ult,
                                 before->getArgument(block * count), xEnd);
        scf::ConditionOp::create(b, e.loc, more, before->getArguments());
        Block *after = b.createBlock(&loop.getAfter(), {}, types, locs);
        ValueRange a = after->getArguments();
        Value xp = a[block * count], wp = a[block * count + 1];
        SmallVector<Value> next = step(a.take_front(block * count), xp, wp);
        next.push_back(gepConst(xp, xStep));
        next.push_back(gepConst(wp, wStep));
        scf::YieldOp::create(b, e.loc, next);
        accs.assign(loop.getResults().begin(),
                    loop.getResults().begin() + block * count);
      }
      for (int64_t cc = 0; cc < block; ++cc) {
        Value c = e.add(c0, e.index(cc));
        Value zw = le.loadZw(c);
        for (int64_t i = 0; i < count; ++i) {
          Value acc = accs[block * i + cc];
          if (zw) {
            Value term = e.mul(zw, sums[i]);
            if (m.scaleLog2 != 0)
              term = e.mul(term, e.i32(int64_t{1} << m.scaleLog2));
            acc = e.sub(acc, term);
          }
          // Exact: the scaled accumulator fits in int32
          // (smladMatMulShape).
          if (m.scaleLog2 != 0)
            acc = arith::ShRSIOp::create(b, e.loc, acc, e.i32(m.scaleLog2));
          le.finishRow(acc, c, rows[i]);
        }
      }
    });
  };
  // In place above its input (mpq.rows_descending): the odd last pixel
  // first, then the blocks from the last.
  const int64_t tile = m.rows, tiles = m.pixels / tile;
  if (getRowsDescending(f.layer)) {
    if (m.pixels % tile)
      pixelBlock(e.index(m.pixels - 1), 1);
    e.loopNest({tiles}, [&](ArrayRef<Value> ivs) {
      Value t = e.sub(e.index(tiles - 1), ivs[0]);
      pixelBlock(e.mul(t, e.index(tile)), tile);
    });
    return;
  }
  e.loopNest({tiles}, [&](ArrayRef<Value> ivs) {
    pixelBlock(e.mul(ivs[0], e.index(tile)), tile);
  });
  if (m.pixels % tile)
    pixelBlock(e.index(m.pixels - 1), 1);
}

/// qconv2d 1x1 / qfully_connected + requantize with the SMLAD product
/// kernel (arm-dsp and channel-block > 1; benefit 4, above every other
/// layer kernel).
class MatMulSmladLowering : public LoopPattern<RequantizeOp> {
public:
  MatMulSmladLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
                      const MPQToLoopsOptions &options)
      : LoopPattern(context, lowering, /*benefit=*/4), options(options) {}

protected:
  LogicalResult matchKernel(RequantizeOp rq,
                            PatternRewriter &rewriter) const override {
    Operation *def = rq.getInput().getDefiningOp();
    if (!isa_and_nonnull<QConv2DOp, QFullyConnectedOp>(def))
      return failure();
    // channel-block=1 asks for the smallest code (mpqc's size fallback).
    if (options.channelBlock < 2)
      return rewriter.notifyMatchFailure(rq, "channel-block=1");
    FailureOr<FusedLayer> f = FusedLayer::analyze(rq, lowering, false);
    if (failed(f))
      return failure();
    // The result's storage is known only after materialize; its rows are
    // those of the input for the shapes this kernel takes.
    f->out.shape =
        SmallVector<int64_t>(cast<RankedTensorType>(rq.getType()).getShape());
    if (!smladMatMulShape(*f))
      return rewriter.notifyMatchFailure(rq, "not a 2x2 SMLAD product");
    return success();
  }

  LogicalResult emit(RequantizeOp rq, OpBuilder &b) const override {
    FailureOr<FusedLayer> f = FusedLayer::analyze(rq, lowering, true);
    if (failed(f) || failed(f->materialize(lowering, b, /*weights=*/false)))
      return failure();
    std::optional<MatMulShape> m = smladMatMulShape(*f);
    if (!m)
      return rq.emitError() << "internal: the 2x2 SMLAD kernel does not apply";
    Value weights = lowering.global(b, "weights", blockedWeightWords(*f, *m));
    LayerEmitter le(*f, b, options.channelBlock);
    emitSmladMatMul(le, *m, weights);
    return success();
  }

private:
  MPQToLoopsOptions options;
};

} // namespace

void mlir::mpq::populateMPQLayerToLoopsPatterns(
    RewritePatternSet &patterns, MPQToLoopsLowering &lowering,
    const MPQToLoopsOptions &options) {
  MLIRContext *context = patterns.getContext();
  patterns.add<FullyConnectedLowering, ConvSteppedLowering, ConvScalarLowering>(
      context, lowering, options);
  if (options.armDsp)
    patterns.add<MatMulSmladLowering, ConvSmladLowering>(context, lowering,
                                                         options);
}
