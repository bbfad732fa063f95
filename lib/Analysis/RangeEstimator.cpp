//===- RangeEstimator.cpp - Calibration ranges from histograms ------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RangeEstimator.h"

#include <algorithm>
#include <cmath>

using namespace mlir::mpq;

Histogram Histogram::of(const std::vector<double> &values, size_t bins) {
  Histogram h;
  h.lo = INFINITY;
  h.hi = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) {
      h.lo = std::min(h.lo, v);
      h.hi = std::max(h.hi, v);
      h.total += 1;
    }
  if (h.total == 0) {
    h.lo = h.hi = 0;
    return h;
  }
  if (!std::isfinite(h.hi - h.lo))
    return Histogram(); // too wide to bin: calibration reports the range
  if (h.lo == h.hi) {
    h.counts.assign(1, h.total);
    return h;
  }
  h.counts.assign(std::max<size_t>(bins, 1), 0.0);
  double perUnit = static_cast<double>(h.counts.size()) / (h.hi - h.lo);
  for (double v : values)
    if (std::isfinite(v)) {
      auto i = static_cast<size_t>((v - h.lo) * perUnit);
      h.counts[std::min(i, h.counts.size() - 1)] += 1;
    }
  return h;
}

double Histogram::edge(size_t i) const {
  if (i >= counts.size())
    return hi;
  return lo + (hi - lo) * static_cast<double>(i) /
                  static_cast<double>(counts.size());
}

Histogram Histogram::merge(const std::vector<const Histogram *> &parts,
                           size_t bins) {
  Histogram h;
  h.lo = INFINITY;
  h.hi = -INFINITY;
  for (const Histogram *part : parts)
    if (!part->empty()) {
      h.lo = std::min(h.lo, part->lo);
      h.hi = std::max(h.hi, part->hi);
      h.total += part->total;
    }
  if (h.total == 0) {
    h = Histogram();
    return h;
  }
  if (h.lo == h.hi) {
    h.counts.assign(1, h.total);
    return h;
  }
  size_t n = std::max<size_t>(bins, 1);
  h.counts.assign(n, 0.0);
  double perUnit = static_cast<double>(n) / (h.hi - h.lo);
  auto binOf = [&](double x) {
    double i = std::floor((x - h.lo) * perUnit);
    return static_cast<size_t>(std::clamp(i, 0.0, static_cast<double>(n - 1)));
  };
  for (const Histogram *part : parts) {
    if (part->empty())
      continue;
    if (part->lo == part->hi) {
      h.counts[binOf(part->lo)] += part->total;
      continue;
    }
    for (size_t i = 0; i < part->counts.size(); ++i) {
      double count = part->counts[i];
      if (count == 0)
        continue;
      double a = part->edge(i), b = part->edge(i + 1);
      if (!(b > a)) {
        h.counts[binOf(a)] += count;
        continue;
      }
      size_t first = binOf(a), last = binOf(b);
      if (first == last) {
        h.counts[first] += count;
        continue;
      }
      for (size_t j = first; j <= last; ++j) {
        double overlap = std::min(b, h.edge(j + 1)) - std::max(a, h.edge(j));
        if (overlap > 0)
          h.counts[j] += count * overlap / (b - a);
      }
    }
  }
  return h;
}

namespace {

/// The fake-quant function x -> (code(x) - zp) * scale of one grid, and the
/// exact integral of its squared error over an interval.
struct Grid {
  double scale;
  int64_t zeroPoint, lo, hi;
  /// Where the code steps up, in steps past the code's own value: half a
  /// step when rounding to nearest (ties do not matter to an integral), a
  /// whole one when flooring.
  double boundary;

  Grid(const GridSpec &spec, double min, double max) {
    GridParams params =
        gridForRange(spec.width, spec.isSigned, spec.narrow, min, max);
    scale = params.scale;
    zeroPoint = params.zeroPoint;
    lo = storageMin(spec.width, spec.isSigned, spec.narrow);
    hi = storageMax(spec.width, spec.isSigned, spec.narrow);
    boundary = spec.rounding == RoundingMode::Floor ? 1.0 : 0.5;
  }

  int64_t code(double x) const {
    double n = std::floor(x / scale + (1.0 - boundary));
    n = std::clamp(n + static_cast<double>(zeroPoint), static_cast<double>(lo),
                   static_cast<double>(hi));
    return static_cast<int64_t>(n);
  }
  double value(int64_t code) const {
    return static_cast<double>(code - zeroPoint) * scale;
  }

  /// The integral of (x - fakeQuant(x))^2 over [a, b].
  double squaredError(double a, double b) const {
    auto cube = [](double d) { return d * d * d; };
    double sum = 0, x = a;
    for (int64_t k = code(a);; ++k) {
      double v = value(k);
      double next =
          k >= hi
              ? b
              : std::min(b, (static_cast<double>(k - zeroPoint) + boundary) *
                                scale);
      if (next > x) {
        sum += (cube(next - v) - cube(x - v)) / 3.0;
        x = next;
      }
      if (next >= b)
        break;
    }
    return sum;
  }
};

double quantile(const Histogram &h, double share) {
  const std::vector<double> &counts = h.bins();
  if (counts.size() == 1)
    return h.min();
  double target = share * h.count(), seen = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0 && seen + counts[i] >= target) {
      double within = std::clamp((target - seen) / counts[i], 0.0, 1.0);
      return h.edge(i) + within * (h.edge(i + 1) - h.edge(i));
    }
    seen += counts[i];
  }
  return h.max();
}

} // namespace

double mlir::mpq::quantizationMse(const Histogram &histogram,
                                  const GridSpec &spec, double min,
                                  double max) {
  if (histogram.empty())
    return 0;
  Grid grid(spec, min, max);
  const std::vector<double> &counts = histogram.bins();
  double sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0)
      continue;
    double a = histogram.edge(i), b = histogram.edge(i + 1);
    if (!(b > a)) {
      double err = a - grid.value(grid.code(a));
      sum += counts[i] * err * err;
      continue;
    }
    sum += counts[i] * grid.squaredError(a, b) / (b - a);
  }
  return sum / histogram.count();
}

std::pair<double, double> mlir::mpq::estimateRange(const Histogram &histogram,
                                                   RangeEstimatorKind kind,
                                                   const GridSpec &spec) {
  double min = histogram.min(), max = histogram.max();
  if (histogram.empty() || min == max || kind == RangeEstimatorKind::MinMax)
    return {min, max};
  if (kind == RangeEstimatorKind::Percentile) {
    // An end at 0 or beyond (a ReLU's output) stays: the grid holds 0 anyway.
    double lo = min < 0
                    ? std::min(quantile(histogram, 1 - kRangePercentile), 0.0)
                    : min;
    double hi =
        max > 0 ? std::max(quantile(histogram, kRangePercentile), 0.0) : max;
    return {lo, hi};
  }

  // mse: first the range scaled toward 0 as a whole, in steps of 2^(1/32)
  // (about 2 %) down to 2^-12 of it; then each end alone around the best, in
  // steps of 2^(1/64). Ties keep the wider range (the first one tried).
  double lo = std::min(min, 0.0), hi = std::max(max, 0.0);
  std::pair<double, double> best{lo, hi};
  double bestError = quantizationMse(histogram, spec, lo, hi);
  auto consider = [&](double a, double b) {
    double error = quantizationMse(histogram, spec, a, b);
    if (error < bestError) {
      bestError = error;
      best = {a, b};
    }
  };
  for (int j = 1; j <= 32 * 12; ++j) {
    double t = std::exp2(-j / 32.0);
    consider(t * lo, t * hi);
  }
  for (int end = 0; end < 2; ++end) {
    std::pair<double, double> center = best;
    double at = end == 0 ? center.first : center.second;
    if (at == 0)
      continue;
    for (int j = -32; j <= 32; ++j) {
      if (j == 0)
        continue;
      double moved = at * std::exp2(j / 64.0);
      if (end == 0)
        consider(std::max(moved, lo), center.second);
      else
        consider(center.first, std::min(moved, hi));
    }
  }
  return best;
}
