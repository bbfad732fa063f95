//===- mpq-type-fuzzer.cpp - libFuzzer target: mpq types and attributes ---===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Bytes -> mlir::parseType and mlir::parseAttribute in a context with the
// mpq dialect (!mpq.uniform, !mpq.bits, #mpq.rounding, ...). Whatever parses
// must print and parse back to the same type or attribute.
//
//===----------------------------------------------------------------------===//

#include "FuzzerSupport.h"

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
#include <cstdlib>
#include <string>

static void registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::mpq::MPQDialect>();
}

/// `text` printed and parsed back must give `value`.
template <typename T>
static void checkRoundTrip(mlir::MLIRContext &context, T value,
                           T (*parse)(llvm::StringRef, mlir::MLIRContext *)) {
  std::string printed;
  llvm::raw_string_ostream os(printed);
  value.print(os);
  T again = parse(printed, &context);
  if (again != value) {
    llvm::errs() << "'" << printed << "' does not parse back to itself\n";
    std::abort();
  }
}

static mlir::Type parseTypeText(llvm::StringRef text,
                                mlir::MLIRContext *context) {
  size_t consumed = 0;
  mlir::Type type = mlir::parseType(text, context, &consumed);
  return consumed == text.size() ? type : mlir::Type();
}

static mlir::Attribute parseAttrText(llvm::StringRef text,
                                     mlir::MLIRContext *context) {
  size_t consumed = 0;
  mlir::Attribute attr =
      mlir::parseAttribute(text, context, mlir::Type(), &consumed);
  return consumed == text.size() ? attr : mlir::Attribute();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mpq_fuzz::FuzzContext fuzz(registerDialects, /*renewEvery=*/4096);
  // The parser reads a null-terminated buffer.
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::MLIRContext &context = fuzz.next();
  if (!text.empty() && text[0] == '#') {
    mlir::Attribute attr = parseAttrText(text, &context);
    if (attr)
      checkRoundTrip<mlir::Attribute>(context, attr, parseAttrText);
    return 0;
  }
  mlir::Type type = parseTypeText(text, &context);
  if (type)
    checkRoundTrip<mlir::Type>(context, type, parseTypeText);
  return 0;
}
