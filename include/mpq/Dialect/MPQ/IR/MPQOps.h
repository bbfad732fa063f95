//===- MPQOps.h - mpq operations --------------------------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQOPS_H
#define MPQ_DIALECT_MPQ_IR_MPQOPS_H

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Dialect/MPQ/IR/MPQInterfaces.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "mpq/Dialect/MPQ/IR/MPQOps.h.inc"

#include <optional>
#include <vector>

namespace mlir::mpq {
/// The real values of `value` if it is a float constant (arith.constant with
/// a dense float tensor), widened to double; std::nullopt otherwise.
std::optional<std::vector<double>> getFloatConstantValues(Value value);

/// `mpq.add` or `mpq.mul` of an activation and a float constant that is a
/// scalar or varies along one axis only (the channels, in NHWC or NCHW): an
/// element-wise function per slice, y = x + k_c or x * k_c, which precision
/// assignment and the lowering treat like the other element-wise functions
/// (lookup tables). The activation has the result's shape.
struct ConstantAffineOperands {
  Value activation;
  /// One value (per tensor) or one per slice along `axis`.
  std::vector<double> constants;
  /// The result's axis the constants vary along (the last if they do not).
  int64_t axis = -1;
  /// AddConstant, MulConstant or LeakyRelu (mpq.prelu: the slope).
  ElementwiseFunctionKind kind = ElementwiseFunctionKind::AddConstant;
  /// The function of channel c (c = 0 for a per-tensor constant).
  ElementwiseFunction function(size_t c) const { return {kind, constants[c]}; }
};
std::optional<ConstantAffineOperands> getConstantAffineOperands(Operation *op);
} // namespace mlir::mpq

#endif // MPQ_DIALECT_MPQ_IR_MPQOPS_H
