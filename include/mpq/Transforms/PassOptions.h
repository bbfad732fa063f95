//===- PassOptions.h - The enum-valued options of mpq's passes --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The spellings of every enum-valued pass option, in one table each; the
// passes, the pipelines, mpqc and the C API all parse through these
// (mpq/Support/EnumOption.h).
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_PASSOPTIONS_H
#define MPQ_TRANSFORMS_PASSOPTIONS_H

#include "mpq/Analysis/BufferPlanner.h"
#include "mpq/Analysis/MemoryModel.h"
#include "mpq/Analysis/PrecisionAssignment.h"
#include "mpq/Analysis/RangeEstimator.h"
#include "mpq/Support/EnumOption.h"

namespace mlir::mpq {

template <>
struct EnumTraits<QuantScheme> {
  static constexpr const char *kind = "quantization scheme";
  static llvm::ArrayRef<EnumEntry<QuantScheme>> entries() {
    static const EnumEntry<QuantScheme> table[] = {
        {QuantScheme::PC_ICN, "pc-icn"},
        {QuantScheme::PL_ICN, "pl-icn"},
        {QuantScheme::PL_FB, "pl-fb"}};
    return table;
  }
};

template <>
struct EnumTraits<RamModel> {
  static constexpr const char *kind = "RAM model";
  static llvm::ArrayRef<EnumEntry<RamModel>> entries() {
    static const EnumEntry<RamModel> table[] = {{RamModel::Paper, "paper"},
                                                {RamModel::Planned, "planned"}};
    return table;
  }
};

template <>
struct EnumTraits<PrecisionStrategyKind> {
  static constexpr const char *kind = "precision strategy";
  static llvm::ArrayRef<EnumEntry<PrecisionStrategyKind>> entries() {
    static const EnumEntry<PrecisionStrategyKind> table[] = {
        {PrecisionStrategyKind::Rule, "rule"},
        {PrecisionStrategyKind::Search, "search"}};
    return table;
  }
};

template <>
struct EnumTraits<ActivationRounding> {
  static constexpr const char *kind = "activation rounding";
  static llvm::ArrayRef<EnumEntry<ActivationRounding>> entries() {
    static const EnumEntry<ActivationRounding> table[] = {
        {ActivationRounding::Nearest, "nearest"},
        {ActivationRounding::Floor, "floor"}};
    return table;
  }
};

template <>
struct EnumTraits<RangeEstimatorKind> {
  static constexpr const char *kind = "range estimator";
  static llvm::ArrayRef<EnumEntry<RangeEstimatorKind>> entries() {
    static const EnumEntry<RangeEstimatorKind> table[] = {
        {RangeEstimatorKind::MinMax, "minmax"},
        {RangeEstimatorKind::Percentile, "percentile"},
        {RangeEstimatorKind::Mse, "mse"},
        {RangeEstimatorKind::Auto, "auto"}};
    return table;
  }
};

template <>
struct EnumTraits<PlanAlgorithm> {
  static constexpr const char *kind = "planning algorithm";
  static llvm::ArrayRef<EnumEntry<PlanAlgorithm>> entries() {
    static const EnumEntry<PlanAlgorithm> table[] = {
        {PlanAlgorithm::Best, "best"},
        {PlanAlgorithm::GreedySize, "greedy-size"}};
    return table;
  }
};

} // namespace mlir::mpq

MPQ_ENUM_OPTION(::mlir::mpq::QuantScheme)
MPQ_ENUM_OPTION(::mlir::mpq::RamModel)
MPQ_ENUM_OPTION(::mlir::mpq::PrecisionStrategyKind)
MPQ_ENUM_OPTION(::mlir::mpq::PlanAlgorithm)
MPQ_ENUM_OPTION(::mlir::mpq::ActivationRounding)
MPQ_ENUM_OPTION(::mlir::mpq::RangeEstimatorKind)

#endif // MPQ_TRANSFORMS_PASSOPTIONS_H
