//===- IntegerSemantics.h - The integer arithmetic of mpq -------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The single definition of every integer operation whose result mpq must
// reproduce bit for bit: the reference evaluator, constant folding and the
// LLVM lowering all call (or mirror) these functions, so a disagreement
// between them is a bug in exactly one place.
//
// Requantization (docs/decisions.md §3, "Integer semantics"):
//
//   y = clamp(zpOut + shiftRound(acc * M0, 31 - N0, mode), lo, hi)
//
// with M0 a signed Q1.31 int32 (|M0| in [2^30, 2^31) or 0), N0 a signed
// exponent and the product taken in int64. shiftRound is the only place where
// rounding of integers happens; everything else calls it.
//
// Header-only and free of anything but the C++17 standard library, so that
// the runtime helpers and other compilers can reuse it; no exceptions, no
// RTTI, no asserts on values that come from user models.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_INTEGERSEMANTICS_H
#define MPQ_SUPPORT_INTEGERSEMANTICS_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace mlir::mpq {

//===----------------------------------------------------------------------===//
// Rounding modes
//===----------------------------------------------------------------------===//

/// How a value exactly halfway between two integers (a tie) is rounded; all
/// modes except Floor round non-ties to the nearest integer.
enum class RoundingMode {
  /// Toward -infinity: an arithmetic right shift. The paper's ICN and PACT.
  Floor,
  /// Ties to the even neighbour (banker's rounding): ONNX QuantizeLinear.
  HalfToEven,
  /// Ties away from zero: C's round(), TFLite's RoundingDivideByPOT.
  HalfAwayFromZero,
  /// Ties toward +infinity: "add half, then floor", the cheapest form on
  /// hardware ((x + 2^(s-1)) >> s), as in gemmlowp-style fixed point.
  HalfUp,
};

/// The textual name used in IR attributes and on the command line.
constexpr std::string_view roundingModeToString(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::Floor:
    return "floor";
  case RoundingMode::HalfToEven:
    return "half_to_even";
  case RoundingMode::HalfAwayFromZero:
    return "half_away_from_zero";
  case RoundingMode::HalfUp:
    return "half_up";
  }
  return "<invalid>";
}

/// Inverse of roundingModeToString; std::nullopt for any other spelling
/// (names are case-sensitive so that IR has one canonical form).
constexpr std::optional<RoundingMode> parseRoundingMode(std::string_view name) {
  if (name == "floor")
    return RoundingMode::Floor;
  if (name == "half_to_even")
    return RoundingMode::HalfToEven;
  if (name == "half_away_from_zero")
    return RoundingMode::HalfAwayFromZero;
  if (name == "half_up")
    return RoundingMode::HalfUp;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Saturating int64 helpers
//===----------------------------------------------------------------------===//

/// Clamp `v` into [lo, hi]. Precondition lo <= hi; if it is violated the
/// result is still one of v, lo, hi (never undefined), but meaningless.
constexpr int64_t saturate(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/// a + b clamped to the int64 range instead of overflowing.
constexpr int64_t saturatingAdd(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (b > 0 && a > kMax - b)
    return kMax;
  if (b < 0 && a < kMin - b)
    return kMin;
  return a + b;
}

/// a * b clamped to the int64 range instead of overflowing. Exact whenever
/// the true product fits, in particular for any two int32 operands.
constexpr int64_t saturatingMul(int64_t a, int64_t b) {
  if (a == 0 || b == 0)
    return 0;
  // Work on magnitudes in uint64 so that INT64_MIN needs no special case.
  bool negative = (a < 0) != (b < 0);
  uint64_t ua = a < 0 ? 0 - static_cast<uint64_t>(a) : static_cast<uint64_t>(a);
  uint64_t ub = b < 0 ? 0 - static_cast<uint64_t>(b) : static_cast<uint64_t>(b);
  uint64_t limit = negative ? uint64_t(1) << 63 : (uint64_t(1) << 63) - 1;
  if (ua > limit / ub)
    return negative ? std::numeric_limits<int64_t>::min()
                    : std::numeric_limits<int64_t>::max();
  uint64_t magnitude = ua * ub;
  if (!negative)
    return static_cast<int64_t>(magnitude);
  // -(2^63) is not the negation of any int64, so build it explicitly.
  if (magnitude == uint64_t(1) << 63)
    return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(magnitude);
}

//===----------------------------------------------------------------------===//
// shiftRound: the one rounding primitive
//===----------------------------------------------------------------------===//

/// x / 2^shift rounded to an integer according to `mode`, exactly (as if
/// computed with unbounded precision), for every int64 x and every int shift.
///
/// - shift == 0: x.
/// - 1 <= shift <= 63: the exact quotient rounded per mode. The result always
///   fits, since |x / 2| < 2^63.
/// - shift >= 64: |x / 2^shift| <= 1/2, so Floor gives 0 for x >= 0 and -1 for
///   x < 0; the nearest modes give 0, except for the single tie
///   INT64_MIN / 2^64 = -1/2, which HalfAwayFromZero rounds to -1 (HalfUp and
///   HalfToEven give 0).
/// - shift < 0: x * 2^-shift, saturated to [INT64_MIN, INT64_MAX] (no rounding
///   is needed; saturation replaces overflow). Any x != 0 with shift <= -63
///   saturates, except x = -1 at shift = -63, which is exactly INT64_MIN.
constexpr int64_t shiftRound(int64_t x, int shift, RoundingMode mode) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (shift == 0)
    return x;

  if (shift < 0) {
    if (x == 0)
      return 0;
    // Compare against the largest unshifted magnitudes instead of shifting
    // and checking, because the shift itself would overflow.
    int64_t s = -static_cast<int64_t>(shift);
    if (s >= 64)
      return x > 0 ? kMax : kMin;
    if (s == 63)
      return x == -1 ? kMin : (x > 0 ? kMax : kMin);
    int64_t maxIn = kMax >> s;                 // floor((2^63 - 1) / 2^s)
    int64_t minIn = -(int64_t(1) << (63 - s)); // -2^63 / 2^s, exact
    if (x > maxIn)
      return kMax;
    if (x < minIn)
      return kMin;
    return x * (int64_t(1) << s);
  }

  if (shift >= 64) {
    if (mode == RoundingMode::Floor)
      return x < 0 ? -1 : 0;
    // Only x = -2^63 at shift 64 lies exactly halfway (between -1 and 0).
    if (shift == 64 && x == kMin && mode == RoundingMode::HalfAwayFromZero)
      return -1;
    return 0;
  }

  // 1 <= shift <= 63. Split x = q * 2^shift + r with q = floor(x / 2^shift) and
  // 0 <= r < 2^shift, then decide from r alone. For negative x, ~x = -x - 1 is
  // non-negative, and floor(x / d) = ~floor(~x / d), which avoids relying on
  // the (implementation-defined in C++17) right shift of negative values.
  uint64_t divisorMask = (uint64_t(1) << shift) - 1;
  int64_t q = x >= 0 ? (x >> shift) : ~((~x) >> shift);
  uint64_t r = static_cast<uint64_t>(x) & divisorMask;
  uint64_t half = uint64_t(1) << (shift - 1);

  if (mode == RoundingMode::Floor || r < half)
    return q;
  // q + 1 cannot overflow: q <= x / 2 for shift >= 1.
  if (r > half)
    return q + 1;
  // Exact tie between q and q + 1.
  switch (mode) {
  case RoundingMode::HalfUp:
    return q + 1;
  case RoundingMode::HalfAwayFromZero:
    // The tie value q + 1/2 is negative exactly when q < 0.
    return q >= 0 ? q + 1 : q;
  case RoundingMode::HalfToEven:
    return (q & 1) == 0 ? q : q + 1;
  case RoundingMode::Floor:
    break;
  }
  return q;
}

//===----------------------------------------------------------------------===//
// Storage ranges
//===----------------------------------------------------------------------===//

/// Whether `bits` is a width the range helpers define (1..32).
constexpr bool isValidStorageBits(unsigned bits) {
  return bits >= 1 && bits <= 32;
}

/// Smallest code of a `bits`-wide integer. Signed: -2^(bits-1), or
/// -2^(bits-1) + 1 with `narrow` (symmetric range, e.g. int8 [-127, 127]).
/// Unsigned: 0 (narrow changes only the top, as in QONNX `Quant`).
/// Precondition isValidStorageBits(bits); other widths are clamped to 1..32
/// so that the function never has undefined behaviour.
constexpr int64_t storageMin(unsigned bits, bool isSigned,
                             bool narrow = false) {
  if (!isSigned)
    return 0;
  unsigned b = bits < 1 ? 1 : (bits > 32 ? 32 : bits);
  int64_t min = -(int64_t(1) << (b - 1));
  return narrow ? min + 1 : min;
}

/// Largest code of a `bits`-wide integer. Signed: 2^(bits-1) - 1 (narrow or
/// not). Unsigned: 2^bits - 1, or 2^bits - 2 with `narrow` (QONNX `Quant`'s
/// convention). Same precondition and clamping as storageMin.
constexpr int64_t storageMax(unsigned bits, bool isSigned,
                             bool narrow = false) {
  unsigned b = bits < 1 ? 1 : (bits > 32 ? 32 : bits);
  if (isSigned)
    return (int64_t(1) << (b - 1)) - 1;
  int64_t max = (int64_t(1) << b) - 1;
  return narrow ? max - 1 : max;
}

/// Scale and zero point of the grid that spans the real range [min, max]
/// (widened to contain 0, so that 0 is exact) with the codes of a
/// `width`-bit type: scale (max - min) / (hi - lo), zero point
/// lo - round(min / scale); a range of width 0 gets scale 1. The one
/// definition behind mpq::getUniformForRange and calibration's range
/// estimators (mpq/Analysis/RangeEstimator.h).
struct GridParams {
  double scale;
  int64_t zeroPoint;
};
inline GridParams gridForRange(unsigned width, bool isSigned, bool narrow,
                               double min, double max) {
  int64_t lo = storageMin(width, isSigned, narrow);
  int64_t hi = storageMax(width, isSigned, narrow);
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  double scale = max > min ? (max - min) / static_cast<double>(hi - lo) : 1.0;
  int64_t zp =
      saturate(lo - static_cast<int64_t>(std::nearbyint(min / scale)), lo, hi);
  return {scale, zp};
}

//===----------------------------------------------------------------------===//
// Fixed-point multipliers and requantization (ICN)
//===----------------------------------------------------------------------===//

/// A real multiplier written as m0 * 2^(n0 - 31): m0 is a Q1.31 mantissa with
/// |m0| in [2^30, 2^31), or m0 == 0 (then n0 == 0).
struct QuantizedMultiplier {
  int32_t m0 = 0;
  int n0 = 0;
};

/// The exponents quantizeMultiplier produces. Beyond them the multiplier is
/// useless for int32 accumulators anyway: with n0 < -32 the requantization
/// shift exceeds 62 and every product |acc * m0| <= 2^62 rounds to 0 (or -1
/// under Floor); with n0 > 32 any nonzero accumulator leaves the 32-bit range.
/// The bound also keeps n0 within an int8 (the per-channel N0 table).
constexpr int kMinMultiplierExponent = -62;
constexpr int kMaxMultiplierExponent = 62;

/// Decompose `real` as m0 * 2^(n0 - 31) with the mantissa rounded to nearest
/// (ties away from zero, so that -r decomposes as the negation of r).
///
/// - real == 0 (either sign): {0, 0}; this is the pruned channel (gamma = 0).
/// - negative real: negative m0, |m0| as for |real|.
/// - the mantissa rounding up to 2^31 (real just below a power of two): m0 is
///   halved to 2^30 and n0 incremented, so |m0| < 2^31 always holds.
/// - |real| below 2^-63 after rounding (n0 < kMinMultiplierExponent):
///   underflow, {0, 0}. Nearest-mode requantization of any int32 accumulator
///   would give 0 anyway; under Floor, a negative accumulator loses its exact
///   -1.
/// - |real| >= 2^62 after rounding (n0 above kMaxMultiplierExponent), NaN or
///   infinity: std::nullopt, for the caller to diagnose.
/// So n0 is always in [kMinMultiplierExponent, kMaxMultiplierExponent].
inline std::optional<QuantizedMultiplier> quantizeMultiplier(double real) {
  if (std::isnan(real) || std::isinf(real))
    return std::nullopt;
  if (real == 0.0)
    return QuantizedMultiplier{};
  int exponent = 0;
  // |fraction| in [0.5, 1) and real = fraction * 2^exponent, both exact.
  double fraction = std::frexp(real, &exponent);
  // Scaling by 2^31 is exact; llround rounds ties away from zero.
  int64_t mantissa = std::llround(std::ldexp(fraction, 31));
  if (mantissa == (int64_t(1) << 31) || mantissa == -(int64_t(1) << 31)) {
    mantissa /= 2;
    ++exponent;
  }
  if (exponent < kMinMultiplierExponent)
    return QuantizedMultiplier{};
  if (exponent > kMaxMultiplierExponent)
    return std::nullopt;
  return QuantizedMultiplier{static_cast<int32_t>(mantissa), exponent};
}

/// Integer Channel Normalization, one output channel:
///
///   clamp(zpOut + shiftRound(acc * m0, 31 - n0, mode), lo, hi)
///
/// The product is exact in int64 for any int32 `acc` and int32 `m0`
/// (|acc * m0| <= 2^62), which is the contract: accumulators are int32. A
/// wider `acc` is still defined (the product and the zero-point addition
/// saturate to int64 rather than overflow) but the code generator only has to
/// match for int32 accumulators. Every n0 is accepted: shifts beyond 63 and
/// left shifts (n0 > 31) follow shiftRound.
constexpr int64_t requantize(int64_t acc, int32_t m0, int n0, int32_t zpOut,
                             int64_t lo, int64_t hi, RoundingMode mode) {
  int64_t product = saturatingMul(acc, m0);
  // 31 - n0 overflows int for n0 near INT_MIN; beyond +-200 the result no
  // longer depends on the exact shift, so clamp it there.
  int shift = n0 > 200 ? -200 : (n0 < -200 ? 231 : 31 - n0);
  int64_t scaled = shiftRound(product, shift, mode);
  return saturate(saturatingAdd(scaled, zpOut), lo, hi);
}

/// Where the two products of a rescaled sum (qadd) meet: each term a * m_a
/// is an integer times 2^-(31 - n_a); the sum is taken at the binary point of
/// the finer term (`shift` = the larger of 31 - n_a and 31 - n_b), the
/// coarser term shifted left to it exactly (`lhs`/`rhs` negative: a left
/// shift by that much), and rounded once. When the two points are more than
/// kMaxSumAlign bits apart (one multiplier over 2^22 times the other), the
/// common point is kMaxSumAlign bits finer than the coarser term's and the
/// finer term is rounded to it first (`lhs`/`rhs` positive), an error of at
/// most 2^-23 of an output step; that keeps every term below 2^62 for codes
/// of at most 8 bits (|a| < 2^9, |m| < 2^31, times 2^22).
inline constexpr int kMaxSumAlign = 22;
struct RescaledSumShifts {
  int lhs = 0, rhs = 0, shift = 0;
};
constexpr RescaledSumShifts rescaledSumShifts(int lhsExponent,
                                              int rhsExponent) {
  int sa = 31 - lhsExponent, sb = 31 - rhsExponent;
  int shift = sa > sb ? sa : sb;
  int coarse = sa < sb ? sa : sb;
  if (shift > coarse + kMaxSumAlign)
    shift = coarse + kMaxSumAlign;
  return {sa - shift, sb - shift, shift};
}

/// The sum of qadd: a * m_a * 2^(n_a - 31) + b * m_b * 2^(n_b - 31), rounded
/// once per `mode` (as the float sum of two dequantized tensors is quantized
/// once), for a and b codes minus their zero points (|a|, |b| < 2^9) and
/// exponents in [-32, 31] (mpq.qadd's verifier).
constexpr int64_t roundedRescaledSum(int64_t a, int32_t ma, int na, int64_t b,
                                     int32_t mb, int nb, RoundingMode mode) {
  RescaledSumShifts s = rescaledSumShifts(na, nb);
  int64_t ta = shiftRound(saturatingMul(a, ma), s.lhs, mode);
  int64_t tb = shiftRound(saturatingMul(b, mb), s.rhs, mode);
  return shiftRound(saturatingAdd(ta, tb), s.shift, mode);
}

//===----------------------------------------------------------------------===//
// Row normalizations: integer softmax and layer normalization
//===----------------------------------------------------------------------===//

/// floor(sqrt(v)) for 0 <= v < 2^62, 0 for v <= 0: the integer square root,
/// which is unique, computed digit by digit (two bits per step, 31 steps, no
/// division), as I-BERT's integer LayerNorm needs it and as the kernels
/// emit it.
constexpr int64_t integerSqrt(int64_t v) {
  if (v <= 0)
    return 0;
  int64_t rem = v, root = 0;
  for (int64_t bit = int64_t(1) << 60; bit > 0; bit >>= 2) {
    if (rem >= root + bit) {
      rem -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
  }
  return root;
}

/// num / den rounded to the nearest integer, ties away from zero, for
/// den > 0 and |num| + den / 2 < 2^63: sign(num) * ((|num| + den/2) / den).
constexpr int64_t divideRoundHalfAway(int64_t num, int64_t den) {
  int64_t magnitude = num < 0 ? -num : num;
  int64_t q = (magnitude + den / 2) / den;
  return num < 0 ? -q : q;
}

/// Integer softmax (mpq.qsoftmax), the table formulation of integer runtimes
/// (TFLite's LUT softmax, CMSIS-NN's arm_softmax_s8): for a row x of codes
/// on an input grid of scale s,
///
///   m   = max_j x_j
///   e_j = table[m - x_j],  table[d] = round(2^14 * exp(-s * d))
///   S   = sum_j e_j                                  (< 2^30 for rows of
///                                                     at most 2^16 codes)
///   y_j = clamp(zp + divideRoundHalfAway(e_j * M0, S * 2^(31 - N0)))
///
/// with M0 * 2^(N0 - 31) = 1 / s_out and 0 <= N0 <= 31 (an output scale
/// in (2^-31, 2]). exp(-s * d) for d >= 0 is in (0, 1], so the table has one
/// entry per code difference (2^bits entries) in [0, 2^14]; e_0 = 2^14 makes
/// S >= 2^14. The error against the float softmax is the table's rounding
/// (2^-15 relative to the row's largest term) plus the output rounding.
inline constexpr int kSoftmaxExpBits = 14;
inline constexpr int64_t kMaxSoftmaxRow = int64_t(1) << 16;

inline std::vector<int32_t> softmaxExpTable(double inputScale, unsigned bits) {
  std::vector<int32_t> table;
  if (!isValidStorageBits(bits) || bits > 16 || !(inputScale > 0))
    return table;
  const double one = std::ldexp(1.0, kSoftmaxExpBits);
  for (int64_t d = 0; d < (int64_t(1) << bits); ++d)
    table.push_back(static_cast<int32_t>(
        std::nearbyint(one * std::exp(-inputScale * static_cast<double>(d)))));
  return table;
}

/// One output code of the integer softmax: e (a table entry) over the row's
/// sum, on the output grid.
constexpr int64_t softmaxCode(int64_t e, int64_t sum, int32_t m0, int n0,
                              int32_t zpOut, int64_t lo, int64_t hi) {
  int64_t y = divideRoundHalfAway(e * m0, sum << (31 - n0));
  return saturate(y + zpOut, lo, hi);
}

/// Integer layer normalization (mpq.qlayer_norm), after I-BERT (Kim et al.
/// 2021): integer mean, variance and square root. For a row x of N codes,
/// exactly (d_i is N times x_i's distance to the mean, in codes):
///
///   d_i   = N * x_i - sum_j x_j                      (|d_i| < 2^(log2 N + 9))
///   V     = (sum_i d_i^2 + E) / N                    (floor; E encodes the
///                                                     epsilon, N^3 eps/s^2)
///   sigma = max(1, integerSqrt(V * 2^16))            (256 N sqrt(var + eps),
///                                                     in codes)
///   q_i   = divideRoundHalfAway(d_i * 2^(K + 8), sigma)
///
/// so that q_i is (x_i - mean) / sqrt(var + eps) with K fractional bits. For
/// N <= 2^14 and codes of at most 8 bits every step fits int64. The op then
/// adds the affine part and requantizes: acc_i = q_i * g_i + b_i (int32),
/// y_i = requantize(acc_i, M0, N0) (see mpq.qlayer_norm).
inline constexpr int64_t kMaxLayerNormRow = int64_t(1) << 14;

inline void layerNormRow(const int64_t *x, int64_t n, int64_t epsTerm,
                         int shift, int64_t *q) {
  int64_t sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i];
  int64_t squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = n * x[i] - sum;
    squares += d * d;
  }
  int64_t variance = (squares + epsTerm) / n;
  int64_t sigma = integerSqrt(variance << 16);
  if (sigma < 1)
    sigma = 1;
  for (int64_t i = 0; i < n; ++i)
    // (A product, not a left shift: d_i may be negative.)
    q[i] = divideRoundHalfAway((n * x[i] - sum) * (int64_t(1) << (shift + 8)),
                               sigma);
}

//===----------------------------------------------------------------------===//
// Linear resize: exact rational weights
//===----------------------------------------------------------------------===//

/// ONNX Resize in linear mode along one axis of `in` elements resized to
/// `out`: output i reads input index[i] with weight (denominator -
/// weight[i]) / denominator and index[i] + 1 (index[i] itself at the last
/// element) with weight[i] / denominator. The source coordinate is exact:
///
///   half_pixel     x = (i + 1/2) in / out - 1/2 = ((2i + 1) in - out) / (2
///   out) pytorch_half_pixel  the same when out > 1, else 0 asymmetric     x =
///   i in / out align_corners  x = i (in - 1) / (out - 1)  (0 when out = 1)
///
/// clamped to [0, in - 1] (ONNX Runtime's linear kernels clamp so), with
/// the fractions over one denominator in lowest terms (half_pixel by an
/// integer factor f: 2f, or f when f is odd; asymmetric: f). Empty for
/// another mode, or sizes outside [1, 2^20].
struct LinearResizeAxis {
  std::vector<int32_t> index, weight;
  int64_t denominator = 1;
};

inline LinearResizeAxis linearResizeAxis(int64_t in, int64_t out,
                                         std::string_view mode) {
  LinearResizeAxis axis;
  if (in < 1 || out < 1 || in > (int64_t(1) << 20) || out > (int64_t(1) << 20))
    return axis;
  std::vector<int64_t> num(out);
  int64_t den;
  if (mode == "half_pixel" || (mode == "pytorch_half_pixel" && out > 1)) {
    den = 2 * out;
    for (int64_t i = 0; i < out; ++i)
      num[i] = (2 * i + 1) * in - out;
  } else if (mode == "pytorch_half_pixel" ||
             (mode == "align_corners" && out == 1)) {
    den = 1;
    num.assign(out, 0);
  } else if (mode == "asymmetric") {
    den = out;
    for (int64_t i = 0; i < out; ++i)
      num[i] = i * in;
  } else if (mode == "align_corners") {
    den = out - 1;
    for (int64_t i = 0; i < out; ++i)
      num[i] = i * (in - 1);
  } else {
    return axis;
  }
  for (int64_t &n : num)
    n = std::clamp<int64_t>(n, 0, (in - 1) * den);
  int64_t g = den;
  for (int64_t n : num) {
    int64_t a = g, b = n;
    while (b != 0) {
      int64_t t = a % b;
      a = b;
      b = t;
    }
    g = a;
  }
  axis.denominator = den / g;
  for (int64_t n : num) {
    axis.index.push_back(static_cast<int32_t>((n / g) / axis.denominator));
    axis.weight.push_back(static_cast<int32_t>((n / g) % axis.denominator));
  }
  return axis;
}

//===----------------------------------------------------------------------===//
// Float to integer quantization (model boundaries, constant weights)
//===----------------------------------------------------------------------===//

namespace detail {

/// v rounded to an integral value per mode; v must be finite. std::round is
/// exact, and so is v - std::round(v) (the two are within 1/2 and Sterbenz's
/// lemma applies), so ties are detected exactly, unlike with floor(v + 0.5).
template <typename FloatT>
FloatT roundIntegral(FloatT v, RoundingMode mode) {
  if (mode == RoundingMode::Floor)
    return std::floor(v);
  FloatT away = std::round(v);
  FloatT diff = v - away;
  if (diff != FloatT(0.5) && diff != FloatT(-0.5))
    return away;
  // Tie: the other candidate is one step toward zero.
  FloatT toward = away - std::copysign(FloatT(1), v);
  switch (mode) {
  case RoundingMode::HalfAwayFromZero:
    return away;
  case RoundingMode::HalfUp:
    return away > toward ? away : toward;
  case RoundingMode::HalfToEven:
    return std::fmod(away, FloatT(2)) == 0 ? away : toward;
  case RoundingMode::Floor:
    break;
  }
  return away;
}

/// saturate(round(v) + zp, lo, hi) for an already divided value. NaN gives
/// lo, which is what ONNX Runtime's MLAS kernels produce (their max/min clamp
/// discards the NaN before the conversion).
template <typename FloatT>
int64_t quantizeScaled(FloatT v, int32_t zp, int64_t lo, int64_t hi,
                       RoundingMode mode) {
  if (std::isnan(v))
    return saturate(lo, lo, hi);
  // Saturate in floating point first: the cast of an out-of-range value is
  // undefined. +-2^62 is far outside any storage range yet exactly
  // representable, so the int64 additions below cannot overflow.
  const FloatT limit = std::ldexp(FloatT(1), 62);
  if (v >= limit)
    return saturate(std::numeric_limits<int64_t>::max(), lo, hi);
  if (v <= -limit)
    return saturate(std::numeric_limits<int64_t>::min(), lo, hi);
  int64_t rounded = static_cast<int64_t>(roundIntegral(v, mode));
  return saturate(rounded + zp, lo, hi);
}

} // namespace detail

/// saturate(round(x / scale) + zp, lo, hi), the division and rounding done in
/// double precision. `scale` must be positive and finite; a NaN quotient
/// (e.g. 0 / 0) gives lo and an infinite one saturates.
inline int64_t quantizeValue(double x, double scale, int32_t zp, int64_t lo,
                             int64_t hi, RoundingMode mode) {
  return detail::quantizeScaled(x / scale, zp, lo, hi, mode);
}

/// ONNX QuantizeLinear as ONNX Runtime computes it: ORT divides in float32
/// (not double), rounds half to even and saturates, so results differ from
/// quantizeValue whenever the float32 quotient rounds onto or across a tie.
/// Matching ORT bit for bit requires this variant. (MLAS clamps the quotient
/// to [lo - zp, hi - zp] before rounding; the bounds being integers, that is
/// the same as rounding first.) The division is stored to a float to force
/// float32 rounding (on targets with FLT_EVAL_METHOD == 0, i.e. SSE and ARM;
/// x87 excess precision would need -ffloat-store).
inline int64_t quantizeValueF32(float x, float scale, int32_t zp, int64_t lo,
                                int64_t hi) {
  float quotient = x / scale;
  return detail::quantizeScaled(quotient, zp, lo, hi, RoundingMode::HalfToEven);
}

/// `steps`, a value divided by its scale, with an exact rounding boundary
/// restored: within 1e-9 of a multiple of 1/2 it becomes that multiple. A
/// value that sits on a boundary in real arithmetic (a layer output of
/// exactly 0 before a floor, a mean of codes at k + 1/2 before a round half)
/// comes out of double arithmetic a few ulps to either side, and the rounding
/// would decide by that noise; the integer graph decides exactly. A real
/// value within 1e-9 steps of a boundary without being on it is a chance of
/// about 2e-9.
inline double snapToBoundary(double steps) {
  double half = std::nearbyint(steps * 2) / 2;
  return std::fabs(steps - half) < 1e-9 ? half : steps;
}

/// The code a fake_quant gives the real value `x` on the grid (scale,
/// zeroPoint) with codes [lo, hi]: saturate(round(x / scale) + zp). A
/// `computed` value (one the graph's double arithmetic produced, not a
/// constant) has its rounding boundaries restored first (snapToBoundary).
/// The reference evaluator's fake_quant and the lookup tables below both
/// call this, so a table reproduces the fake-quant graph code for code.
inline int64_t fakeQuantCode(double x, double scale, int64_t zeroPoint,
                             int64_t lo, int64_t hi, RoundingMode mode,
                             bool computed) {
  double steps = x / scale;
  return quantizeValue(computed ? snapToBoundary(steps) : steps, 1.0,
                       static_cast<int32_t>(zeroPoint), lo, hi, mode);
}

//===----------------------------------------------------------------------===//
// Element-wise nonlinear functions and their lookup tables
//===----------------------------------------------------------------------===//

/// The element-wise nonlinearities the graph level has (one mpq op each),
/// with ONNX's definitions.
enum class ElementwiseFunctionKind {
  Sigmoid,     ///< 1 / (1 + e^-x)
  Tanh,        ///< tanh(x)
  HardSigmoid, ///< max(0, min(1, alpha * x + beta))
  HardSwish,   ///< x * max(0, min(1, x / 6 + 1/2))
  LeakyRelu,   ///< x >= 0 ? x : alpha * x
  AddConstant, ///< x + alpha (mpq.add of an activation and a constant)
  MulConstant, ///< x * alpha (mpq.mul of an activation and a constant)
};

/// One function with its parameters (alpha and beta where the kind has
/// them; the ops store them as f32, so they are exact here).
struct ElementwiseFunction {
  ElementwiseFunctionKind kind = ElementwiseFunctionKind::Sigmoid;
  double alpha = 0.0;
  double beta = 0.0;

  /// f(x), in double, in the order written above: the float graph, the
  /// fake-quant graph and the tables all evaluate this.
  double operator()(double x) const {
    switch (kind) {
    case ElementwiseFunctionKind::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case ElementwiseFunctionKind::Tanh:
      return std::tanh(x);
    case ElementwiseFunctionKind::HardSigmoid:
      return std::max(0.0, std::min(1.0, alpha * x + beta));
    case ElementwiseFunctionKind::HardSwish:
      return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5));
    case ElementwiseFunctionKind::LeakyRelu:
      return x >= 0.0 ? x : alpha * x;
    // IEEE addition and multiplication commute: the same double whichever
    // side of the graph's op the constant is on.
    case ElementwiseFunctionKind::AddConstant:
      return x + alpha;
    case ElementwiseFunctionKind::MulConstant:
      return x * alpha;
    }
    return x;
  }

  /// Whether f(x) >= 0 for every x, so that its output can be unsigned.
  bool isNonNegative() const {
    return kind == ElementwiseFunctionKind::Sigmoid ||
           kind == ElementwiseFunctionKind::HardSigmoid;
  }
};

/// A per-tensor grid of stored codes: real value scale * (q - zeroPoint),
/// codes [lo, hi].
struct CodeGrid {
  double scale = 1.0;
  int64_t zeroPoint = 0;
  int64_t lo = 0;
  int64_t hi = 0;
};

/// The lookup table of `f` from codes on `in` to codes on `out`:
///
///   table[c - in.lo] = fakeQuantCode(f(scale_in * (c - zp_in)), out)
///
/// for every input code c in [in.lo, in.hi] (2^bits entries for a full
/// storage range: 256 at 8 bits, 4 at 2 bits), which is what the fake-quant
/// graph computes for a value on the input grid: dequantize (as the
/// fake_quant before f does), f in double, then the output fake_quant
/// (`mode`, a computed value). Empty if the input range is empty or wider
/// than 2^16 codes.
inline std::vector<int64_t> buildLookupTable(const ElementwiseFunction &f,
                                             const CodeGrid &in,
                                             const CodeGrid &out,
                                             RoundingMode mode) {
  std::vector<int64_t> table;
  if (in.hi < in.lo || in.hi - in.lo >= (int64_t(1) << 16))
    return table;
  table.reserve(in.hi - in.lo + 1);
  for (int64_t c = in.lo; c <= in.hi; ++c) {
    double x = static_cast<double>(c - in.zeroPoint) * in.scale;
    table.push_back(fakeQuantCode(f(x), out.scale, out.zeroPoint, out.lo,
                                  out.hi, mode, /*computed=*/true));
  }
  return table;
}

/// The PACT activation quantizer of the paper (docs/paper.md §1):
/// floor(clamp(x, 0, alpha) * (2^bits - 1) / alpha). Note the floor, not a
/// rounding. Evaluated in double in the order written (multiply, then
/// divide); x >= alpha gives exactly 2^bits - 1 and x <= 0 or NaN gives 0
/// rather than trusting alpha * n / alpha to be exact. Returns 0 if alpha is
/// not positive and finite or bits is outside 1..32.
inline int64_t quantizePact(double x, double alpha, unsigned bits) {
  if (!isValidStorageBits(bits) || !(alpha > 0) || std::isinf(alpha))
    return 0;
  int64_t maxCode = storageMax(bits, /*isSigned=*/false);
  if (!(x > 0))
    return 0;
  if (x >= alpha)
    return maxCode;
  double scaled = std::floor(x * static_cast<double>(maxCode) / alpha);
  return saturate(static_cast<int64_t>(scaled), 0, maxCode);
}

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_INTEGERSEMANTICS_H
