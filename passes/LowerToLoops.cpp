//===- LowerToLoops.cpp - --mpq-lower-to-loops ----------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The integer graph becomes loops over packed bytes (scf + arith + memref),
// ready for the upstream conversions to the LLVM dialect. One emitter class
// holds the building blocks every kernel shares: loop nests, loads and stores
// of packed codes, and the integer requantization of IntegerSemantics.h.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Support/IntegerSemantics.h"
#include "mpq/Support/Packing.h"
#include "mpq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQLOWERTOLOOPSPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// A quantized tensor in memory: bytes of `memref` from `offset` on, packed
/// along the innermost dimension with byte-aligned rows.
struct Buffer {
  Value memref;
  int64_t offset = 0;
  SmallVector<int64_t> shape;
  unsigned bits = 8;
  bool isSigned = false;

  int64_t inner() const { return shape.empty() ? 1 : shape.back(); }
  int64_t rows() const {
    int64_t r = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i)
      r *= shape[i];
    return r;
  }
  int64_t rowBytes() const { return packedRowBytes(inner(), bits); }
  int64_t bytes() const { return rows() * rowBytes(); }
};

/// Arena offset of a value that `--mpq-plan-buffers` annotated, if any.
std::optional<int64_t> plannedOffset(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  return getArenaOffset(def);
}

class Emitter {
public:
  Emitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value i64(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value toI64(Value v) {
    return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
  }
  Value toI32(Value v) {
    return arith::TruncIOp::create(b, loc, b.getI32Type(), v);
  }
  Value indexToI32(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getI32Type(), v);
  }

  /// Loops over [0, ubs[i]) nested in order; `body` gets the induction
  /// variables.
  void loopNest(ArrayRef<int64_t> ubs,
                function_ref<void(ArrayRef<Value>)> body) {
    SmallVector<Value> ivs;
    buildNest(ubs, ivs, body);
  }

  /// Nested loops threading one i32 value: the body returns the next value.
  Value reduceNest(ArrayRef<int64_t> ubs, Value init,
                   function_ref<Value(ArrayRef<Value>, Value)> body) {
    SmallVector<Value> ivs;
    return buildReduce(ubs, ivs, ValueRange{init},
                       [&](ArrayRef<Value> iv, ValueRange acc) {
                         return SmallVector<Value>{body(iv, acc.front())};
                       })
        .front();
  }

  /// Nested loops threading several i32 values (one accumulator per output
  /// channel of a block): the body returns the next values.
  SmallVector<Value> reduceNest(
      ArrayRef<int64_t> ubs, ValueRange inits,
      function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
    SmallVector<Value> ivs;
    return buildReduce(ubs, ivs, inits, body);
  }

  void storeWide(const Buffer &buf, Value rowStart, Value col, Value code) {
    int64_t bytes = buf.bits / 8;
    Value first = add(rowStart, mul(col, index(bytes)));
    for (int64_t k = 0; k < bytes; ++k) {
      Value byte = arith::TruncIOp::create(
          b, loc, b.getI8Type(),
          arith::ShRUIOp::create(b, loc, code, i32(8 * k)));
      memref::StoreOp::create(b, loc, byte, buf.memref,
                              ValueRange{add(first, index(k))});
    }
  }

  /// The code `k` places after a byte-aligned column of `row`, given as
  /// that column's byte offset `colBytes` in the row: with `k` a constant,
  /// a sub-byte code is a field at a constant shift (one UBFX/SBFX).
  Value loadAfter(const Buffer &buf, Value row, Value colBytes, int64_t k) {
    Value at = add(
        add(add(index(buf.offset), mul(row, index(buf.rowBytes()))), colBytes),
        index(k * buf.bits / 8));
    Value byte = memref::LoadOp::create(b, loc, buf.memref, ValueRange{at});
    if (buf.bits == 8)
      return buf.isSigned
                 ? Value(arith::ExtSIOp::create(b, loc, b.getI32Type(), byte))
                 : Value(arith::ExtUIOp::create(b, loc, b.getI32Type(), byte));
    Value code = arith::AndIOp::create(
        b, loc,
        arith::ShRUIOp::create(
            b, loc, arith::ExtUIOp::create(b, loc, b.getI32Type(), byte),
            i32(k * buf.bits % 8)),
        i32((1 << buf.bits) - 1));
    if (!buf.isSigned)
      return code;
    Value sign = i32(1 << (buf.bits - 1));
    return sub(arith::XOrIOp::create(b, loc, code, sign), sign);
  }

  /// Four consecutive 8-bit codes from (row, col) as one little-endian i32
  /// (LLVM combines the byte loads into one word load).
  Value loadWord(const Buffer &buf, Value row, Value col) {
    Value first =
        add(add(index(buf.offset), mul(row, index(buf.rowBytes()))), col);
    Value word = i32(0);
    for (int64_t k = 0; k < 4; ++k) {
      Value byte = arith::ExtUIOp::create(
          b, loc, b.getI32Type(),
          memref::LoadOp::create(b, loc, buf.memref,
                                 ValueRange{add(first, index(k))}));
      word = arith::OrIOp::create(
          b, loc, word, arith::ShLIOp::create(b, loc, byte, i32(8 * k)));
    }
    return word;
  }

  /// An Arm intrinsic on i32 values (DSP extension).
  Value armIntrinsic(StringRef name, ValueRange args) {
    return LLVM::CallIntrinsicOp::create(b, loc, b.getI32Type(),
                                         b.getStringAttr(name), args)
        .getResult(0);
  }

  /// The even and odd bytes of `word` widened to two 16-bit halves each
  /// (SXTB16/UXTB16, the odd ones after a rotation by 8).
  std::pair<Value, Value> halves(Value word, bool isSigned) {
    StringRef name = isSigned ? "llvm.arm.sxtb16" : "llvm.arm.uxtb16";
    Value rotated = arith::OrIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, word, i32(8)),
        arith::ShLIOp::create(b, loc, word, i32(24)));
    return {armIntrinsic(name, word), armIntrinsic(name, rotated)};
  }

  /// The code at (row, col), sign- or zero-extended to i32.
  Value load(const Buffer &buf, Value row, Value col) {
    Value rowStart = add(index(buf.offset), mul(row, index(buf.rowBytes())));
    if (buf.bits == 32) // four little-endian bytes
      return loadWord(buf, row, mul(col, index(4)));
    if (buf.bits == 8) {
      Value byte = memref::LoadOp::create(b, loc, buf.memref,
                                          ValueRange{add(rowStart, col)});
      return buf.isSigned
                 ? Value(arith::ExtSIOp::create(b, loc, b.getI32Type(), byte))
                 : Value(arith::ExtUIOp::create(b, loc, b.getI32Type(), byte));
    }
    auto [byteIndex, shift] = locate(buf, rowStart, col);
    Value byte = arith::ExtUIOp::create(
        b, loc, b.getI32Type(),
        memref::LoadOp::create(b, loc, buf.memref, ValueRange{byteIndex}));
    Value code = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, byte, shift),
        i32((1 << buf.bits) - 1));
    if (!buf.isSigned)
      return code;
    // Two's complement sign extension of a `bits`-wide field.
    Value sign = i32(1 << (buf.bits - 1));
    return sub(arith::XOrIOp::create(b, loc, code, sign), sign);
  }

  /// Stores the low `bits` of `code` (i32) at (row, col), keeping the other
  /// fields of its byte.
  void store(const Buffer &buf, Value row, Value col, Value code) {
    Value rowStart = add(index(buf.offset), mul(row, index(buf.rowBytes())));
    if (buf.bits > 8)
      return storeWide(buf, rowStart, col, code);
    Value narrow = arith::TruncIOp::create(b, loc, b.getI8Type(), code);
    if (buf.bits == 8) {
      memref::StoreOp::create(b, loc, narrow, buf.memref,
                              ValueRange{add(rowStart, col)});
      return;
    }
    auto [byteIndex, shift] = locate(buf, rowStart, col);
    Value mask = i32((1 << buf.bits) - 1);
    Value old = arith::ExtUIOp::create(
        b, loc, b.getI32Type(),
        memref::LoadOp::create(b, loc, buf.memref, ValueRange{byteIndex}));
    Value cleared = arith::AndIOp::create(
        b, loc, old,
        arith::XOrIOp::create(
            b, loc, arith::ShLIOp::create(b, loc, mask, shift), i32(-1)));
    Value field = arith::ShLIOp::create(
        b, loc, arith::AndIOp::create(b, loc, code, mask), shift);
    Value merged = arith::OrIOp::create(b, loc, cleared, field);
    memref::StoreOp::create(
        b, loc, arith::TruncIOp::create(b, loc, b.getI8Type(), merged),
        buf.memref, ValueRange{byteIndex});
  }

  /// shift_round(x, s) of IntegerSemantics.h for s in [0, 63] (the range
  /// mpq.requantize's verifier allows), on i64.
  Value shiftRound(Value x, Value s, RoundingMode mode) {
    Value q = arith::ShRSIOp::create(b, loc, x, s);
    if (mode == RoundingMode::Floor)
      return q;
    // rem in [0, 2^s) as an unsigned value; half = 2^(s-1), 0 for s = 0.
    Value rem = sub(x, arith::ShLIOp::create(b, loc, q, s));
    Value half = arith::ShRUIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, i64(1), s), i64(1));
    Value shifted = cmp(arith::CmpIPredicate::ne, s, i64(0));
    Value above = cmp(arith::CmpIPredicate::ugt, rem, half);
    Value tie = cmp(arith::CmpIPredicate::eq, rem, half);
    Value tieUp;
    switch (mode) {
    case RoundingMode::HalfUp:
      tieUp = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
      break;
    case RoundingMode::HalfToEven:
      tieUp = arith::TruncIOp::create(b, loc, b.getI1Type(), q);
      break;
    case RoundingMode::HalfAwayFromZero:
      tieUp = cmp(arith::CmpIPredicate::sge, x, i64(0));
      break;
    case RoundingMode::Floor:
      llvm_unreachable("handled above");
    }
    Value up = arith::AndIOp::create(
        b, loc, shifted,
        arith::OrIOp::create(b, loc, above,
                             arith::AndIOp::create(b, loc, tie, tieUp)));
    return add(q, arith::ExtUIOp::create(b, loc, b.getI64Type(), up));
  }

  /// requantize() of IntegerSemantics.h: clamp(zp + shift_round(acc * m0,
  /// 31 - n0), lo, hi) with the product in int64; `acc`, `m0` and `shift`
  /// (= 31 - n0) are i64, the result i32.
  Value requantize(Value acc, Value m0, Value shift, int64_t zp, int64_t lo,
                   int64_t hi, RoundingMode mode) {
    Value y = add(i64(zp), shiftRound(mul(acc, m0), shift, mode));
    y = arith::MaxSIOp::create(b, loc, y, i64(lo));
    y = arith::MinSIOp::create(b, loc, y, i64(hi));
    return toI32(y);
  }

  /// requantize() under Floor when every shift is at least 32, the total
  /// fits in int32 and the output range is narrow: the same value from the
  /// product's high word, floor(x / 2^s) = floor(floor(x / 2^32) /
  /// 2^(s - 32)), all in i32 (|x| < 2^62, so the quotient is below 2^30 in
  /// magnitude). `shift` is i32.
  Value requantizeFloorHigh(Value acc, Value m0, Value shift, int64_t zp,
                            int64_t lo, int64_t hi) {
    Value high = toI32(arith::ShRSIOp::create(b, loc, mul(acc, m0), i64(32)));
    Value q = arith::ShRSIOp::create(b, loc, high, sub(shift, i32(32)));
    Value y = add(i32(zp), q);
    y = arith::MaxSIOp::create(b, loc, y, i32(lo));
    return arith::MinSIOp::create(b, loc, y, i32(hi));
  }

  OpBuilder &b;
  Location loc;

private:
  std::pair<Value, Value> locate(const Buffer &buf, Value rowStart, Value col) {
    // bits in {1, 2, 4}: a field never crosses a byte.
    Value bitPos = mul(col, index(buf.bits));
    Value byteIndex =
        add(rowStart, arith::DivUIOp::create(b, loc, bitPos, index(8)));
    Value shift = indexToI32(arith::RemUIOp::create(b, loc, bitPos, index(8)));
    return {byteIndex, shift};
  }

  void buildNest(ArrayRef<int64_t> ubs, SmallVectorImpl<Value> &ivs,
                 function_ref<void(ArrayRef<Value>)> body) {
    if (ubs.empty()) {
      body(ivs);
      return;
    }
    auto loop =
        scf::ForOp::create(b, loc, index(0), index(ubs.front()), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    ivs.push_back(loop.getInductionVar());
    buildNest(ubs.drop_front(), ivs, body);
    ivs.pop_back();
  }

  SmallVector<Value> buildReduce(
      ArrayRef<int64_t> ubs, SmallVectorImpl<Value> &ivs, ValueRange inits,
      function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
    if (ubs.empty())
      return body(ivs, inits);
    auto loop = scf::ForOp::create(b, loc, index(0), index(ubs.front()),
                                   index(1), inits);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      ivs.push_back(loop.getInductionVar());
      SmallVector<Value> next =
          buildReduce(ubs.drop_front(), ivs, loop.getRegionIterArgs(), body);
      ivs.pop_back();
      scf::YieldOp::create(b, loc, next);
    }
    return SmallVector<Value>(loop.getResults());
  }
};

/// Flat row of an NHWC-like index (all dimensions but the last).
Value rowOf(Emitter &e, ArrayRef<int64_t> shape, ArrayRef<Value> idx) {
  Value row = e.index(0);
  for (size_t d = 0; d + 1 < shape.size(); ++d)
    row = e.add(e.mul(row, e.index(shape[d])), idx[d]);
  return row;
}

/// One tap (ky, kx) of the window of output (oy, ox) over the NHWC input of
/// `shape`: whether it falls inside the image, and the row to read, clamped
/// to row 0 of the image when it does not (a valid address whose value the
/// caller discards).
struct WindowTap {
  Value inside, row;
};
WindowTap windowTap(Emitter &e, ArrayRef<int64_t> shape, Value n, Value oy,
                    Value ox, Value ky, Value kx, ArrayRef<int64_t> strides,
                    ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                    bool checked = true) {
  Value iy = e.add(e.sub(e.mul(oy, e.index(strides[0])), e.index(pads[0])),
                   e.mul(ky, e.index(dilations[0])));
  Value ix = e.add(e.sub(e.mul(ox, e.index(strides[1])), e.index(pads[1])),
                   e.mul(kx, e.index(dilations[1])));
  // Without padding every tap is inside (the output size guarantees it), as
  // it is where the caller has checked the whole window.
  if (!checked || llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return {arith::ConstantIntOp::create(e.b, e.loc, e.b.getI1Type(), 1),
            rowOf(e, shape, {n, iy, ix, Value()})};
  using P = arith::CmpIPredicate;
  auto both = [&](Value a, Value b) {
    return Value(arith::AndIOp::create(e.b, e.loc, a, b));
  };
  Value inside = both(
      both(e.cmp(P::sge, iy, e.index(0)), e.cmp(P::slt, iy, e.index(shape[1]))),
      both(e.cmp(P::sge, ix, e.index(0)),
           e.cmp(P::slt, ix, e.index(shape[2]))));
  Value row = rowOf(e, shape,
                    {n, e.select(inside, iy, e.index(0)),
                     e.select(inside, ix, e.index(0)), Value()});
  return {inside, row};
}

/// The lowering of one function.
class LoopLowering {
public:
  LoopLowering(func::FuncOp func, StringRef prefix, unsigned channelBlock,
               bool armDsp)
      : func(func), prefix(prefix.str()), channelBlock(channelBlock),
        armDsp(armDsp), builder(func.getContext()) {}

  LogicalResult run();

private:
  FailureOr<Buffer> bufferFor(Value value, Operation *user);
  LogicalResult assignStorage(Operation *op);
  Value global(StringRef kind, ArrayRef<int32_t> values);
  /// Per-channel requantization parameters of `rq` as constant globals
  /// (multiplier M0, right shift 31 - N0, bias), one entry per channel.
  struct ChannelParams {
    Value multipliers, shifts, biases;
  };
  ChannelParams requantParams(RequantizeOp rq, int64_t channels);
  Value weightBytes(QConstantOp constant, const Buffer &layout);
  LogicalResult emit(Operation *op);
  LogicalResult emitLayer(Operation *layer, RequantizeOp rq);
  LogicalResult emitRequantize(RequantizeOp rq);
  LogicalResult emitQAdd(QAddOp add);
  LogicalResult emitPool(Operation *pool);
  LogicalResult emitMovement(Operation *op);
  void copyBytes(Value from, int64_t fromOffset, Value to, int64_t toOffset,
                 int64_t bytes);

  func::FuncOp func;
  std::string prefix;
  unsigned channelBlock;
  bool armDsp;
  OpBuilder builder;
  ModuleOp module;
  func::FuncOp entry;
  Value arena;
  int64_t arenaSize = 0;
  unsigned globals = 0;
  llvm::DenseMap<Value, Buffer> buffers;
};

FailureOr<Buffer> LoopLowering::bufferFor(Value value, Operation *user) {
  auto it = buffers.find(value);
  if (it == buffers.end())
    return user->emitError()
           << "operand produced by '"
           << (value.getDefiningOp()
                   ? value.getDefiningOp()->getName().getStringRef()
                   : StringRef("an argument"))
           << "' has no integer storage: run "
              "--mpq-lower-fake-quant first";
  return it->second;
}

/// Gives the stored result of `op` its place in the arena.
LogicalResult LoopLowering::assignStorage(Operation *op) {
  Value result = op->getResult(0);
  auto type = cast<RankedTensorType>(result.getType());
  auto uniform = dyn_cast<UniformType>(type.getElementType());
  if (!uniform)
    return op->emitError() << "expected a quantized result, got " << type;
  unsigned bits = uniform.getWidth();
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 32)
    return op->emitError() << "code generation supports 1, 2, 4 and 8-bit "
                              "tensors; this result has "
                           << bits << " bits";
  Buffer buf;
  buf.memref = arena;
  buf.shape.assign(type.getShape().begin(), type.getShape().end());
  buf.bits = bits;
  buf.isSigned = uniform.getIsSigned();
  if (std::optional<int64_t> offset = plannedOffset(result)) {
    buf.offset = *offset;
  } else {
    buf.offset = (arenaSize + 15) / 16 * 16;
  }
  arenaSize = std::max(arenaSize, buf.offset + buf.bytes());
  buffers[result] = buf;
  return success();
}

Value LoopLowering::global(StringRef kind, ArrayRef<int32_t> values) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(entry);
  std::string name = prefix + "_" + kind.str() + std::to_string(globals++);
  auto type = MemRefType::get({static_cast<int64_t>(values.size())},
                              builder.getI32Type());
  auto tensorType =
      RankedTensorType::get(type.getShape(), builder.getI32Type());
  memref::GlobalOp::create(builder, func.getLoc(), name,
                           builder.getStringAttr("private"), type,
                           DenseElementsAttr::get(tensorType, values),
                           /*constant=*/true, /*alignment=*/nullptr);
  OpBuilder::InsertionGuard inner(builder);
  builder.setInsertionPointToStart(&entry.getBody().front());
  return memref::GetGlobalOp::create(builder, func.getLoc(), type, name);
}

Value LoopLowering::weightBytes(QConstantOp constant, const Buffer &layout) {
  std::vector<int32_t> codes;
  auto dense = dyn_cast<DenseIntElementsAttr>(constant.getValue());
  if (dense && dense.getElementType().isInteger(32)) {
    auto values = dense.getValues<int32_t>();
    codes.assign(values.begin(), values.end());
  } else if (dense && dense.getElementType().isInteger(8)) {
    for (int8_t v : dense.getValues<int8_t>())
      codes.push_back(v);
  } else {
    for (const APInt &v : constant.getValue().getValues<APInt>())
      codes.push_back(static_cast<int32_t>(v.getSExtValue()));
  }
  std::vector<int64_t> shape(layout.shape.begin(), layout.shape.end());
  std::vector<uint8_t> bytes(packedTensorBytes(shape, layout.bits));
  packTensor(codes.data(), shape, layout.bits, bytes.data());
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(entry);
  std::string name = prefix + "_weights" + std::to_string(globals++);
  auto type = MemRefType::get({static_cast<int64_t>(bytes.size())},
                              builder.getI8Type());
  auto tensorType = RankedTensorType::get(type.getShape(), builder.getI8Type());
  SmallVector<int8_t> data(bytes.begin(), bytes.end());
  memref::GlobalOp::create(
      builder, constant.getLoc(), name, builder.getStringAttr("private"), type,
      DenseElementsAttr::get(tensorType, ArrayRef<int8_t>(data)),
      /*constant=*/true, /*alignment=*/nullptr);
  builder.setInsertionPointToStart(&entry.getBody().front());
  return memref::GetGlobalOp::create(builder, constant.getLoc(), type, name);
}

void LoopLowering::copyBytes(Value from, int64_t fromOffset, Value to,
                             int64_t toOffset, int64_t bytes) {
  Emitter e(builder, func.getLoc());
  e.loopNest({bytes}, [&](ArrayRef<Value> ivs) {
    Value byte =
        memref::LoadOp::create(builder, func.getLoc(), from,
                               ValueRange{e.add(ivs[0], e.index(fromOffset))});
    memref::StoreOp::create(builder, func.getLoc(), byte, to,
                            ValueRange{e.add(ivs[0], e.index(toOffset))});
  });
}

LoopLowering::ChannelParams LoopLowering::requantParams(RequantizeOp rq,
                                                        int64_t channels) {
  // Arrays of one entry apply to every channel.
  auto perChannel = [&](ArrayRef<int32_t> values) {
    SmallVector<int32_t> full;
    for (int64_t c = 0; c < channels; ++c)
      full.push_back(values.size() == 1 ? values[0] : values[c]);
    return full;
  };
  SmallVector<int32_t> shifts;
  for (int32_t n0 : perChannel(rq.getExponent()))
    shifts.push_back(31 - n0);
  SmallVector<int32_t> bias = rq.getBias() ? perChannel(*rq.getBias())
                                           : SmallVector<int32_t>(channels, 0);
  return {global("multiplier", perChannel(rq.getMultiplier())),
          global("shift", shifts), global("bias", bias)};
}

LogicalResult LoopLowering::emitLayer(Operation *layer, RequantizeOp rq) {
  Emitter e(builder, layer->getLoc());
  auto in = bufferFor(layer->getOperand(0), layer);
  if (failed(in))
    return failure();
  auto weightOp = layer->getOperand(1).getDefiningOp<QConstantOp>();
  if (!weightOp)
    return layer->emitError() << "code generation needs constant weights";
  if (failed(assignStorage(rq)))
    return failure();
  const Buffer &out = buffers[rq.getResult()];
  auto wType = cast<RankedTensorType>(weightOp.getType());
  UniformType wElem = cast<UniformType>(wType.getElementType());
  Buffer w;
  w.shape.assign(wType.getShape().begin(), wType.getShape().end());
  w.bits = wElem.getWidth();
  w.isSigned = wElem.getIsSigned();
  if (w.bits != 1 && w.bits != 2 && w.bits != 4 && w.bits != 8)
    return layer->emitError() << "code generation supports 1, 2, 4 and 8-bit "
                                 "weights; these have "
                              << w.bits << " bits";
  w.memref = weightBytes(weightOp, w);

  int64_t channels = w.shape[0];
  SmallVector<int32_t> zeroPoints;
  for (int64_t c = 0; c < channels; ++c)
    zeroPoints.push_back(static_cast<int32_t>(
        wElem.isPerAxis() ? wElem.getZeroPoints()[c] : wElem.getZeroPoint()));
  ChannelParams params = requantParams(rq, channels);
  Value mGlobal = params.multipliers, sGlobal = params.shifts,
        bGlobal = params.biases;
  Value zGlobal = global("weight_zp", zeroPoints);

  UniformType outElem = cast<UniformType>(rq.getType().getElementType());
  int64_t lo = rq.getClampMin().value_or(outElem.getStorageMin());
  int64_t hi = rq.getClampMax().value_or(outElem.getStorageMax());
  RoundingMode mode = toRoundingMode(rq.getRounding());
  int64_t zx =
      cast<UniformType>(cast<RankedTensorType>(layer->getOperand(0).getType())
                            .getElementType())
          .getZeroPoint();

  // When |accumulator + bias| provably fits in int32, the sum is taken in
  // int32 and the requantization product is a 32x32->64 multiply (SMULL on
  // Cortex-M) instead of a 64x64 one; the value is the same.
  UniformType xElem = cast<UniformType>(
      cast<RankedTensorType>(layer->getOperand(0).getType()).getElementType());
  int64_t maxX = std::max(std::abs(xElem.getStorageMin() - zx),
                          std::abs(xElem.getStorageMax() - zx));
  int64_t maxW = 0, maxB = 0, taps = 1;
  for (int32_t z : zeroPoints)
    maxW = std::max({maxW, std::abs(wElem.getStorageMin() - z),
                     std::abs(wElem.getStorageMax() - z)});
  if (std::optional<ArrayRef<int32_t>> bias = rq.getBias())
    for (int32_t b : *bias)
      maxB = std::max<int64_t>(maxB, std::abs(static_cast<int64_t>(b)));
  for (size_t d = 1; d < w.shape.size(); ++d)
    taps *= w.shape[d];
  bool narrowTotal =
      static_cast<double>(taps) * maxX * maxW + maxB < 2147483647.0;

  // Floor with every shift 31 - N0 >= 32 (real multipliers below 1/2, the
  // usual case) and a narrow output: the requantization works on the
  // product's high word.
  bool floorHigh =
      narrowTotal && mode == RoundingMode::Floor && outElem.getWidth() <= 16 &&
      llvm::all_of(rq.getExponent(), [](int32_t n0) { return n0 <= -1; });

  auto finish = [&](Value acc, Value o, ArrayRef<Value> outIdx) {
    auto load = [&](Value g) {
      return memref::LoadOp::create(builder, e.loc, g, ValueRange{o})
          .getResult();
    };
    auto loadParam = [&](Value g) { return e.toI64(load(g)); };
    Value total = narrowTotal ? e.toI64(e.add(acc, load(bGlobal)))
                              : e.add(e.toI64(acc), loadParam(bGlobal));
    Value y =
        floorHigh
            ? e.requantizeFloorHigh(total, loadParam(mGlobal), load(sGlobal),
                                    outElem.getZeroPoint(), lo, hi)
            : e.requantize(total, loadParam(mGlobal), loadParam(sGlobal),
                           outElem.getZeroPoint(), lo, hi, mode);
    e.store(out, rowOf(e, out.shape, outIdx), o, y);
  };

  // A channel block's accumulators, less zw * (input sum) where the weight
  // zero point was factored out (`sum` is null otherwise), requantized and
  // stored at outIdx(o).
  auto finishBlock = [&](ArrayRef<Value> os, ArrayRef<Value> accs,
                         ArrayRef<Value> zws, Value sum,
                         function_ref<SmallVector<Value>(Value)> outIdx) {
    for (auto [j, o] : llvm::enumerate(os))
      finish(sum ? e.sub(accs[j], e.mul(zws[j], sum)) : accs[j], o, outIdx(o));
  };

  // sum (x - zx)(w - zw) = sum (x - zx) w - zw sum (x - zx): where several
  // output channels read the same inputs, the input sum is computed once per
  // output position (and group), and the products use the stored weight
  // codes as they are, saving a subtraction per multiply. i32 arithmetic
  // wraps, so the result is the exact accumulator whenever that fits in
  // int32, as mpq.qconv2d requires. Weights without zero points skip both.
  bool weightZeroPoints =
      llvm::any_of(zeroPoints, [](int32_t z) { return z != 0; });
  auto weightTerm = [&](Value code, Value zw, bool factored) {
    return weightZeroPoints && !factored ? e.sub(code, zw) : code;
  };
  auto loadZw = [&](Value o) -> Value {
    if (!weightZeroPoints)
      return Value();
    return memref::LoadOp::create(builder, e.loc, zGlobal, ValueRange{o});
  };

  // Output channels [first, first + count) in blocks of up to four that
  // share each input load (one accumulator per channel of the block).
  auto blockedChannels = [&](Value first, int64_t count,
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
  };

  if (auto fc = dyn_cast<QFullyConnectedOp>(layer)) {
    int64_t k = in->shape[1];
    bool factored = weightZeroPoints && channels >= 2;
    e.loopNest({out.shape[0]}, [&](ArrayRef<Value> rows) {
      Value n = rows[0];
      auto x = [&](Value r) { return e.sub(e.load(*in, n, r), e.i32(zx)); };
      Value sum;
      if (factored)
        sum = e.reduceNest({k}, e.i32(0), [&](ArrayRef<Value> r, Value a) {
          return e.add(a, x(r[0]));
        });
      blockedChannels(e.index(0), channels, [&](ArrayRef<Value> os) {
        SmallVector<Value> zws = llvm::map_to_vector(os, loadZw);
        SmallVector<Value> accs = e.reduceNest(
            {k}, SmallVector<Value>(os.size(), e.i32(0)),
            [&](ArrayRef<Value> r, ValueRange a) {
              Value xv = x(r[0]);
              SmallVector<Value> next;
              for (auto [j, o] : llvm::enumerate(os)) {
                Value wv = weightTerm(e.load(w, o, r[0]), zws[j], factored);
                next.push_back(e.add(a[j], e.mul(xv, wv)));
              }
              return next;
            });
        finishBlock(os, accs, zws, sum, [&](Value o) {
          return SmallVector<Value>{n, o};
        });
      });
    });
    return success();
  }

  auto conv = cast<QConv2DOp>(layer);
  int64_t kh = w.shape[1], kw = w.shape[2], inPerGroup = w.shape[3];
  int64_t groups = conv.getGroups(), outPerGroup = channels / groups;
  bool factored = weightZeroPoints && outPerGroup >= 2;
  ArrayRef<int64_t> strides = conv.getStrides(), dil = conv.getDilations(),
                    pads = conv.getPads();
  // SMLAD multiplies the stored codes as they are: 8-bit codes, inputs
  // without zero point, weights without one or with it factored out, and
  // whole words of input channels.
  bool padded = llvm::any_of(pads, [](int64_t p) { return p != 0; });
  bool dsp = armDsp && in->bits == 8 && w.bits == 8 && zx == 0 &&
             inPerGroup % 4 == 0 && (factored || !weightZeroPoints);
  // Codes per step of the scalar kernels: enough that every sub-byte code
  // of a step sits at a constant place in its byte.
  int64_t xBits = in->bits;
  int64_t step = std::max<int64_t>(8 / std::min<int64_t>(xBits, 8),
                                   8 / std::min<int64_t>(w.bits, 8));
  // Otherwise (input channels not in whole bytes) code by code.
  bool stepped = inPerGroup % step == 0;
  e.loopNest({out.shape[0], out.shape[1], out.shape[2], groups}, [&](ArrayRef<
                                                                     Value>
                                                                         ivs) {
    Value n = ivs[0], oy = ivs[1], ox = ivs[2], group = ivs[3];
    Value firstChannel = e.mul(group, e.index(inPerGroup));
    // One output position; `checked`: its window may reach into the
    // padding.
    auto position = [&](bool checked) {
      // The centered input code of a tap; taps in the padding read a valid
      // address and contribute 0.
      auto x = [&](ArrayRef<Value> r) {
        auto [inside, row] = windowTap(e, in->shape, n, oy, ox, r[0], r[1],
                                       strides, dil, pads, checked);
        Value v = e.sub(e.load(*in, row, e.add(firstChannel, r[2])), e.i32(zx));
        return e.select(inside, v, e.i32(0));
      };
      Value sum;
      if (factored)
        sum = e.reduceNest(
            {kh, kw, inPerGroup}, e.i32(0),
            [&](ArrayRef<Value> r, Value a) { return e.add(a, x(r)); });
      Value firstOut = e.mul(group, e.index(outPerGroup));
      blockedChannels(firstOut, outPerGroup, [&](ArrayRef<Value> os) {
        SmallVector<Value> zws = llvm::map_to_vector(os, loadZw);
        // Four codes a step, two products per SMLAD, where no tap needs a
        // padding test.
        if (dsp && !(checked && padded)) {
          SmallVector<Value> accs = e.reduceNest(
              {kh, kw, inPerGroup / 4}, SmallVector<Value>(os.size(), e.i32(0)),
              [&](ArrayRef<Value> r, ValueRange a) {
                Value ci = e.mul(r[2], e.index(4));
                WindowTap tap =
                    windowTap(e, in->shape, n, oy, ox, r[0], r[1], strides, dil,
                              pads, /*checked=*/false);
                auto [xe, xo] =
                    e.halves(e.loadWord(*in, tap.row, e.add(firstChannel, ci)),
                             in->isSigned);
                SmallVector<Value> next;
                for (auto [j, o] : llvm::enumerate(os)) {
                  Value wRow = rowOf(e, w.shape, {o, r[0], r[1], Value()});
                  auto [we, wo] = e.halves(e.loadWord(w, wRow, ci), w.isSigned);
                  Value acc = e.armIntrinsic("llvm.arm.smlad", {xe, we, a[j]});
                  next.push_back(
                      e.armIntrinsic("llvm.arm.smlad", {xo, wo, acc}));
                }
                return next;
              });
          finishBlock(os, accs, zws, sum, [&](Value o) {
            return SmallVector<Value>{n, oy, ox, o};
          });
          return;
        }
        if (!stepped) {
          SmallVector<Value> accs = e.reduceNest(
              {kh, kw, inPerGroup}, SmallVector<Value>(os.size(), e.i32(0)),
              [&](ArrayRef<Value> r, ValueRange a) {
                Value xv = x(r);
                SmallVector<Value> next;
                for (auto [j, o] : llvm::enumerate(os)) {
                  Value wRow = rowOf(e, w.shape, {o, r[0], r[1], Value()});
                  Value wv =
                      weightTerm(e.load(w, wRow, r[2]), zws[j], factored);
                  next.push_back(e.add(a[j], e.mul(xv, wv)));
                }
                return next;
              });
          finishBlock(os, accs, zws, sum, [&](Value o) {
            return SmallVector<Value>{n, oy, ox, o};
          });
          return;
        }
        // `step` input channels a step, so that sub-byte codes sit at
        // constant shifts in the bytes loaded.
        SmallVector<Value> accs = e.reduceNest(
            {kh, kw, inPerGroup / step},
            SmallVector<Value>(os.size(), e.i32(0)),
            [&](ArrayRef<Value> r, ValueRange a) {
              auto [inside, row] = windowTap(e, in->shape, n, oy, ox, r[0],
                                             r[1], strides, dil, pads, checked);
              Value xBytes =
                  e.add(e.mul(group, e.index(inPerGroup * xBits / 8)),
                        e.mul(r[2], e.index(step * xBits / 8)));
              Value wBytes = e.mul(r[2], e.index(step * w.bits / 8));
              SmallVector<Value> wRows;
              for (Value o : os)
                wRows.push_back(rowOf(e, w.shape, {o, r[0], r[1], Value()}));
              SmallVector<Value> next(a.begin(), a.end());
              for (int64_t k = 0; k < step; ++k) {
                Value xv = e.select(
                    inside, e.sub(e.loadAfter(*in, row, xBytes, k), e.i32(zx)),
                    e.i32(0));
                for (auto [j, wRow] : llvm::enumerate(wRows)) {
                  Value wv = weightTerm(e.loadAfter(w, wRow, wBytes, k), zws[j],
                                        factored);
                  next[j] = e.add(next[j], e.mul(xv, wv));
                }
              }
              return next;
            });
        finishBlock(os, accs, zws, sum, [&](Value o) {
          return SmallVector<Value>{n, oy, ox, o};
        });
      });
    };
    // Code for speed: positions whose whole window is inside the image
    // (most of them) take a copy of the kernel without padding tests.
    if (!padded || channelBlock == 1) {
      position(padded);
      return;
    }
    using P = arith::CmpIPredicate;
    auto within = [&](Value o, int64_t axis) {
      Value first =
          e.sub(e.mul(o, e.index(strides[axis])), e.index(pads[axis]));
      Value last = e.add(first, e.index((w.shape[1 + axis] - 1) * dil[axis]));
      return arith::AndIOp::create(
          builder, e.loc, e.cmp(P::sge, first, e.index(0)),
          e.cmp(P::slt, last, e.index(in->shape[1 + axis])));
    };
    Value interior =
        arith::AndIOp::create(builder, e.loc, within(oy, 0), within(ox, 1));
    auto branch = scf::IfOp::create(builder, e.loc, interior,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointToStart(branch.thenBlock());
      position(false);
      builder.setInsertionPointToStart(branch.elseBlock());
      position(true);
    }
  });
  return success();
}

LogicalResult LoopLowering::emitRequantize(RequantizeOp rq) {
  // Integer input: an accumulator, fused into its layer.
  Operation *def = rq.getInput().getDefiningOp();
  if (isa_and_nonnull<IntegerLayerOpInterface>(def))
    return emitLayer(def, rq);
  auto in = bufferFor(rq.getInput(), rq);
  if (failed(in) || failed(assignStorage(rq)))
    return failure();
  const Buffer &out = buffers[rq.getResult()];
  Emitter e(builder, rq.getLoc());
  int64_t channels = out.inner();
  ChannelParams params = requantParams(rq, channels);
  Value mGlobal = params.multipliers, sGlobal = params.shifts,
        bGlobal = params.biases;
  UniformType inElem = cast<UniformType>(
      cast<RankedTensorType>(rq.getInput().getType()).getElementType());
  UniformType outElem = cast<UniformType>(rq.getType().getElementType());
  int64_t lo = rq.getClampMin().value_or(outElem.getStorageMin());
  int64_t hi = rq.getClampMax().value_or(outElem.getStorageMax());
  e.loopNest({out.rows(), channels}, [&](ArrayRef<Value> ivs) {
    auto loadParam = [&](Value g) {
      return e.toI64(
          memref::LoadOp::create(builder, e.loc, g, ValueRange{ivs[1]}));
    };
    Value x = e.toI64(
        e.sub(e.load(*in, ivs[0], ivs[1]), e.i32(inElem.getZeroPoint())));
    Value y = e.requantize(e.add(x, loadParam(bGlobal)), loadParam(mGlobal),
                           loadParam(sGlobal), outElem.getZeroPoint(), lo, hi,
                           toRoundingMode(rq.getRounding()));
    e.store(out, ivs[0], ivs[1], y);
  });
  return success();
}

LogicalResult LoopLowering::emitQAdd(QAddOp add) {
  auto lhs = bufferFor(add.getLhs(), add), rhs = bufferFor(add.getRhs(), add);
  if (failed(lhs) || failed(rhs))
    return failure();
  if (lhs->shape != rhs->shape)
    return add.emitError() << "code generation of qadd needs operands of one "
                              "shape (no broadcasting yet)";
  if (failed(assignStorage(add)))
    return failure();
  const Buffer &out = buffers[add.getResult()];
  Emitter e(builder, add.getLoc());
  UniformType outElem = cast<UniformType>(add.getType().getElementType());
  int64_t lo = add.getClampMin().value_or(outElem.getStorageMin());
  int64_t hi = add.getClampMax().value_or(outElem.getStorageMax());
  RoundingMode mode = toRoundingMode(add.getRounding());
  auto zp = [](Value v) {
    return cast<UniformType>(
               cast<RankedTensorType>(v.getType()).getElementType())
        .getZeroPoint();
  };
  e.loopNest({out.rows(), out.inner()}, [&](ArrayRef<Value> ivs) {
    auto term = [&](const Buffer &buf, int64_t z, int32_t m, int32_t n0) {
      Value x = e.toI64(e.sub(e.load(buf, ivs[0], ivs[1]), e.i32(z)));
      return e.shiftRound(e.mul(x, e.i64(m)), e.i64(31 - n0), mode);
    };
    Value y = e.add(e.i64(outElem.getZeroPoint()),
                    e.add(term(*lhs, zp(add.getLhs()), add.getLhsMultiplier(),
                               add.getLhsExponent()),
                          term(*rhs, zp(add.getRhs()), add.getRhsMultiplier(),
                               add.getRhsExponent())));
    y = arith::MaxSIOp::create(builder, e.loc, y, e.i64(lo));
    y = arith::MinSIOp::create(builder, e.loc, y, e.i64(hi));
    e.store(out, ivs[0], ivs[1], e.toI32(y));
  });
  return success();
}

LogicalResult LoopLowering::emitPool(Operation *pool) {
  auto in = bufferFor(pool->getOperand(0), pool);
  if (failed(in) || failed(assignStorage(pool)))
    return failure();
  const Buffer &out = buffers[pool->getResult(0)];
  Emitter e(builder, pool->getLoc());
  bool isMax = isa<MaxPool2DOp>(pool);
  ArrayRef<int64_t> kernel, strides, pads;
  if (auto max = dyn_cast<MaxPool2DOp>(pool)) {
    kernel = max.getKernel(), strides = max.getStrides(), pads = max.getPads();
  } else {
    auto avg = cast<QAvgPool2DOp>(pool);
    kernel = avg.getKernel(), strides = avg.getStrides(), pads = avg.getPads();
  }
  int64_t zin = isMax ? 0
                      : cast<UniformType>(cast<RankedTensorType>(
                                              pool->getOperand(0).getType())
                                              .getElementType())
                            .getZeroPoint();
  e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
    Value n = ivs[0], oy = ivs[1], ox = ivs[2], c = ivs[3];
    Value init = e.i32(isMax ? INT32_MIN : 0);
    Value result = e.reduceNest(
        {kernel[0], kernel[1]}, init, [&](ArrayRef<Value> r, Value a) {
          auto [inside, row] = windowTap(e, in->shape, n, oy, ox, r[0], r[1],
                                         strides, {1, 1}, pads);
          Value v = e.load(*in, row, c);
          if (isMax)
            return Value(arith::MaxSIOp::create(
                builder, e.loc, a, e.select(inside, v, e.i32(INT32_MIN))));
          // Padding counts as the zero point: centered 0.
          return e.add(a, e.select(inside, e.sub(v, e.i32(zin)), e.i32(0)));
        });
    if (auto avg = dyn_cast<QAvgPool2DOp>(pool)) {
      UniformType outElem = cast<UniformType>(avg.getType().getElementType());
      result =
          e.requantize(e.toI64(result), e.i64(avg.getMultiplier()),
                       e.i64(31 - avg.getExponent()), outElem.getZeroPoint(),
                       outElem.getStorageMin(), outElem.getStorageMax(),
                       toRoundingMode(avg.getRounding()));
    }
    e.store(out, rowOf(e, out.shape, ivs), c, result);
  });
  return success();
}

/// Reshape, transpose, pad and concat: every output element comes from one
/// input element (or is padding); index arithmetic on unpacked codes.
LogicalResult LoopLowering::emitMovement(Operation *op) {
  SmallVector<Buffer> ins;
  for (Value v : op->getOperands()) {
    auto buf = bufferFor(v, op);
    if (failed(buf))
      return failure();
    ins.push_back(*buf);
  }
  if (failed(assignStorage(op)))
    return failure();
  const Buffer &out = buffers[op->getResult(0)];
  Emitter e(builder, op->getLoc());
  auto flatToIndex = [&](Value flat, ArrayRef<int64_t> shape) {
    SmallVector<Value> idx(shape.size());
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      idx[d] = arith::RemUIOp::create(builder, e.loc, flat, e.index(shape[d]));
      flat = arith::DivUIOp::create(builder, e.loc, flat, e.index(shape[d]));
    }
    return idx;
  };
  auto flatOf = [&](ArrayRef<Value> idx, ArrayRef<int64_t> shape) {
    Value flat = e.index(0);
    for (size_t d = 0; d < shape.size(); ++d)
      flat = e.add(e.mul(flat, e.index(shape[d])), idx[d]);
    return flat;
  };
  auto copyElement = [&](const Buffer &from, ArrayRef<Value> fromIdx,
                         ArrayRef<Value> toIdx) {
    Value v = e.load(from, rowOf(e, from.shape, fromIdx), fromIdx.back());
    e.store(out, rowOf(e, out.shape, toIdx), toIdx.back(), v);
  };

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ReshapeOp) {
        // Same bytes when the packed rows agree and the place is shared.
        if (ins[0].offset == out.offset && ins[0].memref == out.memref &&
            ins[0].rowBytes() * ins[0].rows() == out.bytes() &&
            ins[0].inner() == out.inner())
          return success();
        e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
          Value flat = flatOf(ivs, out.shape);
          copyElement(ins[0], flatToIndex(flat, ins[0].shape), ivs);
        });
        return success();
      })
      .Case([&](TransposeOp transpose) {
        ArrayRef<int64_t> perm = transpose.getPerm();
        e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
          SmallVector<Value> from(ivs.size());
          for (size_t d = 0; d < perm.size(); ++d)
            from[perm[d]] = ivs[d];
          copyElement(ins[0], from, ivs);
        });
        return success();
      })
      .Case([&](PadOp pad) {
        ArrayRef<int64_t> pads = pad.getPads();
        int64_t rank = out.shape.size();
        int64_t code = static_cast<int64_t>(pad.getValue().convertToDouble());
        e.loopNest(out.shape, [&](ArrayRef<Value> ivs) {
          SmallVector<Value> from;
          Value inside = arith::ConstantIntOp::create(builder, e.loc,
                                                      builder.getI1Type(), 1);
          for (int64_t d = 0; d < rank; ++d) {
            Value coord = e.sub(ivs[d], e.index(pads[d]));
            using P = arith::CmpIPredicate;
            inside = arith::AndIOp::create(
                builder, e.loc, inside,
                arith::AndIOp::create(
                    builder, e.loc, e.cmp(P::sge, coord, e.index(0)),
                    e.cmp(P::slt, coord, e.index(ins[0].shape[d]))));
            from.push_back(coord);
          }
          for (Value &coord : from)
            coord = e.select(inside, coord, e.index(0));
          Value v = e.load(ins[0], rowOf(e, ins[0].shape, from), from.back());
          e.store(out, rowOf(e, out.shape, ivs), ivs.back(),
                  e.select(inside, v, e.i32(code)));
        });
        return success();
      })
      .Case([&](ConcatOp concat) {
        int64_t rank = out.shape.size();
        int64_t axis =
            concat.getAxis() < 0 ? concat.getAxis() + rank : concat.getAxis();
        int64_t start = 0;
        for (const Buffer &in : ins) {
          e.loopNest(in.shape, [&](ArrayRef<Value> ivs) {
            SmallVector<Value> to(ivs.begin(), ivs.end());
            to[axis] = e.add(to[axis], e.index(start));
            copyElement(in, ivs, to);
          });
          start += in.shape[axis];
        }
        return success();
      })
      .Default([](Operation *) { return failure(); });
}

LogicalResult LoopLowering::emit(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case<QConstantOp, IntegerLayerOpInterface>(
          [](Operation *) { return success(); }) // Emitted with their users.
      .Case([&](RequantizeOp rq) { return emitRequantize(rq); })
      .Case([&](QAddOp add) { return emitQAdd(add); })
      .Case<MaxPool2DOp, QAvgPool2DOp>(
          [&](Operation *pool) { return emitPool(pool); })
      .Default([&](Operation *other) -> LogicalResult {
        // The model boundary (quantize, dequantize, return): see run().
        if (other->hasTrait<ModelBoundary>() || isa<func::ReturnOp>(other))
          return success();
        if (other->hasTrait<CopiesElements>())
          return emitMovement(other);
        return other->emitError()
               << "'" << other->getName()
               << "' has no code generation: is the graph integer-only "
                  "(--mpq-lower-fake-quant)?";
      });
}

LogicalResult LoopLowering::run() {
  module = func->getParentOfType<ModuleOp>();
  Location loc = func.getLoc();
  // The model boundary: each argument is quantized once, each result is the
  // dequantization of a stored tensor.
  SmallVector<QuantizeOp> inputs;
  for (BlockArgument arg : func.getArguments()) {
    QuantizeOp quantize;
    for (Operation *user : arg.getUsers())
      if (auto q = dyn_cast<QuantizeOp>(user); q && !quantize)
        quantize = q;
      else
        return user->emitError() << "a model input must be used by exactly "
                                    "one mpq.quantize";
    if (!quantize)
      return func.emitError()
             << "input #" << arg.getArgNumber() << " is unused";
    inputs.push_back(quantize);
  }
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> results;
  for (Value v : ret.getOperands()) {
    auto dq = v.getDefiningOp<DequantizeOp>();
    if (!dq)
      return ret.emitError() << "every model output must be an mpq.dequantize";
    results.push_back(dq.getInput());
  }

  // The entry function: inputs, outputs (code bytes), arena.
  auto byteBuffer = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    unsigned bits = cast<UniformType>(type.getElementType()).getWidth();
    return MemRefType::get({packedTensorBytes(shape, bits)},
                           builder.getI8Type());
  };
  SmallVector<Type> argTypes;
  for (QuantizeOp q : inputs)
    argTypes.push_back(byteBuffer(q.getResult()));
  for (Value r : results)
    argTypes.push_back(byteBuffer(r));
  // The arena's size is known only at the end; patched below.
  argTypes.push_back(
      MemRefType::get({ShapedType::kDynamic}, builder.getI8Type()));
  builder.setInsertionPoint(func);
  entry = func::FuncOp::create(
      builder, loc, prefix + "_run",
      builder.getFunctionType(argTypes, {builder.getI32Type()}));
  Block *body = entry.addEntryBlock();
  arena = body->getArguments().back();
  builder.setInsertionPointToEnd(body);

  for (auto [i, q] : llvm::enumerate(inputs)) {
    if (failed(assignStorage(q)))
      return failure();
    const Buffer &buf = buffers[q.getResult()];
    copyBytes(body->getArgument(i), 0, arena, buf.offset, buf.bytes());
  }
  for (Operation &op : func.getBody().front())
    if (failed(emit(&op)))
      return failure();
  for (auto [i, r] : llvm::enumerate(results)) {
    auto buf = bufferFor(r, ret);
    if (failed(buf))
      return failure();
    copyBytes(arena, buf->offset, body->getArgument(inputs.size() + i), 0,
              buf->bytes());
  }
  func::ReturnOp::create(builder, loc,
                         ValueRange{Emitter(builder, loc).i32(0)});

  // Now the arena's size is known: a static memref, so the bare-pointer
  // calling convention applies.
  int64_t size = std::max<int64_t>(arenaSize, 1);
  if (std::optional<int64_t> planned = getArenaSize(func))
    size = std::max(size, *planned);
  auto arenaType = MemRefType::get({size}, builder.getI8Type());
  arena.setType(arenaType);
  argTypes.back() = arenaType;
  entry.setFunctionType(
      builder.getFunctionType(argTypes, {builder.getI32Type()}));
  setArenaSize(entry, size);
  func.erase();
  return success();
}

/// The buffer planner's preconditions (ArenaBuffers.cpp), checked again
/// because this pass also runs on its own: every tensor has a static shape
/// whose packed size fits int64, before any byte size is computed.
static LogicalResult verifyStaticSizes(func::FuncOp func) {
  auto check = [](Operation *op, Value v) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return success();
    if (!type.hasStaticShape())
      return op->emitError()
             << "'" << op->getName() << "' has a dynamic shape (" << type
             << "): lowering needs static sizes";
    Type element = type.getElementType();
    unsigned bits =
        element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 8;
    if (auto uniform = dyn_cast<UniformType>(element))
      bits = uniform.getWidth();
    if (!checkedPackedTensorBytes(std::vector<int64_t>(type.getShape().begin(),
                                                       type.getShape().end()),
                                  bits))
      return op->emitError()
             << "the buffer of " << type << " does not fit in int64 bytes";
    return success();
  };
  for (BlockArgument arg : func.getArguments())
    if (failed(check(func, arg)))
      return failure();
  WalkResult walk = func.walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (failed(check(op, v)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

struct LowerToLoopsPass
    : ::mlir::mpq::impl::MPQLowerToLoopsPassBase<LowerToLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (channelBlock != 1 && channelBlock != 2 && channelBlock != 4) {
      getOperation().emitError()
          << "channel-block=" << static_cast<unsigned>(channelBlock)
          << " is not 1, 2 or 4";
      return signalPassFailure();
    }
    FailureOr<func::FuncOp> func = getModelFunction(getOperation());
    if (failed(func) || failed(verifyStaticSizes(*func)))
      return signalPassFailure();
    std::string prefix =
        modelName.empty() ? func->getSymName().str() : modelName;
    if (failed(LoopLowering(*func, prefix, channelBlock, armDsp).run()))
      signalPassFailure();
  }
};

} // namespace
