//===- Passes.h - mpq passes ------------------------------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_PASSES_H
#define MPQ_TRANSFORMS_PASSES_H

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mpq {

#define GEN_PASS_DECL
#include "mpq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mpq/Transforms/Passes.h.inc"

} // namespace mlir::mpq

#endif // MPQ_TRANSFORMS_PASSES_H
