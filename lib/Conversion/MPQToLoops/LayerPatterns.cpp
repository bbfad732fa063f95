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
//   DepthwiseSmladLowering (5, with arm-dsp) depthwise at 8, 4 or 2 bits:
//                        four channels a word, SMLABB/SMLATT per tap,
//                        weights and per-group parameters laid out as
//                        read, the window unrolled inside the image;
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
#include "mpq/Analysis/MemoryModel.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <map>
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
  /// The largest |accumulator| the codes allow (without the bias), and
  /// |bias|.
  double maxAccumulator = 0, maxBias = 0;
  /// The kernel's accumulator carries 2^accScaleLog2 times the sum
  /// (scaleAccumulator).
  int64_t accScaleLog2 = 0;
  MPQToLoopsLowering::ChannelParams params;
  MPQToLoopsLowering::ParamTable zw;
  /// Set by materialize.
  MPQToLoopsLowering *lowering = nullptr;

  /// In a row group, the one output image row the kernel computes (and the
  /// lowering then knows the kernel honours it); null otherwise.
  Value groupRow() const {
    return lowering ? lowering->rowGroupRow() : Value();
  }

  /// Diagnostics go to the layer only when `report` (the fallback pattern);
  /// other patterns just do not match.
  static FailureOr<FusedLayer>
  analyze(RequantizeOp rq, const MPQToLoopsLowering &lowering, bool report);
  /// narrowTotal and highWord, for the accumulator's scale.
  void chooseRequantization();
  /// Whether a kernel whose accumulator is 2^k times the sum can be
  /// requantized from it directly (the bias scaled, the shift k longer; see
  /// requantParams): the scaled total fits in int32 and every shift stays
  /// within [0, 63]. If so, records k and chooses the requantization again
  /// (a longer shift may now take the high-word path). Before materialize.
  bool scaleAccumulator(int64_t k);
  /// The weight zero point of channel c as a kernel stores it: sub-byte
  /// signed weights stored offset binary (`offset`: code + 2^(bits - 1),
  /// unsigned fields) carry the offset in their zero point too.
  int64_t storedZeroPoint(int64_t c, bool offset) const {
    return zeroPoints[c] + (offset ? int64_t{1} << (w.bits - 1) : int64_t{0});
  }
  /// `weights`: also the packed weight bytes, `params`: also the tables of
  /// requantization parameters and weight zero points (kernels with a
  /// layout of their own make theirs).
  LogicalResult materialize(MPQToLoopsLowering &lowering, OpBuilder &b,
                            bool weights = true, bool params = true);
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
  f.maxBias = static_cast<double>(maxB);
  f.weightZeroPoints =
      llvm::any_of(f.zeroPoints, [](int32_t z) { return z != 0; });
  f.chooseRequantization();
  return f;
}

void FusedLayer::chooseRequantization() {
  const double scale = static_cast<double>(int64_t{1} << accScaleLog2);
  narrowTotal = (maxAccumulator + maxBias) * scale < 2147483647.0;
  // Floor with every shift 31 - N0 >= 32, or HalfUp with every shift >= 33
  // (real multipliers below 1/2 or 1/4, the usual case), and a narrow
  // output: the requantization works on the product's high word.
  const int32_t maxExponent = mode == RoundingMode::HalfUp ? -2 : -1;
  highWord = narrowTotal &&
             (mode == RoundingMode::Floor || mode == RoundingMode::HalfUp) &&
             outElem.getWidth() <= 16 &&
             llvm::all_of(rq.getExponent(), [&](int32_t n0) {
               return n0 - accScaleLog2 <= maxExponent;
             });
}

bool FusedLayer::scaleAccumulator(int64_t k) {
  if (k == 0)
    return true;
  const double scale = static_cast<double>(int64_t{1} << k);
  if (maxAccumulator * scale >= 2147483647.0 ||
      maxBias * scale >= 2147483647.0 ||
      llvm::any_of(rq.getExponent(),
                   [&](int32_t n0) { return 31 - n0 + k > 63; }))
    return false;
  accScaleLog2 = k;
  chooseRequantization();
  return true;
}

LogicalResult FusedLayer::materialize(MPQToLoopsLowering &lowering,
                                      OpBuilder &b, bool weights, bool params) {
  if (failed(lowering.assignStorage(rq)))
    return failure();
  this->lowering = &lowering;
  out = *lowering.lookupBuffer(rq.getResult());
  if (weights)
    w.memref = lowering.weightBytes(b, weightOp, w);
  if (!params)
    return success();
  this->params = lowering.requantParams(b, rq, channels, accScaleLog2);
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

  /// Channel `o`'s accumulator requantized (i32), its table's shift
  /// `longer` bits longer (an accumulator scaled by 2^longer more than the
  /// table's, whose bias is scaled as much).
  Value requantized(Value acc, Value o, int64_t longer = 0) {
    Value bias = f.params.biases.at(e, o);
    Value m0 = e.toI64(f.params.multipliers.at(e, o));
    Value shift = f.params.shifts.at(e, o);
    if (longer)
      shift = e.add(shift, e.i32(longer));
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
  void finishRow(Value acc, Value o, Value row, int64_t longer = 0) {
    e.store(f.out, row, o, requantized(acc, o, longer));
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

  /// Byte addresses as LLVM pointers: the SMLAD kernels walk them, every
  /// load a constant offset from a pointer, so that nothing is left for
  /// LLVM to rebuild (indices into the arena fold its large constant
  /// offsets into every address and cost registers and instructions).
  Value pointerTo(Value memref) {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(e.b, e.loc, memref);
    Value wide =
        arith::IndexCastUIOp::create(e.b, e.loc, e.b.getI64Type(), address);
    return LLVM::IntToPtrOp::create(e.b, e.loc, pointerType(), wide);
  }
  /// A pointer to `buf`'s first code (LoopEmitter::start).
  Value startPointer(const PackedBuffer &buf) {
    Value p = gep(pointerTo(buf.memref), buf.offset);
    return buf.dynamicOffset ? gep(p, buf.dynamicOffset) : p;
  }
  Value gep(Value p, Value bytes) {
    return LLVM::GEPOp::create(e.b, e.loc, pointerType(), e.b.getI8Type(), p,
                               ArrayRef<LLVM::GEPArg>{e.indexToI32(bytes)});
  }
  /// `p` + `bytes` (an i32).
  Value gepI32(Value p, Value bytes) {
    return LLVM::GEPOp::create(e.b, e.loc, pointerType(), e.b.getI8Type(), p,
                               ArrayRef<LLVM::GEPArg>{bytes});
  }
  Value gep(Value p, int64_t bytes) {
    if (bytes == 0)
      return p;
    return LLVM::GEPOp::create(
        e.b, e.loc, pointerType(), e.b.getI8Type(), p,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(bytes)});
  }
  /// The (word-aligned) i32 `bytes` after `p`.
  Value loadI32(Value p, int64_t bytes) {
    return LLVM::LoadOp::create(e.b, e.loc, e.b.getI32Type(), gep(p, bytes),
                                /*alignment=*/4);
  }
  /// The words at `bytes` and `bytes + 4` from `p` (word-aligned, `bytes`
  /// within LDRD's reach: a multiple of 4 up to 1020) with one LDRD, on
  /// Arm only. LLVM pairs adjacent loads only where its scheduling leaves
  /// them together, which in the SMLAD kernels' reductions it does not
  /// (measured: none), so the pair is asked for. The load is a side effect
  /// to LLVM: it stays after the stores before it (a kernel's scratch).
  std::pair<Value, Value> loadPair(Value p, int64_t bytes) {
    assert(bytes % 4 == 0 && bytes >= 0 && bytes <= 1020 && "LDRD offset");
    auto pairType = LLVM::LLVMStructType::getLiteral(
        e.b.getContext(), {e.b.getI32Type(), e.b.getI32Type()});
    std::string ldrd = "ldrd $0, $1, [$2, #" + std::to_string(bytes) + "]";
    Value pair = LLVM::InlineAsmOp::create(
                     e.b, e.loc, pairType, ValueRange{p}, ldrd, "=r,=r,r",
                     /*has_side_effects=*/true, /*is_align_stack=*/false,
                     LLVM::tailcallkind::TailCallKind::None,
                     LLVM::AsmDialectAttr(), ArrayAttr())
                     .getResult(0);
    return {LLVM::ExtractValueOp::create(e.b, e.loc, pair, 0),
            LLVM::ExtractValueOp::create(e.b, e.loc, pair, 1)};
  }
  /// The (word-aligned) i32 `bytes` after `p` (>= 0) with one LDR that
  /// LLVM keeps in program order, on Arm only: a side effect to it, as
  /// loadPair. Where a kernel unrolls many independent loads, LLVM's
  /// scheduler otherwise issues them all first and spills what they feed.
  /// Offsets beyond LDR's 4095 start from a pointer a multiple of 4 KiB
  /// further (shared by neighbouring taps).
  Value loadOrdered(Value p, int64_t bytes) {
    assert(bytes >= 0 && bytes % 4 == 0 && "a word-aligned offset");
    if (bytes > 4095) {
      p = gep(p, bytes & ~int64_t{4095});
      bytes &= 4095;
    }
    std::string ldr = "ldr $0, [$1, #" + std::to_string(bytes) + "]";
    return LLVM::InlineAsmOp::create(
               e.b, e.loc, e.b.getI32Type(), ValueRange{p}, ldr, "=r,r",
               /*has_side_effects=*/true, /*is_align_stack=*/false,
               LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
               ArrayAttr())
        .getResult(0);
  }
  /// `acc` + the product of two halves (`op`: smlabb, smlatt, ...) as one
  /// instruction that LLVM keeps in program order (a side effect to it,
  /// as loadOrdered): with ordered loads, each operand then lives from its
  /// load to its products, not across the whole unrolled window.
  Value macOrdered(StringRef op, Value x, Value w, Value acc) {
    std::string asmText = op.str() + " $0, $1, $2, $3";
    return LLVM::InlineAsmOp::create(
               e.b, e.loc, e.b.getI32Type(), ValueRange{x, w, acc}, asmText,
               "=r,r,r,r", /*has_side_effects=*/true, /*is_align_stack=*/false,
               LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
               ArrayAttr())
        .getResult(0);
  }
  /// `v` >> `bits` (logical, 1 to 31) as an instruction of its own, on Arm
  /// only: LLVM otherwise folds the shift into the AND that masks its
  /// result, as a shifted operand, and an AND with a shifted operand takes
  /// its mask from a register (measured: the mask registers spilled two of
  /// the 2x2 product kernel's accumulators). No side effect: LLVM may
  /// still move it or drop it.
  Value shiftRightOpaque(Value v, int64_t bits) {
    assert(bits > 0 && bits < 32 && "an LSR immediate");
    std::string lsr = "lsr $0, $1, #" + std::to_string(bits);
    return LLVM::InlineAsmOp::create(
               e.b, e.loc, e.b.getI32Type(), ValueRange{v}, lsr, "=r,r",
               /*has_side_effects=*/false, /*is_align_stack=*/false,
               LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
               ArrayAttr())
        .getResult(0);
  }
  Type pointerType() { return LLVM::LLVMPointerType::get(e.b.getContext()); }

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
                conv.getDilations(), conv.getPads(), p.checked,
                /*nearest=*/f.in.dynamicOffset != nullptr);
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
            conv.getDilations(), conv.getPads(), p.checked,
            /*nearest=*/f.in.dynamicOffset != nullptr);
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

/// Whether the window of output pixel (oy, ox) lies inside the image.
Value windowInside(LayerEmitter &le, Value oy, Value ox) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  auto conv = cast<QConv2DOp>(f.layer);
  ArrayRef<int64_t> strides = conv.getStrides(), dil = conv.getDilations(),
                    pads = conv.getPads();
  using P = arith::CmpIPredicate;
  auto within = [&](Value o, int64_t axis) {
    Value first = e.sub(e.mul(o, e.index(strides[axis])), e.index(pads[axis]));
    Value last = e.add(first, e.index((f.w.shape[1 + axis] - 1) * dil[axis]));
    return arith::AndIOp::create(
        e.b, e.loc, e.cmp(P::sge, first, e.index(0)),
        e.cmp(P::slt, last, e.index(f.in.shape[1 + axis])));
  };
  return arith::AndIOp::create(e.b, e.loc, within(oy, 0), within(ox, 1));
}

/// The output pixels (n, oy, ox) of a convolution, from the last where it
/// runs in place above its input (mpq.rows_descending: images, rows and
/// pixels in a row in reverse; a 1x1 layer's shift counts on every pixel,
/// not only every row). `body(n, oy, ox, checked)` is emitted once, its
/// taps checked where the layer has padding; or, with padding and `split`,
/// twice under an scf.if: for the windows inside the image (most of them,
/// checked = false) and for the others.
void emitOutputPixels(LayerEmitter &le, bool split,
                      function_ref<void(Value, Value, Value, bool)> body) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  OpBuilder &b = e.b;
  auto conv = cast<QConv2DOp>(f.layer);
  const bool padded =
      llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; });
  const PackedBuffer &out = f.out;
  const bool descending = getRowsDescending(conv);
  // In a row group: one image (N = 1), one row.
  Value groupRow = f.groupRow();
  SmallVector<int64_t> bounds{out.shape[0], out.shape[1], out.shape[2]};
  if (groupRow)
    bounds = {out.shape[2]};
  e.loopNest(bounds, [&](ArrayRef<Value> ivs) {
    Value n, oy, ox;
    if (groupRow)
      n = e.index(0), oy = groupRow, ox = ivs[0];
    else
      n = ivs[0], oy = ivs[1], ox = ivs[2];
    if (descending && !groupRow) {
      n = e.sub(e.index(out.shape[0] - 1), n);
      oy = e.sub(e.index(out.shape[1] - 1), oy);
      ox = e.sub(e.index(out.shape[2] - 1), ox);
    }
    if (!padded || !split) {
      body(n, oy, ox, padded);
      return;
    }
    Value inside = windowInside(le, oy, ox);
    auto branch = scf::IfOp::create(b, e.loc, inside,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(branch.thenBlock());
    body(n, oy, ox, false);
    b.setInsertionPointToStart(branch.elseBlock());
    body(n, oy, ox, true);
  });
}

/// The loop nest of a convolution: output positions (emitOutputPixels,
/// split with channel-block > 1) and groups, the input sum where the weight
/// zero point is factored out, channel blocks, and `interior` for the
/// reduction where no tap needs a padding test, `border` where one may.
void emitConvolution(LayerEmitter &le, const ConvShape &s, ConvKernel interior,
                     ConvKernel border) {
  LoopEmitter &e = le.e;
  emitOutputPixels(
      le, le.channelBlock != 1, [&](Value n, Value oy, Value ox, bool checked) {
        e.loopNest({s.groups}, [&](ArrayRef<Value> ivs) {
          ConvPosition p{n, oy, ox, ivs[0], Value(), checked};
          p.firstChannel = e.mul(p.group, e.index(s.inPerGroup));
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
        });
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

/// How the SMLAD product kernel widens sub-byte fields (the depthwise
/// kernel places each channel group's own, DepthwiseShape), and the
/// accumulators' scales that follow.
///
/// Inputs: a field at the top of its bytes widens to 2^(8 - bits) times its
/// value, one at the bottom to its value (sub-byte inputs are unsigned);
/// where the pair of pixels is not widened first, the top costs a shift
/// where the bottom does not (8/4 pointwise: 1.78 instructions per MAC at
/// the bottom, 1.87 at the top), so it is taken only where its scale makes
/// the requantization cheaper or spares shifting accumulators.
///
/// Weights: channel `cc` of a block is taken, in every weight word, at the
/// field it holds in the step's first group (cc % (8 / bits); the other
/// groups' fields are moved there by one shift per word), with one AND
/// with an immediate and no shift; sub-byte signed weights are stored
/// offset binary (code + 2^(bits - 1), the offset added to the zero
/// points), so that every field widens unsigned wherever it is. Channel
/// cc's products therefore carry 2^(bits * field) more: each channel's
/// requantization parameters are at its own scale (the same value, a
/// longer shift: FusedLayer::scaleAccumulator), and a channel whose scale
/// is too small for the requantization from the product's high word has
/// its accumulator shifted left once, after the reduction, where that
/// reaches it.
struct FieldScales {
  bool xTop = false;
  int64_t xScaleLog2 = 0;
  bool offsetWeights = false;
  /// Per channel of a block: the field its weights are taken at, the
  /// scale of its products, the scale its accumulator is shifted to
  /// before the requantization (>= the products').
  SmallVector<int64_t, 4> wField, scaleLog2, requantScaleLog2;
  /// The requantization of every channel (FusedLayer's).
  bool highWord = false, narrowTotal = false;
  /// Each weight word holds one group of `8 / bits` channels of the block
  /// (a multiple of that many channels): the channel of the top field then
  /// takes the whole word (its field and those below it, 2^(bits * field)
  /// times its code plus the codes of the others, the fields' scales), and
  /// the other channels' accumulators are subtracted from its own after
  /// the reduction: no AND for that field. Exact in wrapping int32
  /// arithmetic, as the weight zero points' factoring (LayerEmitter::
  /// weightTerm).
  bool wholeWords = false;
};

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
  /// A convolution with a window (not 1x1 stride 1 unpadded): each output
  /// pixel's window is gathered into the widened scratch (im2col), its
  /// `kReal` = kh * kw * cin codes, then zeros up to `k` (whole steps).
  bool window = false;
  int64_t kReal = 0;
  /// 2-bit inputs whose rows are not whole words (8 or 24 channels): each
  /// pixel of a pair is unpacked byte by byte into the widened scratch, in
  /// the layout of 8-bit codes, and the reduction reads them as such.
  bool unpacked = false;
  /// The width of the input codes as the reduction reads them: 8 where
  /// they are unpacked, the input's otherwise.
  unsigned xBits = 8;
  /// Pixels (rows of the input) a block: 2, or 1 with four channels.
  int64_t rows;
  /// Where the sub-byte fields are widened and the accumulators' scales.
  FieldScales scales;
};

/// How the product kernel's shift and weight zero-point tables hold each
/// channel's scale (MatMulSmladLowering::emit): in the values, or added by
/// the kernel.
struct MatMulTables {
  bool scaledShifts = false, scaledZeroPoints = false;
};

/// The codes the SMLAD kernels widen: 8, 4 or 2 bits on both sides, an
/// input without zero point (unsigned below 8 bits) starting on a word.
bool smladWidths(const FusedLayer &f) {
  auto width = [](unsigned bits) {
    return bits == 2 || bits == 4 || bits == 8;
  };
  return width(f.in.bits) && width(f.w.bits) && f.zx == 0 &&
         f.in.offset % 4 == 0 && (f.in.bits == 8 || !f.in.isSigned);
}

std::optional<FieldScales> fieldScales(const FusedLayer &f, int64_t block,
                                       unsigned xBits) {
  // The widened lanes stay within 16 bits: a field of a byte, unsigned
  // below 8 bits, is at most 255.
  const unsigned wb = f.w.bits;
  std::optional<FieldScales> best;
  std::pair<int, bool> bestCost;
  // Inputs at the bottom of their bytes first: the first placement whose
  // requantization is the cheapest (high word, then an int32 total) wins.
  for (bool xTop : {false, true}) {
    if (xTop && xBits == 8)
      continue;
    FieldScales fs;
    fs.xTop = xTop;
    fs.xScaleLog2 = xTop ? 8 - xBits : 0;
    fs.offsetWeights = wb < 8 && f.w.isSigned;
    fs.wholeWords = wb < 8 && block % (8 / wb) == 0;
    fs.highWord = fs.narrowTotal = true;
    bool fits = true;
    for (int64_t cc = 0; cc < block && fits; ++cc) {
      const int64_t field = wb < 8 ? cc % (8 / wb) : 0;
      const int64_t k = fs.xScaleLog2 + wb * field;
      FusedLayer scaled = f;
      if (!scaled.scaleAccumulator(k)) {
        fits = false;
        break;
      }
      // The least further shift that reaches the high word, if any.
      int64_t requantK = k;
      for (int64_t further = k + 1; !scaled.highWord && further < 32;
           ++further) {
        FusedLayer shifted = f;
        if (!shifted.scaleAccumulator(further))
          break;
        if (shifted.highWord) {
          scaled = shifted;
          requantK = further;
        }
      }
      fs.wField.push_back(field);
      fs.scaleLog2.push_back(k);
      fs.requantScaleLog2.push_back(requantK);
      fs.highWord &= scaled.highWord;
      fs.narrowTotal &= scaled.narrowTotal;
    }
    if (!fits)
      continue;
    // Shifting only pays where it reaches the high word for every channel.
    if (!fs.highWord) {
      fs.requantScaleLog2 = fs.scaleLog2;
      fs.narrowTotal = true;
      for (int64_t k : fs.scaleLog2) {
        FusedLayer scaled = f;
        scaled.scaleAccumulator(k);
        fs.narrowTotal &= scaled.narrowTotal;
      }
    }
    // Then without shifting accumulators: inputs at the top cost nothing
    // in the reduction where the pair is widened first, and where it is not
    // (measured: 8/2 pointwise 48 -> 96, 1.387 instructions per MAC with
    // the inputs at the top, 1.466 at the bottom with the accumulators
    // shifted).
    const bool shifts = fs.requantScaleLog2 != fs.scaleLog2;
    const std::pair<int, bool> cost{fs.highWord      ? 0
                                    : fs.narrowTotal ? 1
                                                     : 2,
                                    shifts};
    if (!best || cost < bestCost) {
      best = fs;
      bestCost = cost;
    }
  }
  return best;
}

/// Whether the SMLAD product kernel takes the layer: the codes of
/// smladWidths, rows of whole steps (so every input word is word-aligned:
/// the arena's buffers are), pairs of output channels, and a scaled
/// accumulator that fits.
std::optional<MatMulShape> smladMatMulShape(const FusedLayer &f) {
  // An input zero point only where a window's gather subtracts it.
  FusedLayer noZero = f;
  noZero.zx = 0;
  if (!smladWidths(noZero))
    return std::nullopt;
  MatMulShape m;
  if (auto conv = dyn_cast<QConv2DOp>(f.layer)) {
    auto ones = [](ArrayRef<int64_t> v) {
      return llvm::all_of(v, [](int64_t x) { return x == 1; });
    };
    if (conv.getGroups() != 1)
      return std::nullopt;
    if (f.w.shape[1] != 1 || f.w.shape[2] != 1 || !ones(conv.getStrides()) ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; })) {
      // A window: its codes gathered into 16-bit lanes one by one or four
      // at a time, so 8-bit codes only, on an NHWC image; rounded up to
      // whole steps of eight codes.
      if (f.in.bits != 8 || f.in.shape.size() != 4 || f.out.shape.size() != 4)
        return std::nullopt;
      m.window = true;
      m.kReal = f.w.shape[1] * f.w.shape[2] * f.w.shape[3];
      m.k = (m.kReal + 7) / 8 * 8;
    } else {
      m.k = f.w.shape[3];
    }
  } else {
    if (f.in.shape.size() != 2)
      return std::nullopt;
    m.k = f.in.shape[1];
  }
  if (!m.window)
    m.kReal = m.k;
  if (!m.window && f.zx != 0)
    return std::nullopt;
  m.xBits = f.in.bits;
  if (!m.window && f.in.bits == 2 && m.k % 16 != 0 && m.k % 8 == 0 &&
      m.k <= 4096) {
    m.unpacked = true;
    m.xBits = 8;
  }
  m.pixels = m.window ? f.out.rows() : f.in.rows();
  m.channels = f.channels;
  if (m.channels % 2 != 0 || f.out.rows() != m.pixels ||
      ((m.window || m.unpacked) && m.pixels < 2))
    return std::nullopt;
  // Two pixels by two channels: four accumulators and the widened halves of
  // two input and two weight words fit the registers (two by four spills:
  // 2.09 instructions per MAC against 1.48 at 128 -> 128). A single row
  // (fully connected) takes four channels a block.
  m.rows = m.pixels == 1 && m.channels % 4 == 0 ? 1 : 2;
  m.block = m.rows == 1 ? 4 : 2;
  // A step ends on whole words of the input row and of the block's
  // weights, and covers at least eight codes where the row allows.
  const int64_t xGroups = 8 / m.xBits;
  const int64_t wGroups = std::max<int64_t>(1, 8 / (m.block * f.w.bits));
  const int64_t groups = std::lcm(xGroups, wGroups);
  if (m.k % (4 * groups) != 0)
    return std::nullopt;
  m.groups = groups == 1 && m.k % 8 == 0 ? 2 : groups;
  std::optional<FieldScales> scales = fieldScales(f, m.block, m.xBits);
  if (!scales)
    return std::nullopt;
  m.scales = *scales;
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
  const unsigned wb = f.w.bits, xb = m.xBits;
  const int64_t stepCodes = 4 * m.groups;
  const int64_t stepWords = m.groups * m.block * wb / 8;
  const uint32_t mask = (1u << wb) - 1;
  const int64_t offset = int64_t{1} << (wb - 1);
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
            // Codes past a window's own multiply zero inputs: any code
            // would do.
            const int64_t stored =
                k < m.kReal ? codes[(c + cc) * m.kReal + k] +
                                  (m.scales.offsetWeights ? offset : 0)
                            : 0;
            const uint32_t code = static_cast<uint32_t>(stored) & mask;
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

/// Where the widened input of `m` is: the step's planned scratch when it
/// holds exactly the bytes the kernel needs (kernelScratchBytes), else
/// none (the kernel reads the codes as they are; a window cannot). A row
/// group's member has none.
std::optional<int64_t> widenedScratch(const FusedLayer &f,
                                      const MatMulShape &m) {
  if (m.rows != 2 || getRowGroup(f.layer))
    return std::nullopt;
  std::optional<int64_t> at = getScratchOffset(f.layer),
                         bytes = getScratchSize(f.layer);
  const int64_t need =
      m.window ? windowWideningBytes(m.pixels, f.w.shape[1], f.w.shape[2],
                                     f.w.shape[3], m.channels, f.in.bits)
               : pointwiseWideningBytes(m.pixels, m.k, m.channels, f.in.bits);
  if (!at || !bytes || need <= 0 || *bytes != need)
    return std::nullopt;
  return *at;
}

/// Pixels two at a time (the last alone if their number is odd) against
/// blocks of output channels: every input word and every weight word is
/// loaded (one 32-bit load) and widened (SXTB16/UXTB16, sub-byte fields
/// masked first) once and serves two or four channels, two pixels; one
/// SMLAD per lane pair, pixel and channel. The input sum of a pixel (weight
/// zero points factored out) is taken once per pixel with USADA8 (unsigned
/// codes; two SMLADs against 1 otherwise).
///
/// With the scratch planned for it (kernelScratchBytes: two pixels, four
/// or more channel blocks), a block of two pixels is widened once, before
/// its channel blocks, into that scratch: two words of 16-bit lanes per
/// group of four codes, the halves SXTB16/UXTB16 give (sub-byte fields
/// masked and shifted first, as the reduction would). The reduction then
/// loads each pixel's halves with one LDRD, and each block of channels
/// saves the extensions (and, below 8 bits, the masks and shifts) per
/// group and pixel it would otherwise repeat.
void emitSmladMatMul(LayerEmitter &le, const MatMulShape &m,
                     const MatMulTables &tables, Value weights) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  OpBuilder &b = e.b;
  const unsigned xb = m.xBits, wb = f.w.bits;
  const int64_t block = m.block, rowBytes = f.in.rowBytes();
  const int64_t rowWords = rowBytes / 4;
  // Bytes of one step: of an input row, of a block's weights.
  const int64_t xStep = m.groups * xb / 2;
  const int64_t wStep = m.groups * block * wb / 2;
  // A step's weight words two at a time (LDRD) when they pair up.
  const bool pairedWeights = wStep % 8 == 0;
  // The input as words, from its own offset (word-aligned: checked by
  // smladMatMulShape), for the input sums; the reduction reads it through
  // the pointers below.
  auto viewType = MemRefType::get({(f.in.bytes() + 3) / 4}, b.getI32Type());
  Value x = memref::ViewOp::create(b, e.loc, viewType, f.in.memref,
                                   e.start(f.in), ValueRange{});
  auto load = [&](Value memref, Value at) -> Value {
    return memref::LoadOp::create(b, e.loc, memref, ValueRange{at});
  };
  auto smlad = [&](Value x, Value y, Value acc) {
    return e.armIntrinsic("llvm.arm.smlad", {x, y, acc});
  };
  Value xBase = le.startPointer(f.in);
  Value wBase = le.pointerTo(weights);
  // The widened pixel pair's scratch (the function comment), when planned.
  Value wide;
  if (std::optional<int64_t> at = widenedScratch(f, m); at && !f.groupRow())
    wide = le.gep(le.pointerTo(f.in.memref), *at);
  // Where code k of a widened group lands in its pixel's slot: group k / 4
  // at 16 (k / 4), its even codes in the first word, odd in the second,
  // each word's two lanes in order (the halves SXTB16/UXTB16 give).
  auto laneOffset = [](int64_t k) {
    return 16 * (k / 4) + 4 * (k % 2) + 2 * ((k % 4) / 2);
  };
  auto storeI16 = [&](Value code, Value at) {
    Value half = LLVM::TruncOp::create(b, e.loc, b.getI16Type(), code);
    LLVM::StoreOp::create(b, e.loc, half, at, /*alignment=*/2);
  };
  if (wide && m.window)
    // The lanes past the window's codes stay 0 for the whole step (the
    // scratch is the step's alone; gathers write the window's codes only).
    for (int64_t slot = 0; slot < 2; ++slot)
      for (int64_t k = m.kReal; k < m.k; ++k)
        storeI16(e.i32(0), le.gep(wide, 8 * slot + laneOffset(k)));
  // The sum of the codes of an input word.
  auto sumCodes = [&](Value word, Value acc) {
    if (!f.in.isSigned) {
      for (int64_t fld = 0; fld < 8 / xb; ++fld)
        acc = e.armIntrinsic(
            "llvm.arm.usada8",
            {e.byteField(word, xb, fld, m.scales.xTop), e.i32(0), acc});
      return acc;
    }
    auto [lo, hi] = e.halves(word, true);
    Value ones = e.i32(0x00010001);
    return smlad(hi, ones, smlad(lo, ones, acc));
  };
  // The window of output pixel `p` gathered into slot `slot` of the
  // scratch (im2col in 16-bit lanes, laneOffset), every tap clamped into
  // the image and its codes replaced by 0 outside; returns the window's
  // input sum for the weight zero points (zero points padded in are 0).
  auto gather = [&](Value p, int64_t slot) -> Value {
    auto conv = cast<QConv2DOp>(f.layer);
    const int64_t ih = f.in.shape[1], iw = f.in.shape[2], c = f.in.shape[3];
    const int64_t oh = f.out.shape[1], ow = f.out.shape[2];
    const int64_t kh = f.w.shape[1], kw = f.w.shape[2];
    ArrayRef<int64_t> strides = conv.getStrides(), pads = conv.getPads(),
                      dilations = conv.getDilations();
    auto div = [&](Value v, int64_t d) {
      return arith::DivUIOp::create(b, e.loc, v, e.index(d)).getResult();
    };
    auto rem = [&](Value v, int64_t d) {
      return arith::RemUIOp::create(b, e.loc, v, e.index(d)).getResult();
    };
    auto clamp = [&](Value v, int64_t hi) {
      Value lo = arith::MaxSIOp::create(b, e.loc, v, e.index(0));
      return arith::MinSIOp::create(b, e.loc, lo, e.index(hi - 1)).getResult();
    };
    auto inside = [&](Value v, int64_t hi) {
      Value ge = e.cmp(arith::CmpIPredicate::sge, v, e.index(0));
      Value lt = e.cmp(arith::CmpIPredicate::slt, v, e.index(hi));
      return arith::AndIOp::create(b, e.loc, ge, lt).getResult();
    };
    Value n = div(p, oh * ow), at = rem(p, oh * ow);
    Value y0 = e.sub(e.mul(div(at, ow), e.index(strides[0])), e.index(pads[0]));
    Value x0 = e.sub(e.mul(rem(at, ow), e.index(strides[1])), e.index(pads[1]));
    Value to = le.gep(wide, 8 * slot);
    Value sum = e.i32(0);
    for (int64_t ky = 0; ky < kh; ++ky) {
      Value y = e.add(y0, e.index(ky * dilations[0]));
      for (int64_t kx = 0; kx < kw; ++kx) {
        Value xx = e.add(x0, e.index(kx * dilations[1]));
        Value in =
            arith::AndIOp::create(b, e.loc, inside(y, ih), inside(xx, iw));
        Value pixel = e.add(
            e.mul(e.add(e.mul(n, e.index(ih)), clamp(y, ih)), e.index(iw)),
            clamp(xx, iw));
        Value from = le.gep(xBase, e.mul(pixel, e.index(c)));
        const int64_t tap = (ky * kw + kx) * c;
        if (c % 4 == 0) {
          // Words of four channels: each one group.
          sum = e.reduceNest({c / 4}, sum, [&](ArrayRef<Value> r, Value a) {
            Value word = le.loadI32(le.gep(from, e.mul(r[0], e.index(4))), 0);
            auto [lo, hi] = e.halves(word, f.in.isSigned);
            if (f.zx != 0) {
              // Both lanes less the zero point (SSUB16), 0 outside.
              const uint32_t lane = static_cast<uint32_t>(f.zx) & 0xFFFFu;
              Value zz = e.i32(static_cast<int32_t>(lane | (lane << 16)));
              lo = e.select(in, e.armIntrinsic("llvm.arm.ssub16", {lo, zz}),
                            e.i32(0));
              hi = e.select(in, e.armIntrinsic("llvm.arm.ssub16", {hi, zz}),
                            e.i32(0));
            } else {
              word = e.select(in, word, e.i32(0));
              std::tie(lo, hi) = e.halves(word, f.in.isSigned);
            }
            Value group =
                le.gep(le.gep(to, 16 * (tap / 4)), e.mul(r[0], e.index(16)));
            LLVM::StoreOp::create(b, e.loc, lo, group, /*alignment=*/4);
            LLVM::StoreOp::create(b, e.loc, hi, le.gep(group, 4),
                                  /*alignment=*/4);
            if (!f.weightZeroPoints)
              return a;
            if (f.zx == 0)
              return sumCodes(word, a);
            Value ones = e.i32(0x00010001);
            return smlad(hi, ones, smlad(lo, ones, a));
          });
          continue;
        }
        for (int64_t ci = 0; ci < c; ++ci) {
          Value byte = LLVM::LoadOp::create(b, e.loc, b.getI8Type(),
                                            le.gep(from, ci), /*alignment=*/1);
          Value code =
              f.in.isSigned
                  ? arith::ExtSIOp::create(b, e.loc, b.getI32Type(), byte)
                        .getResult()
                  : arith::ExtUIOp::create(b, e.loc, b.getI32Type(), byte)
                        .getResult();
          // Less the zero point (padding is the zero point: 0).
          code = e.select(in, e.sub(code, e.i32(f.zx)), e.i32(0));
          storeI16(code, le.gep(to, laneOffset(tap + ci)));
          if (f.weightZeroPoints)
            sum = e.add(sum, code);
        }
      }
    }
    return sum;
  };
  // The 2-bit codes of input pixel `p` unpacked into slot `slot` of the
  // scratch in the layout of 8-bit codes (laneOffset): byte j holds codes
  // 4j to 4j + 3, its fields, which are the two words of 16-bit lanes
  // (field 0, field 2) and (field 1, field 3). With the byte B copied 12
  // bits up (B | B << 12), fields 0 and 2 are the bits an AND with
  // 0x00030003 keeps, fields 1 and 3 the same two bits higher. Returns the
  // pixel's input sum (lanes of at most 3, summed as one word: no carry
  // crosses 16 bits within 4096 codes).
  auto unpack = [&](Value p, int64_t slot) -> Value {
    Value from = le.gep(xBase, e.mul(p, e.index(rowBytes)));
    Value to = le.gep(wide, 8 * slot);
    Value lanes = e.i32(0x00030003);
    Value packedSum =
        e.reduceNest({rowBytes}, e.i32(0), [&](ArrayRef<Value> r, Value a) {
          Value byte =
              LLVM::LoadOp::create(b, e.loc, b.getI8Type(), le.gep(from, r[0]),
                                   /*alignment=*/1);
          Value code = arith::ExtUIOp::create(b, e.loc, b.getI32Type(), byte);
          Value copied = arith::OrIOp::create(
              b, e.loc, code, arith::ShLIOp::create(b, e.loc, code, e.i32(12)));
          Value lo = arith::AndIOp::create(b, e.loc, copied, lanes);
          Value hi = arith::AndIOp::create(
              b, e.loc, arith::ShRUIOp::create(b, e.loc, copied, e.i32(2)),
              lanes);
          Value group = le.gep(to, e.mul(r[0], e.index(16)));
          LLVM::StoreOp::create(b, e.loc, lo, group, /*alignment=*/4);
          LLVM::StoreOp::create(b, e.loc, hi, le.gep(group, 4),
                                /*alignment=*/4);
          return e.add(a, e.add(lo, hi));
        });
    return e.add(arith::AndIOp::create(b, e.loc, packedSum, e.i32(0xffff)),
                 arith::ShRUIOp::create(b, e.loc, packedSum, e.i32(16)));
  };
  auto pixelBlock = [&](Value first, int64_t count) {
    SmallVector<Value> rows, rowStarts, sums;
    for (int64_t i = 0; i < count; ++i) {
      rows.push_back(e.add(first, e.index(i)));
      rowStarts.push_back(e.mul(rows.back(), e.index(rowWords)));
    }
    const bool widened = wide && (count == 2 || m.window || m.unpacked);
    // Widened, group t of the pair's pixel i (four codes: field t % (8 /
    // bits) of word t / (8 / bits), as the reduction reads it) is at 16 t +
    // 8 i (its two halves), so that a reduction step's input is one run of
    // 16 bytes per group, every half at a small offset from one pointer
    // (LDRD pairs), whatever the codes' width.
    const int64_t fields = 8 / xb;
    const int64_t xStepBytes = widened ? 16 * m.groups : xStep;
    const int64_t xRowEnd = widened ? 16 * (m.k / 4) : rowBytes;
    if (widened && m.window) {
      for (int64_t i = 0; i < count; ++i) {
        Value sum = gather(rows[i], i);
        if (f.weightZeroPoints)
          sums.push_back(sum);
      }
    } else if (widened && m.unpacked) {
      for (int64_t i = 0; i < count; ++i) {
        Value sum = unpack(rows[i], i);
        if (f.weightZeroPoints)
          sums.push_back(sum);
      }
    } else if (widened) {
      // Each pixel's words widened, field by field, as the reduction would
      // (the input sums taken on the way).
      Value src = le.gep(xBase, e.mul(rows.front(), e.index(rowBytes)));
      for (int64_t i = 0; i < count; ++i) {
        Value from = le.gep(src, i * rowBytes), to = le.gep(wide, 8 * i);
        auto widen = [&](Value r, Value a) {
          Value word = le.loadI32(le.gep(from, e.mul(r, e.index(4))), 0);
          Value at = le.gep(to, e.mul(r, e.index(16 * fields)));
          for (int64_t fld = 0; fld < fields; ++fld) {
            auto [lo, hi] = e.halves(e.byteField(word, xb, fld, m.scales.xTop),
                                     f.in.isSigned);
            Value group = le.gep(at, 16 * fld);
            LLVM::StoreOp::create(b, e.loc, lo, group, /*alignment=*/4);
            LLVM::StoreOp::create(b, e.loc, hi, le.gep(group, 4),
                                  /*alignment=*/4);
          }
          return a ? sumCodes(word, a) : a;
        };
        if (f.weightZeroPoints)
          sums.push_back(e.reduceNest(
              {rowWords}, e.i32(0),
              [&](ArrayRef<Value> r, Value a) { return widen(r[0], a); }));
        else
          e.loopNest({rowWords},
                     [&](ArrayRef<Value> r) { widen(r[0], Value()); });
      }
    } else if (f.weightZeroPoints) {
      for (Value start : rowStarts)
        sums.push_back(
            e.reduceNest({rowWords}, e.i32(0), [&](ArrayRef<Value> r, Value a) {
              return sumCodes(load(x, e.add(start, r[0])), a);
            }));
    }
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
      Value xFirst =
          widened ? wide
                  : le.gep(xBase, e.mul(rows.front(), e.index(rowBytes)));
      Value wFirst = le.gep(wBase, wStart);
      // One step of the reduction (`groups` groups of four codes of each
      // row) from the pointers xp and wp: the accumulators after it.
      auto step = [&](ValueRange a, Value xp, Value wp) {
        SmallVector<Value> next(a);
        // Each word loaded once (a field of it per group), and shifted
        // once per distance its fields move (FieldScales).
        DenseMap<int64_t, Value> wLoaded, xLoaded, wShifted;
        auto weight = [&](int64_t t, int64_t cc) {
          GroupPlace g = weightGroup(wb, block, t, cc);
          Value &w = wLoaded[g.word];
          if (!w && pairedWeights) {
            const int64_t first = g.word & ~int64_t{1};
            std::tie(wLoaded[first], wLoaded[first + 1]) =
                le.loadPair(wp, 4 * first);
          } else if (!w) {
            w = le.loadI32(wp, 4 * g.word);
          }
          if (wb == 8)
            return e.halves(w, f.w.isSigned);
          const int64_t field = m.scales.wField[cc];
          const int64_t down = wb * (g.field - field);
          auto shifted = [&](int64_t bits) {
            Value &moved = wShifted[g.word * 32 + bits];
            if (!moved)
              moved = bits ? le.shiftRightOpaque(w, bits) : w;
            return moved;
          };
          const uint32_t mask = ((1u << wb) - 1) << (wb * field);
          auto masked = [&](Value v, uint32_t repeated) -> Value {
            return arith::AndIOp::create(
                b, e.loc, v, e.i32(static_cast<int32_t>(mask * repeated)));
          };
          if (m.scales.wholeWords) {
            if (field == 8 / wb - 1)
              // The top field with those below it (FieldScales).
              return e.halves(w, /*isSigned=*/false);
            return e.halves(masked(w, 0x01010101u), /*isSigned=*/false);
          }
          // Fields moved by a shift: each half masked out of its own shift
          // (the bytes 1 and 3 of a word shifted 8 further), which the
          // word's other fields share: two ANDs a field, where the word's
          // field masked then widened twice would be three instructions.
          return std::pair<Value, Value>{
              masked(shifted(down), 0x00010001u),
              masked(shifted(down + 8), 0x00010001u)};
        };
        auto input = [&](int64_t i, int64_t t) -> std::pair<Value, Value> {
          if (widened) {
            // Group t of pixel i as the widening stored it.
            Value &lo = xLoaded[2 * (i * m.groups + t)];
            Value &hi = xLoaded[2 * (i * m.groups + t) + 1];
            if (!lo) {
              std::tie(lo, hi) = le.loadPair(xp, 16 * t + 8 * i);
            }
            return {lo, hi};
          }
          GroupPlace g = inputGroup(xb, t);
          Value &w = xLoaded[i * m.groups + g.word];
          if (!w)
            w = le.loadI32(xp, i * rowBytes + 4 * g.word);
          return e.halves(e.byteField(w, xb, g.field, m.scales.xTop),
                          f.in.isSigned);
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
          accs = step(accs, le.gep(xFirst, xStepBytes * t),
                      le.gep(wFirst, wStep * t));
      } else {
        Value xEnd = le.gep(xFirst, e.index(xRowEnd));
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
        next.push_back(le.gep(xp, xStepBytes));
        next.push_back(le.gep(wp, wStep));
        scf::YieldOp::create(b, e.loc, next);
        accs.assign(loop.getResults().begin(),
                    loop.getResults().begin() + block * count);
      }
      if (m.scales.wholeWords) {
        // The top field's channel less the products of the fields below it
        // (those of the other channels of its words).
        const int64_t fields = 8 / wb;
        for (int64_t i = 0; i < count; ++i)
          for (int64_t cc = fields - 1; cc < block; cc += fields)
            for (int64_t below = cc - fields + 1; below < cc; ++below)
              accs[block * i + cc] =
                  e.sub(accs[block * i + cc], accs[block * i + below]);
      }
      for (int64_t cc = 0; cc < block; ++cc) {
        Value c = e.add(c0, e.index(cc));
        // The zero point times the input sums, at the channel's widened
        // weights' scale (the inputs' is in the sums already): from the
        // table if it holds the zero points scaled, else the product
        // shifted, which the subtraction takes as a shifted operand.
        Value zw = le.loadZw(c);
        const int64_t wScale =
            tables.scaledZeroPoints
                ? 0
                : m.scales.scaleLog2[cc] - m.scales.xScaleLog2;
        const int64_t up =
            m.scales.requantScaleLog2[cc] - m.scales.scaleLog2[cc];
        for (int64_t i = 0; i < count; ++i) {
          Value acc = accs[block * i + cc];
          if (zw) {
            Value term = e.mul(zw, sums[i]);
            if (wScale)
              term = arith::ShLIOp::create(b, e.loc, term, e.i32(wScale));
            acc = e.sub(acc, term);
          }
          if (up)
            acc = arith::ShLIOp::create(b, e.loc, acc, e.i32(up));
          le.finishRow(acc, c, rows[i],
                       tables.scaledShifts ? 0 : m.scales.requantScaleLog2[cc]);
        }
      }
    });
  };
  // In place above its input (mpq.rows_descending): the odd last pixel
  // first, then the blocks from the last.
  const int64_t tile = m.rows;
  if (Value row = f.groupRow()) {
    // A row group's row: its pixels only.
    const int64_t width = f.out.shape[2];
    Value first = e.mul(row, e.index(width));
    e.loopNest({width / tile}, [&](ArrayRef<Value> ivs) {
      pixelBlock(e.add(first, e.mul(ivs[0], e.index(tile))), tile);
    });
    if (width % tile)
      pixelBlock(e.add(first, e.index(width - 1)), 1);
    return;
  }
  const int64_t tiles = m.pixels / tile;
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
    std::optional<MatMulShape> m = smladMatMulShape(*f);
    if (!m)
      return rewriter.notifyMatchFailure(rq, "not a 2x2 SMLAD product");
    // A window is gathered into the scratch planned for it, or not taken.
    if ((m->window || m->unpacked) && !widenedScratch(*f, *m))
      return rewriter.notifyMatchFailure(
          rq, "a window or unpacked input without its scratch");
    return success();
  }

  LogicalResult emit(RequantizeOp rq, OpBuilder &b) const override {
    FailureOr<FusedLayer> f = FusedLayer::analyze(rq, lowering, true);
    if (failed(f))
      return failure();
    f->out.shape =
        SmallVector<int64_t>(cast<RankedTensorType>(rq.getType()).getShape());
    std::optional<MatMulShape> m = smladMatMulShape(*f);
    if (!m || ((m->window || m->unpacked) && !widenedScratch(*f, *m)))
      return rq.emitError() << "internal: the 2x2 SMLAD kernel does not apply";
    if (failed(f->materialize(lowering, b, /*weights=*/false,
                              /*params=*/false)))
      return failure();
    // Each channel's requantization at its accumulator's scale and its
    // stored weight zero point at its widened weights' (FieldScales). A
    // table whose unscaled values are one per layer stays one entry, the
    // kernel adding each channel's scale (a constant per place in the
    // block: the shift's folds into the high-word path's constant, the
    // zero point's into a constant); one of a value per channel holds the
    // scaled values (a per-channel table either way, and no instruction).
    const FieldScales &fs = m->scales;
    MatMulTables t;
    std::map<int64_t, MPQToLoopsLowering::ChannelValues> atScale;
    for (int64_t k : fs.requantScaleLog2)
      if (!atScale.count(k))
        atScale[k] = MPQToLoopsLowering::requantValues(rq, f->channels, k);
    MPQToLoopsLowering::ChannelValues v =
        MPQToLoopsLowering::requantValues(rq, f->channels);
    SmallVector<int32_t> zeroPoints;
    for (int64_t c = 0; c < f->channels; ++c)
      zeroPoints.push_back(
          static_cast<int32_t>(f->storedZeroPoint(c, fs.offsetWeights)));
    t.scaledShifts = !llvm::all_equal(v.shifts);
    // Per-channel zero points are scaled even where that widens their
    // table (i8 to i16 at 4 bits): the kernel's shift of the unscaled
    // ones cost the 2 x 2 loop a spilled accumulator on some shapes
    // (pointwise 128 -> 128 at 4/8: 1.30 -> 1.39 instructions per MAC),
    // for 4 kB of flash saved on MobileNetV1 1.0_224.
    t.scaledZeroPoints = !llvm::all_equal(zeroPoints);
    for (int64_t c = 0; c < f->channels; ++c) {
      const int64_t cc = c % m->block;
      const MPQToLoopsLowering::ChannelValues &at =
          atScale[fs.requantScaleLog2[cc]];
      v.biases[c] = at.biases[c];
      if (t.scaledShifts)
        v.shifts[c] = at.shifts[c];
      if (t.scaledZeroPoints)
        zeroPoints[c] = static_cast<int32_t>(
            zeroPoints[c] * (int64_t{1} << (fs.scaleLog2[cc] - fs.xScaleLog2)));
    }
    f->params = {lowering.paramTable(b, "multiplier", v.multipliers),
                 lowering.paramTable(b, "shift", v.shifts),
                 lowering.paramTable(b, "bias", v.biases)};
    f->weightZeroPoints =
        llvm::any_of(zeroPoints, [](int32_t z) { return z != 0; });
    f->zw = lowering.paramTable(b, "weight_zp", zeroPoints);
    f->highWord = fs.highWord;
    f->narrowTotal = fs.narrowTotal;
    Value weights = lowering.global(b, "weights", blockedWeightWords(*f, *m));
    LayerEmitter le(*f, b, options.channelBlock);
    emitSmladMatMul(le, *m, t, weights);
    return success();
  }

private:
  MPQToLoopsOptions options;
};

//===----------------------------------------------------------------------===//
// Depthwise: four channels a word, SMLABB/SMLATT
//===----------------------------------------------------------------------===//

/// Taps up to which the depthwise kernel unrolls its window (5x5).
constexpr int64_t kDepthwiseMaxTaps = 25;

/// How a channel group's field is taken out of its operand's words: at the
/// top of its bytes (the products carry 2^(8 - bits) more) or at their
/// bottom; one AND with an immediate where the field already is there (the
/// last field at the top, the first at the bottom), a shift and an AND
/// otherwise; the whole word at 8 bits (mask 0).
struct FieldTake {
  int64_t shiftLeft = 0, shiftRight = 0;
  uint32_t mask = 0;
  int64_t scaleLog2 = 0;

  int64_t instructions() const {
    return (mask ? 1 : 0) + (shiftLeft || shiftRight ? 1 : 0);
  }
};

FieldTake takeField(unsigned bits, int64_t field, bool top) {
  if (bits == 8)
    return {};
  const uint32_t ones = (1u << bits) - 1;
  FieldTake t;
  if (top) {
    t.shiftLeft = 8 - bits * (field + 1);
    t.mask = (ones << (8 - bits)) * 0x01010101u;
    t.scaleLog2 = 8 - bits;
  } else {
    t.shiftRight = bits * field;
    t.mask = ones * 0x01010101u;
  }
  return t;
}

/// A sub-byte input field's channels of the even bytes (0 and 2) and of
/// the odd ones (1 and 3) taken straight into 16-bit lanes, one AND each
/// (0x000F000F at the bottom field of 4-bit codes), instead of the field's
/// mask and two UXTB16. An even byte's field is its value times 2^(its
/// position); an odd byte's stays where it is (2^(8 + position)) while the
/// lane stays a positive int16, else it is shifted right as little as
/// makes it one (the top field: an AND with the word shifted, its mask in a
/// register; measured at 4/4, stride 2: 4.09 -> 4.03 instructions per MAC
/// against the field's mask and two UXTB16).
std::pair<FieldTake, FieldTake> takeLanes(unsigned bits, int64_t field) {
  const uint32_t ones = (1u << bits) - 1;
  const int64_t at = bits * field;
  FieldTake even, odd;
  even.mask = (ones << at) * 0x00010001u;
  even.scaleLog2 = at;
  odd.scaleLog2 = std::min<int64_t>(8 + at, 15 - bits);
  odd.shiftRight = 8 + at - odd.scaleLog2;
  odd.mask = (ones << odd.scaleLog2) * 0x00010001u;
  return {even, odd};
}

Value applyField(LoopEmitter &e, Value word, const FieldTake &t) {
  if (!t.mask)
    return word;
  if (t.shiftLeft)
    word = arith::ShLIOp::create(e.b, e.loc, word, e.i32(t.shiftLeft));
  if (t.shiftRight)
    word = arith::ShRUIOp::create(e.b, e.loc, word, e.i32(t.shiftRight));
  return arith::AndIOp::create(e.b, e.loc, word,
                               e.i32(static_cast<int32_t>(t.mask)));
}

/// A depthwise convolution (one input and one output channel per group) for
/// the SMLAxy kernel: per output pixel, the channels in groups of four (one
/// field of every byte of a word, on both sides), `groups` groups a unit
/// (whole words of the input pixel and of a tap's weights).
struct DepthwiseShape {
  int64_t kh, kw, groups;
  /// Sub-byte signed weights stored offset by 2^(bits - 1) (unsigned fields,
  /// so that the first one is masked out at the bottom of its bytes as the
  /// last one at the top), the offset added to the zero points.
  bool offsetWeights = false;
  /// The scales of a group's accumulators (of its even or its odd bytes'
  /// channels): the products' scale k (2^k times the sum; the accumulators
  /// start at the bias scaled as much); the scale k' >= k the accumulators
  /// are shifted to before the requantization, where a longer shift lets it
  /// take the product's high word (exact: the requantization takes the bias
  /// scaled and the shift k' longer, and the scaled total fits in int32),
  /// and the requantization k' allows.
  struct Scale {
    int64_t scaleLog2 = 0, requantScaleLog2 = 0;
    bool highWord = false, narrowTotal = false;

    /// What the record's shifts lack: requantizeHigh's own subtraction,
    /// done at compile time.
    int64_t shiftBias(RoundingMode mode) const {
      if (!highWord)
        return 0;
      return mode == RoundingMode::HalfUp ? 33 : 32;
    }
    /// How the requantization takes the accumulator: 0 on the high word,
    /// 1 from an int32 total, 2 from an int64 one.
    int cost() const { return highWord ? 0 : narrowTotal ? 1 : 2; }
  };
  /// How a group takes its input field: masked at the bottom or at the
  /// top of its bytes, then widened by UXTB16 (takeField), or as lanes, one
  /// AND a half (takeLanes; sub-byte unsigned inputs).
  enum class InputTake { Bottom, Top, Lanes };
  /// Per group of a unit: its fields (the input's as `x`, or as `xHalves`
  /// where it takes lanes), and the scales of its even bytes' channels and
  /// of its odd ones (equal but with lanes).
  struct Group {
    FieldTake x, w;
    InputTake xTake = InputTake::Bottom;
    std::pair<FieldTake, FieldTake> xHalves;
    Scale half[2];

    const Scale &of(int64_t byte) const { return half[byte % 2]; }
  };
  SmallVector<Group> perGroup;

  int64_t taps() const { return kh * kw; }
  /// The weight words of a unit: one per tap for each `8 / bits` of its
  /// groups (a weight word holds that many groups, one a field).
  int64_t unitWeightWords(const FusedLayer &f) const {
    return groups / (8 / f.w.bits) * taps();
  }
};

/// Whether the depthwise kernel takes the layer: 8, 4 or 2-bit codes
/// (sub-byte inputs unsigned), an input without zero point, whole units of
/// channels, a window of at most kDepthwiseMaxTaps taps, each group's scaled
/// accumulator within int32 and its widened weights within 16-bit lanes.
std::optional<DepthwiseShape> depthwiseShape(const FusedLayer &f) {
  auto conv = dyn_cast<QConv2DOp>(f.layer);
  if (!conv || !smladWidths(f) ||
      static_cast<int64_t>(conv.getGroups()) != f.channels ||
      f.w.shape[3] != 1 || f.in.shape.size() != 4 ||
      f.in.shape[3] != f.channels)
    return std::nullopt;
  DepthwiseShape s;
  s.kh = f.w.shape[1];
  s.kw = f.w.shape[2];
  s.groups = std::lcm<int64_t>(8 / f.in.bits, 8 / f.w.bits);
  if (s.taps() > kDepthwiseMaxTaps || f.channels % (4 * s.groups) != 0)
    return std::nullopt;
  s.offsetWeights = f.w.bits < 8 && f.w.isSigned;
  // The stored codes' range.
  int64_t wMin = f.wElem.getStorageMin(), wMax = f.wElem.getStorageMax();
  if (s.offsetWeights) {
    wMin += int64_t{1} << (f.w.bits - 1);
    wMax += int64_t{1} << (f.w.bits - 1);
  }
  int64_t maxLane = 0;
  for (int64_t c = 0; c < f.channels; ++c) {
    const int64_t z = f.storedZeroPoint(c, s.offsetWeights);
    maxLane = std::max({maxLane, std::abs(wMin - z), std::abs(wMax - z)});
  }
  // The scales for products at 2^k: the least further shift that reaches
  // the high word, if any; none if 2^k does not fit.
  auto scaleFor = [&](int64_t k) -> std::optional<DepthwiseShape::Scale> {
    FusedLayer scaled = f;
    if (!scaled.scaleAccumulator(k))
      return std::nullopt;
    DepthwiseShape::Scale sc;
    sc.scaleLog2 = sc.requantScaleLog2 = k;
    for (int64_t j = k; !scaled.highWord && j < 31; ++j) {
      FusedLayer further = f;
      if (!further.scaleAccumulator(j + 1))
        break;
      if (further.highWord) {
        scaled = further;
        sc.requantScaleLog2 = j + 1;
      }
    }
    sc.highWord = scaled.highWord;
    sc.narrowTotal = scaled.narrowTotal;
    return sc;
  };
  // Per group, the placements of its two fields (and the input's lanes
  // taken whole: takeLanes) whose requantization is the cheapest (high
  // word, then an int32 total), then with the fewest instructions per tap.
  const bool lanes = f.in.bits < 8 && !f.in.isSigned;
  for (int64_t g = 0; g < s.groups; ++g) {
    std::optional<DepthwiseShape::Group> best;
    std::pair<int, int64_t> bestCost{3, 0};
    for (DepthwiseShape::InputTake xTake :
         {DepthwiseShape::InputTake::Bottom, DepthwiseShape::InputTake::Top,
          DepthwiseShape::InputTake::Lanes})
      for (bool wTop : {false, true}) {
        if ((xTake == DepthwiseShape::InputTake::Top && f.in.bits == 8) ||
            (xTake == DepthwiseShape::InputTake::Lanes && !lanes) ||
            (wTop && f.w.bits == 8))
          continue;
        DepthwiseShape::Group group;
        group.xTake = xTake;
        group.w = takeField(f.w.bits, g % (8 / f.w.bits), wTop);
        int64_t xScale[2], xInstructions;
        if (xTake == DepthwiseShape::InputTake::Lanes) {
          group.xHalves = takeLanes(f.in.bits, g % (8 / f.in.bits));
          xScale[0] = group.xHalves.first.scaleLog2;
          xScale[1] = group.xHalves.second.scaleLog2;
          // One AND a half: an odd half's shift folds into its AND as a
          // shifted operand (LSR), which then takes its mask from a
          // register.
          xInstructions = 2;
        } else {
          group.x = takeField(f.in.bits, g % (8 / f.in.bits),
                              xTake == DepthwiseShape::InputTake::Top);
          xScale[0] = xScale[1] = group.x.scaleLog2;
          xInstructions = group.x.instructions() + 2;
        }
        if (maxLane << group.w.scaleLog2 > 32767)
          continue;
        bool fits = true;
        for (int h = 0; h < 2 && fits; ++h) {
          std::optional<DepthwiseShape::Scale> sc =
              scaleFor(xScale[h] + group.w.scaleLog2);
          if (sc)
            group.half[h] = *sc;
          fits = sc.has_value();
        }
        if (!fits)
          continue;
        // Instructions per group and pixel: the fields' per tap, one shift
        // per channel.
        std::pair<int, int64_t> cost{
            std::max(group.half[0].cost(), group.half[1].cost()),
            (xInstructions + group.w.instructions()) * s.taps()};
        for (const DepthwiseShape::Scale &sc : group.half)
          if (sc.requantScaleLog2 > sc.scaleLog2)
            cost.second += 2;
        if (!best || cost < bestCost) {
          best = group;
          bestCost = cost;
        }
      }
    if (!best)
      return std::nullopt;
    // The record holds each shift, less the high-word path's, in a byte.
    for (const DepthwiseShape::Scale &sc : best->half) {
      const int64_t bias = sc.shiftBias(f.mode);
      for (int32_t shift : MPQToLoopsLowering::requantValues(
                               f.rq, f.channels, sc.requantScaleLog2)
                               .shifts)
        if (shift - bias < 0 || shift - bias > 255)
          return std::nullopt;
    }
    s.perGroup.push_back(*best);
  }
  return s;
}

/// Channel group `g` (four channels, one per byte of a word's field): its
/// channel at byte `byte`, for inputs of `bits` bits (the input words are
/// the pixel's channels in order, `8 / bits` fields a byte).
int64_t groupChannel(unsigned bits, int64_t g, int64_t byte) {
  const int64_t fields = 8 / bits;
  return g / fields * (32 / bits) + byte * fields + g % fields;
}

/// The weights as words in the order the kernel reads them: for each
/// weight word of channel groups (`8 / bits` groups, one a field), the word
/// of each tap; byte B of group g's field holds the weight of the channel
/// that byte B of the input group's field holds.
SmallVector<int32_t> depthwiseWeightWords(const FusedLayer &f,
                                          const DepthwiseShape &s) {
  std::vector<int32_t> codes = MPQToLoopsLowering::codesOf(f.weightOp);
  const unsigned wb = f.w.bits;
  const int64_t perWord = 8 / wb, groups = f.channels / 4;
  const uint32_t mask = (1u << wb) - 1;
  SmallVector<int32_t> words;
  for (int64_t q = 0; q < groups / perWord; ++q)
    for (int64_t t = 0; t < s.taps(); ++t) {
      uint32_t word = 0;
      for (int64_t field = 0; field < perWord; ++field)
        for (int64_t byte = 0; byte < 4; ++byte) {
          int64_t c = groupChannel(f.in.bits, q * perWord + field, byte);
          int64_t stored = codes[c * s.taps() + t] +
                           (s.offsetWeights ? int64_t{1} << (wb - 1) : 0);
          uint32_t code = static_cast<uint32_t>(stored) & mask;
          word |= code << (wb * (byte * perWord + field));
        }
      words.push_back(static_cast<int32_t>(word));
    }
  return words;
}

/// The parameters of one channel group (four channels, one per byte of a
/// field) as words in the order the depthwise kernel reads them, one record
/// per group, so that a pointer walks them: with weight zero points (or
/// offset weights), the negated zero points as two words of 16-bit lanes
/// (the channels of bytes 0 and 2, then of bytes 1 and 3, scaled as the
/// group's widened weights), which SXTAB16/UXTAB16 adds as it widens the
/// weights; the four biases, each at its channel's products' scale (the
/// accumulators' start where the total fits in int32; Group::of); the four
/// multipliers; the four right shifts, each at its channel's
/// requantization scale, as bytes, less Scale::shiftBias.
struct DepthwiseRecord {
  int64_t zeroPointWords;

  int64_t biasAt() const { return zeroPointWords; }
  int64_t multiplierAt() const { return zeroPointWords + 4; }
  int64_t shiftAt() const { return zeroPointWords + 8; }
  int64_t words() const { return zeroPointWords + 9; }
};

SmallVector<int32_t> depthwiseRecords(const FusedLayer &f,
                                      const DepthwiseShape &s,
                                      const DepthwiseRecord &r) {
  // The requantization values at each group's scales.
  std::map<int64_t, MPQToLoopsLowering::ChannelValues> atScale;
  for (const DepthwiseShape::Group &group : s.perGroup)
    for (const DepthwiseShape::Scale &sc : group.half)
      for (int64_t k : {sc.scaleLog2, sc.requantScaleLog2})
        if (!atScale.count(k))
          atScale[k] = MPQToLoopsLowering::requantValues(f.rq, f.channels, k);
  SmallVector<int32_t> words;
  for (int64_t g = 0; g < f.channels / 4; ++g) {
    const DepthwiseShape::Group &group = s.perGroup[g % s.groups];
    auto channel = [&](int64_t byte) {
      return groupChannel(f.in.bits, g, byte);
    };
    // A multiplication: a left shift of a negative value is undefined.
    auto negatedLane = [&](int64_t c) {
      return static_cast<uint32_t>(-f.storedZeroPoint(c, s.offsetWeights) *
                                   (int64_t{1} << group.w.scaleLog2)) &
             0xffff;
    };
    if (r.zeroPointWords)
      for (int64_t byte = 0; byte < 2; ++byte)
        words.push_back(static_cast<int32_t>(
            negatedLane(channel(byte)) | negatedLane(channel(byte + 2)) << 16));
    // The biases start the accumulators (the products' scale); the shifts
    // take the shifted accumulators.
    for (int64_t byte = 0; byte < 4; ++byte)
      words.push_back(atScale[group.of(byte).scaleLog2].biases[channel(byte)]);
    for (int64_t byte = 0; byte < 4; ++byte)
      words.push_back(
          atScale[group.of(byte).scaleLog2].multipliers[channel(byte)]);
    uint32_t shifts = 0;
    for (int64_t byte = 0; byte < 4; ++byte) {
      const DepthwiseShape::Scale &sc = group.of(byte);
      int64_t shift = atScale[sc.requantScaleLog2].shifts[channel(byte)] -
                      sc.shiftBias(f.mode);
      assert(shift >= 0 && shift < 256 && "a record's shift is a byte");
      shifts |= static_cast<uint32_t>(shift) << (8 * byte);
    }
    words.push_back(static_cast<int32_t>(shifts));
  }
  return words;
}

/// The weights and records as one global, unit by unit: a unit's weight
/// words (depthwiseWeightWords) then its groups' records, so that one
/// pointer walks both (measured at 4/4, stride 2: with a pointer each, the
/// window's input pointer spilled and was reloaded at most taps).
SmallVector<int32_t> depthwiseUnits(const FusedLayer &f,
                                    const DepthwiseShape &s,
                                    const DepthwiseRecord &r) {
  SmallVector<int32_t> weights = depthwiseWeightWords(f, s);
  SmallVector<int32_t> records = depthwiseRecords(f, s, r);
  const int64_t units = f.channels / (4 * s.groups),
                unitWeights = s.unitWeightWords(f),
                unitRecords = s.groups * r.words();
  assert(static_cast<int64_t>(weights.size()) == units * unitWeights &&
         static_cast<int64_t>(records.size()) == units * unitRecords &&
         "whole units of weights and records");
  SmallVector<int32_t> words;
  for (int64_t u = 0; u < units; ++u) {
    llvm::append_range(words,
                       ArrayRef(weights).slice(u * unitWeights, unitWeights));
    llvm::append_range(words,
                       ArrayRef(records).slice(u * unitRecords, unitRecords));
  }
  return words;
}

/// Per output pixel (from the last where the layer runs in place above its
/// input) and channel group: one input word and one weight word per tap,
/// each widened once (UXTB16/SXTB16 after the field's mask, or a sub-byte
/// input's lanes one AND each: takeLanes; SXTAB16/UXTAB16 for the weights,
/// which adds the negated zero points as it widens), four
/// multiply-accumulates into four channels (SMLABB and SMLATT on the even
/// and odd bytes), the accumulators started at the biases where the total
/// fits in int32 (else the bias is added in int64). A group's
/// parameters are one record (DepthwiseRecord), placed after the unit's
/// weights, which are laid out as read (depthwiseUnits), so that the unit
/// loop walks two pointers (input and units) besides the output. Inside the
/// image the window is unrolled, every tap a constant offset from its first
/// pixel; where the window reaches into the padding, loops run over the
/// taps inside the image only (the input has no zero point: the others add
/// nothing).
void emitDepthwise(LayerEmitter &le, const DepthwiseShape &s, Value unitWords,
                   const DepthwiseRecord &r) {
  FusedLayer &f = le.f;
  LoopEmitter &e = le.e;
  OpBuilder &b = e.b;
  auto conv = cast<QConv2DOp>(f.layer);
  ArrayRef<int64_t> strides = conv.getStrides(), dil = conv.getDilations(),
                    pads = conv.getPads();
  const unsigned xb = f.in.bits, wb = f.w.bits;
  const int64_t rowBytes = f.in.rowBytes(), height = f.in.shape[1],
                width = f.in.shape[2];
  const int64_t xFields = 8 / xb, wFields = 8 / wb;
  const int64_t units = f.channels / (4 * s.groups);
  // Bytes from one tap row (ky) to the next and from one column to the next.
  const int64_t tapRowBytes = dil[0] * width * rowBytes,
                tapColBytes = dil[1] * rowBytes;
  Value xBase = le.startPointer(f.in);
  Value uBase = le.pointerTo(unitWords);
  const int64_t unitWeightBytes = s.unitWeightWords(f) * 4,
                unitBytes = unitWeightBytes + s.groups * r.words() * 4;
  // Sub-byte weights are offset binary: unsigned fields.
  const bool wSigned = f.w.isSigned && !s.offsetWeights;
  // The taps inside the image of a window in the padding (two words a tap).
  Value tapList = f.lowering->stackWords(b, 2 * s.taps());

  // The taps of one group: `taps(g, xUnit, wUnit, accs, mac)` calls
  // mac(x, w, accs) with the input and weight words of every tap the window
  // reads, and returns the accumulators.
  using MacFn = function_ref<void(Value, Value, MutableArrayRef<Value>)>;
  using TapsFn = function_ref<SmallVector<Value>(int64_t, Value, Value,
                                                 ArrayRef<Value>, MacFn)>;
  auto pixel = [&](Value outRow, Value origin, TapsFn taps) {
    e.loopNest({units}, [&](ArrayRef<Value> unit) {
      Value u = unit[0];
      Value xUnit = le.gep(origin, e.mul(u, e.index(s.groups / xFields * 4)));
      Value wUnit = le.gep(uBase, e.mul(u, e.index(unitBytes)));
      Value rUnit = le.gep(wUnit, unitWeightBytes);
      // Channel of byte B: the unit's first, then as groupChannel.
      Value first = e.mul(u, e.index(s.groups * 4));
      // At 4-bit inputs a group's channels are every other one: 8-bit
      // outputs are then stored at constant offsets from the unit's first
      // (measured at stride 2: 4.26 -> 4.15 instructions per MAC at 8/4).
      // Not elsewhere: with consecutive channels LLVM walks the stores with
      // one pointer already (8/8 stride 2: 3.83 -> 3.99 with this), and
      // the four groups of a unit at 2-bit inputs keep the pointer live
      // through more windows (2/2 at 14x14: 4.12 -> 4.27).
      Value outUnit;
      if (f.out.bits == 8 && xb == 4)
        outUnit =
            le.gep(le.startPointer(f.out),
                   e.add(e.mul(outRow, e.index(f.out.rowBytes())), first));
      for (int64_t g = 0; g < s.groups; ++g) {
        const DepthwiseShape::Group &group = s.perGroup[g];
        Value rec = le.gep(rUnit, g * r.words() * 4);
        std::pair<Value, Value> negatedZw;
        if (r.zeroPointWords)
          negatedZw = {le.loadI32(rec, 0), le.loadI32(rec, 4)};
        SmallVector<Value> accs;
        for (int64_t byte = 0; byte < 4; ++byte)
          accs.push_back(group.of(byte).narrowTotal
                             ? le.loadI32(rec, (r.biasAt() + byte) * 4)
                             : e.i32(0));
        // Even bytes (channels of bytes 0 and 2), then odd ones.
        auto mac = [&](Value x, Value w, MutableArrayRef<Value> a) {
          Value xe, xo;
          if (group.xTake == DepthwiseShape::InputTake::Lanes) {
            xe = applyField(e, x, group.xHalves.first);
            xo = applyField(e, x, group.xHalves.second);
          } else {
            std::tie(xe, xo) =
                e.halves(applyField(e, x, group.x), f.in.isSigned);
          }
          auto [we, wo] =
              e.halves(applyField(e, w, group.w), wSigned, negatedZw);
          a[0] = le.macOrdered("smlabb", xe, we, a[0]);
          a[2] = le.macOrdered("smlatt", xe, we, a[2]);
          a[1] = le.macOrdered("smlabb", xo, wo, a[1]);
          a[3] = le.macOrdered("smlatt", xo, wo, a[3]);
        };
        accs = taps(g, xUnit, wUnit, accs, mac);
        for (int64_t byte = 0; byte < 4; ++byte) {
          const DepthwiseShape::Scale &sc = group.of(byte);
          Value acc = accs[byte];
          if (int64_t d = sc.requantScaleLog2 - sc.scaleLog2)
            acc = arith::ShLIOp::create(b, e.loc, acc, e.i32(d));
          acc = e.toI64(acc);
          if (!sc.narrowTotal)
            acc = e.add(acc, e.toI64(le.loadI32(rec, (r.biasAt() + byte) * 4)));
          Value m0 = e.toI64(le.loadI32(rec, (r.multiplierAt() + byte) * 4));
          Value shift = arith::ExtUIOp::create(
              b, e.loc, b.getI32Type(),
              LLVM::LoadOp::create(b, e.loc, b.getI8Type(),
                                   le.gep(rec, r.shiftAt() * 4 + byte)));
          const int64_t zp = f.outElem.getZeroPoint();
          const int64_t shiftBias = sc.shiftBias(f.mode);
          Value y =
              sc.highWord
                  ? e.requantizeHigh(acc, m0, e.add(shift, e.i32(shiftBias)),
                                     zp, f.lo, f.hi, f.mode)
                  : e.requantize(acc, m0, e.toI64(shift), zp, f.lo, f.hi,
                                 f.mode);
          if (outUnit) {
            LLVM::StoreOp::create(
                b, e.loc, arith::TruncIOp::create(b, e.loc, b.getI8Type(), y),
                le.gep(outUnit, groupChannel(xb, g, byte)), /*alignment=*/1);
            continue;
          }
          Value c = e.add(first, e.index(groupChannel(xb, g, byte)));
          e.store(f.out, outRow, c, y);
        }
      }
    });
  };
  // The input and weight words of group g at byte offsets xBytes and
  // wBytes from the tap's pointers xTap and wTap.
  auto tapWords = [&](int64_t g, Value xTap, Value wTap, int64_t xBytes,
                      int64_t wBytes) {
    // The weight word first (measured: 0.02 to 0.15 fewer instructions per
    // MAC at most widths), and in this order, not as a function's
    // arguments, whose order C++ leaves open.
    Value w = le.loadOrdered(wTap, wBytes + g / wFields * s.taps() * 4);
    Value x = le.loadOrdered(xTap, xBytes + g / xFields * 4);
    return std::make_pair(x, w);
  };

  emitOutputPixels(le, true, [&](Value n, Value oy, Value ox, bool checked) {
    Value outRow = flatRow(e, f.out.shape, {n, oy, ox, Value()});
    // The window's first pixel (in the padding where the window starts
    // there: only pointers to the taps inside are loaded from).
    Value iy = e.sub(e.mul(oy, e.index(strides[0])), e.index(pads[0]));
    Value ix = e.sub(e.mul(ox, e.index(strides[1])), e.index(pads[1]));
    Value origin =
        le.gep(xBase, e.mul(flatRow(e, f.in.shape, {n, iy, ix, Value()}),
                            e.index(rowBytes)));
    if (!checked) {
      pixel(outRow, origin,
            [&](int64_t g, Value xUnit, Value wUnit, ArrayRef<Value> init,
                MacFn mac) {
              SmallVector<Value> accs(init);
              for (int64_t ky = 0; ky < s.kh; ++ky)
                for (int64_t kx = 0; kx < s.kw; ++kx) {
                  auto [x, w] = tapWords(g, xUnit, wUnit,
                                         ky * tapRowBytes + kx * tapColBytes,
                                         (ky * s.kw + kx) * 4);
                  mac(x, w, accs);
                }
              return accs;
            });
      return;
    }
    // The taps inside the image: [first, end) along each axis, from the
    // window's first pixel `at` (ceil((0 - at) / d) and ceil((size - at) /
    // d), clamped to the window).
    auto tapRange = [&](Value at, int64_t size, int64_t taps, int64_t d) {
      auto ceilDiv = [&](Value v) -> Value {
        if (d == 1)
          return v;
        return arith::CeilDivSIOp::create(b, e.loc, v, e.index(d));
      };
      Value first = arith::MaxSIOp::create(
          b, e.loc, ceilDiv(e.sub(e.index(0), at)), e.index(0));
      Value end = arith::MinSIOp::create(
          b, e.loc, ceilDiv(e.sub(e.index(size), at)), e.index(taps));
      return std::make_pair(first, end);
    };
    auto [kyFirst, kyEnd] = tapRange(iy, height, s.kh, dil[0]);
    auto [kxFirst, kxEnd] = tapRange(ix, width, s.kw, dil[1]);
    // The taps inside, once per pixel: pairs (input offset from the
    // window's first pixel, weight offset from the tap-0 word) in stack
    // words, and their count; every unit then loops over the list.
    Value list = le.pointerTo(tapList);
    auto rows = scf::ForOp::create(b, e.loc, kyFirst, kyEnd, e.index(1),
                                   ValueRange{e.index(0)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rows.getBody());
      Value ky = rows.getInductionVar();
      auto cols = scf::ForOp::create(b, e.loc, kxFirst, kxEnd, e.index(1),
                                     rows.getRegionIterArgs());
      scf::YieldOp::create(b, e.loc, cols.getResults());
      b.setInsertionPointToStart(cols.getBody());
      Value kx = cols.getInductionVar(), count = cols.getRegionIterArgs()[0];
      Value xOff = e.add(e.mul(ky, e.index(tapRowBytes)),
                         e.mul(kx, e.index(tapColBytes)));
      Value wOff = e.mul(e.add(e.mul(ky, e.index(s.kw)), kx), e.index(4));
      Value entry = le.gep(list, e.mul(count, e.index(8)));
      LLVM::StoreOp::create(b, e.loc, e.indexToI32(xOff), entry, 4);
      LLVM::StoreOp::create(b, e.loc, e.indexToI32(wOff), le.gep(entry, 4), 4);
      scf::YieldOp::create(b, e.loc, ValueRange{e.add(count, e.index(1))});
    }
    Value count = rows.getResult(0);
    pixel(
        outRow, origin,
        [&](int64_t g, Value xUnit, Value wUnit, ArrayRef<Value> init,
            MacFn mac) -> SmallVector<Value> {
          auto taps =
              scf::ForOp::create(b, e.loc, e.index(0), count, e.index(1), init);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(taps.getBody());
          Value entry = le.gep(list, e.mul(taps.getInductionVar(), e.index(8)));
          auto [xOff, wOff] = le.loadPair(entry, 0);
          auto [x, w] =
              tapWords(g, le.gepI32(xUnit, xOff), le.gepI32(wUnit, wOff), 0, 0);
          SmallVector<Value> accs(taps.getRegionIterArgs());
          mac(x, w, accs);
          scf::YieldOp::create(b, e.loc, accs);
          return SmallVector<Value>(taps.getResults());
        });
  });
}

/// A depthwise qconv2d + requantize with the SMLAxy kernel (arm-dsp and
/// channel-block > 1; benefit 5, above every other layer kernel).
class DepthwiseSmladLowering : public LoopPattern<RequantizeOp> {
public:
  DepthwiseSmladLowering(MLIRContext *context, MPQToLoopsLowering &lowering,
                         const MPQToLoopsOptions &options)
      : LoopPattern(context, lowering, /*benefit=*/5), options(options) {}

protected:
  LogicalResult matchKernel(RequantizeOp rq,
                            PatternRewriter &rewriter) const override {
    if (!rq.getInput().getDefiningOp<QConv2DOp>())
      return failure();
    if (options.channelBlock < 2)
      return rewriter.notifyMatchFailure(rq, "channel-block=1");
    FailureOr<FusedLayer> f = FusedLayer::analyze(rq, lowering, false);
    if (failed(f) || !depthwiseShape(*f))
      return rewriter.notifyMatchFailure(rq, "not an SMLAxy depthwise layer");
    return success();
  }

  LogicalResult emit(RequantizeOp rq, OpBuilder &b) const override {
    FailureOr<FusedLayer> f = FusedLayer::analyze(rq, lowering, true);
    if (failed(f))
      return failure();
    std::optional<DepthwiseShape> s = depthwiseShape(*f);
    if (!s)
      return rq.emitError() << "internal: the depthwise kernel does not apply";
    if (failed(f->materialize(lowering, b, /*weights=*/false,
                              /*params=*/false)))
      return failure();
    DepthwiseRecord r{f->weightZeroPoints || s->offsetWeights ? 2 : 0};
    Value units = lowering.global(b, "units", depthwiseUnits(*f, *s, r));
    LayerEmitter le(*f, b, options.channelBlock);
    emitDepthwise(le, *s, units, r);
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
    patterns
        .add<DepthwiseSmladLowering, MatMulSmladLowering, ConvSmladLowering>(
            context, lowering, options);
}
