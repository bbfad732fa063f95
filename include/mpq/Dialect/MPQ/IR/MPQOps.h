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
} // namespace mlir::mpq

#endif // MPQ_DIALECT_MPQ_IR_MPQOPS_H
