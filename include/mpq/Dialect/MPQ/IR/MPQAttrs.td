//===- MPQAttrs.td - mpq attributes and enums --------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQATTRS_TD
#define MPQ_DIALECT_MPQ_IR_MPQATTRS_TD

include "mpq/Dialect/MPQ/IR/MPQDialect.td"
include "mlir/IR/EnumAttr.td"

// The rounding modes of include/mpq/Support/IntegerSemantics.h as an IR
// attribute. The numbering matches mlir::mpq::RoundingMode, so
// toRoundingMode() converts by value (static_asserts in MPQDialect.cpp).
def MPQ_RoundingMode : I32EnumAttr<"Rounding",
    "how a value is rounded to an integer code", [
      I32EnumAttrCase<"floor", 0>,
      I32EnumAttrCase<"half_to_even", 1>,
      I32EnumAttrCase<"half_away_from_zero", 2>,
      I32EnumAttrCase<"half_up", 3>,
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::mpq";
}

def MPQ_RoundingModeAttr
    : EnumAttr<MPQ_Dialect, MPQ_RoundingMode, "rounding"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // MPQ_DIALECT_MPQ_IR_MPQATTRS_TD
