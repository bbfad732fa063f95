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

/// x -> pointwise conv -> a; y = a + x; pointwise conv y -> z, 8x8 pixels
/// of 16 channels (4 for z): a residual block.
GraphDesc residualBlock() {
  GraphDesc g;
  int x = g.addTensor("x", {1, 8, 8, 16}, 0);
  int a = g.addTensor("conv1_out", {1, 8, 8, 16}, 1);
  g.addLayer("conv1", StepKind::Conv, {16, 1, 1, 16}, 16, x, a);
  int y = g.addTensor("add_out", {1, 8, 8, 16}, 2);
  g.addStep("add", StepKind::Add, {a, x}, y);
  g.steps.back().elementwise = true;
  int z = g.addTensor("conv2_out", {1, 8, 8, 4}, 3);
  g.addLayer("conv2", StepKind::Conv, {4, 1, 1, 16}, 4, y, z, true);
  for (int s : {0, 2}) {
    g.steps[s].windowStride = 1;
    g.steps[s].windowPointwise = true;
  }
  return g;
}

// In place, the sum writes over conv1's output, which dies there (x dies
// there too: the first operand that qualifies is taken, as ArenaBuffers
// does): at the sum only x and a are live, 1024 + 1024 B, where separate
// buffers need 3072.
TEST(PlannedRamTest, ElementwiseStepsWriteOverADyingOperand) {
  GraphDesc graph = residualBlock();
  BitAssignment bits = uniformAssignment(graph, 8);
  std::string error;
  EXPECT_EQ(plannedArenaBytes(graph, bits, {}, PlanOptions(), error,
                              /*inPlace=*/true),
            2048);
  EXPECT_EQ(error, "");
  std::vector<Buffer> buffers = activationBuffers(graph, bits, {}, true);
  EXPECT_EQ(buffers[2].inPlaceOf, 1); // conv1_out, the first operand
  EXPECT_EQ(buffers[2].inPlaceShift, 0);
  EXPECT_EQ(plannedArenaBytes(graph, bits, {}, PlanOptions(), error), 3072);

  // A 4-bit conv1_out cannot hold the 8-bit sum; x (8-bit, dying at the
  // sum too) can: 1024 (x, then the sum) + 512 (conv1_out).
  bits.activationBits[1] = 4;
  buffers = activationBuffers(graph, bits, {}, true);
  EXPECT_EQ(buffers[2].inPlaceOf, 0);
  EXPECT_EQ(plannedArenaBytes(graph, bits, {}, PlanOptions(), error, true),
            1024 + 512);

  // A returned operand is never overwritten, even at the step that reads
  // it last.
  bits = uniformAssignment(graph, 8);
  graph.tensors[0].isOutput = graph.tensors[1].isOutput = true;
  buffers = activationBuffers(graph, bits, {}, true);
  EXPECT_EQ(buffers[2].inPlaceOf, -1);
}

/// Over 16x16 pixels: depthwise 3x3 (8 channels), pointwise 8 -> 16,
/// depthwise 3x3 stride 2 (test/Transforms/fuse-rows.mlir, on the integer
/// graph).
GraphDesc rowChain() {
  GraphDesc g;
  int x = g.addTensor("x", {1, 16, 16, 8}, 0);
  int a = g.addTensor("dw1_out", {1, 16, 16, 8}, 1);
  g.addLayer("dw1", StepKind::Depthwise, {3, 3, 8}, 8, x, a);
  int b = g.addTensor("pw1_out", {1, 16, 16, 16}, 2);
  g.addLayer("pw1", StepKind::Conv, {16, 1, 1, 8}, 16, a, b);
  int c = g.addTensor("dw2_out", {1, 8, 8, 16}, 3);
  g.addLayer("dw2", StepKind::Depthwise, {3, 3, 16}, 16, b, c, true);
  const int64_t strides[] = {1, 1, 2}, pads[] = {1, 0, 1},
                extents[] = {3, 1, 3};
  for (int s = 0; s < 3; ++s) {
    g.steps[s].windowStride = strides[s];
    g.steps[s].windowPadTop = pads[s];
    g.steps[s].windowExtent = extents[s];
  }
  return g;
}

// Row groups on the graph: layer by layer the pointwise step holds 2048 +
// 4096 B; as one group the input and output whole (2048 + 1024) and the
// lines of 128 B (one row of dw1's output) and 768 B (three rows of pw1's),
// live over the group's steps: 3968 B, what --mpq-fuse-rows and
// --mpq-plan-buffers give the integer graph.
TEST(PlannedRamTest, RowGroups) {
  GraphDesc graph = rowChain();
  ASSERT_EQ(graphRowRuns(graph), (std::vector<std::vector<int>>{{0, 1, 2}}));
  BitAssignment bits = uniformAssignment(graph, 8);
  std::string error;
  EXPECT_EQ(plannedArenaBytes(graph, bits, {}, PlanOptions(), error), 6144);
  std::vector<Buffer> buffers =
      activationBuffers(graph, bits, {}, /*inPlace=*/false, /*fuseRows=*/true);
  ASSERT_EQ(buffers.size(), 4u);
  EXPECT_EQ(buffers[1].size, 128);
  EXPECT_EQ(buffers[2].size, 768);
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(buffers[t].firstUse, 0) << t;
    EXPECT_EQ(buffers[t].lastUse, 2) << t;
  }
  EXPECT_EQ(buffers[3].firstUse, 2);
  EXPECT_EQ(
      plannedArenaBytes(graph, bits, {}, PlanOptions(), error, false, true),
      3968);
  // In place, dw1 writes over the image two rows (256 B) below it (2304 B
  // together), and the better group is pw1 .. dw2, itself in place: its
  // output row y is written once pw1 has read dw1's rows up to 2y + 1, and
  // later reads start at row 2y + 2 (rows of 128 B on both sides), so the
  // output may start at dw1's (shift 0) and lies within it. dw1's output
  // with pw1's three-row line: 2048 + 768 = 2816 B.
  buffers = activationBuffers(graph, bits, {}, /*inPlace=*/true, true);
  EXPECT_EQ(buffers[1].inPlaceOf, 0);
  EXPECT_EQ(buffers[1].size, 2048);
  EXPECT_EQ(buffers[2].size, 768);
  EXPECT_EQ(buffers[2].inPlaceOf, -1);
  EXPECT_EQ(buffers[3].inPlaceOf, 1);
  EXPECT_EQ(buffers[3].inPlaceShift, 0);
  EXPECT_EQ(
      plannedArenaBytes(graph, bits, {}, PlanOptions(), error, true, true),
      2816);
}

// The DSP pointwise kernel widens two pixels into 16-bit lanes: 2 x K x 2
// bytes of scratch during its step whatever the input's width, with eight
// or more output channels, and none for a row group's member (its rows are
// the group's).
TEST(PlannedRamTest, WidenedPointwiseInputIsScratch) {
  GraphDesc graph = residualBlock();
  for (GraphStep &step : graph.steps)
    step.widensInput = step.kind == StepKind::Conv;
  BitAssignment bits = uniformAssignment(graph, 8);
  std::vector<Buffer> buffers = activationBuffers(graph, bits, {});
  // conv1 (16 -> 16) widens 2 x 16 codes into 64 B; conv2 has 4 outputs.
  ASSERT_EQ(buffers.size(), graph.tensors.size() + 1);
  EXPECT_EQ(buffers.back().name, "conv1.scratch");
  EXPECT_EQ(buffers.back().size, 2 * 16 * 2);
  EXPECT_EQ(buffers.back().firstUse, 0);
  EXPECT_EQ(buffers.back().lastUse, 0);
  // x at 4 bits: the same lanes (the sum y at 2 bits: conv2 still has four
  // outputs).
  bits.activationBits[0] = 4;
  bits.activationBits[2] = 2;
  buffers = activationBuffers(graph, bits, {});
  ASSERT_EQ(buffers.size(), graph.tensors.size() + 1);
  EXPECT_EQ(buffers.back().size, 64);
  // Not a kernel's width: none.
  bits.activationBits[0] = 3;
  EXPECT_EQ(activationBuffers(graph, bits, {}).size(), graph.tensors.size());

  // pw1 of the row chain alone: 2 x 8 codes, 32 B, beside dw1's output and
  // its own (2048 + 4096 B at the step); in the group (RowGroups) none.
  GraphDesc chain = rowChain();
  chain.steps[1].widensInput = true;
  chain.steps[1].windowPointwise = true;
  BitAssignment eight = uniformAssignment(chain, 8);
  buffers = activationBuffers(chain, eight, {});
  ASSERT_EQ(buffers.size(), chain.tensors.size() + 1);
  EXPECT_EQ(buffers.back().size, 32);
  std::string error;
  EXPECT_EQ(plannedArenaBytes(chain, eight, {}, PlanOptions(), error),
            6144 + 32);
  EXPECT_EQ(
      activationBuffers(chain, eight, {}, false, /*fuseRows=*/true).size(),
      chain.tensors.size());
  EXPECT_EQ(
      plannedArenaBytes(chain, eight, {}, PlanOptions(), error, false, true),
      3968);
}

// A convolution with a window gathers the windows of two output pixels:
// 3x3x3 = 27 codes, rounded up to 32, in 16-bit lanes: 128 B at an 8-bit
// input; four channels in words (36 codes, 40): 160 B; none below 8 bits.
TEST(PlannedRamTest, WindowConvolutionGathersIntoScratch) {
  for (auto [channels, bytes] : {std::pair<int64_t, int64_t>{3, 128},
                                 std::pair<int64_t, int64_t>{4, 160}}) {
    GraphDesc graph;
    int image = graph.addTensor("image", {1, 8, 8, channels}, 0);
    int out = graph.addTensor("conv_out", {1, 8, 8, 8}, 1);
    graph.addLayer("conv", StepKind::Conv, {8, 3, 3, channels}, 8, image, out,
                   true);
    graph.steps[0].windowStride = 1;
    graph.steps[0].windowPadTop = 1;
    graph.steps[0].windowExtent = 3;
    graph.steps[0].widensInput = true;
    BitAssignment bits = uniformAssignment(graph, 8);
    std::vector<Buffer> buffers = activationBuffers(graph, bits, {});
    ASSERT_EQ(buffers.size(), 3u) << channels;
    EXPECT_EQ(buffers[2].size, bytes) << channels;
    bits.activationBits[0] = 4;
    EXPECT_EQ(activationBuffers(graph, bits, {}).size(), 2u) << channels;
  }
}

// A tensor read outside a group (dw1's output, also copied by a step that is
// no member) may only be a group's last result, never a line buffer.
TEST(PlannedRamTest, RowGroupResultsReadOutsideStayWhole) {
  GraphDesc graph = rowChain();
  int extra = graph.addTensor("extra", {1, 16, 16, 8}, 4);
  graph.addStep("copy", StepKind::Other, {1}, extra);
  EXPECT_EQ(graphRowRuns(graph), (std::vector<std::vector<int>>{{0, 1, 2}}));
  BitAssignment bits = uniformAssignment(graph, 8);
  std::vector<Buffer> buffers =
      activationBuffers(graph, bits, {}, /*inPlace=*/false, /*fuseRows=*/true);
  EXPECT_EQ(buffers[1].size, 16 * 16 * 8);
}

} // namespace
