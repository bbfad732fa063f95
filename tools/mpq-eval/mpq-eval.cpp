//===- mpq-eval.cpp - Run mpq IR on .npy inputs ---------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The reference evaluator as a tool: runs the float, fake-quant or integer
// graph of an .mlir file on .npy inputs and writes .npy outputs (float32 for
// float tensors, int32 codes for integer tensors), optionally every op's
// result, optionally printed for tests. An input with N samples stacked along
// a first dimension that the argument has as 1 runs N times; outputs are
// stacked the same way.
//
//   mpq-eval model.mlir --input x.npy -o y.npy
//   mpq-eval model.mlir --input x.npy --output-dir out/ --dump-dir layers/
//   mpq-eval fake-quant.mlir --input x.npy --compare-layers [--report r.json]
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Eval/Evaluator.h"
#include "mpq/Eval/LayerFidelity.h"
#include "mpq/InitAll.h"
#include "mpq/Support/Npy.h"
#include "mpq/Support/Version.h"
#include "mpq/Transforms/LowerFakeQuant.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
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
static cl::opt<bool> compareLayersMode(
    "compare-layers",
    cl::desc("lower a copy of the fake-quant model as --mpq-lower-fake-quant "
             "does and compare, per layer, the output codes of each integer "
             "layer with those of its fake-quant layer on the same integer "
             "input; print a table"));
static cl::opt<std::string>
    reportFile("report",
               cl::desc("with --compare-layers, also write the figures as "
                        "JSON"),
               cl::value_desc("file"));

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

static llvm::json::Value toJson(const LayerFidelity &layer) {
  return llvm::json::Object{{"name", layer.name},
                            {"kind", layer.kind},
                            {"bits", static_cast<int64_t>(layer.bits)},
                            {"signed", layer.isSigned},
                            {"codes", layer.codes},
                            {"identical", layer.identical},
                            {"higher", layer.higher},
                            {"lower", layer.lower},
                            {"max_difference", layer.maxDifference},
                            {"expected_bias_flips", layer.expectedBiasFlips},
                            {"expected_flips", layer.expectedFlips},
                            {"distinct_codes", layer.distinctCodes},
                            {"min_code", layer.minCode},
                            {"max_code", layer.maxCode}};
}

/// --compare-layers: lowers a copy of `func` in memory, pairing the values of
/// the two graphs through the lowering, and compares them layer by layer.
static int compareLayersOf(func::FuncOp func, ArrayRef<EvalTensor> inputs) {
  if (!outputFile.empty() || !outputDir.empty() || !dumpDir.empty() ||
      printOutputs)
    return fail("--compare-layers writes a table (and --report), not "
                "outputs: drop -o, --output-dir, --dump-dir and --print");
  IRMapping mapping;
  OwningOpRef<Operation *> copy = func->clone(mapping);
  auto integerFunc = cast<func::FuncOp>(*copy);
  llvm::DenseMap<Value, Value> original;
  for (auto [from, to] : mapping.getValueMap())
    original[to] = from;
  std::vector<LoweredValue> lowered;
  if (failed(lowerFakeQuant(integerFunc, [&](Value floatValue, Value integer) {
        lowered.push_back({original.lookup(floatValue), integer});
      })))
    return 1;
  FailureOr<std::vector<LayerFidelity>> layers =
      compareLayers(func, integerFunc, lowered, inputs);
  if (failed(layers))
    return 1;

  // "B-pred": the share of codes the rounding of the ICN bias alone is
  // expected to flip (see LayerFidelity::expectedBiasFlips); "E[flips]": the
  // number of codes expected to differ from how far apart the two layers are
  // before rounding (LayerFidelity::expectedFlips).
  llvm::raw_ostream &os = llvm::outs();
  os << llvm::format("%-28s %-16s %4s %10s %9s %5s %8s %8s %8s %8s %9s\n",
                     "layer", "kind", "bits", "codes", "identical", "max",
                     "int>fq", "int<fq", "B-pred", "distinct", "E[flips]");
  llvm::json::Array json;
  for (const LayerFidelity &layer : *layers) {
    std::string bits =
        (layer.isSigned ? "i" : "u") + std::to_string(layer.bits);
    auto share = [&](double count) {
      return layer.codes ? 100.0 * count / layer.codes : 0.0;
    };
    os << llvm::format(
        "%-28s %-16s %4s %10lld %8.3f%% %5lld %8lld %8lld %7.3f%% %8lld "
        "%9.3g\n",
        layer.name.c_str(), layer.kind.c_str(), bits.c_str(),
        static_cast<long long>(layer.codes), share(layer.identical),
        static_cast<long long>(layer.maxDifference),
        static_cast<long long>(layer.higher),
        static_cast<long long>(layer.lower), share(layer.expectedBiasFlips),
        static_cast<long long>(layer.distinctCodes), layer.expectedFlips);
    json.push_back(toJson(layer));
  }
  if (!reportFile.empty()) {
    std::string text;
    llvm::raw_string_ostream jsonOs(text);
    jsonOs << llvm::formatv("{0:2}", llvm::json::Value(std::move(json)))
           << "\n";
    if (failed(writeFile(reportFile, text)))
      return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerVersionPrinter();
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
  if (!funcName.empty()) {
    func = module->lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal())
      return fail(inputFile + ": no function named '" + funcName + "'");
  } else {
    FailureOr<func::FuncOp> model = getModelFunction(*module);
    if (failed(model))
      return fail(inputFile + ": choose the function to evaluate with --func");
    func = *model;
  }

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

  if (compareLayersMode)
    return compareLayersOf(func, tensors);
  if (!reportFile.empty())
    return fail("--report needs --compare-layers");

  EvalOptions options;
  options.recordIntermediates = !dumpDir.empty();
  options.outputCodes = outputCodes;
  FailureOr<EvalResult> result = evaluateBatch(func, tensors, options);
  if (failed(result))
    return 1;

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
