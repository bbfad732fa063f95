//===- mpqc.cpp - The mpq compiler driver ---------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
//   mpqc MODEL.onnx -o OUTDIR [--target=cortex-m7|x86_64] [--flash=2MiB]
//        [--ram=512KiB] [--scheme=pc-icn] [--calibration=a.npy,...]
//        [--emit=obj,header,report,svg,mlir,llvm-ir] [--name=NAME] ...
//
// Options in, mlir::mpq::compileOnnxFile (mpq/Compiler/Compiler.h), files
// and a summary out. On any error OUTDIR receives nothing.
//
//===----------------------------------------------------------------------===//

#include "mpq/Compiler/Compiler.h"
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
        cl::desc("the arena (default: the STM32H743's 512 KiB AXI SRAM)"));
static cl::opt<ByteSize> weightBudget(
    "weight-budget", cl::cat(budgetCat),
    cl::desc("weights + parameters during precision assignment (default: "
             "--flash, less the code if the total misses it)"));
static cl::opt<QuantScheme> scheme("scheme", cl::init(defaults.scheme),
                                   cl::cat(precisionCat),
                                   cl::desc("pc-icn (default), pl-icn, pl-fb"));
static cl::list<std::string> pins("pins", cl::CommaSeparated,
                                  cl::cat(precisionCat),
                                  cl::desc("layer:wbits:abits,... held fixed"));
static cl::list<std::string> calibration(
    "calibration", cl::CommaSeparated, cl::cat(precisionCat),
    cl::desc("calibration inputs (.npy, one input or a batch; default: "
             "synthetic inputs)"));
static cl::opt<unsigned> synthetic(
    "synthetic", cl::init(defaults.syntheticInputs), cl::cat(precisionCat),
    cl::desc("synthetic calibration inputs, uniform in [0, 1) (default: 4)"));
static cl::opt<CodegenTarget> target("target", cl::init(defaults.target),
                                     cl::cat(targetCat),
                                     cl::desc("cortex-m7 (default) or x86_64"));
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
                           cl::desc("no summary, no notes"));
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
  if (!flash.getValue().bytes || !ram.getValue().bytes)
    return fail(
        "--flash and --ram need a size ('none' is for --weight-budget)");
  options.flashBytes = *flash.getValue().bytes;
  options.ramBytes = *ram.getValue().bytes;
  if (!maxTensor.getValue().bytes || !maxConstants.getValue().bytes)
    return fail("--max-tensor-size and --max-constant-size need a size");
  options.maxTensorBytes = *maxTensor.getValue().bytes;
  options.maxConstantBytes = *maxConstants.getValue().bytes;
  options.weightBudgetBytes = weightBudget.getValue().bytes;
  options.scheme = scheme;
  options.calibrationFiles.assign(calibration.begin(), calibration.end());
  options.syntheticInputs = synthetic;
  options.inputLayout = inputLayout;
  options.optimize = optimize;
  options.name = nameOpt;
  options.timePhases = timePhases;
  if (!emitKinds.empty())
    options.emit.assign(emitKinds.begin(), emitKinds.end());
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
    if (severity != DiagnosticSeverity::Remark || !quiet)
      llvm::errs() << "mpqc: "
                   << (severity == DiagnosticSeverity::Remark  ? "note: "
                       : severity == DiagnosticSeverity::Error ? "error: "
                                                               : "warning: ")
                   << diag << "\n";
    return success();
  });
  FailureOr<CompileResult> result =
      compileOnnxFile(context, modelPath, options);
  if (failed(result))
    return 1;

  // Stage every file beside its final name, then rename them all: a write
  // that fails leaves OUTDIR's files as they were.
  bool createdOutDir = !llvm::sys::fs::exists(outDir);
  if (auto ec = llvm::sys::fs::create_directories(outDir))
    return fail(outDir + ": " + ec.message());
  std::vector<std::pair<llvm::sys::fs::TempFile, std::string>> staged;
  auto discardAll = [&](const Twine &message) {
    for (auto &[file, path] : staged)
      llvm::consumeError(file.discard());
    if (createdOutDir) // as it was: absent
      llvm::sys::fs::remove(outDir);
    return fail(message);
  };
  for (const CompileOutput &output : compileOutputs(*result, options.emit)) {
    SmallString<128> path(outDir);
    llvm::sys::path::append(path, result->name + output.suffix);
    if (llvm::sys::fs::is_directory(path))
      return discardAll(path + ": is a directory");
    auto file = llvm::sys::fs::TempFile::create(path + ".tmp%%%%%%");
    if (!file)
      return discardAll(path + ": " + llvm::toString(file.takeError()));
    llvm::raw_fd_ostream os(file->FD, /*shouldClose=*/false);
    os << output.bytes;
    os.flush();
    staged.emplace_back(std::move(*file), path.str().str());
    if (os.has_error())
      return discardAll(path + ": " + os.error().message());
  }
  for (auto &[file, path] : staged)
    if (llvm::Error error = file.keep(path))
      return discardAll(path + ": " + llvm::toString(std::move(error)));

  if (quiet)
    return 0;
  llvm::outs() << "mpqc: " << result->name << " for " << target << "\n";
  for (const std::string &line : result->summary())
    llvm::outs() << "  " << line << "\n";
  llvm::outs() << "  budgets: flash " << options.flashBytes << " B, RAM "
               << options.ramBytes << " B\n";
  SmallVector<std::string> written;
  if (emitKinds.empty())
    written = {"o", "h", "report.json", "plan.svg"};
  for (EmitKind kind : emitKinds)
    written.push_back(enumName(kind));
  llvm::outs() << "  wrote " << outDir << "/" << result->name << ".{"
               << llvm::join(written, ",") << "}\n";
  return 0;
}
