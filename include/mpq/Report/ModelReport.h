//===- ModelReport.h - The compile report of a model ------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// What a compile tells its user, written on success and on a failed fit: the
// totals against the budgets, one row per layer of the integer graph (its
// ONNX node, op, shapes, MACs, widths and why, bytes, arena offset and
// lifetime), and the precision assignment's and the planner's own reports.
// Rendered as JSON (the versioned schema of docs/report-schema.md) and as a
// Markdown table for a person.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_REPORT_MODELREPORT_H
#define MPQ_REPORT_MODELREPORT_H

#include "mpq/Eval/Validation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir::mpq {

/// The schema of the JSON report; bumped on any change a reader would
/// notice (docs/report-schema.md).
inline constexpr const char *kReportSchema = "mpq.report";
inline constexpr int kReportSchemaVersion = 3;

/// One layer: a step of the integer graph (a layer and its requantization
/// count as one), or, when the model did not fit before it was lowered, a
/// step of the precision assignment.
struct ReportLayer {
  /// The ONNX node, as the importer named the op.
  std::string name;
  /// conv, depthwise-conv, fully-connected, max-pool, add, quantize, ...
  std::string op;
  llvm::SmallVector<llvm::SmallVector<int64_t>> inputShapes;
  llvm::SmallVector<int64_t> outputShape;
  int64_t macs = 0;
  /// 0: no weights.
  unsigned weightBits = 0;
  /// rule, search, pin, model, imported, io, input (the input's grid).
  std::string weightOrigin;
  /// "channel" (a grid per output channel) or "layer" (one grid); empty
  /// without weights.
  std::string weightGranularity;
  unsigned outputBits = 0;
  bool outputSigned = false;
  std::string outputOrigin;
  int64_t weightBytes = 0, paramBytes = 0;
  /// The output tensor's bytes (packed).
  int64_t activationBytes = 0;
  /// Where the output lives in the arena and the steps it is live for
  /// (unknown when the model did not reach planning).
  std::optional<int64_t> arenaOffset;
  int firstStep = -1, lastStep = -1;
  /// The row whose output this one overwrites in place (docs/design.md),
  /// and the least distance below it the kernel needs (0 for elementwise
  /// ops); empty when the output has its own bytes.
  std::string inPlaceOf;
  int64_t inPlaceShift = 0;
  /// The step writes its output pixels from the last, ending inPlaceShift
  /// above its input's end (mpq.rows_descending).
  bool inPlaceDescending = false;
  /// The row group the layer runs in (mpq/Analysis/RowGroups.h), and for a
  /// result before the group's last, the rows of its line buffer
  /// (activationBytes and arenaOffset are the line buffer's).
  std::optional<int64_t> rowGroup;
  int64_t lineRows = 0;
};

struct ModelReport {
  std::string model, target;
  /// soft, softfp or hard on Arm targets; empty on x86-64.
  std::string floatAbi;
  bool fits = true;
  /// Why it does not fit (empty if it does).
  std::string error;
  std::string bits;
  std::string codeOptimizedFor;
  std::string strategy, scheme;
  bool integerModel = false;

  /// Flash: the budget, what the user reserved for the application, and
  /// what the model uses (weights and parameters as the memory model counts
  /// them; as stored in .rodata; code).
  int64_t flashBudget = 0, flashReserve = 0;
  int64_t weightBytes = 0, paramBytes = 0, rodataBytes = 0, codeBytes = 0;
  /// RAM: the budget, the reserve, the arena and the generated code's stack.
  int64_t ramBudget = 0, ramReserve = 0;
  int64_t arenaBytes = 0, arenaLowerBoundBytes = 0;
  std::optional<int64_t> stackBytes;
  int64_t macs = 0;

  /// The calibration data: files, or synthetic inputs uniform in [0, 1).
  std::vector<std::string> calibrationFiles;
  unsigned syntheticInputs = 0;
  std::vector<std::string> warnings;

  std::vector<ReportLayer> layers;
  /// The float model against the compiled one, if asked for.
  std::optional<ValidationResult> validation;
  /// The precision assignment's and the planner's reports (null: not run).
  llvm::json::Value precision = nullptr, plan = nullptr;

  int64_t flashBytes() const { return rodataBytes + codeBytes; }
  int64_t ramBytes() const { return arenaBytes + stackBytes.value_or(0); }
};

/// The multiply-accumulates of one run of `op`: a convolution or fully
/// connected layer at either level (graph or integer); 0 for other ops.
int64_t layerMacs(Operation *op);

/// The rows of `func`, an integer graph annotated by the arena planner, in
/// program order. `weightInfo` gives, per weight layer of the precision
/// assignment in its order, the node name, the memory-model bytes and the
/// origins of the widths (empty for an imported integer model: the bytes are
/// then computed from the types and every width is "imported").
struct WeightLayerInfo {
  std::string node;
  int64_t weightBytes = 0, paramBytes = 0;
  std::string weightOrigin, outputOrigin;
};
FailureOr<std::vector<ReportLayer>>
reportLayersOfPlannedGraph(func::FuncOp func,
                           llvm::ArrayRef<WeightLayerInfo> weightInfo);

/// The rows a precision report has (weight layers and steps, in order), for
/// a model that did not fit before it was lowered.
std::vector<ReportLayer> reportLayersOfPrecision(const llvm::json::Value &);

llvm::json::Value modelReportJson(const ModelReport &report);
/// The JSON, with keys in the schema's order.
void printModelReportJson(llvm::raw_ostream &os, const ModelReport &report);
/// The Markdown report: totals against the budgets, warnings, the layers.
void printModelReportMarkdown(llvm::raw_ostream &os, const ModelReport &report);
/// The per-layer table alone, for a terminal.
void printLayerTable(llvm::raw_ostream &os, const ModelReport &report);
/// The validation's lines: per output, then the worst layers.
void printValidation(llvm::raw_ostream &os, const ValidationResult &result,
                     llvm::StringRef indent = "  ");

} // namespace mlir::mpq

#endif // MPQ_REPORT_MODELREPORT_H
