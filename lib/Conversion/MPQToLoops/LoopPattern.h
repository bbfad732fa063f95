//===- LoopPattern.h - Base of the lowering's patterns ----------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Every pattern of --mpq-lower-to-loops emits the loops of its op into a step
// function of its own (MPQToLoopsLowering::beginStep) and erases the op; the
// op's codes are then in the arena, where MPQToLoopsLowering says. Private to
// the library.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_LIB_CONVERSION_MPQTOLOOPS_LOOPPATTERN_H
#define MPQ_LIB_CONVERSION_MPQTOLOOPS_LOOPPATTERN_H

#include "mpq/Conversion/MPQToLoops/MPQToLoops.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mpq {

/// A pattern that lowers one op of the model function. `matchKernel` says
/// whether this pattern's kernel applies (without touching the IR: patterns
/// of higher benefit are tried first, see populateMPQLayerToLoopsPatterns);
/// `emit` appends the loops. An error in `emit` is reported at the op, and
/// the op is erased all the same so the conversion ends; the pass then
/// fails. After an error the remaining ops are only erased.
template <typename OpTy>
class LoopPattern : public OpConversionPattern<OpTy> {
public:
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;

  LoopPattern(MLIRContext *context, MPQToLoopsLowering &lowering,
              PatternBenefit benefit = 1)
      : OpConversionPattern<OpTy>(context, benefit), lowering(lowering) {}

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const final {
    if (!lowering.hasFailed()) {
      if (failed(matchKernel(op, rewriter)))
        return failure();
      OpBuilder::InsertionGuard guard(rewriter);
      if (!emitsCode()) {
        if (failed(emit(op, rewriter)))
          lowering.setFailed();
      } else {
        lowering.beginStep(rewriter, op);
        if (failed(emit(op, rewriter)))
          lowering.setFailed();
        lowering.endStep(rewriter);
      }
    }
    rewriter.eraseOp(op);
    return success();
  }

protected:
  virtual LogicalResult matchKernel(OpTy op, PatternRewriter &rewriter) const {
    return success();
  }
  virtual LogicalResult emit(OpTy op, OpBuilder &b) const = 0;
  /// False for the ops whose code is emitted elsewhere (no step function).
  virtual bool emitsCode() const { return true; }

  MPQToLoopsLowering &lowering;
};

/// The row normalizations: qsoftmax and qlayer_norm (RowPatterns.cpp).
void populateMPQRowToLoopsPatterns(RewritePatternSet &patterns,
                                   MPQToLoopsLowering &lowering);

/// The bilinear resize: qresize_linear (InterpolationPatterns.cpp).
void populateMPQInterpolationToLoopsPatterns(RewritePatternSet &patterns,
                                             MPQToLoopsLowering &lowering);

} // namespace mlir::mpq

#endif // MPQ_LIB_CONVERSION_MPQTOLOOPS_LOOPPATTERN_H
