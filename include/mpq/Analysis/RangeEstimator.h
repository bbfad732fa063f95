//===- RangeEstimator.h - Calibration ranges from histograms ----*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The `range=` option of --mpq-calibrate: how an activation's clip range is
// chosen from the values it took on the calibration inputs.
//
//   minmax      the observed [min, max] (nothing is clipped);
//   percentile  the 0.01 % and 99.99 % quantiles of the values (each end
//               of the range where it already is if it is 0);
//   mse         the range whose grid at the tensor's width gives the least
//               mean squared quantization error over the values, as
//               PyTorch's HistogramObserver and TensorRT's calibrators
//               search it;
//   auto        for each activation, the one of those three ranges that
//               gives the model's output the least error against the float
//               model on the calibration inputs (measured by running the
//               fake-quant model: passes/Calibrate.cpp, chooseRanges).
//
// The values are summarised by a Histogram per calibration input (its own
// [min, max], 2048 bins), merged into one on the range over all inputs in
// input order, so the result does not depend on the evaluation's threads.
// The squared error of a candidate grid is integrated exactly over each bin
// with the bin's values spread uniformly in it (the error is piecewise a
// parabola between the grid's rounding boundaries), with the fake-quant's
// own rounding (floor or to nearest) and saturation.
//
// No MLIR dependency: unit-tested in test/unittests/Analysis.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_RANGEESTIMATOR_H
#define MPQ_ANALYSIS_RANGEESTIMATOR_H

#include "mpq/Support/IntegerSemantics.h"

#include <cstddef>
#include <utility>
#include <vector>

namespace mlir::mpq {

/// The estimators by name: the `range=` option (PassOptions.h).
enum class RangeEstimatorKind { MinMax, Percentile, Mse, Auto };

/// The estimators auto chooses between, in the order of their ranges in a
/// fake_quant's `clips` (and ties go to the earlier one).
inline constexpr RangeEstimatorKind kAutoCandidates[] = {
    RangeEstimatorKind::MinMax, RangeEstimatorKind::Percentile,
    RangeEstimatorKind::Mse};

/// The share of the values percentile keeps inside the range, per end.
inline constexpr double kRangePercentile = 0.9999;

/// A histogram of real values over [min, max] in equal bins. An empty one
/// has no values; one whose values are all equal has min == max and its
/// count in bin 0.
class Histogram {
public:
  static constexpr size_t kDefaultBins = 2048;

  Histogram() = default;
  /// The histogram of `values` over their own [min, max]; non-finite values
  /// are not counted.
  static Histogram of(const std::vector<double> &values,
                      size_t bins = kDefaultBins);
  /// `parts` on the union of their ranges, in `bins` bins: each part's bin
  /// counts are spread over the bins it overlaps in proportion to the
  /// overlap. Summed in the order of `parts`.
  static Histogram merge(const std::vector<const Histogram *> &parts,
                         size_t bins = kDefaultBins);

  bool empty() const { return total == 0; }
  double min() const { return lo; }
  double max() const { return hi; }
  double count() const { return total; }
  const std::vector<double> &bins() const { return counts; }
  /// Bin i spans [edge(i), edge(i + 1)].
  double edge(size_t i) const;

private:
  double lo = 0, hi = 0, total = 0;
  std::vector<double> counts;
};

/// The fake-quantization a range is for: `width`-bit codes, signed or not,
/// narrow or not, with the fake_quant's rounding.
struct GridSpec {
  unsigned width;
  bool isSigned;
  bool narrow;
  RoundingMode rounding;
};

/// The mean squared error of fake-quantizing the values of `histogram` on
/// the grid of [min, max] (gridForRange) with `spec`.
double quantizationMse(const Histogram &histogram, const GridSpec &spec,
                       double min, double max);

/// The clip range `kind` (not auto) chooses for the values of `histogram`
/// (not empty) at `spec`; minmax and percentile do not depend on `spec`. The
/// range is within [histogram.min(), histogram.max()] widened to contain 0.
std::pair<double, double> estimateRange(const Histogram &histogram,
                                        RangeEstimatorKind kind,
                                        const GridSpec &spec);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_RANGEESTIMATOR_H
