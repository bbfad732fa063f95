//===- QuantInterop.cpp - mpq types <-> upstream !quant types -------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/QuantInterop.h"
#include "mpq/Dialect/MPQ/IR/MPQDialect.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::mpq;

Type mlir::mpq::toQuantType(Type type) {
  auto uniform = dyn_cast<UniformType>(type);
  if (!uniform)
    return {};
  MLIRContext *ctx = type.getContext();
  unsigned width = uniform.getWidth();
  bool isSigned = uniform.getIsSigned();
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type storage = IntegerType::get(ctx, width);
  Type expressed = Float32Type::get(ctx);
  int64_t lo = ::mlir::mpq::storageMin(width, isSigned),
          hi = ::mlir::mpq::storageMax(width, isSigned);
  if (uniform.isPerAxis())
    return quant::UniformQuantizedPerAxisType::get(
        flags, storage, expressed, uniform.getScales().asArrayRef(),
        uniform.getZeroPoints(), uniform.getAxis(), lo, hi);
  return quant::UniformQuantizedType::get(flags, storage, expressed,
                                          uniform.getScale(),
                                          uniform.getZeroPoint(), lo, hi);
}

/// mpq's types always cover the full range of their width; a narrowed quant
/// type (e.g. i8<-127:127>) would lose its range here, so it is refused.
static bool hasFullRange(quant::QuantizedType type, unsigned width) {
  return isValidWidth(width) &&
         type.getStorageTypeMin() ==
             ::mlir::mpq::storageMin(width, type.isSigned()) &&
         type.getStorageTypeMax() ==
             ::mlir::mpq::storageMax(width, type.isSigned());
}

Type mlir::mpq::fromQuantType(Type type) {
  auto quantType = dyn_cast<quant::QuantizedType>(type);
  if (!quantType || !quantType.getExpressedType().isF32())
    return {};
  unsigned width = quantType.getStorageTypeIntegralWidth();
  if (!hasFullRange(quantType, width))
    return {};
  MLIRContext *ctx = type.getContext();
  bool isSigned = quantType.isSigned();
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type))
    return UniformType::get(ctx, width, isSigned, perTensor.getScale(),
                            perTensor.getZeroPoint());
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return UniformType::get(ctx, width, isSigned,
                            perAxis.getQuantizedDimension(),
                            perAxis.getScales(), perAxis.getZeroPoints());
  return {};
}
