//===- EnumOptionTest.cpp - Tests for EnumOption.h and JsonOrder.h --------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/EnumOption.h"
#include "mpq/Analysis/PrecisionAssignment.h"
#include "mpq/Support/JsonOrder.h"
#include "mpq/Transforms/PassOptions.h"

#include "gtest/gtest.h"

#include <string>

using namespace mlir::mpq;

namespace {

TEST(EnumOption, OneSpellingPerValueAnyCaseAndSeparator) {
  EXPECT_EQ(parseEnum<QuantScheme>("pc-icn"), QuantScheme::PC_ICN);
  EXPECT_EQ(parseEnum<QuantScheme>("PC_ICN"), QuantScheme::PC_ICN);
  EXPECT_EQ(parseEnum<QuantScheme>("Pl-Fb"), QuantScheme::PL_FB);
  EXPECT_EQ(parseEnum<PlanAlgorithm>("greedy_size"), PlanAlgorithm::GreedySize);
  EXPECT_EQ(parseEnum<RamModel>("PLANNED"), RamModel::Planned);
  EXPECT_FALSE(parseEnum<QuantScheme>("pc"));
  EXPECT_FALSE(parseEnum<QuantScheme>("pc-icn "));
  EXPECT_FALSE(parseEnum<QuantScheme>(""));
  EXPECT_FALSE(parseEnum<RamModel>("exact"));
}

TEST(EnumOption, NamesRoundTripAndErrorsListTheValues) {
  for (QuantScheme s :
       {QuantScheme::PC_ICN, QuantScheme::PL_ICN, QuantScheme::PL_FB})
    EXPECT_EQ(parseEnum<QuantScheme>(enumName(s)), s);
  // The memory model's own names agree with the option's.
  for (QuantScheme s :
       {QuantScheme::PC_ICN, QuantScheme::PL_ICN, QuantScheme::PL_FB})
    EXPECT_STREQ(enumName(s), quantSchemeName(s));
  for (PlanAlgorithm a : {PlanAlgorithm::Best, PlanAlgorithm::GreedySize})
    EXPECT_STREQ(enumName(a), stringifyPlanAlgorithm(a));
  EXPECT_EQ(enumNames<PlanAlgorithm>(), "best, greedy-size");
  EXPECT_EQ(enumError<RamModel>("exact"),
            "'exact' is not a valid RAM model (expected one of paper, "
            "planned)");
}

TEST(LayerPin, ParsesLayerWeightAndOutputBits) {
  std::optional<LayerPin> pin = parseLayerPin("/conv1/Conv:4:0");
  ASSERT_TRUE(pin);
  EXPECT_EQ(pin->layer, "/conv1/Conv");
  EXPECT_EQ(pin->weightBits, 4u);
  EXPECT_EQ(pin->outputBits, 0u);
  std::optional<LayerPin> padded = parseLayerPin(" fc:4:8 ");
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->layer, "fc");
  for (const char *bad : {"conv0:8", "conv0:8:8:8", ":8:8", "conv0:x:8",
                          "conv0:8:", "conv0:-1:8", "conv0:9999:8"})
    EXPECT_FALSE(parseLayerPin(bad)) << bad;
}

TEST(JsonOrder, KeysInTheGivenOrderThenAlphabetically) {
  llvm::json::Value doc = llvm::json::Object{
      {"zeta", 1},
      {"fits", true},
      {"alpha", 2},
      {"rows", llvm::json::Array{llvm::json::Object{{"b", 1}, {"name", "x"}}}}};
  std::string text;
  llvm::raw_string_ostream os(text);
  printJsonInOrder(os, doc, {"fits", "rows", "name"}, /*indent=*/0);
  EXPECT_EQ(text, R"({"fits":true,"rows":[{"name":"x","b":1}],"alpha":2,)"
                  R"("zeta":1})");
}

} // namespace
