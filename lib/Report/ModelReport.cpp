//===- ModelReport.cpp - The compile report of a model --------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Report/ModelReport.h"
#include "mpq/Analysis/ArenaBuffers.h"
#include "mpq/Analysis/GraphExtraction.h"
#include "mpq/Analysis/MemoryModel.h"
#include "mpq/Analysis/RowGroups.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/JsonOrder.h"
#include "mpq/Support/Packing.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::mpq;
using llvm::json::Array;
using llvm::json::Object;

namespace {

SmallVector<int64_t> shapeOf(Value value) {
  auto type = cast<ShapedType>(value.getType());
  return SmallVector<int64_t>(type.getShape());
}

/// conv 3x3/2, depthwise-conv 3x3, fully-connected, max_pool2d, add, ...
std::string opKind(Operation *op) {
  if (auto conv = dyn_cast<QConv2DOp>(op)) {
    auto weight = cast<ShapedType>(conv.getWeight().getType());
    int64_t groups = conv.getGroups();
    std::string kind = groups > 1 && groups == weight.getDimSize(0)
                           ? "depthwise-conv"
                           : "conv";
    kind += " " + std::to_string(weight.getDimSize(1)) + "x" +
            std::to_string(weight.getDimSize(2));
    ArrayRef<int64_t> strides = conv.getStrides();
    if (llvm::any_of(strides, [](int64_t s) { return s != 1; }))
      kind += "/" + llvm::join(llvm::map_range(
                                   strides,
                                   [](int64_t s) { return std::to_string(s); }),
                               "x");
    return kind;
  }
  if (isa<QFullyConnectedOp>(op))
    return "fully-connected";
  StringRef name = op->getName().stripDialect();
  if (name.starts_with("q") && name != "quantize")
    name = name.drop_front();
  return name.str();
}

Value weightOf(Operation *op) {
  if (auto conv = dyn_cast<QConv2DOp>(op))
    return conv.getWeight();
  if (auto fc = dyn_cast<QFullyConnectedOp>(op))
    return fc.getWeight();
  return {};
}

std::string shapeText(ArrayRef<int64_t> shape) {
  return llvm::join(
      llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }), "x");
}

/// 1234567 -> "1,234,567".
std::string grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

} // namespace

int64_t mlir::mpq::layerMacs(Operation *op) {
  Value weight, result;
  if (auto conv = dyn_cast<QConv2DOp>(op))
    weight = conv.getWeight(), result = op->getResult(0);
  else if (auto conv = dyn_cast<Conv2DOp>(op))
    weight = conv.getWeight(), result = op->getResult(0);
  else if (auto fc = dyn_cast<QFullyConnectedOp>(op))
    weight = fc.getWeight(), result = op->getResult(0);
  else if (auto fc = dyn_cast<FullyConnectedOp>(op))
    weight = fc.getWeight(), result = op->getResult(0);
  else
    return 0;
  // Weights are [O, ...]: each output element sums one row of them.
  auto w = cast<ShapedType>(weight.getType());
  auto r = cast<ShapedType>(result.getType());
  if (!w.hasStaticShape() || !r.hasStaticShape() || w.getDimSize(0) == 0)
    return 0;
  return r.getNumElements() * (w.getNumElements() / w.getDimSize(0));
}

FailureOr<std::vector<ReportLayer>>
mlir::mpq::reportLayersOfPlannedGraph(func::FuncOp func,
                                      ArrayRef<WeightLayerInfo> weightInfo) {
  FailureOr<ArenaGraph> graph = extractArenaGraph(func);
  if (failed(graph))
    return failure();
  std::vector<int> order(graph->steps.size());
  for (size_t s = 0; s < order.size(); ++s)
    order[s] = static_cast<int>(s);
  // With the in-place hints the kernels allow: an output that overlaps such
  // a source is reported as written over it.
  ArenaBufferSet buffers = collectArenaBuffers(*graph, order, true);
  std::vector<int> rowOfTensor(graph->tensors.size(), -1);

  // The weight layers of the assignment by node name, in order: the k-th
  // integer layer of a node is the k-th assigned layer of that node.
  std::map<std::string, std::vector<const WeightLayerInfo *>> byNode;
  for (const WeightLayerInfo &info : weightInfo)
    byNode[info.node].push_back(&info);
  std::map<std::string, size_t> seen;
  const bool integerModel = weightInfo.empty();

  std::vector<ReportLayer> rows;
  auto setOutputStorage = [](ReportLayer &row, Value out) {
    if (auto type = dyn_cast<ShapedType>(out.getType()))
      if (std::optional<StorageInfo> info =
              getStorageInfo(type.getElementType())) {
        row.outputBits = info->width;
        row.outputSigned = info->isSigned;
      }
  };
  auto addTensorRow = [&](ReportLayer &row, Value out) {
    auto it = graph->tensorOf.find(out);
    if (it == graph->tensorOf.end())
      return;
    const Buffer &buffer = buffers.buffers[it->second];
    row.activationBytes = buffer.size;
    row.firstStep = buffer.firstUse;
    row.lastStep = buffer.lastUse;
    row.arenaOffset =
        getArenaOffset(graph->tensors[it->second].value.getDefiningOp());
    rowOfTensor[it->second] = static_cast<int>(rows.size());
    if (const int source = buffer.inPlaceOf;
        source >= 0 && rowOfTensor[source] >= 0 && row.arenaOffset) {
      const Buffer &in = buffers.buffers[source];
      std::optional<int64_t> inOffset =
          getArenaOffset(graph->tensors[source].value.getDefiningOp());
      if (inOffset && *inOffset < *row.arenaOffset + buffer.size &&
          *row.arenaOffset < *inOffset + in.size) {
        row.inPlaceOf = rows[rowOfTensor[source]].name;
        // The step that writes this tensor (a fused layer's conv, not its
        // requantize) carries the row order.
        Operation *step = nullptr;
        for (size_t k = 0; k < graph->steps.size(); ++k)
          if (graph->graph.ops[k].result == it->second)
            step = graph->steps[k].op;
        row.inPlaceDescending = step && getRowsDescending(step);
        row.inPlaceShift =
            row.inPlaceDescending ? buffer.inPlaceShiftUp : buffer.inPlaceShift;
      }
    }
    setOutputStorage(row, out);
  };
  // The graph's input, quantized.
  for (const ArenaTensor &tensor : graph->tensors)
    if (tensor.kind == ArenaTensorKind::Input) {
      ReportLayer row;
      Operation *def = tensor.value.getDefiningOp();
      row.name = nameFromLocation(def ? def->getLoc() : func.getLoc())
                     .value_or("input");
      row.op = def ? opKind(def) : "input";
      if (def && def->getNumOperands())
        row.inputShapes.push_back(shapeOf(def->getOperand(0)));
      row.outputShape = shapeOf(tensor.value);
      row.outputOrigin = integerModel ? "imported" : "io";
      addTensorRow(row, tensor.value);
      rows.push_back(std::move(row));
    }
  // Row groups: each group's first member, and the results in line buffers.
  FailureOr<std::vector<RowGroup>> groups = collectRowGroups(func);
  if (failed(groups))
    return failure();
  llvm::DenseMap<Operation *, const RowGroup *> groupOf;
  llvm::DenseSet<Value> lineValues;
  for (const RowGroup &group : *groups) {
    groupOf[group.members.front().op] = &group;
    for (size_t m = 0; m + 1 < group.members.size(); ++m)
      lineValues.insert(group.members[m].result());
  }
  // One row per layer: a row group's members each have theirs, the
  // results before the last in line buffers (RowSchedule.h).
  auto addStepRow = [&](Operation *op, Value out, const RowGroup *group,
                        size_t member, int64_t step) {
    ReportLayer row;
    row.name = nameFromLocation(op->getLoc()).value_or("");
    row.op = opKind(op);
    for (Value operand : op->getOperands())
      if (operand != weightOf(op) &&
          (graph->tensorOf.count(operand) || lineValues.contains(operand)))
        row.inputShapes.push_back(shapeOf(operand));
    row.outputShape = shapeOf(out);
    row.macs = layerMacs(op);
    if (group && member + 1 < group->members.size()) {
      row.rowGroup = group->id;
      row.lineRows = group->schedule.lineRows[member];
      row.activationBytes = group->schedule.lineBytes[member];
      if (std::optional<int64_t> base =
              getScratchOffset(group->members.front().op))
        row.arenaOffset = *base + group->schedule.lineOffsets[member];
      row.firstStep = row.lastStep = static_cast<int>(step);
      setOutputStorage(row, out);
    } else {
      if (group)
        row.rowGroup = group->id;
      addTensorRow(row, out);
    }
    if (Value weight = weightOf(op)) {
      auto type = cast<ShapedType>(weight.getType());
      std::optional<StorageInfo> info = getStorageInfo(type.getElementType());
      row.weightBits = info ? info->width : 0;
      auto grid = dyn_cast<UniformType>(type.getElementType());
      row.weightGranularity = grid && grid.isPerAxis() ? "channel" : "layer";
      const WeightLayerInfo *assigned = nullptr;
      auto it = byNode.find(row.name);
      if (it != byNode.end() && seen[row.name] < it->second.size())
        assigned = it->second[seen[row.name]++];
      if (assigned) {
        row.weightBytes = assigned->weightBytes;
        row.paramBytes = assigned->paramBytes;
        row.weightOrigin = assigned->weightOrigin;
        row.outputOrigin = assigned->outputOrigin;
      } else {
        std::vector<int64_t> shape(type.getShape().begin(),
                                   type.getShape().end());
        row.weightBytes = packedTensorBytes(shape, row.weightBits);
        auto perAxis = dyn_cast<UniformType>(type.getElementType());
        row.paramBytes = layerParamBytes(perAxis && perAxis.isPerAxis()
                                             ? QuantScheme::PC_ICN
                                             : QuantScheme::PL_ICN,
                                         type.getDimSize(0), /*isLast=*/false);
        row.weightOrigin = row.outputOrigin =
            integerModel ? "imported" : "rule";
      }
    } else if (op->hasTrait<KeepsInputGrid>()) {
      row.outputOrigin = "input";
    } else if (auto table = dyn_cast<TableOp>(op)) {
      // Its tables are in flash (a byte per entry), counted with the
      // parameters.
      row.paramBytes = static_cast<int64_t>(table.getTable().size());
      row.outputOrigin = integerModel ? "imported" : "rule";
    } else {
      row.outputOrigin = integerModel ? "imported" : "rule";
    }
    if (graph->tensorOf.count(out) &&
        graph->tensors[graph->tensorOf.lookup(out)].kind ==
            ArenaTensorKind::Output)
      row.outputOrigin = integerModel ? "imported" : "io";
    rows.push_back(std::move(row));
  };
  for (size_t k = 0; k < graph->steps.size(); ++k) {
    const ArenaStep &step = graph->steps[k];
    auto group = groupOf.find(step.op);
    if (group == groupOf.end()) {
      addStepRow(step.op,
                 (step.epilogue ? step.epilogue : step.op)->getResult(0),
                 nullptr, 0, static_cast<int64_t>(k));
      continue;
    }
    for (size_t m = 0; m < group->second->members.size(); ++m) {
      const RowGroupMember &member = group->second->members[m];
      addStepRow(member.op, member.result(), group->second, m,
                 static_cast<int64_t>(k));
    }
  }
  return rows;
}

std::vector<ReportLayer>
mlir::mpq::reportLayersOfPrecision(const llvm::json::Value &precision) {
  std::vector<ReportLayer> rows;
  const Object *root = precision.getAsObject();
  if (!root)
    return rows;
  auto add = [&](const Array *list, bool weights) {
    if (!list)
      return;
    for (const llvm::json::Value &value : *list) {
      const Object *layer = value.getAsObject();
      if (!layer)
        continue;
      ReportLayer row;
      row.name = layer->getString("name").value_or("").str();
      row.op = layer->getString("kind").value_or("").str();
      row.outputBits = layer->getInteger("output_bits").value_or(0);
      row.activationBytes = layer->getInteger("output_bytes").value_or(0);
      // The step orders the rows (and is not a lifetime).
      row.firstStep = layer->getInteger("step").value_or(0);
      if (weights) {
        row.weightBits = layer->getInteger("weight_bits").value_or(0);
        row.weightBytes = layer->getInteger("weight_bytes").value_or(0);
        row.paramBytes = layer->getInteger("param_bytes").value_or(0);
        row.weightOrigin = layer->getString("weight_origin").value_or("").str();
        row.weightGranularity =
            layer->getString("weight_granularity").value_or("").str();
        row.outputOrigin = layer->getString("output_origin").value_or("").str();
      }
      rows.push_back(std::move(row));
    }
  };
  add(root->getArray("layers"), true);
  add(root->getArray("steps"), false);
  // Back in execution order.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ReportLayer &a, const ReportLayer &b) {
                     return a.firstStep < b.firstStep;
                   });
  for (ReportLayer &row : rows)
    row.firstStep = -1;
  return rows;
}

llvm::json::Value mlir::mpq::modelReportJson(const ModelReport &report) {
  auto bytesOrNull = [](std::optional<int64_t> value) -> llvm::json::Value {
    if (value)
      return *value;
    return nullptr;
  };
  Object flash{
      {"budget", report.flashBudget},
      {"reserve", report.flashReserve},
      {"weights", report.weightBytes},
      {"parameters", report.paramBytes},
      {"rodata", report.rodataBytes},
      {"code", report.codeBytes},
      {"total", report.flashBytes()},
      {"left", report.flashBudget - report.flashReserve - report.flashBytes()}};
  Object ram{
      {"budget", report.ramBudget},
      {"reserve", report.ramReserve},
      {"arena", report.arenaBytes},
      {"arena_lower_bound", report.arenaLowerBoundBytes},
      {"stack", bytesOrNull(report.stackBytes)},
      {"total", report.ramBytes()},
      {"left", report.ramBudget - report.ramReserve - report.ramBytes()}};
  Array calibrationFiles;
  for (const std::string &file : report.calibrationFiles)
    calibrationFiles.push_back(file);
  Object summary{{"model", report.model},
                 {"target", report.target},
                 {"float_abi", report.floatAbi.empty()
                                   ? llvm::json::Value(nullptr)
                                   : llvm::json::Value(report.floatAbi)},
                 {"fits", report.fits},
                 {"bits", report.bits},
                 {"strategy", report.strategy},
                 {"scheme", report.scheme},
                 {"integer_model", report.integerModel},
                 {"code_optimized_for", report.codeOptimizedFor},
                 {"macs", report.macs},
                 {"flash", std::move(flash)},
                 {"ram", std::move(ram)},
                 {"calibration",
                  Object{{"files", std::move(calibrationFiles)},
                         {"synthetic_inputs",
                          static_cast<int64_t>(report.calibrationFiles.empty()
                                                   ? report.syntheticInputs
                                                   : 0)}}},
                 {"warnings", Array(report.warnings)}};
  if (!report.fits)
    summary["error"] = report.error;
  Array layers;
  for (auto [index, layer] : llvm::enumerate(report.layers)) {
    Array inputs;
    for (const auto &shape : layer.inputShapes)
      inputs.push_back(Array(shape));
    Object row{
        {"index", static_cast<int64_t>(index)},
        {"name", layer.name},
        {"op", layer.op},
        {"input_shapes", std::move(inputs)},
        {"output_shape", Array(layer.outputShape)},
        {"macs", layer.macs},
        {"weight_bits", layer.weightBits
                            ? llvm::json::Value(int64_t(layer.weightBits))
                            : llvm::json::Value(nullptr)},
        {"weight_origin", layer.weightBits
                              ? llvm::json::Value(layer.weightOrigin)
                              : llvm::json::Value(nullptr)},
        {"weight_granularity",
         layer.weightBits && !layer.weightGranularity.empty()
             ? llvm::json::Value(layer.weightGranularity)
             : llvm::json::Value(nullptr)},
        {"output_bits", static_cast<int64_t>(layer.outputBits)},
        {"output_signed", layer.outputSigned},
        {"output_origin", layer.outputOrigin},
        {"weight_bytes", layer.weightBytes},
        {"param_bytes", layer.paramBytes},
        {"activation_bytes", layer.activationBytes},
        {"arena_offset", bytesOrNull(layer.arenaOffset)},
        {"in_place_of", layer.inPlaceOf.empty()
                            ? llvm::json::Value(nullptr)
                            : llvm::json::Value(layer.inPlaceOf)},
        {"in_place_shift", layer.inPlaceOf.empty()
                               ? llvm::json::Value(nullptr)
                               : llvm::json::Value(layer.inPlaceShift)},
        {"in_place_descending",
         layer.inPlaceOf.empty() ? llvm::json::Value(nullptr)
                                 : llvm::json::Value(layer.inPlaceDescending)},
        {"row_group", layer.rowGroup ? llvm::json::Value(*layer.rowGroup)
                                     : llvm::json::Value(nullptr)},
        {"line_rows", layer.lineRows ? llvm::json::Value(layer.lineRows)
                                     : llvm::json::Value(nullptr)},
        {"first_step", layer.firstStep >= 0
                           ? llvm::json::Value(int64_t(layer.firstStep))
                           : llvm::json::Value(nullptr)},
        {"last_step", layer.lastStep >= 0
                          ? llvm::json::Value(int64_t(layer.lastStep))
                          : llvm::json::Value(nullptr)}};
    layers.push_back(std::move(row));
  }
  Object root{{"schema", kReportSchema},
              {"version", kReportSchemaVersion},
              {"summary", std::move(summary)},
              {"layers", std::move(layers)},
              {"precision", llvm::json::Value(report.precision)},
              {"plan", llvm::json::Value(report.plan)}};
  if (report.validation) {
    // +inf (identical values) has no JSON number: null.
    auto finite = [](double value) -> llvm::json::Value {
      if (std::isfinite(value))
        return value;
      return nullptr;
    };
    auto agreement = [&](const Agreement &a) {
      return Object{{"sqnr_db", finite(a.sqnrDb)},
                    {"cosine", a.cosine},
                    {"max_abs_error", a.maxAbsError},
                    {"mean_abs_error", a.meanAbsError}};
    };
    Array outputs, worst;
    for (const OutputValidation &output : report.validation->outputs) {
      Object row = agreement(output.agreement);
      row["name"] = output.name;
      if (output.top1Agree)
        row["top1_agree"] = *output.top1Agree;
      outputs.push_back(std::move(row));
    }
    for (const LayerValidation &layer : report.validation->layers) {
      Object row = agreement(layer.agreement);
      row["name"] = layer.name;
      row["bits"] = static_cast<int64_t>(layer.bits);
      worst.push_back(std::move(row));
    }
    root["validation"] = Object{{"samples", report.validation->samples},
                                {"outputs", std::move(outputs)},
                                {"layers", std::move(worst)}};
  }
  return root;
}

void mlir::mpq::printValidation(raw_ostream &os, const ValidationResult &result,
                                StringRef indent) {
  auto sqnr = [](double db) {
    return std::isfinite(db) ? llvm::formatv("{0:f2} dB", db).str()
                             : std::string("exact");
  };
  for (const OutputValidation &output : result.outputs) {
    const Agreement &a = output.agreement;
    os << indent << output.name << ": SQNR " << sqnr(a.sqnrDb) << ", cosine "
       << llvm::formatv("{0:f5}", a.cosine) << ", max |error| "
       << llvm::formatv("{0:g}", a.maxAbsError) << ", mean |error| "
       << llvm::formatv("{0:g}", a.meanAbsError);
    if (output.top1Agree)
      os << ", top-1 agreement " << *output.top1Agree << "/" << output.samples
         << llvm::formatv(" ({0:f1}%)",
                          100.0 * *output.top1Agree / output.samples);
    os << "\n";
  }
  if (result.layers.empty())
    return;
  os << indent
     << "worst layers (SQNR against the float model, clamped to "
        "the layer's grid):";
  for (size_t i = 0; i < result.layers.size() && i < 3; ++i)
    os << (i ? ", " : " ") << "'" << result.layers[i].name << "' "
       << sqnr(result.layers[i].agreement.sqnrDb) << " ("
       << result.layers[i].bits << " bits)";
  os << "\n";
}

void mlir::mpq::printModelReportJson(raw_ostream &os,
                                     const ModelReport &report) {
  // The schema's order (docs/report-schema.md); the precision and plan
  // documents keep their keys sorted after these.
  static const StringRef order[] = {"schema",
                                    "version",
                                    "summary",
                                    "model",
                                    "target",
                                    "float_abi",
                                    "fits",
                                    "error",
                                    "bits",
                                    "strategy",
                                    "scheme",
                                    "integer_model",
                                    "code_optimized_for",
                                    "macs",
                                    "flash",
                                    "ram",
                                    "budget",
                                    "reserve",
                                    "weights",
                                    "parameters",
                                    "rodata",
                                    "code",
                                    "arena",
                                    "arena_lower_bound",
                                    "stack",
                                    "total",
                                    "left",
                                    "calibration",
                                    "files",
                                    "synthetic_inputs",
                                    "warnings",
                                    "layers",
                                    "index",
                                    "name",
                                    "op",
                                    "input_shapes",
                                    "output_shape",
                                    "weight_bits",
                                    "weight_origin",
                                    "weight_granularity",
                                    "output_bits",
                                    "output_signed",
                                    "output_origin",
                                    "weight_bytes",
                                    "param_bytes",
                                    "activation_bytes",
                                    "arena_offset",
                                    "in_place_of",
                                    "in_place_shift",
                                    "in_place_descending",
                                    "row_group",
                                    "line_rows",
                                    "first_step",
                                    "last_step",
                                    "validation",
                                    "samples",
                                    "outputs",
                                    "sqnr_db",
                                    "cosine",
                                    "max_abs_error",
                                    "mean_abs_error",
                                    "top1_agree",
                                    "precision",
                                    "plan"};
  printJsonInOrder(os, modelReportJson(report), order);
  os << "\n";
}

void mlir::mpq::printLayerTable(raw_ostream &os, const ModelReport &report) {
  os << "| # | layer | op | input | output | MACs | weights | output | "
        "weight B | param B | output B | arena offset | live |\n"
        "|--:|---|---|---|---|--:|---|---|--:|--:|--:|--:|---|\n";
  for (auto [index, layer] : llvm::enumerate(report.layers)) {
    std::string inputs =
        llvm::join(llvm::map_range(layer.inputShapes,
                                   [](const SmallVector<int64_t> &s) {
                                     return shapeText(s);
                                   }),
                   ", ");
    auto orDash = [](const std::string &text) {
      return text.empty() ? std::string("-") : text;
    };
    // Pipes would end a Markdown cell.
    std::string name = layer.name;
    for (char &c : name)
      if (c == '|')
        c = '/';
    os << "| " << index << " | `" << name << "` | " << layer.op << " | "
       << orDash(inputs) << " | " << orDash(shapeText(layer.outputShape))
       << " | " << (layer.macs ? grouped(layer.macs) : "-") << " | "
       << (layer.weightBits ? "i" + std::to_string(layer.weightBits) + " (" +
                                  layer.weightOrigin + ")"
                            : std::string("-"))
       << " | "
       << (layer.outputBits ? (layer.outputSigned ? "i" : "u") +
                                  std::to_string(layer.outputBits) + " (" +
                                  layer.outputOrigin + ")"
                            : std::string("-"))
       << " | " << (layer.weightBits ? grouped(layer.weightBytes) : "-")
       << " | "
       << (layer.weightBits || layer.paramBytes ? grouped(layer.paramBytes)
                                                : "-")
       << " | "
       << (layer.activationBytes ? grouped(layer.activationBytes) : "-")
       << (layer.lineRows ? " (" + std::to_string(layer.lineRows) + "-row line)"
                          : std::string())
       << " | "
       << (layer.arenaOffset ? grouped(*layer.arenaOffset) : std::string("-"))
       << " | "
       << (layer.firstStep >= 0 ? std::to_string(layer.firstStep) + "-" +
                                      std::to_string(layer.lastStep)
                                : std::string("-"))
       << " |\n";
  }
}

void mlir::mpq::printModelReportMarkdown(raw_ostream &os,
                                         const ModelReport &report) {
  os << "# " << report.model << " for " << report.target
     << (report.floatAbi.empty() ? "" : " (" + report.floatAbi + " float ABI)")
     << ": " << (report.fits ? "fits" : "does not fit") << "\n\n";
  if (!report.fits)
    os << "**Error:** " << report.error << "\n\n";
  auto left = [](int64_t budget, int64_t reserve, int64_t used) {
    int64_t rest = budget - reserve - used;
    return rest >= 0 ? grouped(rest) + " B"
                     : "over by " + grouped(-rest) + " B";
  };
  os << "| memory | used by the model | budget | reserved | left for the "
        "application |\n|---|---|--:|--:|--:|\n";
  os << "| flash | " << grouped(report.flashBytes()) << " B (weights "
     << grouped(report.weightBytes) << " + parameters "
     << grouped(report.paramBytes) << " B as counted, "
     << grouped(report.rodataBytes) << " B as stored; code "
     << grouped(report.codeBytes) << " B) | " << grouped(report.flashBudget)
     << " B | " << grouped(report.flashReserve) << " B | "
     << left(report.flashBudget, report.flashReserve, report.flashBytes())
     << " |\n";
  os << "| RAM | " << grouped(report.ramBytes()) << " B (arena "
     << grouped(report.arenaBytes) << " B, lower bound "
     << grouped(report.arenaLowerBoundBytes) << " B; stack "
     << (report.stackBytes ? grouped(*report.stackBytes) + " B"
                           : std::string("unknown"))
     << ") | " << grouped(report.ramBudget) << " B | "
     << grouped(report.ramReserve) << " B | "
     << left(report.ramBudget, report.ramReserve, report.ramBytes())
     << " |\n\n";
  os << "- bits: `" << report.bits << "`";
  if (!report.strategy.empty())
    os << " (strategy " << report.strategy << ", scheme " << report.scheme
       << ")";
  os << "\n- MACs per inference: " << grouped(report.macs) << "\n";
  if (!report.codeOptimizedFor.empty())
    os << "- code optimized for " << report.codeOptimizedFor << "\n";
  if (report.integerModel)
    os << "- an integer model: its widths and grids are its own\n";
  else if (report.calibrationFiles.empty())
    os << "- calibration: " << report.syntheticInputs
       << " synthetic inputs, uniform in [0, 1)\n";
  else
    os << "- calibration: " << llvm::join(report.calibrationFiles, ", ")
       << "\n";
  if (!report.warnings.empty()) {
    os << "\n## Warnings\n\n";
    for (const std::string &warning : report.warnings)
      os << "- " << warning << "\n";
  }
  if (report.validation) {
    os << "\n## Validation on " << report.validation->samples
       << " inputs: the compiled model against the float model\n\n";
    printValidation(os, *report.validation, "- ");
  }
  os << "\n## Layers\n\n";
  if (report.layers.empty())
    os << "No layer was reached.\n";
  else
    printLayerTable(os, report);
  os << "\nWidths: i = signed, u = unsigned codes; in brackets why: rule or "
        "search (the strategy), pin (--pins), model (the model's own "
        "fake-quant), imported (an integer model), io (the input and the last "
        "output), input (the op keeps its input's grid). Live: the steps the "
        "output is in the arena for.\n";
}
