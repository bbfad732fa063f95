//===- mpqc.cpp - The mpq compiler driver ---------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
//   mpqc MODEL.onnx -o OUTDIR [--target=cortex-m7|...|x86_64] [--flash=2MiB]
//        [--ram=512KiB] [--scheme=pc-icn] [--calibration=a.npy,...]
//        [--emit=obj,header,report,svg,mlir,llvm-ir] [--name=NAME]
//        [--input-shape=NAME:1x49x10x1,...] ...
//
// Options in, mlir::mpq::compileOnnxFile (mpq/Compiler/Compiler.h), files
// and a summary out. On any error OUTDIR receives nothing.
//
//===----------------------------------------------------------------------===//

#include "mpq/Compiler/Compiler.h"
#include "mpq/Report/ModelReport.h"
#include "mpq/Support/Version.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::mpq;
namespace cl = llvm::cl;

// Options by group; `--help` shows these (and --help, --version) only. The
// defaults are the library's.
static const CompileOptions defaults;
static cl::OptionCategory modelCat("Model"), budgetCat("Budgets"),
    precisionCat("Precision"), targetCat("Target"), outputCat("Outputs");
static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(modelCat));
static cl::opt<InputLayout> inputLayout(
    "input-layout", cl::init(defaults.inputLayout), cl::cat(modelCat),
    cl::desc("4-D inputs (and calibration data) as the ONNX graph has them "
             "(model, default) or channels last (nhwc: no input transpose)"));
static cl::list<std::string> inputShapes(
    "input-shape", cl::CommaSeparated, cl::cat(modelCat),
    cl::value_desc("name:1x49x10x1"),
    cl::desc("an input's shape, binding its symbolic dimensions (repeatable, "
             "or comma-separated)"));
static cl::opt<ByteSize> maxTensor(
    "max-tensor-size", cl::init(ByteSize(defaults.maxTensorBytes)),
    cl::cat(modelCat),
    cl::desc("the largest tensor a model may hold, as float32 (default: 4 "
             "GiB)"));
static cl::opt<ByteSize> maxConstants(
    "max-constant-size", cl::init(ByteSize(defaults.maxConstantBytes)),
    cl::cat(modelCat),
    cl::desc("all of a model's constants together, as float32 (default: 4 "
             "GiB)"));
static cl::opt<ByteSize> flash(
    "flash", cl::init(ByteSize(defaults.flashBytes)), cl::cat(budgetCat),
    cl::desc("weights + parameters + code (B, kB, KiB, MB, MiB; default: the "
             "STM32H743's 2 MiB)"));
static cl::opt<ByteSize>
    ram("ram", cl::init(ByteSize(defaults.ramBytes)), cl::cat(budgetCat),
        cl::desc("the arena + the generated code's stack (default: the "
                 "STM32H743's 512 KiB AXI SRAM)"));
static cl::opt<ByteSize> reserveFlash(
    "reserve-flash", cl::init(ByteSize(0)), cl::cat(budgetCat),
    cl::desc("flash kept for the application, counted in the fit (default: "
             "0)"));
static cl::opt<ByteSize> reserveRam(
    "reserve-ram", cl::init(ByteSize(0)), cl::cat(budgetCat),
    cl::desc("RAM kept for the application's stack, heap and data (default: "
             "0)"));
static cl::opt<bool> inPlace(
    "in-place", cl::init(defaults.inPlace), cl::cat(budgetCat),
    cl::desc("let a layer write its output over an input that dies there "
             "(default: true; --in-place=false gives every output its own "
             "bytes)"));
static cl::opt<bool> fuseRows(
    "fuse-rows", cl::init(defaults.fuseRows), cl::cat(budgetCat),
    cl::desc("run groups of layers (chains of convolutions, residual and "
             "downsampling blocks) row by row, their intermediate "
             "tensors in line buffers of a few rows, where that lowers the "
             "arena (default: false)"));
static cl::opt<ByteSize> weightBudget(
    "weight-budget", cl::cat(budgetCat),
    cl::desc("weights + parameters during precision assignment (default: "
             "--flash, less the code if the total misses it)"));
static cl::opt<QuantScheme> scheme("scheme", cl::init(defaults.scheme),
                                   cl::cat(precisionCat),
                                   cl::desc("pc-icn (default), pl-icn, pl-fb"));
static cl::opt<PrecisionStrategyKind>
    strategy("strategy", cl::init(defaults.strategy), cl::cat(precisionCat),
             cl::desc("rule (docs/paper.md §4, default) or search (the widths "
                      "of least total sensitivity that fit both budgets)"));
static cl::opt<ActivationRounding> activationRounding(
    "activation-rounding", cl::init(defaults.activationRounding),
    cl::cat(precisionCat),
    cl::desc("how the activations mpqc quantizes round: nearest (default, "
             "post-training quantization) or floor (PACT, for a model trained "
             "with it; a model's own fake-quants keep their rounding)"));
static cl::opt<std::string> sensitivity(
    "sensitivity", cl::cat(precisionCat), cl::value_desc("file.json"),
    cl::desc("--strategy=search: each layer's sensitivity per width "
             "({\"layers\": {\"<layer>\": {\"weights\": [8b, 4b, 2b], "
             "\"output\": [...]}}}); default: the size-blind proxy"));
static cl::list<std::string> pins("pins", cl::CommaSeparated,
                                  cl::cat(precisionCat),
                                  cl::desc("layer:wbits:abits,... held fixed"));
static cl::opt<RangeEstimatorKind> calibrationRange(
    "calibration-range", cl::init(defaults.calibrationRange),
    cl::cat(precisionCat),
    cl::desc("how calibration chooses each activation's range: minmax "
             "(default, the observed range), percentile (0.01 %/99.99 % "
             "quantiles), mse (the clip range of least quantization "
             "error at the activation's width) or auto (per activation, "
             "the one of those three that gives the model's output the "
             "least error on the calibration inputs: slower)"));
static cl::list<std::string> calibration(
    "calibration", cl::CommaSeparated, cl::cat(precisionCat),
    cl::desc("calibration inputs (.npy, one input or a batch; default: "
             "synthetic inputs)"));
static cl::list<std::string> validate(
    "validate", cl::CommaSeparated, cl::cat(precisionCat),
    cl::desc("inputs (.npy) to compare the compiled model with the float "
             "model on"));
static cl::opt<bool> validateObject(
    "validate-object", cl::cat(precisionCat),
    cl::desc("--validate through the compiled x86-64 object, run in process"));
static cl::opt<unsigned> synthetic(
    "synthetic", cl::init(defaults.syntheticInputs), cl::cat(precisionCat),
    cl::desc("synthetic calibration inputs, uniform in [0, 1) (default: 4)"));
static const std::string targetHelp =
    enumNames<CodegenTarget>() + " (default: " + enumName(defaults.target) +
    "; x86_64 is the host)";
static cl::opt<CodegenTarget> target("target", cl::init(defaults.target),
                                     cl::cat(targetCat), cl::value_desc("core"),
                                     cl::desc(targetHelp));
static cl::opt<FloatABI> floatAbi(
    "float-abi", cl::cat(targetCat),
    cl::desc("the float ABI the object declares, to link with firmware built "
             "the same way (default: hard with an FPU, soft without)"));
static cl::opt<OptimizeMode> optimize(
    "optimize", cl::init(defaults.optimize), cl::cat(targetCat),
    cl::desc("code for speed, size, or auto (default: speed, size if only "
             "that fits the flash with the weights)"));
static cl::opt<std::string> outDir("o", cl::desc("output directory"),
                                   cl::value_desc("dir"), cl::Required,
                                   cl::cat(outputCat));
static cl::list<EmitKind>
    emitKinds("emit", cl::CommaSeparated, cl::cat(outputCat),
              cl::desc("obj, header, report, svg, mlir, llvm-ir (default: "
                       "obj,header,report,svg)"));
static cl::opt<std::string> nameOpt(
    "name", cl::cat(outputCat),
    cl::desc("the prefix of every symbol (default: from the file name)"));
static cl::opt<bool> quiet("quiet", cl::cat(outputCat),
                           cl::desc("errors only: no summary, notes, "
                                    "warnings or progress"));
static cl::opt<bool>
    verbose("verbose", cl::cat(outputCat),
            cl::desc("progress lines even when stderr is not a terminal"));
static cl::opt<bool> layers("layers", cl::cat(outputCat),
                            cl::desc("print the per-layer table"));
static cl::opt<bool> timePhases("time-phases", cl::cat(outputCat),
                                cl::desc("a note with each phase's time"));

static int fail(const Twine &message) {
  llvm::errs() << "mpqc: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerVersionPrinter();
  cl::HideUnrelatedOptions(
      {&modelCat, &budgetCat, &precisionCat, &targetCat, &outputCat});
  cl::ParseCommandLineOptions(argc, argv,
                              "mpqc: compiles an ONNX CNN into mixed "
                              "2/4/8-bit integer code for a microcontroller\n");

  CompileOptions options;
  options.target = target;
  if (floatAbi.getNumOccurrences())
    options.floatAbi = floatAbi;
  if (!flash.getValue().bytes || !ram.getValue().bytes ||
      !reserveFlash.getValue().bytes || !reserveRam.getValue().bytes)
    return fail("--flash, --ram and the reserves need a size ('none' is for "
                "--weight-budget)");
  options.flashBytes = *flash.getValue().bytes;
  options.ramBytes = *ram.getValue().bytes;
  options.reserveFlashBytes = *reserveFlash.getValue().bytes;
  options.reserveRamBytes = *reserveRam.getValue().bytes;
  if (!maxTensor.getValue().bytes || !maxConstants.getValue().bytes)
    return fail("--max-tensor-size and --max-constant-size need a size");
  options.maxTensorBytes = *maxTensor.getValue().bytes;
  options.maxConstantBytes = *maxConstants.getValue().bytes;
  options.weightBudgetBytes = weightBudget.getValue().bytes;
  options.scheme = scheme;
  options.strategy = strategy;
  options.activationRounding = activationRounding;
  options.sensitivityFile = sensitivity;
  options.calibrationRange = calibrationRange;
  options.calibrationFiles.assign(calibration.begin(), calibration.end());
  options.syntheticInputs = synthetic;
  options.validationFiles.assign(validate.begin(), validate.end());
  options.validateObject = validateObject;
  options.inPlace = inPlace;
  options.fuseRows = fuseRows;
  options.inputLayout = inputLayout;
  options.optimize = optimize;
  options.name = nameOpt;
  options.timePhases = timePhases;
  if (!quiet && (verbose || llvm::errs().is_displayed()))
    options.onPhase = [](StringRef phase) {
      llvm::errs() << "mpqc: " << phase << "...\n";
    };
  if (!emitKinds.empty())
    options.emit.assign(emitKinds.begin(), emitKinds.end());
  for (const std::string &text : inputShapes) {
    std::string error;
    std::optional<InputShape> shape = parseInputShape(text, error);
    if (!shape)
      return fail("--input-shape: " + error);
    options.inputShapes.push_back(std::move(*shape));
  }
  for (const std::string &text : pins) {
    std::optional<LayerPin> pin = parseLayerPin(text);
    if (!pin)
      return fail("--pins=" + text +
                  " is not layer:wbits:abits (0 leaves a width free)");
    options.pins.push_back(*pin);
  }

  if (outDir.empty() ||
      (llvm::sys::fs::exists(outDir) && !llvm::sys::fs::is_directory(outDir)))
    return fail("-o '" + outDir + "' is not a directory");
  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false); // a user reads the message, not the IR
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler located(sourceMgr, &context);
  // What concerns no op (budgets, notes on retries) reads as mpqc's own.
  ScopedDiagnosticHandler own(&context, [&](Diagnostic &diag) {
    if (!isa<UnknownLoc>(diag.getLocation()))
      return failure();
    DiagnosticSeverity severity = diag.getSeverity();
    if (severity == DiagnosticSeverity::Error || !quiet)
      llvm::errs() << "mpqc: "
                   << (severity == DiagnosticSeverity::Remark  ? "note: "
                       : severity == DiagnosticSeverity::Error ? "error: "
                                                               : "warning: ")
                   << diag << "\n";
    return success();
  });
  CompileResult unfit;
  FailureOr<CompileResult> result =
      compileOnnxFile(context, modelPath, options, &unfit);
  if (failed(result)) {
    // A model that does not fit still gets its report.
    if (unfit.fits || !llvm::is_contained(options.emit, EmitKind::Report))
      return 1;
    auto written = writeCompileOutputs(
        outDir, unfit, compileOutputs(unfit, {EmitKind::Report}));
    if (!written)
      return fail(llvm::toString(written.takeError()));
    if (layers)
      llvm::outs() << unfit.layerTable;
    if (!quiet)
      llvm::errs() << "mpqc: note: the per-layer report of the last attempt "
                      "is "
                   << written->back() << "\n";
    return 1;
  }
  auto written = writeCompileOutputs(outDir, *result,
                                     compileOutputs(*result, options.emit));
  if (!written)
    return fail(llvm::toString(written.takeError()));
  if (layers)
    llvm::outs() << result->layerTable;

  if (quiet)
    return 0;
  llvm::outs() << "mpqc: " << result->name << " for " << target << "\n";
  for (const std::string &line : result->summary())
    if (!StringRef(line).starts_with("warning: ")) // on stderr already
      llvm::outs() << "  " << line << "\n";
  SmallVector<StringRef> names;
  for (const std::string &path : *written)
    names.push_back(
        StringRef(path).drop_front(llvm::sys::path::parent_path(path).size() +
                                   1 + result->name.size() + 1));
  if (result->validation) {
    llvm::outs() << "  validation on " << result->validation->samples
                 << " inputs, the compiled model (" << result->validation->ranOn
                 << ") against the float model:\n";
    if (result->validation->objectAgree)
      llvm::outs() << "    the object's output codes equal the evaluator's: "
                   << *result->validation->objectAgree << "/"
                   << result->validation->objectCodes << "\n";
    printValidation(llvm::outs(), *result->validation, "    ");
  }
  llvm::outs() << "  wrote " << outDir << "/" << result->name << ".{"
               << llvm::join(names, ",") << "}\n";
  return 0;
}
