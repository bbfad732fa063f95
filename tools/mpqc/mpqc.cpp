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

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required);
static cl::opt<std::string> outDir("o", cl::desc("output directory"),
                                   cl::value_desc("dir"), cl::Required);
static cl::opt<CodegenTarget>
    target("target", cl::desc("cortex-m7 (STM32H7, default) or x86_64"),
           cl::init(CodegenTarget::CortexM7));
static cl::opt<ByteSize> flash("flash",
                               cl::desc("flash budget (bytes, kB, KiB, MB, "
                                        "MiB); default: the STM32H743's 2 MiB"),
                               cl::init(ByteSize(2 * 1024 * 1024)));
static cl::opt<ByteSize> ram("ram",
                             cl::desc("RAM budget for the arena; default: the "
                                      "STM32H743's 512 KiB AXI SRAM"),
                             cl::init(ByteSize(512 * 1024)));
static cl::opt<ByteSize> weightBudget(
    "weight-budget",
    cl::desc("flash for weights and per-channel parameters during precision "
             "assignment (default: the flash budget, less the code if the "
             "total misses it); the total is still checked against --flash"));
static cl::opt<QuantScheme> scheme("scheme",
                                   cl::desc("pc-icn (default), pl-icn, pl-fb"),
                                   cl::init(QuantScheme::PC_ICN));
static cl::list<std::string>
    calibration("calibration", cl::CommaSeparated,
                cl::desc("calibration inputs (.npy, one input or a batch); "
                         "default: deterministic synthetic inputs"));
static cl::opt<unsigned>
    synthetic("synthetic",
              cl::desc("synthetic calibration inputs when none are given"),
              cl::init(4));
static cl::list<EmitKind> emitKinds(
    "emit", cl::CommaSeparated,
    cl::desc("what to write: obj, header, report, svg (the arena "
             "plan), mlir, llvm-ir (default: obj,header,report,svg)"));
static cl::opt<std::string>
    nameOpt("name", cl::desc("model name, the prefix of every symbol "
                             "(default: the file name)"));
static cl::list<std::string> pins("pins", cl::CommaSeparated,
                                  cl::desc("layer:wbits:abits,... held fixed"));
static cl::opt<InputLayout> inputLayout(
    "input-layout",
    cl::desc("layout of 4-D inputs (and of their calibration data): model "
             "(default, the ONNX graph's NCHW) or nhwc (channels last, no "
             "input transpose: one image buffer less in the arena)"),
    cl::init(InputLayout::Model));
static cl::opt<OptimizeMode> optimize(
    "optimize",
    cl::desc("code for: speed, size, or auto (default: speed, and size if "
             "the faster code would not fit the flash with the weights)"),
    cl::init(OptimizeMode::Auto));
static cl::opt<bool> quiet("quiet", cl::desc("no summary"));

static int fail(const Twine &message) {
  llvm::errs() << "mpqc: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerVersionPrinter();
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
  options.weightBudgetBytes = weightBudget.getValue().bytes;
  options.scheme = scheme;
  options.calibrationFiles.assign(calibration.begin(), calibration.end());
  options.syntheticInputs = synthetic;
  options.inputLayout = inputLayout;
  options.optimize = optimize;
  options.name = nameOpt;
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
  if (auto ec = llvm::sys::fs::create_directories(outDir))
    return fail(outDir + ": " + ec.message());
  std::vector<std::pair<llvm::sys::fs::TempFile, std::string>> staged;
  auto discardAll = [&](const Twine &message) {
    for (auto &[file, path] : staged)
      llvm::consumeError(file.discard());
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
