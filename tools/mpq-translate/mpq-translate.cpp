//===- mpq-translate.cpp - Translations into and out of mpq IR ------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate for mpq: `--import-onnx` reads an ONNX model and writes mpq
// graph IR with every weight (text by default, bytecode with
// --emit-bytecode). The output file is kept only when the import succeeds.
//
//===----------------------------------------------------------------------===//

#include "mpq/Import/OnnxImporter.h"
#include "mpq/Support/ToolDefaults.h"
#include "mpq/Support/Version.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static llvm::cl::OptionCategory importCategory("ONNX import options");

static llvm::cl::opt<std::string>
    funcName("func-name",
             llvm::cl::desc("Name of the imported function (default: the "
                            "sanitized ONNX graph name)"),
             llvm::cl::init(""), llvm::cl::cat(importCategory));

static llvm::cl::opt<bool> noCanonicalize(
    "no-canonicalize",
    llvm::cl::desc("Skip the canonicalization after import (debugging: keeps "
                   "layout transposes and dead constants)"),
    llvm::cl::init(false), llvm::cl::cat(importCategory));

static llvm::cl::opt<mpq::InputLayout> inputLayout(
    "input-layout",
    llvm::cl::desc("Layout of rank-4 graph inputs: 'model' (as the ONNX "
                   "graph says, NCHW) or 'nhwc' (channels last; no input "
                   "transpose)"),
    llvm::cl::init(mpq::InputLayout::Model), llvm::cl::cat(importCategory));

static llvm::cl::list<std::string> inputShapes(
    "input-shape", llvm::cl::CommaSeparated,
    llvm::cl::value_desc("name:1x49x10x1"),
    llvm::cl::desc("Shape of a graph input, binding its symbolic dimensions "
                   "(repeatable, or comma-separated)"),
    llvm::cl::cat(importCategory));

static llvm::cl::opt<bool>
    emitBytecode("emit-bytecode",
                 llvm::cl::desc("Write MLIR bytecode instead of text"),
                 llvm::cl::init(false), llvm::cl::cat(importCategory));

static LogicalResult
importOnnx(const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
           llvm::raw_ostream &output, MLIRContext *context) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
  mpq::OnnxImportOptions options;
  options.funcName = funcName;
  options.nhwcInputs = inputLayout == mpq::InputLayout::NHWC;
  options.canonicalize = !noCanonicalize;
  for (const std::string &text : inputShapes) {
    std::string error;
    std::optional<mpq::InputShape> shape = mpq::parseInputShape(text, error);
    if (!shape)
      return emitError(FileLineColLoc::get(context,
                                           buffer->getBufferIdentifier(), 0, 0))
             << "--input-shape: " << error;
    options.inputShapes.push_back(std::move(*shape));
  }
  OwningOpRef<ModuleOp> module = mpq::importOnnxBuffer(
      buffer->getBuffer(), buffer->getBufferIdentifier(), context, options);
  if (!module)
    return failure();
  if (emitBytecode)
    return writeBytecodeToFile(*module, output);
  module->print(output, OpPrintingFlags());
  return success();
}

int main(int argc, char **argv) {
  mpq::registerVersionPrinter();
  mlir::mpq::printNoOpOnDiagnosticByDefault();
  TranslateRegistration importRegistration(
      "import-onnx", "Import an ONNX model into mpq graph IR", importOnnx);
  return failed(mlirTranslateMain(argc, argv, "mpq translation driver\n")) ? 1
                                                                           : 0;
}
