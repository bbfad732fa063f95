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

//===----------------------------------------------------------------------===//
// Arena placement
//===----------------------------------------------------------------------===//
//
// Typed access to the placement annotations --mpq-plan-buffers writes and code
// generation reads (mpq/Analysis/ArenaBuffers.h, "Annotations"). The dialect
// declares them (MPQDialect.td, discardableAttrs: the one place that spells
// their names) and verifies their types; nothing else reads or writes them by
// name. Getters return std::nullopt when the annotation is absent.

/// `mpq.offset`: the byte offset of `op`'s single result from the arena base.
std::optional<int64_t> getArenaOffset(Operation *op);
void setArenaOffset(Operation *op, int64_t offset);

/// `mpq.offsets`: one offset per result of a multi-result op, -1 for results
/// not in the arena.
std::optional<ArrayRef<int64_t>> getArenaOffsets(Operation *op);
void setArenaOffsets(Operation *op, ArrayRef<int64_t> offsets);

/// `mpq.scratch_offset` and `mpq.scratch_size`: the scratch buffer a step's
/// kernel uses during its step.
std::optional<int64_t> getScratchOffset(Operation *op);
std::optional<int64_t> getScratchSize(Operation *op);
void setScratch(Operation *op, int64_t offset, int64_t size);

/// `mpq.arena_size` and `mpq.arena_align` of a model function (also of the
/// llvm.func it lowers to): the arena's bytes and the alignment of its base.
std::optional<int64_t> getArenaSize(Operation *func);
void setArenaSize(Operation *func, int64_t size);
std::optional<int64_t> getArenaAlign(Operation *func);
void setArenaAlign(Operation *func, int64_t align);

/// `mpq.rows_descending` on a step op (conv, pooling) that runs in place
/// with its output above its input: its kernel writes the output rows from
/// the last to the first (mpq/Analysis/BufferPlanner.h, inPlaceShiftUp).
bool getRowsDescending(Operation *op);
void setRowsDescending(Operation *op, bool descending);

/// `mpq.narrow_kernels` on a model function: the precision assignment found
/// that the DSP kernels' scratch (kernelScratchBytes) would not fit the RAM
/// budget beside the widths it chose, so no step gets any and the kernels
/// read their codes as they are. The scratch never costs activation bits.
bool getNarrowKernels(Operation *func);
void setNarrowKernels(Operation *func, bool narrow);

/// `mpq.row_group` on a qconv2d, qadd or pooling: the id of the row group
/// (ops run row by row with line buffers, mpq/Analysis/RowGroups.h) the op
/// belongs to.
std::optional<int64_t> getRowGroup(Operation *op);
void setRowGroup(Operation *op, std::optional<int64_t> group);

/// Removes the per-op annotations (offsets, scratch, row order) from `op`,
/// so that a new plan replaces an old one.
void removeArenaPlacement(Operation *op);

//===----------------------------------------------------------------------===//
// Traits
//===----------------------------------------------------------------------===//

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
