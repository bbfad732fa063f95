//===- MPQDialect.h - The mpq dialect, its types and attributes -*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQDIALECT_H
#define MPQ_DIALECT_MPQ_IR_MPQDIALECT_H

#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "mpq/Dialect/MPQ/IR/MPQOpsDialect.h.inc"
#include "mpq/Dialect/MPQ/IR/MPQOpsEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "mpq/Dialect/MPQ/IR/MPQOpsTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "mpq/Dialect/MPQ/IR/MPQOpsAttrs.h.inc"

namespace mlir::mpq {

/// The integer semantics' rounding mode for a `#mpq.rounding` value.
inline RoundingMode toRoundingMode(Rounding rounding) {
  return static_cast<RoundingMode>(static_cast<int>(rounding));
}

/// A number as a diagnostic should show it ("-0.5", "6"), not "%e".
std::string formatNumber(double value);

/// Whether `width` is a storage width mpq's types accept: 1..8 for stored
/// tensors, 16 or 32 for accumulators.
bool isValidWidth(unsigned width);

/// The bit-width and signedness of an mpq element type (`!mpq.bits` or
/// `!mpq.uniform`); std::nullopt for any other type.
struct StorageInfo {
  unsigned width;
  bool isSigned;
};
std::optional<StorageInfo> getStorageInfo(Type elementType);

/// The grid that spans the real range [min, max] (widened to contain 0, so
/// that 0 is exactly representable) with the codes of a `width`-bit type:
/// scale (max - min) / (hi - lo), zero point lo - round(min / scale). A
/// range of width 0 gets scale 1. Calibration and the reference evaluator
/// (for learned ranges) both use it.
UniformType getUniformForRange(MLIRContext *context, unsigned width,
                               bool isSigned, bool narrow, double min,
                               double max);

/// Per-axis form: one range per slice along `axis`.
UniformType getUniformForRanges(MLIRContext *context, unsigned width,
                                bool isSigned, bool narrow, int32_t axis,
                                ArrayRef<double> mins, ArrayRef<double> maxs);

/// Checks a per-axis `!mpq.uniform` element type against the shape of the
/// tensor that carries it: the axis must exist and the number of scales must
/// equal the size along it. `what` names the value in the message.
LogicalResult verifyQuantizedShape(function_ref<InFlightDiagnostic()> emitError,
                                   ShapedType type, StringRef what);

/// The op trait behind `MPQ_VerifyQuantizedShapes`: every operand and result.
LogicalResult verifyQuantizedShapes(Operation *op);

template <typename ConcreteType>
class VerifyQuantizedShapes
    : public OpTrait::TraitBase<ConcreteType, VerifyQuantizedShapes> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return verifyQuantizedShapes(op);
  }
};

} // namespace mlir::mpq

#endif // MPQ_DIALECT_MPQ_IR_MPQDIALECT_H
