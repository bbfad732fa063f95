//===- ToolDefaults.h - Defaults the mpq tools share ------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_TOOLDEFAULTS_H
#define MPQ_SUPPORT_TOOLDEFAULTS_H

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::mpq {

/// An error prints its message and location, not the IR of the op it is
/// attached to (for a pass on the module: the whole module, 33 KB on
/// MobileNetV1). Compiler developers opt in with
/// --mlir-print-op-on-diagnostic. Call at the start of main, before the
/// command line is parsed (mpq-opt, mpq-translate; mpqc and the C API set
/// their contexts directly).
inline void printNoOpOnDiagnosticByDefault() {
  registerMLIRContextCLOptions();
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("mlir-print-op-on-diagnostic");
  if (it != options.end())
    static_cast<llvm::cl::opt<bool> *>(it->second)->setInitialValue(false);
}

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_TOOLDEFAULTS_H
