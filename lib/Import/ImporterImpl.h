//===- ImporterImpl.h - The ONNX importer's shared core ---------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Private to lib/Import. The importer's core (OnnxImporter.cpp: the graph
// walk, the value table, the dispatch and the helpers every op family uses)
// and the op families (ConvOps.cpp, PoolOps.cpp, ElementwiseOps.cpp,
// ShapeOps.cpp, ConstantOps.cpp, QuantOps.cpp, IntegerOps.cpp) share what is
// declared here. No protobuf and no exceptions: see OnnxModel.h.
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
// Adding an op: one handler function `LogicalResult importX(Importer &im,
// const Node &node)` in its family's file, and one `table.add` line in that
// file's register function. Its evaluation on constants, if the handler does
// not do it, is a Folder in FoldOps.cpp (`table.fold`): importNode calls it
// instead of the handler when every input is a constant.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_LIB_IMPORT_IMPORTERIMPL_H
#define MPQ_LIB_IMPORT_IMPORTERIMPL_H

#include "OnnxModel.h"

#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Import/OnnxImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mpq::onnx_import {

using Shape = SmallVector<int64_t, 4>;
using Perm = SmallVector<int64_t, 4>;

inline constexpr llvm::StringLiteral kQonnxDomain = "qonnx.custom_op.general";

/// NCHW to NHWC (and OIHW to OHWI): out dim i = in dim kToNHWC[i].
inline constexpr int64_t kToNHWC[] = {0, 2, 3, 1};

/// Replaces the subgraphs exporters write for ops their opset lacks (the
/// LayerNormalization pattern of torch below opset 17) by those ops
/// (ExporterPatterns.cpp). Run on the model before import.
void fuseExporterPatterns(Model &model);
/// The attribute of a LayerNormalization fused from the subgraph, which
/// normalizes over that one axis only.
inline constexpr const char *kFusedSingleAxis = "mpq.fused_single_axis";

//===----------------------------------------------------------------------===//
// Host-side tensor arithmetic (constant folding at import)
//===----------------------------------------------------------------------===//

Perm identityPerm(int64_t rank);
bool isIdentity(ArrayRef<int64_t> perm);
Perm invert(ArrayRef<int64_t> perm);
/// out dim i = in dim perm[i].
Shape permuteShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm);
/// The product of a shape already checked (Importer::checkShape: nonnegative,
/// within the import's limit), so it cannot overflow.
int64_t product(ArrayRef<int64_t> shape);
/// The product, or std::nullopt if a dimension is negative or it overflows.
std::optional<int64_t> checkedProduct(ArrayRef<int64_t> shape);
Shape stridesOf(ArrayRef<int64_t> shape);

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

Tensor transposeTensor(const Tensor &t, ArrayRef<int64_t> perm);
/// Element `flat` of `t` as a double.
double elementAt(const Tensor &t, int64_t flat);
/// numpy broadcasting of two shapes; std::nullopt if they do not broadcast.
std::optional<Shape> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b);
Tensor scalarTensor(float value);

/// `name` with every byte that is not part of a valid UTF-8 sequence written
/// as the text \xNN, and backslashes doubled if there were any.
std::string printableName(StringRef name);

//===----------------------------------------------------------------------===//
// Values
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
inline UniformType uniformOf(Value value) {
  return dyn_cast<UniformType>(
      cast<RankedTensorType>(value.getType()).getElementType());
}

/// Whether `e` holds integer codes (a `!mpq.uniform` tensor).
inline bool isQuantized(const Entry &e) {
  return !e.host && !e.pendingQuant && e.value && uniformOf(e.value);
}

/// The padding and output size of a 2-D window (convolution, pooling).
struct Window {
  SmallVector<int64_t> pads; // [top, left, bottom, right]
  SmallVector<int64_t> out;  // output H, W
};

struct ConvGeometry {
  int64_t group = 1;
  SmallVector<int64_t> strides, dilations;
  Window window;
};

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

class Importer;
/// Evaluates a node whose inputs are all constants (FoldOps.cpp): one tensor
/// per output. `inputs[i]` is null where the node leaves input i out.
using Folder = FailureOr<SmallVector<Tensor>> (*)(
    Importer &im, const Node &node, ArrayRef<const Tensor *> inputs);

/// The state of one import and the helpers the op handlers share. The
/// handlers are free functions over it (see OpTable).
class Importer {
public:
  Importer(MLIRContext *context, const Model &model, StringRef fileName,
           const OnnxImportOptions &options)
      : context(context), model(model), fileName(fileName.str()),
        options(options), builder(context) {}

  OwningOpRef<ModuleOp> run();

  // Diagnostics and locations.
  Location fileLoc() { return FileLineColLoc::get(context, fileName, 0, 0); }
  Location nodeLoc(const Node &node) {
    return NameLoc::get(StringAttr::get(context, nodeName(node)), fileLoc());
  }
  /// The node's name (its first output's if it has none), with bytes that
  /// are not UTF-8 written as \xNN: names reach locations, the report's JSON
  /// and the generated code's comments.
  static std::string nodeName(const Node &node) {
    return printableName(node.name.empty() && !node.outputs.empty()
                             ? node.outputs[0]
                             : node.name);
  }
  InFlightDiagnostic nodeError(const Node &node) {
    return emitError(nodeLoc(node))
           << node.opType << " '" << nodeName(node) << "': ";
  }

  // Sizes. Every shape is counted once, where it enters (a graph input, an
  // initializer, a node's output) or before a handler allocates for it.
  int64_t maxElements() const { return options.maxTensorBytes / 4; }
  /// Fails with an error naming `node` and `what` if `shape` has a negative
  /// dimension, its element count overflows or exceeds the limit.
  LogicalResult checkShape(const Node &node, ArrayRef<int64_t> shape,
                           const Twine &what);
  /// The same for a shape that belongs to no node (a graph input).
  LogicalResult checkShape(Location loc, ArrayRef<int64_t> shape,
                           const Twine &what);
  /// Checks what `node` defined: every output's shape, and the constants'
  /// total against the limit.
  LogicalResult checkOutputs(const Node &node);

  // Graph-level steps.
  LogicalResult importInitializers();
  /// Checks options.inputShapes against the graph inputs: each names one
  /// input, once, with its rank and static dimensions.
  LogicalResult checkInputShapes();
  LogicalResult importInputs(SmallVectorImpl<Type> &argTypes);
  /// One error listing every op type of the model the importer does not
  /// know, each with every node that uses it.
  LogicalResult checkSupported();
  LogicalResult importNode(const Node &node);
  /// Evaluates `node` on its constant inputs and defines its outputs as
  /// constants.
  LogicalResult foldNode(const Node &node, Folder folder);
  LogicalResult checkDefined(const Node &node);

  // Values.
  bool hasInput(const Node &node, size_t i) const {
    return i < node.inputs.size() && !node.inputs[i].empty();
  }
  /// Input `i`, which must be defined (checkDefined, or hostInput and
  /// dataInput, which check).
  const Entry &input(const Node &node, size_t i) {
    return values.find(node.inputs[i])->second;
  }
  /// An error naming input `i` of `node` if it is not defined.
  LogicalResult requireDefined(const Node &node, size_t i);
  FailureOr<const Tensor *> hostInput(const Node &node, size_t i,
                                      StringRef what);
  FailureOr<Entry> dataInput(const Node &node, size_t i);
  /// dataInput that must be computed at run time (an activation): a constant
  /// is an error naming the node.
  FailureOr<Entry> activationInput(const Node &node, size_t i);
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
  Value reshapeTo(const Entry &x, ArrayRef<int64_t> shape, Location loc);

  // Convolution and pooling windows (ConvOps.cpp).
  FailureOr<Entry> requireNCHW(const Node &node, size_t i);
  FailureOr<Window> window(const Node &node, ArrayRef<int64_t> inHW,
                           ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> dilations, bool ceilMode);
  FailureOr<ConvGeometry> convGeometry(const Node &node, ArrayRef<int64_t> x,
                                       ArrayRef<int64_t> w);

  // Quantization (QuantOps.cpp).
  FailureOr<QuantParams> qdqParams(const Node &node, ArrayRef<int64_t> shape);
  /// Whether `node` is a no-op Cast (or Identity) of a QuantizeLinear's
  /// codes to their own type, as torch.onnx writes between each
  /// QuantizeLinear and its DequantizeLinear; if so, defines its output as
  /// the same pending codes.
  bool passesCodes(const Node &node);

  // Integer tensors (IntegerOps.cpp).
  FailureOr<Type> integerInputType(const ValueInfo &info,
                                   ArrayRef<int64_t> shape);
  LogicalResult quantizeAtBoundary(const Node &node, const std::string &name);
  LogicalResult requireGrid(const Node &node, size_t i, const Entry &x,
                            const QuantParams &p);

  MLIRContext *context;
  const Model &model;
  std::string fileName;
  const OnnxImportOptions &options;
  OpBuilder builder;
  llvm::StringMap<Entry> values;
  /// Integer graph inputs: the grid their codes are on.
  llvm::StringMap<Type> inputGrids;
  int64_t opset = 13;
  /// Elements of every constant the import holds (initializers, folded
  /// constants), against options.maxConstantBytes.
  int64_t constantElements = 0;
};

//===----------------------------------------------------------------------===//
// Op handlers
//===----------------------------------------------------------------------===//

/// Imports one node: defines its outputs in the value table.
using Handler = LogicalResult (*)(Importer &im, const Node &node);

/// Whether an op's inputs may be integer tensors (`!mpq.uniform` codes).
/// The dispatch rejects integer inputs of the others: they compute on float
/// tensors.
enum class Inputs { Float, IntegerAware };

/// The op handlers, by domain ("" is the default ONNX domain) and op type.
class OpTable {
public:
  struct Op {
    /// Imports the node in general; null if the op is folded only.
    Handler handler = nullptr;
    Inputs inputs = Inputs::Float;
    /// Evaluates the node when all its inputs are constants, instead of the
    /// handler; null if the handler does (or the op is never folded).
    Folder folder = nullptr;
  };

  void add(StringRef opType, Handler handler, Inputs inputs = Inputs::Float,
           StringRef domain = "") {
    Op &op = domains[domain.str()][opType];
    op.handler = handler;
    op.inputs = inputs;
  }
  void fold(StringRef opType, Folder folder) {
    domains[""][opType].folder = folder;
  }
  /// The handler of `opType` in `domain`, or null.
  const Op *find(StringRef domain, StringRef opType) const;
  /// "A, B, ..., and Q (domain d); on constants only: R, S": the supported
  /// ops, for diagnostics.
  std::string supportedOps() const;

private:
  std::map<std::string, llvm::StringMap<Op>> domains;
};

// One register function per op family, each in its own file.
void registerConvOps(OpTable &table);
void registerPoolOps(OpTable &table);
void registerElementwiseOps(OpTable &table);
void registerShapeOps(OpTable &table);
void registerConstantOps(OpTable &table);
void registerQuantOps(OpTable &table);
void registerIntegerOps(OpTable &table);
/// The constant folder's evaluators (FoldOps.cpp).
void registerFoldOps(OpTable &table);

/// ONNX Slice resolved against a shape: along axis d, output element i is
/// input element begin[d] + i * step[d], and there are shape[d] of them.
struct SliceGeometry {
  Shape begin, step, shape;
};
/// Gather of an activation at constant indices (ShapeOps.cpp): slices of
/// it, concatenated along the axis; a scalar index drops the axis.
LogicalResult importActivationGather(Importer &im, const Node &node);
/// Reads Slice's starts, ends, axes and steps (attributes before opset 10,
/// constant inputs from it on; no axes or steps: all axes, steps of 1) and
/// resolves them on `shape` as ONNX defines it (negative indices from the
/// end, clamping); an error naming `node` if they are missing or
/// inconsistent (FoldOps.cpp; the folder and the handler of activations
/// both call it).
FailureOr<SliceGeometry> resolveSlice(Importer &im, const Node &node,
                                      ArrayRef<int64_t> shape);
/// The size of each of Split's outputs along an axis of size `dim`: `sizes`
/// if given (they must add up to `dim`), else equal parts (FoldOps.cpp).
FailureOr<SmallVector<int64_t>> resolveSplit(Importer &im, const Node &node,
                                             int64_t dim,
                                             SmallVector<int64_t> sizes);

/// Rewrites the QDQ patterns exporters write into the form the integer
/// pipeline takes, exactly (QuantOps.cpp): relu(fake_quant(x)) becomes
/// fake_quant(relu(x)), a fake_quant of a fake_quant on the same grid the
/// inner one, and fake_quant(pad(x, 0)) pad(fake_quant(x), 0).
void rewriteQdqPatterns(Block &body);

/// Add of two integer tensors (IntegerOps.cpp); the Add handler
/// (ElementwiseOps.cpp) passes integer Adds on to it.
LogicalResult importIntegerAdd(Importer &im, const Node &node);

} // namespace mlir::mpq::onnx_import

#endif // MPQ_LIB_IMPORT_IMPORTERIMPL_H
