//===- RowPatterns.cpp - Row normalizations to loops ----------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The kernels of mpq.qsoftmax and mpq.qlayer_norm: one pass over each row
// (the last axis) per reduction, then one pass that writes the row, in the
// integer arithmetic of softmaxCode and layerNormRow
// (mpq/Support/IntegerSemantics.h), statement for statement. Divisions are
// 64-bit (__aeabi_ldivmod on a Cortex-M): one per element, on rows that are
// a classifier's or an MLP head's features, not on feature maps.
//
// No call below takes two operands that each create ops: C++ leaves the
// order of their evaluation unspecified, and the IR would differ between
// host compilers (gcc and clang emit it in opposite orders).
//
//===----------------------------------------------------------------------===//

#include "LoopPattern.h"

#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::mpq;

namespace {

using arith::CmpIPredicate;

Value shiftLeft(LoopEmitter &e, Value x, int64_t s) {
  return arith::ShLIOp::create(e.b, e.loc, x, e.i64(s));
}

Value shiftRight(LoopEmitter &e, Value x, int64_t s) {
  return arith::ShRSIOp::create(e.b, e.loc, x, e.i64(s));
}

/// divideRoundHalfAway(num, den) of IntegerSemantics.h on i64, den > 0.
Value divideRoundHalfAway(LoopEmitter &e, Value num, Value den) {
  Value negative = e.cmp(CmpIPredicate::slt, num, e.i64(0));
  Value magnitude = e.select(negative, e.sub(e.i64(0), num), num);
  Value q = arith::DivSIOp::create(
      e.b, e.loc, e.add(magnitude, shiftRight(e, den, 1)), den);
  return e.select(negative, e.sub(e.i64(0), q), q);
}

/// integerSqrt(v) of IntegerSemantics.h on i64 (0 <= v < 2^62): 31 steps of
/// two bits.
Value integerSqrt(LoopEmitter &e, Value v) {
  SmallVector<Value> state = e.reduceNest(
      {31}, ValueRange{v, e.i64(0), e.i64(int64_t(1) << 60)},
      [&](ArrayRef<Value>, ValueRange s) -> SmallVector<Value> {
        Value rem = s[0], root = s[1], bit = s[2];
        Value candidate = e.add(root, bit);
        Value fits = e.cmp(CmpIPredicate::sge, rem, candidate);
        Value half = shiftRight(e, root, 1);
        return {e.select(fits, e.sub(rem, candidate), rem),
                e.select(fits, e.add(half, bit), half), shiftRight(e, bit, 2)};
      });
  return state[1];
}

Value clampTo(LoopEmitter &e, Value y, int64_t lo, int64_t hi) {
  y = arith::MaxSIOp::create(e.b, e.loc, y, e.i64(lo));
  return arith::MinSIOp::create(e.b, e.loc, y, e.i64(hi));
}

class QSoftmaxLowering : public LoopPattern<QSoftmaxOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(QSoftmaxOp op, OpBuilder &b) const override {
    auto in = lowering.bufferFor(op.getInput(), op);
    if (failed(in) || failed(lowering.assignStorage(op)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(op.getResult());
    auto inElem = cast<UniformType>(op.getInput().getType().getElementType());
    auto outElem = cast<UniformType>(op.getType().getElementType());
    MPQToLoopsLowering::ParamTable table =
        lowering.paramTable(b, "exp", op.getExpTable());
    const int64_t n = out.inner();
    const int64_t denShift = 31 - op.getExponent();
    LoopEmitter e(b, op.getLoc());
    e.loopNest({out.rows()}, [&](ArrayRef<Value> r) {
      Value row = r[0];
      Value largest = e.reduceNest({n}, e.i32(inElem.getStorageMin()),
                                   [&](ArrayRef<Value> j, Value acc) -> Value {
                                     return arith::MaxSIOp::create(
                                         b, e.loc, acc, e.load(*in, row, j[0]));
                                   });
      // e_j = table[m - x_j], an index into the table.
      auto term = [&](Value j) {
        Value d = e.sub(largest, e.load(*in, row, j));
        return table.at(
            e, arith::IndexCastOp::create(b, e.loc, b.getIndexType(), d));
      };
      Value sum = e.reduceNest({n}, e.i32(0),
                               [&](ArrayRef<Value> j, Value acc) -> Value {
                                 return e.add(acc, term(j[0]));
                               });
      Value den = shiftLeft(e, e.toI64(sum), denShift);
      e.loopNest({n}, [&](ArrayRef<Value> j) {
        Value entry = e.toI64(term(j[0]));
        Value num = e.mul(entry, e.i64(op.getMultiplier()));
        Value quotient = divideRoundHalfAway(e, num, den);
        Value y = e.add(quotient, e.i64(outElem.getZeroPoint()));
        y = clampTo(e, y, outElem.getStorageMin(), outElem.getStorageMax());
        e.store(out, row, j[0], e.toI32(y));
      });
    });
    return success();
  }
};

class QLayerNormLowering : public LoopPattern<QLayerNormOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(QLayerNormOp op, OpBuilder &b) const override {
    auto in = lowering.bufferFor(op.getInput(), op);
    if (failed(in) || failed(lowering.assignStorage(op)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(op.getResult());
    auto outElem = cast<UniformType>(op.getType().getElementType());
    int64_t lo = op.getClampMin().value_or(outElem.getStorageMin());
    int64_t hi = op.getClampMax().value_or(outElem.getStorageMax());
    RoundingMode mode = toRoundingMode(op.getRounding());
    MPQToLoopsLowering::ParamTable scale =
        lowering.paramTable(b, "ln_scale", op.getScale());
    MPQToLoopsLowering::ParamTable bias =
        lowering.paramTable(b, "ln_bias", op.getBias());
    const int64_t n = out.inner();
    LoopEmitter e(b, op.getLoc());
    e.loopNest({out.rows()}, [&](ArrayRef<Value> r) {
      Value row = r[0];
      Value sum = e.reduceNest(
          {n}, e.i64(0), [&](ArrayRef<Value> j, Value acc) -> Value {
            return e.add(acc, e.toI64(e.load(*in, row, j[0])));
          });
      // d_j = N x_j - sum: N times x_j's distance to the mean.
      auto distance = [&](Value j) {
        Value x = e.toI64(e.load(*in, row, j));
        return e.sub(e.mul(e.i64(n), x), sum);
      };
      Value squares = e.reduceNest({n}, e.i64(0),
                                   [&](ArrayRef<Value> j, Value acc) -> Value {
                                     Value d = distance(j[0]);
                                     return e.add(acc, e.mul(d, d));
                                   });
      Value total = e.add(squares, e.i64(op.getEpsTerm()));
      Value variance = arith::DivSIOp::create(b, e.loc, total, e.i64(n));
      Value root = integerSqrt(e, shiftLeft(e, variance, 16));
      Value sigma = arith::MaxSIOp::create(b, e.loc, root, e.i64(1));
      e.loopNest({n}, [&](ArrayRef<Value> j) {
        // A product, as layerNormRow computes it (d may be negative).
        Value d = distance(j[0]);
        Value scaled = e.mul(d, e.i64(int64_t(1) << (op.getShift() + 8)));
        Value q = divideRoundHalfAway(e, scaled, sigma);
        Value g = e.toI64(scale.at(e, j[0]));
        Value beta = e.toI64(bias.at(e, j[0]));
        Value acc = e.add(e.mul(q, g), beta);
        Value m0 = e.i64(op.getMultiplier());
        Value shift = e.i64(31 - op.getExponent());
        Value y =
            e.requantize(acc, m0, shift, outElem.getZeroPoint(), lo, hi, mode);
        e.store(out, row, j[0], y);
      });
    });
    return success();
  }
};

} // namespace

void mlir::mpq::populateMPQRowToLoopsPatterns(RewritePatternSet &patterns,
                                              MPQToLoopsLowering &lowering) {
  patterns.add<QSoftmaxLowering, QLayerNormLowering>(patterns.getContext(),
                                                     lowering);
}
