//===- InitAll.cpp - Register everything mpq provides ---------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/InitAll.h"
#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Transforms/Passes.h"
#include "mpq/Transforms/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void mlir::mpq::registerAllDialects(DialectRegistry &registry) {
  registry.insert<MPQDialect, arith::ArithDialect, func::FuncDialect,
                  LLVM::LLVMDialect, memref::MemRefDialect, quant::QuantDialect,
                  scf::SCFDialect, tensor::TensorDialect>();
}

void mlir::mpq::registerAllPasses() {
  registerMPQPasses();
  registerMPQPipelines();
  // Upstream passes mpq's pipelines use.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerInlinerPass();
}
