//===- MPQInterfaces.h - What an mpq op is ----------------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The C++ side of MPQInterfaces.td: the op interfaces it generates and the
// trait classes behind its NativeOpTraits. The traits carry no code; their
// verifiers only check, when an op class is instantiated, that a narrower
// trait comes with the wider ones it implies, so that a pass asking for the
// wide one never misses an op that has the narrow one.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQINTERFACES_H
#define MPQ_DIALECT_MPQ_IR_MPQINTERFACES_H

#include "mpq/Support/IntegerSemantics.h"

#include "mlir/IR/OpDefinition.h"

#include "mpq/Dialect/MPQ/IR/MPQInterfaces.h.inc"

namespace mlir::mpq {

/// Declares the trait class `Name`, whose ops must also carry `Implied`
/// (or nothing if `Implied` is `Name` itself).
#define MPQ_DECLARE_TRAIT(Name, Implied)                                       \
  template <typename ConcreteType>                                             \
  class Name : public OpTrait::TraitBase<ConcreteType, Name> {                 \
  public:                                                                      \
    static LogicalResult verifyTrait(Operation *) {                            \
      static_assert(ConcreteType::template hasTrait<Implied>(),                \
                    #Name " implies " #Implied);                               \
      return success();                                                        \
    }                                                                          \
  };

MPQ_DECLARE_TRAIT(KeepsInputGrid, KeepsInputGrid)
MPQ_DECLARE_TRAIT(ElementTypeAgnostic, KeepsInputGrid)
MPQ_DECLARE_TRAIT(CopiesElements, ElementTypeAgnostic)
MPQ_DECLARE_TRAIT(PermutesElements, CopiesElements)
MPQ_DECLARE_TRAIT(ClampActivation, ClampActivation)
MPQ_DECLARE_TRAIT(IntegerLevel, IntegerLevel)
MPQ_DECLARE_TRAIT(ModelBoundary, IntegerLevel)

#undef MPQ_DECLARE_TRAIT

} // namespace mlir::mpq

#endif // MPQ_DIALECT_MPQ_IR_MPQINTERFACES_H
