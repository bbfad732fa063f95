//===- Compiler.cpp - mpq's compiler from C -------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// mpq-c/Compiler.h over mlir::mpq::compileOnnx* (mpq/Compiler/Compiler.h).
// Option names go through parseEnum/enumError, sizes through parseByteSize,
// pins through parseLayerPin: the C API accepts and rejects exactly what
// mpqc does, with the same messages. Each compile owns its MLIRContext, and
// its diagnostics are written into the result the way mpqc prints them.
//
//===----------------------------------------------------------------------===//

#include "mpq-c/Compiler.h"

#include "mpq/Analysis/PrecisionAssignment.h"
#include "mpq/Compiler/Compiler.h"
#include "mpq/Support/ByteSize.h"
#include "mpq/Support/EnumOption.h"
#include "mpq/Support/Version.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <new>
#include <string>

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// What an MpqCompileOptions handle points to.
struct OptionsImpl {
  CompileOptions options;
  std::string error;
};

/// What an MpqCompileResult handle points to.
struct ResultImpl {
  /// Set if the compile succeeded.
  std::optional<CompileResult> result;
  std::string error, notes;
  /// Names returned as MpqStringRef.
  std::string target, goal;
};

OptionsImpl *unwrap(MpqCompileOptions options) {
  return static_cast<OptionsImpl *>(options.ptr);
}

ResultImpl *unwrap(MpqCompileResult result) {
  return static_cast<ResultImpl *>(result.ptr);
}

/// The compile's result, or null if there is none (a failed compile, or a
/// null handle).
const CompileResult *compiled(MpqCompileResult result) {
  ResultImpl *impl = unwrap(result);
  return impl && impl->result ? &*impl->result : nullptr;
}

MpqStringRef wrap(const std::string &text) {
  return {text.c_str(), text.size()};
}

MpqStringRef empty() { return {"", 0}; }

MpqLogicalResult succeed() { return {1}; }

MpqLogicalResult fail(MpqCompileOptions options, std::string message) {
  if (OptionsImpl *impl = unwrap(options))
    impl->error = std::move(message);
  return {0};
}

StringRef text(const char *chars) { return chars ? chars : ""; }

template <typename E>
MpqLogicalResult setEnum(MpqCompileOptions options, const char *name,
                         E CompileOptions::*field) {
  std::optional<E> value = parseEnum<E>(text(name));
  if (!value)
    return fail(options, enumError<E>(text(name)));
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  unwrap(options)->options.*field = *value;
  return succeed();
}

MpqLogicalResult setBytes(MpqCompileOptions options, const char *what,
                          int64_t bytes, int64_t &field) {
  if (bytes < 0)
    return fail(options, std::string("the ") + what +
                             " budget must be at "
                             "least 0 bytes, not " +
                             std::to_string(bytes));
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  field = bytes;
  return succeed();
}

/// A size as mpqc's --flash takes it, or nullopt and the message.
std::optional<int64_t> parseSize(MpqCompileOptions options, const char *what,
                                 const char *size) {
  std::string why;
  std::optional<int64_t> bytes = parseByteSize(text(size).str(), &why);
  if (!bytes)
    fail(options, std::string("the ") + what + " budget '" + text(size).str() +
                      "' " + why);
  return bytes;
}

/// Prints a diagnostic with its location, as mpqc's handler does, when
/// asked to rather than when the engine calls it.
struct DiagnosticPrinter : SourceMgrDiagnosticHandler {
  using SourceMgrDiagnosticHandler::emitDiagnostic;
  using SourceMgrDiagnosticHandler::SourceMgrDiagnosticHandler;
};

/// One compile in a context of its own, its diagnostics captured into the
/// result: located ones through a SourceMgrDiagnosticHandler, as mpqc prints
/// them ("<file>:0:0: error: ..."), the others (budgets, retries) as
/// "error: ..." and "note: ..." lines.
MpqCompileResult
compile(MpqCompileOptions options,
        function_ref<FailureOr<CompileResult>(MLIRContext &,
                                              const CompileOptions &)>
            run) {
  auto *impl = new (std::nothrow) ResultImpl;
  if (!impl)
    return {nullptr};
  static const CompileOptions defaults;
  const CompileOptions &compileOptions =
      unwrap(options) ? unwrap(options)->options : defaults;

  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);
  // As mpqc: the message and its location, not a dump of the whole module.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  llvm::raw_string_ostream errorStream(impl->error), noteStream(impl->notes);
  // Registered before the handler below, so never called by the engine: the
  // handler routes each located diagnostic to one of them by severity.
  DiagnosticPrinter errorPrinter(sourceMgr, &context, errorStream);
  DiagnosticPrinter notePrinter(sourceMgr, &context, noteStream);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    bool remark = diag.getSeverity() == DiagnosticSeverity::Remark ||
                  diag.getSeverity() == DiagnosticSeverity::Note;
    if (!isa<UnknownLoc>(diag.getLocation())) {
      (remark ? notePrinter : errorPrinter).emitDiagnostic(diag);
      return success();
    }
    llvm::raw_ostream &os = remark ? noteStream : errorStream;
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error:
      os << "error: ";
      break;
    case DiagnosticSeverity::Warning:
      os << "warning: ";
      break;
    default:
      os << "note: ";
      break;
    }
    os << diag << "\n";
    for (Diagnostic &note : diag.getNotes())
      os << "note: " << note << "\n";
    return success();
  });

  FailureOr<CompileResult> result = run(context, compileOptions);
  if (succeeded(result)) {
    impl->result = std::move(*result);
    impl->target = enumName(impl->result->target);
    impl->goal = impl->result->goal == CodegenGoal::Size ? "size" : "speed";
  } else if (impl->error.empty()) {
    errorStream << "error: the compile failed\n";
  }
  return {impl};
}

template <typename T>
T layerField(MpqCompileResult result, intptr_t index, T LayerResult::*field) {
  const CompileResult *r = compiled(result);
  if (!r || index < 0 || static_cast<size_t>(index) >= r->layers.size())
    return T();
  return r->layers[index].*field;
}

MpqStringRef layerText(MpqCompileResult result, intptr_t index,
                       std::string LayerResult::*field) {
  const CompileResult *r = compiled(result);
  if (!r || index < 0 || static_cast<size_t>(index) >= r->layers.size())
    return empty();
  return wrap(r->layers[index].*field);
}

MpqStringRef output(MpqCompileResult result,
                    std::string CompileResult::*field) {
  const CompileResult *r = compiled(result);
  return r ? wrap(r->*field) : empty();
}

int64_t bytes(MpqCompileResult result, int64_t CompileResult::*field) {
  const CompileResult *r = compiled(result);
  return r ? r->*field : 0;
}

} // namespace

//===----------------------------------------------------------------------===//
// Version
//===----------------------------------------------------------------------===//

MpqStringRef mpqGetVersion(void) {
  static const std::string version = getFullVersion();
  return wrap(version);
}

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

MpqCompileOptions mpqCompileOptionsCreate(void) {
  return {new (std::nothrow) OptionsImpl};
}

void mpqCompileOptionsDestroy(MpqCompileOptions options) {
  delete unwrap(options);
}

MpqStringRef mpqCompileOptionsGetError(MpqCompileOptions options) {
  return unwrap(options) ? wrap(unwrap(options)->error) : empty();
}

MpqLogicalResult mpqCompileOptionsSetTarget(MpqCompileOptions options,
                                            const char *target) {
  return setEnum(options, target, &CompileOptions::target);
}

MpqLogicalResult mpqCompileOptionsSetFloatAbi(MpqCompileOptions options,
                                              const char *abi) {
  std::optional<FloatABI> value = parseEnum<FloatABI>(text(abi));
  if (!value)
    return fail(options, enumError<FloatABI>(text(abi)));
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  unwrap(options)->options.floatAbi = *value;
  return succeed();
}

MpqLogicalResult mpqCompileOptionsSetScheme(MpqCompileOptions options,
                                            const char *scheme) {
  return setEnum(options, scheme, &CompileOptions::scheme);
}

MpqLogicalResult mpqCompileOptionsSetStrategy(MpqCompileOptions options,
                                              const char *strategy) {
  return setEnum(options, strategy, &CompileOptions::strategy);
}

MpqLogicalResult
mpqCompileOptionsSetActivationRounding(MpqCompileOptions options,
                                       const char *rounding) {
  return setEnum(options, rounding, &CompileOptions::activationRounding);
}

MpqLogicalResult mpqCompileOptionsSetCalibrationRange(MpqCompileOptions options,
                                                      const char *range) {
  return setEnum(options, range, &CompileOptions::calibrationRange);
}

MpqLogicalResult mpqCompileOptionsSetSensitivityFile(MpqCompileOptions options,
                                                     const char *path) {
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  if (!path)
    return fail(options, "no sensitivity file (a null string)");
  unwrap(options)->options.sensitivityFile = path;
  return succeed();
}

MpqLogicalResult mpqCompileOptionsSetOptimize(MpqCompileOptions options,
                                              const char *goal) {
  return setEnum(options, goal, &CompileOptions::optimize);
}

MpqLogicalResult mpqCompileOptionsSetInputLayout(MpqCompileOptions options,
                                                 const char *layout) {
  return setEnum(options, layout, &CompileOptions::inputLayout);
}

MpqLogicalResult mpqCompileOptionsSetFlashBytes(MpqCompileOptions options,
                                                int64_t bytes) {
  int64_t ignored;
  OptionsImpl *impl = unwrap(options);
  return setBytes(options, "flash", bytes,
                  impl ? impl->options.flashBytes : ignored);
}

MpqLogicalResult mpqCompileOptionsSetRamBytes(MpqCompileOptions options,
                                              int64_t bytes) {
  int64_t ignored;
  OptionsImpl *impl = unwrap(options);
  return setBytes(options, "RAM", bytes,
                  impl ? impl->options.ramBytes : ignored);
}

MpqLogicalResult
mpqCompileOptionsSetReserveFlashBytes(MpqCompileOptions options,
                                      int64_t bytes) {
  int64_t ignored;
  OptionsImpl *impl = unwrap(options);
  return setBytes(options, "flash reserve", bytes,
                  impl ? impl->options.reserveFlashBytes : ignored);
}

MpqLogicalResult mpqCompileOptionsSetReserveRamBytes(MpqCompileOptions options,
                                                     int64_t bytes) {
  int64_t ignored;
  OptionsImpl *impl = unwrap(options);
  return setBytes(options, "RAM reserve", bytes,
                  impl ? impl->options.reserveRamBytes : ignored);
}

MpqLogicalResult
mpqCompileOptionsSetWeightBudgetBytes(MpqCompileOptions options,
                                      int64_t bytes) {
  OptionsImpl *impl = unwrap(options);
  if (impl && bytes == -1) {
    impl->options.weightBudgetBytes.reset();
    return succeed();
  }
  int64_t value = 0;
  if (mpqLogicalResultIsFailure(setBytes(options, "weight", bytes, value)))
    return {0};
  impl->options.weightBudgetBytes = value;
  return succeed();
}

MpqLogicalResult mpqCompileOptionsSetFlash(MpqCompileOptions options,
                                           const char *size) {
  std::optional<int64_t> value = parseSize(options, "flash", size);
  return value ? mpqCompileOptionsSetFlashBytes(options, *value)
               : MpqLogicalResult{0};
}

MpqLogicalResult mpqCompileOptionsSetRam(MpqCompileOptions options,
                                         const char *size) {
  std::optional<int64_t> value = parseSize(options, "RAM", size);
  return value ? mpqCompileOptionsSetRamBytes(options, *value)
               : MpqLogicalResult{0};
}

MpqLogicalResult mpqCompileOptionsSetWeightBudget(MpqCompileOptions options,
                                                  const char *size) {
  if (text(size).trim() == "none")
    return mpqCompileOptionsSetWeightBudgetBytes(options, -1);
  std::optional<int64_t> value = parseSize(options, "weight", size);
  return value ? mpqCompileOptionsSetWeightBudgetBytes(options, *value)
               : MpqLogicalResult{0};
}

MpqLogicalResult mpqCompileOptionsSetName(MpqCompileOptions options,
                                          const char *name) {
  StringRef value = text(name);
  if (!value.empty() && !isValidModelName(value))
    return fail(options,
                "'" + value.str() +
                    "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)");
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  unwrap(options)->options.name = value.str();
  return succeed();
}

MpqLogicalResult mpqCompileOptionsAddPin(MpqCompileOptions options,
                                         const char *pin) {
  std::optional<LayerPin> value = parseLayerPin(text(pin).str());
  if (!value)
    return fail(options, "'" + text(pin).str() +
                             "' is not layer:wbits:abits (0 leaves a width "
                             "free)");
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  unwrap(options)->options.pins.push_back(*value);
  return succeed();
}

MpqLogicalResult mpqCompileOptionsAddInputShape(MpqCompileOptions options,
                                                const char *shape) {
  std::string error;
  std::optional<InputShape> value = parseInputShape(text(shape), error);
  if (!value)
    return fail(options, error);
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  unwrap(options)->options.inputShapes.push_back(std::move(*value));
  return succeed();
}

void mpqCompileOptionsAddCalibrationFile(MpqCompileOptions options,
                                         const char *path) {
  if (OptionsImpl *impl = unwrap(options))
    impl->options.calibrationFiles.push_back(text(path).str());
}

void mpqCompileOptionsSetSyntheticInputs(MpqCompileOptions options,
                                         unsigned count) {
  if (OptionsImpl *impl = unwrap(options))
    impl->options.syntheticInputs = count;
}

void mpqCompileOptionsSetInPlace(MpqCompileOptions options, int enabled) {
  if (OptionsImpl *impl = unwrap(options))
    impl->options.inPlace = enabled != 0;
}

void mpqCompileOptionsSetFuseRows(MpqCompileOptions options, int enabled) {
  if (OptionsImpl *impl = unwrap(options))
    impl->options.fuseRows = enabled != 0;
}

MpqLogicalResult mpqCompileOptionsSetEmit(MpqCompileOptions options,
                                          const char *kinds) {
  SmallVector<StringRef> names;
  text(kinds).split(names, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::vector<EmitKind> emit;
  for (StringRef name : names) {
    std::optional<EmitKind> kind = parseEnum<EmitKind>(name.trim());
    if (!kind)
      return fail(options, enumError<EmitKind>(name.trim()));
    if (!llvm::is_contained(emit, *kind))
      emit.push_back(*kind);
  }
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  unwrap(options)->options.emit = std::move(emit);
  return succeed();
}

MpqLogicalResult mpqCompileOptionsAddEmit(MpqCompileOptions options,
                                          const char *kind) {
  std::optional<EmitKind> value = parseEnum<EmitKind>(text(kind));
  if (!value)
    return fail(options, enumError<EmitKind>(text(kind)));
  if (!unwrap(options))
    return fail(options, "no options (a null handle)");
  std::vector<EmitKind> &emit = unwrap(options)->options.emit;
  if (!llvm::is_contained(emit, *value))
    emit.push_back(*value);
  return succeed();
}

//===----------------------------------------------------------------------===//
// Compiling
//===----------------------------------------------------------------------===//

MpqCompileResult mpqCompileFile(MpqCompileOptions options, const char *path) {
  std::string file = text(path).str();
  return compile(options,
                 [&](MLIRContext &context, const CompileOptions &opts) {
                   return compileOnnxFile(context, file, opts);
                 });
}

MpqCompileResult mpqCompileBuffer(MpqCompileOptions options, const void *data,
                                  size_t size, const char *fileName) {
  StringRef bytes(static_cast<const char *>(data), data ? size : 0);
  std::string name = text(fileName).empty() ? "model.onnx" : fileName;
  return compile(options,
                 [&](MLIRContext &context, const CompileOptions &opts) {
                   return compileOnnxBuffer(context, bytes, name, opts);
                 });
}

void mpqCompileResultDestroy(MpqCompileResult result) { delete unwrap(result); }

bool mpqCompileResultSucceeded(MpqCompileResult result) {
  return compiled(result) != nullptr;
}

MpqStringRef mpqCompileResultGetError(MpqCompileResult result) {
  if (!unwrap(result)) {
    static const std::string noResult =
        "error: no result (out of memory creating it)\n";
    return wrap(noResult);
  }
  return wrap(unwrap(result)->error);
}

MpqStringRef mpqCompileResultGetNotes(MpqCompileResult result) {
  return unwrap(result) ? wrap(unwrap(result)->notes) : empty();
}

MpqStringRef mpqCompileResultGetName(MpqCompileResult result) {
  return output(result, &CompileResult::name);
}

MpqStringRef mpqCompileResultGetTarget(MpqCompileResult result) {
  return compiled(result) ? wrap(unwrap(result)->target) : empty();
}

MpqStringRef mpqCompileResultGetCodeGoal(MpqCompileResult result) {
  return compiled(result) ? wrap(unwrap(result)->goal) : empty();
}

bool mpqCompileResultIsIntegerModel(MpqCompileResult result) {
  const CompileResult *r = compiled(result);
  return r && r->integerModel;
}

MpqStringRef mpqCompileResultGetBits(MpqCompileResult result) {
  return output(result, &CompileResult::bits);
}

int64_t mpqCompileResultGetFlashBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::flashBytes);
}

int64_t mpqCompileResultGetRodataBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::rodataBytes);
}

int64_t mpqCompileResultGetCodeBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::codeBytes);
}

int64_t mpqCompileResultGetModelFlashBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::modelFlashBytes);
}

int64_t mpqCompileResultGetWeightBudgetBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::weightBudgetBytes);
}

int64_t mpqCompileResultGetArenaBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::arenaBytes);
}

int64_t mpqCompileResultGetArenaLowerBoundBytes(MpqCompileResult result) {
  return bytes(result, &CompileResult::arenaLowerBoundBytes);
}

int64_t mpqCompileResultGetStackBytes(MpqCompileResult result) {
  const CompileResult *r = compiled(result);
  return r && r->stackBytes ? *r->stackBytes : -1;
}

int64_t mpqCompileResultGetMacs(MpqCompileResult result) {
  return bytes(result, &CompileResult::macs);
}

intptr_t mpqCompileResultGetNumLayers(MpqCompileResult result) {
  const CompileResult *r = compiled(result);
  return r ? static_cast<intptr_t>(r->layers.size()) : 0;
}

MpqStringRef mpqCompileResultGetLayerName(MpqCompileResult result,
                                          intptr_t index) {
  return layerText(result, index, &LayerResult::name);
}

MpqStringRef mpqCompileResultGetLayerKind(MpqCompileResult result,
                                          intptr_t index) {
  return layerText(result, index, &LayerResult::kind);
}

unsigned mpqCompileResultGetLayerWeightBits(MpqCompileResult result,
                                            intptr_t index) {
  return layerField(result, index, &LayerResult::weightBits);
}

unsigned mpqCompileResultGetLayerInputBits(MpqCompileResult result,
                                           intptr_t index) {
  return layerField(result, index, &LayerResult::inputBits);
}

unsigned mpqCompileResultGetLayerOutputBits(MpqCompileResult result,
                                            intptr_t index) {
  return layerField(result, index, &LayerResult::outputBits);
}

int64_t mpqCompileResultGetLayerWeightBytes(MpqCompileResult result,
                                            intptr_t index) {
  return layerField(result, index, &LayerResult::weightBytes);
}

int64_t mpqCompileResultGetLayerParamBytes(MpqCompileResult result,
                                           intptr_t index) {
  return layerField(result, index, &LayerResult::paramBytes);
}

bool mpqCompileResultGetLayerPerLayerWeights(MpqCompileResult result,
                                             intptr_t index) {
  return layerField(result, index, &LayerResult::perLayerWeights);
}

MpqStringRef mpqCompileResultGetObject(MpqCompileResult result) {
  return output(result, &CompileResult::object);
}

MpqStringRef mpqCompileResultGetHeader(MpqCompileResult result) {
  return output(result, &CompileResult::header);
}

MpqStringRef mpqCompileResultGetReport(MpqCompileResult result) {
  return output(result, &CompileResult::report);
}

MpqStringRef mpqCompileResultGetReportMarkdown(MpqCompileResult result) {
  return output(result, &CompileResult::reportMarkdown);
}

MpqStringRef mpqCompileResultGetSvg(MpqCompileResult result) {
  return output(result, &CompileResult::svg);
}

MpqStringRef mpqCompileResultGetMlir(MpqCompileResult result) {
  return output(result, &CompileResult::mlir);
}

MpqStringRef mpqCompileResultGetLLVMIR(MpqCompileResult result) {
  return output(result, &CompileResult::llvmIR);
}

intptr_t mpqCompileResultGetNumSummaryLines(MpqCompileResult result) {
  const CompileResult *r = compiled(result);
  return r ? static_cast<intptr_t>(r->summary().size()) : 0;
}

MpqStringRef mpqCompileResultGetSummaryLine(MpqCompileResult result,
                                            intptr_t index) {
  const CompileResult *r = compiled(result);
  if (!r || index < 0 || static_cast<size_t>(index) >= r->summary().size())
    return empty();
  return wrap(r->summary()[index]);
}
