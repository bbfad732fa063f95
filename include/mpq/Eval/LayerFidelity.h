//===- LayerFidelity.h - Per-layer fake-quant vs integer codes --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Per-layer fidelity of the integer lowering (target: docs/decisions.md §6):
// every integer layer and its fake-quant counterpart get the same integer
// input, and their output codes are compared. Comparing whole graphs instead
// would let the residue of one layer (the rounding of the multiplier M0, and of
// the ICN bias B where the fake-quant graph keeps a float bias) change the
// input of the next one and accumulate.
//
// Both graphs run side by side on each sample. The integer graph runs as is.
// The fake-quant graph runs with every value that the lowering replaced by an
// integer value overwritten, as soon as it is computed, by the dequantized
// codes of that integer value; so each fake-quant layer reads exactly the
// integer layer's input, and its own output (before the overwrite) is what
// gets compared.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_EVAL_LAYERFIDELITY_H
#define MPQ_EVAL_LAYERFIDELITY_H

#include "mpq/Eval/Evaluator.h"

namespace mlir::mpq {

/// A value of the fake-quant graph and the integer value that replaces it
/// (see lowerFakeQuant in mpq/Transforms/LowerFakeQuant.h).
struct LoweredValue {
  Value fakeQuant;
  Value integer;
};

/// Output codes of one integer layer against its fake-quant layer, summed
/// over all samples. A layer is an integer value produced by `requantize`
/// (after `qconv2d`/`qfully_connected`, or alone when only the grid
/// changes), `qadd`, `qavg_pool2d`, or `quantize` (the model input, possibly
/// through reshapes and transposes).
struct LayerFidelity {
  /// displayName of the integer op (the ONNX node name of the layer).
  std::string name;
  /// "qconv2d", "qfully_connected", "requantize", "qadd", "qavg_pool2d" or
  /// "quantize".
  std::string kind;
  /// Output bit-width and signedness.
  unsigned bits = 0;
  bool isSigned = false;
  /// Codes compared, identical, and where the integer code is larger or
  /// smaller than the fake-quant one.
  int64_t codes = 0, identical = 0, higher = 0, lower = 0;
  /// The largest |integer code - fake-quant code|.
  int64_t maxDifference = 0;
  /// How many codes the rounding of the ICN bias B alone is expected to
  /// flip: the sum over compared codes of M_c / 4, M_c the layer's real
  /// multiplier for the code's channel (0 where B is 0: no bias). B is off
  /// by a quarter accumulator unit on average, M_c / 4 output steps. 0 also
  /// for channels whose fake-quant layer adds B itself (a bias snapped to
  /// the int32 grid, mpq/Transforms/SnapBias.h). An estimate: it assumes the
  /// exact outputs' fractions spread evenly, and clamped codes (e.g. ReLU
  /// zeros) cannot flip.
  double expectedBiasFlips = 0;
  /// How many codes are expected to differ given how far apart the two
  /// layers are before rounding: the sum over codes of the distance, in
  /// output steps, between the integer layer's M0 2^(N0-31) (acc + B) and
  /// the fake-quant layer's x / s_y (at most 1 per code; codes that both
  /// sides clamp are left out). A measurement, not a bound: with the bias
  /// snapped, what separates the two is the rounding of the multiplier M0
  /// (at most 2^-31 relative); otherwise mostly that of B. Layers that
  /// requantize a conv2d / fully_connected accumulator only, else 0.
  double expectedFlips = 0;
  /// How many distinct codes the integer layer produced, and their range: a
  /// layer that only produced zeros (or only its maximum) proves nothing.
  int64_t distinctCodes = 0, minCode = 0, maxCode = 0;
};

/// Compares, per layer, `integerFunc` (the lowering of `fakeQuantFunc`) with
/// `fakeQuantFunc` on every sample of `inputs` (both take the same inputs;
/// see countSamples for batches). `lowered` pairs the two graphs' values.
/// Layers come back in the integer graph's program order. Emits an error and
/// returns failure if either graph cannot be evaluated or a pair is
/// inconsistent.
FailureOr<std::vector<LayerFidelity>>
compareLayers(func::FuncOp fakeQuantFunc, func::FuncOp integerFunc,
              ArrayRef<LoweredValue> lowered, ArrayRef<EvalTensor> inputs);

} // namespace mlir::mpq

#endif // MPQ_EVAL_LAYERFIDELITY_H
