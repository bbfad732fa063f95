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

#include "HostRun.h"
#include "Sensitivity.h"
#include "mpq/Analysis/GraphExtraction.h"
#include "mpq/Analysis/PlannedRam.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Dialect/MPQ/IR/ModelFunction.h"
#include "mpq/Import/OnnxImporter.h"
#include "mpq/InitAll.h"
#include "mpq/Report/ModelReport.h"
#include "mpq/Transforms/Pipelines.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/LEB128.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <thread>

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
      {EmitKind::Report, ".report.md", result.reportMarkdown},
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
/// size). The entry function calls each step's function, which calls
/// nothing of the model's (--mpq-lower-to-loops), so the deepest call chain
/// is two frames: the two largest bound it. The memset/memcpy the code may
/// call are not included.
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
    int64_t largest = 0, second = 0;
    const uint8_t *at = contents->bytes_begin(), *end = contents->bytes_end();
    while (at + addressBytes < end) {
      at += addressBytes;
      unsigned length = 0;
      uint64_t size = llvm::decodeULEB128(at, &length, end);
      if (!length)
        return std::nullopt;
      at += length;
      int64_t frame = static_cast<int64_t>(size);
      if (frame > largest)
        std::swap(frame, largest);
      second = std::max(second, frame);
    }
    return largest + second;
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

/// What calibration observed on one fake_quant: its range (null for
/// weights), and where it sits, to recognise its counterpart after precision
/// is assigned again.
struct ObservedRange {
  Location loc;
  Type type;
  FloatAttr min, max;
  /// The estimator's range per width (range=mse|percentile), or null.
  DenseF64ArrayAttr clips;
};

SmallVector<ObservedRange> collectObservedRanges(ModuleOp module) {
  SmallVector<ObservedRange> ranges;
  module.walk([&](FakeQuantOp fq) {
    ranges.push_back({fq.getLoc(), fq.getInput().getType(), fq.getMinAttr(),
                      fq.getMaxAttr(), fq.getClipsAttr()});
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
      if (range.clips)
        fq.setClipsAttr(range.clips);
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
    if (onPhase)
      onPhase(phase);
    auto start = std::chrono::steady_clock::now();
    auto result = body();
    add(phase,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
    return result;
  }
  std::vector<std::pair<std::string, double>> times;
  std::function<void(StringRef)> onPhase;
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
  /// The pipeline's options from the compile options.
  void setPipelineOptions();
  /// The planned arena (PlannedRam.h) of the imported model with every
  /// activation at 8 bits and row groups, in place as the options say; none
  /// if the graph cannot be read or planned.
  std::optional<int64_t> fusedArenaAtEightBits() const;
  /// The first compile at `weightBudget`. When the assignment leaves little
  /// flash to spare, a second compile is likely (code and storage come on
  /// top of the memory model's figure), and it needs only the first one's
  /// sizes: those come from a probe compiled on another thread, with
  /// provisional activation ranges, while this one observes the real ones.
  /// `isProbe` says the result is the probe's (its sizes are right, its
  /// grids are not).
  FailureOr<CompileResult> firstCompile(int64_t weightBudget, CodegenGoal goal,
                                        bool &isProbe);
  /// The probe: this compilation's first compile in a context of its own,
  /// with provisional activation ranges and no output but the object.
  static FailureOr<CompileResult> probe(const std::string &bytecode,
                                        const Compilation &parent,
                                        int64_t weightBudget, CodegenGoal goal);
  /// One compile whose precision assignment gets `weightBudget` bytes of
  /// flash for weights and parameters, with code for `goal`.
  FailureOr<CompileResult> compileOnce(int64_t weightBudget, CodegenGoal goal);
  FailureOr<CompileResult> compileAttempt(int64_t weightBudget,
                                          CodegenGoal goal);
  LogicalResult toIntegerGraph(ModuleOp module, int64_t weightBudget,
                               PrecisionOutcome &precision, PlanOutcome &plan);
  LogicalResult runPipeline(StringRef phase, ModuleOp module,
                            function_ref<void(OpPassManager &)> build);
  /// The flash and RAM the model may use: the budgets less the reserves.
  int64_t modelFlash() const {
    return options.flashBytes - options.reserveFlashBytes;
  }
  int64_t modelRam() const {
    return options.ramBytes - options.reserveRamBytes;
  }
  /// The report's figures that do not depend on the attempt.
  ModelReport newReport() const;
  /// Marks the last attempt as a failed fit with `message`, which is also
  /// the error emitted.
  LogicalResult failFit(const std::string &message);

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
  /// A probe's stand-in for calibration: every observed range [0, 1].
  bool provisionalRanges = false;
  /// strategy=search without a table: the one measured once (Sensitivity.h)
  /// and given to every assignment.
  std::optional<llvm::json::Value> sensitivity;
  /// `precision` as the precision stage should start from.
  void prepare(PrecisionOutcome &precision) const {
    if (sensitivity)
      precision.sensitivity = *sensitivity;
  }
  PhaseTimes phases;

public:
  /// Renders `report` into `result` (report, reportMarkdown, layerTable).
  void render(const ModelReport &report, CompileResult &result) const;
  /// The report of the last attempt, and its result if it got that far.
  std::optional<ModelReport> lastReport;
  std::optional<CompileResult> lastResult;

private:
  /// The last attempt's integer graph, kept for validation.
  OwningOpRef<ModuleOp> integerModule;
  LogicalResult validate(CompileResult &result);
};

LogicalResult Compilation::validate(CompileResult &result) {
  if (integerModel)
    return emitError(loc) << "validation compares the compiled model with "
                             "the float model it came from; an integer model "
                             "has none";
  FailureOr<func::FuncOp> floatFunc = getModelFunction(imported);
  FailureOr<func::FuncOp> integerFunc = getModelFunction(*integerModule);
  if (failed(floatFunc) || failed(integerFunc))
    return failure();
  return phases.time("validation", [&]() -> LogicalResult {
    FailureOr<std::vector<EvalTensor>> inputs = loadModelInputs(
        *floatFunc, options.validationFiles, 0, "validation input");
    if (failed(inputs))
      return failure();
    std::optional<HostRunner> host;
    CompiledModelRunner runner;
    if (options.validateObject) {
      auto loaded = HostRunner::load(result.object, result.interface);
      if (!loaded)
        return emitError(loc) << "cannot load the object to validate it: "
                              << llvm::toString(loaded.takeError());
      host.emplace(std::move(*loaded));
      runner = [&](ArrayRef<std::vector<int64_t>> codes)
          -> FailureOr<std::vector<std::vector<int64_t>>> {
        auto outputs = host->run(codes);
        if (!outputs)
          return emitError(loc) << "running the object: "
                                << llvm::toString(outputs.takeError());
        return std::move(*outputs);
      };
    }
    FailureOr<ValidationResult> validation = validateModel(
        *floatFunc, *integerFunc, *inputs, runner, "the x86-64 object");
    if (failed(validation))
      return failure();
    result.validation = std::move(*validation);
    lastReport->validation = result.validation;
    return success();
  });
}

ModelReport Compilation::newReport() const {
  ModelReport report;
  report.model = name;
  report.target = codegenTargetName(options.target).str();
  report.integerModel = integerModel;
  if (!integerModel) {
    report.strategy = enumName(options.strategy);
    report.scheme = enumName(options.scheme);
  }
  report.flashBudget = options.flashBytes;
  report.flashReserve = options.reserveFlashBytes;
  report.ramBudget = options.ramBytes;
  report.ramReserve = options.reserveRamBytes;
  report.calibrationFiles = options.calibrationFiles;
  report.syntheticInputs = integerModel ? 0 : options.syntheticInputs;
  return report;
}

void Compilation::render(const ModelReport &report,
                         CompileResult &result) const {
  result.fits = report.fits;
  {
    llvm::raw_string_ostream os(result.layerTable);
    printLayerTable(os, report);
  }
  if (!emits(options, EmitKind::Report))
    return;
  llvm::raw_string_ostream json(result.report), markdown(result.reportMarkdown);
  printModelReportJson(json, report);
  printModelReportMarkdown(markdown, report);
}

LogicalResult Compilation::failFit(const std::string &message) {
  if (lastReport) {
    lastReport->fits = false;
    lastReport->error = message;
  }
  if (lastResult) {
    if (lastReport)
      lastReport->warnings = lastResult->warnings;
    for (const std::string &warning : lastResult->warnings)
      emitWarning(loc) << warning;
  }
  return emitError(loc) << message;
}

LogicalResult
Compilation::runPipeline(StringRef phase, ModuleOp module,
                         function_ref<void(OpPassManager &)> build) {
  PassManager pm(&context);
  build(pm);
  return phases.time(phase, [&] { return pm.run(module); });
}

std::optional<int64_t> Compilation::fusedArenaAtEightBits() const {
  FailureOr<func::FuncOp> func = getModelFunction(imported);
  if (failed(func))
    return std::nullopt;
  // A graph the assignment read once: any error here is not the user's.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  FailureOr<ExtractedGraph> graph = extractGraph(*func);
  if (failed(graph))
    return std::nullopt;
  std::string error;
  const int64_t arena = plannedArenaBytes(
      graph->graph, uniformAssignment(graph->graph, 8), {}, PlanOptions(),
      error, options.inPlace, /*fuseRows=*/true);
  if (arena < 0)
    return std::nullopt;
  return arena;
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
  prepare(precision);
  if (failed(
          runPipeline("precision assignment", module, [&](OpPassManager &pm) {
            buildMPQPrecisionStage(pm, pipelineOptions, &precision);
          })))
    return failure();
  if (provisionalRanges) {
    Builder builder(&context);
    module.walk([&](FakeQuantOp fq) {
      if (isa<BitsType>(fq.getQuant()) && !fq.getMin() &&
          !matchPattern(fq.getInput(), m_Constant())) {
        fq.setMinAttr(builder.getF64FloatAttr(0.0));
        fq.setMaxAttr(builder.getF64FloatAttr(1.0));
      }
    });
  } else if (!observedRanges || !applyObservedRanges(module, *observedRanges)) {
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
  // The passes' warnings go into the attempt's result, once each: the
  // compile that is kept reports them (summary, report), not every attempt.
  // A failed attempt emits them as they were.
  std::vector<std::string> warnings;
  bool succeededAttempt = false;
  DiagnosticEngine &engine = context.getDiagEngine();
  DiagnosticEngine::HandlerID capture =
      engine.registerHandler([&](Diagnostic &diag) -> LogicalResult {
        if (diag.getSeverity() != DiagnosticSeverity::Warning)
          return failure();
        std::string message = diag.str();
        std::optional<std::string> node = nameFromLocation(diag.getLocation());
        if (node && !StringRef(message).contains("'" + *node + "'"))
          message = "node '" + *node + "': " + message;
        if (!llvm::is_contained(warnings, message))
          warnings.push_back(std::move(message));
        return success();
      });
  llvm::scope_exit release([&] {
    engine.eraseHandler(capture);
    if (!succeededAttempt)
      for (const std::string &warning : warnings)
        emitWarning(loc) << warning;
  });
  FailureOr<CompileResult> result = compileAttempt(weightBudget, goal);
  if (succeeded(result)) {
    succeededAttempt = true;
    result->warnings = warnings;
    lastResult->warnings = warnings;
  }
  return result;
}

FailureOr<CompileResult> Compilation::compileAttempt(int64_t weightBudget,
                                                     CodegenGoal goal) {
  OwningOpRef<ModuleOp> module = imported.clone();
  CompileResult result;
  result.name = name;
  result.target = options.target;
  if (getTargetInfo(options.target).isArm)
    result.floatAbi =
        options.floatAbi.value_or(defaultFloatABI(options.target));
  result.goal = goal;
  result.weightBudgetBytes = weightBudget;
  result.integerModel = integerModel;

  PrecisionOutcome precision;
  PlanOutcome plan;
  lastReport = newReport();
  lastResult.reset();
  lastReport->codeOptimizedFor = goal == CodegenGoal::Size ? "size" : "speed";
  // The kernels for speed on a core with the DSP extension have scratch:
  // the plan and the planned RAM of the assignment hold it.
  const bool dspKernels =
      goal == CodegenGoal::Speed && getTargetInfo(options.target).hasDSP;
  pipelineOptions.dspKernels = dspKernels;
  if (failed(toIntegerGraph(*module, weightBudget, precision, plan))) {
    // A model that does not fit before it is lowered: the assignment's
    // rows, at the widths where it stopped.
    if (!precision.fits && precision.report.getAsObject()) {
      const llvm::json::Object &root = *precision.report.getAsObject();
      lastReport->fits = false;
      lastReport->error = root.getString("error").value_or("").str();
      lastReport->bits = root.getString("bits").value_or("").str();
      lastReport->weightBytes = root.getInteger("weights_bytes").value_or(0);
      lastReport->paramBytes = root.getInteger("params_bytes").value_or(0);
      lastReport->layers = reportLayersOfPrecision(precision.report);
      lastReport->precision = std::move(precision.report);
    } else {
      lastReport.reset();
    }
    return failure();
  }

  FailureOr<func::FuncOp> model = getModelFunction(*module);
  if (failed(model))
    return failure();
  func::FuncOp graph = *model;
  FailureOr<ModelInterface> interface = describeModel(graph, name);
  if (failed(interface))
    return failure();
  std::vector<WeightLayerInfo> weightInfo;
  for (const PrecisionOutcome::Layer &layer : precision.layers)
    weightInfo.push_back({layer.node, layer.weightBytes, layer.paramBytes,
                          layer.weightOrigin, layer.outputOrigin});
  FailureOr<std::vector<ReportLayer>> rows =
      reportLayersOfPlannedGraph(graph, weightInfo);
  if (failed(rows))
    return failure();
  lastReport->layers = std::move(*rows);
  for (const ReportLayer &layer : lastReport->layers)
    result.macs += layer.macs;
  if (!options.validationFiles.empty())
    integerModule = module->clone();
  if (emits(options, EmitKind::Mlir)) {
    llvm::raw_string_ostream os(result.mlir);
    module->print(os, OpPrintingFlags().enableDebugInfo(true, false));
  }

  // Code generation. Faster code computes four output channels at a time
  // and, on cores with the DSP extension, two 16-bit products per SMLAD;
  // smaller code one channel.
  LLVMPipelineOptions llvmOptions;
  llvmOptions.modelName = name;
  llvmOptions.channelBlock = goal == CodegenGoal::Size ? 1 : 4;
  llvmOptions.armDsp = dspKernels;
  llvmOptions.indexBitwidth = codegenIndexBitwidth(options.target);
  // Layers that differ only in their weights share one function in smaller
  // code: less flash, about 1% more instructions (their weights' addresses
  // are arguments, no longer constants).
  llvmOptions.mergeSteps = goal == CodegenGoal::Size;
  if (failed(runPipeline("code generation", *module, [&](OpPassManager &pm) {
        buildMPQToLLVMPipeline(pm, llvmOptions);
      })))
    return failure();
  for (auto fn : module->getOps<LLVM::LLVMFuncOp>())
    if (std::optional<int64_t> size = getArenaSize(fn))
      interface->arenaBytes = *size;
  // The size probe keeps only sizes: its functions are compiled in two
  // parts on two threads (the second core is free once calibration ends).
  std::vector<std::string> probeObjects;
  SmallVector<StringRef> objects;
  if (provisionalRanges) {
    FailureOr<std::vector<std::string>> parts =
        phases.time("LLVM and object emission", [&] {
          return emitObjectParts(*module, options.target, name, 2, goal,
                                 result.floatAbi);
        });
    if (failed(parts))
      return failure();
    probeObjects = std::move(*parts);
    objects.append(probeObjects.begin(), probeObjects.end());
  } else {
    llvm::raw_string_ostream objectStream(result.object);
    llvm::buffer_ostream buffered(objectStream);
    if (failed(phases.time("LLVM and object emission", [&] {
          return emitObject(*module, options.target, name, buffered,
                            emits(options, EmitKind::LLVMIR) ? &result.llvmIR
                                                             : nullptr,
                            goal, result.floatAbi);
        })))
      return failure();
  }
  // (The object is complete once `buffered` above has flushed it.)
  if (!provisionalRanges)
    objects.push_back(result.object);

  // The figures of what was generated.
  ModelReport &out = *lastReport;
  if (!result.integerModel) {
    const llvm::json::Object &root = *precision.report.getAsObject();
    result.bits = root.getString("bits").value_or("").str();
    out.weightBytes = root.getInteger("weights_bytes").value_or(0);
    out.paramBytes = root.getInteger("params_bytes").value_or(0);
    out.precision = std::move(precision.report);
  } else {
    result.bits = "as imported (integer model)";
    for (const ReportLayer &layer : out.layers) {
      out.weightBytes += layer.weightBytes;
      out.paramBytes += layer.paramBytes;
    }
  }
  result.modelFlashBytes = precision.flashBytes;
  for (const PrecisionOutcome::Layer &layer : precision.layers)
    result.layers.push_back({layer.name, layer.kind, layer.weightBits,
                             layer.inputBits, layer.outputBits,
                             layer.weightBytes, layer.paramBytes,
                             layer.perLayerWeights});
  result.rodataBytes = result.codeBytes = 0;
  for (StringRef object : objects) {
    result.rodataBytes += sectionBytes(object, {".rodata", ".data.rel.ro"});
    result.codeBytes += sectionBytes(object, {".text"});
  }
  result.flashBytes = result.rodataBytes + result.codeBytes;
  result.stackBytes = stackBytes(result.object);
  result.arenaBytes = interface->arenaBytes;
  result.arenaLowerBoundBytes = plan.lowerBoundBytes;
  result.svg = std::move(plan.svg);
  out.plan = std::move(plan.report);
  out.bits = result.bits;
  out.macs = result.macs;
  out.rodataBytes = result.rodataBytes;
  out.codeBytes = result.codeBytes;
  out.arenaBytes = result.arenaBytes;
  out.arenaLowerBoundBytes = result.arenaLowerBoundBytes;
  out.stackBytes = result.stackBytes;
  const char *goalName = goal == CodegenGoal::Size ? "size" : "speed";
  if (result.floatAbi)
    out.floatAbi = floatABIName(*result.floatAbi).str();
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
  if (!emits(options, EmitKind::Svg))
    result.svg.clear();
  lastResult = result;
  return result;
}

void Compilation::setPipelineOptions() {
  pipelineOptions.ram = modelRam();
  pipelineOptions.scheme = options.scheme;
  pipelineOptions.strategy = options.strategy;
  pipelineOptions.sensitivity = options.sensitivityFile;
  pipelineOptions.ramModel = RamModel::Planned;
  for (const LayerPin &pin : options.pins)
    pipelineOptions.pins.push_back(pin.layer + ":" +
                                   std::to_string(pin.weightBits) + ":" +
                                   std::to_string(pin.outputBits));
  pipelineOptions.calibration = ArrayRef<std::string>(options.calibrationFiles);
  pipelineOptions.synthetic = options.syntheticInputs;
  pipelineOptions.inPlace = options.inPlace;
  pipelineOptions.fuseRows = options.fuseRows;
  pipelineOptions.activationRounding = options.activationRounding;
  pipelineOptions.calibrationRange = options.calibrationRange;
}

FailureOr<CompileResult> Compilation::probe(const std::string &bytecode,
                                            const Compilation &parent,
                                            int64_t weightBudget,
                                            CodegenGoal goal) {
  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler silent(&context,
                                 [](Diagnostic &) { return success(); });
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(bytecode, config);
  if (!module)
    return failure();
  CompileOptions options = parent.options;
  options.emit = {EmitKind::Object};
  options.validationFiles.clear();
  options.onPhase = nullptr;
  Compilation probe(context, *module, parent.name, options, PhaseTimes());
  probe.setPipelineOptions();
  probe.provisionalRanges = true;
  probe.sensitivity = parent.sensitivity;
  return probe.compileOnce(weightBudget, goal);
}

FailureOr<CompileResult> Compilation::firstCompile(int64_t weightBudget,
                                                   CodegenGoal goal,
                                                   bool &isProbe) {
  isProbe = false;
  if (integerModel || options.weightBudgetBytes)
    return compileOnce(weightBudget, goal);
  // Calibration (observe only) of an assigned copy: its ranges serve every
  // compile. Silent: on a failure, the compile that follows reports it.
  OwningOpRef<ModuleOp> module = imported.clone();
  std::optional<ScopedDiagnosticHandler> silent;
  silent.emplace(&context, [](Diagnostic &) { return success(); });
  PrecisionOutcome precision;
  prepare(precision);
  pipelineOptions.flash = weightBudget;
  pipelineOptions.dspKernels =
      goal == CodegenGoal::Speed && getTargetInfo(options.target).hasDSP;
  if (failed(
          runPipeline("precision assignment", *module, [&](OpPassManager &pm) {
            buildMPQPrecisionStage(pm, pipelineOptions, &precision);
          }))) {
    silent.reset();
    return compileOnce(weightBudget, goal);
  }
  // The probe pays when the assignment gave up weight bits or comes near
  // the budget (then the compiled flash may well miss it), and when
  // calibration takes long enough to hide it: at least 100 M multiply-
  // accumulates (about 0.1 s of the evaluator's double convolutions, a
  // tenth of a compile), or the probe is a compile like any other.
  bool constrained = 2 * precision.flashBytes > weightBudget;
  for (const PrecisionOutcome::Layer &layer : precision.layers)
    constrained |= layer.weightOrigin == "rule" && layer.weightBits < 8;
  int64_t samples = options.calibrationFiles.empty()
                        ? options.syntheticInputs
                        : std::max<int64_t>(options.syntheticInputs, 4);
  int64_t macs = 0;
  imported.walk([&](Operation *op) { macs += layerMacs(op); });
  constrained &= samples * macs >= 100'000'000;
  std::string bytecode;
  std::optional<FailureOr<CompileResult>> probed;
  std::thread thread;
  if (constrained && context.isMultithreadingEnabled()) {
    llvm::raw_string_ostream os(bytecode);
    if (succeeded(writeBytecodeToFile(imported, os)))
      thread = std::thread(
          [&] { probed = probe(bytecode, *this, weightBudget, goal); });
  }
  // Beside the probe on two hardware threads, calibration takes one: each
  // job gets a core, and the two end together instead of the probe running
  // on alone after a faster calibration.
  bool serial = thread.joinable() &&
                llvm::hardware_concurrency().compute_thread_count() <= 2;
  if (serial)
    context.disableMultithreading();
  LogicalResult observed =
      runPipeline("calibration", *module, [&](OpPassManager &pm) {
        buildMPQCalibrationStage(pm, pipelineOptions, /*observeOnly=*/true);
      });
  if (serial)
    context.enableMultithreading();
  if (thread.joinable())
    phases.time("size probe", [&] {
      thread.join();
      return 0;
    });
  silent.reset();
  if (failed(observed))
    return compileOnce(weightBudget, goal);
  observedRanges = collectObservedRanges(*module);
  if (probed && succeeded(*probed) && (*probed)->flashBytes > modelFlash()) {
    isProbe = true;
    return std::move(*probed);
  }
  return compileOnce(weightBudget, goal);
}

FailureOr<CompileResult> Compilation::run() {
  setPipelineOptions();
  if (options.strategy == PrecisionStrategyKind::Search &&
      options.sensitivityFile.empty() && !integerModel) {
    FailureOr<llvm::json::Value> measured = phases.time("sensitivity", [&] {
      return measureSensitivity(imported, pipelineOptions);
    });
    if (failed(measured))
      return failure();
    sensitivity = std::move(*measured);
  }
  const int64_t flash = modelFlash();
  const bool auto_ = options.optimize == OptimizeMode::Auto;
  CodegenGoal goal = options.optimize == OptimizeMode::Size
                         ? CodegenGoal::Size
                         : CodegenGoal::Speed;
  int64_t budget = options.weightBudgetBytes.value_or(flash);
  bool isProbe = false;
  FailureOr<CompileResult> compiled = firstCompile(budget, goal, isProbe);
  if (failed(compiled))
    return failure();
  const int64_t firstBudget = budget;
  const CodegenGoal firstGoal = goal;
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
    isProbe = false;
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
      isProbe = false;
      if (failed(compiled)) {
        // The assignment found nothing at the lowered budget: say which
        // budget the user gave and where the rest went.
        if (lastReport && !lastReport->fits)
          emitError(loc)
              << "the generated code does not fit the flash budget of " << flash
              << " B: code and storage take " << flash - budget
              << " B of it, which leaves " << budget
              << " B for weights and parameters (the error above)";
        return failure();
      }
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
      if (fast->flashBytes <= flash) {
        compiled = std::move(fast);
        isProbe = false;
      }
    }
  }

  // A probe that nothing replaced (no budget left to assign again): the
  // real compile, to report.
  if (isProbe) {
    compiled = compileOnce(firstBudget, firstGoal);
    if (failed(compiled))
      return failure();
  }

  // The generated code's stack shares the RAM with the arena: if it is
  // what misses the budget, plan a smaller arena once.
  const int64_t ram = modelRam();
  int64_t stack = compiled->stackBytes.value_or(0);
  if (!compiled->integerModel && compiled->arenaBytes <= ram &&
      compiled->arenaBytes + stack > ram && ram - stack > 0) {
    emitRemark(loc) << "the generated code's stack (" << stack
                    << " B) does not fit beside the arena: assigning "
                       "precision again for an arena of "
                    << ram - stack << " B";
    pipelineOptions.ram = ram - stack;
    compiled = compileOnce(budget, goal);
    if (failed(compiled))
      return emitError(loc)
             << "the RAM budget of " << options.ramBytes << " B"
             << (options.reserveRamBytes
                     ? " less the " + std::to_string(options.reserveRamBytes) +
                           " B reserved"
                     : std::string())
             << " leaves " << ram - stack
             << " B for the arena beside the generated code's stack (" << stack
             << " B): too little";
    stack = compiled->stackBytes.value_or(0);
  }

  auto reserved = [](int64_t reserve) {
    return reserve
               ? " (the budget less " + std::to_string(reserve) + " B reserved)"
               : std::string();
  };
  if (compiled->flashBytes > flash)
    return failFit(
        "the generated code does not fit the flash budget: " +
        std::to_string(compiled->flashBytes) + " B (weights and parameters " +
        std::to_string(compiled->rodataBytes) + " B + code " +
        std::to_string(compiled->codeBytes) + " B) > " + std::to_string(flash) +
        " B" + reserved(options.reserveFlashBytes));
  if (compiled->arenaBytes + stack > ram)
    return failFit("the model does not fit the RAM budget: arena " +
                   std::to_string(compiled->arenaBytes) + " B + stack " +
                   std::to_string(stack) + " B > " + std::to_string(ram) +
                   " B" + reserved(options.reserveRamBytes));

  // What a user should know about the accuracy of what fits.
  if (!compiled->integerModel && options.calibrationFiles.empty())
    compiled->warnings.push_back(
        "calibrated on " + std::to_string(options.syntheticInputs) +
        " synthetic inputs, uniform in [0, 1): the activation ranges are "
        "those of that data, not of yours (--calibration=inputs.npy)");
  SmallVector<std::string> twoBit;
  for (const ReportLayer &layer : lastReport->layers)
    if (layer.outputBits == 2 && layer.outputOrigin != "input")
      twoBit.push_back("'" + layer.name + "'");
  if (!twoBit.empty())
    compiled->warnings.push_back(
        std::to_string(twoBit.size()) + " activation" +
        (twoBit.size() > 1 ? "s are" : " is") + " at 2 bits (" +
        llvm::join(twoBit, ", ") +
        "): check the accuracy on your data (--validate)");
  // Activations cut to fit the RAM that row groups would keep at 8 bits:
  // the planned arena of --fuse-rows at 8 bits (PlannedRam.h).
  int cut = 0;
  for (const ReportLayer &layer : lastReport->layers)
    if (layer.outputBits && layer.outputBits < 8 &&
        (layer.outputOrigin == "rule" || layer.outputOrigin == "search"))
      ++cut;
  if (cut && !options.fuseRows && !compiled->integerModel)
    if (std::optional<int64_t> fused = fusedArenaAtEightBits();
        fused && *fused + stack <= ram)
      compiled->warnings.push_back(
          std::to_string(cut) + " activation" + (cut > 1 ? "s were" : " was") +
          " cut below 8 bits to fit the RAM; with --fuse-rows (row groups, "
          "docs/design.md) every activation fits at 8 bits (the precision "
          "assignment's planned arena: " +
          std::to_string(*fused) + " B), for 1-2% more instructions");
  std::string budgets = "budgets: flash " + std::to_string(options.flashBytes) +
                        " B, RAM " + std::to_string(options.ramBytes) + " B";
  if (options.reserveFlashBytes || options.reserveRamBytes)
    budgets += " (reserved for the application: flash " +
               std::to_string(options.reserveFlashBytes) + " B, RAM " +
               std::to_string(options.reserveRamBytes) + " B)";
  compiled->interface.summary.push_back(budgets);
  compiled->interface.summary.push_back(
      "left for the application: flash " +
      std::to_string(flash - compiled->flashBytes) + " B, RAM " +
      std::to_string(ram - compiled->arenaBytes - stack) + " B");
  lastReport->warnings = compiled->warnings;
  for (const std::string &warning : compiled->warnings) {
    emitWarning(loc) << warning;
    compiled->interface.summary.push_back("warning: " + warning);
  }
  if (!options.validationFiles.empty() && failed(validate(*compiled)))
    return failure();
  render(*lastReport, *compiled);
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
  if (options.reserveFlashBytes < 0 || options.reserveRamBytes < 0)
    return emitError(loc) << "a reserve must not be negative, got "
                          << std::min(options.reserveFlashBytes,
                                      options.reserveRamBytes)
                          << " B";
  if (options.reserveFlashBytes >= options.flashBytes)
    return emitError(loc) << "the flash reserve (" << options.reserveFlashBytes
                          << " B) leaves nothing of the flash budget ("
                          << options.flashBytes << " B) for the model";
  if (options.reserveRamBytes >= options.ramBytes)
    return emitError(loc) << "the RAM reserve (" << options.reserveRamBytes
                          << " B) leaves nothing of the RAM budget ("
                          << options.ramBytes << " B) for the model";
  if (std::optional<std::string> why =
          checkFloatABI(options.target, options.floatAbi))
    return emitError(loc) << *why;
  if (options.validateObject && options.target != CodegenTarget::X86_64)
    return emitError(loc) << "validation through the object runs x86-64 "
                             "objects only (--target=x86_64)";
  if (options.validateObject && options.validationFiles.empty())
    return emitError(loc) << "validation through the object needs inputs to "
                             "validate on (--validate=inputs.npy)";
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
    CompileResult *unfit,
    function_ref<OwningOpRef<ModuleOp>(const OnnxImportOptions &)> import) {
  FailureOr<std::string> name = modelName(context, fileName, options);
  if (failed(name))
    return failure();
  context.loadAllAvailableDialects();
  // A diagnostic on an op names its ONNX node: the name of its location,
  // which a file:line:col printer does not show.
  bool renamed = false;
  ScopedDiagnosticHandler nodeNames(&context, [&](Diagnostic &diag) {
    std::optional<std::string> node = nameFromLocation(diag.getLocation());
    std::string message = diag.str();
    if (renamed || !node || StringRef(message).contains("'" + *node + "'"))
      return failure(); // to the caller's handlers as it is
    Diagnostic copy(diag.getLocation(), diag.getSeverity());
    copy << "node '" << *node << "': " << message;
    for (Diagnostic &note : diag.getNotes())
      copy.attachNote(note.getLocation()) << note.str();
    renamed = true;
    context.getDiagEngine().emit(std::move(copy));
    renamed = false;
    return success();
  });
  OnnxImportOptions importOptions;
  importOptions.funcName = *name;
  importOptions.nhwcInputs = options.inputLayout == InputLayout::NHWC;
  importOptions.maxTensorBytes = options.maxTensorBytes;
  importOptions.maxConstantBytes = options.maxConstantBytes;
  importOptions.inputShapes = options.inputShapes;
  PhaseTimes phases;
  phases.onPhase = options.onPhase;
  OwningOpRef<ModuleOp> imported =
      phases.time("import", [&] { return import(importOptions); });
  if (!imported)
    return failure();
  Compilation compilation(context, *imported, *name, options, phases);
  FailureOr<CompileResult> result = compilation.run();
  if (failed(result) && unfit && compilation.lastReport &&
      !compilation.lastReport->fits) {
    *unfit = compilation.lastResult.value_or(CompileResult());
    unfit->name = *name;
    unfit->target = options.target;
    unfit->object.clear();
    unfit->svg.clear();
    unfit->mlir.clear();
    unfit->llvmIR.clear();
    compilation.render(*compilation.lastReport, *unfit);
  }
  return result;
}

} // namespace

FailureOr<CompileResult>
mlir::mpq::compileOnnxFile(MLIRContext &context, StringRef path,
                           const CompileOptions &options,
                           CompileResult *unfit) {
  return compileImported(context, path, options, unfit,
                         [&](const OnnxImportOptions &importOptions) {
                           return importOnnxFile(path, &context, importOptions);
                         });
}

FailureOr<CompileResult>
mlir::mpq::compileOnnxBuffer(MLIRContext &context, StringRef bytes,
                             StringRef fileName, const CompileOptions &options,
                             CompileResult *unfit) {
  return compileImported(context, fileName, options, unfit,
                         [&](const OnnxImportOptions &importOptions) {
                           return importOnnxBuffer(bytes, fileName, &context,
                                                   importOptions);
                         });
}

llvm::Expected<std::vector<std::string>>
mlir::mpq::writeCompileOutputs(StringRef dir, const CompileResult &result,
                               ArrayRef<CompileOutput> outputs) {
  auto error = [](const Twine &message) {
    return llvm::make_error<llvm::StringError>(message,
                                               llvm::inconvertibleErrorCode());
  };
  bool createdDir = !llvm::sys::fs::exists(dir);
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return error(dir + ": " + ec.message());
  // TempFile removes its file on a signal until it is kept or discarded.
  std::vector<std::pair<llvm::sys::fs::TempFile, std::string>> staged;
  auto discardAll = [&](const Twine &message) {
    for (auto &[file, path] : staged)
      llvm::consumeError(file.discard());
    if (createdDir) // as it was: absent
      llvm::sys::fs::remove(dir);
    return error(message);
  };
  for (const CompileOutput &output : outputs) {
    SmallString<128> path(dir);
    llvm::sys::path::append(path, result.name + output.suffix);
    if (llvm::sys::fs::is_directory(path))
      return discardAll(path + ": is a directory");
    auto file = llvm::sys::fs::TempFile::create(path + ".tmp%%%%%%");
    if (!file)
      return discardAll(path + ": " + llvm::toString(file.takeError()));
    llvm::raw_fd_ostream os(file->FD, /*shouldClose=*/false);
    os << output.bytes;
    os.flush();
    staged.emplace_back(std::move(*file), path.str().str());
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      return discardAll(path + ": " + message);
    }
  }
  std::vector<std::string> written;
  for (auto &[file, path] : staged) {
    if (llvm::Error keepError = file.keep(path))
      return discardAll(path + ": " + llvm::toString(std::move(keepError)));
    written.push_back(path);
  }
  return written;
}
