//===- mpq-compile-fuzzer.cpp - libFuzzer target: the whole flow ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Bytes -> compileOnnxBuffer for x86-64 (import, precision assignment,
// calibration on one synthetic input, lowering, planning, code generation,
// the object in memory; nothing is written). Any input must compile or give
// an error message. Tensors are limited to 64 KiB (16384 floats) so that one
// input runs in well under a second.
//
//===----------------------------------------------------------------------===//

#include "FuzzerSupport.h"

#include "mpq/Compiler/Compiler.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mpq_fuzz::FuzzContext fuzz(mlir::mpq::registerCompilerDialects,
                                    /*renewEvery=*/64);
  mlir::MLIRContext &context = fuzz.next();
  mlir::mpq::CompileOptions options;
  options.target = mlir::mpq::CodegenTarget::X86_64;
  options.syntheticInputs = 1;
  options.name = "fuzz";
  options.maxTensorBytes = 64 << 10;
  options.maxConstantBytes = 256 << 10;
  mlir::FailureOr<mlir::mpq::CompileResult> result =
      mlir::mpq::compileOnnxBuffer(
          context, llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.onnx", options);
  fuzz.requireErrorOnFailure(failed(result), "the compilation");
  return 0;
}
