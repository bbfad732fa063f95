//===- PackedCodes.cpp - Loops over packed integer codes ------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Conversion/MPQToLoops/PackedCodes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mpq;

Value LoopEmitter::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value LoopEmitter::i32(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
}
Value LoopEmitter::i64(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}
Value LoopEmitter::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value LoopEmitter::sub(Value x, Value y) {
  return arith::SubIOp::create(b, loc, x, y);
}
Value LoopEmitter::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value LoopEmitter::select(Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}
Value LoopEmitter::cmp(arith::CmpIPredicate p, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}
Value LoopEmitter::toI64(Value v) {
  return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
}
Value LoopEmitter::toI32(Value v) {
  return arith::TruncIOp::create(b, loc, b.getI32Type(), v);
}
Value LoopEmitter::indexToI32(Value v) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), v);
}

Value LoopEmitter::start(const PackedBuffer &buf) {
  Value offset = index(buf.offset);
  return buf.dynamicOffset ? add(offset, buf.dynamicOffset) : offset;
}

void LoopEmitter::loopNest(ArrayRef<int64_t> ubs,
                           function_ref<void(ArrayRef<Value>)> body) {
  SmallVector<Value> ivs;
  buildNest(ubs, ivs, body);
}

Value LoopEmitter::reduceNest(
    ArrayRef<int64_t> ubs, Value init,
    function_ref<Value(ArrayRef<Value>, Value)> body) {
  SmallVector<Value> ivs;
  return buildReduce(ubs, ivs, ValueRange{init},
                     [&](ArrayRef<Value> iv, ValueRange acc) {
                       return SmallVector<Value>{body(iv, acc.front())};
                     })
      .front();
}

SmallVector<Value> LoopEmitter::reduceNest(
    ArrayRef<int64_t> ubs, ValueRange inits,
    function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
  SmallVector<Value> ivs;
  return buildReduce(ubs, ivs, inits, body);
}

void LoopEmitter::storeWide(const PackedBuffer &buf, Value rowStart, Value col,
                            Value code) {
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

Value LoopEmitter::loadAfter(const PackedBuffer &buf, Value row, Value colBytes,
                             int64_t k) {
  Value at =
      add(add(add(start(buf), mul(row, index(buf.rowBytes()))), colBytes),
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

Value LoopEmitter::loadWord(const PackedBuffer &buf, Value row, Value col) {
  Value first = add(add(start(buf), mul(row, index(buf.rowBytes()))), col);
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

Value LoopEmitter::armIntrinsic(StringRef name, ValueRange args) {
  return LLVM::CallIntrinsicOp::create(b, loc, b.getI32Type(),
                                       b.getStringAttr(name), args)
      .getResult(0);
}

std::pair<Value, Value> LoopEmitter::halves(Value word, bool isSigned,
                                            std::pair<Value, Value> plus) {
  // The rotation folds into the instruction's own (ROR #8).
  Value rotated =
      arith::OrIOp::create(b, loc, arith::ShRUIOp::create(b, loc, word, i32(8)),
                           arith::ShLIOp::create(b, loc, word, i32(24)));
  if (plus.first) {
    StringRef name = isSigned ? "llvm.arm.sxtab16" : "llvm.arm.uxtab16";
    return {armIntrinsic(name, {plus.first, word}),
            armIntrinsic(name, {plus.second, rotated})};
  }
  StringRef name = isSigned ? "llvm.arm.sxtb16" : "llvm.arm.uxtb16";
  return {armIntrinsic(name, word), armIntrinsic(name, rotated)};
}

Value LoopEmitter::byteField(Value word, unsigned bits, int64_t field,
                             bool top) {
  if (bits == 8)
    return word;
  // The mask of one field, in every byte.
  auto everyByte = [&](uint32_t byte) {
    return i32(static_cast<int32_t>(byte * 0x01010101u));
  };
  const uint32_t ones = (1u << bits) - 1;
  if (top) {
    const int64_t up = 8 - bits * (field + 1);
    if (up != 0)
      word = arith::ShLIOp::create(b, loc, word, i32(up));
    return arith::AndIOp::create(b, loc, word, everyByte(ones << (8 - bits)));
  }
  if (field != 0)
    word = arith::ShRUIOp::create(b, loc, word, i32(bits * field));
  return arith::AndIOp::create(b, loc, word, everyByte(ones));
}

Value LoopEmitter::load(const PackedBuffer &buf, Value row, Value col) {
  Value rowStart = add(start(buf), mul(row, index(buf.rowBytes())));
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
  Value code =
      arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, byte, shift),
                            i32((1 << buf.bits) - 1));
  if (!buf.isSigned)
    return code;
  // Two's complement sign extension of a `bits`-wide field.
  Value sign = i32(1 << (buf.bits - 1));
  return sub(arith::XOrIOp::create(b, loc, code, sign), sign);
}

void LoopEmitter::store(const PackedBuffer &buf, Value row, Value col,
                        Value code) {
  Value rowStart = add(start(buf), mul(row, index(buf.rowBytes())));
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
      arith::XOrIOp::create(b, loc, arith::ShLIOp::create(b, loc, mask, shift),
                            i32(-1)));
  Value field = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, code, mask), shift);
  Value merged = arith::OrIOp::create(b, loc, cleared, field);
  memref::StoreOp::create(
      b, loc, arith::TruncIOp::create(b, loc, b.getI8Type(), merged),
      buf.memref, ValueRange{byteIndex});
}

Value LoopEmitter::shiftRound(Value x, Value s, RoundingMode mode) {
  if (mode == RoundingMode::HalfUp) {
    // floor((x + 2^(s-1)) / 2^s): half = 2^s / 2, 0 for s = 0. The callers'
    // |x| <= 2^62, so the sum does not overflow.
    Value half = arith::ShRUIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, i64(1), s), i64(1));
    return arith::ShRSIOp::create(b, loc, add(x, half), s);
  }
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

Value LoopEmitter::requantize(Value acc, Value m0, Value shift, int64_t zp,
                              int64_t lo, int64_t hi, RoundingMode mode) {
  Value y = add(i64(zp), shiftRound(mul(acc, m0), shift, mode));
  y = arith::MaxSIOp::create(b, loc, y, i64(lo));
  y = arith::MinSIOp::create(b, loc, y, i64(hi));
  return toI32(y);
}

Value LoopEmitter::requantizeHigh(Value acc, Value m0, Value shift, int64_t zp,
                                  int64_t lo, int64_t hi, RoundingMode mode) {
  assert((mode == RoundingMode::Floor || mode == RoundingMode::HalfUp) &&
         "the high-word requantization rounds down or half up");
  Value high = toI32(arith::ShRSIOp::create(b, loc, mul(acc, m0), i64(32)));
  Value q;
  if (mode == RoundingMode::HalfUp) {
    // floor((x + 2^(s-1)) / 2^s) = floor((floor(x / 2^(s-1)) + 1) / 2)
    // (a floor of a floor divided by an integer is the floor of the
    // quotient), with floor(x / 2^(s-1)) from the high word for s >= 33:
    // two i32 instructions more than Floor, no 64-bit addition.
    Value q1 = arith::ShRSIOp::create(b, loc, high, sub(shift, i32(33)));
    q = arith::ShRSIOp::create(b, loc, add(q1, i32(1)), i32(1));
  } else {
    q = arith::ShRSIOp::create(b, loc, high, sub(shift, i32(32)));
  }
  Value y = add(i32(zp), q);
  y = arith::MaxSIOp::create(b, loc, y, i32(lo));
  return arith::MinSIOp::create(b, loc, y, i32(hi));
}

std::pair<Value, Value> LoopEmitter::locate(const PackedBuffer &buf,
                                            Value rowStart, Value col) {
  // bits in {1, 2, 4}: a field never crosses a byte.
  Value bitPos = mul(col, index(buf.bits));
  Value byteIndex =
      add(rowStart, arith::DivUIOp::create(b, loc, bitPos, index(8)));
  Value shift = indexToI32(arith::RemUIOp::create(b, loc, bitPos, index(8)));
  return {byteIndex, shift};
}

void LoopEmitter::buildNest(ArrayRef<int64_t> ubs, SmallVectorImpl<Value> &ivs,
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

SmallVector<Value> LoopEmitter::buildReduce(
    ArrayRef<int64_t> ubs, SmallVectorImpl<Value> &ivs, ValueRange inits,
    function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
  if (ubs.empty())
    return body(ivs, inits);
  auto loop =
      scf::ForOp::create(b, loc, index(0), index(ubs.front()), index(1), inits);
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

Value mlir::mpq::flatRow(LoopEmitter &e, ArrayRef<int64_t> shape,
                         ArrayRef<Value> idx) {
  Value row = e.index(0);
  for (size_t d = 0; d + 1 < shape.size(); ++d)
    row = e.add(e.mul(row, e.index(shape[d])), idx[d]);
  return row;
}

WindowTap mlir::mpq::windowTap(LoopEmitter &e, ArrayRef<int64_t> shape, Value n,
                               Value oy, Value ox, Value ky, Value kx,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations,
                               ArrayRef<int64_t> pads, bool checked,
                               bool nearest) {
  Value iy = e.add(e.sub(e.mul(oy, e.index(strides[0])), e.index(pads[0])),
                   e.mul(ky, e.index(dilations[0])));
  Value ix = e.add(e.sub(e.mul(ox, e.index(strides[1])), e.index(pads[1])),
                   e.mul(kx, e.index(dilations[1])));
  // Without padding every tap is inside (the output size guarantees it), as
  // it is where the caller has checked the whole window.
  if (!checked || llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return {arith::ConstantIntOp::create(e.b, e.loc, e.b.getI1Type(), 1),
            flatRow(e, shape, {n, iy, ix, Value()})};
  using P = arith::CmpIPredicate;
  auto both = [&](Value a, Value b) {
    return Value(arith::AndIOp::create(e.b, e.loc, a, b));
  };
  Value inside = both(
      both(e.cmp(P::sge, iy, e.index(0)), e.cmp(P::slt, iy, e.index(shape[1]))),
      both(e.cmp(P::sge, ix, e.index(0)),
           e.cmp(P::slt, ix, e.index(shape[2]))));
  // A tap in the padding reads pixel (0, 0) (the value is discarded), or
  // with `nearest` the image pixel nearest the tap: it lies in the rows the
  // window reads anyway, all a row group's line buffer holds
  // (mpq/Analysis/RowSchedule.h).
  auto clamp = [&](Value v, int64_t size) {
    if (!nearest)
      return e.select(inside, v, e.index(0));
    Value low = arith::MaxSIOp::create(e.b, e.loc, v, e.index(0));
    return Value(arith::MinSIOp::create(e.b, e.loc, low, e.index(size - 1)));
  };
  Value row =
      flatRow(e, shape, {n, clamp(iy, shape[1]), clamp(ix, shape[2]), Value()});
  return {inside, row};
}
