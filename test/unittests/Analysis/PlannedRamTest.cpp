//===- PlannedRamTest.cpp - Planned arena of a bit-width assignment -------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PlannedRam.h"
#include "mpq/Support/Packing.h"

#include "gtest/gtest.h"

using namespace mlir::mpq;

namespace {

// On a chain the planned arena is the paper's max(in + out) when every size
// is a multiple of the alignment (MobileNetV1 0.25 at 128, all 8-bit).
TEST(PlannedRamTest, ChainArenaIsThePaperRam) {
  GraphDesc graph = buildMobileNetV1(0.25, 128);
  BitAssignment bits = uniformAssignment(graph, 8);
  Footprint footprint = computeFootprint(graph, bits, QuantScheme::PC_ICN);
  std::string error;
  EXPECT_EQ(plannedArenaBytes(graph, bits, {}, PlanOptions(), error),
            footprint.ramBytes);
  EXPECT_EQ(error, "");
}

// Buffers are sized as stored, and scratch is live during its step only.
TEST(PlannedRamTest, SizesAndScratch) {
  GraphDesc graph;
  int image = graph.addTensor("image", {1, 4, 4, 3}, 0);
  int out = graph.addTensor("conv_out", {1, 4, 4, 3}, 1);
  graph.addLayer("conv", StepKind::Conv, {3, 1, 1, 3}, 3, image, out, true);
  BitAssignment bits = uniformAssignment(graph, 8);
  bits.activationBits[1] = 2;
  std::vector<Buffer> buffers = activationBuffers(graph, bits, {100});
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].size, packedTensorBytes({1, 4, 4, 3}, 8));
  EXPECT_EQ(buffers[1].size, 16); // 16 rows of 3 2-bit codes: 1 byte each
  EXPECT_EQ(buffers[2].name, "conv.scratch");
  EXPECT_EQ(buffers[2].firstUse, 0);
  EXPECT_EQ(buffers[2].lastUse, 0);
  std::string error;
  EXPECT_EQ(plannedArenaBytes(graph, bits, {100}, PlanOptions(), error),
            48 + 16 + 112);
}

} // namespace
