//===- OnnxImporter.cpp - ONNX models to mpq graph IR ---------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Builds mpq graph IR from the plain model OnnxReader.cpp produced. No
// protobuf here, and no exceptions: every problem is a diagnostic.
//
// The core of the importer: the graph walk, the value table and its layouts
// (see ImporterImpl.h), the dispatch of each node to its op family's handler
// (ConvOps.cpp, PoolOps.cpp, ElementwiseOps.cpp, ShapeOps.cpp,
// ConstantOps.cpp, QuantOps.cpp, IntegerOps.cpp), and the helpers they share.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace mlir::mpq;
using namespace mlir::mpq::onnx_import;

//===----------------------------------------------------------------------===//
// Host-side tensor arithmetic (constant folding at import)
//===----------------------------------------------------------------------===//

namespace mlir::mpq::onnx_import {

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

Shape permuteShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  Shape out;
  for (int64_t p : perm)
    out.push_back(shape[p]);
  return out;
}

int64_t product(ArrayRef<int64_t> shape) {
  // A part of an empty tensor's shape may be [2^40, 2^40]: 0 if any dim is,
  // else saturate rather than overflow (callers bound real shapes first).
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      return std::numeric_limits<int64_t>::max();
  return n;
}

std::optional<int64_t> checkedProduct(ArrayRef<int64_t> shape) {
  return checkedElementCount(std::vector<int64_t>(shape.begin(), shape.end()));
}

std::string printableName(StringRef name) {
  const auto *bytes = reinterpret_cast<const llvm::UTF8 *>(name.data());
  const auto *end = bytes + name.size();
  if (llvm::isLegalUTF8String(&bytes, end))
    return name.str();
  bytes = reinterpret_cast<const llvm::UTF8 *>(name.data());
  std::string out;
  while (bytes < end) {
    unsigned length = llvm::getNumBytesForUTF8(*bytes);
    if (bytes + length <= end &&
        llvm::isLegalUTF8Sequence(bytes, bytes + length)) {
      if (*bytes == '\\')
        out += '\\';
      out.append(reinterpret_cast<const char *>(bytes), length);
      bytes += length;
      continue;
    }
    out += "\\x" + llvm::utohexstr(*bytes++, /*LowerCase=*/false, 2);
  }
  return out;
}

Shape stridesOf(ArrayRef<int64_t> shape) {
  // An empty tensor's shape may hold [0, 2^60, 97]: its strides are never
  // stepped through, so they saturate instead of overflowing.
  Shape strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    if (__builtin_mul_overflow(strides[i + 1], shape[i + 1], &strides[i]))
      strides[i] = std::numeric_limits<int64_t>::max();
  return strides;
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

double elementAt(const Tensor &t, int64_t flat) {
  return t.isFloat() ? t.floats[flat] : static_cast<double>(t.ints[flat]);
}

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

Tensor scalarTensor(float value) {
  Tensor t;
  t.dataType = kFloat;
  t.floats = {value};
  return t;
}

} // namespace mlir::mpq::onnx_import

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

const OpTable::Op *OpTable::find(StringRef domain, StringRef opType) const {
  auto ops = domains.find(domain.str());
  if (ops == domains.end())
    return nullptr;
  auto it = ops->second.find(opType);
  return it == ops->second.end() ? nullptr : &it->second;
}

std::string OpTable::supportedOps() const {
  std::string list;
  SmallVector<StringRef> foldedOnly;
  for (const auto &[domain, ops] : domains) { // the default domain first
    SmallVector<StringRef> names;
    for (const auto &entry : ops)
      (entry.getValue().handler ? names : foldedOnly).push_back(entry.getKey());
    llvm::sort(names);
    if (domain.empty())
      list += llvm::join(names, ", ");
    else
      list += ", and " + llvm::join(names, ", ") + " (domain " + domain + ")";
  }
  llvm::sort(foldedOnly);
  if (!foldedOnly.empty())
    list += "; on constants only (folded at import): " +
            llvm::join(foldedOnly, ", ");
  return list;
}

/// Every op family's handlers.
static const OpTable &opTable() {
  static const OpTable table = [] {
    OpTable t;
    registerConvOps(t);
    registerPoolOps(t);
    registerElementwiseOps(t);
    registerShapeOps(t);
    registerConstantOps(t);
    registerQuantOps(t);
    registerIntegerOps(t);
    registerFoldOps(t);
    return t;
  }();
  return table;
}

LogicalResult Importer::checkShape(Location loc, ArrayRef<int64_t> shape,
                                   const Twine &what) {
  std::optional<int64_t> count = checkedProduct(shape);
  std::vector<int64_t> dims(shape.begin(), shape.end());
  if (!count)
    return emitError(loc) << what << " has shape " << shapeString(dims)
                          << (llvm::any_of(shape,
                                           [](int64_t d) { return d < 0; })
                                  ? ", with a negative dimension"
                                  : ", whose element count overflows int64");
  if (*count > maxElements())
    return emitError(loc) << what << " has shape " << shapeString(dims) << ": "
                          << *count << " elements, more than the limit of "
                          << maxElements() << " (" << options.maxTensorBytes
                          << " bytes of float32)";
  return success();
}

LogicalResult Importer::checkShape(const Node &node, ArrayRef<int64_t> shape,
                                   const Twine &what) {
  return checkShape(nodeLoc(node), shape,
                    node.opType + " '" + nodeName(node) + "': " + what);
}

LogicalResult Importer::checkOutputs(const Node &node) {
  for (const std::string &name : node.outputs) {
    auto it = values.find(name);
    if (name.empty() || it == values.end())
      continue;
    const Entry &e = it->second;
    if (failed(checkShape(node, e.shape, "output '" + name + "'")))
      return failure();
    if (!e.host)
      continue;
    int64_t n = product(e.shape);
    if (static_cast<int64_t>(e.host->isFloat() ? e.host->floats.size()
                                               : e.host->ints.size()) != n)
      return nodeError(node) << "output '" << name << "' holds the wrong "
                             << "number of elements for its shape";
    constantElements += n;
    if (constantElements > options.maxConstantBytes / 4)
      return nodeError(node) << "the model's constants exceed the limit of "
                             << options.maxConstantBytes / 4 << " elements ("
                             << options.maxConstantBytes
                             << " bytes of float32) at output '" << name << "'";
  }
  return success();
}

LogicalResult Importer::requireDefined(const Node &node, size_t i) {
  if (!hasInput(node, i))
    return nodeError(node) << "missing input " << i;
  if (values.count(node.inputs[i]))
    return success();
  return emitError(nodeLoc(node))
         << "input '" << node.inputs[i] << "' of node '" << nodeName(node)
         << "' is not an initializer, graph input or node output"
         << " (or is produced by a later node)";
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

LogicalResult Importer::checkSupported() {
  // Op types in the order they first appear, each with its nodes.
  SmallVector<std::pair<std::string, SmallVector<std::string>>> unsupported;
  llvm::StringMap<size_t> index;
  for (const Node &node : model.nodes) {
    if (opTable().find(node.domain, node.opType))
      continue;
    std::string type = printableName(node.opType);
    if (!node.domain.empty())
      type += " in domain '" + printableName(node.domain) + "'";
    auto [it, inserted] = index.try_emplace(type, unsupported.size());
    if (inserted)
      unsupported.push_back({type, {}});
    unsupported[it->second].second.push_back(nodeName(node));
  }
  if (unsupported.empty())
    return success();
  auto diag = emitError(fileLoc()) << "unsupported ops: ";
  for (auto [i, entry] : llvm::enumerate(unsupported)) {
    const auto &[type, nodes] = entry;
    diag << (i ? ", " : "") << type << " (node" << (nodes.size() > 1 ? "s" : "")
         << " ";
    for (auto [j, name] : llvm::enumerate(nodes))
      diag << (j ? ", '" : "'") << name << "'";
    diag << ")";
  }
  diag.attachNote() << "supported: " << opTable().supportedOps();
  return failure();
}

LogicalResult Importer::foldNode(const Node &node, Folder folder) {
  SmallVector<const Tensor *> inputs;
  for (auto [i, name] : llvm::enumerate(node.inputs))
    inputs.push_back(name.empty() ? nullptr : input(node, i).host.get());
  FailureOr<SmallVector<Tensor>> outputs = folder(*this, node, inputs);
  if (failed(outputs))
    return failure();
  if (outputs->size() < node.outputs.size())
    return nodeError(node) << "has " << node.outputs.size()
                           << " outputs; the op has " << outputs->size();
  for (auto [i, t] : llvm::enumerate(*outputs)) {
    Entry e;
    e.shape.assign(t.shape.begin(), t.shape.end());
    e.host = std::make_shared<const Tensor>(std::move(t));
    define(node, std::move(e), i);
  }
  return checkOutputs(node);
}

LogicalResult Importer::importNode(const Node &node) {
  if (failed(checkDefined(node)))
    return failure();
  builder.setInsertionPointToEnd(builder.getBlock());
  if (passesCodes(node))
    return success();
  // A QuantizeLinear result feeding its DequantizeLinear is a QDQ pair
  // (mpq.fake_quant); feeding anything else, it quantizes a graph input for
  // integer ops: the model boundary.
  if (node.opType != "DequantizeLinear")
    for (auto [i, name] : llvm::enumerate(node.inputs))
      if (!name.empty() && input(node, i).pendingQuant &&
          failed(quantizeAtBoundary(node, name)))
        return failure();
  // checkSupported rejected every op the table does not have.
  const OpTable::Op *op = opTable().find(node.domain, node.opType);
  if (!op)
    return nodeError(node) << "unsupported op";
  // A node on constants only is evaluated now (FoldOps.cpp).
  const std::string *computed = nullptr;
  for (auto [i, name] : llvm::enumerate(node.inputs))
    if (!name.empty() && !input(node, i).host && !computed)
      computed = &name;
  if (op->folder && !computed)
    return foldNode(node, op->folder);
  if (!op->handler)
    return nodeError(node) << "input '" << *computed
                           << "' is computed at run time; " << node.opType
                           << " is supported only on constants (folded at "
                              "import)";
  // Integer tensors reach only the ops that know them; a float op would be
  // ill-typed.
  if (op->inputs == Inputs::Float)
    for (auto [i, name] : llvm::enumerate(node.inputs))
      if (!name.empty() && isQuantized(input(node, i)))
        return nodeError(node)
               << "input '" << name << "' is an integer tensor; " << node.opType
               << " computes on float tensors (mixed "
                  "integer and float graphs are not "
                  "supported)";
  if (failed(op->handler(*this, node)))
    return failure();
  return checkOutputs(node);
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
  if (failed(requireDefined(node, i)))
    return failure();
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
  if (failed(requireDefined(node, i)))
    return failure();
  return input(node, i);
}

FailureOr<Entry> Importer::activationInput(const Node &node, size_t i) {
  FailureOr<Entry> x = dataInput(node, i);
  if (succeeded(x) && x->host)
    return nodeError(node) << "a constant input is not supported";
  return x;
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
  // A scalar has no axis: rank 0 admits none (callers index the shape).
  if (axis < -rank || axis >= rank)
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
    return emitError(loc) << "a constant of " << dataTypeName(t.dataType)
                          << " is used as data; mpq graph IR "
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
// The graph
//===----------------------------------------------------------------------===//

LogicalResult Importer::importInitializers() {
  for (const auto &[name, tensor] : model.initializers) {
    // The reader checked each shape against the limit; here the total.
    constantElements += tensor.numElements();
    if (constantElements > options.maxConstantBytes / 4)
      return emitError(fileLoc()) << "the initializers exceed the limit of "
                                  << options.maxConstantBytes / 4
                                  << " elements (" << options.maxConstantBytes
                                  << " bytes of float32) at '" << name << "'";
    Entry e;
    e.shape.assign(tensor.shape.begin(), tensor.shape.end());
    e.host = std::make_shared<const Tensor>(tensor);
    values[name] = std::move(e);
  }
  return success();
}

/// "[1, 3, height, width]": a graph input's dimensions, for messages.
static std::string dimsString(const ValueInfo &info) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(info.dims)) {
    if (i)
      text += ", ";
    text += dim.known ? std::to_string(dim.value)
                      : (dim.param.empty() ? "?" : printableName(dim.param));
  }
  return text + "]";
}

LogicalResult Importer::checkInputShapes() {
  llvm::StringMap<const ValueInfo *> inputs;
  std::string names;
  for (const ValueInfo &info : model.inputs) {
    if (values.count(info.name))
      continue;
    inputs[info.name] = &info;
    names += (names.empty() ? "'" : ", '") + printableName(info.name) + "'";
  }
  llvm::StringMap<bool> seen;
  for (const InputShape &bound : options.inputShapes) {
    std::string name = printableName(bound.name);
    auto it = inputs.find(bound.name);
    if (it == inputs.end())
      return emitError(fileLoc())
             << "--input-shape names '" << name
             << "', which is not an input of the model (its inputs: " << names
             << ")";
    if (!seen.try_emplace(bound.name, true).second)
      return emitError(fileLoc())
             << "--input-shape gives input '" << name << "' twice";
    const ValueInfo &info = *it->second;
    std::string given = shapeString(bound.dims);
    if (!info.hasShape)
      continue;
    if (info.dims.size() != bound.dims.size())
      return emitError(fileLoc())
             << "--input-shape gives input '" << name << "' the shape " << given
             << " of rank " << bound.dims.size()
             << "; the model's input has rank " << info.dims.size() << " "
             << dimsString(info);
    for (auto [i, dim] : llvm::enumerate(info.dims))
      if (dim.known && dim.value > 0 && dim.value != bound.dims[i])
        return emitError(fileLoc())
               << "--input-shape gives input '" << name << "' the shape "
               << given << ", whose dimension " << i << " contradicts the "
               << "model's " << dimsString(info);
  }
  return success();
}

LogicalResult Importer::importInputs(SmallVectorImpl<Type> &argTypes) {
  if (failed(checkInputShapes()))
    return failure();
  for (const ValueInfo &info : model.inputs) {
    if (values.count(info.name))
      continue; // an initializer listed as an input (older exporters)
    Location loc = fileLoc();
    const InputShape *bound = nullptr;
    for (const InputShape &s : options.inputShapes)
      if (s.name == info.name)
        bound = &s;
    if (!info.hasShape && !bound)
      return emitError(loc) << "input '" << info.name << "' has no shape "
                            << "(give one with --input-shape)";
    Shape shape;
    if (bound)
      shape.assign(bound->dims.begin(), bound->dims.end());
    for (auto [i, dim] :
         llvm::enumerate(bound ? ArrayRef<Dim>() : ArrayRef<Dim>(info.dims))) {
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
             << "' (only the batch may be dynamic), at index " << i
             << "; bind it with --input-shape=" << info.name << ":"
             << "DxDx... (OnnxImportOptions::inputShapes)";
    }
    if (failed(checkShape(loc, shape, "input '" + info.name + "'")))
      return failure();
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

std::optional<InputShape> mlir::mpq::parseInputShape(StringRef text,
                                                     std::string &error) {
  auto [name, dims] = text.rsplit(':');
  if (name.empty() || dims.empty() || name.size() == text.size()) {
    error = "'" + text.str() + "' is not NAME:DIMS (for example x:1x49x10x1)";
    return std::nullopt;
  }
  InputShape shape;
  shape.name = name.str();
  SmallVector<StringRef> parts;
  dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t d;
    if (part.getAsInteger(10, d) || d <= 0) {
      error = "dimension '" + part.str() + "' in '" + text.str() +
              "' is not a positive integer";
      return std::nullopt;
    }
    shape.dims.push_back(d);
  }
  return shape;
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
  if (model.outputs.empty() || model.nodes.empty())
    return emitError(fileLoc())
               << "graph '" << printableName(model.graphName) << "' has "
               << (model.outputs.empty() ? "no outputs" : "no nodes")
               << ": nothing to compile",
           nullptr;
  // Every unsupported op in one error, before anything is imported.
  if (failed(checkSupported()))
    return nullptr;
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
    arg.setLoc(NameLoc::get(StringAttr::get(context, printableName(info.name)),
                            fileLoc()));
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
    if (e.host && !e.host->isFloat())
      return emitError(fileLoc())
                 << "graph output '" << info.name << "' is a constant of "
                 << dataTypeName(e.host->dataType)
                 << " (computed at import); mpq models return float tensors",
             nullptr;
    Location loc = NameLoc::get(
        StringAttr::get(context, printableName(info.name)), fileLoc());
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
  rewriteQdqPatterns(*body);
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
  std::string error = readOnnxModel(bytes.data(), bytes.size(), model,
                                    options.maxTensorBytes / 4);
  if (!error.empty()) {
    emitError(FileLineColLoc::get(context, fileName, 0, 0)) << error;
    return nullptr;
  }
  fuseExporterPatterns(model);
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
