//===- RangeEstimatorTest.cpp - Calibration ranges from histograms --------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RangeEstimator.h"

#include "gtest/gtest.h"

using namespace mlir::mpq;

namespace {

/// n values evenly spread over [a, b], ends included.
std::vector<double> evenly(double a, double b, size_t n) {
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i)
    values[i] =
        a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
  return values;
}

const GridSpec u2{2, false, false, RoundingMode::HalfToEven};
const GridSpec u8{8, false, false, RoundingMode::HalfToEven};

TEST(RangeEstimatorTest, HistogramCountsEveryFiniteValue) {
  Histogram h = Histogram::of({0.0, 1.0, 0.5, NAN, INFINITY, 1.0});
  EXPECT_EQ(h.count(), 4);
  EXPECT_EQ(h.min(), 0.0);
  EXPECT_EQ(h.max(), 1.0);
  EXPECT_EQ(h.bins().front(), 1);
  EXPECT_EQ(h.bins().back(), 2);
  EXPECT_TRUE(Histogram::of({NAN}).empty());
  Histogram equal = Histogram::of({2.0, 2.0});
  EXPECT_EQ(equal.bins().size(), 1u);
  EXPECT_EQ(equal.count(), 2);
}

// Merging rebins each part onto the union of the ranges and keeps every
// count; halves of evenly spread values give the histogram of the whole.
TEST(RangeEstimatorTest, MergeKeepsCounts) {
  Histogram low = Histogram::of(evenly(0, 1, 2049), 2048);
  Histogram high = Histogram::of(evenly(1, 3, 4097), 2048);
  Histogram both = Histogram::merge({&low, &high}, 2048);
  EXPECT_EQ(both.min(), 0.0);
  EXPECT_EQ(both.max(), 3.0);
  EXPECT_DOUBLE_EQ(both.count(), 2049 + 4097);
  double sum = 0;
  for (double c : both.bins())
    sum += c;
  EXPECT_NEAR(sum, 2049 + 4097, 1e-6);
  // Two values per new bin (width 3/2048) below 1, 2 per bin above.
  EXPECT_NEAR(both.bins()[100], 3.0, 0.02);
  EXPECT_NEAR(both.bins()[1500], 3.0, 0.02);
}

// Uniform values on [0, 1] on the 2-bit grid of [0, 1] (step 1/3): the
// error is uniform in +-1/6, so the MSE is step^2 / 12 = 1/108.
TEST(RangeEstimatorTest, MseOfUniformValues) {
  Histogram h = Histogram::of(evenly(0, 1, 2048 * 64 + 1));
  EXPECT_NEAR(quantizationMse(h, u2, 0, 1), 1.0 / 108, 1e-5);
  // Floor doubles the error's reach: uniform in [0, 1/3), MSE step^2 / 3,
  // but the top code's interval is a single point: 3 thirds of [0, 1).
  GridSpec floor = u2;
  floor.rounding = RoundingMode::Floor;
  EXPECT_NEAR(quantizationMse(h, floor, 0, 1), 1.0 / 27, 1e-5);
}

// One outlier: N values uniform on [0, 1] and one at 10, unsigned 8 bits.
// Clipping at c in [1, 10] costs N (c / 255)^2 / 12 + (10 - c)^2 in total,
// least where c = 10 / (1 + N / (12 * 255^2)): c = 5 for N = 12 * 255^2.
// minmax keeps c = 10, at about twice the error.
TEST(RangeEstimatorTest, MseClipsAnOutlier) {
  const size_t n = 12 * 255 * 255;
  std::vector<double> values = evenly(0, 1, n);
  values.push_back(10.0);
  Histogram h = Histogram::of(values);
  auto [lo, hi] = estimateRange(h, RangeEstimatorKind::Mse, u8);
  EXPECT_EQ(lo, 0.0);
  EXPECT_NEAR(hi, 5.0, 0.25); // (flat there: 2 (c - 5)^2 in 50)
  double atBest = quantizationMse(h, u8, lo, hi);
  double expected = (n * (5.0 / 255) * (5.0 / 255) / 12 + 25) / (n + 1);
  EXPECT_NEAR(atBest, expected, 0.02 * expected);
  EXPECT_GT(quantizationMse(h, u8, 0, 10), 1.9 * atBest);

  auto [mlo, mhi] = estimateRange(h, RangeEstimatorKind::MinMax, u8);
  EXPECT_EQ(mlo, 0.0);
  EXPECT_EQ(mhi, 10.0);
  // 99.99 %: the outlier is beyond it, the uniform values' top is not.
  auto [plo, phi] = estimateRange(h, RangeEstimatorKind::Percentile, u8);
  EXPECT_EQ(plo, 0.0);
  EXPECT_NEAR(phi, 0.9999, 0.005);
}

// Signed values: both ends move, and the range keeps 0.
TEST(RangeEstimatorTest, MseSignedRangeKeepsZero) {
  std::vector<double> values = evenly(-1, 2, 30001);
  values.push_back(-20);
  Histogram h = Histogram::of(values);
  GridSpec i4{4, true, false, RoundingMode::HalfToEven};
  auto [lo, hi] = estimateRange(h, RangeEstimatorKind::Mse, i4);
  EXPECT_LE(lo, 0.0);
  EXPECT_GT(lo, -20.0);
  EXPECT_GT(hi, 1.0);
  EXPECT_LE(hi, 2.0);
  EXPECT_LT(quantizationMse(h, i4, lo, hi), quantizationMse(h, i4, -20, 2));
}

} // namespace
