//===- SnapBias.h - Layer biases on their int32 grid ------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Bias snapping: the fake-quant graph models the quantization of each layer's
// bias to int32, B = round(b / (s_x s_w)) (docs/paper.md §1), as QAT and QDQ
// graphs do, so that it adds exactly the B the integer graph adds. Without
// it the fake-quant layer keeps the float bias and the integer layer's
// rounded B moves outputs by up to M_c / 2 output steps (M_c the layer's real
// multiplier), which flips several percent of the codes of a layer with a
// coarse accumulator (docs/design.md, "Bias snapping").
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_SNAPBIAS_H
#define MPQ_TRANSFORMS_SNAPBIAS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::mpq {

/// Puts the effective bias of every conv2d / fully_connected of `func` whose
/// input and weight grids are known (`!mpq.uniform` fake-quants) on the int32
/// grid s_x * s_w,c of its accumulator:
///
///   * a batch-norm right after the layer (ICN) gives its shift to the layer:
///     the bias becomes b_c - mean_c + beta_c / gain_c and the batch-norm
///     keeps only its gain (mean and beta 0), which changes nothing in real
///     arithmetic; channels with gain 0 (pruned) keep their parameters;
///   * the bias (created if the layer has none but a batch-norm shift) gets
///     `mpq.fake_quant` to `!mpq.uniform<i32, s_x s_w:0>` (per axis 0 when the
///     weights are per channel), rounding half to even.
///
/// The lowering reads B_c as that fake_quant's code, so the fake-quant graph
/// and the integer graph add the same bias. Layers without bias and without
/// a batch-norm shift are left alone (B = 0 is exact), as are layers whose
/// grids are not known yet and biases quantized to a stored width by the
/// model itself. An int32 bias fake_quant already there is recomputed for
/// the current grids, so running this twice changes nothing. Fails, with an
/// error at the layer, if a bias does not fit in int32.
LogicalResult snapBiases(func::FuncOp func);

} // namespace mlir::mpq

#endif // MPQ_TRANSFORMS_SNAPBIAS_H
