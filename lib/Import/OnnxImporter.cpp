//===- OnnxImporter.cpp - ONNX models to mpq graph IR ---------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Builds mpq graph IR from the plain model OnnxReader.cpp produced. No
// protobuf here, and no exceptions: every problem is a diagnostic.
//
// Layout. Every ONNX value is held as a *stored* IR value plus a permutation
// `perm` with stored dim i = logical (ONNX) dim perm[i]. Ops whose ONNX
// layout is NCHW (Conv, pools) ask for their inputs in NHWC and produce NHWC
// values; layout-agnostic ops (elementwise, BatchNormalization with its axis
// remapped, Concat, fake-quantization) work on whatever layout they get, and
// an ONNX Transpose only changes `perm`. A transpose is emitted only where an
// op needs another layout than the one at hand (the model's inputs and
// outputs, Flatten/Reshape after NCHW ops); on constants it is done on the
// data. So a chain of convolutions has no transposes between its layers.
//
//===----------------------------------------------------------------------===//

#include "mpq/Import/OnnxImporter.h"

#include "OnnxModel.h"

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/IntegerSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <memory>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

namespace {

using Shape = SmallVector<int64_t, 4>;
using Perm = SmallVector<int64_t, 4>;

constexpr llvm::StringLiteral kQonnxDomain = "qonnx.custom_op.general";

//===----------------------------------------------------------------------===//
// Host-side tensor arithmetic (constant folding at import)
//===----------------------------------------------------------------------===//

Perm identityPerm(int64_t rank) {
  return Perm(llvm::seq<int64_t>(0, rank).begin(),
              llvm::seq<int64_t>(0, rank).end());
}

bool isIdentity(ArrayRef<int64_t> perm) {
  return llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()));
}

Perm invert(ArrayRef<int64_t> perm) {
  Perm inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  return inverse;
}

/// out dim i = in dim perm[i].
Shape permuteShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  Shape out;
  for (int64_t p : perm)
    out.push_back(shape[p]);
  return out;
}

int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Shape stridesOf(ArrayRef<int64_t> shape) {
  Shape strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Transposes row-major data: out dim i = in dim perm[i].
template <typename T>
std::vector<T> transposeData(ArrayRef<T> in, ArrayRef<int64_t> shape,
                             ArrayRef<int64_t> perm) {
  std::vector<T> out(in.size());
  if (in.empty())
    return out;
  Shape outShape = permuteShape(shape, perm), inStrides = stridesOf(shape);
  Shape step(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    step[i] = inStrides[p];
  int64_t rank = perm.size();
  Shape index(rank, 0);
  int64_t offset = 0;
  for (T &value : out) {
    value = in[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += step[d];
      if (++index[d] < outShape[d])
        break;
      offset -= step[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

Tensor transposeTensor(const Tensor &t, ArrayRef<int64_t> perm) {
  Tensor out;
  out.dataType = t.dataType;
  Shape shape = permuteShape(t.shape, perm);
  out.shape.assign(shape.begin(), shape.end());
  if (t.isFloat())
    out.floats = transposeData<float>(t.floats, t.shape, perm);
  else
    out.ints = transposeData<int64_t>(t.ints, t.shape, perm);
  return out;
}

/// Element `flat` of `t` as a double.
double elementAt(const Tensor &t, int64_t flat) {
  return t.isFloat() ? t.floats[flat] : static_cast<double>(t.ints[flat]);
}

/// numpy broadcasting of two shapes; std::nullopt if they do not broadcast.
std::optional<Shape> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Offset into a tensor of shape `shape` broadcast to `outShape`, for the
/// output multi-index `index`.
int64_t broadcastOffset(ArrayRef<int64_t> index, ArrayRef<int64_t> outShape,
                        ArrayRef<int64_t> shape) {
  int64_t offset = 0, lead = outShape.size() - shape.size();
  Shape strides = stridesOf(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1)
      offset += index[i + lead] * strides[i];
  return offset;
}

/// Evaluates `fn` elementwise over the broadcast of `a` and `b`. The result
/// is float if either operand is.
Tensor hostBinary(const Tensor &a, const Tensor &b, ArrayRef<int64_t> outShape,
                  function_ref<double(double, double)> fn) {
  Tensor out;
  out.dataType = a.isFloat() || b.isFloat() ? kFloat : a.dataType;
  out.shape.assign(outShape.begin(), outShape.end());
  int64_t n = product(outShape), rank = outShape.size();
  Shape index(rank, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    double v = fn(elementAt(a, broadcastOffset(index, outShape, a.shape)),
                  elementAt(b, broadcastOffset(index, outShape, b.shape)));
    if (out.isFloat())
      out.floats.push_back(static_cast<float>(v));
    else
      out.ints.push_back(static_cast<int64_t>(v));
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

Tensor scalarTensor(float value) {
  Tensor t;
  t.dataType = kFloat;
  t.floats = {value};
  return t;
}

/// `t` with its shape given leading ones up to `rank`.
Tensor withRank(Tensor t, size_t rank) {
  if (t.shape.size() < rank)
    t.shape.insert(t.shape.begin(), rank - t.shape.size(), 1);
  return t;
}

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

/// The parameters of a uniform quantization as ONNX gives them, in logical
/// (ONNX) axes.
struct QuantParams {
  unsigned bits = 8;
  bool isSigned = false;
  bool narrow = false;
  int64_t axis = -1; // logical axis, -1 per tensor
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  Rounding rounding = Rounding::half_to_even;
};

/// What an ONNX value name stands for.
struct Entry {
  /// A constant known at import time (initializers, shape subgraphs).
  std::shared_ptr<const Tensor> host;
  /// Otherwise the stored IR value ...
  Value value;
  /// ... with stored dim i = logical dim perm[i].
  Perm perm;
  /// The logical (ONNX) shape, for both kinds.
  Shape shape;
  /// The output of a QuantizeLinear: valid only as a DequantizeLinear input.
  std::shared_ptr<QuantParams> pendingQuant;
  std::string pendingSource;
};

/// The element type of a quantized tensor value, or null.
UniformType uniformOf(Value value) {
  return dyn_cast<UniformType>(
      cast<RankedTensorType>(value.getType()).getElementType());
}

/// Whether `e` holds integer codes (a `!mpq.uniform` tensor).
bool isQuantized(const Entry &e) {
  return !e.host && !e.pendingQuant && e.value && uniformOf(e.value);
}

class Importer {
public:
  Importer(MLIRContext *context, const Model &model, StringRef fileName,
           const OnnxImportOptions &options)
      : context(context), model(model), fileName(fileName.str()),
        options(options), builder(context) {}

  OwningOpRef<ModuleOp> run();

private:
  using Handler = LogicalResult (Importer::*)(const Node &);
  static const llvm::StringMap<Handler> &handlers();
  std::string supportedOps() const;

  // Diagnostics and locations.
  Location fileLoc() { return FileLineColLoc::get(context, fileName, 0, 0); }
  Location nodeLoc(const Node &node) {
    return NameLoc::get(StringAttr::get(context, nodeName(node)), fileLoc());
  }
  static std::string nodeName(const Node &node) {
    return node.name.empty() && !node.outputs.empty() ? node.outputs[0]
                                                      : node.name;
  }
  InFlightDiagnostic nodeError(const Node &node) {
    return emitError(nodeLoc(node))
           << node.opType << " '" << nodeName(node) << "': ";
  }

  // Graph-level steps.
  LogicalResult importInitializers();
  LogicalResult importInputs(SmallVectorImpl<Type> &argTypes);
  LogicalResult importNode(const Node &node);
  LogicalResult checkDefined(const Node &node);

  // Values.
  bool hasInput(const Node &node, size_t i) const {
    return i < node.inputs.size() && !node.inputs[i].empty();
  }
  const Entry &input(const Node &node, size_t i) {
    return values.find(node.inputs[i])->second;
  }
  FailureOr<const Tensor *> hostInput(const Node &node, size_t i,
                                      StringRef what);
  FailureOr<Entry> dataInput(const Node &node, size_t i);
  void define(const Node &node, Entry entry, size_t output = 0) {
    if (output < node.outputs.size() && !node.outputs[output].empty())
      values[node.outputs[output]] = std::move(entry);
  }
  void defineHost(const Node &node, Tensor t) {
    Entry e;
    e.shape.assign(t.shape.begin(), t.shape.end());
    e.host = std::make_shared<const Tensor>(std::move(t));
    define(node, std::move(e));
  }
  Entry stored(Value value, ArrayRef<int64_t> perm) {
    Entry e;
    e.value = value;
    e.perm.assign(perm.begin(), perm.end());
    e.shape = permuteShape(cast<RankedTensorType>(value.getType()).getShape(),
                           invert(perm));
    return e;
  }

  /// The value of `entry` in the layout `perm` (stored dim i = logical dim
  /// perm[i]); constants are transposed on their data.
  FailureOr<Value> materialize(const Entry &entry, ArrayRef<int64_t> perm,
                               Location loc);
  FailureOr<Value> hostConstant(const Tensor &t, ArrayRef<int64_t> perm,
                                Location loc);
  /// transpose(value, q): out dim i = in dim q[i].
  Value permuteValue(Value value, ArrayRef<int64_t> q, Location loc);

  // Helpers shared by several ops.
  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }
  template <typename OpTy>
  Value create(Location loc, Type type, ValueRange operands,
               ArrayRef<NamedAttribute> attrs = {}) {
    return OpTy::create(builder, loc, TypeRange{type}, operands, attrs)
        ->getResult(0);
  }
  NamedAttribute namedI64Array(StringRef name, ArrayRef<int64_t> values) {
    return builder.getNamedAttr(name, builder.getDenseI64ArrayAttr(values));
  }
  FailureOr<int64_t> intAttr(const Node &node, StringRef name,
                             int64_t defaultValue);
  FailureOr<float> floatAttr(const Node &node, StringRef name,
                             float defaultValue);
  FailureOr<std::string> stringAttr(const Node &node, StringRef name,
                                    StringRef defaultValue);
  FailureOr<SmallVector<int64_t>> intsAttr(const Node &node, StringRef name,
                                           ArrayRef<int64_t> defaultValue);
  /// Integers from an input (newer opsets) or an attribute (older ones).
  FailureOr<SmallVector<int64_t>>
  intsFromInputOrAttr(const Node &node, size_t input, StringRef attr);
  FailureOr<int64_t> normalizeAxis(const Node &node, int64_t axis,
                                   int64_t rank);
  struct Window {
    SmallVector<int64_t> pads; // [top, left, bottom, right]
    SmallVector<int64_t> out;  // output H, W
  };
  FailureOr<Window> window(const Node &node, ArrayRef<int64_t> inHW,
                           ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> dilations, bool ceilMode);
  FailureOr<Entry> requireNCHW(const Node &node, size_t i);
  Value reshapeTo(const Entry &x, ArrayRef<int64_t> shape, Location loc);
  LogicalResult fakeQuant(const Node &node, const Entry &x,
                          const QuantParams &params);
  FailureOr<QuantParams> qdqParams(const Node &node, int64_t rank);
  Value fullyConnected(const Node &node, Value x, Value w, Value bias,
                       int64_t outFeatures);

  // One handler per op type.
  LogicalResult importConv(const Node &node);
  LogicalResult importGemm(const Node &node);
  LogicalResult importMatMul(const Node &node);
  LogicalResult importBatchNorm(const Node &node);
  LogicalResult importRelu(const Node &node);
  LogicalResult importClip(const Node &node);
  LogicalResult importBinary(const Node &node);
  LogicalResult importPool(const Node &node);
  LogicalResult importGlobalAveragePool(const Node &node);
  LogicalResult importFlatten(const Node &node);
  LogicalResult importReshape(const Node &node);
  LogicalResult importSqueezeUnsqueeze(const Node &node);
  LogicalResult importTranspose(const Node &node);
  LogicalResult importPad(const Node &node);
  LogicalResult importConcat(const Node &node);
  LogicalResult importSoftmax(const Node &node);
  LogicalResult importIdentity(const Node &node);
  LogicalResult importConstant(const Node &node);
  LogicalResult importShape(const Node &node);
  LogicalResult importGather(const Node &node);
  LogicalResult importConstantOfShape(const Node &node);
  LogicalResult importCast(const Node &node);
  LogicalResult importQuantizeLinear(const Node &node);
  LogicalResult importDequantizeLinear(const Node &node);
  LogicalResult importQonnxQuant(const Node &node);
  LogicalResult importQLinearConv(const Node &node);
  LogicalResult importConvInteger(const Node &node);
  LogicalResult importQLinearMatMul(const Node &node);
  LogicalResult importMatMulInteger(const Node &node);
  LogicalResult importIntegerAdd(const Node &node);

  // Integer tensors.
  FailureOr<UniformType> uniformFor(const Node &node, const QuantParams &p,
                                    int64_t storedAxis);
  FailureOr<QuantParams> linearParams(const Node &node, int scaleIndex,
                                      size_t zpIndex, int dataType,
                                      int64_t axis);
  FailureOr<std::pair<QuantParams, UniformType>>
  qlinearOutput(const Node &node);
  FailureOr<Type> integerInputType(const ValueInfo &info,
                                   ArrayRef<int64_t> shape);
  LogicalResult quantizeAtBoundary(const Node &node, const std::string &name);
  FailureOr<Entry> quantizedInput(const Node &node, size_t i);
  LogicalResult requireGrid(const Node &node, size_t i, const Entry &x,
                            const QuantParams &p);
  Value qconstant(const Tensor &t, UniformType type, Location loc);
  FailureOr<Value> requantizeTo(const Node &node, Value acc,
                                ArrayRef<double> real, ArrayRef<int32_t> bias,
                                UniformType outType);
  UniformType accumulatorType();
  FailureOr<const Tensor *> integerWeight(const Node &node, size_t i);
  FailureOr<std::pair<QuantParams, QuantParams>>
  operandGrids(const Node &node, bool qlinear, const Entry &x, const Tensor &w,
               int64_t weightAxis);
  LogicalResult integerConv(const Node &node, bool qlinear);
  LogicalResult integerMatMul(const Node &node, bool qlinear);
  struct ConvGeometry {
    int64_t group = 1;
    SmallVector<int64_t> strides, dilations;
    Window window;
  };
  FailureOr<ConvGeometry> convGeometry(const Node &node, ArrayRef<int64_t> x,
                                       ArrayRef<int64_t> w);

  MLIRContext *context;
  const Model &model;
  std::string fileName;
  const OnnxImportOptions &options;
  OpBuilder builder;
  llvm::StringMap<Entry> values;
  /// Integer graph inputs: the grid their codes are on.
  llvm::StringMap<Type> inputGrids;
  int64_t opset = 13;
};

} // namespace

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

const llvm::StringMap<Importer::Handler> &Importer::handlers() {
  static const llvm::StringMap<Handler> table = {
      {"Conv", &Importer::importConv},
      {"Gemm", &Importer::importGemm},
      {"MatMul", &Importer::importMatMul},
      {"BatchNormalization", &Importer::importBatchNorm},
      {"Relu", &Importer::importRelu},
      {"Clip", &Importer::importClip},
      {"Add", &Importer::importBinary},
      {"Sub", &Importer::importBinary},
      {"Mul", &Importer::importBinary},
      {"Div", &Importer::importBinary},
      {"MaxPool", &Importer::importPool},
      {"AveragePool", &Importer::importPool},
      {"GlobalAveragePool", &Importer::importGlobalAveragePool},
      {"Flatten", &Importer::importFlatten},
      {"Reshape", &Importer::importReshape},
      {"Squeeze", &Importer::importSqueezeUnsqueeze},
      {"Unsqueeze", &Importer::importSqueezeUnsqueeze},
      {"Transpose", &Importer::importTranspose},
      {"Pad", &Importer::importPad},
      {"Concat", &Importer::importConcat},
      {"Softmax", &Importer::importSoftmax},
      {"Identity", &Importer::importIdentity},
      {"Dropout", &Importer::importIdentity},
      {"Constant", &Importer::importConstant},
      {"Shape", &Importer::importShape},
      {"Gather", &Importer::importGather},
      {"ConstantOfShape", &Importer::importConstantOfShape},
      {"Cast", &Importer::importCast},
      {"QuantizeLinear", &Importer::importQuantizeLinear},
      {"DequantizeLinear", &Importer::importDequantizeLinear},
      {"QLinearConv", &Importer::importQLinearConv},
      {"ConvInteger", &Importer::importConvInteger},
      {"QLinearMatMul", &Importer::importQLinearMatMul},
      {"MatMulInteger", &Importer::importMatMulInteger},
  };
  return table;
}

std::string Importer::supportedOps() const {
  SmallVector<StringRef> names;
  for (const auto &entry : handlers())
    names.push_back(entry.getKey());
  llvm::sort(names);
  std::string list = llvm::join(names, ", ");
  return list + ", and Quant (domain " + kQonnxDomain.str() + ")";
}

LogicalResult Importer::checkDefined(const Node &node) {
  for (const std::string &name : node.inputs) {
    if (name.empty() || values.count(name))
      continue;
    return emitError(nodeLoc(node))
           << "input '" << name << "' of node '" << nodeName(node)
           << "' is not an initializer, graph input or node output"
           << " (or is produced by a later node)";
  }
  return success();
}

LogicalResult Importer::importNode(const Node &node) {
  if (failed(checkDefined(node)))
    return failure();
  builder.setInsertionPointToEnd(builder.getBlock());
  // A QuantizeLinear result feeding its DequantizeLinear is a QDQ pair
  // (mpq.fake_quant); feeding anything else, it quantizes a graph input for
  // integer ops: the model boundary.
  if (node.opType != "DequantizeLinear")
    for (auto [i, name] : llvm::enumerate(node.inputs))
      if (!name.empty() && input(node, i).pendingQuant &&
          failed(quantizeAtBoundary(node, name)))
        return failure();
  if (node.domain == kQonnxDomain && node.opType == "Quant")
    return importQonnxQuant(node);
  auto it = handlers().find(node.opType);
  if (!node.domain.empty() || it == handlers().end()) {
    auto diag = emitError(nodeLoc(node))
                << "unsupported op type " << node.opType;
    if (!node.domain.empty())
      diag << " in domain '" << node.domain << "'";
    diag << " (node '" << nodeName(node) << "'); supported: " << supportedOps();
    return failure();
  }
  // Integer tensors reach only the ops that know them; a float op would be
  // ill-typed.
  static const llvm::StringSet<> integerAware = {
      "QLinearConv",      "ConvInteger", "QLinearMatMul", "MatMulInteger",
      "DequantizeLinear", "Add",         "MaxPool",       "Transpose",
      "Reshape",          "Flatten",     "Squeeze",       "Unsqueeze",
      "Identity",         "Dropout"};
  if (!integerAware.contains(node.opType))
    for (auto [i, name] : llvm::enumerate(node.inputs))
      if (!name.empty() && isQuantized(input(node, i)))
        return nodeError(node)
               << "input '" << name << "' is an integer tensor; " << node.opType
               << " computes on float tensors (mixed "
                  "integer and float graphs are not "
                  "supported)";
  return (this->*(it->second))(node);
}

//===----------------------------------------------------------------------===//
// Attributes and inputs
//===----------------------------------------------------------------------===//

FailureOr<int64_t> Importer::intAttr(const Node &node, StringRef name,
                                     int64_t defaultValue) {
  auto it = node.attributes.find(name.str());
  if (it == node.attributes.end())
    return defaultValue;
  if (it->second.kind != onnx_import::Attribute::Int)
    return nodeError(node) << "attribute '" << name << "' must be an integer";
  return it->second.i;
}

FailureOr<float> Importer::floatAttr(const Node &node, StringRef name,
                                     float defaultValue) {
  auto it = node.attributes.find(name.str());
  if (it == node.attributes.end())
    return defaultValue;
  if (it->second.kind == onnx_import::Attribute::Int)
    return static_cast<float>(it->second.i);
  if (it->second.kind != onnx_import::Attribute::Float)
    return nodeError(node) << "attribute '" << name << "' must be a float";
  return it->second.f;
}

FailureOr<std::string> Importer::stringAttr(const Node &node, StringRef name,
                                            StringRef defaultValue) {
  auto it = node.attributes.find(name.str());
  if (it == node.attributes.end())
    return defaultValue.str();
  if (it->second.kind != onnx_import::Attribute::String)
    return nodeError(node) << "attribute '" << name << "' must be a string";
  return it->second.s;
}

FailureOr<SmallVector<int64_t>>
Importer::intsAttr(const Node &node, StringRef name,
                   ArrayRef<int64_t> defaultValue) {
  auto it = node.attributes.find(name.str());
  if (it == node.attributes.end())
    return SmallVector<int64_t>(defaultValue);
  if (it->second.kind != onnx_import::Attribute::Ints)
    return nodeError(node) << "attribute '" << name
                           << "' must be a list of integers";
  return SmallVector<int64_t>(it->second.ints.begin(), it->second.ints.end());
}

FailureOr<const Tensor *> Importer::hostInput(const Node &node, size_t i,
                                              StringRef what) {
  if (!hasInput(node, i))
    return nodeError(node) << "missing input " << i << " (" << what << ")";
  const Entry &entry = input(node, i);
  if (!entry.host)
    return nodeError(node) << "input '" << node.inputs[i] << "' (" << what
                           << ") must be a constant (an initializer or a "
                              "foldable constant subgraph)";
  return entry.host.get();
}

FailureOr<Entry> Importer::dataInput(const Node &node, size_t i) {
  if (!hasInput(node, i))
    return nodeError(node) << "missing input " << i;
  return input(node, i);
}

FailureOr<SmallVector<int64_t>>
Importer::intsFromInputOrAttr(const Node &node, size_t i, StringRef attr) {
  if (hasInput(node, i)) {
    auto t = hostInput(node, i, attr);
    if (failed(t))
      return failure();
    if ((*t)->isFloat())
      return nodeError(node)
             << "input '" << node.inputs[i] << "' must hold integers";
    return SmallVector<int64_t>((*t)->ints.begin(), (*t)->ints.end());
  }
  return intsAttr(node, attr, {});
}

FailureOr<int64_t> Importer::normalizeAxis(const Node &node, int64_t axis,
                                           int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return nodeError(node) << "axis " << axis << " is out of range for rank "
                           << rank;
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Values, layouts and constants
//===----------------------------------------------------------------------===//

FailureOr<Value> Importer::hostConstant(const Tensor &t, ArrayRef<int64_t> perm,
                                        Location loc) {
  if (!t.isFloat())
    return emitError(loc) << "an " << dataTypeName(t.dataType)
                          << " constant is used as data; mpq graph IR "
                             "computes on float tensors";
  Shape shape = permuteShape(t.shape, perm);
  std::vector<float> data = isIdentity(perm)
                                ? std::vector<float>()
                                : transposeData<float>(t.floats, t.shape, perm);
  ArrayRef<float> values =
      isIdentity(perm) ? ArrayRef<float>(t.floats) : ArrayRef<float>(data);
  auto attr = DenseElementsAttr::getFromRawBuffer(
      f32(shape), ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                                 values.size() * sizeof(float)));
  return arith::ConstantOp::create(builder, loc, attr).getResult();
}

Value Importer::permuteValue(Value value, ArrayRef<int64_t> q, Location loc) {
  if (isIdentity(q))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  Shape outShape = permuteShape(type.getShape(), q);
  auto outType = type.clone(outShape);
  // Constants (weights) are transposed on their data.
  if (auto constant = value.getDefiningOp<arith::ConstantOp>()) {
    if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
      if (dense.isSplat())
        return arith::ConstantOp::create(builder, loc, dense.reshape(outType));
      if (type.getElementType().isF32()) {
        ArrayRef<char> raw = dense.getRawData();
        std::vector<float> in(raw.size() / sizeof(float));
        std::memcpy(in.data(), raw.data(), raw.size());
        std::vector<float> out = transposeData<float>(in, type.getShape(), q);
        auto attr = DenseElementsAttr::getFromRawBuffer(
            outType, ArrayRef<char>(reinterpret_cast<const char *>(out.data()),
                                    out.size() * sizeof(float)));
        return arith::ConstantOp::create(builder, loc, attr);
      }
    }
  }
  // Fake-quantized weights: transpose the weights, remap the axis, so the
  // fake_quant stays directly on a constant.
  if (auto fq = value.getDefiningOp<FakeQuantOp>()) {
    if (fq.getInput().getDefiningOp<arith::ConstantOp>()) {
      Value in = permuteValue(fq.getInput(), q, loc);
      Type quant = fq.getQuant();
      if (auto uniform = dyn_cast<UniformType>(quant);
          uniform && uniform.isPerAxis()) {
        Perm qInv = invert(q);
        quant = UniformType::get(context, uniform.getWidth(),
                                 uniform.getIsSigned(), qInv[uniform.getAxis()],
                                 uniform.getScales().asArrayRef(),
                                 uniform.getZeroPoints());
      }
      auto op = FakeQuantOp::create(builder, fq.getLoc(), TypeRange{outType},
                                    ValueRange{in}, fq->getAttrs());
      op.setQuant(quant);
      return op.getResult();
    }
  }
  // A transpose that only moves size-1 dimensions moves no data.
  SmallVector<int64_t> moved;
  for (int64_t p : q)
    if (type.getDimSize(p) != 1)
      moved.push_back(p);
  if (llvm::is_sorted(moved))
    return create<ReshapeOp>(loc, outType, value);
  return create<TransposeOp>(loc, outType, value, {namedI64Array("perm", q)});
}

FailureOr<Value> Importer::materialize(const Entry &entry,
                                       ArrayRef<int64_t> perm, Location loc) {
  if (entry.host)
    return hostConstant(*entry.host, perm, loc);
  // stored = transpose(logical, entry.perm); want transpose(logical, perm)
  // = transpose(stored, q) with q[i] = entry.perm^-1[perm[i]].
  Perm inv = invert(entry.perm), q;
  for (int64_t p : perm)
    q.push_back(inv[p]);
  return permuteValue(entry.value, q, loc);
}

Value Importer::reshapeTo(const Entry &x, ArrayRef<int64_t> shape,
                          Location loc) {
  Value v = *materialize(x, identityPerm(x.shape.size()), loc);
  return create<ReshapeOp>(loc,
                           cast<RankedTensorType>(v.getType()).clone(shape), v);
}

//===----------------------------------------------------------------------===//
// Convolution, pooling and fully-connected layers
//===----------------------------------------------------------------------===//

static const int64_t kToNHWC[] = {0, 2, 3, 1};

FailureOr<Entry> Importer::requireNCHW(const Node &node, size_t i) {
  auto x = dataInput(node, i);
  if (failed(x))
    return failure();
  if (x->host)
    return nodeError(node) << "constant input '" << node.inputs[i]
                           << "' is not supported here";
  if (x->shape.size() != 4)
    return nodeError(node) << "only 2-D spatial (rank-4 NCHW) inputs are "
                              "supported, input '"
                           << node.inputs[i] << "' has rank "
                           << x->shape.size();
  return x;
}

FailureOr<Importer::Window>
Importer::window(const Node &node, ArrayRef<int64_t> inHW,
                 ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> dilations, bool ceilMode) {
  auto autoPad = stringAttr(node, "auto_pad", "NOTSET");
  auto pads = intsAttr(node, "pads", {0, 0, 0, 0});
  if (failed(autoPad) || failed(pads))
    return failure();
  if (*autoPad != "NOTSET" && *autoPad != "SAME_UPPER" &&
      *autoPad != "SAME_LOWER" && *autoPad != "VALID")
    return nodeError(node) << "unsupported auto_pad value '" << *autoPad
                           << "' (supported: NOTSET, SAME_UPPER, SAME_LOWER, "
                              "VALID)";
  if (pads->size() != 4)
    return nodeError(node) << "pads must have 4 values, got " << pads->size();
  for (int64_t i = 0; i < 2; ++i)
    if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1)
      return nodeError(node)
             << "kernel, strides and dilations must be positive";
  Window w;
  SmallVector<int64_t> begin(2), end(2);
  for (int64_t i = 0; i < 2; ++i) {
    int64_t in = inHW[i], s = strides[i],
            eff = (kernel[i] - 1) * dilations[i] + 1;
    int64_t pb = (*pads)[i], pe = (*pads)[i + 2], out;
    if (*autoPad == "NOTSET") {
      if (pb < 0 || pe < 0)
        return nodeError(node) << "negative pads are not supported";
      int64_t span = in + pb + pe - eff;
      if (span < 0)
        return nodeError(node) << "the window is larger than the padded input";
      out = ceilMode ? (span + s - 1) / s + 1 : span / s + 1;
      // A last window starting in the end padding is dropped (as ONNX
      // Runtime and PyTorch do).
      if (ceilMode && (out - 1) * s >= in + pb)
        --out;
      pe += std::max<int64_t>(0, (out - 1) * s + eff - (in + pb + pe));
    } else if (*autoPad == "VALID") {
      if (in < eff)
        return nodeError(node) << "the window is larger than the input";
      pb = pe = 0;
      out = (in - eff) / s + 1;
    } else {
      out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + eff - in);
      pb = *autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    }
    begin[i] = pb;
    end[i] = pe;
    w.out.push_back(out);
  }
  w.pads = {begin[0], begin[1], end[0], end[1]};
  return w;
}

FailureOr<Importer::ConvGeometry>
Importer::convGeometry(const Node &node, ArrayRef<int64_t> x,
                       ArrayRef<int64_t> wShape) {
  auto group = intAttr(node, "group", 1);
  auto strides = intsAttr(node, "strides", {1, 1});
  auto dilations = intsAttr(node, "dilations", {1, 1});
  auto kernel = intsAttr(node, "kernel_shape", {wShape[2], wShape[3]});
  if (failed(group) || failed(strides) || failed(dilations) || failed(kernel))
    return failure();
  if (strides->size() != 2 || dilations->size() != 2 || kernel->size() != 2)
    return nodeError(node) << "strides, dilations and kernel_shape must have "
                              "2 values";
  if ((*kernel)[0] != wShape[2] || (*kernel)[1] != wShape[3])
    return nodeError(node) << "kernel_shape does not match the weight shape";
  int64_t cin = x[1], cout = wShape[0];
  if (*group < 1 || cin % *group || cout % *group || wShape[1] * *group != cin)
    return nodeError(node) << "group = " << *group
                           << " does not fit input channels " << cin
                           << " and weight shape [" << cout << ", " << wShape[1]
                           << ", ...]";
  auto w = window(node, {x[2], x[3]}, *kernel, *strides, *dilations,
                  /*ceilMode=*/false);
  if (failed(w))
    return failure();
  return ConvGeometry{*group, *strides, *dilations, *w};
}

LogicalResult Importer::importConv(const Node &node) {
  auto x = requireNCHW(node, 0);
  auto wIn = dataInput(node, 1);
  if (failed(x) || failed(wIn))
    return failure();
  if (wIn->shape.size() != 4)
    return nodeError(node) << "the weight must have rank 4 (OIHW), got rank "
                           << wIn->shape.size();
  auto geometry = convGeometry(node, x->shape, wIn->shape);
  if (failed(geometry))
    return failure();
  int64_t cout = wIn->shape[0];
  Location loc = nodeLoc(node);
  auto xs = materialize(*x, kToNHWC, loc);
  auto ws = materialize(*wIn, kToNHWC, loc);
  if (failed(xs) || failed(ws))
    return failure();
  SmallVector<Value> operands = {*xs, *ws};
  if (hasInput(node, 2)) {
    const Entry &b = input(node, 2);
    if (b.shape.size() != 1 || b.shape[0] != cout)
      return nodeError(node)
             << "the bias must be a vector of " << cout << " elements";
    auto bs = materialize(b, {0}, loc);
    if (failed(bs))
      return failure();
    operands.push_back(*bs);
  }
  const Window &w = geometry->window;
  Shape out = {x->shape[0], w.out[0], w.out[1], cout};
  Value y = create<Conv2DOp>(
      loc, f32(out), operands,
      {namedI64Array("strides", geometry->strides),
       namedI64Array("dilations", geometry->dilations),
       namedI64Array("pads", w.pads),
       builder.getNamedAttr("groups",
                            builder.getI64IntegerAttr(geometry->group))});
  define(node, stored(y, kToNHWC));
  return success();
}

LogicalResult Importer::importPool(const Node &node) {
  bool isMax = node.opType == "MaxPool";
  auto x = requireNCHW(node, 0);
  if (failed(x))
    return failure();
  auto kernel = intsAttr(node, "kernel_shape", {});
  auto strides = intsAttr(node, "strides", {1, 1});
  auto dilations = intsAttr(node, "dilations", {1, 1});
  auto ceilMode = intAttr(node, "ceil_mode", 0);
  auto storageOrder = intAttr(node, "storage_order", 0);
  auto includePad = intAttr(node, "count_include_pad", 0);
  if (failed(kernel) || failed(strides) || failed(dilations) ||
      failed(ceilMode) || failed(storageOrder) || failed(includePad))
    return failure();
  if (kernel->size() != 2 || strides->size() != 2 || dilations->size() != 2)
    return nodeError(node) << "kernel_shape, strides and dilations must have 2 "
                              "values";
  if ((*dilations)[0] != 1 || (*dilations)[1] != 1)
    return nodeError(node) << "dilated pooling is not supported";
  if (*storageOrder != 0)
    return nodeError(node) << "storage_order = 1 is not supported";
  if (isMax && node.outputs.size() > 1 && !node.outputs[1].empty())
    return nodeError(node) << "the Indices output is not supported";
  auto w = window(node, {x->shape[2], x->shape[3]}, *kernel, *strides,
                  *dilations, *ceilMode != 0);
  if (failed(w))
    return failure();
  if (!isMax && *ceilMode) {
    // Extra end padding from ceil_mode would change an average's count.
    auto plain = window(node, {x->shape[2], x->shape[3]}, *kernel, *strides,
                        *dilations, false);
    if (failed(plain))
      return failure();
    if (plain->pads != w->pads)
      return nodeError(node) << "ceil_mode = 1 with a partial last window is "
                                "not supported for AveragePool";
  }
  Location loc = nodeLoc(node);
  auto xs = materialize(*x, kToNHWC, loc);
  if (failed(xs))
    return failure();
  Shape out = {x->shape[0], w->out[0], w->out[1], x->shape[1]};
  SmallVector<NamedAttribute> attrs = {namedI64Array("kernel", *kernel),
                                       namedI64Array("strides", *strides),
                                       namedI64Array("pads", w->pads)};
  Value y;
  if (isMax) {
    // Codes and floats alike: the largest code is the largest value.
    y = create<MaxPool2DOp>(
        loc, cast<RankedTensorType>(xs->getType()).clone(out), *xs, attrs);
  } else {
    if (*includePad)
      attrs.push_back(
          builder.getNamedAttr("count_include_pad", builder.getUnitAttr()));
    y = create<AvgPool2DOp>(loc, f32(out), *xs, attrs);
  }
  define(node, stored(y, kToNHWC));
  return success();
}

LogicalResult Importer::importGlobalAveragePool(const Node &node) {
  auto x = requireNCHW(node, 0);
  if (failed(x))
    return failure();
  Location loc = nodeLoc(node);
  auto xs = materialize(*x, kToNHWC, loc);
  if (failed(xs))
    return failure();
  Value y =
      create<GlobalAvgPoolOp>(loc, f32({x->shape[0], 1, 1, x->shape[1]}), *xs);
  define(node, stored(y, kToNHWC));
  return success();
}

Value Importer::fullyConnected(const Node &node, Value x, Value w, Value bias,
                               int64_t outFeatures) {
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<Value> operands = {x, w};
  if (bias)
    operands.push_back(bias);
  return create<FullyConnectedOp>(
      nodeLoc(node), f32({xType.getDimSize(0), outFeatures}), operands);
}

/// Whether `e` is a weight the importer can rewrite: a constant, possibly
/// behind a fake_quant.
static bool isWeight(const Entry &e) {
  if (e.host)
    return true;
  if (auto fq = e.value.getDefiningOp<FakeQuantOp>())
    return fq.getInput().getDefiningOp<arith::ConstantOp>() != nullptr;
  return false;
}

LogicalResult Importer::importGemm(const Node &node) {
  auto a = dataInput(node, 0);
  auto b = dataInput(node, 1);
  auto alpha = floatAttr(node, "alpha", 1.0f);
  auto beta = floatAttr(node, "beta", 1.0f);
  auto transA = intAttr(node, "transA", 0);
  auto transB = intAttr(node, "transB", 0);
  if (failed(a) || failed(b) || failed(alpha) || failed(beta) ||
      failed(transA) || failed(transB))
    return failure();
  if (a->shape.size() != 2 || b->shape.size() != 2)
    return nodeError(node) << "A and B must be matrices";
  Location loc = nodeLoc(node);
  Perm aPerm = *transA ? Perm{1, 0} : Perm{0, 1};
  auto x = materialize(*a, aPerm, loc);
  if (failed(x))
    return failure();
  int64_t m = a->shape[aPerm[0]], k = a->shape[aPerm[1]];
  // fully_connected wants W as [N, K] = B^T.
  Perm wPerm = *transB ? Perm{0, 1} : Perm{1, 0};
  int64_t n = b->shape[wPerm[0]];
  if (b->shape[wPerm[1]] != k)
    return nodeError(node) << "inner dimensions differ: " << k << " vs "
                           << b->shape[wPerm[1]];
  Value y;
  bool alphaDone = *alpha == 1.0f, cDone = !hasInput(node, 2);
  if (isWeight(*b)) {
    Entry wEntry = *b;
    if (!alphaDone && b->host && b->host->isFloat()) {
      Tensor scaled = *b->host;
      for (float &v : scaled.floats)
        v *= *alpha;
      wEntry.host = std::make_shared<const Tensor>(std::move(scaled));
      alphaDone = true;
    }
    auto w = materialize(wEntry, wPerm, loc);
    if (failed(w))
      return failure();
    Value bias;
    // A constant C of shape [N], [1, N] or a scalar with N = 1 is the bias.
    const Entry *c = cDone ? nullptr : &input(node, 2);
    if (c && alphaDone && c->host && c->host->isFloat() &&
        c->host->numElements() == n &&
        (c->shape.size() <= 1 || c->shape == Shape{1, n})) {
      Tensor cb = *c->host;
      for (float &v : cb.floats)
        v *= *beta;
      cb.shape = {n};
      auto bv = hostConstant(cb, {0}, loc);
      if (failed(bv))
        return failure();
      bias = *bv;
      cDone = true;
    }
    y = fullyConnected(node, *x, *w, bias, n);
  } else {
    auto rhs = materialize(*b, *transB ? Perm{1, 0} : Perm{0, 1}, loc);
    if (failed(rhs))
      return failure();
    y = create<MatMulOp>(loc, f32({m, n}), ValueRange{*x, *rhs});
  }
  if (!alphaDone) {
    auto s = hostConstant(scalarTensor(*alpha), {}, loc);
    if (failed(s))
      return failure();
    y = create<MulOp>(loc, f32({m, n}), ValueRange{y, *s});
  }
  if (!cDone) {
    const Entry &c = input(node, 2);
    auto shape = broadcastShapes(c.shape, Shape{m, n});
    if (!shape || *shape != Shape{m, n})
      return nodeError(node)
             << "C does not broadcast to [" << m << ", " << n << "]";
    FailureOr<Value> cv;
    if (c.host && c.host->isFloat()) {
      Tensor cb = *c.host;
      for (float &v : cb.floats)
        v *= *beta;
      cv = hostConstant(cb, identityPerm(cb.shape.size()), loc);
    } else if (*beta != 1.0f) {
      return nodeError(node) << "beta != 1 needs a constant C";
    } else {
      cv = materialize(c, identityPerm(c.shape.size()), loc);
    }
    if (failed(cv))
      return failure();
    y = create<AddOp>(loc, f32({m, n}), ValueRange{y, *cv});
  }
  define(node, stored(y, {0, 1}));
  return success();
}

LogicalResult Importer::importMatMul(const Node &node) {
  auto a = dataInput(node, 0);
  auto b = dataInput(node, 1);
  if (failed(a) || failed(b))
    return failure();
  if (a->shape.size() != 2 || b->shape.size() != 2)
    return nodeError(node) << "only 2-D MatMul is supported, got ranks "
                           << a->shape.size() << " and " << b->shape.size();
  if (a->shape[1] != b->shape[0])
    return nodeError(node) << "inner dimensions differ: " << a->shape[1]
                           << " vs " << b->shape[0];
  Location loc = nodeLoc(node);
  auto x = materialize(*a, {0, 1}, loc);
  if (failed(x))
    return failure();
  int64_t n = b->shape[1];
  Value y;
  if (isWeight(*b)) {
    auto w = materialize(*b, {1, 0}, loc);
    if (failed(w))
      return failure();
    y = fullyConnected(node, *x, *w, Value(), n);
  } else {
    auto rhs = materialize(*b, {0, 1}, loc);
    if (failed(rhs))
      return failure();
    y = create<MatMulOp>(loc, f32({a->shape[0], n}), ValueRange{*x, *rhs});
  }
  define(node, stored(y, {0, 1}));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization, activations and elementwise ops
//===----------------------------------------------------------------------===//

LogicalResult Importer::importBatchNorm(const Node &node) {
  auto x = dataInput(node, 0);
  auto epsilon = floatAttr(node, "epsilon", 1e-5f);
  auto training = intAttr(node, "training_mode", 0);
  if (failed(x) || failed(epsilon) || failed(training))
    return failure();
  if (*training)
    return nodeError(node) << "training_mode = 1 is not supported";
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty())
      return nodeError(node) << "only the Y output is supported (inference)";
  if (x->host || x->shape.size() < 2)
    return nodeError(node)
           << "the input must be a computed tensor of rank >= 2";
  Location loc = nodeLoc(node);
  SmallVector<Value> operands = {x->value};
  for (size_t i = 1; i <= 4; ++i) {
    auto p = dataInput(node, i);
    if (failed(p))
      return failure();
    if (p->shape != Shape{x->shape[1]})
      return nodeError(node)
             << "input '" << node.inputs[i] << "' must be a vector of "
             << x->shape[1] << " elements";
    auto v = materialize(*p, {0}, loc);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  // Logical axis 1 (channels) sits at stored position perm^-1[1].
  int64_t rank = x->shape.size(), axis = invert(x->perm)[1];
  SmallVector<NamedAttribute> attrs = {
      builder.getNamedAttr("epsilon", builder.getF32FloatAttr(*epsilon))};
  if (axis != rank - 1)
    attrs.push_back(
        builder.getNamedAttr("axis", builder.getI64IntegerAttr(axis)));
  Value y = create<BatchNormOp>(loc, x->value.getType(), operands, attrs);
  define(node, stored(y, x->perm));
  return success();
}

LogicalResult Importer::importRelu(const Node &node) {
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  if (x->host)
    return nodeError(node) << "a constant input is not supported";
  Value y = create<ReluOp>(nodeLoc(node), x->value.getType(), x->value);
  define(node, stored(y, x->perm));
  return success();
}

LogicalResult Importer::importClip(const Node &node) {
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  if (x->host)
    return nodeError(node) << "a constant input is not supported";
  std::optional<float> lo, hi;
  if (opset < 11) {
    auto it = node.attributes.find("min");
    if (it != node.attributes.end())
      lo = it->second.f;
    it = node.attributes.find("max");
    if (it != node.attributes.end())
      hi = it->second.f;
  } else {
    for (size_t i : {1, 2}) {
      if (!hasInput(node, i))
        continue;
      auto t = hostInput(node, i, i == 1 ? "min" : "max");
      if (failed(t))
        return failure();
      if ((*t)->numElements() != 1 || !(*t)->isFloat())
        return nodeError(node) << "min and max must be float scalars";
      (i == 1 ? lo : hi) = (*t)->floats[0];
    }
  }
  Location loc = nodeLoc(node);
  Value y;
  if (lo && *lo == 0.0f && !hi) {
    y = create<ReluOp>(loc, x->value.getType(), x->value);
  } else {
    float inf = std::numeric_limits<float>::infinity();
    y = create<ClipOp>(loc, x->value.getType(), x->value,
                       {builder.getNamedAttr(
                            "min", builder.getF32FloatAttr(lo.value_or(-inf))),
                        builder.getNamedAttr(
                            "max", builder.getF32FloatAttr(hi.value_or(inf)))});
  }
  define(node, stored(y, x->perm));
  return success();
}

LogicalResult Importer::importBinary(const Node &node) {
  // (importNode lets integer tensors reach only Add here.)
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (hasInput(node, i) && isQuantized(input(node, i)))
      return importIntegerAdd(node);
  auto a = dataInput(node, 0);
  auto b = dataInput(node, 1);
  if (failed(a) || failed(b))
    return failure();
  StringRef op = node.opType;
  auto outShape = broadcastShapes(a->shape, b->shape);
  if (!outShape)
    return nodeError(node) << "operand shapes do not broadcast";
  auto fn = [&](double x, double y) -> double {
    if (op == "Add")
      return x + y;
    if (op == "Sub")
      return x - y;
    if (op == "Mul")
      return x * y;
    if (!a->host->isFloat() && !b->host->isFloat())
      return y == 0 ? 0 : std::floor(x / y);
    return x / y;
  };
  if (a->host && b->host) {
    defineHost(node, hostBinary(*a->host, *b->host, *outShape, fn));
    return success();
  }
  Location loc = nodeLoc(node);
  const Entry *lhs = &*a, *rhs = &*b;
  bool swapped = false;
  if (lhs->host) {
    std::swap(lhs, rhs);
    swapped = true;
  }
  if (op == "Div" && swapped)
    return nodeError(node) << "only division by a constant is supported";
  // Work in the layout of the computed operand; a constant operand is
  // broadcast to its rank and transposed on its data.
  size_t rank = outShape->size();
  Perm perm = lhs->shape.size() == rank ? lhs->perm : identityPerm(rank);
  Entry l = *lhs;
  if (lhs->shape.size() != rank) {
    Shape padded(rank - lhs->shape.size(), 1);
    padded.append(lhs->shape.begin(), lhs->shape.end());
    l = stored(reshapeTo(*lhs, padded, loc), identityPerm(rank));
  }
  FailureOr<Value> r;
  Value lhsValue = l.value;
  if (rhs->host) {
    Tensor k = *rhs->host;
    if (!k.isFloat())
      return nodeError(node) << "an integer constant operand is not supported";
    if (op == "Sub" && !swapped)
      for (float &v : k.floats)
        v = -v;
    if (op == "Div")
      for (float &v : k.floats)
        v = 1.0f / v;
    if (op == "Sub" && swapped) {
      // k - x = k + (-1) * x.
      auto m = hostConstant(scalarTensor(-1.0f), {}, loc);
      if (failed(m))
        return failure();
      lhsValue =
          create<MulOp>(loc, lhsValue.getType(), ValueRange{lhsValue, *m});
    }
    if (k.numElements() == 1) {
      k.shape.clear();
      r = hostConstant(k, {}, loc);
    } else {
      r = hostConstant(withRank(std::move(k), rank), perm, loc);
    }
  } else {
    if (rhs->shape.size() != rank) {
      Shape padded(rank - rhs->shape.size(), 1);
      padded.append(rhs->shape.begin(), rhs->shape.end());
      r = reshapeTo(*rhs, padded, loc);
      Entry e = stored(*r, identityPerm(rank));
      r = materialize(e, perm, loc);
    } else {
      r = materialize(*rhs, perm, loc);
    }
    if (succeeded(r) && op == "Div")
      return nodeError(node) << "only division by a constant is supported";
    if (succeeded(r) && op == "Sub") {
      auto m = hostConstant(scalarTensor(-1.0f), {}, loc);
      if (failed(m))
        return failure();
      r = create<MulOp>(loc, r->getType(), ValueRange{*r, *m});
    }
  }
  if (failed(r))
    return failure();
  Shape storedShape = permuteShape(*outShape, perm);
  Value y;
  if (op == "Mul" || op == "Div")
    y = create<MulOp>(loc, f32(storedShape), ValueRange{lhsValue, *r});
  else
    y = create<AddOp>(loc, f32(storedShape), ValueRange{lhsValue, *r});
  define(node, stored(y, perm));
  return success();
}

LogicalResult Importer::importSoftmax(const Node &node) {
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  if (x->host)
    return nodeError(node) << "a constant input is not supported";
  int64_t rank = x->shape.size();
  auto axisAttr = intAttr(node, "axis", opset < 13 ? 1 : -1);
  if (failed(axisAttr))
    return failure();
  auto axis = normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  // Before opset 13 Softmax normalizes over all axes from `axis` on.
  if (opset < 13 &&
      product(ArrayRef<int64_t>(x->shape).drop_front(*axis + 1)) != 1)
    return nodeError(node) << "Softmax before opset 13 over several axes is "
                              "not supported";
  int64_t storedAxis = invert(x->perm)[*axis];
  Value y = create<SoftmaxOp>(
      nodeLoc(node), x->value.getType(), x->value,
      {builder.getNamedAttr("axis", builder.getI64IntegerAttr(storedAxis))});
  define(node, stored(y, x->perm));
  return success();
}

LogicalResult Importer::importIdentity(const Node &node) {
  if (node.opType == "Dropout") {
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty())
        return nodeError(node) << "the mask output is not supported "
                                  "(inference only)";
  }
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  define(node, *x);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

LogicalResult Importer::importTranspose(const Node &node) {
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  int64_t rank = x->shape.size();
  Perm reversed;
  for (int64_t i = rank - 1; i >= 0; --i)
    reversed.push_back(i);
  auto perm = intsAttr(node, "perm", reversed);
  if (failed(perm))
    return failure();
  SmallVector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm->size()) != rank)
    return nodeError(node) << "perm must have " << rank << " entries";
  for (int64_t p : *perm) {
    if (p < 0 || p >= rank || seen[p])
      return nodeError(node) << "perm is not a permutation";
    seen[p] = true;
  }
  if (x->host) {
    defineHost(node, transposeTensor(*x->host, *perm));
    return success();
  }
  // Only the bookkeeping changes: new logical = transpose(old logical, t),
  // so stored dim i = new logical dim t^-1[perm[i]].
  Perm tInv = invert(*perm);
  Entry e = *x;
  for (int64_t &p : e.perm)
    p = tInv[p];
  e.shape = permuteShape(x->shape, *perm);
  define(node, std::move(e));
  return success();
}

/// Resolves ONNX Reshape's 0 (copy) and -1 (infer) entries.
static FailureOr<Shape> resolveReshape(ArrayRef<int64_t> in,
                                       ArrayRef<int64_t> spec, bool allowZero,
                                       std::string &error) {
  Shape out;
  int64_t known = 1, inferAt = -1;
  for (auto [i, entry] : llvm::enumerate(spec)) {
    int64_t d = entry;
    if (d == 0 && !allowZero) {
      if (i >= in.size()) {
        error = "a 0 entry has no input dimension to copy";
        return failure();
      }
      d = in[i];
    }
    if (d == -1) {
      if (inferAt >= 0) {
        error = "more than one -1 entry";
        return failure();
      }
      inferAt = i;
      out.push_back(1);
      continue;
    }
    if (d < 0) {
      error = "negative entry " + std::to_string(d);
      return failure();
    }
    known *= d;
    out.push_back(d);
  }
  int64_t total = product(in);
  if (inferAt >= 0) {
    if (known == 0 || total % known) {
      error = "cannot infer the -1 entry";
      return failure();
    }
    out[inferAt] = total / known;
  } else if (known != total) {
    error = "element counts differ";
    return failure();
  }
  return out;
}

/// Defines `node`'s output as `x` reshaped to `shape` (on the data for
/// constants).
static Entry reshapedHost(const Tensor &t, ArrayRef<int64_t> shape) {
  Tensor r = t;
  r.shape.assign(shape.begin(), shape.end());
  Entry e;
  e.shape.assign(shape.begin(), shape.end());
  e.host = std::make_shared<const Tensor>(std::move(r));
  return e;
}

LogicalResult Importer::importReshape(const Node &node) {
  auto x = dataInput(node, 0);
  auto spec = intsFromInputOrAttr(node, 1, "shape");
  auto allowZero = intAttr(node, "allowzero", 0);
  if (failed(x) || failed(spec) || failed(allowZero))
    return failure();
  std::string error;
  auto shape = resolveReshape(x->shape, *spec, *allowZero, error);
  if (failed(shape))
    return nodeError(node) << "invalid shape: " << error;
  if (x->host)
    define(node, reshapedHost(*x->host, *shape));
  else
    define(node, stored(reshapeTo(*x, *shape, nodeLoc(node)),
                        identityPerm(shape->size())));
  return success();
}

LogicalResult Importer::importFlatten(const Node &node) {
  auto x = dataInput(node, 0);
  auto axisAttr = intAttr(node, "axis", 1);
  if (failed(x) || failed(axisAttr))
    return failure();
  int64_t rank = x->shape.size();
  auto axis = *axisAttr == rank ? FailureOr<int64_t>(rank)
                                : normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> dims(x->shape);
  Shape shape = {product(dims.take_front(*axis)),
                 product(dims.drop_front(*axis))};
  if (x->host)
    define(node, reshapedHost(*x->host, shape));
  else
    define(node, stored(reshapeTo(*x, shape, nodeLoc(node)), {0, 1}));
  return success();
}

LogicalResult Importer::importSqueezeUnsqueeze(const Node &node) {
  bool squeeze = node.opType == "Squeeze";
  auto x = dataInput(node, 0);
  auto axes = intsFromInputOrAttr(node, 1, "axes");
  if (failed(x) || failed(axes))
    return failure();
  int64_t outRank = x->shape.size() + (squeeze ? 0 : axes->size());
  SmallVector<bool> marked(squeeze ? x->shape.size() : outRank, false);
  for (int64_t a : *axes) {
    auto axis = normalizeAxis(node, a, marked.size());
    if (failed(axis))
      return failure();
    marked[*axis] = true;
  }
  Shape shape;
  if (squeeze) {
    for (auto [i, d] : llvm::enumerate(x->shape)) {
      bool drop = axes->empty() ? d == 1 : marked[i];
      if (drop && d != 1)
        return nodeError(node)
               << "cannot squeeze dimension " << i << " of size " << d;
      if (!drop)
        shape.push_back(d);
    }
  } else {
    size_t next = 0;
    for (int64_t i = 0; i < outRank; ++i)
      shape.push_back(marked[i] ? 1 : x->shape[next++]);
  }
  if (x->host)
    define(node, reshapedHost(*x->host, shape));
  else
    define(node, stored(reshapeTo(*x, shape, nodeLoc(node)),
                        identityPerm(shape.size())));
  return success();
}

LogicalResult Importer::importPad(const Node &node) {
  auto x = dataInput(node, 0);
  auto mode = stringAttr(node, "mode", "constant");
  if (failed(x) || failed(mode))
    return failure();
  if (*mode != "constant")
    return nodeError(node) << "unsupported mode '" << *mode
                           << "' (only constant)";
  if (x->host)
    return nodeError(node) << "a constant input is not supported";
  FailureOr<SmallVector<int64_t>> pads =
      opset < 11 ? intsAttr(node, "pads", {})
                 : intsFromInputOrAttr(node, 1, "pads");
  if (failed(pads))
    return failure();
  int64_t rank = x->shape.size();
  if (static_cast<int64_t>(pads->size()) != 2 * rank)
    return nodeError(node) << "pads must have " << 2 * rank << " entries";
  double value = 0.0;
  if (opset < 11) {
    auto v = floatAttr(node, "value", 0.0f);
    if (failed(v))
      return failure();
    value = *v;
  } else if (hasInput(node, 2)) {
    auto t = hostInput(node, 2, "constant_value");
    if (failed(t))
      return failure();
    if ((*t)->numElements() != 1)
      return nodeError(node) << "constant_value must be a scalar";
    value = elementAt(**t, 0);
  }
  if (hasInput(node, 3))
    return nodeError(node) << "the axes input is not supported";
  SmallVector<int64_t> storedPads(2 * rank);
  Shape storedShape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t p = x->perm[i];
    if ((*pads)[p] < 0 || (*pads)[p + rank] < 0)
      return nodeError(node) << "negative pads (cropping) are not supported";
    storedPads[i] = (*pads)[p];
    storedPads[i + rank] = (*pads)[p + rank];
    storedShape.push_back(x->shape[p] + (*pads)[p] + (*pads)[p + rank]);
  }
  Value y = create<PadOp>(
      nodeLoc(node), f32(storedShape), x->value,
      {namedI64Array("pads", storedPads),
       builder.getNamedAttr("value", builder.getF64FloatAttr(value))});
  define(node, stored(y, x->perm));
  return success();
}

LogicalResult Importer::importConcat(const Node &node) {
  auto axisAttr = intAttr(node, "axis", 0);
  if (failed(axisAttr) || node.inputs.empty())
    return nodeError(node) << "needs an axis and at least one input";
  const Entry &first = input(node, 0);
  int64_t rank = first.shape.size();
  auto axis = normalizeAxis(node, *axisAttr, rank);
  if (failed(axis))
    return failure();
  Shape shape = first.shape;
  shape[*axis] = 0;
  bool allHost = true;
  const Entry *layout = nullptr;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Entry &e = input(node, i);
    if (static_cast<int64_t>(e.shape.size()) != rank)
      return nodeError(node) << "inputs must all have rank " << rank;
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && e.shape[d] != first.shape[d])
        return nodeError(node) << "input shapes differ outside the axis";
    shape[*axis] += e.shape[*axis];
    allHost &= static_cast<bool>(e.host);
    if (!e.host && !layout)
      layout = &e;
  }
  if (allHost) {
    Tensor out;
    out.dataType = first.host->dataType;
    out.shape.assign(shape.begin(), shape.end());
    int64_t outer = product(ArrayRef<int64_t>(shape).take_front(*axis));
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const Tensor &t = *input(node, i).host;
        if (t.isFloat() != out.isFloat())
          return nodeError(node) << "inputs mix float and integer types";
        int64_t inner = product(ArrayRef<int64_t>(t.shape).drop_front(*axis));
        if (out.isFloat())
          out.floats.insert(out.floats.end(), t.floats.begin() + o * inner,
                            t.floats.begin() + (o + 1) * inner);
        else
          out.ints.insert(out.ints.end(), t.ints.begin() + o * inner,
                          t.ints.begin() + (o + 1) * inner);
      }
    }
    defineHost(node, std::move(out));
    return success();
  }
  Location loc = nodeLoc(node);
  Perm perm = layout->perm;
  SmallVector<Value> operands;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    auto v = materialize(input(node, i), perm, loc);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  int64_t storedAxis = invert(perm)[*axis];
  Value y = create<ConcatOp>(
      loc, f32(permuteShape(shape, perm)), operands,
      {builder.getNamedAttr("axis", builder.getI64IntegerAttr(storedAxis))});
  define(node, stored(y, perm));
  return success();
}

//===----------------------------------------------------------------------===//
// Constant subgraphs
//===----------------------------------------------------------------------===//

LogicalResult Importer::importConstant(const Node &node) {
  if (node.attributes.size() != 1)
    return nodeError(node) << "needs exactly one value attribute";
  const auto &[name, attr] = *node.attributes.begin();
  Tensor t;
  if (name == "value" && attr.kind == onnx_import::Attribute::TensorKind) {
    t = attr.t;
  } else if (name == "value_float" &&
             attr.kind == onnx_import::Attribute::Float) {
    t.dataType = kFloat;
    t.floats = {attr.f};
  } else if (name == "value_floats" &&
             attr.kind == onnx_import::Attribute::Floats) {
    t.dataType = kFloat;
    t.floats = attr.floats;
    t.shape = {static_cast<int64_t>(attr.floats.size())};
  } else if (name == "value_int" && attr.kind == onnx_import::Attribute::Int) {
    t.dataType = kInt64;
    t.ints = {attr.i};
  } else if (name == "value_ints" &&
             attr.kind == onnx_import::Attribute::Ints) {
    t.dataType = kInt64;
    t.ints = attr.ints;
    t.shape = {static_cast<int64_t>(attr.ints.size())};
  } else {
    return nodeError(node) << "unsupported value attribute '" << name << "'";
  }
  defineHost(node, std::move(t));
  return success();
}

LogicalResult Importer::importShape(const Node &node) {
  auto x = dataInput(node, 0);
  auto start = intAttr(node, "start", 0);
  auto end = intAttr(node, "end", std::numeric_limits<int64_t>::max());
  if (failed(x) || failed(start) || failed(end))
    return failure();
  int64_t rank = x->shape.size();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  Tensor t;
  t.dataType = kInt64;
  for (int64_t i = clampIndex(*start); i < clampIndex(*end); ++i)
    t.ints.push_back(x->shape[i]);
  t.shape = {static_cast<int64_t>(t.ints.size())};
  defineHost(node, std::move(t));
  return success();
}

LogicalResult Importer::importGather(const Node &node) {
  auto data = hostInput(node, 0, "data");
  auto indices = hostInput(node, 1, "indices");
  auto axisAttr = intAttr(node, "axis", 0);
  if (failed(data) || failed(indices) || failed(axisAttr))
    return failure();
  const Tensor &d = **data, &idx = **indices;
  int64_t rank = d.shape.size();
  auto axis = normalizeAxis(node, *axisAttr, rank);
  if (failed(axis) || idx.isFloat())
    return failure();
  int64_t outer = product(ArrayRef<int64_t>(d.shape).take_front(*axis));
  int64_t inner = product(ArrayRef<int64_t>(d.shape).drop_front(*axis + 1));
  int64_t size = d.shape[*axis];
  Tensor out;
  out.dataType = d.dataType;
  out.shape.assign(d.shape.begin(), d.shape.begin() + *axis);
  out.shape.insert(out.shape.end(), idx.shape.begin(), idx.shape.end());
  out.shape.insert(out.shape.end(), d.shape.begin() + *axis + 1, d.shape.end());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i : idx.ints) {
      if (i < -size || i >= size)
        return nodeError(node) << "index " << i << " is out of range";
      int64_t at = (i < 0 ? i + size : i);
      int64_t base = (o * size + at) * inner;
      if (d.isFloat())
        out.floats.insert(out.floats.end(), d.floats.begin() + base,
                          d.floats.begin() + base + inner);
      else
        out.ints.insert(out.ints.end(), d.ints.begin() + base,
                        d.ints.begin() + base + inner);
    }
  }
  defineHost(node, std::move(out));
  return success();
}

LogicalResult Importer::importConstantOfShape(const Node &node) {
  auto shapeT = hostInput(node, 0, "shape");
  if (failed(shapeT))
    return failure();
  Tensor out;
  out.dataType = kFloat;
  double fill = 0.0;
  auto it = node.attributes.find("value");
  if (it != node.attributes.end()) {
    if (it->second.kind != onnx_import::Attribute::TensorKind ||
        it->second.t.numElements() != 1)
      return nodeError(node) << "value must be a one-element tensor";
    out.dataType = it->second.t.dataType;
    fill = elementAt(it->second.t, 0);
  }
  out.shape = (*shapeT)->ints;
  for (int64_t dim : out.shape)
    if (dim < 0)
      return nodeError(node) << "negative dimension " << dim;
  int64_t n = out.numElements();
  if (out.isFloat())
    out.floats.assign(n, static_cast<float>(fill));
  else
    out.ints.assign(n, static_cast<int64_t>(fill));
  defineHost(node, std::move(out));
  return success();
}

LogicalResult Importer::importCast(const Node &node) {
  auto x = dataInput(node, 0);
  auto to = intAttr(node, "to", kUndefined);
  if (failed(x) || failed(to))
    return failure();
  bool toFloat = *to == kFloat || *to == kDouble;
  if (!x->host) {
    if (*to != kFloat)
      return nodeError(node) << "casting a computed tensor to "
                             << dataTypeName(*to) << " is not supported";
    define(node, *x);
    return success();
  }
  const Tensor &t = *x->host;
  Tensor out;
  out.dataType = *to;
  out.shape = t.shape;
  if (toFloat) {
    out.dataType = kFloat;
    for (int64_t i = 0, e = t.numElements(); i < e; ++i)
      out.floats.push_back(static_cast<float>(elementAt(t, i)));
  } else if (*to == kInt64 || *to == kInt32 || *to == kInt8 || *to == kUInt8 ||
             *to == kInt16 || *to == kUInt16 || *to == kBool) {
    for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
      double v = elementAt(t, i);
      out.ints.push_back(*to == kBool ? v != 0.0
                                      : static_cast<int64_t>(std::trunc(v)));
    }
  } else {
    return nodeError(node) << "cast to " << dataTypeName(*to)
                           << " is not supported";
  }
  defineHost(node, std::move(out));
  return success();
}

//===----------------------------------------------------------------------===//
// Integer ONNX ops: QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger
// become integer-level mpq ops directly (qconstant, qconv2d,
// qfully_connected, requantize, qadd); integer graph inputs are quantized at
// the model boundary and integer graph outputs dequantized there.
//===----------------------------------------------------------------------===//

FailureOr<UniformType> Importer::uniformFor(const Node &node,
                                            const QuantParams &p,
                                            int64_t storedAxis) {
  auto scales = DenseF64ArrayAttr::get(context, p.scales);
  auto emitErr = [&]() { return nodeError(node); };
  int32_t axis = p.axis >= 0 ? static_cast<int32_t>(storedAxis) : -1;
  if (failed(UniformType::verify(emitErr, p.bits, p.isSigned, axis, scales,
                                 p.zeroPoints)))
    return failure();
  return UniformType::get(context, p.bits, p.isSigned, axis, p.scales,
                          p.zeroPoints);
}

/// Scale (input `scaleIndex`, or 1 if negative) and zero point (input
/// `zpIndex`, or 0 if absent) of a QLinear*/Integer op's operand whose
/// element type is `dataType`. Several values make it per axis `axis`.
FailureOr<QuantParams> Importer::linearParams(const Node &node, int scaleIndex,
                                              size_t zpIndex, int dataType,
                                              int64_t axis) {
  QuantParams p;
  if (dataType != kUInt8 && dataType != kInt8)
    return nodeError(node) << "integer operands must be uint8 or int8, got "
                           << dataTypeName(dataType);
  p.isSigned = dataType == kInt8;
  if (scaleIndex >= 0) {
    auto scale = hostInput(node, scaleIndex, "scale");
    if (failed(scale))
      return failure();
    if (!(*scale)->isFloat())
      return nodeError(node) << "the scale must be float";
    for (float v : (*scale)->floats)
      p.scales.push_back(v);
  }
  if (hasInput(node, zpIndex)) {
    auto zp = hostInput(node, zpIndex, "zero point");
    if (failed(zp))
      return failure();
    if ((*zp)->dataType != dataType)
      return nodeError(node) << "zero point '" << node.inputs[zpIndex]
                             << "' is " << dataTypeName((*zp)->dataType)
                             << ", its operand " << dataTypeName(dataType);
    p.zeroPoints.assign((*zp)->ints.begin(), (*zp)->ints.end());
  }
  if (p.scales.empty())
    p.scales.assign(std::max<size_t>(p.zeroPoints.size(), 1), 1.0);
  if (p.zeroPoints.empty())
    p.zeroPoints.assign(p.scales.size(), 0);
  if (p.scales.size() != p.zeroPoints.size()) {
    if (p.scales.size() == 1)
      p.scales.assign(p.zeroPoints.size(), p.scales[0]);
    else if (p.zeroPoints.size() == 1)
      p.zeroPoints.assign(p.scales.size(), p.zeroPoints[0]);
    else
      return nodeError(node) << "scale and zero point sizes differ";
  }
  if (p.scales.size() > 1) {
    if (axis < 0)
      return nodeError(node) << "zero point '" << node.inputs[zpIndex]
                             << "' has " << p.scales.size()
                             << " values; its operand must be quantized per "
                                "tensor";
    p.axis = axis;
  }
  return p;
}

/// The result grid of a QLinear op: y_scale (input 6) and y_zero_point
/// (input 7, whose type gives the signedness; uint8 if absent).
FailureOr<std::pair<QuantParams, UniformType>>
Importer::qlinearOutput(const Node &node) {
  int yType = kUInt8;
  if (hasInput(node, 7)) {
    auto yzp = hostInput(node, 7, "zero point");
    if (failed(yzp))
      return failure();
    yType = (*yzp)->dataType;
  }
  auto yq = linearParams(node, 6, 7, yType, -1);
  if (failed(yq))
    return failure();
  auto out = uniformFor(node, *yq, 0);
  if (failed(out))
    return failure();
  return std::make_pair(*yq, *out);
}

/// The element type of an integer graph input: how its consumers read it.
FailureOr<Type> Importer::integerInputType(const ValueInfo &info,
                                           ArrayRef<int64_t> shape) {
  Location loc = NameLoc::get(StringAttr::get(context, info.name), fileLoc());
  if (info.elemType != kUInt8 && info.elemType != kInt8)
    return emitError(loc) << "input '" << info.name << "' has element type "
                          << dataTypeName(info.elemType)
                          << "; only float, uint8 and int8 inputs are "
                             "supported";
  std::optional<QuantParams> chosen;
  const Node *chooser = nullptr;
  int64_t rank = shape.size();
  // The input's codes reach their readers directly or through ops that only
  // move codes; those impose no grid of their own.
  static const llvm::StringSet<> moveCodes = {
      "MaxPool", "Transpose", "Reshape",  "Flatten",
      "Squeeze", "Unsqueeze", "Identity", "Dropout"};
  SmallVector<std::pair<std::string, bool>> worklist = {{info.name, false}};
  while (!worklist.empty()) {
    auto [value, moved] = worklist.pop_back_val();
    for (const Node &node : model.nodes) {
      for (auto [i, name] : llvm::enumerate(node.inputs)) {
        if (name != value)
          continue;
        if (i == 0 && moveCodes.contains(node.opType) &&
            !node.outputs.empty()) {
          worklist.push_back({node.outputs[0], true});
          continue;
        }
        FailureOr<QuantParams> p = QuantParams();
        StringRef op = node.opType;
        if ((op == "QLinearConv" || op == "QLinearMatMul") && i == 0)
          p = linearParams(node, 1, 2, info.elemType, -1);
        else if (op == "QLinearMatMul" && i == 3)
          p = linearParams(node, 4, 5, info.elemType, -1);
        else if (op == "DequantizeLinear" && i == 0) {
          p = qdqParams(node, rank);
          if (succeeded(p) && p->isSigned != (info.elemType == kInt8))
            return nodeError(node) << "zero point and input '" << info.name
                                   << "' differ in signedness";
        } else if ((op == "ConvInteger" || op == "MatMulInteger") && i < 2)
          p = linearParams(node, -1, i + 2, info.elemType, -1);
        else {
          p->isSigned = info.elemType == kInt8;
          p->scales = {1.0};
          p->zeroPoints = {0};
        }
        if (failed(p))
          return failure();
        if (moved && p->axis >= 0)
          return nodeError(node) << "reads input '" << info.name
                                 << "' per axis after it was moved; per-axis "
                                    "grids are supported on the input itself";
        p->isSigned = info.elemType == kInt8;
        if (chosen &&
            (chosen->scales != p->scales ||
             chosen->zeroPoints != p->zeroPoints || chosen->axis != p->axis))
          return nodeError(node)
                 << "reads input '" << info.name
                 << "' with another scale or zero point than node '"
                 << nodeName(*chooser) << "'";
        chosen = *p;
        chooser = &node;
      }
    }
  }
  if (!chosen) {
    chosen.emplace();
    chosen->isSigned = info.elemType == kInt8;
    chosen->scales = {1.0};
    chosen->zeroPoints = {0};
  }
  auto emitErr = [&]() {
    return emitError(loc) << "input '" << info.name << "': ";
  };
  auto scales = DenseF64ArrayAttr::get(context, chosen->scales);
  if (failed(UniformType::verify(emitErr, 8, chosen->isSigned, chosen->axis,
                                 scales, chosen->zeroPoints)))
    return failure();
  return Type(UniformType::get(context, 8, chosen->isSigned, chosen->axis,
                               chosen->scales, chosen->zeroPoints));
}

/// A QuantizeLinear of a graph input used by an integer op: the model
/// boundary, mpq.quantize. The result replaces the pending entry.
LogicalResult Importer::quantizeAtBoundary(const Node &node,
                                           const std::string &name) {
  Entry &e = values.find(name)->second;
  const Entry &source = values.find(e.pendingSource)->second;
  if (source.host || !isa<BlockArgument>(source.value))
    return nodeError(node)
           << "input '" << name
           << "' quantizes a computed float tensor; only graph inputs can be "
              "quantized for integer ops (QDQ pairs become mpq.fake_quant)";
  const QuantParams &p = *e.pendingQuant;
  auto type =
      uniformFor(node, p, invert(source.perm)[std::max<int64_t>(p.axis, 0)]);
  if (failed(type))
    return failure();
  auto srcType = cast<RankedTensorType>(source.value.getType());
  Value q = QuantizeOp::create(builder, source.value.getLoc(),
                               srcType.clone(Type(*type)), source.value,
                               RoundingAttr::get(context, p.rounding));
  e = stored(q, source.perm);
  return success();
}

/// An operand that must hold integer codes.
FailureOr<Entry> Importer::quantizedInput(const Node &node, size_t i) {
  auto x = dataInput(node, i);
  if (failed(x))
    return failure();
  if (!isQuantized(*x))
    return nodeError(node) << "input '" << node.inputs[i]
                           << "' must be an integer tensor (a graph input or "
                              "the result of an integer op), not "
                           << (x->host ? "a constant" : "a float tensor");
  return x;
}

/// Checks that `x` holds codes of exactly the grid `p` describes.
LogicalResult Importer::requireGrid(const Node &node, size_t i, const Entry &x,
                                    const QuantParams &p) {
  UniformType have = uniformOf(x.value);
  auto want = uniformFor(node, p, p.axis >= 0 ? invert(x.perm)[p.axis] : 0);
  if (failed(want))
    return failure();
  if (have != *want)
    return nodeError(node) << "input '" << node.inputs[i] << "' holds codes of "
                           << have << " but the node reads them as " << *want;
  return success();
}

Value Importer::qconstant(const Tensor &t, UniformType type, Location loc) {
  SmallVector<int32_t> codes(t.ints.begin(), t.ints.end());
  auto shape = RankedTensorType::get(t.shape, builder.getI32Type());
  return QConstantOp::create(builder, loc, RankedTensorType::get(t.shape, type),
                             DenseElementsAttr::get(shape, ArrayRef(codes)));
}

/// Requantization of an int32 accumulator by real[c] = in * w[c] / out per
/// output channel, to `outType` (a 32-bit `outType` keeps the accumulator).
FailureOr<Value> Importer::requantizeTo(const Node &node, Value acc,
                                        ArrayRef<double> real,
                                        ArrayRef<int32_t> bias,
                                        UniformType outType) {
  SmallVector<int32_t> multipliers, exponents;
  for (double r : real) {
    auto m = quantizeMultiplier(r);
    // Beyond N0 = 31 any nonzero accumulator leaves the output range; below
    // N0 = -32 the shift exceeds 63 and |acc * M0| < 2^63 rounds (to
    // nearest) to 0, which M0 = 0 gives exactly.
    if (!m || m->n0 > 31)
      return nodeError(node) << "the requantization factor " << r
                             << " is too large (more than 2^31)";
    if (m->n0 < -32)
      m = QuantizedMultiplier{};
    multipliers.push_back(m->m0);
    exponents.push_back(m->n0);
  }
  if (llvm::all_equal(multipliers) && llvm::all_equal(exponents)) {
    multipliers.resize(1);
    exponents.resize(1);
  }
  auto accType = cast<RankedTensorType>(acc.getType());
  return RequantizeOp::create(
             builder, nodeLoc(node), accType.clone(Type(outType)), acc,
             builder.getDenseI32ArrayAttr(multipliers),
             builder.getDenseI32ArrayAttr(exponents),
             bias.empty() ? nullptr : builder.getDenseI32ArrayAttr(bias),
             RoundingAttr::get(context, Rounding::half_to_even),
             /*clamp_min=*/nullptr, /*clamp_max=*/nullptr)
      .getResult();
}

/// The int32 accumulator kept as a result: ConvInteger and MatMulInteger.
UniformType Importer::accumulatorType() {
  return UniformType::get(context, 32, /*isSigned=*/true, -1, {1.0}, {0});
}

/// The integer weight of `node` (input `i`), an initializer.
FailureOr<const Tensor *> Importer::integerWeight(const Node &node, size_t i) {
  auto w = hostInput(node, i, "weight");
  if (failed(w))
    return failure();
  if ((*w)->dataType != kUInt8 && (*w)->dataType != kInt8)
    return nodeError(node) << "weight '" << node.inputs[i] << "' must be uint8 "
                           << "or int8, got " << dataTypeName((*w)->dataType);
  return w;
}

/// The grids of a QLinear*/…Integer op's data operand (input 0, whose codes
/// must already be on it) and constant weight, per channel along
/// `weightAxis` when it has several scales or zero points.
FailureOr<std::pair<QuantParams, QuantParams>>
Importer::operandGrids(const Node &node, bool qlinear, const Entry &x,
                       const Tensor &w, int64_t weightAxis) {
  int xType = uniformOf(x.value).getIsSigned() ? kInt8 : kUInt8;
  // QLinear: x, x_scale, x_zp, w, w_scale, w_zp; Integer: x, w, x_zp, w_zp.
  auto xq = linearParams(node, qlinear ? 1 : -1, 2, xType, -1);
  auto wq = linearParams(node, qlinear ? 4 : -1, qlinear ? 5 : 3, w.dataType,
                         weightAxis);
  if (failed(xq) || failed(wq) || failed(requireGrid(node, 0, x, *xq)))
    return failure();
  return std::make_pair(*xq, *wq);
}

LogicalResult Importer::integerConv(const Node &node, bool qlinear) {
  // QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B].
  // ConvInteger: x, w, [x_zp], [w_zp].
  size_t wIndex = qlinear ? 3 : 1;
  auto x = quantizedInput(node, 0);
  if (failed(x))
    return failure();
  if (x->shape.size() != 4)
    return nodeError(node) << "only 2-D spatial (rank-4 NCHW) inputs are "
                              "supported, input '"
                           << node.inputs[0] << "' has rank "
                           << x->shape.size();
  auto w = integerWeight(node, wIndex);
  if (failed(w))
    return failure();
  const Tensor &wt = **w;
  if (wt.shape.size() != 4)
    return nodeError(node) << "the weight must have rank 4 (OIHW), got rank "
                           << wt.shape.size();
  auto grids = operandGrids(node, qlinear, *x, wt, /*weightAxis=*/0);
  if (failed(grids))
    return failure();
  QuantParams xq = grids->first, wq = grids->second;
  auto geometry = convGeometry(node, x->shape, wt.shape);
  if (failed(geometry))
    return failure();
  int64_t cout = wt.shape[0];
  if (wq.axis >= 0 && static_cast<int64_t>(wq.scales.size()) != cout)
    return nodeError(node) << "has " << wq.scales.size()
                           << " weight scales for " << cout
                           << " output channels";
  UniformType outType = accumulatorType();
  SmallVector<double> real(cout, 1.0);
  SmallVector<int32_t> bias;
  if (qlinear) {
    auto yq = qlinearOutput(node);
    if (failed(yq))
      return failure();
    outType = yq->second;
    for (int64_t c = 0; c < cout; ++c)
      real[c] =
          xq.scales[0] * wq.scales[wq.axis >= 0 ? c : 0] / yq->first.scales[0];
    if (hasInput(node, 8)) {
      auto b = hostInput(node, 8, "bias");
      if (failed(b))
        return failure();
      if ((*b)->dataType != kInt32 || (*b)->numElements() != cout)
        return nodeError(node)
               << "the bias must be " << cout << " int32 values";
      bias.assign((*b)->ints.begin(), (*b)->ints.end());
    }
  }
  Location loc = nodeLoc(node);
  auto wType = uniformFor(node, wq, 0);
  auto xs = materialize(*x, kToNHWC, loc);
  if (failed(wType) || failed(xs))
    return failure();
  Value weight = qconstant(transposeTensor(wt, kToNHWC), *wType, loc);
  Shape out = {x->shape[0], geometry->window.out[0], geometry->window.out[1],
               cout};
  Value acc = QConv2DOp::create(
      builder, loc, RankedTensorType::get(out, builder.getI32Type()), *xs,
      weight, builder.getDenseI64ArrayAttr(geometry->strides),
      builder.getDenseI64ArrayAttr(geometry->dilations),
      builder.getDenseI64ArrayAttr(geometry->window.pads),
      builder.getI64IntegerAttr(geometry->group));
  auto y = requantizeTo(node, acc, real, bias, outType);
  if (failed(y))
    return failure();
  define(node, stored(*y, kToNHWC));
  return success();
}

LogicalResult Importer::importQLinearConv(const Node &node) {
  return integerConv(node, /*qlinear=*/true);
}
LogicalResult Importer::importConvInteger(const Node &node) {
  return integerConv(node, /*qlinear=*/false);
}

LogicalResult Importer::integerMatMul(const Node &node, bool qlinear) {
  // QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp.
  // MatMulInteger: A, B, [a_zp], [b_zp].
  size_t bIndex = qlinear ? 3 : 1;
  auto a = quantizedInput(node, 0);
  if (failed(a))
    return failure();
  auto b = integerWeight(node, bIndex);
  if (failed(b))
    return failure();
  const Tensor &bt = **b;
  int64_t rankA = a->shape.size(), rankB = bt.shape.size();
  if (rankA < 2 || rankB < 2 || rankB > 3 || (rankB == 3 && rankA != 3))
    return nodeError(node) << "supported: A of rank >= 2 times a matrix B, or "
                              "batched [N, M, K] x [N, K, N'] with a constant "
                              "B; got ranks "
                           << rankA << " and " << rankB;
  int64_t k = a->shape[rankA - 1], n = bt.shape[rankB - 1];
  int64_t batch = rankB == 3 ? bt.shape[0] : 1;
  if (bt.shape[rankB - 2] != k || (rankB == 3 && a->shape[0] != batch))
    return nodeError(node) << "shapes do not match for a matrix product";
  auto grids = operandGrids(node, qlinear, *a, bt, /*weightAxis=*/1);
  if (failed(grids))
    return failure();
  QuantParams aq = grids->first, bq = grids->second;
  if (bq.axis >= 0 && static_cast<int64_t>(bq.scales.size()) != n)
    return nodeError(node) << "has " << bq.scales.size() << " scales for " << n
                           << " columns of B";
  UniformType outType = accumulatorType();
  // One output channel per (batch, column).
  SmallVector<double> real(batch * n, 1.0);
  if (qlinear) {
    auto yq = qlinearOutput(node);
    if (failed(yq))
      return failure();
    outType = yq->second;
    for (int64_t c = 0; c < batch * n; ++c)
      real[c] = aq.scales[0] * bq.scales[bq.axis >= 0 ? c % n : 0] /
                yq->first.scales[0];
  }
  // The weight, one row per output channel: W[g * n + j, kk] = B[g, kk, j].
  Tensor w;
  w.dataType = bt.dataType;
  w.shape = {batch * n, k};
  w.ints.resize(batch * n * k);
  for (int64_t g = 0; g < batch; ++g)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < n; ++j)
        w.ints[(g * n + j) * k + kk] = bt.ints[(g * k + kk) * n + j];
  QuantParams wq = bq;
  if (wq.axis >= 0) {
    wq.axis = 0;
    SmallVector<double> scales;
    SmallVector<int64_t> zps;
    for (int64_t g = 0; g < batch; ++g)
      for (int64_t j = 0; j < n; ++j) {
        scales.push_back(bq.scales[j]);
        zps.push_back(bq.zeroPoints[j]);
      }
    wq.scales = scales;
    wq.zeroPoints = zps;
  }
  Location loc = nodeLoc(node);
  auto wType = uniformFor(node, wq, 0);
  if (failed(wType))
    return failure();
  if (rankB == 3)
    w.shape = {batch * n, 1, 1, k}; // OHWI of a 1x1 convolution
  Value weight = qconstant(w, *wType, loc);
  if (rankB == 2) {
    // Rows of A through a fully-connected layer.
    int64_t rows = product(ArrayRef<int64_t>(a->shape).drop_back());
    Value x = reshapeTo(*a, {rows, k}, loc);
    Value acc = QFullyConnectedOp::create(
        builder, loc, RankedTensorType::get({rows, n}, builder.getI32Type()), x,
        weight);
    auto y = requantizeTo(node, acc, real, {}, outType);
    if (failed(y))
      return failure();
    Shape shape(a->shape.begin(), a->shape.end());
    shape.back() = n;
    Value r = create<ReshapeOp>(loc, RankedTensorType::get(shape, outType), *y);
    define(node, stored(r, identityPerm(shape.size())));
    return success();
  }
  // Batched with a different B per batch: a grouped 1x1 convolution over
  // [1, 1, M, batch * K] with one group per batch.
  int64_t m = a->shape[1];
  auto am = materialize(*a, {1, 0, 2}, loc); // [M, batch, K]
  if (failed(am))
    return failure();
  Value x = create<ReshapeOp>(
      loc, RankedTensorType::get({1, 1, m, batch * k}, uniformOf(a->value)),
      *am);
  Value acc = QConv2DOp::create(
      builder, loc,
      RankedTensorType::get({1, 1, m, batch * n}, builder.getI32Type()), x,
      weight, builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
      builder.getI64IntegerAttr(batch));
  auto y = requantizeTo(node, acc, real, {}, outType);
  if (failed(y))
    return failure();
  Value r =
      create<ReshapeOp>(loc, RankedTensorType::get({m, batch, n}, outType), *y);
  define(node, stored(r, {1, 0, 2})); // stored [M, batch, N]
  return success();
}

LogicalResult Importer::importQLinearMatMul(const Node &node) {
  return integerMatMul(node, /*qlinear=*/true);
}
LogicalResult Importer::importMatMulInteger(const Node &node) {
  return integerMatMul(node, /*qlinear=*/false);
}

/// Add of two integer tensors: mpq.qadd, rescaling each to the output grid.
/// Raw integer tensors (scale 1) saturate where ONNX wraps around.
LogicalResult Importer::importIntegerAdd(const Node &node) {
  auto a = quantizedInput(node, 0);
  auto b = quantizedInput(node, 1);
  if (failed(a) || failed(b))
    return failure();
  if (a->shape != b->shape)
    return nodeError(node) << "integer Add needs inputs of one shape";
  UniformType ta = uniformOf(a->value), tb = uniformOf(b->value);
  if (ta.isPerAxis() || tb.isPerAxis() || ta.getIsSigned() != tb.getIsSigned())
    return nodeError(node) << "integer Add needs per-tensor inputs of one "
                              "signedness";
  // ONNX adds the codes themselves: raw integers (scale 1, zero point 0)
  // in and out, each input multiplied by exactly 1.
  UniformType out =
      UniformType::get(context, 8, ta.getIsSigned(), -1, {1.0}, {0});
  if (ta != out || tb != out)
    return nodeError(node) << "integer Add is supported on raw integer "
                              "tensors (scale 1, zero point 0), got "
                           << ta << " and " << tb;
  emitWarning(nodeLoc(node))
      << "Add '" << nodeName(node)
      << "': integer Add saturates to the type's range, where ONNX wraps "
         "around on overflow";
  auto one = quantizeMultiplier(1.0);
  auto ma = one, mb = one;
  Location loc = nodeLoc(node);
  auto bv = materialize(*b, a->perm, loc);
  if (failed(bv))
    return failure();
  Value y = QAddOp::create(
      builder, loc, cast<RankedTensorType>(a->value.getType()).clone(Type(out)),
      a->value, *bv, builder.getI32IntegerAttr(ma->m0),
      builder.getI32IntegerAttr(ma->n0), builder.getI32IntegerAttr(mb->m0),
      builder.getI32IntegerAttr(mb->n0),
      RoundingAttr::get(context, Rounding::half_to_even),
      /*clamp_min=*/nullptr, /*clamp_max=*/nullptr);
  define(node, stored(y, a->perm));
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization: QDQ pairs and QONNX Quant become mpq.fake_quant
//===----------------------------------------------------------------------===//

/// Creates the fake_quant for `params` on `x` (in x's stored layout).
LogicalResult Importer::fakeQuant(const Node &node, const Entry &x,
                                  const QuantParams &params) {
  Location loc = nodeLoc(node);
  Value input;
  Perm perm;
  if (x.host) {
    auto v = hostConstant(*x.host, identityPerm(x.shape.size()), loc);
    if (failed(v))
      return failure();
    input = *v;
    perm = identityPerm(x.shape.size());
  } else {
    input = x.value;
    perm = x.perm;
  }
  int32_t axis = -1;
  if (params.axis >= 0) {
    axis = invert(perm)[params.axis];
    if (static_cast<int64_t>(params.scales.size()) != x.shape[params.axis])
      return nodeError(node)
             << "has " << params.scales.size() << " scales for axis "
             << params.axis << " of size " << x.shape[params.axis];
  }
  if (params.bits < 1 || params.bits > 8)
    return nodeError(node) << "bit-width " << params.bits
                           << " is not supported (1..8)";
  if (params.narrow && !params.isSigned)
    return nodeError(node) << "narrow range with unsigned codes is not "
                              "supported";
  auto scales = DenseF64ArrayAttr::get(context, params.scales);
  auto emitErr = [&]() { return nodeError(node); };
  if (failed(UniformType::verify(emitErr, params.bits, params.isSigned, axis,
                                 scales, params.zeroPoints)))
    return failure();
  auto quant = UniformType::get(context, params.bits, params.isSigned, axis,
                                params.scales, params.zeroPoints);
  SmallVector<NamedAttribute> attrs = {
      builder.getNamedAttr("quant", TypeAttr::get(quant)),
      builder.getNamedAttr("rounding",
                           RoundingAttr::get(context, params.rounding))};
  if (params.narrow)
    attrs.push_back(builder.getNamedAttr("narrow", builder.getUnitAttr()));
  Value y = create<FakeQuantOp>(loc, input.getType(), input, attrs);
  define(node, stored(y, perm));
  return success();
}

/// Scale and zero point of a QuantizeLinear/DequantizeLinear (inputs 1, 2),
/// for an input of rank `rank`.
FailureOr<QuantParams> Importer::qdqParams(const Node &node, int64_t rank) {
  auto scale = hostInput(node, 1, "scale");
  if (failed(scale))
    return failure();
  const Tensor *zp = nullptr;
  if (hasInput(node, 2)) {
    auto z = hostInput(node, 2, "zero point");
    if (failed(z))
      return failure();
    zp = *z;
  }
  QuantParams p;
  int zpType = zp ? zp->dataType : kUInt8;
  // int32 only for DequantizeLinear of an int32 bias.
  if (zpType != kUInt8 && zpType != kInt8 &&
      !(zpType == kInt32 && node.opType == "DequantizeLinear"))
    return nodeError(node) << "zero point type " << dataTypeName(zpType)
                           << " is not supported (uint8 or int8)";
  p.isSigned = zpType != kUInt8;
  p.bits = 8;
  p.rounding = Rounding::half_to_even;
  const Tensor &s = **scale;
  if (!s.isFloat())
    return nodeError(node) << "the scale must be float";
  if (s.numElements() > 1 || s.shape.size() == 1) {
    auto axisAttr = intAttr(node, "axis", 1);
    if (failed(axisAttr))
      return failure();
    auto axis = normalizeAxis(node, *axisAttr, rank);
    if (failed(axis))
      return failure();
    p.axis = *axis;
  }
  if (p.axis >= 0 && s.numElements() == 1 && (!zp || zp->numElements() == 1))
    p.axis = -1;
  for (float v : s.floats)
    p.scales.push_back(v);
  if (zp) {
    if (zp->numElements() != s.numElements())
      return nodeError(node) << "scale and zero point sizes differ";
    p.zeroPoints.assign(zp->ints.begin(), zp->ints.end());
  } else {
    p.zeroPoints.assign(p.scales.size(), 0);
  }
  return p;
}

LogicalResult Importer::importQuantizeLinear(const Node &node) {
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  auto params = qdqParams(node, x->shape.size());
  if (failed(params))
    return failure();
  Entry e;
  e.shape = x->shape;
  e.pendingQuant = std::make_shared<QuantParams>(*params);
  e.pendingSource = node.inputs[0];
  define(node, std::move(e));
  return success();
}

LogicalResult Importer::importDequantizeLinear(const Node &node) {
  auto x = dataInput(node, 0);
  if (failed(x))
    return failure();
  auto params = qdqParams(node, x->shape.size());
  if (failed(params))
    return failure();
  if (x->pendingQuant) {
    const QuantParams &q = *x->pendingQuant;
    if (q.scales != params->scales || q.zeroPoints != params->zeroPoints ||
        q.isSigned != params->isSigned || q.axis != params->axis)
      return nodeError(node) << "scale or zero point differ from those of "
                                "its QuantizeLinear (a requantization is not "
                                "supported)";
    return fakeQuant(node, values.find(x->pendingSource)->second, *params);
  }
  if (isQuantized(*x)) {
    // Integer codes back to real values: the model boundary.
    if (failed(requireGrid(node, 0, *x, *params)))
      return failure();
    auto type = cast<RankedTensorType>(x->value.getType());
    Value y = DequantizeOp::create(builder, nodeLoc(node), f32(type.getShape()),
                                   x->value);
    define(node, stored(y, x->perm));
    return success();
  }
  if (!x->host || x->host->isFloat())
    return nodeError(node) << "input '" << node.inputs[0]
                           << "' must be an integer initializer or a "
                              "QuantizeLinear output";
  // Quantized weights: the exact dequantized values, marked with their
  // quantization. An int32 bias has no stored width: its float values only.
  const Tensor &q = *x->host;
  Tensor deq;
  deq.dataType = kFloat;
  deq.shape = q.shape;
  int64_t n = q.numElements();
  deq.floats.resize(n);
  int64_t inner = 1, size = 1;
  if (params->axis >= 0) {
    size = q.shape[params->axis];
    inner = product(ArrayRef<int64_t>(q.shape).drop_front(params->axis + 1));
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = params->axis >= 0 ? (i / inner) % size : 0;
    deq.floats[i] = static_cast<float>(q.ints[i] - params->zeroPoints[c]) *
                    static_cast<float>(params->scales[c]);
  }
  if (q.dataType == kInt32) {
    defineHost(node, std::move(deq));
    return success();
  }
  if (q.dataType != kInt8 && q.dataType != kUInt8)
    return nodeError(node) << "quantized " << dataTypeName(q.dataType)
                           << " data is not supported (int8, uint8, int32)";
  params->isSigned = q.dataType == kInt8;
  Entry e;
  e.shape.assign(deq.shape.begin(), deq.shape.end());
  e.host = std::make_shared<const Tensor>(std::move(deq));
  return fakeQuant(node, e, *params);
}

LogicalResult Importer::importQonnxQuant(const Node &node) {
  auto x = dataInput(node, 0);
  auto scale = hostInput(node, 1, "scale");
  auto zp = hostInput(node, 2, "zero point");
  auto bitwidth = hostInput(node, 3, "bitwidth");
  auto isSigned = intAttr(node, "signed", 1);
  auto narrow = intAttr(node, "narrow", 0);
  auto rounding = stringAttr(node, "rounding_mode", "ROUND");
  if (failed(x) || failed(scale) || failed(zp) || failed(bitwidth) ||
      failed(isSigned) || failed(narrow) || failed(rounding))
    return failure();
  QuantParams p;
  if (*rounding == "ROUND")
    p.rounding = Rounding::half_to_even;
  else if (*rounding == "FLOOR")
    p.rounding = Rounding::floor;
  else
    return nodeError(node) << "unsupported rounding_mode '" << *rounding
                           << "' (supported: ROUND, FLOOR)";
  if ((*bitwidth)->numElements() != 1)
    return nodeError(node) << "bitwidth must be a scalar";
  double bits = elementAt(**bitwidth, 0);
  if (bits != std::floor(bits) || bits < 1 || bits > 8)
    return nodeError(node) << "bitwidth " << formatNumber(bits)
                           << " is not an integer in 1..8";
  p.bits = static_cast<unsigned>(bits);
  p.isSigned = *isSigned != 0;
  p.narrow = *narrow != 0;
  // Per tensor, or per channel along the one axis where the scale (or zero
  // point) is not broadcast.
  int64_t rank = x->shape.size();
  for (const Tensor *t : {*scale, *zp}) {
    if (t->numElements() == 1)
      continue;
    if (t->shape.size() > static_cast<size_t>(rank))
      return nodeError(node) << "scale/zero point rank exceeds the input's";
    for (size_t i = 0; i < t->shape.size(); ++i) {
      if (t->shape[i] == 1)
        continue;
      int64_t axis = rank - t->shape.size() + i;
      if (p.axis >= 0 && p.axis != axis)
        return nodeError(node) << "scale and zero point vary along more "
                                  "than one axis";
      p.axis = axis;
    }
  }
  int64_t slices = p.axis >= 0 ? x->shape[p.axis] : 1;
  for (int64_t c = 0; c < slices; ++c) {
    auto at = [&](const Tensor *t) {
      return elementAt(*t, t->numElements() == 1 ? 0 : c);
    };
    double z = at(*zp);
    if (z != std::floor(z))
      return nodeError(node)
             << "zero point " << formatNumber(z) << " is not an integer";
    p.scales.push_back(at(*scale));
    p.zeroPoints.push_back(static_cast<int64_t>(z));
  }
  return fakeQuant(node, *x, p);
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

LogicalResult Importer::importInitializers() {
  for (const auto &[name, tensor] : model.initializers) {
    Entry e;
    e.shape.assign(tensor.shape.begin(), tensor.shape.end());
    e.host = std::make_shared<const Tensor>(tensor);
    values[name] = std::move(e);
  }
  return success();
}

LogicalResult Importer::importInputs(SmallVectorImpl<Type> &argTypes) {
  for (const ValueInfo &info : model.inputs) {
    if (values.count(info.name))
      continue; // an initializer listed as an input (older exporters)
    Location loc = fileLoc();
    if (!info.hasShape)
      return emitError(loc) << "input '" << info.name << "' has no shape";
    Shape shape;
    for (auto [i, dim] : llvm::enumerate(info.dims)) {
      if (dim.known && dim.value > 0) {
        shape.push_back(dim.value);
        continue;
      }
      if (i == 0) { // a symbolic or unknown batch is imported as 1
        shape.push_back(1);
        continue;
      }
      return emitError(loc)
             << "input '" << info.name << "' has symbolic dimension '"
             << (dim.param.empty() ? "?" : dim.param)
             << "' (only the batch may be dynamic), at index " << i;
    }
    // An integer input holds codes: the model takes the real values
    // (float) and quantizes them at its boundary, like a QDQ model.
    if (info.elemType != kFloat) {
      auto grid = integerInputType(info, shape);
      if (failed(grid))
        return failure();
      inputGrids[info.name] = *grid;
    }
    if (options.nhwcInputs && shape.size() == 4) {
      shape = permuteShape(shape, kToNHWC);
      if (auto grid = inputGrids.find(info.name); grid != inputGrids.end())
        if (auto u = cast<UniformType>(grid->second); u.isPerAxis())
          grid->second =
              UniformType::get(context, u.getWidth(), u.getIsSigned(),
                               invert(kToNHWC)[u.getAxis()],
                               u.getScales().asArrayRef(), u.getZeroPoints());
    }
    argTypes.push_back(f32(shape));
  }
  return success();
}

static std::string sanitizeName(StringRef name) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' ? c : '_');
  if (out.empty() || llvm::isDigit(out[0]))
    out.insert(out.begin(), '_');
  return out;
}

OwningOpRef<ModuleOp> Importer::run() {
  auto it = model.opsets.find("");
  if (it != model.opsets.end())
    opset = it->second;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc());
  if (failed(importInitializers()))
    return nullptr;
  SmallVector<Type> argTypes;
  if (failed(importInputs(argTypes)))
    return nullptr;

  std::string name = options.funcName;
  if (name.empty())
    name =
        sanitizeName(model.graphName.empty() ? llvm::sys::path::stem(fileName)
                                             : StringRef(model.graphName));
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc(), name,
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  size_t argIndex = 0;
  for (const ValueInfo &info : model.inputs) {
    if (values.count(info.name))
      continue;
    BlockArgument arg = body->getArgument(argIndex++);
    arg.setLoc(NameLoc::get(StringAttr::get(context, info.name), fileLoc()));
    Value v = arg;
    if (auto grid = inputGrids.find(info.name); grid != inputGrids.end()) {
      builder.setInsertionPointToEnd(body);
      v = QuantizeOp::create(
          builder, arg.getLoc(),
          cast<RankedTensorType>(arg.getType()).clone(grid->second), arg,
          RoundingAttr::get(context, Rounding::half_to_even));
    }
    int64_t rank = cast<RankedTensorType>(arg.getType()).getRank();
    values[info.name] =
        stored(v, options.nhwcInputs && rank == 4
                      ? Perm(std::begin(kToNHWC), std::end(kToNHWC))
                      : identityPerm(rank));
  }
  builder.setInsertionPointToEnd(body);
  for (const Node &node : model.nodes)
    if (failed(importNode(node)))
      return nullptr;

  SmallVector<Value> results;
  for (const ValueInfo &info : model.outputs) {
    auto found = values.find(info.name);
    if (found == values.end())
      return emitError(fileLoc()) << "graph output '" << info.name
                                  << "' is not produced by any node",
             nullptr;
    const Entry &e = found->second;
    Location loc = NameLoc::get(StringAttr::get(context, info.name), fileLoc());
    if (e.pendingQuant) {
      Node output;
      output.opType = "QuantizeLinear";
      output.name = info.name;
      if (failed(quantizeAtBoundary(output, info.name)))
        return nullptr;
    }
    auto v = materialize(values.find(info.name)->second,
                         identityPerm(e.shape.size()), loc);
    if (failed(v))
      return nullptr;
    // Integer outputs leave the model as codes: the boundary dequantizes.
    if (auto type = cast<RankedTensorType>(v->getType());
        isa<UniformType>(type.getElementType()))
      *v = DequantizeOp::create(builder, loc, f32(type.getShape()), *v);
    results.push_back(*v);
  }
  func::ReturnOp::create(builder, fileLoc(), results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));

  if (failed(verify(*module)))
    return nullptr;
  if (options.canonicalize) {
    PassManager pm(context);
    pm.addPass(createCanonicalizerPass());
    // Two ops asking for the same layout of one value share its transpose.
    pm.addPass(createCSEPass());
    if (failed(pm.run(*module)))
      return nullptr;
  }
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void mlir::mpq::registerOnnxImportDialects(DialectRegistry &registry) {
  registry.insert<MPQDialect, arith::ArithDialect, func::FuncDialect>();
}

OwningOpRef<ModuleOp>
mlir::mpq::importOnnxBuffer(StringRef bytes, StringRef fileName,
                            MLIRContext *context,
                            const OnnxImportOptions &options) {
  context->loadDialect<MPQDialect, arith::ArithDialect, func::FuncDialect>();
  Model model;
  std::string error = readOnnxModel(bytes.data(), bytes.size(), model);
  if (!error.empty()) {
    emitError(FileLineColLoc::get(context, fileName, 0, 0)) << error;
    return nullptr;
  }
  return Importer(context, model, fileName, options).run();
}

OwningOpRef<ModuleOp>
mlir::mpq::importOnnxFile(StringRef path, MLIRContext *context,
                          const OnnxImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot open: " << buffer.getError().message();
    return nullptr;
  }
  return importOnnxBuffer((*buffer)->getBuffer(), path, context, options);
}
