//===- MPQDialect.cpp - The mpq dialect and its types ---------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::mpq;

#include "mpq/Dialect/MPQ/IR/MPQOpsDialect.cpp.inc"
#include "mpq/Dialect/MPQ/IR/MPQOpsEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "mpq/Dialect/MPQ/IR/MPQOpsTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mpq/Dialect/MPQ/IR/MPQOpsAttrs.cpp.inc"

void MPQDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "mpq/Dialect/MPQ/IR/MPQOps.cpp.inc"
      >();
}

void MPQDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "mpq/Dialect/MPQ/IR/MPQOpsTypes.cpp.inc"
      >();
}

void MPQDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mpq/Dialect/MPQ/IR/MPQOpsAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Arena placement
//===----------------------------------------------------------------------===//

// The helpers are the generated accessors of the discardable attributes
// MPQDialect.td declares; these wrappers fix the value type to int64_t.

static std::optional<int64_t> intValue(IntegerAttr attr) {
  return attr ? std::optional(attr.getInt()) : std::nullopt;
}

static IntegerAttr i64Attr(Operation *op, int64_t value) {
  return Builder(op->getContext()).getI64IntegerAttr(value);
}

std::optional<int64_t> mlir::mpq::getArenaOffset(Operation *op) {
  return intValue(MPQDialect::OffsetAttrHelper(op->getContext()).getAttr(op));
}

void mlir::mpq::setArenaOffset(Operation *op, int64_t offset) {
  MPQDialect::OffsetAttrHelper(op->getContext())
      .setAttr(op, i64Attr(op, offset));
}

std::optional<ArrayRef<int64_t>> mlir::mpq::getArenaOffsets(Operation *op) {
  if (DenseI64ArrayAttr list =
          MPQDialect::OffsetsAttrHelper(op->getContext()).getAttr(op))
    return list.asArrayRef();
  return std::nullopt;
}

void mlir::mpq::setArenaOffsets(Operation *op, ArrayRef<int64_t> offsets) {
  MPQDialect::OffsetsAttrHelper(op->getContext())
      .setAttr(op, DenseI64ArrayAttr::get(op->getContext(), offsets));
}

std::optional<int64_t> mlir::mpq::getScratchOffset(Operation *op) {
  return intValue(
      MPQDialect::ScratchOffsetAttrHelper(op->getContext()).getAttr(op));
}

std::optional<int64_t> mlir::mpq::getScratchSize(Operation *op) {
  return intValue(
      MPQDialect::ScratchSizeAttrHelper(op->getContext()).getAttr(op));
}

void mlir::mpq::setScratch(Operation *op, int64_t offset, int64_t size) {
  MPQDialect::ScratchOffsetAttrHelper(op->getContext())
      .setAttr(op, i64Attr(op, offset));
  MPQDialect::ScratchSizeAttrHelper(op->getContext())
      .setAttr(op, i64Attr(op, size));
}

std::optional<int64_t> mlir::mpq::getArenaSize(Operation *func) {
  return intValue(
      MPQDialect::ArenaSizeAttrHelper(func->getContext()).getAttr(func));
}

void mlir::mpq::setArenaSize(Operation *func, int64_t size) {
  MPQDialect::ArenaSizeAttrHelper(func->getContext())
      .setAttr(func, i64Attr(func, size));
}

std::optional<int64_t> mlir::mpq::getArenaAlign(Operation *func) {
  return intValue(
      MPQDialect::ArenaAlignAttrHelper(func->getContext()).getAttr(func));
}

void mlir::mpq::setArenaAlign(Operation *func, int64_t align) {
  MPQDialect::ArenaAlignAttrHelper(func->getContext())
      .setAttr(func, i64Attr(func, align));
}

bool mlir::mpq::getRowsDescending(Operation *op) {
  return MPQDialect::RowsDescendingAttrHelper(op->getContext())
      .isAttrPresent(op);
}

void mlir::mpq::setRowsDescending(Operation *op, bool descending) {
  MPQDialect::RowsDescendingAttrHelper helper(op->getContext());
  if (descending)
    helper.setAttr(op, UnitAttr::get(op->getContext()));
  else
    helper.removeAttr(op);
}

bool mlir::mpq::getNarrowKernels(Operation *func) {
  return MPQDialect::NarrowKernelsAttrHelper(func->getContext())
      .isAttrPresent(func);
}

void mlir::mpq::setNarrowKernels(Operation *func, bool narrow) {
  MPQDialect::NarrowKernelsAttrHelper helper(func->getContext());
  if (narrow)
    helper.setAttr(func, UnitAttr::get(func->getContext()));
  else
    helper.removeAttr(func);
}

std::optional<int64_t> mlir::mpq::getRowGroup(Operation *op) {
  return intValue(MPQDialect::RowGroupAttrHelper(op->getContext()).getAttr(op));
}

void mlir::mpq::setRowGroup(Operation *op, std::optional<int64_t> group) {
  MPQDialect::RowGroupAttrHelper helper(op->getContext());
  if (group)
    helper.setAttr(op, i64Attr(op, *group));
  else
    helper.removeAttr(op);
}

void mlir::mpq::removeArenaPlacement(Operation *op) {
  MLIRContext *ctx = op->getContext();
  for (StringAttr name : {MPQDialect::OffsetAttrHelper(ctx).getName(),
                          MPQDialect::OffsetsAttrHelper(ctx).getName(),
                          MPQDialect::ScratchOffsetAttrHelper(ctx).getName(),
                          MPQDialect::ScratchSizeAttrHelper(ctx).getName(),
                          MPQDialect::RowsDescendingAttrHelper(ctx).getName()})
    op->removeAttr(name);
}

LogicalResult MPQDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().strref();
  Attribute value = attribute.getValue();
  if (name == OffsetsAttrHelper::getNameStr()) {
    if (!isa<DenseI64ArrayAttr>(value))
      return op->emitError()
             << "'" << name << "' must be an array<i64: ...>, not " << value;
    return success();
  }
  if (name == OffsetAttrHelper::getNameStr() ||
      name == ScratchOffsetAttrHelper::getNameStr() ||
      name == ScratchSizeAttrHelper::getNameStr() ||
      name == ArenaSizeAttrHelper::getNameStr() ||
      name == ArenaAlignAttrHelper::getNameStr()) {
    auto integer = dyn_cast<IntegerAttr>(value);
    if (!integer || !integer.getType().isSignlessInteger(64))
      return op->emitError()
             << "'" << name << "' must be an i64 integer attribute, not "
             << value;
    return success();
  }
  if (name == RowGroupAttrHelper::getNameStr()) {
    auto integer = dyn_cast<IntegerAttr>(value);
    if (!integer || !integer.getType().isSignlessInteger(64))
      return op->emitError()
             << "'" << name << "' must be an i64 integer attribute, not "
             << value;
    if (!isa<QConv2DOp, QAddOp, MaxPool2DOp, QAvgPool2DOp, PadOp>(op))
      return op->emitError() << "'" << name
                             << "' is only for qconv2d, qadd, max_pool2d, "
                                "qavg_pool2d and pad, whose kernels run row by "
                                "row";
    return success();
  }
  if (name == RowsDescendingAttrHelper::getNameStr()) {
    if (!isa<UnitAttr>(value))
      return op->emitError()
             << "'" << name << "' must be a unit attribute, not " << value;
    if (!isa<QConv2DOp, MaxPool2DOp, QAvgPool2DOp>(op))
      return op->emitError() << "'" << name
                             << "' is only for qconv2d, max_pool2d and "
                                "qavg_pool2d, whose kernels write rows";
    return success();
  }
  if (name == NarrowKernelsAttrHelper::getNameStr()) {
    if (!isa<UnitAttr>(value))
      return op->emitError()
             << "'" << name << "' must be a unit attribute, not " << value;
    if (!isa<FunctionOpInterface>(op))
      return op->emitError()
             << "'" << name << "' is only for the model function";
    return success();
  }
  return op->emitError() << "'" << name
                         << "' is not an attribute of the mpq dialect";
}

//===----------------------------------------------------------------------===//
// Storage helpers
//===----------------------------------------------------------------------===//

bool mlir::mpq::isValidWidth(unsigned width) {
  return (width >= 1 && width <= 8) || width == 16 || width == 32;
}

// The dialect's rounding enum and the integer semantics' are one list.
static_assert(static_cast<int>(Rounding::floor) ==
              static_cast<int>(RoundingMode::Floor));
static_assert(static_cast<int>(Rounding::half_to_even) ==
              static_cast<int>(RoundingMode::HalfToEven));
static_assert(static_cast<int>(Rounding::half_away_from_zero) ==
              static_cast<int>(RoundingMode::HalfAwayFromZero));
static_assert(static_cast<int>(Rounding::half_up) ==
              static_cast<int>(RoundingMode::HalfUp));

std::optional<StorageInfo> mlir::mpq::getStorageInfo(Type elementType) {
  if (auto bits = dyn_cast<BitsType>(elementType))
    return StorageInfo{bits.getWidth(), bits.getIsSigned()};
  if (auto uniform = dyn_cast<UniformType>(elementType))
    return StorageInfo{uniform.getWidth(), uniform.getIsSigned()};
  return std::nullopt;
}

static std::string storageName(unsigned width, bool isSigned) {
  return (isSigned ? "i" : "u") + std::to_string(width);
}

std::string mlir::mpq::formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

static LogicalResult verifyWidth(function_ref<InFlightDiagnostic()> emitError,
                                 unsigned width) {
  if (isValidWidth(width))
    return success();
  return emitError() << "bit-width must be 1..8 (stored) or 16/32 "
                        "(accumulator), got "
                     << width;
}

/// Parses `i4`, `u4`, `si4` or `ui4` (quant's syntax: iN is a type, uN a
/// keyword).
static ParseResult parseStorage(AsmParser &parser, unsigned &width,
                                bool &isSigned) {
  SMLoc loc = parser.getCurrentLocation();
  Type parsed;
  OptionalParseResult result = parser.parseOptionalType(parsed);
  if (result.has_value()) {
    if (failed(*result))
      return failure();
    auto type = dyn_cast<IntegerType>(parsed);
    if (!type)
      return parser.emitError(loc, "expected a storage type like i8 or u4");
    width = type.getWidth();
    isSigned = !type.isUnsigned();
    return success();
  }
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  if (!keyword.consume_front("u") || keyword.getAsInteger(10, width))
    return parser.emitError(loc, "expected a storage type like i8 or u4");
  isSigned = false;
  return success();
}

static void printScale(AsmPrinter &printer, double scale) {
  printer.printFloat(llvm::APFloat(scale));
}

//===----------------------------------------------------------------------===//
// BitsType
//===----------------------------------------------------------------------===//

LogicalResult BitsType::verify(function_ref<InFlightDiagnostic()> emitError,
                               unsigned width, bool isSigned) {
  return verifyWidth(emitError, width);
}

Type BitsType::parse(AsmParser &parser) {
  unsigned width = 0;
  bool isSigned = false;
  if (parser.parseLess() || parseStorage(parser, width, isSigned) ||
      parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), width, isSigned);
}

void BitsType::print(AsmPrinter &printer) const {
  printer << "<" << storageName(getWidth(), getIsSigned()) << ">";
}

int64_t BitsType::getStorageMin() const {
  return ::mlir::mpq::storageMin(getWidth(), getIsSigned());
}
int64_t BitsType::getStorageMax() const {
  return ::mlir::mpq::storageMax(getWidth(), getIsSigned());
}

//===----------------------------------------------------------------------===//
// UniformType
//===----------------------------------------------------------------------===//

LogicalResult UniformType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  unsigned width, bool isSigned, int32_t axis,
                                  DenseF64ArrayAttr scaleAttr,
                                  ArrayRef<int64_t> zeroPoints) {
  ArrayRef<double> scales = scaleAttr.asArrayRef();
  if (failed(verifyWidth(emitError, width)))
    return failure();
  if (axis < -1)
    return emitError() << "quantization axis must be non-negative, got "
                       << axis;
  if (scales.empty())
    return emitError() << "expected at least one scale";
  if (scales.size() != zeroPoints.size())
    return emitError() << "got " << scales.size() << " scales but "
                       << zeroPoints.size() << " zero points";
  if (axis == -1 && scales.size() != 1)
    return emitError() << "a per-tensor type has exactly one scale, got "
                       << scales.size();
  int64_t lo = ::mlir::mpq::storageMin(width, isSigned),
          hi = ::mlir::mpq::storageMax(width, isSigned);
  for (auto [i, scale] : llvm::enumerate(scales)) {
    if (!(scale > 0.0) || !std::isfinite(scale)) {
      auto diag = emitError() << "scale must be positive and finite, got "
                              << formatNumber(scale);
      if (scales.size() > 1)
        diag << " at index " << i;
      return diag;
    }
  }
  for (auto [i, zp] : llvm::enumerate(zeroPoints)) {
    if (zp < lo || zp > hi) {
      auto diag = emitError()
                  << "zero point " << zp << " is outside the range [" << lo
                  << ", " << hi << "] of " << storageName(width, isSigned);
      if (zeroPoints.size() > 1)
        diag << " at index " << i;
      return diag;
    }
  }
  return success();
}

/// scale `:` zero-point
static ParseResult parseScaleZeroPoint(AsmParser &parser,
                                       SmallVectorImpl<double> &scales,
                                       SmallVectorImpl<int64_t> &zeroPoints) {
  double scale;
  int64_t zeroPoint;
  if (parser.parseFloat(scale) || parser.parseColon() ||
      parser.parseInteger(zeroPoint))
    return failure();
  scales.push_back(scale);
  zeroPoints.push_back(zeroPoint);
  return success();
}

// !mpq.uniform<u4, 0.5:0>  or  !mpq.uniform<i8:0, {0.5:0, 0.25:1}>
Type UniformType::parse(AsmParser &parser) {
  unsigned width = 0;
  bool isSigned = false;
  int32_t axis = -1;
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  if (parser.parseLess() || parseStorage(parser, width, isSigned))
    return {};
  if (succeeded(parser.parseOptionalColon())) {
    if (parser.parseInteger(axis) || parser.parseComma() ||
        parser.parseCommaSeparatedList(AsmParser::Delimiter::Braces, [&] {
          return parseScaleZeroPoint(parser, scales, zeroPoints);
        }))
      return {};
  } else if (parser.parseComma() ||
             parseScaleZeroPoint(parser, scales, zeroPoints)) {
    return {};
  }
  if (parser.parseGreater())
    return {};
  MLIRContext *ctx = parser.getContext();
  auto scaleAttr = DenseF64ArrayAttr::get(ctx, scales);
  if (failed(verify([&] { return parser.emitError(parser.getNameLoc()); },
                    width, isSigned, axis, scaleAttr, zeroPoints)))
    return {};
  return get(ctx, width, isSigned, axis, scales, zeroPoints);
}

void UniformType::print(AsmPrinter &printer) const {
  printer << "<" << storageName(getWidth(), getIsSigned());
  auto printPair = [&](double scale, int64_t zp) {
    printScale(printer, scale);
    printer << ":" << zp;
  };
  if (!isPerAxis()) {
    printer << ", ";
    printPair(getScale(), getZeroPoint());
  } else {
    printer << ":" << getAxis() << ", {";
    llvm::interleaveComma(
        llvm::zip(getScales().asArrayRef(), getZeroPoints()), printer,
        [&](auto pair) { printPair(std::get<0>(pair), std::get<1>(pair)); });
    printer << "}";
  }
  printer << ">";
}

int64_t UniformType::getStorageMin() const {
  return ::mlir::mpq::storageMin(getWidth(), getIsSigned());
}
int64_t UniformType::getStorageMax() const {
  return ::mlir::mpq::storageMax(getWidth(), getIsSigned());
}

//===----------------------------------------------------------------------===//
// Grids from ranges
//===----------------------------------------------------------------------===//

// Scale and zero point of one range: gridForRange (IntegerSemantics.h).

UniformType mlir::mpq::getUniformForRange(MLIRContext *context, unsigned width,
                                          bool isSigned, bool narrow,
                                          double min, double max) {
  auto [scale, zp] = gridForRange(width, isSigned, narrow, min, max);
  return UniformType::get(context, width, isSigned, scale, zp);
}

UniformType mlir::mpq::getUniformForRanges(MLIRContext *context, unsigned width,
                                           bool isSigned, bool narrow,
                                           int32_t axis, ArrayRef<double> mins,
                                           ArrayRef<double> maxs) {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  for (auto [min, max] : llvm::zip(mins, maxs)) {
    auto [scale, zp] = gridForRange(width, isSigned, narrow, min, max);
    scales.push_back(scale);
    zeroPoints.push_back(zp);
  }
  return UniformType::get(context, width, isSigned, axis, scales, zeroPoints);
}

//===----------------------------------------------------------------------===//
// Shape checks shared by every op
//===----------------------------------------------------------------------===//

LogicalResult
mlir::mpq::verifyQuantizedShape(function_ref<InFlightDiagnostic()> emitError,
                                ShapedType type, StringRef what) {
  auto uniform = dyn_cast<UniformType>(type.getElementType());
  if (!uniform || !uniform.isPerAxis() || !type.hasRank())
    return success();
  int64_t axis = uniform.getAxis();
  if (axis >= type.getRank())
    return emitError() << what << ": quantization axis " << axis
                       << " is out of range for a tensor of rank "
                       << type.getRank();
  int64_t size = type.getDimSize(axis);
  if (!ShapedType::isDynamic(size) &&
      size != static_cast<int64_t>(uniform.getScales().size()))
    return emitError() << what << ": " << uniform.getScales().size()
                       << " per-axis scales do not match size " << size
                       << " of axis " << axis;
  return success();
}

LogicalResult mlir::mpq::verifyQuantizedShapes(Operation *op) {
  auto emit = [&] { return op->emitOpError(); };
  for (auto [i, type] : llvm::enumerate(op->getOperandTypes()))
    if (auto shaped = dyn_cast<ShapedType>(type))
      if (failed(verifyQuantizedShape(emit, shaped,
                                      "operand #" + std::to_string(i))))
        return failure();
  for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
    if (auto shaped = dyn_cast<ShapedType>(type))
      if (failed(verifyQuantizedShape(emit, shaped,
                                      "result #" + std::to_string(i))))
        return failure();
  return success();
}
