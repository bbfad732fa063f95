//===- TypesTest.cpp - Unit tests of the mpq types and their helpers ------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Dialect/MPQ/IR/QuantInterop.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mpq;

namespace {

class TypesTest : public ::testing::Test {
protected:
  TypesTest() {
    context.loadDialect<MPQDialect, quant::QuantDialect>();
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          diagnostics.push_back(diag.str());
          return success();
        });
  }

  Type parse(StringRef text) { return parseType(text, &context); }

  /// The text printed for `type`.
  static std::string print(Type type) {
    std::string text;
    llvm::raw_string_ostream os(text);
    type.print(os);
    return text;
  }

  MLIRContext context;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  std::vector<std::string> diagnostics;
};

TEST_F(TypesTest, StorageRanges) {
  // Two's complement: a b-bit signed code spans [-2^(b-1), 2^(b-1) - 1], an
  // unsigned one [0, 2^b - 1].
  EXPECT_EQ(::mlir::mpq::storageMin(2, true), -2);
  EXPECT_EQ(::mlir::mpq::storageMax(2, true), 1);
  EXPECT_EQ(::mlir::mpq::storageMin(4, false), 0);
  EXPECT_EQ(::mlir::mpq::storageMax(4, false), 15);
  EXPECT_EQ(::mlir::mpq::storageMin(8, true), -128);
  EXPECT_EQ(::mlir::mpq::storageMax(8, true), 127);
  EXPECT_EQ(::mlir::mpq::storageMin(32, true), -2147483648LL);
  EXPECT_EQ(::mlir::mpq::storageMax(32, false), 4294967295LL);
  EXPECT_EQ(::mlir::mpq::storageMax(1, false), 1);
}

TEST_F(TypesTest, ValidWidths) {
  for (unsigned w = 0; w <= 40; ++w) {
    bool expected = (w >= 1 && w <= 8) || w == 16 || w == 32;
    EXPECT_EQ(isValidWidth(w), expected) << "width " << w;
  }
}

TEST_F(TypesTest, ParsePrintPerTensor) {
  auto type = dyn_cast_or_null<UniformType>(parse("!mpq.uniform<u4, 0.25:3>"));
  ASSERT_TRUE(type);
  EXPECT_EQ(type.getWidth(), 4u);
  EXPECT_FALSE(type.getIsSigned());
  EXPECT_FALSE(type.isPerAxis());
  EXPECT_EQ(type.getScale(), 0.25);
  EXPECT_EQ(type.getZeroPoint(), 3);
  EXPECT_EQ(type.getStorageMax(), 15);
  // Printing and parsing again gives the same uniqued type.
  EXPECT_EQ(parse(print(type)), type);
}

TEST_F(TypesTest, ScalesRoundTripExactly) {
  // 1/3 and 0.1 have no short exact decimal form: the printer must still
  // print them so that parsing recovers the same double.
  for (double scale : {1.0 / 3.0, 0.1, 3.0517578125e-05, 1e-30, 12345.678}) {
    Type type = UniformType::get(&context, 8, true, scale, -5);
    auto back = dyn_cast_or_null<UniformType>(parse(print(type)));
    ASSERT_TRUE(back) << print(type);
    EXPECT_EQ(back.getScale(), scale) << print(type);
  }
}

TEST_F(TypesTest, ParsePrintPerAxis) {
  auto type = dyn_cast_or_null<UniformType>(
      parse("!mpq.uniform<i2:0, {0.5:0, 0.125:-1, 2.0:1}>"));
  ASSERT_TRUE(type);
  EXPECT_TRUE(type.isPerAxis());
  EXPECT_EQ(type.getAxis(), 0);
  EXPECT_EQ(type.getScales().asArrayRef(), ArrayRef<double>({0.5, 0.125, 2.0}));
  EXPECT_EQ(type.getZeroPoints(), ArrayRef<int64_t>({0, -1, 1}));
  EXPECT_EQ(parse(print(type)), type);
}

TEST_F(TypesTest, BitsType) {
  auto type = dyn_cast_or_null<BitsType>(parse("!mpq.bits<i2>"));
  ASSERT_TRUE(type);
  EXPECT_EQ(type.getWidth(), 2u);
  EXPECT_TRUE(type.getIsSigned());
  EXPECT_EQ(print(type), "!mpq.bits<i2>");
  auto info = getStorageInfo(parse("!mpq.bits<u8>"));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 8u);
  EXPECT_FALSE(info->isSigned);
  EXPECT_FALSE(getStorageInfo(parse("i8")));
}

/// Each malformed type is rejected with a message naming the problem.
TEST_F(TypesTest, VerifierMessages) {
  struct Case {
    const char *text;
    const char *message;
  } cases[] = {
      {"!mpq.bits<u0>", "bit-width must be 1..8 (stored) or 16/32"},
      {"!mpq.bits<i12>", "got 12"},
      {"!mpq.uniform<u64, 1.0:0>", "got 64"},
      {"!mpq.uniform<u4, 0.0:0>", "scale must be positive and finite, got 0"},
      {"!mpq.uniform<u4, -0.5:0>", "scale must be positive and finite"},
      {"!mpq.uniform<u4, 0.5:16>",
       "zero point 16 is outside the range [0, 15] of u4"},
      {"!mpq.uniform<i2:0, {0.5:0, 0.5:2}>",
       "zero point 2 is outside the range [-2, 1] of i2 at index 1"},
      {"!mpq.uniform<i8:0, {0.5:0, -1.0:0}>",
       "scale must be positive and finite, got -1 at index 1"},
      {"!mpq.uniform<i8:-2, {0.5:0}>",
       "quantization axis must be non-negative"},
  };
  for (const Case &c : cases) {
    diagnostics.clear();
    EXPECT_FALSE(parse(c.text)) << c.text;
    bool found = false;
    for (const std::string &d : diagnostics)
      found |= d.find(c.message) != std::string::npos;
    EXPECT_TRUE(found) << c.text << ": no diagnostic contains '" << c.message
                       << "'";
  }
}

TEST_F(TypesTest, ToQuantPerTensor) {
  Type mpqType = UniformType::get(&context, 4, false, 0.5, 3);
  auto quantType =
      dyn_cast_or_null<quant::UniformQuantizedType>(toQuantType(mpqType));
  ASSERT_TRUE(quantType);
  EXPECT_FALSE(quantType.isSigned());
  EXPECT_EQ(quantType.getStorageTypeIntegralWidth(), 4u);
  EXPECT_EQ(quantType.getStorageTypeMin(), 0);
  EXPECT_EQ(quantType.getStorageTypeMax(), 15);
  EXPECT_EQ(quantType.getScale(), 0.5);
  EXPECT_EQ(quantType.getZeroPoint(), 3);
  EXPECT_TRUE(quantType.getExpressedType().isF32());
  EXPECT_EQ(fromQuantType(quantType), mpqType);
}

TEST_F(TypesTest, ToQuantPerAxis) {
  Type mpqType = UniformType::get(&context, 8, true, 0, {0.5, 0.25}, {-1, 2});
  auto quantType = dyn_cast_or_null<quant::UniformQuantizedPerAxisType>(
      toQuantType(mpqType));
  ASSERT_TRUE(quantType);
  EXPECT_TRUE(quantType.isSigned());
  EXPECT_EQ(quantType.getQuantizedDimension(), 0);
  EXPECT_EQ(quantType.getScales(), ArrayRef<double>({0.5, 0.25}));
  EXPECT_EQ(quantType.getZeroPoints(), ArrayRef<int64_t>({-1, 2}));
  EXPECT_EQ(quantType.getStorageTypeMin(), -128);
  EXPECT_EQ(fromQuantType(quantType), mpqType);
}

TEST_F(TypesTest, QuantTextInterop) {
  // Written the way a TOSA-level compiler would write it.
  Type quantType = parse("!quant.uniform<i8:f32, 0.5:-3>");
  ASSERT_TRUE(quantType);
  EXPECT_EQ(fromQuantType(quantType),
            UniformType::get(&context, 8, true, 0.5, -3));
}

TEST_F(TypesTest, NotRepresentable) {
  // No scale: no quant equivalent.
  EXPECT_FALSE(toQuantType(BitsType::get(&context, 4, false)));
  EXPECT_FALSE(toQuantType(IntegerType::get(&context, 8)));
  // A narrowed range would be lost: refused.
  Type narrow = parse("!quant.uniform<i8<-127:127>:f32, 0.5>");
  ASSERT_TRUE(narrow);
  EXPECT_FALSE(fromQuantType(narrow));
  // An expressed type other than f32.
  Type f16 = parse("!quant.uniform<i8:f16, 0.5>");
  ASSERT_TRUE(f16);
  EXPECT_FALSE(fromQuantType(f16));
  // 12 bits: not a width mpq accepts.
  Type wide = parse("!quant.uniform<i12:f32, 0.5>");
  ASSERT_TRUE(wide);
  EXPECT_FALSE(fromQuantType(wide));
}

} // namespace
