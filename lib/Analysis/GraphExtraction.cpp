//===- GraphExtraction.cpp - mpq IR to the memory model's graph -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/GraphExtraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mpq;

unsigned mlir::mpq::getFakeQuantWidth(FakeQuantOp op) {
  // The verifier guarantees an !mpq.bits or !mpq.uniform type.
  std::optional<StorageInfo> info = getStorageInfo(op.getQuant());
  return info ? info->width : 0;
}

std::optional<std::string> mlir::mpq::nameFromLocation(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      if (std::optional<std::string> name = nameFromLocation(inner))
        return name;
  }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return nameFromLocation(callSite.getCallee());
  return std::nullopt;
}

namespace {

class GraphBuilder {
public:
  explicit GraphBuilder(func::FuncOp func) { result.func = func; }
  LogicalResult run();
  ExtractedGraph result;

private:
  llvm::DenseMap<Value, int> tensorOf;
  llvm::StringSet<> usedNames;

  GraphDesc &graph() { return result.graph; }
  int variableOf(int tensor) { return graph().tensors[tensor].variable; }

  std::string stepName(Operation *op, StringRef kind);
  FailureOr<std::vector<int64_t>> staticShape(Operation *op, Value value,
                                              StringRef what);
  FailureOr<int> readActivation(Operation *op, Value value, StringRef what);
  int addVariable(Value stored, bool isInput);
  void addStepSite(Operation *op) {
    result.steps.push_back(StepSite{op, 0, nullptr});
  }

  LogicalResult visitLayer(Operation *op, Value input, Value weight,
                           unsigned weightOperand, bool isConv);
  LogicalResult visitEpilogue(Operation *op, Value input);
  LogicalResult visitPassThrough(Operation *op, Value input);
  LogicalResult visitJoin(Operation *op, StepKind kind, ValueRange inputs);
  /// visitJoin for an element-wise op (GraphStep::elementwise).
  LogicalResult visitElementwise(Operation *op, StepKind kind,
                                 ValueRange inputs);
  LogicalResult visitFakeQuant(FakeQuantOp op);
};

} // namespace

std::string GraphBuilder::stepName(Operation *op, StringRef kind) {
  const size_t index = graph().steps.size();
  std::string name = nameFromLocation(op->getLoc())
                         .value_or(kind.str() + std::to_string(index));
  if (!usedNames.insert(name).second) {
    name += "_" + std::to_string(index);
    usedNames.insert(name);
  }
  return name;
}

FailureOr<std::vector<int64_t>>
GraphBuilder::staticShape(Operation *op, Value value, StringRef what) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return op->emitError() << "precision assignment needs a static tensor "
                              "shape for the "
                           << what << ", got " << value.getType();
  return std::vector<int64_t>(type.getShape().begin(), type.getShape().end());
}

FailureOr<int> GraphBuilder::readActivation(Operation *op, Value value,
                                            StringRef what) {
  auto it = tensorOf.find(value);
  if (it != tensorOf.end())
    return it->second;
  InFlightDiagnostic diag = op->emitError()
                            << "'" << op->getName() << "' reads its " << what
                            << " from ";
  if (Operation *def = value.getDefiningOp())
    diag << "'" << def->getName() << "'";
  else
    diag << "a block argument";
  diag << ", which is not an activation of the model (a function argument "
          "or a value computed from one)";
  return diag;
}

int GraphBuilder::addVariable(Value stored, bool isInput) {
  VariableSite site;
  site.stored = stored;
  site.isInput = isInput;
  result.variables.push_back(std::move(site));
  return static_cast<int>(result.variables.size()) - 1;
}

LogicalResult GraphBuilder::visitLayer(Operation *op, Value input, Value weight,
                                       unsigned weightOperand, bool isConv) {
  FailureOr<int> in = readActivation(op, input, "input");
  if (failed(in))
    return failure();
  FailureOr<std::vector<int64_t>> wShape = staticShape(op, weight, "weight");
  FailureOr<std::vector<int64_t>> outShape =
      staticShape(op, op->getResult(0), "result");
  if (failed(wShape) || failed(outShape))
    return failure();

  StepKind kind = isConv ? StepKind::Conv : StepKind::FullyConnected;
  std::vector<int64_t> weightShape = *wShape;
  const int64_t outChannels = weightShape.front();
  if (auto conv = dyn_cast<Conv2DOp>(op)) {
    const int64_t groups = conv.getGroups();
    const int64_t inChannels = graph().tensors[*in].shape.back();
    if (groups > 1 && groups == inChannels && groups == outChannels) {
      kind = StepKind::Depthwise;
      weightShape = {weightShape[1], weightShape[2], outChannels};
    }
  }
  const char *prefix = kind == StepKind::Conv        ? "conv"
                       : kind == StepKind::Depthwise ? "dw"
                                                     : "fc";
  std::string name = stepName(op, prefix);

  // Weights must be constants, possibly already fake-quantized.
  auto existing = weight.getDefiningOp<FakeQuantOp>();
  Value source = existing ? existing.getInput() : weight;
  if (!source.getDefiningOp<arith::ConstantOp>()) {
    InFlightDiagnostic diag = op->emitError()
                              << "the weights of layer '" << name
                              << "' must be an arith.constant or an "
                                 "mpq.fake_quant of one, not ";
    if (Operation *def = source.getDefiningOp())
      diag << "the result of '" << def->getName() << "'";
    else
      diag << "a block argument";
    return diag;
  }

  const int var = addVariable(op->getResult(0), /*isInput=*/false);
  const int out = graph().addTensor(name + "_out", *outShape, var);
  graph().addLayer(name, kind, weightShape, outChannels, *in, out);
  if (auto conv = dyn_cast<Conv2DOp>(op)) {
    // The window contract of the conv kernels (MemoryModel.h).
    GraphStep &step = graph().steps.back();
    ArrayRef<int64_t> strides = conv.getStrides(), pads = conv.getPads();
    step.windowStride = strides[0];
    step.windowPadTop = pads[0];
    step.windowExtent = ((*wShape)[1] - 1) * conv.getDilations()[0] + 1;
    step.windowPointwise = (*wShape)[1] == 1 && (*wShape)[2] == 1 &&
                           strides[0] == 1 && strides[1] == 1 &&
                           llvm::all_of(pads, [](int64_t p) { return p == 0; });
  }
  result.steps.push_back(StepSite{op, weightOperand, existing});
  tensorOf[op->getResult(0)] = out;
  return success();
}

LogicalResult GraphBuilder::visitEpilogue(Operation *op, Value input) {
  FailureOr<int> in = readActivation(op, input, "input");
  if (failed(in))
    return failure();
  Value output = op->getResult(0);
  tensorOf[output] = *in;
  // Fused into the step that created the variable: the stored tensor is
  // after it, as long as nothing else reads the value before it.
  VariableSite &site = result.variables[variableOf(*in)];
  if (!site.isInput && site.stored == input && input.hasOneUse()) {
    site.stored = output;
    if (isa<ReluOp>(op))
      site.nonNegative = true;
    else if (auto clip = dyn_cast<ClipOp>(op))
      site.nonNegative =
          site.nonNegative || clip.getMin().convertToFloat() >= 0.0f;
    else
      site.nonNegative = false;
  }
  return success();
}

LogicalResult GraphBuilder::visitPassThrough(Operation *op, Value input) {
  FailureOr<int> in = readActivation(op, input, "input");
  FailureOr<std::vector<int64_t>> shape =
      staticShape(op, op->getResult(0), "result");
  if (failed(in) || failed(shape))
    return failure();
  StringRef mnemonic = op->getName().stripDialect();
  std::string name = stepName(op, mnemonic);
  const int out = graph().addTensor(name + "_out", *shape, variableOf(*in));
  graph().addStep(name, StepKind::Other, {*in}, out);
  // Pooling kernels keep the window contract (MemoryModel.h).
  GraphStep &step = graph().steps.back();
  if (auto pool = dyn_cast<MaxPool2DOp>(op)) {
    step.windowStride = pool.getStrides()[0];
    step.windowPadTop = pool.getPads()[0];
    step.windowExtent = pool.getKernel()[0];
  } else if (auto pool = dyn_cast<AvgPool2DOp>(op)) {
    step.windowStride = pool.getStrides()[0];
    step.windowPadTop = pool.getPads()[0];
    step.windowExtent = pool.getKernel()[0];
  } else if (auto pad = dyn_cast<PadOp>(op)) {
    step.channelPad = pad.padsOnlyLastAxis();
  }
  addStepSite(op);
  tensorOf[op->getResult(0)] = out;
  return success();
}

LogicalResult GraphBuilder::visitJoin(Operation *op, StepKind kind,
                                      ValueRange inputs) {
  std::vector<int> ins;
  for (Value input : inputs) {
    FailureOr<int> in = readActivation(op, input, "operand");
    if (failed(in))
      return failure();
    ins.push_back(*in);
  }
  FailureOr<std::vector<int64_t>> shape =
      staticShape(op, op->getResult(0), "result");
  if (failed(shape))
    return failure();
  std::string name = stepName(op, stepKindName(kind));
  // A sum, a product or a concatenation of non-negative tensors is
  // non-negative (read before addVariable, which may move the sites). (Not
  // an add or mul by a constant, also a join here: the constant may be
  // negative.)
  // A max is non-negative if any operand is.
  auto isNonNegative = [&](int in) {
    return result.variables[variableOf(in)].nonNegative;
  };
  const bool nonNegative =
      ((kind == StepKind::Add || kind == StepKind::Concat ||
        (isa<MulOp, MinOp>(op) && ins.size() == 2)) &&
       llvm::all_of(ins, isNonNegative)) ||
      (isa<MaxOp>(op) && llvm::any_of(ins, isNonNegative));
  const int var = addVariable(op->getResult(0), /*isInput=*/false);
  result.variables[var].nonNegative = nonNegative;
  const int out = graph().addTensor(name + "_out", *shape, var);
  graph().addStep(name, kind, ins, out);
  addStepSite(op);
  tensorOf[op->getResult(0)] = out;
  return success();
}

LogicalResult GraphBuilder::visitElementwise(Operation *op, StepKind kind,
                                             ValueRange inputs) {
  if (failed(visitJoin(op, kind, inputs)))
    return failure();
  graph().steps.back().elementwise = true;
  return success();
}

LogicalResult GraphBuilder::visitFakeQuant(FakeQuantOp op) {
  // Fake-quants of constants never get here (see run()).
  auto it = tensorOf.find(op.getInput());
  if (it == tensorOf.end())
    return readActivation(op, op.getInput(), "input");
  // (Copied first: inserting the output may grow the map and move `it`.)
  const int tensor = it->second;
  tensorOf[op.getOutput()] = tensor;
  result.variables[variableOf(tensor)].existing.push_back(op);
  return success();
}

LogicalResult GraphBuilder::run() {
  func::FuncOp func = result.func;
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "precision assignment needs a function body "
                               "of one block";
  Block &body = func.getBody().front();
  const unsigned numArgs = body.getNumArguments();
  for (BlockArgument arg : body.getArguments()) {
    FailureOr<std::vector<int64_t>> shape = staticShape(
        func, arg, "argument #" + std::to_string(arg.getArgNumber()));
    if (failed(shape))
      return failure();
    const int var = addVariable(arg, /*isInput=*/true);
    std::string name =
        numArgs == 1 ? "input" : "input" + std::to_string(arg.getArgNumber());
    tensorOf[arg] = graph().addTensor(name, *shape, var);
  }

  std::vector<int> returned;
  for (Operation &op : body) {
    // Computations on constants only (a weight's fake-quant, a folded
    // reshape) are not part of the activation graph; a layer that reads one
    // as its weight checks it.
    const bool onConstants = op.getNumOperands() > 0 &&
                             llvm::none_of(op.getOperands(), [&](Value v) {
                               return tensorOf.count(v) != 0;
                             });
    if (onConstants && !isa<FloatLayerOpInterface, func::ReturnOp>(op))
      continue;
    // An add or mul by a constant: an element-wise function per channel,
    // computed by lookup tables like the other element-wise functions.
    if (std::optional<ConstantAffineOperands> affine =
            getConstantAffineOperands(&op)) {
      if (failed(visitJoin(&op, StepKind::Other, affine->activation)))
        return failure();
      graph().steps.back().lookupTables =
          static_cast<int64_t>(affine->constants.size());
      graph().steps.back().elementwise = true;
      continue;
    }
    LogicalResult visited =
        llvm::TypeSwitch<Operation *, LogicalResult>(&op)
            .Case([&](arith::ConstantOp) { return success(); })
            .Case([&](FloatLayerOpInterface layer) {
              return visitLayer(layer, layer.getInput(), layer.getWeight(),
                                layer.getWeightMutable().getOperandNumber(),
                                isa<Conv2DOp>(layer.getOperation()));
            })
            .Case([&](BatchNormOp bn) {
              return visitEpilogue(bn, bn.getInput());
            })
            .Case([&](SoftmaxOp softmax) -> LogicalResult {
              // The model's final softmax is left to the caller by the
              // integer graph: its result is the logits', as if it were not
              // there. Any other is an integer softmax (mpq.qsoftmax), a new
              // activation in [0, 1].
              if (llvm::all_of(softmax->getUsers(), [](Operation *user) {
                    return isa<func::ReturnOp>(user);
                  }))
                return visitPassThrough(softmax, softmax.getInput());
              if (failed(
                      visitJoin(softmax, StepKind::Other, softmax.getInput())))
                return failure();
              result.variables.back().nonNegative = true;
              return success();
            })
            .Case([&](LayerNormOp norm) {
              // Integer layer normalization (mpq.qlayer_norm): a new
              // activation on a grid of its own.
              return visitJoin(norm, StepKind::Other, norm.getInput());
            })
            .Case([&](AddOp add) {
              return visitElementwise(add, StepKind::Add, add->getOperands());
            })
            .Case([&](MulOp mul) {
              // Of two activations (by a constant it is a table, above):
              // a new activation on a grid of its own.
              return visitElementwise(mul, StepKind::Other, mul->getOperands());
            })
            .Case<MaxOp, MinOp>([&](Operation *extremum) {
              // Of two activations: a new activation on a grid of its own,
              // both inputs requantized into it.
              return visitElementwise(extremum, StepKind::Other,
                                      extremum->getOperands());
            })
            .Case([&](ConcatOp concat) {
              return visitJoin(concat, StepKind::Concat, concat.getInputs());
            })
            .Case(
                [&](ElementwiseFunctionOpInterface function) -> LogicalResult {
                  // A new activation, on a grid of its own, computed by a table
                  // indexed by the input's codes.
                  if (failed(visitJoin(function, StepKind::Other,
                                       function.getInput())))
                    return failure();
                  graph().steps.back().lookupTables = 1;
                  graph().steps.back().elementwise = true;
                  result.variables.back().nonNegative =
                      function.getFunction().isNonNegative();
                  return success();
                })
            .Case([&](FakeQuantOp fq) { return visitFakeQuant(fq); })
            .Case([&](func::ReturnOp ret) {
              for (Value v : ret.getOperands()) {
                auto it = tensorOf.find(v);
                if (it == tensorOf.end())
                  continue;
                returned.push_back(it->second);
                graph().tensors[it->second].isOutput = true;
              }
              return success();
            })
            .Default([&](Operation *other) -> LogicalResult {
              if (other->hasTrait<ClampActivation>())
                return visitEpilogue(other, other->getOperand(0));
              // One input, whose grid the result keeps (concat, a join, is
              // above).
              if (other->hasTrait<KeepsInputGrid>())
                return visitPassThrough(other, other->getOperand(0));
              return other->emitError()
                     << "'" << other->getName()
                     << "' is not supported by precision assignment yet "
                        "(convolutions, fully connected layers, add, mul, "
                        "max, min, concat, pooling, pad, slice, resize, "
                        "reshape, transpose, softmax, layer_norm, clamping "
                        "activations and element-wise functions are)";
            });
    if (failed(visited))
      return failure();
  }

  bool anyLayer = false;
  for (GraphStep &step : graph().steps) {
    if (!hasWeights(step.kind))
      continue;
    anyLayer = true;
    for (int t : returned)
      if (variableOf(t) == variableOf(step.output))
        step.isLast = true;
  }
  if (!anyLayer)
    return func.emitError() << "@" << func.getSymName()
                            << " has no mpq.conv2d or mpq.fully_connected "
                               "layer to assign bit-widths to";
  std::string invalid = validateGraph(graph());
  if (!invalid.empty())
    return func.emitError() << "cannot describe @" << func.getSymName()
                            << " for the memory model: " << invalid;
  return success();
}

FailureOr<ExtractedGraph> mlir::mpq::extractGraph(func::FuncOp func) {
  GraphBuilder builder(func);
  if (failed(builder.run()))
    return failure();
  return std::move(builder.result);
}
