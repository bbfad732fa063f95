//===- compile.cpp - The compiler library from an installed mpq -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
//   mpq-consumer-compile MODEL.onnx OBJECT ARENA FLASH BITS
//
// Uses mpq's compiler from C++ through the installed mpq/Compiler/Compiler.h
// and MPQ::MPQCompiler alone: compiles MODEL for the Cortex-M7 under 64 kB of
// flash and 32 kB of RAM in its own MLIRContext, writes the object to OBJECT
// and checks the arena, the flash total and the bits against ARENA, FLASH
// and BITS, read by check-c.cmake from the installed mpqc's report.json on
// the same model and budgets. Exits 1 on any difference.
//
//===----------------------------------------------------------------------===//

#include "mpq/Compiler/Compiler.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char **argv) {
  if (argc != 6) {
    std::cerr << "usage: " << argv[0]
              << " MODEL.onnx OBJECT ARENA FLASH BITS\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  mlir::mpq::registerCompilerDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::mpq::CompileOptions options;
  options.target = mlir::mpq::CodegenTarget::CortexM7;
  options.flashBytes = 64000;
  options.ramBytes = 32000;
  mlir::FailureOr<mlir::mpq::CompileResult> result =
      mlir::mpq::compileOnnxFile(context, argv[1], options);
  if (mlir::failed(result)) {
    std::cerr << "error: the compile failed\n";
    return 1;
  }
  std::cout << "C++ API: arena " << result->arenaBytes << " flash "
            << result->flashBytes << " bits " << result->bits << ", "
            << result->layers.size() << " layers\n";
  if (result->arenaBytes != std::atoll(argv[3]) ||
      result->flashBytes != std::atoll(argv[4]) || result->bits != argv[5] ||
      result->layers.empty() || result->header.empty()) {
    std::cerr << "error: expected arena " << argv[3] << " flash " << argv[4]
              << " bits " << argv[5] << "\n";
    return 1;
  }
  std::ofstream(argv[2], std::ios::binary) << result->object;
  std::cout << "as mpqc\n";
  return 0;
}
