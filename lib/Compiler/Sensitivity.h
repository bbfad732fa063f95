//===- Sensitivity.h - Measuring the search's sensitivity table -*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_LIB_COMPILER_SENSITIVITY_H
#define MPQ_LIB_COMPILER_SENSITIVITY_H

#include "mpq/Transforms/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace mlir::mpq {

/// strategy=search's sensitivity table of the float model `imported`,
/// measured on the calibration inputs of `options` (the file form of
/// mpq/Report/PrecisionReport.h, for PrecisionOutcome::sensitivity): for
/// every width the search may choose and every candidate b, the model is
/// run with that one tensor fake-quantized at b bits (the grid calibration
/// gives it, from the ranges observed once) and every other free width left
/// in float; the cost is the output's squared error against the float
/// model's, over the float output's energy (summed over outputs and
/// samples), made non-decreasing as the width shrinks (a dip is noise).
/// Under scheme=pc-icn each free weight tensor is also measured per layer
/// (one grid, its batch norm folded: SensitivityTable::weightPerLayer).
/// Widths fixed by pins, by the model or as the image and logits
/// stay quantized at their width in every run. Emits an error and fails if
/// the model cannot be run.
FailureOr<llvm::json::Value>
measureSensitivity(ModuleOp imported, const IntegerPipelineOptions &options);

} // namespace mlir::mpq

#endif // MPQ_LIB_COMPILER_SENSITIVITY_H
