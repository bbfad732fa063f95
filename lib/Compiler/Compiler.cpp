//===- Compiler.cpp - mpq's compiler as a library -------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// compileOnnx*: one compile is import, then precision assignment,
// calibration and lowering to the planned integer graph (the stages of
// buildMPQToIntegerPipeline), then code generation (buildMPQToLLVMPipeline
// and emitObject); the fit policy around it retries that with a smaller code
// goal or a smaller weight budget while the generated flash total misses.
// The passes hand their reports back through PrecisionOutcome/PlanOutcome:
// no file, pipeline string or JSON text is read back.
//
//===----------------------------------------------------------------------===//

#include "mpq/Compiler/Compiler.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Import/OnnxImporter.h"
#include "mpq/InitAll.h"
#include "mpq/Transforms/Pipelines.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/LEB128.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <chrono>

using namespace mlir;
using namespace mlir::mpq;

void mlir::mpq::registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerOnnxImportDialects(registry);
}

std::string mlir::mpq::modelNameFromPath(StringRef path) {
  std::string name = llvm::sys::path::stem(path).str();
  for (char &c : name)
    if (!llvm::isAlnum(c))
      c = '_';
  if (name.empty() || llvm::isDigit(name[0]))
    name = "m_" + name;
  return name;
}

std::vector<CompileOutput>
mlir::mpq::compileOutputs(const CompileResult &result,
                          ArrayRef<EmitKind> emit) {
  const CompileOutput all[] = {
      {EmitKind::Object, ".o", result.object},
      {EmitKind::Header, ".h", result.header},
      {EmitKind::Report, ".report.json", result.report},
      {EmitKind::Mlir, ".mlir", result.mlir},
      {EmitKind::LLVMIR, ".ll", result.llvmIR},
      {EmitKind::Svg, ".plan.svg", result.svg}};
  std::vector<CompileOutput> outputs;
  for (const CompileOutput &output : all)
    if (llvm::is_contained(emit, output.kind))
      outputs.push_back(output);
  return outputs;
}

bool mlir::mpq::isValidModelName(StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

namespace {

/// Bytes of the sections of an object file whose name starts with one of
/// `prefixes`.
int64_t sectionBytes(StringRef object, ArrayRef<StringRef> prefixes) {
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
std::optional<int64_t> stackBytes(StringRef object) {
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
bool isIntegerGraph(ModuleOp module) {
  bool integer = true;
  module.walk([&](Operation *op) {
    if (isa<ModuleOp, func::FuncOp, func::ReturnOp>(op) ||
        op->hasTrait<IntegerLevel>())
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
int64_t countMacs(func::FuncOp func) {
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

/// What calibration observed on one fake_quant: its range (null for
/// weights), and where it sits, to recognise its counterpart after precision
/// is assigned again.
struct ObservedRange {
  Location loc;
  Type type;
  FloatAttr min, max;
};

SmallVector<ObservedRange> collectObservedRanges(ModuleOp module) {
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
bool applyObservedRanges(ModuleOp module, ArrayRef<ObservedRange> ranges) {
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

bool emits(const CompileOptions &options, EmitKind kind) {
  return llvm::is_contained(options.emit, kind);
}

/// One model through the flow, compiled as often as the fit policy needs.
/// Wall time per phase, summed over the rounds of the fit policy, in the
/// order the phases first ran.
class PhaseTimes {
public:
  void add(StringRef phase, double seconds) {
    for (auto &[name, total] : times)
      if (name == phase) {
        total += seconds;
        return;
      }
    times.emplace_back(phase.str(), seconds);
  }
  /// Runs `body` as part of `phase`.
  template <typename Body>
  auto time(StringRef phase, Body &&body) {
    auto start = std::chrono::steady_clock::now();
    auto result = body();
    add(phase,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
    return result;
  }
  std::vector<std::pair<std::string, double>> times;
};

class Compilation {
public:
  Compilation(MLIRContext &context, ModuleOp imported, std::string name,
              const CompileOptions &options, PhaseTimes phases)
      : context(context), imported(imported), name(std::move(name)),
        options(options), loc(UnknownLoc::get(&context)),
        integerModel(isIntegerGraph(imported)), phases(std::move(phases)) {}

  FailureOr<CompileResult> run();

private:
  /// One compile whose precision assignment gets `weightBudget` bytes of
  /// flash for weights and parameters, with code for `goal`.
  FailureOr<CompileResult> compileOnce(int64_t weightBudget, CodegenGoal goal);
  LogicalResult toIntegerGraph(ModuleOp module, int64_t weightBudget,
                               PrecisionOutcome &precision, PlanOutcome &plan);
  LogicalResult runPipeline(StringRef phase, ModuleOp module,
                            function_ref<void(OpPassManager &)> build);

  MLIRContext &context;
  ModuleOp imported;
  std::string name;
  const CompileOptions &options;
  Location loc;
  /// A model of integer ONNX ops (QLinearConv, ConvInteger, ...) is imported
  /// at the integer level: its bit-widths are the model's own, and there is
  /// nothing to assign or calibrate.
  const bool integerModel;
  IntegerPipelineOptions pipelineOptions;
  /// Calibration's observed ranges do not depend on the widths: a later
  /// assignment reuses the first one's instead of running the model again.
  std::optional<SmallVector<ObservedRange>> observedRanges;
  PhaseTimes phases;
};

LogicalResult
Compilation::runPipeline(StringRef phase, ModuleOp module,
                         function_ref<void(OpPassManager &)> build) {
  PassManager pm(&context);
  build(pm);
  return phases.time(phase, [&] { return pm.run(module); });
}

LogicalResult Compilation::toIntegerGraph(ModuleOp module, int64_t weightBudget,
                                          PrecisionOutcome &precision,
                                          PlanOutcome &plan) {
  if (integerModel)
    return runPipeline("planning", module, [&](OpPassManager &pm) {
      buildMPQIntegerStage(pm, pipelineOptions, /*lowerFakeQuant=*/false,
                           &plan);
    });
  pipelineOptions.flash = weightBudget;
  if (failed(
          runPipeline("precision assignment", module, [&](OpPassManager &pm) {
            buildMPQPrecisionStage(pm, pipelineOptions, &precision);
          })))
    return failure();
  if (!observedRanges || !applyObservedRanges(module, *observedRanges)) {
    if (failed(runPipeline("calibration", module, [&](OpPassManager &pm) {
          buildMPQCalibrationStage(pm, pipelineOptions, /*observeOnly=*/true);
        })))
      return failure();
    observedRanges = collectObservedRanges(module);
  }
  // Grids from the observed ranges, then the integer graph and its arena.
  if (failed(runPipeline("calibration", module, [&](OpPassManager &pm) {
        buildMPQCalibrationStage(pm, pipelineOptions, /*observeOnly=*/false);
      })))
    return failure();
  return runPipeline("lowering and planning", module, [&](OpPassManager &pm) {
    buildMPQIntegerStage(pm, pipelineOptions, /*lowerFakeQuant=*/true, &plan);
  });
}

FailureOr<CompileResult> Compilation::compileOnce(int64_t weightBudget,
                                                  CodegenGoal goal) {
  OwningOpRef<ModuleOp> module = imported.clone();
  CompileResult result;
  result.name = name;
  result.target = options.target;
  result.goal = goal;
  result.weightBudgetBytes = weightBudget;
  result.integerModel = integerModel;

  PrecisionOutcome precision;
  PlanOutcome plan;
  if (failed(toIntegerGraph(*module, weightBudget, precision, plan)))
    return failure();

  FailureOr<func::FuncOp> model = getModelFunction(*module);
  if (failed(model))
    return failure();
  func::FuncOp graph = *model;
  FailureOr<ModelInterface> interface = describeModel(graph, name);
  if (failed(interface))
    return failure();
  result.macs = countMacs(graph);
  if (emits(options, EmitKind::Mlir)) {
    llvm::raw_string_ostream os(result.mlir);
    module->print(os, OpPrintingFlags().enableDebugInfo(true, false));
  }

  // Code generation. Faster code computes four output channels at a time
  // and, on the Cortex-M7, two 16-bit products per SMLAD; smaller code one
  // channel.
  LLVMPipelineOptions llvmOptions;
  llvmOptions.modelName = name;
  llvmOptions.channelBlock = goal == CodegenGoal::Size ? 1 : 4;
  llvmOptions.armDsp =
      goal == CodegenGoal::Speed && options.target == CodegenTarget::CortexM7;
  llvmOptions.indexBitwidth = codegenIndexBitwidth(options.target);
  if (failed(runPipeline("code generation", *module, [&](OpPassManager &pm) {
        buildMPQToLLVMPipeline(pm, llvmOptions);
      })))
    return failure();
  for (auto fn : module->getOps<LLVM::LLVMFuncOp>())
    if (std::optional<int64_t> size = getArenaSize(fn))
      interface->arenaBytes = *size;
  {
    llvm::raw_string_ostream objectStream(result.object);
    llvm::buffer_ostream buffered(objectStream);
    if (failed(phases.time("LLVM and object emission", [&] {
          return emitObject(*module, options.target, name, buffered,
                            emits(options, EmitKind::LLVMIR) ? &result.llvmIR
                                                             : nullptr,
                            goal);
        })))
      return failure();
  }

  // The budgets, checked on what was generated.
  llvm::json::Value report = result.integerModel
                                 ? llvm::json::Object{{"bits", "as imported "
                                                               "(integer "
                                                               "model)"}}
                                 : std::move(precision.report);
  llvm::json::Object &root = *report.getAsObject();
  result.bits = root.getString("bits").value_or("").str();
  result.modelFlashBytes = precision.flashBytes;
  for (const PrecisionOutcome::Layer &layer : precision.layers)
    result.layers.push_back({layer.name, layer.kind, layer.weightBits,
                             layer.inputBits, layer.outputBits,
                             layer.weightBytes, layer.paramBytes});
  result.rodataBytes = sectionBytes(result.object, {".rodata", ".data.rel.ro"});
  result.codeBytes = sectionBytes(result.object, {".text"});
  result.flashBytes = result.rodataBytes + result.codeBytes;
  result.stackBytes = stackBytes(result.object);
  result.arenaBytes = interface->arenaBytes;
  result.arenaLowerBoundBytes = plan.lowerBoundBytes;
  result.svg = std::move(plan.svg);
  root["plan"] = std::move(plan.report);
  const char *goalName = goal == CodegenGoal::Size ? "size" : "speed";
  root["target"] = codegenTargetName(options.target).str();
  root["model"] = name;
  root["macs"] = result.macs;
  root["code_bytes"] = result.codeBytes;
  root["code_optimized_for"] = goalName;
  root["rodata_bytes"] = result.rodataBytes;
  root["generated_flash_bytes"] = result.flashBytes;
  root["arena_bytes"] = result.arenaBytes;
  if (result.stackBytes)
    root["stack_bytes"] = *result.stackBytes;
  interface->summary = {
      "flash: " + std::to_string(result.flashBytes) +
          " B (weights + parameters " + std::to_string(result.rodataBytes) +
          " B as stored, code " + std::to_string(result.codeBytes) +
          " B, optimized for " + goalName + "; memory model " +
          std::to_string(result.modelFlashBytes) + " B)",
      "RAM: arena " + std::to_string(result.arenaBytes) +
          " B (activations, input and outputs; lower bound " +
          std::to_string(result.arenaLowerBoundBytes) + " B)" +
          (result.stackBytes
               ? " + stack " + std::to_string(*result.stackBytes) +
                     " B (the generated code's frames)"
               : std::string()),
      "MACs per inference: " + std::to_string(result.macs),
      "bits: " + result.bits};
  result.interface = std::move(*interface);
  if (emits(options, EmitKind::Report)) {
    llvm::raw_string_ostream os(result.report);
    os << llvm::formatv("{0:2}", report) << "\n";
  }
  if (!emits(options, EmitKind::Svg))
    result.svg.clear();
  return result;
}

FailureOr<CompileResult> Compilation::run() {
  pipelineOptions.ram = options.ramBytes;
  pipelineOptions.scheme = options.scheme;
  pipelineOptions.strategy = options.strategy;
  pipelineOptions.ramModel = RamModel::Planned;
  for (const LayerPin &pin : options.pins)
    pipelineOptions.pins.push_back(pin.layer + ":" +
                                   std::to_string(pin.weightBits) + ":" +
                                   std::to_string(pin.outputBits));
  pipelineOptions.calibration = ArrayRef<std::string>(options.calibrationFiles);
  pipelineOptions.synthetic = options.syntheticInputs;

  const int64_t flash = options.flashBytes;
  const bool auto_ = options.optimize == OptimizeMode::Auto;
  CodegenGoal goal = options.optimize == OptimizeMode::Size
                         ? CodegenGoal::Size
                         : CodegenGoal::Speed;
  int64_t budget = options.weightBudgetBytes.value_or(flash);
  FailureOr<CompileResult> compiled = compileOnce(budget, goal);
  if (failed(compiled))
    return failure();
  // The memory model budgets weights and parameters only (the paper's);
  // code and storage overhead come on top. Weight bits come before speed:
  // if the faster code is what pushes the total over the flash budget
  // (weights and storage alone fit), try the smaller code before giving up
  // weight bits. If the weights alone do not fit, they shrink anyway and the
  // code stays fast.
  const int64_t speedCode = compiled->codeBytes;
  if (compiled->flashBytes > flash && auto_ &&
      compiled->flashBytes - compiled->codeBytes <= flash) {
    emitRemark(loc) << compiled->flashBytes
                    << " B of flash with code optimized for speed: optimizing "
                       "for size";
    goal = CodegenGoal::Size;
    compiled = compileOnce(budget, goal);
    if (failed(compiled))
      return failure();
  }
  if (!options.weightBudgetBytes && !compiled->integerModel &&
      compiled->flashBytes > flash) {
    budget = flash - (compiled->flashBytes - compiled->modelFlashBytes);
    // Code size moves with the bits chosen, so a round may still miss by a
    // little: lower the budget by the excess and assign again (a few rounds
    // at most; each one gives up weight precision only where needed).
    for (int round = 0; round < 4 && budget > 0; ++round) {
      emitRemark(loc) << "code and storage take "
                      << compiled->flashBytes - compiled->modelFlashBytes
                      << " B of flash: assigning precision again for " << budget
                      << " B of weights and parameters";
      compiled = compileOnce(budget, goal);
      if (failed(compiled))
        return failure();
      if (compiled->flashBytes <= flash)
        break;
      budget -= compiled->flashBytes - flash;
    }
    // The weights had to shrink anyway; if the faster code fits beside
    // them now, it costs no bits: take it.
    if (goal == CodegenGoal::Size && auto_ && compiled->flashBytes <= flash &&
        compiled->flashBytes - compiled->codeBytes + speedCode <= flash) {
      FailureOr<CompileResult> fast = compileOnce(budget, CodegenGoal::Speed);
      if (failed(fast))
        return failure();
      if (fast->flashBytes <= flash)
        compiled = std::move(fast);
    }
  }

  if (compiled->flashBytes > flash)
    return emitError(loc) << "the generated code does not fit the flash "
                             "budget: "
                          << compiled->flashBytes
                          << " B (weights and parameters "
                          << compiled->rodataBytes << " B + code "
                          << compiled->codeBytes << " B) > " << flash << " B";
  if (compiled->arenaBytes > options.ramBytes)
    return emitError(loc) << "the arena does not fit the RAM budget: "
                          << compiled->arenaBytes << " B > " << options.ramBytes
                          << " B";
  if (emits(options, EmitKind::Header)) {
    llvm::raw_string_ostream os(compiled->header);
    emitHeader(compiled->interface, os);
  }
  if (!emits(options, EmitKind::Object))
    compiled->object.clear();
  compiled->phaseSeconds = phases.times;
  if (options.timePhases) {
    InFlightDiagnostic remark = emitRemark(loc) << "time:";
    for (auto [i, phase] : llvm::enumerate(phases.times))
      remark << (i ? ", " : " ") << phase.first << " "
             << llvm::formatv("{0:f2}", phase.second) << " s";
  }
  return compiled;
}

/// The options checked and the model's name, before anything is imported.
FailureOr<std::string> modelName(MLIRContext &context, StringRef fileName,
                                 const CompileOptions &options) {
  Location loc = UnknownLoc::get(&context);
  auto positive = [&](const char *what, int64_t bytes) -> LogicalResult {
    if (bytes > 0)
      return success();
    return emitError(loc) << "the " << what << " budget must be positive, got "
                          << bytes << " B";
  };
  if (failed(positive("flash", options.flashBytes)) ||
      failed(positive("RAM", options.ramBytes)) ||
      (options.weightBudgetBytes &&
       failed(positive("weight", *options.weightBudgetBytes))))
    return failure();
  if (options.calibrationFiles.empty() && options.syntheticInputs == 0)
    return emitError(loc) << "no calibration inputs: give calibration files "
                             "or at least one synthetic input";
  if (options.name.empty())
    return modelNameFromPath(fileName);
  if (!isValidModelName(options.name))
    return emitError(loc)
           << "the model name '" << options.name
           << "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*): it prefixes "
              "every symbol and names the output files";
  return options.name;
}

/// Checks the options, imports the model with `import` (timed) and
/// compiles it; `fileName` gives the default model name.
FailureOr<CompileResult> compileImported(
    MLIRContext &context, StringRef fileName, const CompileOptions &options,
    function_ref<OwningOpRef<ModuleOp>(const OnnxImportOptions &)> import) {
  FailureOr<std::string> name = modelName(context, fileName, options);
  if (failed(name))
    return failure();
  context.loadAllAvailableDialects();
  OnnxImportOptions importOptions;
  importOptions.funcName = *name;
  importOptions.nhwcInputs = options.inputLayout == InputLayout::NHWC;
  importOptions.maxTensorBytes = options.maxTensorBytes;
  importOptions.maxConstantBytes = options.maxConstantBytes;
  PhaseTimes phases;
  OwningOpRef<ModuleOp> imported =
      phases.time("import", [&] { return import(importOptions); });
  if (!imported)
    return failure();
  return Compilation(context, *imported, *name, options, phases).run();
}

} // namespace

FailureOr<CompileResult>
mlir::mpq::compileOnnxFile(MLIRContext &context, StringRef path,
                           const CompileOptions &options) {
  return compileImported(context, path, options,
                         [&](const OnnxImportOptions &importOptions) {
                           return importOnnxFile(path, &context, importOptions);
                         });
}

FailureOr<CompileResult>
mlir::mpq::compileOnnxBuffer(MLIRContext &context, StringRef bytes,
                             StringRef fileName,
                             const CompileOptions &options) {
  return compileImported(
      context, fileName, options, [&](const OnnxImportOptions &importOptions) {
        return importOnnxBuffer(bytes, fileName, &context, importOptions);
      });
}
