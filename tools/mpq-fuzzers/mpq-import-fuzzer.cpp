//===- mpq-import-fuzzer.cpp - libFuzzer target: the ONNX importer --------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Bytes -> ONNX import (with canonicalization) -> verifier. Any input must
// give either a module that verifies or an error message; never a crash, a
// sanitizer report, or a failure without a message. Tensors are limited to
// 4 MiB here (the tools' default is 4 GiB) so that an input cannot exhaust
// libFuzzer's memory limit legitimately.
//
//===----------------------------------------------------------------------===//

#include "FuzzerSupport.h"

#include "mpq/Import/OnnxImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mpq_fuzz::FuzzContext fuzz(mlir::mpq::registerOnnxImportDialects);
  mlir::MLIRContext &context = fuzz.next();
  mlir::mpq::OnnxImportOptions options;
  options.maxTensorBytes = 4 << 20;
  options.maxConstantBytes = 16 << 20;
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::mpq::importOnnxBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      &context, options);
  fuzz.requireErrorOnFailure(!module, "the import");
  if (module && failed(mlir::verify(*module))) {
    llvm::errs() << "the import produced a module that does not verify\n";
    std::abort();
  }
  return 0;
}
