//===- mpq-eval.cpp - Run mpq IR on .npy inputs ---------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The reference evaluator as a tool: runs the float, fake-quant or integer
// graph of an .mlir file on .npy inputs and writes .npy outputs (float32 for
// float tensors, int32 codes for integer tensors), optionally every op's
// result, optionally printed for tests.
//
//   mpq-eval model.mlir --input x.npy -o y.npy
//   mpq-eval model.mlir --input x.npy --output-dir out/ --dump-dir layers/
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Eval/Evaluator.h"
#include "mpq/InitAll.h"
#include "mpq/Support/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::mpq;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required);
static cl::list<std::string>
    inputs("input", cl::desc("an .npy input, one per argument"));
static cl::opt<std::string>
    outputFile("o", cl::desc("the .npy output (single-output functions)"),
               cl::value_desc("file"));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("write output_<i>.npy files here"),
              cl::value_desc("dir"));
static cl::opt<std::string>
    dumpDir("dump-dir",
            cl::desc("also write every op's result, <index>_<name>.npy"),
            cl::value_desc("dir"));
static cl::opt<std::string>
    funcName("func", cl::desc("the function to run (default: the only one)"));
static cl::opt<bool> printOutputs("print",
                                  cl::desc("print the outputs as text"));
static cl::opt<bool> outputCodes(
    "output-codes",
    cl::desc("for outputs that are dequantized codes, write the integer codes "
             "(what compiled code returns) instead of the floats"));

static int fail(const Twine &message) {
  llvm::errs() << "mpq-eval: " << message << "\n";
  return 1;
}

/// Writes `bytes` to `path` atomically: a failed run leaves no partial file.
static LogicalResult writeFile(StringRef path, const std::string &bytes) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file) {
    llvm::errs() << "mpq-eval: " << error << "\n";
    return failure();
  }
  file->os() << bytes;
  file->keep();
  return success();
}

static NpyArray toNpy(const EvalTensor &tensor) {
  NpyArray array;
  array.shape = tensor.shape;
  array.dtype = tensor.isInteger ? "<i4" : "<f4";
  array.ints = tensor.ints;
  array.reals = tensor.reals;
  return array;
}

static void print(llvm::raw_ostream &os, unsigned index,
                  const EvalTensor &tensor) {
  os << "output #" << index << " shape [";
  llvm::interleaveComma(tensor.shape, os);
  os << "]:";
  if (tensor.isInteger)
    for (int64_t v : tensor.ints)
      os << " " << v;
  else
    for (double v : tensor.reals)
      os << " " << llvm::format("%.9g", v);
  os << "\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "mpq reference evaluator: runs mpq IR on .npy "
                              "inputs\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFile, sourceMgr, &context);
  if (!module)
    return 1;

  func::FuncOp func;
  SmallVector<StringRef> candidates;
  for (auto f : module->getOps<func::FuncOp>()) {
    if (f.isExternal())
      continue;
    candidates.push_back(f.getSymName());
    if (funcName.empty() || f.getSymName() == funcName)
      func = f;
  }
  if (!funcName.empty() && !func)
    return fail(inputFile + ": no function named '" + funcName + "'");
  if (funcName.empty() && candidates.size() != 1)
    return fail(inputFile + ": expected one function with a body, found " +
                Twine(candidates.size()) + " (choose one with --func)");

  if (inputs.size() != func.getNumArguments())
    return fail("@" + func.getSymName() + " takes " +
                Twine(func.getNumArguments()) + " inputs, got " +
                Twine(inputs.size()) + " --input files");
  std::vector<EvalTensor> tensors;
  for (auto [i, path] : llvm::enumerate(inputs)) {
    NpyArray array;
    std::string error;
    if (!readNpy(path, array, error))
      return fail(error);
    Type element = getElementTypeOrSelf(func.getArgument(i).getType());
    EvalTensor tensor;
    tensor.shape = array.shape;
    if (isa<FloatType>(element)) {
      if (array.isFloat())
        tensor.reals = array.reals;
      else
        tensor.reals.assign(array.ints.begin(), array.ints.end());
    } else {
      if (array.isFloat())
        return fail(path + ": holds floats, but input #" + Twine(i) +
                    " takes integer codes");
      tensor.isInteger = true;
      tensor.ints = array.ints;
    }
    tensors.push_back(std::move(tensor));
  }

  EvalOptions options;
  options.recordIntermediates = !dumpDir.empty();
  // The codes each returned mpq.dequantize reads, captured as it runs.
  llvm::DenseMap<Operation *, EvalTensor> codes;
  if (outputCodes)
    options.afterOp = [&](Operation *op, auto valueOf) {
      if (isa<DequantizeOp>(op))
        codes[op] = valueOf(op->getOperand(0));
    };
  FailureOr<EvalResult> result = evaluate(func, tensors, options);
  if (failed(result))
    return 1;
  if (outputCodes) {
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    for (auto [i, value] : llvm::enumerate(ret.getOperands()))
      if (auto it = codes.find(value.getDefiningOp()); it != codes.end())
        result->outputs[i] = it->second;
  }

  if (!outputFile.empty() && result->outputs.size() != 1)
    return fail("-o needs a single-output function; @" + func.getSymName() +
                " has " + Twine(result->outputs.size()) +
                " outputs (use --output-dir)");
  if (!outputFile.empty() &&
      failed(writeFile(outputFile, serializeNpy(toNpy(result->outputs[0])))))
    return 1;
  if (!outputDir.empty()) {
    if (auto ec = llvm::sys::fs::create_directories(outputDir))
      return fail(outputDir + ": " + ec.message());
    for (auto [i, tensor] : llvm::enumerate(result->outputs)) {
      SmallString<128> path(outputDir);
      llvm::sys::path::append(path, "output_" + std::to_string(i) + ".npy");
      if (failed(writeFile(path, serializeNpy(toNpy(tensor)))))
        return 1;
    }
  }
  if (!dumpDir.empty()) {
    if (auto ec = llvm::sys::fs::create_directories(dumpDir))
      return fail(dumpDir + ": " + ec.message());
    for (auto [i, entry] : llvm::enumerate(result->intermediates)) {
      std::string name = entry.first;
      for (char &c : name)
        if (!llvm::isAlnum(c) && c != '_' && c != '-' && c != '.')
          c = '_';
      SmallString<128> path(dumpDir);
      llvm::sys::path::append(path, std::to_string(i) + "_" + name + ".npy");
      if (failed(writeFile(path, serializeNpy(toNpy(entry.second)))))
        return 1;
    }
  }
  if (printOutputs)
    for (auto [i, tensor] : llvm::enumerate(result->outputs))
      print(llvm::outs(), i, tensor);
  return 0;
}
