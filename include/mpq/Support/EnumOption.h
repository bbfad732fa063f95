//===- EnumOption.h - One parser for every enum-valued option ---*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Every option whose value is one of a few names (a pass's `scheme=`,
// `ram-model=`, `algorithm=`, `strategy=`; mpqc's `--target`, `--optimize`,
// ...) is typed by an enum and parsed here, so a pass, mpq-opt, mpqc, the C++
// API and the C API accept exactly the same spellings and reject a typo with
// the list of valid values:
//
//   template <> struct EnumTraits<QuantScheme> {
//     static constexpr const char *kind = "scheme";
//     static ArrayRef<EnumEntry<QuantScheme>> entries() { ... }
//   };
//   MPQ_ENUM_OPTION(::mlir::mpq::QuantScheme)   // at global scope
//
// makes `llvm::cl::opt<QuantScheme>` and a declarative pass
// `Option<..., "::mlir::mpq::QuantScheme", ...>` parse through the table.
// Names match case-insensitively with '_' and '-' alike ("PC_ICN" is
// "pc-icn"); anything else is an error naming the valid values.
//
// Budgets are typed too (ByteSize), so a byte count set from C++ is never
// printed to a string and parsed again.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_ENUMOPTION_H
#define MPQ_SUPPORT_ENUMOPTION_H

#include "mpq/Support/ByteSize.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir::mpq {

template <typename E>
struct EnumEntry {
  E value;
  const char *name;
};

/// Specialized next to each option enum: `kind` (what the value is, for
/// messages) and `entries()` (every value with its one spelling).
template <typename E>
struct EnumTraits;

/// `text` with '_' as '-' and in lower case: the form names are compared in.
inline std::string normalizeEnumName(llvm::StringRef text) {
  std::string norm;
  for (char c : text)
    norm.push_back(c == '_' ? '-' : llvm::toLower(c));
  return norm;
}

template <typename E>
std::optional<E> parseEnum(llvm::StringRef text) {
  std::string norm = normalizeEnumName(text);
  for (const EnumEntry<E> &entry : EnumTraits<E>::entries())
    if (norm == normalizeEnumName(entry.name))
      return entry.value;
  return std::nullopt;
}

template <typename E>
const char *enumName(E value) {
  for (const EnumEntry<E> &entry : EnumTraits<E>::entries())
    if (entry.value == value)
      return entry.name;
  return "?";
}

/// The valid names joined by `separator`: "pc-icn, pl-icn, pl-fb".
template <typename E>
std::string enumNames(llvm::StringRef separator = ", ") {
  std::string names;
  for (const EnumEntry<E> &entry : EnumTraits<E>::entries())
    names += (names.empty() ? "" : separator.str()) + entry.name;
  return names;
}

/// The message for a name that is none of the values.
template <typename E>
std::string enumError(llvm::StringRef text) {
  return "'" + text.str() + "' is not a valid " + EnumTraits<E>::kind +
         " (expected one of " + enumNames<E>() + ")";
}

/// The llvm::cl parser behind MPQ_ENUM_OPTION.
template <typename E>
class EnumOptionParser : public llvm::cl::basic_parser<E> {
public:
  using llvm::cl::basic_parser<E>::basic_parser;

  bool parse(llvm::cl::Option &option, llvm::StringRef, llvm::StringRef arg,
             E &value) {
    if (std::optional<E> parsed = parseEnum<E>(arg)) {
      value = *parsed;
      return false;
    }
    return option.error(enumError<E>(arg));
  }
  llvm::StringRef getValueName() const override {
    static const std::string names = enumNames<E>("|");
    return names;
  }
  static void print(llvm::raw_ostream &os, E value) { os << enumName(value); }
  void printOptionDiff(const llvm::cl::Option &option, E value,
                       const llvm::cl::OptionValue<E> &defaultValue,
                       size_t globalWidth) const {
    this->printOptionName(option, globalWidth);
    llvm::outs() << "= " << enumName(value) << " (default: "
                 << (defaultValue.hasValue() ? enumName(defaultValue.getValue())
                                             : "*no default*")
                 << ")\n";
  }
};

/// A size in bytes, from "512000", "500kB", "2MiB" (ByteSize.h); unset until
/// given. Prints as a plain byte count, "none" when unset.
struct ByteSize {
  std::optional<int64_t> bytes;
  ByteSize() = default;
  ByteSize(int64_t bytes) : bytes(bytes) {}
  bool operator==(const ByteSize &other) const { return bytes == other.bytes; }
  bool operator!=(const ByteSize &other) const { return !(*this == other); }
};

inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, ByteSize size) {
  if (size.bytes)
    return os << *size.bytes;
  return os << "none";
}

} // namespace mlir::mpq

/// Makes `Type` (an enum with EnumTraits) an option type for llvm::cl and
/// for MLIR pass options. Use at global scope.
#define MPQ_ENUM_OPTION(Type)                                                  \
  namespace mlir::mpq {                                                        \
  inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, Type value) {    \
    return os << enumName(value);                                              \
  }                                                                            \
  }                                                                            \
  namespace llvm::cl {                                                         \
  template <>                                                                  \
  class parser<Type> : public ::mlir::mpq::EnumOptionParser<Type> {            \
  public:                                                                      \
    using ::mlir::mpq::EnumOptionParser<Type>::EnumOptionParser;               \
  };                                                                           \
  }

namespace llvm::cl {
template <>
class parser<::mlir::mpq::ByteSize>
    : public basic_parser<::mlir::mpq::ByteSize> {
public:
  using basic_parser::basic_parser;
  bool parse(llvm::cl::Option &option, llvm::StringRef, llvm::StringRef arg,
             ::mlir::mpq::ByteSize &value) {
    if (arg == "none") {
      value = {};
      return false;
    }
    std::string why;
    std::optional<int64_t> bytes = ::mlir::mpq::parseByteSize(arg, &why);
    if (!bytes)
      return option.error("'" + arg + "' " + why);
    value = *bytes;
    return false;
  }
  llvm::StringRef getValueName() const override { return "size"; }
  static void print(llvm::raw_ostream &os, ::mlir::mpq::ByteSize value) {
    os << value;
  }
  void printOptionDiff(const Option &option, ::mlir::mpq::ByteSize value,
                       const OptionValue<::mlir::mpq::ByteSize> &defaultValue,
                       size_t globalWidth) const {
    std::string text, defaultText = "*no default*";
    llvm::raw_string_ostream(text) << value;
    if (defaultValue.hasValue()) {
      defaultText.clear();
      llvm::raw_string_ostream(defaultText) << defaultValue.getValue();
    }
    printOptionName(option, globalWidth);
    llvm::outs() << "= " << text << " (default: " << defaultText << ")\n";
  }
};
} // namespace llvm::cl

#endif // MPQ_SUPPORT_ENUMOPTION_H
