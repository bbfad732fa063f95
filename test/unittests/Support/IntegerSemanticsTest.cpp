//===- IntegerSemanticsTest.cpp - Tests for IntegerSemantics.h ------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Hand-computed cases (the arithmetic is in the comments) plus randomized
// comparisons against a reference written here in exact 128-bit arithmetic:
// every real value involved is a rational num / den with den > 0, rounded by
// exact integer division. The reference never calls the code under test.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/IntegerSemantics.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace mlir::mpq;

namespace {

using I128 = __int128;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();

constexpr RoundingMode kAllModes[] = {
    RoundingMode::Floor, RoundingMode::HalfToEven,
    RoundingMode::HalfAwayFromZero, RoundingMode::HalfUp};

//===----------------------------------------------------------------------===//
// Reference
//===----------------------------------------------------------------------===//

I128 pow2(int k) { return static_cast<I128>(1) << k; }

/// floor(num / den) for den > 0, from C++'s truncating division.
I128 refFloorDiv(I128 num, I128 den) {
  I128 q = num / den;
  if (num % den != 0 && num < 0)
    --q;
  return q;
}

/// num / den (den > 0) rounded per mode, from the definition of each mode:
/// a tie is a remainder of exactly den / 2.
I128 refRound(I128 num, I128 den, RoundingMode mode) {
  I128 lower = refFloorDiv(num, den);
  I128 twiceRem = 2 * (num - lower * den); // in [0, 2 den)
  if (mode == RoundingMode::Floor)
    return lower;
  if (twiceRem < den)
    return lower;
  if (twiceRem > den)
    return lower + 1;
  switch (mode) {
  case RoundingMode::HalfUp:
    return lower + 1;
  case RoundingMode::HalfAwayFromZero:
    return num > 0 ? lower + 1 : lower;
  case RoundingMode::HalfToEven:
    return (lower % 2 == 0) ? lower : lower + 1;
  default:
    return lower;
  }
}

I128 refClamp(I128 v, I128 lo, I128 hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

int64_t refShiftRound(int64_t x, int shift, RoundingMode mode) {
  if (shift >= 0) {
    // For every shift >= 66, |x| / 2^shift <= 1/8: no tie, and neither the
    // floor nor the nearest integer depends on the exact shift.
    int s = shift > 120 ? 120 : shift;
    return static_cast<int64_t>(refRound(x, pow2(s), mode));
  }
  // Any x != 0 already leaves int64 at a left shift of 63, so larger shifts
  // saturate identically; |x| * 2^63 <= 2^126 fits.
  int s = -static_cast<int64_t>(shift) > 63 ? 63 : -shift;
  return static_cast<int64_t>(
      refClamp(static_cast<I128>(x) * pow2(s), kI64Min, kI64Max));
}

/// An exact rational num / 2^-exp2 (or num * 2^exp2) for a finite double.
struct ExactDouble {
  int64_t mantissa; // |mantissa| < 2^53
  int exp2;         // value = mantissa * 2^exp2
};

ExactDouble decompose(double v) {
  int e = 0;
  double f = std::frexp(v, &e); // v = f * 2^e, |f| in [0.5, 1)
  return {static_cast<int64_t>(std::ldexp(f, 53)), e - 53};
}

/// round(a / b) for doubles a, b > 0 with moderate exponents, exactly.
I128 refRoundQuotient(double a, double b, RoundingMode mode) {
  if (a == 0)
    return 0;
  ExactDouble da = decompose(a), db = decompose(b);
  I128 num = da.mantissa, den = db.mantissa;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int e = da.exp2 - db.exp2;
  if (e >= 0)
    num *= pow2(e);
  else
    den *= pow2(-e);
  return refRound(num, den, mode);
}

//===----------------------------------------------------------------------===//
// Rounding mode names
//===----------------------------------------------------------------------===//

TEST(RoundingModeTest, NamesRoundTrip) {
  EXPECT_EQ(roundingModeToString(RoundingMode::Floor), "floor");
  EXPECT_EQ(roundingModeToString(RoundingMode::HalfToEven), "half_to_even");
  EXPECT_EQ(roundingModeToString(RoundingMode::HalfAwayFromZero),
            "half_away_from_zero");
  EXPECT_EQ(roundingModeToString(RoundingMode::HalfUp), "half_up");
  for (RoundingMode mode : kAllModes)
    EXPECT_EQ(parseRoundingMode(roundingModeToString(mode)), mode);
}

TEST(RoundingModeTest, ParseRejectsOtherSpellings) {
  for (const char *name : {"", "Floor", "FLOOR", "half-up", "halfup",
                           "half_to_even ", "nearest", "half_down"})
    EXPECT_FALSE(parseRoundingMode(name).has_value()) << name;
}

//===----------------------------------------------------------------------===//
// shiftRound
//===----------------------------------------------------------------------===//

struct ShiftCase {
  int64_t x;
  int shift;
  // Expected results for Floor, HalfToEven, HalfAwayFromZero, HalfUp.
  int64_t floor, even, away, up;
};

void checkShiftCases(const std::vector<ShiftCase> &cases) {
  for (const ShiftCase &c : cases) {
    SCOPED_TRACE(testing::Message() << "x=" << c.x << " shift=" << c.shift);
    EXPECT_EQ(shiftRound(c.x, c.shift, RoundingMode::Floor), c.floor);
    EXPECT_EQ(shiftRound(c.x, c.shift, RoundingMode::HalfToEven), c.even);
    EXPECT_EQ(shiftRound(c.x, c.shift, RoundingMode::HalfAwayFromZero), c.away);
    EXPECT_EQ(shiftRound(c.x, c.shift, RoundingMode::HalfUp), c.up);
    // The reference must agree with the hand-computed table too.
    EXPECT_EQ(refShiftRound(c.x, c.shift, RoundingMode::Floor), c.floor);
    EXPECT_EQ(refShiftRound(c.x, c.shift, RoundingMode::HalfToEven), c.even);
    EXPECT_EQ(refShiftRound(c.x, c.shift, RoundingMode::HalfAwayFromZero),
              c.away);
    EXPECT_EQ(refShiftRound(c.x, c.shift, RoundingMode::HalfUp), c.up);
  }
}

TEST(ShiftRoundTest, SmallTies) {
  checkShiftCases({
      // 5 / 2 = 2.5: floor 2, even 2, away 3, up 3.
      {5, 1, 2, 2, 3, 3},
      // -5 / 2 = -2.5: floor -3, even -2, away -3, up -2.
      {-5, 1, -3, -2, -3, -2},
      // 6 / 4 = 1.5: floor 1, even 2, away 2, up 2.
      {6, 2, 1, 2, 2, 2},
      // -6 / 4 = -1.5: floor -2, even -2, away -2, up -1.
      {-6, 2, -2, -2, -2, -1},
      // 7 / 2 = 3.5: floor 3, even 4, away 4, up 4.
      {7, 1, 3, 4, 4, 4},
      // -7 / 2 = -3.5: floor -4, even -4, away -4, up -3.
      {-7, 1, -4, -4, -4, -3},
      // 10 / 4 = 2.5 and -10 / 4 = -2.5.
      {10, 2, 2, 2, 3, 3},
      {-10, 2, -3, -2, -3, -2},
      // 1 / 2 = 0.5: floor 0, even 0, away 1, up 1.
      {1, 1, 0, 0, 1, 1},
      // -1 / 2 = -0.5: floor -1, even 0, away -1, up 0.
      {-1, 1, -1, 0, -1, 0},
      // 24 / 16 = 1.5 and 40 / 16 = 2.5 at a larger shift.
      {24, 4, 1, 2, 2, 2},
      {40, 4, 2, 2, 3, 3},
  });
}

TEST(ShiftRoundTest, SmallNonTies) {
  checkShiftCases({
      // 11 / 4 = 2.75 -> 3 for every nearest mode.
      {11, 2, 2, 3, 3, 3},
      // -11 / 4 = -2.75: floor -3, nearest -3.
      {-11, 2, -3, -3, -3, -3},
      // 9 / 4 = 2.25 -> 2.
      {9, 2, 2, 2, 2, 2},
      // -9 / 4 = -2.25: floor -3, nearest -2.
      {-9, 2, -3, -2, -2, -2},
      // 12 / 4 = 3 and -12 / 4 = -3, exact.
      {12, 2, 3, 3, 3, 3},
      {-12, 2, -3, -3, -3, -3},
      // 0 stays 0.
      {0, 5, 0, 0, 0, 0},
      // -1 / 8 = -0.125: floor -1, nearest 0.
      {-1, 3, -1, 0, 0, 0},
  });
}

TEST(ShiftRoundTest, ShiftZeroIsIdentity) {
  for (int64_t x : {kI64Min, kI64Min + 1, int64_t(-3), int64_t(0), int64_t(3),
                    kI64Max - 1, kI64Max})
    for (RoundingMode mode : kAllModes)
      EXPECT_EQ(shiftRound(x, 0, mode), x);
}

TEST(ShiftRoundTest, Shift31) {
  const int64_t p31 = int64_t(1) << 31, p30 = int64_t(1) << 30;
  checkShiftCases({
      // 3 * 2^30 / 2^31 = 1.5.
      {3 * p30, 31, 1, 2, 2, 2},
      // -2^30 / 2^31 = -0.5.
      {-p30, 31, -1, 0, -1, 0},
      // (2^31 + 1) / 2^31 = 1 + 2^-31, just above 1.
      {p31 + 1, 31, 1, 1, 1, 1},
      // (2^30 - 1) / 2^31 just below 0.5 -> 0; (2^30 + 1) just above -> 1.
      {p30 - 1, 31, 0, 0, 0, 0},
      {p30 + 1, 31, 0, 1, 1, 1},
      // -(2^30 + 1) / 2^31 just below -0.5 -> -1 for every mode.
      {-p30 - 1, 31, -1, -1, -1, -1},
  });
}

TEST(ShiftRoundTest, Shift62) {
  const int64_t p62 = int64_t(1) << 62, p61 = int64_t(1) << 61;
  checkShiftCases({
      // (2^62 + 2^61) / 2^62 = 1.5.
      {p62 + p61, 62, 1, 2, 2, 2},
      // (2^63 - 1) / 2^62 = 2 - 2^-62: floor 1, nearest 2.
      {kI64Max, 62, 1, 2, 2, 2},
      // -2^63 / 2^62 = -2 exactly.
      {kI64Min, 62, -2, -2, -2, -2},
      // -2^61 / 2^62 = -0.5.
      {-p61, 62, -1, 0, -1, 0},
      // -3 * 2^61 / 2^62 = -1.5.
      {-3 * p61, 62, -2, -2, -2, -1},
  });
}

TEST(ShiftRoundTest, Shift63) {
  const int64_t p62 = int64_t(1) << 62;
  checkShiftCases({
      // -2^63 / 2^63 = -1 exactly.
      {kI64Min, 63, -1, -1, -1, -1},
      // (2^63 - 1) / 2^63 = 1 - 2^-63: floor 0, nearest 1.
      {kI64Max, 63, 0, 1, 1, 1},
      // 2^62 / 2^63 = 0.5.
      {p62, 63, 0, 0, 1, 1},
      // -2^62 / 2^63 = -0.5.
      {-p62, 63, -1, 0, -1, 0},
      // +-2^-63.
      {1, 63, 0, 0, 0, 0},
      {-1, 63, -1, 0, 0, 0},
  });
}

TEST(ShiftRoundTest, Shift64AndBeyond) {
  checkShiftCases({
      // -2^63 / 2^64 = -0.5, the only tie at shift 64.
      {kI64Min, 64, -1, 0, -1, 0},
      // (2^63 - 1) / 2^64 is just below 0.5.
      {kI64Max, 64, 0, 0, 0, 0},
      {-1, 64, -1, 0, 0, 0},
      {0, 64, 0, 0, 0, 0},
      // At shift 65 even INT64_MIN is only -1/4.
      {kI64Min, 65, -1, 0, 0, 0},
      {kI64Min, 100, -1, 0, 0, 0},
      {kI64Max, 100, 0, 0, 0, 0},
      {-7, 100, -1, 0, 0, 0},
      {0, 100, 0, 0, 0, 0},
      {kI64Min, std::numeric_limits<int>::max(), -1, 0, 0, 0},
      {5, std::numeric_limits<int>::max(), 0, 0, 0, 0},
  });
}

TEST(ShiftRoundTest, NegativeShiftMultiplies) {
  const int64_t p61 = int64_t(1) << 61;
  const int intMin = std::numeric_limits<int>::min();
  checkShiftCases({
      // 3 * 4 = 12, -3 * 4 = -12: no rounding, every mode alike.
      {3, -2, 12, 12, 12, 12},
      {-3, -2, -12, -12, -12, -12},
      // (2^61 - 1) * 4 = 2^63 - 4 still fits.
      {p61 - 1, -2, kI64Max - 3, kI64Max - 3, kI64Max - 3, kI64Max - 3},
      // 2^61 * 4 = 2^63 saturates to 2^63 - 1.
      {p61, -2, kI64Max, kI64Max, kI64Max, kI64Max},
      // -2^61 * 4 = -2^63 fits exactly; one less saturates.
      {-p61, -2, kI64Min, kI64Min, kI64Min, kI64Min},
      {-p61 - 1, -2, kI64Min, kI64Min, kI64Min, kI64Min},
      // 1 * 2^62 fits, 1 * 2^63 does not; -1 * 2^63 is INT64_MIN exactly.
      {1, -62, int64_t(1) << 62, int64_t(1) << 62, int64_t(1) << 62,
       int64_t(1) << 62},
      {1, -63, kI64Max, kI64Max, kI64Max, kI64Max},
      {-1, -63, kI64Min, kI64Min, kI64Min, kI64Min},
      {-1, -64, kI64Min, kI64Min, kI64Min, kI64Min},
      {kI64Max, -1, kI64Max, kI64Max, kI64Max, kI64Max},
      {kI64Min, -1, kI64Min, kI64Min, kI64Min, kI64Min},
      // Zero never saturates, whatever the shift.
      {0, -1000, 0, 0, 0, 0},
      {0, intMin, 0, 0, 0, 0},
      {5, intMin, kI64Max, kI64Max, kI64Max, kI64Max},
      {-5, intMin, kI64Min, kI64Min, kI64Min, kI64Min},
  });
}

TEST(ShiftRoundTest, UsableInConstantExpressions) {
  static_assert(shiftRound(5, 1, RoundingMode::HalfToEven) == 2, "");
  static_assert(shiftRound(-5, 1, RoundingMode::HalfUp) == -2, "");
  static_assert(shiftRound(-5, 1, RoundingMode::HalfAwayFromZero) == -3, "");
  static_assert(shiftRound(3, -2, RoundingMode::Floor) == 12, "");
}

TEST(ShiftRoundTest, RandomAgainstReference) {
  std::mt19937_64 rng(0x5eed);
  for (int i = 0; i < 400000; ++i) {
    // Mix full-range values with small ones, where ties are frequent.
    int64_t x = static_cast<int64_t>(rng());
    int kind = static_cast<int>(rng() % 3);
    if (kind == 1)
      x >>= rng() % 64;
    else if (kind == 2)
      x = static_cast<int64_t>(rng() % 65) - 32;
    int shift = static_cast<int>(rng() % 150) - 70;
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(shiftRound(x, shift, mode), refShiftRound(x, shift, mode))
          << "x=" << x << " shift=" << shift
          << " mode=" << roundingModeToString(mode);
  }
}

TEST(ShiftRoundTest, ExhaustiveSmallRange) {
  for (int64_t x = -300; x <= 300; ++x)
    for (int shift = -5; shift <= 10; ++shift)
      for (RoundingMode mode : kAllModes)
        ASSERT_EQ(shiftRound(x, shift, mode), refShiftRound(x, shift, mode))
            << "x=" << x << " shift=" << shift;
}

//===----------------------------------------------------------------------===//
// Saturating helpers and storage ranges
//===----------------------------------------------------------------------===//

TEST(SaturateTest, Basic) {
  EXPECT_EQ(saturate(5, 0, 255), 5);
  EXPECT_EQ(saturate(-1, 0, 255), 0);
  EXPECT_EQ(saturate(256, 0, 255), 255);
  EXPECT_EQ(saturate(kI64Min, -128, 127), -128);
  EXPECT_EQ(saturate(kI64Max, -128, 127), 127);
  EXPECT_EQ(saturate(-128, -128, 127), -128);
  EXPECT_EQ(saturate(127, -128, 127), 127);
}

TEST(SaturateTest, AddAndMulAgainstReference) {
  EXPECT_EQ(saturatingAdd(kI64Max, 1), kI64Max);
  EXPECT_EQ(saturatingAdd(kI64Min, -1), kI64Min);
  EXPECT_EQ(saturatingAdd(kI64Min, kI64Max), -1);
  EXPECT_EQ(saturatingMul(kI64Min, -1), kI64Max);
  EXPECT_EQ(saturatingMul(kI64Min, 1), kI64Min);
  EXPECT_EQ(saturatingMul(int64_t(1) << 62, -2), kI64Min); // exactly -2^63
  EXPECT_EQ(saturatingMul(int64_t(1) << 62, 2), kI64Max);
  EXPECT_EQ(saturatingMul(kI32Min, kI32Min), int64_t(1) << 62);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    int64_t a = static_cast<int64_t>(rng()) >> (rng() % 64);
    int64_t b = static_cast<int64_t>(rng()) >> (rng() % 64);
    ASSERT_EQ(saturatingAdd(a, b),
              static_cast<int64_t>(refClamp(I128(a) + b, kI64Min, kI64Max)));
    ASSERT_EQ(saturatingMul(a, b),
              static_cast<int64_t>(refClamp(I128(a) * b, kI64Min, kI64Max)));
  }
}

TEST(StorageRangeTest, HandValues) {
  // Signed b bits: [-2^(b-1), 2^(b-1) - 1], narrow raises the minimum by one.
  EXPECT_EQ(storageMin(1, true), -1);
  EXPECT_EQ(storageMax(1, true), 0);
  EXPECT_EQ(storageMin(1, true, true), 0);
  EXPECT_EQ(storageMin(2, true), -2);
  EXPECT_EQ(storageMax(2, true), 1);
  EXPECT_EQ(storageMin(2, true, true), -1);
  EXPECT_EQ(storageMin(4, true), -8);
  EXPECT_EQ(storageMax(4, true), 7);
  EXPECT_EQ(storageMin(4, true, true), -7);
  EXPECT_EQ(storageMin(8, true), -128);
  EXPECT_EQ(storageMax(8, true), 127);
  EXPECT_EQ(storageMin(8, true, true), -127);
  EXPECT_EQ(storageMax(8, true, true), 127);
  EXPECT_EQ(storageMin(32, true), kI32Min);
  EXPECT_EQ(storageMax(32, true), kI32Max);
  // Unsigned b bits: [0, 2^b - 1], narrow [0, 2^b - 2] (QONNX Quant).
  EXPECT_EQ(storageMin(1, false), 0);
  EXPECT_EQ(storageMax(1, false), 1);
  EXPECT_EQ(storageMax(1, false, true), 0);
  EXPECT_EQ(storageMax(2, false), 3);
  EXPECT_EQ(storageMax(4, false), 15);
  EXPECT_EQ(storageMax(4, false, true), 14);
  EXPECT_EQ(storageMax(8, false), 255);
  EXPECT_EQ(storageMax(8, false, true), 254);
  EXPECT_EQ(storageMin(8, false, true), 0);
  EXPECT_EQ(storageMax(32, false), int64_t(4294967295));
}

TEST(StorageRangeTest, EveryWidth) {
  for (unsigned bits = 1; bits <= 32; ++bits) {
    EXPECT_TRUE(isValidStorageBits(bits));
    I128 half = pow2(static_cast<int>(bits) - 1);
    EXPECT_EQ(storageMin(bits, true), -half);
    EXPECT_EQ(storageMax(bits, true), half - 1);
    EXPECT_EQ(storageMin(bits, true, true), -half + 1);
    EXPECT_EQ(storageMax(bits, true, true), half - 1);
    EXPECT_EQ(storageMin(bits, false), 0);
    EXPECT_EQ(storageMax(bits, false), 2 * half - 1);
    EXPECT_EQ(storageMax(bits, false, true), 2 * half - 2);
  }
  EXPECT_FALSE(isValidStorageBits(0));
  EXPECT_FALSE(isValidStorageBits(33));
  // Out-of-contract widths are clamped, never undefined.
  EXPECT_EQ(storageMax(0, false), 1);
  EXPECT_EQ(storageMax(64, true), kI32Max);
}

//===----------------------------------------------------------------------===//
// quantizeMultiplier
//===----------------------------------------------------------------------===//

double reconstruct(const QuantizedMultiplier &q) {
  return std::ldexp(static_cast<double>(q.m0), q.n0 - 31);
}

void expectMultiplier(double real, int32_t m0, int n0) {
  SCOPED_TRACE(testing::Message() << "real=" << real);
  std::optional<QuantizedMultiplier> q = quantizeMultiplier(real);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->m0, m0);
  EXPECT_EQ(q->n0, n0);
}

TEST(QuantizeMultiplierTest, HandValues) {
  const int32_t p30 = int32_t(1) << 30;
  // 1 = 2^30 * 2^(1 - 31).
  expectMultiplier(1.0, p30, 1);
  // 0.5 = 2^30 * 2^(0 - 31); 0.25 = 2^30 * 2^(-1 - 31).
  expectMultiplier(0.5, p30, 0);
  expectMultiplier(0.25, p30, -1);
  // 0.75 = (3 * 2^29) * 2^-31.
  expectMultiplier(0.75, 3 * (p30 / 2), 0);
  // 1/3 = (2/3) * 2^-1; (2/3) * 2^31 = 1431655765.33 -> 1431655765.
  expectMultiplier(1.0 / 3.0, 1431655765, -1);
  expectMultiplier(-1.0 / 3.0, -1431655765, -1);
  // 6 = 0.75 * 2^3.
  expectMultiplier(6.0, 3 * (p30 / 2), 3);
  expectMultiplier(-0.75, -3 * (p30 / 2), 0);
  expectMultiplier(-1.0, -p30, 1);
}

TEST(QuantizeMultiplierTest, MantissaRoundsUpToTwoPow31) {
  const int32_t p30 = int32_t(1) << 30;
  // 1 - 2^-40 = (1 - 2^-40) * 2^0; the mantissa (1 - 2^-40) * 2^31 =
  // 2^31 - 2^-9 rounds to 2^31, which is halved: 2^30 * 2^(1 - 31) = 1.
  expectMultiplier(1.0 - std::ldexp(1.0, -40), p30, 1);
  expectMultiplier(std::nextafter(1.0, 0.0), p30, 1);
  expectMultiplier(-std::nextafter(1.0, 0.0), -p30, 1);
  // 1 - 2^-32: mantissa 2^31 - 0.5, a tie, rounded away from zero to 2^31.
  expectMultiplier(1.0 - std::ldexp(1.0, -32), p30, 1);
  // 1 - 2^-31: mantissa 2^31 - 1 exactly, no adjustment.
  expectMultiplier(1.0 - std::ldexp(1.0, -31), kI32Max, 0);
  // The same just below 2^-10.
  expectMultiplier(std::nextafter(std::ldexp(1.0, -10), 0.0), p30, -9);
}

TEST(QuantizeMultiplierTest, ZeroUnderflowOverflow) {
  const int32_t p30 = int32_t(1) << 30;
  for (double zero : {0.0, -0.0})
    expectMultiplier(zero, 0, 0);
  // 2^-63 = 2^30 * 2^(-62 - 31): the smallest magnitude kept.
  expectMultiplier(std::ldexp(1.0, -63), p30, -62);
  expectMultiplier(-std::ldexp(1.0, -63), -p30, -62);
  // Just below 2^-63 the mantissa rounds up to 2^-63 again.
  expectMultiplier(std::nextafter(std::ldexp(1.0, -63), 0.0), p30, -62);
  // Below that: underflow to the pruned-channel multiplier.
  expectMultiplier(std::ldexp(1.0, -64), 0, 0);
  expectMultiplier(1e-30, 0, 0);
  expectMultiplier(-1e-30, 0, 0);
  expectMultiplier(std::numeric_limits<double>::denorm_min(), 0, 0);
  // 2^61 = 2^30 * 2^(62 - 31): the largest exponent kept.
  expectMultiplier(std::ldexp(1.0, 61), p30, 62);
  expectMultiplier(std::ldexp(1.5, 61), 3 * (p30 / 2), 62);
  // 2^62 and anything rounding up to it need n0 = 63: rejected.
  EXPECT_FALSE(quantizeMultiplier(std::ldexp(1.0, 62)).has_value());
  EXPECT_FALSE(
      quantizeMultiplier(std::nextafter(std::ldexp(1.0, 62), 0.0)).has_value());
  EXPECT_FALSE(quantizeMultiplier(-std::ldexp(1.0, 62)).has_value());
  EXPECT_FALSE(quantizeMultiplier(1e30).has_value());
  EXPECT_FALSE(
      quantizeMultiplier(std::numeric_limits<double>::max()).has_value());
  EXPECT_FALSE(
      quantizeMultiplier(std::numeric_limits<double>::infinity()).has_value());
  EXPECT_FALSE(
      quantizeMultiplier(-std::numeric_limits<double>::infinity()).has_value());
  EXPECT_FALSE(
      quantizeMultiplier(std::numeric_limits<double>::quiet_NaN()).has_value());
}

TEST(QuantizeMultiplierTest, RandomRelativeError) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> mantissa(0.5, 1.0);
  for (int i = 0; i < 200000; ++i) {
    int e = static_cast<int>(rng() % 120) - 60;
    double real = std::ldexp(mantissa(rng), e);
    if (rng() % 2)
      real = -real;
    std::optional<QuantizedMultiplier> q = quantizeMultiplier(real);
    ASSERT_TRUE(q.has_value()) << real;
    ASSERT_GE(q->n0, kMinMultiplierExponent);
    ASSERT_LE(q->n0, kMaxMultiplierExponent);
    int64_t mag = q->m0 < 0 ? -int64_t(q->m0) : int64_t(q->m0);
    ASSERT_GE(mag, int64_t(1) << 30) << real;
    ASSERT_LT(mag, int64_t(1) << 31) << real;
    ASSERT_EQ(q->m0 < 0, real < 0);
    // Both values are within a factor of two of each other, so the
    // difference is exact (Sterbenz); rounding a 31-bit mantissa costs at
    // most half a unit in 2^30, i.e. 2^-31 relative.
    double relErr = std::fabs(reconstruct(*q) - real) / std::fabs(real);
    ASSERT_LT(relErr, std::ldexp(1.0, -30)) << real;
    ASSERT_LE(relErr, std::ldexp(1.0, -31)) << real;
  }
}

//===----------------------------------------------------------------------===//
// requantize
//===----------------------------------------------------------------------===//

/// clamp(zp + round(acc * m0 * 2^(n0 - 31)), lo, hi) with no intermediate
/// limits at all.
int64_t refRequantize(int64_t acc, int32_t m0, int n0, int32_t zp, int64_t lo,
                      int64_t hi, RoundingMode mode) {
  I128 product = I128(acc) * m0;
  I128 scaled;
  if (n0 >= 31)
    scaled = product * pow2(n0 - 31);
  else
    scaled = refRound(product, pow2(31 - n0), mode);
  return static_cast<int64_t>(refClamp(scaled + zp, lo, hi));
}

void expectRequant(int64_t acc, int32_t m0, int n0, int32_t zp, int64_t lo,
                   int64_t hi, int64_t floor, int64_t even, int64_t away,
                   int64_t up) {
  SCOPED_TRACE(testing::Message()
               << "acc=" << acc << " m0=" << m0 << " n0=" << n0);
  EXPECT_EQ(requantize(acc, m0, n0, zp, lo, hi, RoundingMode::Floor), floor);
  EXPECT_EQ(requantize(acc, m0, n0, zp, lo, hi, RoundingMode::HalfToEven),
            even);
  EXPECT_EQ(requantize(acc, m0, n0, zp, lo, hi, RoundingMode::HalfAwayFromZero),
            away);
  EXPECT_EQ(requantize(acc, m0, n0, zp, lo, hi, RoundingMode::HalfUp), up);
}

TEST(RequantizeTest, HandValues) {
  const int32_t p30 = int32_t(1) << 30;
  // M = 2^30 * 2^(0 - 31) = 0.5. 100 * 0.5 = 50.
  expectRequant(100, p30, 0, 0, -128, 127, 50, 50, 50, 50);
  // 101 * 0.5 = 50.5: floor 50, even 50, away 51, up 51.
  expectRequant(101, p30, 0, 0, -128, 127, 50, 50, 51, 51);
  // -101 * 0.5 = -50.5: floor -51, even -50, away -51, up -50.
  expectRequant(-101, p30, 0, 0, -128, 127, -51, -50, -51, -50);
  // Negative multiplier: 101 * -0.5 = -50.5, same as above.
  expectRequant(101, -p30, 0, 0, -128, 127, -51, -50, -51, -50);
  // -101 * -0.5 = 50.5.
  expectRequant(-101, -p30, 0, 0, -128, 127, 50, 50, 51, 51);
  // M = 3 * 2^29 * 2^(1 - 31) = 1.5: 7 * 1.5 = 10.5 (7 * 1610612736 =
  // 11274289152 = 10.5 * 2^30).
  expectRequant(7, 3 * (p30 / 2), 1, 0, 0, 255, 10, 10, 11, 11);
  // Zero point added after rounding: 10 * 0.5 + 3 = 8; 5 * 0.5 + 3 = 5.5
  // is never formed, 2.5 rounds first: floor 2 + 3, even 2 + 3, away 3 + 3.
  expectRequant(10, p30, 0, 3, 0, 255, 8, 8, 8, 8);
  expectRequant(5, p30, 0, 3, 0, 255, 5, 5, 6, 6);
  // Negative zero point with a signed output: -101 * 0.5 - 10 = -60.5.
  expectRequant(-101, p30, 0, -10, -128, 127, -61, -60, -61, -60);
}

TEST(RequantizeTest, LargeRightShifts) {
  const int32_t p30 = int32_t(1) << 30;
  // n0 = -31: shift 62. INT32_MIN * 2^30 = -2^61; / 2^62 = -0.5.
  expectRequant(kI32Min, p30, -31, 0, -128, 127, -1, 0, -1, 0);
  // n0 = -32: shift 63. INT32_MIN * INT32_MIN = 2^62; / 2^63 = 0.5.
  expectRequant(kI32Min, kI32Min, -32, 0, -128, 127, 0, 0, 1, 1);
  // n0 = -33: shift 64. 2^62 / 2^64 = 0.25 -> 0 everywhere.
  expectRequant(kI32Min, kI32Min, -33, 0, -128, 127, 0, 0, 0, 0);
  // n0 = -40: shift 71. INT32_MIN * INT32_MAX < 0, tiny: floor -1, else 0;
  // zero point 5 on top.
  expectRequant(kI32Min, kI32Max, -40, 5, -128, 127, 4, 5, 5, 5);
  // Absurd exponents are still defined.
  expectRequant(kI32Max, kI32Max, -1000000, 7, -128, 127, 7, 7, 7, 7);
  expectRequant(-1, 1, std::numeric_limits<int>::min(), 7, -128, 127, 6, 7, 7,
                7);
}

TEST(RequantizeTest, LeftShiftsSaturate) {
  const int32_t p30 = int32_t(1) << 30;
  // n0 = 40: M = 2^30 * 2^9 = 2^39, any nonzero accumulator saturates.
  expectRequant(1, p30, 40, 0, -128, 127, 127, 127, 127, 127);
  expectRequant(-1, p30, 40, 0, -128, 127, -128, -128, -128, -128);
  expectRequant(0, p30, 40, 9, -128, 127, 9, 9, 9, 9);
  // n0 = 31: M = 2^30, and 1 * 2^30 still fits int32. n0 = 32: M = 2^31,
  // 1 * 2^31 is one past INT32_MAX, while -1 * 2^31 is INT32_MIN exactly.
  expectRequant(1, p30, 31, 0, kI32Min, kI32Max, p30, p30, p30, p30);
  expectRequant(1, p30, 32, 0, kI32Min, kI32Max, kI32Max, kI32Max, kI32Max,
                kI32Max);
  expectRequant(-1, p30, 32, 0, kI32Min, kI32Max, kI32Min, kI32Min, kI32Min,
                kI32Min);
  // Even the int64 range: INT32_MAX * INT32_MAX * 2^(1000) saturates, and
  // zpOut is then added without overflow.
  expectRequant(kI32Max, kI32Max, 1000, 100, kI64Min, kI64Max, kI64Max, kI64Max,
                kI64Max, kI64Max);
  expectRequant(kI32Min, kI32Max, std::numeric_limits<int>::max(), -100,
                kI64Min, kI64Max, kI64Min, kI64Min, kI64Min, kI64Min);
}

TEST(RequantizeTest, PrunedChannelGivesClampedZeroPoint) {
  for (RoundingMode mode : kAllModes) {
    for (int64_t acc :
         {int64_t(0), int64_t(1), int64_t(kI32Min), int64_t(kI32Max)}) {
      EXPECT_EQ(requantize(acc, 0, 0, 0, 0, 255, mode), 0);
      EXPECT_EQ(requantize(acc, 0, 0, 17, 0, 255, mode), 17);
      EXPECT_EQ(requantize(acc, 0, 5, 300, 0, 255, mode), 255);
      EXPECT_EQ(requantize(acc, 0, -5, -5, 0, 255, mode), 0);
      EXPECT_EQ(requantize(acc, 0, 0, -5, -8, 7, mode), -5);
      EXPECT_EQ(requantize(acc, 0, 0, -50, -8, 7, mode), -8);
    }
  }
}

TEST(RequantizeTest, SaturationEveryWidth) {
  // M = 1 (m0 = 2^30, n0 = 1), so the output is the accumulator itself.
  const int32_t p30 = int32_t(1) << 30;
  for (unsigned bits = 1; bits <= 8; ++bits) {
    for (bool isSigned : {false, true}) {
      SCOPED_TRACE(testing::Message() << bits << " bits, signed=" << isSigned);
      int64_t lo = storageMin(bits, isSigned), hi = storageMax(bits, isSigned);
      for (RoundingMode mode : kAllModes) {
        EXPECT_EQ(requantize(hi, p30, 1, 0, lo, hi, mode), hi);
        EXPECT_EQ(requantize(hi + 1, p30, 1, 0, lo, hi, mode), hi);
        EXPECT_EQ(requantize(kI32Max, p30, 1, 0, lo, hi, mode), hi);
        EXPECT_EQ(requantize(lo, p30, 1, 0, lo, hi, mode), lo);
        EXPECT_EQ(requantize(lo - 1, p30, 1, 0, lo, hi, mode), lo);
        EXPECT_EQ(requantize(kI32Min, p30, 1, 0, lo, hi, mode), lo);
        // The zero point can push an in-range value out of range too.
        EXPECT_EQ(requantize(hi, p30, 1, 1, lo, hi, mode), hi);
        EXPECT_EQ(requantize(lo, p30, 1, -1, lo, hi, mode), lo);
        // Negative multiplier -1 flips the extremes.
        EXPECT_EQ(requantize(kI32Max, -p30, 1, 0, lo, hi, mode), lo);
        EXPECT_EQ(requantize(kI32Min, -p30, 1, 0, lo, hi, mode), hi);
      }
    }
  }
}

TEST(RequantizeTest, RandomAgainstReference) {
  std::mt19937_64 rng(2020);
  const unsigned widths[] = {1, 2, 3, 4, 5, 6, 7, 8, 16, 32};
  for (int i = 0; i < 300000; ++i) {
    int32_t acc = static_cast<int32_t>(rng());
    if (rng() % 2)
      acc >>= rng() % 32; // small accumulators are the common case
    int32_t m0 = static_cast<int32_t>(rng());
    if (rng() % 4 == 0)
      m0 >>= rng() % 32; // also multipliers off the [2^30, 2^31) norm
    int n0 = static_cast<int>(rng() % 130) - 89; // shifts -9 .. 120
    unsigned bits = widths[rng() % 10];
    bool isSigned = rng() % 2;
    int64_t lo = storageMin(bits, isSigned), hi = storageMax(bits, isSigned);
    int32_t zp = static_cast<int32_t>(rng() % 301) - 150;
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(requantize(acc, m0, n0, zp, lo, hi, mode),
                refRequantize(acc, m0, n0, zp, lo, hi, mode))
          << "acc=" << acc << " m0=" << m0 << " n0=" << n0 << " zp=" << zp
          << " bits=" << bits << " mode=" << roundingModeToString(mode);
  }
}

TEST(RequantizeTest, RandomWithQuantizedMultipliers) {
  // The realistic path: a real multiplier through quantizeMultiplier, then
  // requantize, against the reference with the same m0/n0.
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> logM(-20.0, 3.0);
  for (int i = 0; i < 100000; ++i) {
    double real = std::exp2(logM(rng)) * (rng() % 5 == 0 ? -1 : 1);
    std::optional<QuantizedMultiplier> q = quantizeMultiplier(real);
    ASSERT_TRUE(q.has_value());
    int32_t acc = static_cast<int32_t>(rng()) >> (rng() % 32);
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(requantize(acc, q->m0, q->n0, 3, 0, 255, mode),
                refRequantize(acc, q->m0, q->n0, 3, 0, 255, mode));
  }
}

//===----------------------------------------------------------------------===//
// quantizeValue, quantizeValueF32, quantizePact
//===----------------------------------------------------------------------===//

void expectQuantize(double x, double scale, int32_t zp, int64_t lo, int64_t hi,
                    int64_t floor, int64_t even, int64_t away, int64_t up) {
  SCOPED_TRACE(testing::Message() << "x=" << x << " scale=" << scale);
  EXPECT_EQ(quantizeValue(x, scale, zp, lo, hi, RoundingMode::Floor), floor);
  EXPECT_EQ(quantizeValue(x, scale, zp, lo, hi, RoundingMode::HalfToEven),
            even);
  EXPECT_EQ(quantizeValue(x, scale, zp, lo, hi, RoundingMode::HalfAwayFromZero),
            away);
  EXPECT_EQ(quantizeValue(x, scale, zp, lo, hi, RoundingMode::HalfUp), up);
}

TEST(QuantizeValueTest, HandValues) {
  // 2.5: floor 2, even 2, away 3, up 3. -2.5: -3, -2, -3, -2.
  expectQuantize(2.5, 1.0, 0, -128, 127, 2, 2, 3, 3);
  expectQuantize(-2.5, 1.0, 0, -128, 127, -3, -2, -3, -2);
  // 0.75 / 0.5 = 1.5: floor 1, even 2, away 2, up 2; plus zp 10.
  expectQuantize(0.75, 0.5, 10, 0, 255, 11, 12, 12, 12);
  // -0.75 / 0.5 = -1.5: floor -2, even -2, away -2, up -1; plus zp 10.
  expectQuantize(-0.75, 0.5, 10, 0, 255, 8, 8, 8, 9);
  // 1 / 0.1 rounds to exactly 10.0 in double; + 10 = 20.
  expectQuantize(1.0, 0.1, 10, 0, 255, 20, 20, 20, 20);
  // The largest double below 0.5: floor(x + 0.5) would give 1 here because
  // x + 0.5 rounds to 1.0; the correct nearest integer is 0.
  double belowHalf = std::nextafter(0.5, 0.0);
  expectQuantize(belowHalf, 1.0, 0, -128, 127, 0, 0, 0, 0);
  expectQuantize(-belowHalf, 1.0, 0, -128, 127, -1, 0, 0, 0);
  // Just above -0.5 from below: -0.5 - ulp is nearer to -1.
  expectQuantize(std::nextafter(-0.5, -1.0), 1.0, 0, -128, 127, -1, -1, -1, -1);
  // Ties far from zero, where the even neighbour is the lower one.
  expectQuantize(4097.5, 1.0, 0, kI64Min, kI64Max, 4097, 4098, 4098, 4098);
  expectQuantize(4096.5, 1.0, 0, kI64Min, kI64Max, 4096, 4096, 4097, 4097);
}

TEST(QuantizeValueTest, Saturation) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (RoundingMode mode : kAllModes) {
    EXPECT_EQ(quantizeValue(1000, 1, 0, -128, 127, mode), 127);
    EXPECT_EQ(quantizeValue(-1000, 1, 0, -128, 127, mode), -128);
    EXPECT_EQ(quantizeValue(100, 1, 200, 0, 255, mode), 255);
    EXPECT_EQ(quantizeValue(-100, 1, 50, 0, 255, mode), 0);
    EXPECT_EQ(quantizeValue(inf, 1, 0, 0, 255, mode), 255);
    EXPECT_EQ(quantizeValue(-inf, 1, 0, 0, 255, mode), 0);
    EXPECT_EQ(quantizeValue(1e300, 1e-300, 0, -8, 7, mode), 7);
    EXPECT_EQ(quantizeValue(-1e300, 1e-300, 0, -8, 7, mode), -8);
    EXPECT_EQ(quantizeValue(1e300, 1, 0, kI64Min, kI64Max, mode), kI64Max);
    EXPECT_EQ(quantizeValue(-1e300, 1, 0, kI64Min, kI64Max, mode), kI64Min);
    // NaN (also 0 / 0) goes to lo, as in ORT's MLAS kernels.
    EXPECT_EQ(quantizeValue(nan, 1, 0, -128, 127, mode), -128);
    EXPECT_EQ(quantizeValue(0, 0, 0, 0, 255, mode), 0);
  }
}

TEST(QuantizeValueTest, RandomAgainstExactRational) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> xs(-1000.0, 1000.0);
  std::uniform_real_distribution<double> logScale(-10.0, 3.0);
  for (int i = 0; i < 200000; ++i) {
    double x = xs(rng);
    double scale = std::exp2(logScale(rng));
    if (i % 4 == 0) {
      // Manufacture exact ties: x = (k + 1/2) * scale with a power-of-two
      // scale, so that the quotient is exact.
      scale = std::ldexp(1.0, static_cast<int>(rng() % 12) - 6);
      x = (static_cast<double>(static_cast<int>(rng() % 2001) - 1000) + 0.5) *
          scale;
    }
    int32_t zp = static_cast<int32_t>(rng() % 256) - 128;
    for (RoundingMode mode : kAllModes) {
      I128 r = refRoundQuotient(x, scale, mode);
      int64_t expected = static_cast<int64_t>(refClamp(r + zp, -1000, 1000));
      ASSERT_EQ(quantizeValue(x, scale, zp, -1000, 1000, mode), expected)
          << "x=" << x << " scale=" << scale
          << " mode=" << roundingModeToString(mode);
    }
  }
}

TEST(QuantizeValueF32Test, OnnxConformanceData) {
  // onnx/backend/test/data/node/test_quantizelinear: scale 2, zp 128, uint8.
  // 3 / 2 = 1.5 is a tie and goes to the even 2; -254 / 2 + 128 = 1.
  const float xs[] = {0, 2, 3, 1000, -254, -1000};
  const int64_t ys[] = {128, 129, 130, 255, 1, 0};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(quantizeValueF32(xs[i], 2.0f, 128, 0, 255), ys[i]) << xs[i];
  // test_quantizelinear_axis, channel 2: scale 5, zp 196.
  const float xs2[] = {245, -485, -960, -270, -375, -470};
  const int64_t ys2[] = {245, 99, 4, 142, 121, 102};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(quantizeValueF32(xs2[i], 5.0f, 196, 0, 255), ys2[i]) << xs2[i];
}

TEST(QuantizeValueF32Test, Float32DivisionDiffersFromDouble) {
  // 46 / 0x1.0eb67p+0 is 43.4999995... in double but rounds to exactly 43.5
  // in float32, a tie that half-to-even sends to 44 (ORT's answer), while
  // the double path gives 43. Likewise 16 / 0x1.bdd2bap-3 = 73.4999964...
  // becomes 73.5f -> 74.
  const float s1 = 0x1.0eb67p+0f, s2 = 0x1.bdd2bap-3f;
  EXPECT_EQ(quantizeValueF32(46.0f, s1, 0, -128, 127), 44);
  EXPECT_EQ(quantizeValue(46.0, s1, 0, -128, 127, RoundingMode::HalfToEven),
            43);
  EXPECT_EQ(quantizeValueF32(16.0f, s2, 0, 0, 255), 74);
  EXPECT_EQ(quantizeValue(16.0, s2, 0, 0, 255, RoundingMode::HalfToEven), 73);
  // -68 / 0x1.c427e6p+0 -> -38.5f -> -38 (even) either way.
  EXPECT_EQ(quantizeValueF32(-68.0f, 0x1.c427e6p+0f, 0, -128, 127), -38);
}

TEST(QuantizeValueF32Test, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(quantizeValueF32(inf, 1.0f, 0, -128, 127), 127);
  EXPECT_EQ(quantizeValueF32(-inf, 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(quantizeValueF32(std::nanf(""), 1.0f, 3, -128, 127), -128);
  EXPECT_EQ(quantizeValueF32(0.5f, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(quantizeValueF32(1.5f, 1.0f, 0, -128, 127), 2);
  EXPECT_EQ(quantizeValueF32(-0.5f, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(quantizeValueF32(-1.5f, 1.0f, 0, -128, 127), -2);
  EXPECT_EQ(quantizeValueF32(3e38f, 1e-3f, 0, kI64Min, kI64Max), kI64Max);
}

TEST(QuantizeValueF32Test, RandomAgainstReference) {
  // The float32 quotient is obtained here by dividing in double and rounding
  // to float: double rounding is harmless for division because 53 >= 2*24+2
  // (Figueroa). The rounding is then the exact rational reference.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> xs(-300.0f, 300.0f);
  std::uniform_real_distribution<float> scales(0.01f, 4.0f);
  for (int i = 0; i < 300000; ++i) {
    float x = xs(rng), scale = scales(rng);
    if (i % 3 == 0)
      x = std::round(x); // integer inputs like image pixels
    int32_t zp = static_cast<int32_t>(rng() % 256) - 128;
    float quotient = static_cast<float>(static_cast<double>(x) / scale);
    I128 r = refRoundQuotient(quotient, 1.0, RoundingMode::HalfToEven);
    int64_t expected = static_cast<int64_t>(refClamp(r + zp, -128, 127));
    ASSERT_EQ(quantizeValueF32(x, scale, zp, -128, 127), expected)
        << "x=" << x << " scale=" << scale;
  }
}

TEST(QuantizePactTest, HandValues) {
  // alpha 6, 8 bits: 3 * 255 / 6 = 127.5, floored to 127 (not 128).
  EXPECT_EQ(quantizePact(3.0, 6.0, 8), 127);
  EXPECT_EQ(quantizePact(6.0, 6.0, 8), 255);
  EXPECT_EQ(quantizePact(7.0, 6.0, 8), 255);
  EXPECT_EQ(quantizePact(-1.0, 6.0, 8), 0);
  EXPECT_EQ(quantizePact(0.0, 6.0, 8), 0);
  // alpha 1, 2 bits (n = 3): 0.5 * 3 = 1.5 -> 1; 0.66 * 3 = 1.98 -> 1;
  // 0.67 * 3 = 2.01 -> 2; 0.9999 * 3 = 2.9997 -> 2; 1 -> 3.
  EXPECT_EQ(quantizePact(0.5, 1.0, 2), 1);
  EXPECT_EQ(quantizePact(0.66, 1.0, 2), 1);
  EXPECT_EQ(quantizePact(0.67, 1.0, 2), 2);
  EXPECT_EQ(quantizePact(0.9999, 1.0, 2), 2);
  EXPECT_EQ(quantizePact(1.0, 1.0, 2), 3);
  // 4 bits, alpha 0.1: x = alpha gives 15 even though 0.1 is inexact.
  EXPECT_EQ(quantizePact(0.1, 0.1, 4), 15);
  // 1 bit: anything below alpha is 0.
  EXPECT_EQ(quantizePact(0.99, 1.0, 1), 0);
  EXPECT_EQ(quantizePact(1.0, 1.0, 1), 1);
  // Degenerate parameters give 0 rather than undefined behaviour.
  EXPECT_EQ(quantizePact(std::nan(""), 1.0, 8), 0);
  EXPECT_EQ(quantizePact(0.5, 0.0, 8), 0);
  EXPECT_EQ(quantizePact(0.5, -1.0, 8), 0);
  EXPECT_EQ(quantizePact(0.5, std::nan(""), 8), 0);
  EXPECT_EQ(quantizePact(0.5, 1.0, 0), 0);
  EXPECT_EQ(quantizePact(0.5, 1.0, 33), 0);
  EXPECT_EQ(quantizePact(std::numeric_limits<double>::infinity(), 1.0, 8), 255);
}

TEST(QuantizePactTest, RandomAgainstExactRational) {
  // Exact floor(x * n / alpha). The double evaluation may only differ when
  // the exact value lies within a few ulps below an integer; check that
  // every mismatch is of that kind and that they are rare.
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> alphas(0.05, 20.0);
  std::uniform_real_distribution<double> frac(-0.2, 1.2);
  int mismatches = 0;
  const int kTrials = 200000;
  for (int i = 0; i < kTrials; ++i) {
    unsigned bits = 1 + static_cast<unsigned>(rng() % 8);
    double alpha = alphas(rng);
    double x = frac(rng) * alpha;
    int64_t n = (int64_t(1) << bits) - 1;
    I128 expected;
    if (!(x > 0))
      expected = 0;
    else if (x >= alpha)
      expected = n;
    else {
      // floor(x * n / alpha) with x and alpha as exact rationals:
      // (mx * 2^ex * n) / (ma * 2^ea).
      ExactDouble dx = decompose(x), da = decompose(alpha);
      I128 num = I128(dx.mantissa) * n, den = da.mantissa;
      int e = dx.exp2 - da.exp2;
      if (e >= 0)
        num *= pow2(e);
      else
        den *= pow2(-e);
      expected = refFloorDiv(num, den);
    }
    int64_t got = quantizePact(x, alpha, bits);
    if (got != static_cast<int64_t>(expected)) {
      ++mismatches;
      double exact = x * static_cast<double>(n) / alpha;
      ASSERT_LT(std::fabs(exact - std::round(exact)), 1e-12 * (n + 1))
          << "x=" << x << " alpha=" << alpha << " bits=" << bits;
    }
  }
  EXPECT_LT(mismatches, kTrials / 1000);
}

//===----------------------------------------------------------------------===//
// Element-wise functions and lookup tables
//===----------------------------------------------------------------------===//

constexpr ElementwiseFunction kSigmoid{ElementwiseFunctionKind::Sigmoid};
constexpr ElementwiseFunction kTanh{ElementwiseFunctionKind::Tanh};

TEST(LookupTable, OneEntryPerInputCode) {
  for (unsigned bits : {2u, 4u, 8u}) {
    CodeGrid in{0.1, 0, storageMin(bits, true), storageMax(bits, true)};
    CodeGrid out{1.0 / 255, 0, 0, 255};
    EXPECT_EQ(buildLookupTable(kSigmoid, in, out, RoundingMode::Floor).size(),
              size_t(1) << bits);
  }
  // An empty range gives no table rather than a huge one.
  EXPECT_TRUE(buildLookupTable(kSigmoid, CodeGrid{1.0, 0, 1, 0},
                               CodeGrid{1.0, 0, 0, 3}, RoundingMode::Floor)
                  .empty());
}

TEST(LookupTable, SigmoidTwoBits) {
  // Input i2, scale 4, zero point 0: codes -2..1 are x = -8, -4, 0, 4.
  // Output u2, scale 1/3: sigmoid(x) * 3 = 0.0010, 0.054, 1.5, 2.946, floor
  // 0, 0, 1, 2; half to even 0, 0, 2 (the tie 1.5 goes to 2), 3.
  CodeGrid in{4.0, 0, -2, 1}, out{1.0 / 3, 0, 0, 3};
  EXPECT_EQ(buildLookupTable(kSigmoid, in, out, RoundingMode::Floor),
            (std::vector<int64_t>{0, 0, 1, 2}));
  EXPECT_EQ(buildLookupTable(kSigmoid, in, out, RoundingMode::HalfToEven),
            (std::vector<int64_t>{0, 0, 2, 3}));
}

TEST(LookupTable, TanhTwoBits) {
  // Input i2, scale 2: x = -4, -2, 0, 2. Output i2, scale 2/3, zero point 0:
  // tanh(x) * 1.5 = -1.499, -1.446, 0, 1.446, floor -2, -2, 0, 1.
  CodeGrid in{2.0, 0, -2, 1}, out{2.0 / 3, 0, -2, 1};
  EXPECT_EQ(buildLookupTable(kTanh, in, out, RoundingMode::Floor),
            (std::vector<int64_t>{-2, -2, 0, 1}));
}

TEST(LookupTable, HardSigmoidRestoresExactBoundaries) {
  // alpha 0.25, beta 0.5 on x = -4, -2, 0, 2: 0 (clamped), 0, 0.5, 1. On
  // u2 with scale 1/3: 0, 0, 1.5, and 1 / (1/3), which double arithmetic
  // makes 3 - 4e-16 or so; the fake-quant graph restores the boundary 3, so
  // floor gives 0, 0, 1, 3 (not 2).
  ElementwiseFunction f{ElementwiseFunctionKind::HardSigmoid, 0.25, 0.5};
  CodeGrid in{2.0, 0, -2, 1}, out{1.0 / 3, 0, 0, 3};
  EXPECT_EQ(buildLookupTable(f, in, out, RoundingMode::Floor),
            (std::vector<int64_t>{0, 0, 1, 3}));
}

TEST(LookupTable, LeakyReluEightBits) {
  // Input i8, scale 1/16, zero point 0; output i8, scale 1/64, zero point -8.
  // Code c is x = c / 16; alpha 1/8. Entry index c + 128.
  ElementwiseFunction f{ElementwiseFunctionKind::LeakyRelu, 0.125};
  CodeGrid in{1.0 / 16, 0, -128, 127}, out{1.0 / 64, -8, -128, 127};
  std::vector<int64_t> t = buildLookupTable(f, in, out, RoundingMode::Floor);
  ASSERT_EQ(t.size(), 256u);
  // c = -128: x = -8, y = -1, -64 steps, -72 with the zero point.
  EXPECT_EQ(t[0], -72);
  // c = -3: x = -0.1875, y = -0.0234375 = -1.5 steps, floor -2, code -10.
  EXPECT_EQ(t[125], -10);
  // c = 0: y = 0, the zero point.
  EXPECT_EQ(t[128], -8);
  // c = 5: x = y = 0.3125 = 20 steps, code 12.
  EXPECT_EQ(t[133], 12);
  // c = 40: 2.5 = 160 steps, saturated to 127.
  EXPECT_EQ(t[168], 127);
  // Half to even at c = -3: -1.5 steps -> -2, code -10 as well; c = -1:
  // -0.5 steps -> 0 (even), code -8, where floor gives -9.
  std::vector<int64_t> even =
      buildLookupTable(f, in, out, RoundingMode::HalfToEven);
  EXPECT_EQ(even[125], -10);
  EXPECT_EQ(even[127], -8);
  EXPECT_EQ(t[127], -9);
}

TEST(LookupTable, HardSwishFourBits) {
  // Input u4, scale 0.5, zero point 8: code c is x = (c - 8) / 2. Output i4,
  // scale 0.25, zero point -2. hard_swish(x) = x * clamp(x / 6 + 0.5, 0, 1).
  ElementwiseFunction f{ElementwiseFunctionKind::HardSwish};
  CodeGrid in{0.5, 8, 0, 15}, out{0.25, -2, -8, 7};
  std::vector<int64_t> t = buildLookupTable(f, in, out, RoundingMode::Floor);
  ASSERT_EQ(t.size(), 16u);
  // c = 0: x = -4, factor 0: y = 0 -> zero point -2.
  EXPECT_EQ(t[0], -2);
  // c = 6: x = -1, factor 1/3: y = -1/3 = -1.33 steps, floor -2, code -4.
  EXPECT_EQ(t[6], -4);
  // c = 12: x = 2, factor 5/6: y = 5/3 = 6.67 steps, floor 6, code 4.
  EXPECT_EQ(t[12], 4);
  // c = 15: x = 3.5: y = 3.5 = 14 steps -> 12, saturated to 7.
  EXPECT_EQ(t[15], 7);
}

} // namespace

//===----------------------------------------------------------------------===//
// roundedRescaledSum (qadd)
//===----------------------------------------------------------------------===//

namespace {

/// The exact sum a m_a 2^(n_a - 31) + b m_b 2^(n_b - 31), rounded once.
int64_t refRescaledSum(int64_t a, int32_t ma, int na, int64_t b, int32_t mb,
                       int nb, RoundingMode mode) {
  int sa = 31 - na, sb = 31 - nb, s = std::max(sa, sb);
  I128 num = static_cast<I128>(a) * ma * pow2(s - sa) +
             static_cast<I128>(b) * mb * pow2(s - sb);
  return static_cast<int64_t>(refRound(num, pow2(s), mode));
}

} // namespace

// Hand-computed, with m_a = 0.75 (M0 = 3 * 2^29, N0 = 0) and m_b = 0.25
// (M0 = 2^30, N0 = -1):
// - 3 * 0.75 + 1 * 0.25 = 2.5, a tie: 2 to even and under Floor, 3 away
//   from zero and up.
// - 7 * 0.75 + 1 * 0.25 = 5.5 -> 6 to even. Rounding each term first would
//   give round(5.25) + round(0.25) = 5: the sum is rounded once.
// - -7 * 0.75 + 3 * 0.25 = -4.5 -> -4 to even, -5 away from zero, -4 up.
TEST(RoundedRescaledSumTest, HandComputed) {
  const int32_t m075 = 3 << 29, m025 = 1 << 30;
  auto sum = [&](int64_t a, int64_t b, RoundingMode mode) {
    return roundedRescaledSum(a, m075, 0, b, m025, -1, mode);
  };
  EXPECT_EQ(sum(3, 1, RoundingMode::HalfToEven), 2);
  EXPECT_EQ(sum(3, 1, RoundingMode::HalfAwayFromZero), 3);
  EXPECT_EQ(sum(3, 1, RoundingMode::HalfUp), 3);
  EXPECT_EQ(sum(3, 1, RoundingMode::Floor), 2);
  EXPECT_EQ(sum(7, 1, RoundingMode::HalfToEven), 6);
  EXPECT_EQ(sum(-7, 3, RoundingMode::HalfToEven), -4);
  EXPECT_EQ(sum(-7, 3, RoundingMode::HalfAwayFromZero), -5);
  EXPECT_EQ(sum(-7, 3, RoundingMode::HalfUp), -4);
  EXPECT_EQ(sum(-7, 3, RoundingMode::Floor), -5);
}

// Random codes and multipliers, exponents within kMaxSumAlign of each other:
// exactly the once-rounded real sum, in every mode.
TEST(RoundedRescaledSumTest, MatchesExactSumWhenAligned) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> code(-511, 511);
  std::uniform_int_distribution<int32_t> mantissa(1 << 30, kI32Max);
  std::uniform_int_distribution<int> exponent(-32, 31);
  int checked = 0;
  while (checked < 20000) {
    int na = exponent(rng), nb = exponent(rng);
    if (std::abs((31 - na) - (31 - nb)) > kMaxSumAlign)
      continue;
    int64_t a = code(rng), b = code(rng);
    int32_t ma = mantissa(rng), mb = mantissa(rng);
    if (rng() & 1)
      ma = -ma;
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(roundedRescaledSum(a, ma, na, b, mb, nb, mode),
                refRescaledSum(a, ma, na, b, mb, nb, mode))
          << a << " " << ma << " " << na << " " << b << " " << mb << " " << nb;
    ++checked;
  }
}

// Exponents further apart: the finer term is rounded to a point 2^-22 of
// the coarser term's unit first; the result is within one step of the
// exact once-rounded sum, and Floor stays exact (floor of a floor).
TEST(RoundedRescaledSumTest, FarApartExponentsStayWithinOneStep) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> code(-511, 511);
  std::uniform_int_distribution<int32_t> mantissa(1 << 30, kI32Max);
  std::uniform_int_distribution<int> exponent(-32, 31);
  int checked = 0;
  while (checked < 20000) {
    int na = exponent(rng), nb = exponent(rng);
    if (std::abs(na - nb) <= kMaxSumAlign)
      continue;
    int64_t a = code(rng), b = code(rng);
    int32_t ma = mantissa(rng), mb = mantissa(rng);
    ASSERT_EQ(roundedRescaledSum(a, ma, na, b, mb, nb, RoundingMode::Floor),
              refRescaledSum(a, ma, na, b, mb, nb, RoundingMode::Floor));
    for (RoundingMode mode : kAllModes) {
      int64_t got = roundedRescaledSum(a, ma, na, b, mb, nb, mode);
      int64_t want = refRescaledSum(a, ma, na, b, mb, nb, mode);
      ASSERT_LE(std::abs(got - want), 1);
    }
    ++checked;
  }
}

//===----------------------------------------------------------------------===//
// Row normalizations
//===----------------------------------------------------------------------===//

TEST(IntegerSqrtTest, FloorOfTheSquareRoot) {
  EXPECT_EQ(integerSqrt(0), 0);
  EXPECT_EQ(integerSqrt(-5), 0);
  EXPECT_EQ(integerSqrt(1), 1);
  EXPECT_EQ(integerSqrt(3), 1);
  EXPECT_EQ(integerSqrt(4), 2);
  EXPECT_EQ(integerSqrt(99), 9);
  EXPECT_EQ(integerSqrt(100), 10);
  // Around the largest argument the kernels pass (< 2^62).
  const int64_t r = 2147483647; // floor(sqrt(2^62 - 1))
  EXPECT_EQ(integerSqrt(r * r), r);
  EXPECT_EQ(integerSqrt(r * r - 1), r - 1);
  EXPECT_EQ(integerSqrt((int64_t(1) << 62) - 1), r);
  // Against the definition on a sweep (r^2 <= v < (r+1)^2).
  for (int64_t v = 0; v < 200000; v += 7) {
    int64_t s = integerSqrt(v);
    EXPECT_LE(s * s, v);
    EXPECT_GT((s + 1) * (s + 1), v);
  }
}

TEST(DivideRoundTest, TiesAwayFromZero) {
  EXPECT_EQ(divideRoundHalfAway(7, 2), 4);
  EXPECT_EQ(divideRoundHalfAway(-7, 2), -4);
  EXPECT_EQ(divideRoundHalfAway(5, 3), 2);
  EXPECT_EQ(divideRoundHalfAway(-5, 3), -2);
  EXPECT_EQ(divideRoundHalfAway(4, 3), 1);
  EXPECT_EQ(divideRoundHalfAway(-4, 3), -1);
  EXPECT_EQ(divideRoundHalfAway(0, 9), 0);
  for (int64_t num = -300; num <= 300; ++num)
    for (int64_t den = 1; den <= 17; ++den)
      EXPECT_EQ(divideRoundHalfAway(num, den),
                static_cast<int64_t>(std::round(double(num) / double(den))))
          << num << "/" << den;
}

TEST(SoftmaxTest, TableIsTheScaledExponential) {
  std::vector<int32_t> table = softmaxExpTable(0.5, 2);
  ASSERT_EQ(table.size(), 4u);
  // round(16384 * exp(-0.5 d)) for d = 0..3, by hand: 16384, 9937.4,
  // 6027.3, 3655.7.
  EXPECT_EQ(table[0], 16384);
  EXPECT_EQ(table[1], 9937);
  EXPECT_EQ(table[2], 6027);
  EXPECT_EQ(table[3], 3656);
  EXPECT_TRUE(softmaxExpTable(0.0, 8).empty());
}

TEST(SoftmaxTest, HandComputedRow) {
  // Codes {3, 1, 0} at s = 0.5: e = table[0, 2, 3] = 16384, 6027, 3656;
  // S = 26067. Output u8 with s_out = 1/256 (1/s_out = 256 = 2^30 * 2^(9-31)):
  // y = round(e * 256 / S) = round(160.91), round(59.19), round(35.91).
  std::vector<int32_t> table = softmaxExpTable(0.5, 8);
  int64_t sum = table[0] + table[2] + table[3];
  EXPECT_EQ(sum, 26067);
  auto code = [&](int64_t e) {
    return softmaxCode(e, sum, int32_t(1) << 30, 9, 0, 0, 255);
  };
  EXPECT_EQ(code(table[0]), 161);
  EXPECT_EQ(code(table[2]), 59);
  EXPECT_EQ(code(table[3]), 36);
}

TEST(SoftmaxTest, CloseToTheFloatSoftmax) {
  // A row of 10 logits at s = 0.1: every output within one output step
  // (1/256) of the float softmax of the dequantized codes.
  const int64_t codes[10] = {-128, -40, 0, 13, 27, 60, 61, 90, 120, 127};
  const double s = 0.1;
  std::vector<int32_t> table = softmaxExpTable(s, 8);
  int64_t m = 127, sum = 0;
  double fsum = 0;
  for (int64_t c : codes) {
    sum += table[m - c];
    fsum += std::exp(s * double(c - m));
  }
  for (int64_t c : codes) {
    double want = std::exp(s * double(c - m)) / fsum * 256.0;
    int64_t got =
        softmaxCode(table[m - c], sum, int32_t(1) << 30, 9, 0, 0, 255);
    EXPECT_LE(std::abs(double(got) - want), 0.5 + 1e-3) << c;
  }
}

TEST(LayerNormTest, HandComputedRow) {
  // Codes {1, 2, 3, 6}: sum 12, N 4, d = 4x - 12 = {-8, -4, 0, 12},
  // sum d^2 = 224, eps 0: V = 56, sigma = isqrt(56 * 65536) = 1915 (1915^2 =
  // 3667225 <= 3670016 < 1916^2). K = 4: q = round(d * 4096 / 1915) =
  // {-17.11, -8.56, 0, 25.67} -> {-17, -9, 0, 26}. Float: mean 3, std
  // sqrt(3.5) = 1.8708, normalized {-1.069, -0.535, 0, 1.604} * 16 =
  // {-17.10, -8.55, 0, 25.66}.
  const int64_t x[4] = {1, 2, 3, 6};
  int64_t q[4];
  layerNormRow(x, 4, 0, 4, q);
  EXPECT_EQ(q[0], -17);
  EXPECT_EQ(q[1], -9);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[3], 26);
  // A constant row with eps 0: sigma is clamped to 1 and every q is 0.
  const int64_t flat[3] = {5, 5, 5};
  int64_t z[3] = {9, 9, 9};
  layerNormRow(flat, 3, 0, 12, z);
  EXPECT_EQ(z[0], 0);
  EXPECT_EQ(z[2], 0);
}

TEST(LayerNormTest, CloseToTheFloatNormalization) {
  // 64 codes, eps term for eps = 1e-3 at s = 0.05 (E = N^3 eps / s^2):
  // every q within 2^-K * 2 of the float normalization.
  const int n = 64, k = 12;
  std::vector<int64_t> x(n);
  for (int i = 0; i < n; ++i)
    x[i] = ((i * 37) % 251) - 120;
  const double s = 0.05, eps = 1e-3;
  const int64_t e =
      static_cast<int64_t>(std::nearbyint(double(n) * n * n * eps / (s * s)));
  std::vector<int64_t> q(n);
  layerNormRow(x.data(), n, e, k, q.data());
  double mean = 0, var = 0;
  for (int64_t v : x)
    mean += s * double(v) / n;
  for (int64_t v : x)
    var += (s * double(v) - mean) * (s * double(v) - mean) / n;
  for (int i = 0; i < n; ++i) {
    double want = (s * double(x[i]) - mean) / std::sqrt(var + eps);
    EXPECT_NEAR(double(q[i]) / double(1 << k), want, 2.0 / (1 << k)) << i;
  }
}

TEST(LinearResizeTest, HandComputedAxes) {
  // half_pixel 8 -> 12: x = (4i - 1) / 6 clamped to [0, 7] (by hand).
  LinearResizeAxis a = linearResizeAxis(8, 12, "half_pixel");
  EXPECT_EQ(a.denominator, 6);
  EXPECT_EQ(a.index,
            (std::vector<int32_t>{0, 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7}));
  EXPECT_EQ(a.weight,
            (std::vector<int32_t>{0, 3, 1, 5, 3, 1, 5, 3, 1, 5, 3, 0}));
  // x2 in half_pixel: quarters; x3: thirds (odd factor).
  EXPECT_EQ(linearResizeAxis(2, 4, "half_pixel").denominator, 4);
  EXPECT_EQ(linearResizeAxis(2, 6, "half_pixel").denominator, 3);
  // asymmetric x2: i / 2.
  LinearResizeAxis s = linearResizeAxis(3, 6, "asymmetric");
  EXPECT_EQ(s.denominator, 2);
  EXPECT_EQ(s.index, (std::vector<int32_t>{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(s.weight, (std::vector<int32_t>{0, 1, 0, 1, 0, 0}));
  // align_corners 3 -> 5: i * 2 / 4 = i / 2.
  LinearResizeAxis c = linearResizeAxis(3, 5, "align_corners");
  EXPECT_EQ(c.denominator, 2);
  EXPECT_EQ(c.index, (std::vector<int32_t>{0, 0, 1, 1, 2}));
  EXPECT_EQ(c.weight, (std::vector<int32_t>{0, 1, 0, 1, 0}));
  // pytorch_half_pixel to one element reads element 0; unknown modes fail.
  EXPECT_EQ(linearResizeAxis(4, 1, "pytorch_half_pixel").index,
            (std::vector<int32_t>{0}));
  EXPECT_TRUE(linearResizeAxis(4, 8, "tf_crop_and_resize").index.empty());
}

TEST(LinearResizeTest, MatchesTheOnnxCoordinates) {
  // Against ONNX's formulas in double, every mode, many sizes.
  for (const char *mode :
       {"half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"})
    for (int64_t in = 1; in <= 9; ++in)
      for (int64_t out = 1; out <= 23; ++out) {
        LinearResizeAxis a = linearResizeAxis(in, out, mode);
        ASSERT_EQ(a.index.size(), static_cast<size_t>(out));
        const double scale = double(out) / double(in);
        for (int64_t i = 0; i < out; ++i) {
          double x;
          std::string m = mode;
          if (m == "half_pixel")
            x = (i + 0.5) / scale - 0.5;
          else if (m == "pytorch_half_pixel")
            x = out > 1 ? (i + 0.5) / scale - 0.5 : 0.0;
          else if (m == "asymmetric")
            x = i / scale;
          else
            x = out > 1 ? double(i) * (in - 1) / (out - 1) : 0.0;
          x = std::min(std::max(x, 0.0), double(in - 1));
          const double got =
              a.index[i] + double(a.weight[i]) / double(a.denominator);
          EXPECT_NEAR(got, x, 1e-9) << mode << " " << in << "->" << out;
          EXPECT_LT(a.weight[i], a.denominator);
        }
      }
}
