//===- ByteSize.h - Parsing memory sizes such as "512kB" --------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The one parser for the flash and RAM budgets that users type (pass options,
// mpqc flags). docs/decisions.md §1 fixes the units: plain bytes, `B`, `kB` /
// `MB` (powers of 1000) and `KiB` / `MiB` (powers of 1024). Units are matched
// exactly: `KB` or `mb` are rejected rather than guessed, since `KB` means 1024
// to some users and 1000 to others.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_BYTESIZE_H
#define MPQ_SUPPORT_BYTESIZE_H

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace mlir::mpq {

/// The units parseByteSize accepts, for messages.
constexpr const char *kByteSizeUnits = "B, kB, KiB, MB or MiB";

/// Parses a non-negative whole number of bytes with an optional unit:
/// "2048000", "512kB", "512 KiB", "2MiB", "100B". Surrounding blanks and
/// blanks between number and unit are allowed. Returns std::nullopt on
/// anything else (empty text, a sign, a fraction, an unknown unit, a value
/// above INT64_MAX) and, if `error` is given, says why in a phrase that fits
/// after "'<text>' ", e.g. "has an unknown unit 'XB' (...)".
inline std::optional<int64_t> parseByteSize(std::string_view text,
                                            std::string *error = nullptr) {
  auto fail = [&](std::string why) -> std::optional<int64_t> {
    if (error)
      *error = std::move(why);
    return std::nullopt;
  };
  auto isBlank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && isBlank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && isBlank(text.back()))
    text.remove_suffix(1);
  if (text.empty())
    return fail("is empty: expected a number of bytes");
  if (text.front() == '-')
    return fail("is negative: a size must be at least 0 bytes");
  if (text.front() == '+')
    text.remove_prefix(1);

  size_t pos = 0;
  uint64_t value = 0;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  bool overflow = false;
  for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
    uint64_t digit = static_cast<uint64_t>(text[pos] - '0');
    if (value > (kMax - digit) / 10)
      overflow = true;
    else
      value = value * 10 + digit;
  }
  if (pos == 0)
    return fail("is not a size: expected a whole number of bytes, optionally "
                "followed by " +
                std::string(kByteSizeUnits));
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ','))
    return fail("is not a whole number of bytes");

  std::string_view unit = text.substr(pos);
  while (!unit.empty() && isBlank(unit.front()))
    unit.remove_prefix(1);
  uint64_t factor = 0;
  if (unit.empty() || unit == "B")
    factor = 1;
  else if (unit == "kB")
    factor = 1000;
  else if (unit == "KiB")
    factor = 1024;
  else if (unit == "MB")
    factor = 1000 * 1000;
  else if (unit == "MiB")
    factor = 1024 * 1024;
  else
    return fail("has an unknown unit '" + std::string(unit) + "' (expected " +
                kByteSizeUnits + ")");
  if (overflow || value > kMax / factor)
    return fail("is too large: sizes are limited to " + std::to_string(kMax) +
                " bytes");
  return static_cast<int64_t>(value * factor);
}

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_BYTESIZE_H
