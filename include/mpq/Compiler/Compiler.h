//===- Compiler.h - mpq's compiler as a library -----------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The whole flow in one call: an ONNX model in, object code, a C header, a
// report and the arena plan out, under flash and RAM budgets.
//
//   mlir::MLIRContext context(registry);   // mpq::registerCompilerDialects
//   mpq::CompileOptions options;
//   options.target = mpq::CodegenTarget::CortexM7;
//   options.flashBytes = 2 << 20;
//   options.ramBytes = 512 << 10;
//   FailureOr<mpq::CompileResult> result =
//       mpq::compileOnnxFile(context, "model.onnx", options);
//
// Errors and notes reach the context's diagnostic handlers: errors that
// concern an op carry its location (the ONNX node), the others an unknown
// location; notes on what the compiler decided (a retry, a code-size
// fallback) are remarks. Nothing is written anywhere: the result holds every
// output in memory.
//
// The flow: import; if the model is not integer already, precision
// assignment under the budgets (ram-model=planned), calibration (the model
// runs once; its observed ranges serve every later round), lowering to
// integer ops and the arena plan; code generation. If the generated flash
// total misses the budget, the compiler first tries code optimized for size
// (OptimizeMode::Auto), then assigns precision again for the budget less the
// code, a few rounds at most (docs/design.md, "mpqc").
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_COMPILER_COMPILER_H
#define MPQ_COMPILER_COMPILER_H

#include "mpq/Codegen/Codegen.h"
#include "mpq/Eval/Validation.h"
#include "mpq/Import/OnnxImporter.h"
#include "mpq/Support/EnumOption.h"
#include "mpq/Transforms/PassOptions.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::mpq {

/// What the generated code is optimized for. Auto: speed, unless the faster
/// code is what pushes the flash total over the budget.
enum class OptimizeMode { Auto, Speed, Size };

/// The outputs a compile produces (all are in memory; a tool writes them).
enum class EmitKind { Object, Header, Report, Svg, Mlir, LLVMIR };

template <>
struct EnumTraits<CodegenTarget> {
  static constexpr const char *kind = "target";
  static llvm::ArrayRef<EnumEntry<CodegenTarget>> entries() {
    // The names are code generation's (allTargets), in its order.
    static const std::vector<EnumEntry<CodegenTarget>> table = [] {
      std::vector<EnumEntry<CodegenTarget>> entries;
      for (const TargetInfo &info : allTargets())
        entries.push_back({info.target, info.name});
      return entries;
    }();
    return table;
  }
};

template <>
struct EnumTraits<FloatABI> {
  static constexpr const char *kind = "float ABI";
  static llvm::ArrayRef<EnumEntry<FloatABI>> entries() {
    static const EnumEntry<FloatABI> table[] = {
        {FloatABI::Soft, floatABIName(FloatABI::Soft).data()},
        {FloatABI::SoftFP, floatABIName(FloatABI::SoftFP).data()},
        {FloatABI::Hard, floatABIName(FloatABI::Hard).data()}};
    return table;
  }
};

template <>
struct EnumTraits<OptimizeMode> {
  static constexpr const char *kind = "optimization goal";
  static llvm::ArrayRef<EnumEntry<OptimizeMode>> entries() {
    static const EnumEntry<OptimizeMode> table[] = {
        {OptimizeMode::Auto, "auto"},
        {OptimizeMode::Speed, "speed"},
        {OptimizeMode::Size, "size"}};
    return table;
  }
};

template <>
struct EnumTraits<EmitKind> {
  static constexpr const char *kind = "output kind";
  static llvm::ArrayRef<EnumEntry<EmitKind>> entries() {
    static const EnumEntry<EmitKind> table[] = {
        {EmitKind::Object, "obj"},    {EmitKind::Header, "header"},
        {EmitKind::Report, "report"}, {EmitKind::Svg, "svg"},
        {EmitKind::Mlir, "mlir"},     {EmitKind::LLVMIR, "llvm-ir"}};
    return table;
  }
};

struct CompileOptions {
  CodegenTarget target = CodegenTarget::CortexM7;
  /// The float ABI an Arm object declares; unset: the core's default (hard
  /// with an FPU, soft without). Must be unset for x86_64, and soft on
  /// cores without an FPU (checkFloatABI).
  std::optional<FloatABI> floatAbi;
  /// Budgets in bytes; the defaults are the STM32H743's 2 MiB flash and
  /// 512 KiB AXI SRAM. Flash covers weights + parameters + code; RAM the
  /// arena.
  int64_t flashBytes = 2 * 1024 * 1024;
  int64_t ramBytes = 512 * 1024;
  /// Flash for weights and per-channel parameters during precision
  /// assignment. Unset: the flash budget, less the code if the total misses
  /// it. The generated total is still checked against flashBytes.
  std::optional<int64_t> weightBudgetBytes;
  QuantScheme scheme = QuantScheme::PC_ICN;
  PrecisionStrategyKind strategy = PrecisionStrategyKind::Rule;
  /// How the activations the assignment quantizes round (a model's own
  /// fake-quants keep theirs).
  ActivationRounding activationRounding = ActivationRounding::Nearest;
  /// How calibration chooses each activation's range from the observed
  /// values (the `range=` option of --mpq-calibrate).
  RangeEstimatorKind calibrationRange = RangeEstimatorKind::MinMax;
  /// strategy=search: the sensitivity table (the `sensitivity=` file of
  /// --mpq-assign-precision); empty: the proxy.
  std::string sensitivityFile;
  /// Widths held fixed (parseLayerPin reads "layer:wbits:abits").
  std::vector<LayerPin> pins;
  /// Calibration inputs (.npy files, one input each or a batch along dim
  /// 0); none: `syntheticInputs` deterministic inputs, uniform in [0, 1).
  std::vector<std::string> calibrationFiles;
  unsigned syntheticInputs = 4;
  OptimizeMode optimize = OptimizeMode::Auto;
  InputLayout inputLayout = InputLayout::Model;
  /// Shapes binding the graph inputs' symbolic dimensions
  /// (OnnxImportOptions::inputShapes; parseInputShape reads
  /// "name:1x49x10x1").
  std::vector<InputShape> inputShapes;
  /// Limits on what the model may hold (OnnxImportOptions): the largest
  /// tensor, and all constants together, in bytes of float32.
  int64_t maxTensorBytes = OnnxImportOptions().maxTensorBytes;
  int64_t maxConstantBytes = OnnxImportOptions().maxConstantBytes;
  /// The prefix of every symbol (a C identifier); empty: from the file name.
  std::string name;
  /// The outputs to produce; the object is always generated (its sizes are
  /// checked against the budget).
  std::vector<EmitKind> emit = {EmitKind::Object, EmitKind::Header,
                                EmitKind::Report, EmitKind::Svg};
  /// Report the wall time of each phase as a remark at the end.
  bool timePhases = false;
  /// What the application needs beside the model, counted in the fit:
  /// flash for its code and data, RAM for its stack, heap and data. The
  /// model gets flashBytes - reserveFlashBytes for weights, parameters and
  /// code, and ramBytes - reserveRamBytes for the arena and the generated
  /// code's stack.
  int64_t reserveFlashBytes = 0;
  int64_t reserveRamBytes = 0;
  /// Inputs (.npy, as for calibration) to run the float model and the
  /// compiled integer model on and compare (CompileResult::validation).
  std::vector<std::string> validationFiles;
  /// Validate through the compiled object itself (x86-64 only: loaded into
  /// this process by LLVM's ORC JIT) rather than the reference evaluator;
  /// the object's output codes are also checked against the evaluator's.
  bool validateObject = false;
  /// Let a layer write its output over an input that dies there: an
  /// elementwise op at the input's offset, a window layer (conv,
  /// depthwise, pooling) a few rows below it (docs/design.md "In-place
  /// layers"). The arena planner keeps the overlaps that make it smaller.
  bool inPlace = true;
  /// Run groups of layers (chains of convolutions, residual and downsampling
  /// blocks) row by row, their intermediate tensors in
  /// line buffers of a few rows, where that lowers the arena
  /// (--mpq-fuse-rows; docs/design.md "Row groups").
  bool fuseRows = false;
  /// Called as each phase starts (import, precision assignment, ...), for
  /// progress lines; the fit policy may run a phase more than once.
  std::function<void(llvm::StringRef phase)> onPhase;
};

/// One weight layer of the result.
struct LayerResult {
  std::string name, kind;
  unsigned weightBits = 0, inputBits = 0, outputBits = 0;
  int64_t weightBytes = 0, paramBytes = 0;
  /// One grid for the weights, batch norm folded (strategy=search's option
  /// where parameters bind, or a model's own per-tensor weights): one
  /// requantization multiplier for the layer.
  bool perLayerWeights = false;
};

struct CompileResult {
  std::string name;
  CodegenTarget target = CodegenTarget::CortexM7;
  /// The float ABI the object declares (Arm targets only).
  std::optional<FloatABI> floatAbi;
  /// What the code was optimized for in the end.
  CodegenGoal goal = CodegenGoal::Speed;
  /// The model came with integer ops: its widths are its own.
  bool integerModel = false;
  /// "w=<one digit per weight layer> a=<one per activation>", or
  /// "as imported (integer model)".
  std::string bits;
  std::vector<LayerResult> layers;

  /// Flash: weights + parameters as stored (.rodata) + code (.text).
  int64_t flashBytes = 0, rodataBytes = 0, codeBytes = 0;
  /// Weights + parameters as the memory model counts them.
  int64_t modelFlashBytes = 0;
  /// The budget precision assignment ran with (weights + parameters).
  int64_t weightBudgetBytes = 0;
  int64_t arenaBytes = 0, arenaLowerBoundBytes = 0;
  /// The generated code's frames (.stack_sizes), if the object records them.
  std::optional<int64_t> stackBytes;
  int64_t macs = 0;

  /// Wall time per phase (import, precision assignment, calibration,
  /// lowering and planning, code generation, LLVM and object emission),
  /// summed over the rounds of the fit policy.
  std::vector<std::pair<std::string, double>> phaseSeconds;

  ModelInterface interface;
  /// False only in the result a failed fit leaves (compileOnnxFile's
  /// `unfit`): the figures and the report of the last attempt.
  bool fits = true;
  /// What a user should know about the result's accuracy (synthetic
  /// calibration, 2-bit activations); also in the summary and the header.
  std::vector<std::string> warnings;
  /// The per-layer table (Markdown) that the report also holds.
  std::string layerTable;
  /// The float model against the compiled integer model on
  /// CompileOptions::validationFiles (if given).
  std::optional<ValidationResult> validation;

  /// The outputs asked for in CompileOptions::emit (others stay empty).
  /// `report` is the JSON of docs/report-schema.md, `reportMarkdown` the
  /// same for a person (both come with EmitKind::Report).
  std::string object, header, report, reportMarkdown, svg, mlir, llvmIR;

  /// The lines of the summary a tool prints (also in the header).
  const std::vector<std::string> &summary() const { return interface.summary; }
};

/// One output of a compile as a file: NAME + suffix ("fmnist" + ".o").
struct CompileOutput {
  EmitKind kind;
  const char *suffix;
  StringRef bytes;
};

/// The outputs in `emit`, with their file suffixes (.o, .h, .report.json,
/// .report.md, .mlir, .ll, .plan.svg), in that order.
std::vector<CompileOutput> compileOutputs(const CompileResult &result,
                                          ArrayRef<EmitKind> emit);

/// Compiles the ONNX model at `path`. If the compile fails because the model
/// does not fit its budgets and `unfit` is given, `*unfit` receives what the
/// last attempt reached (fits false): its report (the smallest reachable
/// figures and the bottleneck) and the figures it has.
FailureOr<CompileResult> compileOnnxFile(MLIRContext &context, StringRef path,
                                         const CompileOptions &options,
                                         CompileResult *unfit = nullptr);

/// Compiles an ONNX model held in memory; `fileName` names it in messages
/// and gives the default model name.
FailureOr<CompileResult> compileOnnxBuffer(MLIRContext &context,
                                           StringRef bytes, StringRef fileName,
                                           const CompileOptions &options,
                                           CompileResult *unfit = nullptr);

/// Writes `outputs` of `result` into `dir` (created if missing) as
/// dir/NAME+suffix: each is staged beside its final name and all are renamed
/// at the end, so a failure leaves the files in `dir` as they were (and so
/// does an interrupt: the staged files are removed on a signal). Returns the
/// paths written.
llvm::Expected<std::vector<std::string>>
writeCompileOutputs(StringRef dir, const CompileResult &result,
                    ArrayRef<CompileOutput> outputs);

/// The dialects a context needs to compile (mpq's, the importer's and code
/// generation's).
void registerCompilerDialects(DialectRegistry &registry);

/// A C identifier from a file name: [A-Za-z0-9_], not starting with a digit.
std::string modelNameFromPath(StringRef path);

/// Whether `name` can be a model's name: a C identifier
/// ([A-Za-z_][A-Za-z0-9_]*), since it prefixes every symbol and names the
/// output files (so it never reaches outside an output directory).
bool isValidModelName(StringRef name);

} // namespace mlir::mpq

MPQ_ENUM_OPTION(::mlir::mpq::CodegenTarget)
MPQ_ENUM_OPTION(::mlir::mpq::FloatABI)
MPQ_ENUM_OPTION(::mlir::mpq::OptimizeMode)
MPQ_ENUM_OPTION(::mlir::mpq::EmitKind)

#endif // MPQ_COMPILER_COMPILER_H
