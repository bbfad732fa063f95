//===- mpqc.cpp - The mpq compiler driver ---------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
//   mpqc MODEL.onnx -o OUTDIR [--target=cortex-m7|x86_64] [--flash=2MiB]
//        [--ram=512KiB] [--scheme=pc-icn] [--calibration=a.npy,...]
//        [--emit=obj,header,report,mlir,llvm-ir] [--name=NAME]
//
// Import, precision assignment, calibration (for models without fake-quant),
// lowering to integer ops with ICN, code generation; writes NAME.o, NAME.h
// and NAME.report.json and prints a summary. If code pushes the flash total
// over the budget, precision is assigned again for the budget less the code,
// reusing the ranges calibration observed. Every output is built in memory
// first: on any error OUTDIR receives nothing.
//
//===----------------------------------------------------------------------===//

#include "mpq/Codegen/Codegen.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Import/OnnxImporter.h"
#include "mpq/InitAll.h"
#include "mpq/Support/ByteSize.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/LEB128.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::mpq;
namespace cl = llvm::cl;

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required);
static cl::opt<std::string> outDir("o", cl::desc("output directory"),
                                   cl::value_desc("dir"), cl::Required);
static cl::opt<std::string>
    targetName("target", cl::desc("cortex-m7 (STM32H7, default) or x86_64"),
               cl::init("cortex-m7"));
static cl::opt<std::string>
    flashOpt("flash",
             cl::desc("flash budget (bytes, kB, KiB, MB, MiB); "
                      "default: the STM32H743's 2 MiB"),
             cl::init("2MiB"));
static cl::opt<std::string>
    ramOpt("ram",
           cl::desc("RAM budget for the arena; default: the "
                    "STM32H743's 512 KiB AXI SRAM"),
           cl::init("512KiB"));
static cl::opt<std::string> scheme("scheme",
                                   cl::desc("pc-icn (default), pl-icn, pl-fb"),
                                   cl::init("pc-icn"));
static cl::list<std::string>
    calibration("calibration", cl::CommaSeparated,
                cl::desc("calibration inputs (.npy, one input or a batch); "
                         "default: deterministic synthetic inputs"));
static cl::opt<unsigned>
    synthetic("synthetic",
              cl::desc("synthetic calibration inputs when none are given"),
              cl::init(4));
static cl::list<std::string> emitKinds(
    "emit", cl::CommaSeparated,
    cl::desc("what to write: obj, header, report, svg (the arena plan), "
             "mlir, llvm-ir (default: obj,header,report,svg)"));
static cl::opt<std::string>
    nameOpt("name",
            cl::desc("model name, the prefix of every symbol (default: the "
                     "file name)"));
static cl::opt<std::string> weightBudgetOpt(
    "weight-budget",
    cl::desc("flash for weights and per-channel parameters during precision "
             "assignment (default: the flash budget, less the code if the "
             "total misses it); the total is still checked against --flash"));
static cl::opt<std::string> pins("pins",
                                 cl::desc("layer:wbits:abits,... held fixed"));
static cl::opt<std::string> inputLayout(
    "input-layout",
    cl::desc("layout of 4-D inputs (and of their calibration data): model "
             "(default, the ONNX graph's NCHW) or nhwc (channels last, no "
             "input transpose: one image buffer less in the arena)"),
    cl::init("model"));
static cl::opt<std::string> optimize(
    "optimize",
    cl::desc("code for: speed, size, or auto (default: speed, and size if "
             "the faster code would not fit the flash with the weights)"),
    cl::init("auto"));
static cl::opt<bool> quiet("quiet", cl::desc("no summary"));

static int fail(const Twine &message) {
  llvm::errs() << "mpqc: error: " << message << "\n";
  return 1;
}

/// A C identifier from the file name: [A-Za-z0-9_], not starting with a
/// digit.
static std::string modelNameFrom(StringRef path) {
  std::string name = llvm::sys::path::stem(path).str();
  for (char &c : name)
    if (!llvm::isAlnum(c))
      c = '_';
  if (name.empty() || llvm::isDigit(name[0]))
    name = "m_" + name;
  return name;
}

/// Bytes of the sections of an object file whose name starts with one of
/// `prefixes`.
static int64_t sectionBytes(StringRef object, ArrayRef<StringRef> prefixes) {
  auto buffer = llvm::MemoryBuffer::getMemBuffer(object, "", false);
  auto file = llvm::object::ObjectFile::createObjectFile(*buffer);
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  int64_t total = 0;
  for (const llvm::object::SectionRef &section : (*file)->sections()) {
    auto name = section.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    for (StringRef prefix : prefixes)
      if (name->starts_with(prefix))
        total += section.getSize();
  }
  return total;
}

/// The stack the generated code needs: the frames LLVM recorded in the
/// object's `.stack_sizes` section (entries of an address and a ULEB128
/// size), summed over every function, an upper bound on the deepest call
/// chain. The memset/memcpy the code may call are not included.
static std::optional<int64_t> stackBytes(StringRef object) {
  auto buffer = llvm::MemoryBuffer::getMemBuffer(object, "", false);
  auto file = llvm::object::ObjectFile::createObjectFile(*buffer);
  if (!file) {
    llvm::consumeError(file.takeError());
    return std::nullopt;
  }
  unsigned addressBytes = (*file)->getBytesInAddress();
  for (const llvm::object::SectionRef &section : (*file)->sections()) {
    auto name = section.getName();
    auto contents = section.getContents();
    if (!name || !contents) {
      if (!name)
        llvm::consumeError(name.takeError());
      if (!contents)
        llvm::consumeError(contents.takeError());
      continue;
    }
    if (*name != ".stack_sizes")
      continue;
    int64_t total = 0;
    const uint8_t *at = contents->bytes_begin(), *end = contents->bytes_end();
    while (at + addressBytes < end) {
      at += addressBytes;
      unsigned length = 0;
      uint64_t size = llvm::decodeULEB128(at, &length, end);
      if (!length)
        return std::nullopt;
      at += length;
      total += static_cast<int64_t>(size);
    }
    return total;
  }
  return std::nullopt;
}

/// Whether the model is integer-level already: only the boundary, integer
/// ops and data movement on codes (no float layer, no fake_quant).
static bool isIntegerGraph(ModuleOp module) {
  bool integer = true;
  module.walk([&](Operation *op) {
    if (isa<ModuleOp, func::FuncOp, func::ReturnOp, QuantizeOp, DequantizeOp,
            QConstantOp, QConv2DOp, QFullyConnectedOp, RequantizeOp, QAddOp,
            QAvgPool2DOp>(op))
      return;
    if (op->getNumResults() == 1)
      if (auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType()))
        if (isa<UniformType>(type.getElementType()))
          return; // data movement on codes
    integer = false;
  });
  return integer;
}

/// Multiply-accumulates of one inference of the integer graph.
static int64_t countMacs(func::FuncOp func) {
  int64_t macs = 0;
  func.walk([&](Operation *op) {
    if (auto conv = dyn_cast<QConv2DOp>(op)) {
      auto out = cast<ShapedType>(conv.getType());
      auto w = cast<ShapedType>(conv.getWeight().getType());
      macs += out.getNumElements() * w.getDimSize(1) * w.getDimSize(2) *
              w.getDimSize(3);
    } else if (auto fc = dyn_cast<QFullyConnectedOp>(op)) {
      auto w = cast<ShapedType>(fc.getWeight().getType());
      macs += cast<ShapedType>(fc.getType()).getDimSize(0) * w.getNumElements();
    }
  });
  return macs;
}

/// What `mpq-calibrate{observe-only}` left on one fake_quant: its range
/// (null for weights), and where it sits, to recognise its counterpart after
/// precision is assigned again.
struct ObservedRange {
  Location loc;
  Type type;
  FloatAttr min, max;
};

static SmallVector<ObservedRange> collectObservedRanges(ModuleOp module) {
  SmallVector<ObservedRange> ranges;
  module.walk([&](FakeQuantOp fq) {
    ranges.push_back({fq.getLoc(), fq.getInput().getType(), fq.getMinAttr(),
                      fq.getMaxAttr()});
  });
  return ranges;
}

/// Puts `ranges` back on the fake_quants of a module assigned again from
/// the same import, which has them in the same places at other widths.
/// False, and nothing changed, if the fake_quants differ.
static bool applyObservedRanges(ModuleOp module,
                                ArrayRef<ObservedRange> ranges) {
  SmallVector<FakeQuantOp> fqs;
  module.walk([&](FakeQuantOp fq) { fqs.push_back(fq); });
  if (fqs.size() != ranges.size())
    return false;
  for (auto [fq, range] : llvm::zip_equal(fqs, ranges))
    if (fq.getLoc() != range.loc || fq.getInput().getType() != range.type)
      return false;
  for (auto [fq, range] : llvm::zip_equal(fqs, ranges))
    if (range.min) {
      fq.setMinAttr(range.min);
      fq.setMaxAttr(range.max);
    }
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  cl::ParseCommandLineOptions(argc, argv,
                              "mpqc: compiles an ONNX CNN into mixed "
                              "2/4/8-bit integer code for a microcontroller\n");

  auto target = parseCodegenTarget(targetName);
  if (!target)
    return fail("--target=" + targetName + " is not one of cortex-m7, x86_64");
  auto flash = parseByteSize(flashOpt);
  if (!flash)
    return fail("--flash=" + flashOpt +
                " is not a size (bytes, kB, KiB, MB, "
                "MiB)");
  auto ram = parseByteSize(ramOpt);
  if (!ram)
    return fail("--ram=" + ramOpt + " is not a size (bytes, kB, KiB, MB, MiB)");
  if (optimize != "auto" && optimize != "speed" && optimize != "size")
    return fail("--optimize=" + optimize + " is not one of auto, speed, size");
  CodegenGoal goal =
      optimize == "size" ? CodegenGoal::Size : CodegenGoal::Speed;
  if (inputLayout != "model" && inputLayout != "nhwc")
    return fail("--input-layout=" + inputLayout + " is not one of model, nhwc");
  if (scheme != "pc-icn" && scheme != "pl-icn" && scheme != "pl-fb")
    return fail("--scheme=" + scheme + " is not one of pc-icn, pl-icn, pl-fb");
  llvm::StringSet<> emit;
  for (const std::string &kind : emitKinds) {
    if (kind != "obj" && kind != "header" && kind != "report" &&
        kind != "mlir" && kind != "llvm-ir" && kind != "svg")
      return fail("--emit=" + kind +
                  " is not one of obj, header, report, svg, mlir, llvm-ir");
    emit.insert(kind);
  }
  if (emit.empty())
    for (StringRef kind : {"obj", "header", "report", "svg"})
      emit.insert(kind);
  std::string name = nameOpt.empty() ? modelNameFrom(modelPath) : nameOpt;

  DialectRegistry registry;
  registerAllDialects(registry);
  registerOnnxImportDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  /// One compilation, whose precision assignment gets `weightBudget` bytes
  /// of flash for weights and parameters.
  struct Compiled {
    std::string object, llvmIR, integerIR, svg;
    ModelInterface interface;
    llvm::json::Value report = nullptr;
    int64_t flashUsed = 0, weightsAndParams = 0, rodata = 0, code = 0;
  };
  auto failNone = [](const Twine &message) -> std::optional<Compiled> {
    fail(message);
    return std::nullopt;
  };
  OnnxImportOptions importOptions;
  importOptions.funcName = name;
  importOptions.nhwcInputs = inputLayout == "nhwc";
  OwningOpRef<ModuleOp> imported =
      importOnnxFile(modelPath, &context, importOptions);
  if (!imported)
    return 1;
  // Its bits are the model's own: no weight budget to lower.
  bool importedInteger = isIntegerGraph(*imported);
  // Calibration's observed ranges do not depend on the widths: a second
  // assignment reuses the first one's instead of running the model again.
  std::optional<SmallVector<ObservedRange>> observedRanges;
  auto compileOnce = [&](int64_t weightBudget) -> std::optional<Compiled> {
    OwningOpRef<ModuleOp> module = imported->clone();

    // Precision assignment, calibration and lowering to integer ops.
    llvm::SmallString<128> reportPath;
    if (auto ec = llvm::sys::fs::createTemporaryFile("mpqc-report", "json",
                                                     reportPath))
      return failNone("cannot create a temporary file: " + ec.message());
    llvm::FileRemover removeReport(reportPath);
    llvm::SmallString<128> planPath, svgPath;
    if (auto ec =
            llvm::sys::fs::createTemporaryFile("mpqc-plan", "json", planPath))
      return failNone("cannot create a temporary file: " + ec.message());
    if (auto ec =
            llvm::sys::fs::createTemporaryFile("mpqc-plan", "svg", svgPath))
      return failNone("cannot create a temporary file: " + ec.message());
    llvm::FileRemover removePlan(planPath), removeSvg(svgPath);
    auto runPipeline = [&](const std::string &pipeline) -> LogicalResult {
      PassManager pm(&context);
      if (failed(parsePassPipeline(pipeline, pm, llvm::errs()))) {
        fail("internal error: bad pipeline " + pipeline);
        return failure();
      }
      return pm.run(*module);
    };
    std::string calibrate = "mpq-calibrate{scheme=" + scheme +
                            " synthetic=" + std::to_string(synthetic);
    if (!calibration.empty())
      calibrate += " inputs=" + llvm::join(calibration, ",");
    // The arena is planned on the integer graph; code generation reads the
    // offsets.
    std::string plan = "mpq-plan-buffers{report=" + planPath.str().str() +
                       " svg=" + svgPath.str().str() + "}";
    // A model made of integer ONNX ops (QLinearConv, ConvInteger, ...) is
    // imported at the integer level: its bit-widths are the model's own, and
    // there is nothing to assign or calibrate.
    bool integerModel = isIntegerGraph(*module);
    if (integerModel) {
      if (failed(runPipeline("mpq-check-integer-only,canonicalize," + plan)))
        return std::nullopt;
    } else {
      if (failed(runPipeline(
              "mpq-assign-precision{flash=" + std::to_string(weightBudget) +
              " ram=" + std::to_string(*ram) + " ram-model=planned scheme=" +
              scheme + " report=" + reportPath.str().str() +
              (pins.empty() ? "" : " pins=" + pins) + "}")))
        return std::nullopt;
      if (!observedRanges || !applyObservedRanges(*module, *observedRanges)) {
        if (failed(runPipeline(calibrate + " observe-only=true}")))
          return std::nullopt;
        observedRanges = collectObservedRanges(*module);
      }
      // Grids from the observed ranges, then the integer graph.
      if (failed(runPipeline(calibrate +
                             "},mpq-lower-fake-quant,mpq-check-integer-only,"
                             "canonicalize," +
                             plan)))
        return std::nullopt;
    }

    auto funcs = module->getOps<func::FuncOp>();
    func::FuncOp graph = *funcs.begin();
    auto interface = describeModel(graph, name);
    if (failed(interface))
      return std::nullopt;
    int64_t macs = countMacs(graph);
    std::string integerIR;
    if (emit.contains("mlir")) {
      llvm::raw_string_ostream os(integerIR);
      module->print(os, OpPrintingFlags().enableDebugInfo(true, false));
    }

    // Code generation.
    PassManager codegen(&context);
    // Faster code computes four output channels at a time; smaller code one.
    std::string channelBlock = goal == CodegenGoal::Size ? "1" : "4";
    // The Cortex-M7's DSP extension: two 16-bit products per SMLAD.
    bool armDsp =
        goal == CodegenGoal::Speed && *target == CodegenTarget::CortexM7;
    if (failed(parsePassPipeline("mpq-lower-to-loops{model-name=" + name +
                                     " channel-block=" + channelBlock +
                                     (armDsp ? " arm-dsp=true" : "") + "}",
                                 codegen, llvm::errs())))
      return failNone("internal error: bad code generation pipeline");
    buildLoopsToLLVMPipeline(codegen, codegenIndexBitwidth(*target));
    if (failed(codegen.run(*module)))
      return std::nullopt;
    for (auto fn : module->getOps<LLVM::LLVMFuncOp>())
      if (auto size = fn->getAttrOfType<IntegerAttr>("mpq.arena_size"))
        interface->arenaBytes = size.getInt();
    std::string object, llvmIR;
    {
      llvm::raw_string_ostream objectStream(object);
      llvm::buffer_ostream buffered(objectStream);
      if (failed(emitObject(*module, *target, name, buffered,
                            emit.contains("llvm-ir") ? &llvmIR : nullptr,
                            goal)))
        return std::nullopt;
    }

    // The budgets, checked on what was generated.
    std::string reportText = "{\"bits\": \"as imported (integer model)\"}";
    if (!integerModel) {
      auto buffer = llvm::MemoryBuffer::getFile(reportPath);
      if (!buffer)
        return failNone("the precision report is missing");
      reportText = (*buffer)->getBuffer().str();
    }
    auto report = llvm::json::parse(reportText);
    if (!report)
      return failNone("the precision report is not JSON: " +
                      llvm::toString(report.takeError()));
    llvm::json::Object *root = report->getAsObject();
    int64_t weightsAndParams = root->getInteger("flash_bytes").value_or(0);
    int64_t rodata = sectionBytes(object, {".rodata", ".data.rel.ro"});
    int64_t code = sectionBytes(object, {".text"});
    int64_t flashUsed = rodata + code;
    std::optional<int64_t> stack = stackBytes(object);
    if (auto planBuffer = llvm::MemoryBuffer::getFile(planPath)) {
      if (auto plan = llvm::json::parse((*planBuffer)->getBuffer()))
        (*root)["plan"] = std::move(*plan);
      else
        llvm::consumeError(plan.takeError());
    }
    int64_t lowerBound = 0;
    if (llvm::json::Object *planObject = root->getObject("plan"))
      lowerBound = planObject->getInteger("lower_bound_bytes").value_or(0);
    (*root)["target"] = codegenTargetName(*target).str();
    (*root)["model"] = name;
    (*root)["macs"] = macs;
    (*root)["code_bytes"] = code;
    (*root)["code_optimized_for"] =
        goal == CodegenGoal::Size ? "size" : "speed";
    (*root)["rodata_bytes"] = rodata;
    (*root)["generated_flash_bytes"] = flashUsed;
    (*root)["arena_bytes"] = interface->arenaBytes;
    if (stack)
      (*root)["stack_bytes"] = *stack;
    interface->summary = {
        "flash: " + std::to_string(flashUsed) + " B (weights + parameters " +
            std::to_string(rodata) + " B as stored, code " +
            std::to_string(code) + " B, optimized for " +
            (goal == CodegenGoal::Size ? "size" : "speed") + "; memory model " +
            std::to_string(weightsAndParams) + " B)",
        "RAM: arena " + std::to_string(interface->arenaBytes) +
            " B (activations, input and outputs; lower bound " +
            std::to_string(lowerBound) + " B)" +
            (stack ? " + stack " + std::to_string(*stack) +
                         " B (the generated code's frames)"
                   : std::string()),
        "MACs per inference: " + std::to_string(macs),
        "bits: " + root->getString("bits").value_or("").str()};
    Compiled result;
    if (auto svgBuffer = llvm::MemoryBuffer::getFile(svgPath))
      result.svg = (*svgBuffer)->getBuffer().str();
    result.object = std::move(object);
    result.llvmIR = std::move(llvmIR);
    result.integerIR = std::move(integerIR);
    result.interface = std::move(*interface);
    result.report = std::move(*report);
    result.flashUsed = flashUsed;
    result.weightsAndParams = weightsAndParams;
    result.rodata = rodata;
    result.code = code;
    return result;
  };

  std::optional<int64_t> weightBudget;
  if (!weightBudgetOpt.empty()) {
    weightBudget = parseByteSize(weightBudgetOpt);
    if (!weightBudget)
      return fail("--weight-budget=" + weightBudgetOpt +
                  " is not a size (bytes, kB, KiB, MB, MiB)");
  }
  std::optional<Compiled> compiled = compileOnce(weightBudget.value_or(*flash));
  if (!compiled)
    return 1;
  // The memory model budgets weights and parameters only (the paper's);
  // code and storage overhead come on top. If the total misses, assign again
  // with the budget less that overhead.
  // Weight bits come before speed: if the faster code is what pushes the
  // total over the flash budget (weights and storage alone fit), try the
  // smaller code before giving up weight bits. If the weights alone do not
  // fit, they shrink anyway and the code stays fast.
  int64_t speedCode = compiled->code;
  if (compiled->flashUsed > *flash && optimize == "auto" &&
      compiled->flashUsed - compiled->code <= *flash) {
    if (!quiet)
      llvm::errs() << "mpqc: note: " << compiled->flashUsed
                   << " B of flash with code optimized for speed: optimizing "
                      "for size\n";
    goal = CodegenGoal::Size;
    compiled = compileOnce(weightBudget.value_or(*flash));
    if (!compiled)
      return 1;
  }
  if (!weightBudget && !importedInteger && compiled->flashUsed > *flash) {
    int64_t overhead = compiled->flashUsed - compiled->weightsAndParams;
    int64_t budget = *flash - overhead;
    // Code size moves with the bits chosen, so a round may still miss by a
    // little: lower the budget by the excess and assign again (a few rounds
    // at most; each one gives up weight precision only where needed).
    for (int round = 0; round < 4 && budget > 0; ++round) {
      if (!quiet)
        llvm::errs() << "mpqc: note: code and storage take "
                     << compiled->flashUsed - compiled->weightsAndParams
                     << " B of flash: assigning precision again for " << budget
                     << " B of weights and parameters\n";
      compiled = compileOnce(budget);
      if (!compiled)
        return 1;
      if (compiled->flashUsed <= *flash)
        break;
      budget -= compiled->flashUsed - *flash;
    }
    // The weights had to shrink anyway; if the faster code fits beside
    // them now, it costs no bits: take it.
    if (goal == CodegenGoal::Size && optimize == "auto" &&
        compiled->flashUsed <= *flash &&
        compiled->flashUsed - compiled->code + speedCode <= *flash) {
      goal = CodegenGoal::Speed;
      std::optional<Compiled> fast = compileOnce(budget);
      if (!fast)
        return 1;
      if (fast->flashUsed <= *flash)
        compiled = std::move(fast);
      else
        goal = CodegenGoal::Size;
    }
  }
  auto &interface = compiled->interface;
  int64_t flashUsed = compiled->flashUsed, rodata = compiled->rodata,
          code = compiled->code;
  std::string &object = compiled->object, &llvmIR = compiled->llvmIR,
              &integerIR = compiled->integerIR, &svg = compiled->svg;
  llvm::json::Value *report = &compiled->report;
  if (flashUsed > *flash)
    return fail("the generated code does not fit the flash budget: " +
                Twine(flashUsed) + " B (weights and parameters " +
                Twine(rodata) + " B + code " + Twine(code) + " B) > " +
                Twine(*flash) + " B");
  if (interface.arenaBytes > *ram)
    return fail("the arena does not fit the RAM budget: " +
                Twine(interface.arenaBytes) + " B > " + Twine(*ram) + " B");

  std::string header;
  {
    llvm::raw_string_ostream os(header);
    emitHeader(interface, os);
  }
  std::string reportOut;
  {
    llvm::raw_string_ostream os(reportOut);
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(*report))) << "\n";
  }

  // Everything is in memory: now write, each file atomically.
  if (auto ec = llvm::sys::fs::create_directories(outDir))
    return fail(outDir + ": " + ec.message());
  auto write = [&](StringRef suffix, StringRef bytes) -> bool {
    SmallString<128> path(outDir);
    llvm::sys::path::append(path, name + suffix);
    std::string error;
    auto file = openOutputFile(path, &error);
    if (!file) {
      fail(error);
      return false;
    }
    file->os() << bytes;
    file->keep();
    return true;
  };
  if ((emit.contains("obj") && !write(".o", object)) ||
      (emit.contains("header") && !write(".h", header)) ||
      (emit.contains("report") && !write(".report.json", reportOut)) ||
      (emit.contains("mlir") && !write(".mlir", integerIR)) ||
      (emit.contains("llvm-ir") && !write(".ll", llvmIR)) ||
      (emit.contains("svg") && !write(".plan.svg", svg)))
    return 1;

  if (!quiet) {
    llvm::outs() << "mpqc: " << name << " for " << codegenTargetName(*target)
                 << "\n";
    for (const std::string &line : interface.summary)
      llvm::outs() << "  " << line << "\n";
    llvm::outs() << "  budgets: flash " << *flash << " B, RAM " << *ram
                 << " B\n";
    llvm::outs() << "  wrote " << outDir << "/" << name << ".{"
                 << llvm::join(emitKinds.empty()
                                   ? std::vector<std::string>{"o", "h",
                                                              "report.json",
                                                              "plan.svg"}
                                   : std::vector<std::string>(emitKinds.begin(),
                                                              emitKinds.end()),
                               ",")
                 << "}\n";
  }
  return 0;
}
