//===- ByteSizeTest.cpp - Tests for ByteSize.h ----------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/ByteSize.h"

#include "gtest/gtest.h"

#include <string>

using namespace mlir::mpq;

namespace {

/// The error text for `text`, or "ok:<value>" if it parses.
std::string outcome(const std::string &text) {
  std::string error;
  std::optional<int64_t> v = parseByteSize(text, &error);
  return v ? "ok:" + std::to_string(*v) : error;
}

TEST(ByteSize, PlainBytes) {
  EXPECT_EQ(parseByteSize("2048000"), 2048000);
  EXPECT_EQ(parseByteSize("0"), 0);
  EXPECT_EQ(parseByteSize("100B"), 100);
  EXPECT_EQ(parseByteSize("+7"), 7);
  EXPECT_EQ(parseByteSize("  42  "), 42);
}

TEST(ByteSize, DecimalAndBinaryUnits) {
  // docs/decisions.md §1: kB/MB are powers of 1000, KiB/MiB powers of 1024.
  EXPECT_EQ(parseByteSize("512kB"), 512000);
  EXPECT_EQ(parseByteSize("512KiB"), 524288);
  EXPECT_EQ(parseByteSize("2MB"), 2000000);
  EXPECT_EQ(parseByteSize("2MiB"), 2097152);
  EXPECT_EQ(parseByteSize("512 kB"), 512000);
  EXPECT_EQ(parseByteSize("1 MiB"), 1048576);
}

TEST(ByteSize, Errors) {
  EXPECT_EQ(outcome("12XB"),
            "has an unknown unit 'XB' (expected B, kB, KiB, MB or MiB)");
  // Ambiguous spellings are not guessed.
  EXPECT_EQ(parseByteSize("512KB"), std::nullopt);
  EXPECT_EQ(parseByteSize("2mb"), std::nullopt);
  EXPECT_EQ(parseByteSize("2k"), std::nullopt);
  EXPECT_EQ(outcome("-5"), "is negative: a size must be at least 0 bytes");
  EXPECT_EQ(outcome("-5kB"), "is negative: a size must be at least 0 bytes");
  EXPECT_EQ(outcome(""), "is empty: expected a number of bytes");
  EXPECT_EQ(outcome("   "), "is empty: expected a number of bytes");
  EXPECT_EQ(outcome("kB"), "is not a size: expected a whole number of bytes, "
                           "optionally followed by B, kB, KiB, MB or MiB");
  EXPECT_EQ(outcome("1.5MB"), "is not a whole number of bytes");
  EXPECT_EQ(parseByteSize("12 34"), std::nullopt);
  EXPECT_EQ(parseByteSize("0x10"), std::nullopt);
}

TEST(ByteSize, Overflow) {
  // INT64_MAX itself parses; one more, or a unit that pushes it over, not.
  EXPECT_EQ(parseByteSize("9223372036854775807"), INT64_MAX);
  const std::string tooLarge =
      "is too large: sizes are limited to 9223372036854775807 bytes";
  EXPECT_EQ(outcome("9223372036854775808"), tooLarge);
  EXPECT_EQ(outcome("99999999999999999999999"), tooLarge);
  EXPECT_EQ(outcome("9223372036854775807kB"), tooLarge);
  EXPECT_EQ(outcome("8796093022208MiB"), tooLarge); // 2^43 MiB = 2^63
  // (2^43 - 1) MiB = 2^63 - 2^20.
  EXPECT_EQ(parseByteSize("8796093022207MiB"), 9223372036853727232);
}

} // namespace
