//===- ArenaBuffers.cpp - Arena buffers of an integer mpq function --------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/ArenaBuffers.h"
#include "mpq/Analysis/GraphExtraction.h"
#include "mpq/Analysis/MemoryModel.h"
#include "mpq/Analysis/RowGroups.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/Packing.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <functional>

using namespace mlir;
using namespace mlir::mpq;

/// The storage width of a stored quantized tensor type, or 0.
static unsigned storedWidth(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 0;
  auto uniform = dyn_cast<UniformType>(tensor.getElementType());
  if (!uniform || !uniform.isInMemory())
    return 0;
  return uniform.getWidth();
}

int64_t mlir::mpq::kernelScratchBytes(Operation *op, bool dspKernels) {
  // A row group's scratch (its line buffers) is its own: not a member's.
  if (getRowGroup(op))
    return 0;
  if (std::optional<int64_t> planned = getScratchSize(op))
    return *planned;
  auto conv = dyn_cast<QConv2DOp>(op);
  if (!dspKernels || !conv || conv.getGroups() != 1)
    return 0;
  if (auto func = op->getParentOfType<func::FuncOp>();
      func && getNarrowKernels(func))
    return 0;
  auto in = cast<RankedTensorType>(conv.getInput().getType());
  auto w = cast<RankedTensorType>(conv.getWeight().getType());
  auto out = cast<RankedTensorType>(conv.getType());
  auto one = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t x) { return x == 1; });
  };
  if (!in.hasStaticShape() || !w.hasStaticShape() || !out.hasStaticShape() ||
      in.getRank() != 4 || in.getDimSize(3) <= 0 || w.getRank() != 4 ||
      out.getRank() != 4 || out.getDimSize(3) <= 0)
    return 0;
  if (w.getDimSize(1) == 1 && w.getDimSize(2) == 1 && one(conv.getStrides()) &&
      llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; })) {
    // The product kernel reads codes without a zero point (unsigned below
    // 8 bits); a window's gather subtracts it.
    auto x = dyn_cast<UniformType>(in.getElementType());
    if (!x || x.isPerAxis() || x.getZeroPoint() != 0 ||
        (x.getWidth() < 8 && x.getStorageMin() < 0))
      return 0;
    return pointwiseWideningBytes(in.getNumElements() / in.getDimSize(3),
                                  w.getDimSize(3), w.getDimSize(0),
                                  storedWidth(in));
  }
  return windowWideningBytes(out.getNumElements() / out.getDimSize(3),
                             w.getDimSize(1), w.getDimSize(2), w.getDimSize(3),
                             w.getDimSize(0), storedWidth(in));
}

const char *mlir::mpq::stringifyArenaTensorKind(ArenaTensorKind kind) {
  switch (kind) {
  case ArenaTensorKind::Input:
    return "input";
  case ArenaTensorKind::Activation:
    return "activation";
  case ArenaTensorKind::Output:
    return "output";
  }
  return "activation";
}

/// True when reshaping `from` into `to` keeps the packed bytes (file
/// comment: same innermost dimension, or no row padding on either side).
static bool isViewReshape(RankedTensorType from, RankedTensorType to,
                          unsigned bits) {
  int64_t innerFrom = from.getRank() == 0 ? 1 : from.getShape().back();
  int64_t innerTo = to.getRank() == 0 ? 1 : to.getShape().back();
  if (innerFrom == innerTo)
    return true;
  return (innerFrom * bits) % 8 == 0 && (innerTo * bits) % 8 == 0;
}

namespace {

class ArenaGraphBuilder {
public:
  ArenaGraphBuilder(func::FuncOp func, bool rowGroups, bool dspKernels)
      : useRowGroups(rowGroups), dspKernels(dspKernels) {
    result.func = func;
  }
  FailureOr<ArenaGraph> build();

private:
  /// Size of a value that must live in the arena, or an error on `op`.
  FailureOr<int64_t> arenaSize(Operation *op, Value value);
  /// Arena tensors read by `op` (each must be in the arena or a constant).
  FailureOr<std::vector<int>> arenaOperands(Operation *op);
  /// `name`: the step's, if not the op's.
  LogicalResult addStep(Operation *op, Operation *epilogue, Value value,
                        std::string name = "");
  LogicalResult visit(Operation &op);
  /// Member `m` of `group`: the group's step at its last member.
  LogicalResult visitRowMember(const RowGroup &group, size_t m);
  std::string uniqueName(Operation *op, StringRef fallback);
  std::string uniqueName(std::string name);

  ArenaGraph result;
  bool useRowGroups;
  bool dspKernels;
  /// Values computed from constants only (flash): qconstants and views.
  llvm::DenseSet<Value> constants;
  /// Requantize ops fused into the conv / fc step before them.
  llvm::DenseSet<Operation *> epilogues;
  /// Row groups (RowGroups.h): each member's group and place in it.
  std::vector<RowGroup> rowGroups;
  llvm::DenseMap<Operation *, std::pair<size_t, size_t>> rowMember;
  llvm::StringSet<> usedNames;
};

} // namespace

std::string ArenaGraphBuilder::uniqueName(Operation *op, StringRef fallback) {
  return uniqueName(nameFromLocation(op->getLoc()).value_or(fallback.str()));
}

std::string ArenaGraphBuilder::uniqueName(std::string name) {
  if (!usedNames.insert(name).second) {
    name += "_" + std::to_string(usedNames.size());
    usedNames.insert(name);
  }
  return name;
}

FailureOr<int64_t> ArenaGraphBuilder::arenaSize(Operation *op, Value value) {
  unsigned bits = storedWidth(value.getType());
  if (bits == 0)
    return op->emitError() << "'" << op->getName() << "' produces "
                           << value.getType()
                           << ", expected a tensor of stored !mpq.uniform "
                              "codes in an integer-only graph";
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.hasStaticShape())
    return op->emitError() << "'" << op->getName()
                           << "' produces a dynamic shape (" << type
                           << "): buffer planning needs static sizes";
  std::optional<int64_t> bytes = checkedPackedTensorBytes(
      std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
      bits);
  if (!bytes)
    return op->emitError() << "the buffer of " << type
                           << " does not fit in int64 bytes";
  return *bytes;
}

FailureOr<std::vector<int>> ArenaGraphBuilder::arenaOperands(Operation *op) {
  std::vector<int> operands;
  for (Value operand : op->getOperands()) {
    auto it = result.tensorOf.find(operand);
    if (it != result.tensorOf.end()) {
      operands.push_back(it->second);
      continue;
    }
    if (constants.contains(operand))
      continue;
    return op->emitError() << "'" << op->getName() << "' reads "
                           << operand.getType()
                           << ", which is neither in the arena nor a "
                              "constant: expected an integer-only graph "
                              "(run --mpq-lower-fake-quant first)";
  }
  return operands;
}

LogicalResult ArenaGraphBuilder::addStep(Operation *op, Operation *epilogue,
                                         Value value, std::string name) {
  Operation *writer = epilogue ? epilogue : op;
  FailureOr<int64_t> size = arenaSize(writer, value);
  FailureOr<std::vector<int>> operands = arenaOperands(op);
  if (failed(size) || failed(operands))
    return failure();
  if (name.empty())
    name = uniqueName(op, op->getName().stripDialect().str() +
                              std::to_string(result.graph.ops.size()));
  int tensor = result.graph.addOp(name, *size, *operands);
  result.tensors.push_back({value, {}, ArenaTensorKind::Activation});
  result.tensorOf[value] = tensor;
  result.steps.push_back({op, epilogue, kernelScratchBytes(op, dspKernels)});
  return success();
}

LogicalResult ArenaGraphBuilder::visitRowMember(const RowGroup &group,
                                                size_t m) {
  const RowGroupMember &member = group.members[m];
  if (member.writer != member.op)
    epilogues.insert(member.writer);
  // A row group is one step, from its first member's input to its last
  // member's result, with the line buffers as its scratch; the other
  // members' results never exist whole.
  if (m + 1 < group.members.size())
    return success();
  // Named by its first and last layers: "pw1..dw4".
  auto nameOf = [&](Operation *op) {
    return nameFromLocation(op->getLoc())
        .value_or(op->getName().stripDialect().str());
  };
  Operation *first = group.members.front().op;
  if (failed(addStep(first, member.writer, member.result(),
                     uniqueName(nameOf(first) + ".." + nameOf(member.op)))))
    return failure();
  ArenaStep &step = result.steps.back();
  step.scratchBytes = group.schedule.scratchBytes;
  step.rowGroupShift = group.schedule.inPlaceShift;
  for (const RowGroupMember &k : group.members) {
    step.groupOps.push_back(k.op);
    if (k.writer != k.op)
      step.groupOps.push_back(k.writer);
  }
  return success();
}

LogicalResult ArenaGraphBuilder::visit(Operation &op) {
  if (auto member = rowMember.find(&op); member != rowMember.end())
    return visitRowMember(rowGroups[member->second.first],
                          member->second.second);
  return TypeSwitch<Operation *, LogicalResult>(&op)
      .Case<QuantizeOp, func::ReturnOp>([](auto) { return success(); })
      .Case<QConstantOp>([&](QConstantOp constant) -> LogicalResult {
        constants.insert(constant.getResult());
        return success();
      })
      .Case<IntegerLayerOpInterface>([&](Operation *layer) -> LogicalResult {
        Value acc = layer->getResult(0);
        auto requant = acc.hasOneUse()
                           ? dyn_cast<RequantizeOp>(*acc.getUsers().begin())
                           : RequantizeOp();
        if (!requant)
          return layer->emitError()
                 << "the int32 accumulator of '" << layer->getName()
                 << "' must be read by exactly one mpq.requantize (the pair "
                    "is one step)";
        epilogues.insert(requant);
        return addStep(layer, requant, requant.getResult());
      })
      .Case<RequantizeOp>([&](RequantizeOp requant) -> LogicalResult {
        if (epilogues.contains(requant))
          return success();
        if (storedWidth(requant.getInput().getType()) == 0)
          return requant.emitError()
                 << "requantizes " << requant.getInput().getType()
                 << " that no mpq.qconv2d or mpq.qfully_connected produced";
        return addStep(requant, nullptr, requant.getResult());
      })
      .Case<QAddOp, QMulOp, QMaxOp, QMinOp, QAvgPool2DOp, TableOp, QSoftmaxOp,
            QLayerNormOp, QResizeLinearOp>(
          [&](Operation *step) -> LogicalResult {
            return addStep(step, nullptr, step->getResult(0));
          })
      .Case<ReshapeOp>([&](ReshapeOp reshape) -> LogicalResult {
        Value input = reshape.getInput();
        if (constants.contains(input)) {
          constants.insert(reshape.getResult());
          return success();
        }
        unsigned bits = storedWidth(input.getType());
        auto it = result.tensorOf.find(input);
        if (bits != 0 && it != result.tensorOf.end() &&
            storedWidth(reshape.getType()) == bits &&
            isViewReshape(cast<RankedTensorType>(input.getType()),
                          reshape.getType(), bits)) {
          // (A copy: inserting into tensorOf moves its entries.)
          const int tensor = it->second;
          result.tensorOf[reshape.getResult()] = tensor;
          result.tensors[tensor].views.push_back(reshape.getResult());
          return success();
        }
        return addStep(reshape, nullptr, reshape.getResult());
      })
      .Case<DequantizeOp>([&](DequantizeOp dequantize) -> LogicalResult {
        auto it = result.tensorOf.find(dequantize.getInput());
        if (it == result.tensorOf.end())
          return dequantize.emitError()
                 << "dequantizes a value that is not in the arena (a "
                    "constant?): model outputs are activations";
        result.graph.markOutput(it->second);
        return success();
      })
      .Default([&](Operation *other) -> LogicalResult {
        // Data movement on codes other than a view reshape (above) writes a
        // new buffer.
        if (other->hasTrait<ElementTypeAgnostic>())
          return addStep(other, nullptr, other->getResult(0));
        return other->emitError()
               << "'" << other->getName()
               << "' is not an op of the integer-only graph buffer planning "
                  "reads (run --mpq-lower-fake-quant and "
                  "--mpq-check-integer-only first)";
      });
}

FailureOr<ArenaGraph> ArenaGraphBuilder::build() {
  func::FuncOp func = result.func;
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "buffer planning expects a function with one "
                               "block";
  for (BlockArgument arg : func.getArguments())
    if (!isa<FloatType>(getElementTypeOrSelf(arg.getType())))
      return func.emitError()
             << "argument #" << arg.getArgNumber() << " has type "
             << arg.getType()
             << ": buffer planning expects float model inputs, quantized "
                "into the arena by mpq.quantize";
  FailureOr<std::vector<RowGroup>> groups =
      useRowGroups ? collectRowGroups(func) : std::vector<RowGroup>();
  if (failed(groups))
    return failure();
  rowGroups = std::move(*groups);
  for (size_t g = 0; g < rowGroups.size(); ++g)
    for (size_t m = 0; m < rowGroups[g].members.size(); ++m)
      rowMember[rowGroups[g].members[m].op] = {g, m};
  Block &body = func.front();
  // Model inputs first: they are live from step 0 whatever reads them.
  for (QuantizeOp quantize : body.getOps<QuantizeOp>()) {
    FailureOr<int64_t> size = arenaSize(quantize, quantize.getResult());
    if (failed(size))
      return failure();
    const std::string name = uniqueName(
        quantize, "input" + std::to_string(result.graph.tensors.size()));
    int tensor = result.graph.addInput(name, *size);
    result.tensors.push_back(
        {quantize.getResult(), {}, ArenaTensorKind::Input});
    result.tensorOf[quantize.getResult()] = tensor;
  }
  for (Operation &op : body)
    if (failed(visit(op)))
      return failure();
  for (Value returned : body.getTerminator()->getOperands()) {
    if (isa<FloatType>(getElementTypeOrSelf(returned.getType())))
      continue;
    auto it = result.tensorOf.find(returned);
    if (it == result.tensorOf.end())
      return body.getTerminator()->emitError()
             << "returns " << returned.getType()
             << ", which is not in the arena: model outputs are activations "
                "(or their mpq.dequantize)";
    result.graph.markOutput(it->second);
  }
  for (size_t t = 0; t < result.tensors.size(); ++t)
    if (result.graph.tensors[t].isOutput)
      result.tensors[t].kind = ArenaTensorKind::Output;
  return std::move(result);
}

FailureOr<ArenaGraph> mlir::mpq::extractArenaGraph(func::FuncOp func,
                                                   bool rowGroups,
                                                   bool dspKernels) {
  return ArenaGraphBuilder(func, rowGroups, dspKernels).build();
}

/// The operand whose buffer step `k`'s result may reuse (file comment), or
/// -1; `shift` gets the in-place shift (0 for elementwise steps), `shiftUp`
/// the shift with rows written from the last (-1: not allowed).
static int inPlaceOperand(const ArenaGraph &graph, int k,
                          const std::vector<Buffer> &lifetimes, int64_t step,
                          int64_t &shift, int64_t &shiftUp) {
  shift = 0;
  shiftUp = -1;
  const ArenaStep &arenaStep = graph.steps[k];
  Operation *op = arenaStep.op;
  Value output =
      arenaStep.epilogue ? arenaStep.epilogue->getResult(0) : op->getResult(0);
  auto outType = cast<RankedTensorType>(output.getType());
  // The operand's buffer must die here and not be read by the caller.
  auto dying = [&](Value operand) -> int {
    auto it = graph.tensorOf.find(operand);
    if (it == graph.tensorOf.end())
      return -1;
    const int tensor = it->second;
    if (graph.graph.tensors[tensor].isOutput ||
        lifetimes[tensor].lastUse != step)
      return -1;
    return tensor;
  };

  // A row group: its own shift (RowSchedule.h), rows in order only.
  if (getRowGroup(op)) {
    const int tensor = dying(op->getOperand(0));
    const int result = graph.graph.ops[k].result;
    if (tensor < 0 || arenaStep.rowGroupShift < 0 ||
        arenaStep.rowGroupShift >= lifetimes[result].size)
      return -1;
    shift = arenaStep.rowGroupShift;
    return tensor;
  }

  // Window ops: conv (any kernel) and pooling write NHWC output rows in
  // order (or from the last), reading only input rows from r * stride - pad
  // up (up to r * stride - pad + extent - 1).
  ArrayRef<int64_t> strides, pads, kernel, dilations;
  if (auto conv = dyn_cast<QConv2DOp>(op); conv && arenaStep.epilogue) {
    strides = conv.getStrides();
    pads = conv.getPads();
    dilations = conv.getDilations();
    kernel = cast<RankedTensorType>(conv.getWeight().getType()).getShape();
    kernel = kernel.slice(1, 2);
  } else if (auto pool = dyn_cast<MaxPool2DOp>(op)) {
    strides = pool.getStrides();
    pads = pool.getPads();
    kernel = pool.getKernel();
  } else if (auto pool = dyn_cast<QAvgPool2DOp>(op)) {
    strides = pool.getStrides();
    pads = pool.getPads();
    kernel = pool.getKernel();
  }
  if (!strides.empty()) {
    Value input = op->getOperand(0);
    const int tensor = dying(input);
    auto inType = cast<RankedTensorType>(input.getType());
    const unsigned inBits = storedWidth(inType), outBits = storedWidth(outType);
    if (tensor < 0 || inType.getRank() != 4 || outType.getRank() != 4 ||
        inBits == 0 || outBits == 0)
      return -1;
    std::vector<int64_t> in(inType.getShape()), out(outType.getShape());
    const bool pointwise = kernel[0] == 1 && kernel[1] == 1 &&
                           strides[0] == 1 && strides[1] == 1 &&
                           llvm::all_of(pads, [](int64_t p) { return p == 0; });
    const int64_t dilation = dilations.empty() ? 1 : dilations[0];
    WindowShifts shifts =
        windowInPlaceShifts(in, packedTensorBytes({in[3]}, inBits), out,
                            packedTensorBytes({out[3]}, outBits), strides[0],
                            pads[0], (kernel[0] - 1) * dilation + 1, pointwise);
    shift = shifts.below;
    shiftUp = shifts.up;
    return shifts.saves() ? tensor : -1;
  }

  if (arenaStep.epilogue ||
      !isa<RequantizeOp, QAddOp, QMulOp, QMaxOp, QMinOp, TableOp>(op))
    return -1;
  for (Value operand : op->getOperands()) {
    auto inType = cast<RankedTensorType>(operand.getType());
    if (inType.getShape() != outType.getShape() ||
        storedWidth(inType) < storedWidth(outType))
      continue;
    if (int tensor = dying(operand); tensor >= 0)
      return tensor;
  }
  return -1;
}

ArenaBufferSet mlir::mpq::collectArenaBuffers(const ArenaGraph &graph,
                                              const std::vector<int> &order,
                                              bool inPlace) {
  ArenaBufferSet set;
  set.buffers = tensorLifetimes(graph.graph, order);
  set.scratchBuffer.assign(graph.steps.size(), -1);
  for (size_t s = 0; s < order.size(); ++s) {
    const int k = order[s];
    const int result = graph.graph.ops[k].result;
    if (inPlace) {
      Buffer &buffer = set.buffers[result];
      buffer.inPlaceOf =
          inPlaceOperand(graph, k, set.buffers, static_cast<int64_t>(s),
                         buffer.inPlaceShift, buffer.inPlaceShiftUp);
      if (buffer.inPlaceOf < 0)
        buffer.inPlaceShift = 0, buffer.inPlaceShiftUp = -1;
    }
    if (int64_t bytes = graph.steps[k].scratchBytes; bytes > 0) {
      set.scratchBuffer[k] = static_cast<int>(set.buffers.size());
      Buffer scratch;
      scratch.name = graph.graph.ops[k].name + ".scratch";
      scratch.size = bytes;
      scratch.firstUse = scratch.lastUse = static_cast<int64_t>(s);
      set.buffers.push_back(scratch);
    }
  }
  return set;
}

void mlir::mpq::applyStepOrder(const ArenaGraph &graph,
                               const std::vector<int> &order) {
  func::FuncOp func = graph.func;
  Block &body = func.front();
  Operation *terminator = body.getTerminator();
  llvm::SetVector<Operation *> sequence;
  llvm::DenseSet<Operation *> stepOps;
  for (const ArenaStep &step : graph.steps) {
    stepOps.insert(step.op);
    if (step.epilogue)
      stepOps.insert(step.epilogue);
    stepOps.insert(step.groupOps.begin(), step.groupOps.end());
  }
  // Emits `op` after the non-step ops it reads (constants, inputs, views);
  // the producers of step operands were emitted with their steps.
  std::function<void(Operation *)> emit = [&](Operation *op) {
    if (sequence.contains(op))
      return;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && def->getBlock() == &body && !stepOps.contains(def))
        emit(def);
    sequence.insert(op);
  };
  for (int k : order) {
    emit(graph.steps[k].op);
    // A row group's members in their order (RowGroups.h).
    for (Operation *member : graph.steps[k].groupOps)
      emit(member);
    if (graph.steps[k].epilogue)
      emit(graph.steps[k].epilogue);
  }
  for (Operation &op : body.without_terminator())
    emit(&op);
  for (Operation *op : sequence)
    op->moveBefore(terminator);
}

void mlir::mpq::annotateArenaPlan(const ArenaGraph &graph,
                                  const ArenaBufferSet &buffers,
                                  const Plan &plan) {
  func::FuncOp func = graph.func;
  func.walk([](Operation *op) { removeArenaPlacement(op); });
  llvm::MapVector<Operation *, SmallVector<int64_t>> offsets;
  auto record = [&](Value value, int64_t offset) {
    auto result = cast<OpResult>(value);
    Operation *op = result.getOwner();
    SmallVector<int64_t> &list = offsets[op];
    list.resize(op->getNumResults(), -1);
    list[result.getResultNumber()] = offset;
  };
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    record(graph.tensors[t].value, plan.offsets[t]);
    for (Value view : graph.tensors[t].views)
      record(view, plan.offsets[t]);
  }
  for (auto &[op, list] : offsets) {
    if (list.size() == 1)
      setArenaOffset(op, list.front());
    else
      setArenaOffsets(op, list);
  }
  for (size_t k = 0; k < graph.steps.size(); ++k) {
    // A step whose output sits above its input writes rows from the last.
    const int result = graph.graph.ops[k].result;
    if (result >= 0 && static_cast<size_t>(result) < plan.descending.size() &&
        plan.descending[result])
      setRowsDescending(graph.steps[k].op, true);
    const int scratch = buffers.scratchBuffer[k];
    if (scratch < 0)
      continue;
    setScratch(graph.steps[k].op, plan.offsets[scratch],
               buffers.buffers[scratch].size);
  }
  setArenaSize(func, plan.arenaSize);
  setArenaAlign(func, plan.align);
}

/// The offset annotated on `value`'s defining op, or nullopt.
static std::optional<int64_t> readOffset(Value value) {
  auto result = dyn_cast<OpResult>(value);
  if (!result)
    return std::nullopt;
  Operation *op = result.getOwner();
  if (std::optional<int64_t> single = getArenaOffset(op))
    return op->getNumResults() == 1 ? single : std::nullopt;
  if (std::optional<ArrayRef<int64_t>> list = getArenaOffsets(op))
    if (static_cast<int64_t>(list->size()) == op->getNumResults() &&
        (*list)[result.getResultNumber()] >= 0)
      return (*list)[result.getResultNumber()];
  return std::nullopt;
}

std::string mlir::mpq::verifyArenaAnnotations(func::FuncOp func) {
  FailureOr<ArenaGraph> graph = extractArenaGraph(func);
  if (failed(graph))
    return "the annotated function cannot be read back";
  std::optional<int64_t> size = getArenaSize(func), align = getArenaAlign(func);
  if (!size || !align)
    return (Twine("the function lacks '") +
            MPQDialect::ArenaSizeAttrHelper::getNameStr() + "' or '" +
            MPQDialect::ArenaAlignAttrHelper::getNameStr() + "'")
        .str();
  std::vector<int> order(graph->steps.size());
  for (size_t k = 0; k < order.size(); ++k)
    order[k] = static_cast<int>(k);
  // Every in-place reuse the kernels allow is declared: checkPlan accepts an
  // overlap only for those pairs, placed exactly as the planner's contract
  // says.
  ArenaBufferSet buffers = collectArenaBuffers(*graph, order, true);
  Plan plan;
  plan.arenaSize = *size;
  plan.align = *align;
  plan.offsets.assign(buffers.buffers.size(), -1);
  for (size_t t = 0; t < graph->tensors.size(); ++t) {
    const ArenaTensor &tensor = graph->tensors[t];
    std::optional<int64_t> offset = readOffset(tensor.value);
    if (!offset)
      return "buffer '" + buffers.buffers[t].name + "' has no offset";
    for (Value view : tensor.views)
      if (readOffset(view) != offset)
        return "a view of buffer '" + buffers.buffers[t].name +
               "' does not repeat its offset";
    plan.offsets[t] = *offset;
  }
  plan.descending.assign(buffers.buffers.size(), false);
  for (size_t k = 0; k < graph->steps.size(); ++k) {
    if (getRowsDescending(graph->steps[k].op)) {
      const int result = graph->graph.ops[k].result;
      if (result < 0 || buffers.buffers[result].inPlaceShiftUp < 0)
        return "step '" + graph->graph.ops[k].name +
               "' is marked to write its rows from the last but does not "
               "run in place";
      plan.descending[result] = true;
    }
    const int scratch = buffers.scratchBuffer[k];
    if (scratch < 0)
      continue;
    Operation *op = graph->steps[k].op;
    std::optional<int64_t> offset = getScratchOffset(op),
                           bytes = getScratchSize(op);
    if (!offset || bytes != buffers.buffers[scratch].size)
      return "the scratch buffer of '" + buffers.buffers[scratch].name +
             "' is not annotated with its size";
    plan.offsets[scratch] = *offset;
  }
  return checkPlan(buffers.buffers, plan);
}
