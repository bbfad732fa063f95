//===- QuantInterop.h - mpq types <-> upstream !quant types -----*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Lets TOSA- or IREE-style compilers consume mpq's output: an `!mpq.uniform`
// type maps to `!quant.uniform` (per tensor or per axis) with f32 as the
// expressed type. `!mpq.bits` has no scale and so no upstream equivalent.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_QUANTINTEROP_H
#define MPQ_DIALECT_MPQ_IR_QUANTINTEROP_H

#include "mlir/IR/Types.h"

namespace mlir::mpq {

/// The `!quant.uniform` equivalent of `type`, or a null Type when `type` is
/// not an `!mpq.uniform` (for example `!mpq.bits`, which has no scale).
Type toQuantType(Type type);

/// The `!mpq.uniform` equivalent of a `!quant.uniform` type, or a null Type
/// when it is not representable: an expressed type other than f32, a storage
/// range narrower than the full range of its width, or a width mpq does not
/// accept.
Type fromQuantType(Type type);

} // namespace mlir::mpq

#endif // MPQ_DIALECT_MPQ_IR_QUANTINTEROP_H
