//===- PrecisionReport.h - Reporting a bit-width assignment -----*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The JSON report and the human-readable table of a precision assignment,
// shared by --mpq-assign-precision and the tools. The JSON object has
// (writePrecisionReport prints them in this order):
//
//   fits, error (only if it does not fit), strategy, scheme, delta,
//   ram_model, in_place (layers budgeted in place: the union of input and
//   output where stepInPlaceShift allows), activation_rule ("chain":
//   docs/paper.md §4 exactly; "dag": the
//   live-tensor generalization, docs/decisions.md §2), flash_budget,
//   ram_budget, planned_arena_bytes and activation_budget (ram-model=planned
//   only: the arena checked against ram_budget and the lowered activation
//   budget the rule last ran with), flash_bytes (weights + parameters),
//   weights_bytes, params_bytes, ram_bytes (the figure checked against
//   ram_budget), ram_bottleneck (the step attaining it), bits ("w=... a=..."),
//   smallest_flash_bytes / smallest_ram_bytes / flash_bottleneck /
//   ram_bottleneck_at_smallest (only if it does not fit), layers (weight layers
//   in execution order: name, kind, weight_bits, input_bits, output_bits,
//   weight_bytes, param_bytes, input_bytes, output_bytes, activation_bytes =
//   input + output, live_bytes, weight_origin, output_origin), steps (the
//   weightless steps: name, kind, input_bits [..], output_bits, input_bytes,
//   output_bytes, live_bytes), cuts (the cut log in order: target, name,
//   from_bits, to_bits, round, direction, at, reason).
//
// With strategy=search the object also has `search` (solver: "dp" or
// "milp", sensitivity_source, candidate_bits, objective: the total
// sensitivity of the widths chosen, rule_fits, rule_objective and rule_bits:
// the rule's widths on the same request and objective), and every layer and
// step has weight_sensitivity / output_sensitivity (the cost of each
// candidate width, in candidate_bits order; null for fixed widths) and
// weight_why / output_why (why the width is not the next wider one: the
// budget a wider one breaks; "" at the widest, "fixed" if not chosen).
//
// Origins say why a width is what it is: "rule" or "search" (chosen by the
// strategy, 8 if never cut), "pin" (a user pin), "model" (an mpq.fake_quant
// already in the model), "io" (the image input or the last layer's output, 8
// bits).
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_REPORT_PRECISIONREPORT_H
#define MPQ_REPORT_PRECISIONREPORT_H

#include "mpq/Analysis/PrecisionAssignment.h"

#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
namespace json {
class Value;
} // namespace json
} // namespace llvm

namespace mlir::mpq {

enum class WidthOrigin { Rule, Search, Pin, Model, IO };

const char *widthOriginName(WidthOrigin origin);

struct PrecisionReportInput {
  const GraphDesc &graph;
  const AssignmentRequest &request;
  const AssignmentResult &result;
  std::string strategy;
  std::string ramModel;
  std::vector<WidthOrigin> weightOrigin;   ///< One per step.
  std::vector<WidthOrigin> variableOrigin; ///< One per variable.
  /// ram-model=planned: the planned arena of the assignment and the
  /// activation budget the rule ran with at the end (-1: not planned).
  int64_t plannedArenaBytes = -1;
  int64_t activationBudget = -1;
};

/// The JSON report (see the file comment).
llvm::json::Value precisionReportJson(const PrecisionReportInput &input);

/// Writes the JSON report, indented, to `os`.
void writePrecisionReport(llvm::raw_ostream &os,
                          const PrecisionReportInput &input);

/// Writes a table for a person: totals against the budgets, one row per
/// step, then the cut log.
void printPrecisionTable(llvm::raw_ostream &os,
                         const PrecisionReportInput &input);

/// A sensitivity table as a file: {"source", "candidate_bits", "layers":
/// {"<step>": {"weights": [cost per candidate width], "output": [...]}}},
/// "output" on the step that creates the variable (like a pin's abits).
llvm::json::Value sensitivityJson(const GraphDesc &graph,
                                  const SensitivityTable &table,
                                  const std::vector<unsigned> &candidateBits);

/// Reads a table written by sensitivityJson for `graph`. Rows are required
/// for the widths `start` leaves free; nullopt and `error` if one is
/// missing or malformed, or the candidate widths differ.
std::optional<SensitivityTable>
sensitivityFromJson(const GraphDesc &graph, const StartingWidths &start,
                    const std::vector<unsigned> &candidateBits,
                    const llvm::json::Value &value, std::string &error);

} // namespace mlir::mpq

#endif // MPQ_REPORT_PRECISIONREPORT_H
