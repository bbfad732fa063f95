//===- InterpolationPatterns.cpp - Bilinear resize to loops ---------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The kernel of mpq.qresize_linear: per output row the two input rows and
// their weights, per output column the two input columns and theirs (four
// small tables in flash, one entry per output row or column), then per
// channel four taps, one integer sum and one requantization, as
// evalQResizeLinear computes it. One op-creating operand per call, so the
// IR does not depend on the host compiler's argument evaluation order.
//
//===----------------------------------------------------------------------===//

#include "LoopPattern.h"

#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::mpq;

namespace {

class QResizeLinearLowering : public LoopPattern<QResizeLinearOp> {
public:
  using LoopPattern::LoopPattern;

protected:
  LogicalResult emit(QResizeLinearOp op, OpBuilder &b) const override {
    auto in = lowering.bufferFor(op.getInput(), op);
    if (failed(in) || failed(lowering.assignStorage(op)))
      return failure();
    PackedBuffer out = *lowering.lookupBuffer(op.getResult());
    auto inElem = cast<UniformType>(op.getInput().getType().getElementType());
    auto outElem = cast<UniformType>(op.getType().getElementType());
    RoundingMode mode = toRoundingMode(op.getRounding());
    const int64_t inH = in->shape[1], inW = in->shape[2];
    const int64_t outH = out.shape[1], outW = out.shape[2];
    const int64_t channels = out.shape[3];
    const int64_t dh = op.getHDenominator(), dw = op.getWDenominator();
    using ParamTable = MPQToLoopsLowering::ParamTable;
    ParamTable hIndex = lowering.paramTable(b, "resize_rows", op.getHIndex());
    ParamTable hWeight =
        lowering.paramTable(b, "resize_row_weights", op.getHWeight());
    ParamTable wIndex = lowering.paramTable(b, "resize_cols", op.getWIndex());
    ParamTable wWeight =
        lowering.paramTable(b, "resize_col_weights", op.getWWeight());
    // sum of the weights * zp_in, taken off once.
    const int64_t offset = dh * dw * inElem.getZeroPoint();
    LoopEmitter e(b, op.getLoc());
    auto toIndex = [&](Value v) {
      return arith::IndexCastOp::create(b, e.loc, b.getIndexType(), v);
    };
    // The input pixel row (n, h, w) of the packed buffer.
    auto pixel = [&](Value n, Value h, Value w, int64_t height, int64_t width) {
      Value nh = e.mul(n, e.index(height));
      Value row = e.add(nh, h);
      Value rw = e.mul(row, e.index(width));
      return e.add(rw, w);
    };
    e.loopNest({out.shape[0], outH}, [&](ArrayRef<Value> nr) {
      Value n = nr[0], r = nr[1];
      Value h0 = hIndex.at(e, r);
      Value h0Next = e.add(h0, e.i32(1));
      Value h1 = arith::MinSIOp::create(b, e.loc, h0Next, e.i32(inH - 1));
      Value wh1 = hWeight.at(e, r);
      Value wh0 = e.sub(e.i32(dh), wh1);
      Value rowA = toIndex(h0), rowB = toIndex(h1);
      e.loopNest({outW}, [&](ArrayRef<Value> cs) {
        Value c = cs[0];
        Value w0 = wIndex.at(e, c);
        Value w0Next = e.add(w0, e.i32(1));
        Value w1 = arith::MinSIOp::create(b, e.loc, w0Next, e.i32(inW - 1));
        Value ww1 = wWeight.at(e, c);
        Value ww0 = e.sub(e.i32(dw), ww1);
        Value colA = toIndex(w0), colB = toIndex(w1);
        Value p00 = pixel(n, rowA, colA, inH, inW);
        Value p01 = pixel(n, rowA, colB, inH, inW);
        Value p10 = pixel(n, rowB, colA, inH, inW);
        Value p11 = pixel(n, rowB, colB, inH, inW);
        Value k00 = e.mul(wh0, ww0), k01 = e.mul(wh0, ww1);
        Value k10 = e.mul(wh1, ww0), k11 = e.mul(wh1, ww1);
        Value target = pixel(n, r, c, outH, outW);
        e.loopNest({channels}, [&](ArrayRef<Value> ks) {
          Value k = ks[0];
          Value acc = e.i32(-offset);
          for (auto [p, weight] :
               {std::pair{p00, k00}, {p01, k01}, {p10, k10}, {p11, k11}}) {
            Value x = e.load(*in, p, k);
            acc = e.add(acc, e.mul(weight, x));
          }
          Value wide = e.toI64(acc);
          Value m0 = e.i64(op.getMultiplier());
          Value shift = e.i64(31 - op.getExponent());
          Value y = e.requantize(wide, m0, shift, outElem.getZeroPoint(),
                                 outElem.getStorageMin(),
                                 outElem.getStorageMax(), mode);
          e.store(out, target, k, y);
        });
      });
    });
    return success();
  }
};

} // namespace

void mlir::mpq::populateMPQInterpolationToLoopsPatterns(
    RewritePatternSet &patterns, MPQToLoopsLowering &lowering) {
  patterns.add<QResizeLinearLowering>(patterns.getContext(), lowering);
}
