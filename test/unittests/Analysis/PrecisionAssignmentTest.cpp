//===- PrecisionAssignmentTest.cpp - Tests of the rule-based assignment ---===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Each expected cut sequence is traced by hand in the comments, following
// docs/paper.md §4 step by step; the numbers are not copied from the code.
// Most graphs are chains of fully-connected layers over [1, N] vectors, so a
// tensor of N elements takes N bytes at 8 bits, N/2 at 4 and N/4 at 2.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PrecisionAssignment.h"

#include "GraphBuilders.h"

#include "gtest/gtest.h"

#include <iostream>

using namespace mlir::mpq;
using namespace mlir::mpq::graphs;

namespace {

constexpr int64_t kHuge = int64_t(1) << 40;

void expectActivationCut(const CutRecord &c, int var, unsigned from,
                         unsigned to, int sweep, bool forward, int step) {
  EXPECT_EQ(c.target, CutTarget::Activation);
  EXPECT_EQ(c.index, var);
  EXPECT_EQ(c.fromBits, from);
  EXPECT_EQ(c.toBits, to);
  EXPECT_EQ(c.round, sweep);
  EXPECT_EQ(c.forward, forward);
  EXPECT_EQ(c.step, step);
}

void expectWeightCut(const CutRecord &c, int step, unsigned from, unsigned to) {
  EXPECT_EQ(c.target, CutTarget::Weight);
  EXPECT_EQ(c.index, step);
  EXPECT_EQ(c.fromBits, from);
  EXPECT_EQ(c.toBits, to);
}

TEST(PrecisionAssignment, StrategyTable) {
  std::unique_ptr<PrecisionStrategy> s = createPrecisionStrategy("rule");
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s->name(), "rule");
  EXPECT_EQ(createPrecisionStrategy("rl"), nullptr);
  EXPECT_EQ(precisionStrategyNames(),
            (std::vector<std::string>{"rule", "search"}));
}

TEST(PrecisionAssignment, EverythingFitsAtEightBits) {
  GraphDesc g = fcChain({16, 32, 8});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, kHuge));
  ASSERT_TRUE(r.valid) << r.error;
  EXPECT_TRUE(r.fits);
  EXPECT_TRUE(r.chainRule);
  EXPECT_TRUE(r.cuts.empty());
  // The first sweep already finds every layer within budget.
  EXPECT_EQ(r.activationSweeps, 1);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=88 a=888");
  EXPECT_EQ(r.error, "");
}

// x 100 -> L0 -> 400 -> L1 -> 100 (last), RAM 400.
// Sweep 1 (fwd): L0 needs 100 + 400 = 500 > 400; its input is the image
// (fixed) so it wants its output, a forward side: 8 -> 4, 100 + 200 = 300.
// L1: 200 + 100 = 300 fits. Sweep 2 (bwd) finds all within budget: stop.
TEST(PrecisionAssignment, ForwardSweepCutsAnOutput) {
  GraphDesc g = fcChain({100, 400, 100});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 400));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 1, true, 0);
  EXPECT_EQ(r.activationSweeps, 2);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=88 a=848");
  EXPECT_EQ(r.footprint.ramBytes, 300);
  EXPECT_EQ(r.ramUsed, 300);
}

// x 16 -> L0 -> 512 -> L1 -> 256 -> L2 -> 16 (last), RAM 600.
// Sweep 1 (fwd): L0 16 + 512 = 528 fits. L1 512 + 256 = 768 > 600, both at
// 8 bits, input 512 B strictly larger -> wants its input, not a forward
// side: it waits. L2 256 + 16 = 272 fits.
// Sweep 2 (bwd): L2 fits; L1 cuts its input 8 -> 4: 256 + 256 = 512 fits;
// L0 16 + 256 fits. Sweep 3 (fwd) finds all within budget.
TEST(PrecisionAssignment, InputPreferenceWaitsForBackwardSweep) {
  GraphDesc g = fcChain({16, 512, 256, 16});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 600));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 2, false, 1);
  EXPECT_EQ(r.activationSweeps, 3);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=888 a=8488");
  EXPECT_EQ(r.footprint.ramBytes, 512);
}

// x 16 -> L0 -> 256 -> L1 -> 256 -> L2 -> 16 (last), RAM 300.
// Sweep 1: L0 16 + 256 = 272 fits. L1 256 + 256 = 512 > 300: equal bits and
// equal bytes -> the output (the input only if strictly larger): 8 -> 4,
// 256 + 128 = 384 > 300; now the input has more bits (8 > 4) -> wants the
// input, waits. L2 128 + 16 = 144 fits.
// Sweep 2 (bwd): L2 fits; L1 cuts its input 8 -> 4: 128 + 128 = 256 fits.
// L0 16 + 128 fits. Sweep 3 clean.
TEST(PrecisionAssignment, CutsOutputThenWaitsForInput) {
  GraphDesc g = fcChain({16, 256, 256, 16});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 300));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 2u);
  expectActivationCut(r.cuts[0], 2, 8, 4, 1, true, 1);
  expectActivationCut(r.cuts[1], 1, 8, 4, 2, false, 1);
  EXPECT_EQ(r.activationSweeps, 3);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=888 a=8448");
  EXPECT_EQ(r.footprint.ramBytes, 256);
  EXPECT_NE(r.cuts[0].reason.find("equal bits"), std::string::npos);
  EXPECT_NE(r.cuts[1].reason.find("input has more bits"), std::string::npos);
}

// x 32 -> L0 -> 512 -> L1 -> 8 (last), RAM 200.
// Sweep 1: L0 32 + 512 = 544 > 200 -> output 8 -> 4: 32 + 256 = 288 > 200;
// the image is fixed, so the output again: 4 -> 2: 32 + 128 = 160 fits.
// L1 128 + 8 fits.
TEST(PrecisionAssignment, KeepsCuttingUntilItFits) {
  GraphDesc g = fcChain({32, 512, 8});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 200));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 2u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 1, true, 0);
  expectActivationCut(r.cuts[1], 1, 4, 2, 1, true, 0);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=88 a=828");
}

// x 10 -> L0 -> 100 -> L1 -> 11 -> L2 -> 10 (last).
// Weights: L0 [100,10] = 1000, L1 [11,100] = 1100, L2 [10,11] = 110 elements;
// at 8 bits 2210 B. PC+ICN parameters: L0 10*100+8 = 1008, L1 10*11+8 = 118,
// L2 (last) 7*10+4 = 74 -> 1200 B. Flash 3410 B.
// Shares: 1000/2210 = 0.4525, 1100/2210 = 0.4977, 110/2210 = 0.0498.
// s* = 0.4977 (L1); with delta 0.05 the threshold is 0.4477, so L0 and L1
// qualify and L0, closer to the input, is cut: [100,10] @4 = 100 * 5 = 500 B,
// flash 3410 - 500 = 2910 <= 3000.
TEST(PrecisionAssignment, DeltaTieBreakPicksLayerClosestToInput) {
  GraphDesc g = fcChain({10, 100, 11, 10});
  AssignmentResult r = assignPrecisionByRule(g, request(3000, kHuge));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectWeightCut(r.cuts[0], 0, 8, 4);
  EXPECT_EQ(r.footprint.flashBytes, 2910);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=488 a=8888");

  // delta = 0: only the largest share qualifies, L1: [11,100] @4 =
  // 11 * 50 = 550 B, flash 2860.
  AssignmentRequest req = request(3000, kHuge);
  req.delta = 0;
  r = assignPrecisionByRule(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectWeightCut(r.cuts[0], 1, 8, 4);
  EXPECT_EQ(r.footprint.flashBytes, 2860);
}

// Same chain, flash 2880: after L0 -> 4 the flash is 2910 > 2880.
// numel * bits: L0 4000, L1 8800, L2 880 -> total 13680; shares 0.2924,
// 0.6433, 0.0643; threshold 0.5933 -> only L1: 8 -> 4, 2910 - 550 = 2360.
TEST(PrecisionAssignment, WeightPassRecomputesShares) {
  GraphDesc g = fcChain({10, 100, 11, 10});
  AssignmentResult r = assignPrecisionByRule(g, request(2880, kHuge));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 2u);
  expectWeightCut(r.cuts[0], 0, 8, 4);
  expectWeightCut(r.cuts[1], 1, 8, 4);
  EXPECT_EQ(r.cuts[1].round, 2);
  EXPECT_EQ(r.weightIterations, 2);
  EXPECT_EQ(r.footprint.flashBytes, 2360);
}

// Both passes: same chain, RAM 100, flash 3000.
// Activations: L0 10 + 100 = 110 > 100 -> output 8 -> 4: 10 + 50 = 60;
// L1 50 + 11 = 61; L2 11 + 10 = 21. Sweep 2 clean.
// Weights then start from that assignment: as in the delta test, L0 8 -> 4.
// The result carries both: RAM max(60, 61, 21) = 61, flash 2910.
TEST(PrecisionAssignment, WeightPassSeesActivationResult) {
  GraphDesc g = fcChain({10, 100, 11, 10});
  AssignmentResult r = assignPrecisionByRule(g, request(3000, 100));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 2u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 1, true, 0);
  expectWeightCut(r.cuts[1], 0, 8, 4);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=488 a=8488");
  EXPECT_EQ(r.footprint.ramBytes, 61);
  EXPECT_EQ(r.footprint.flashBytes, 2910);
}

// x 16 -> L0 -> 256 -> L1 -> 256 -> L2 -> 16, RAM 400.
// Unpinned: sweep 1, L1 512 > 400, equal bits and bytes -> output 8 -> 4:
// 256 + 128 = 384 fits -> a = 8 8 4 8.
// L1's output pinned at 8: the output cannot shrink, so L1 wants its input
// and waits in sweep 1; sweep 2 (bwd) cuts the input 8 -> 4:
// 128 + 256 = 384 fits -> a = 8 4 8 8.
TEST(PrecisionAssignment, OutputPinIsRespected) {
  GraphDesc g = fcChain({16, 256, 256, 16});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 400));
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_EQ(formatBitString(g, r.assignment), "w=888 a=8848");

  AssignmentRequest req = request(kHuge, 400);
  req.pins.push_back({"L1", 0, 8});
  r = assignPrecisionByRule(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 2, false, 1);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=888 a=8488");
}

// Weight pins on the delta chain (flash 3000).
// L0 pinned at 8: not a candidate; s* = 0.4977 (L1), threshold 0.4477,
// L2 0.0498 -> L1 is cut: flash 2860.
// L0 pinned at 4: it starts at 4 (500 B), flash 2910 <= 3000, no cut.
TEST(PrecisionAssignment, WeightPinIsRespected) {
  GraphDesc g = fcChain({10, 100, 11, 10});
  AssignmentRequest req = request(3000, kHuge);
  req.pins.push_back({"L0", 8, 0});
  AssignmentResult r = assignPrecisionByRule(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectWeightCut(r.cuts[0], 1, 8, 4);
  EXPECT_EQ(r.footprint.flashBytes, 2860);

  req.pins[0].weightBits = 4;
  r = assignPrecisionByRule(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_TRUE(r.cuts.empty());
  EXPECT_EQ(r.assignment.weightBits[0], 4u);
  EXPECT_EQ(r.footprint.flashBytes, 2910);
}

TEST(PrecisionAssignment, InvalidRequestsAreReported) {
  GraphDesc g = fcChain({10, 100, 11, 10});
  AssignmentRequest req = request(3000, 3000);
  req.pins.push_back({"nope", 4, 0});
  AssignmentResult r = assignPrecisionByRule(g, req);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.error.find("unknown layer 'nope'"), std::string::npos);

  req.pins = {{"L2", 0, 4}};
  r = assignPrecisionByRule(g, req);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.error.find("stays at 8 bits"), std::string::npos);

  req.pins = {{"L0", 3, 0}};
  r = assignPrecisionByRule(g, req);
  EXPECT_FALSE(r.valid);

  r = assignPrecisionByRule(g, request(0, 100));
  EXPECT_FALSE(r.valid);
}

// x 16 -> L0 -> 256 -> L1 -> 256 -> L2 -> 16, L1's output pinned at 8,
// RAM 300. Sweep 1: L0 272 fits; L1 512 > 300 wants its input (the output
// is pinned), waits; L2 272 fits. Sweep 2: L2 fits; L1 input 8 -> 4:
// 128 + 256 = 384 > 300, 4 -> 2: 64 + 256 = 320 > 300, and now neither side
// can shrink: infeasible.
// Smallest footprint: y0 at 2 bits (64 B), y1 pinned (256 B):
// L0 16 + 64 = 80, L1 64 + 256 = 320, L2 256 + 16 = 272 -> 320 at L1.
TEST(PrecisionAssignment, InfeasibleRamBudgetWithPin) {
  GraphDesc g = fcChain({16, 256, 256, 16});
  AssignmentRequest req = request(kHuge, 300);
  req.pins.push_back({"L1", 0, 8});
  AssignmentResult r = assignPrecisionByRule(g, req);
  ASSERT_TRUE(r.valid);
  EXPECT_FALSE(r.fits);
  EXPECT_FALSE(r.ramFits);
  EXPECT_TRUE(r.flashFits);
  ASSERT_EQ(r.cuts.size(), 2u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 2, false, 1);
  expectActivationCut(r.cuts[1], 1, 4, 2, 2, false, 1);
  EXPECT_EQ(r.smallestFootprint.ramBytes, 320);
  EXPECT_EQ(r.ramBottleneck, 1);
  EXPECT_NE(r.error.find("RAM budget of 300 B cannot be met"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("320 B"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("layer 'L1'"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("flash"), std::string::npos) << r.error;
}

// x 1000 -> L0 -> 8 -> L1 -> 4 (last), RAM 1000. The image alone is 1000 B.
// L0: 1000 + 8 = 1008 > 1000 -> output 8 -> 4: 1004 -> 4 -> 2: 1002, and the
// image is fixed: infeasible. Smallest: L0 1000 + 2 = 1002, L1 2 + 4 = 6.
TEST(PrecisionAssignment, InfeasibleRamBudget) {
  GraphDesc g = fcChain({1000, 8, 4});
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 1000));
  ASSERT_TRUE(r.valid);
  EXPECT_FALSE(r.fits);
  EXPECT_EQ(r.smallestFootprint.ramBytes, 1002);
  EXPECT_NE(r.error.find("RAM budget of 1000 B cannot be met"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("is 1002 B"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("layer 'L0' (input 1000 B + output 2 B)"),
            std::string::npos)
      << r.error;
}

// The delta chain with flash 1000. At 2 bits: L0 [100,10] 100 * ceil(20/8)
// = 300 B, L1 [11,100] 11 * 25 = 275 B, L2 [10,11] 10 * ceil(22/8) = 30 B:
// weights 605 B + parameters 1200 B = 1805 B > 1000. Largest layer at that
// point: L0 300 + 1008 = 1308 B (L1 393, L2 104).
TEST(PrecisionAssignment, InfeasibleFlashBudget) {
  GraphDesc g = fcChain({10, 100, 11, 10});
  AssignmentResult r = assignPrecisionByRule(g, request(1000, kHuge));
  ASSERT_TRUE(r.valid);
  EXPECT_FALSE(r.fits);
  EXPECT_TRUE(r.ramFits);
  EXPECT_FALSE(r.flashFits);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=222 a=8888");
  EXPECT_EQ(r.smallestFootprint.flashBytes, 1805);
  EXPECT_EQ(r.flashBottleneck, 0);
  EXPECT_NE(r.error.find("flash budget of 1000 B cannot be met"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("is 1805 B (weights 605 B + parameters 1200 B)"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("layer 'L0' (weights 300 B + parameters 1008 B)"),
            std::string::npos)
      << r.error;
  EXPECT_EQ(r.error.find("RAM"), std::string::npos) << r.error;
}

// Both budgets missed: x 1000 -> L0 -> 8 -> L1 -> 4, RAM 1000 (infeasible
// as above) and flash 10. Both passes run and both are reported.
// Flash at 2 bits: L0 [8,1000] 8 * 250 = 2000 B, L1 [4,8] 4 * 2 = 8 B;
// parameters L0 10*8+8 = 88, L1 (last) 7*4+4 = 32: 2008 + 120 = 2128 B.
TEST(PrecisionAssignment, BothBudgetsMissedAreBothReported) {
  GraphDesc g = fcChain({1000, 8, 4});
  AssignmentResult r = assignPrecisionByRule(g, request(10, 1000));
  ASSERT_TRUE(r.valid);
  EXPECT_FALSE(r.ramFits);
  EXPECT_FALSE(r.flashFits);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=22 a=828");
  EXPECT_NE(r.error.find("RAM budget of 1000 B"), std::string::npos);
  EXPECT_NE(r.error.find("flash budget of 10 B cannot be met: the smallest "
                         "flash reachable, with every unpinned weight tensor "
                         "at 2 bits, is 2128 B (weights 2008 B + parameters "
                         "120 B); bottleneck layer 'L0'"),
            std::string::npos)
      << r.error;
}

// A MobileNetV2-style residual block (not a chain):
//   s0 conv0  x [1,8,8,8] (v0)  -> a [1,8,8,16] (v1)
//   s1 expand a                 -> b [1,8,8,32] (v2)
//   s2 dw     b                 -> c [1,8,8,32] (v3)
//   s3 proj   c                 -> d [1,8,8,16] (v4)
//   s4 add    a, d              -> e [1,8,8,16] (v5)
//   s5 pool   e                 -> f [1,16]     (v5)
//   s6 fc     f                 -> g [1,10]     (v6, last)
// Bytes at 8: x 512, a 1024, b 2048, c 2048, d 1024, e 1024, f 16, g 10.
// Live: a spans s0..s4 (the skip), so at 8 bits the steps hold
//   s0 x+a 1536, s1 a+b 3072, s2 a+b+c 5120, s3 a+c+d 4096, s4 a+d+e 3072,
//   s5 e+f 1040, s6 f+g 26.
// RAM 3000, generalized rule:
//   s1 3072 > 3000: largest cuttable live tensor b (2048): v2 8 -> 4,
//      a + b = 1024 + 1024 = 2048 fits.
//   s2 1024 + 1024 + 2048 = 4096: c (2048) v3 8 -> 4 -> 3072 > 3000; now a,
//      b, c are all 1024 B: the tie goes to a (live from s0, closest to the
//      input): v1 8 -> 4 -> 512 + 1024 + 1024 = 2560 fits.
//   s3 512 + 1024 + 1024 = 2560, s4 512 + 1024 + 1024 = 2560, s5, s6 fit.
GraphDesc residualGraph() {
  GraphDesc g;
  int x = g.addTensor("x", {1, 8, 8, 8}, 0);
  int a = g.addTensor("a", {1, 8, 8, 16}, 1);
  int b = g.addTensor("b", {1, 8, 8, 32}, 2);
  int c = g.addTensor("c", {1, 8, 8, 32}, 3);
  int d = g.addTensor("d", {1, 8, 8, 16}, 4);
  int e = g.addTensor("e", {1, 8, 8, 16}, 5);
  int f = g.addTensor("f", {1, 16}, 5);
  int y = g.addTensor("g", {1, 10}, 6);
  g.addLayer("conv0", StepKind::Conv, {16, 3, 3, 8}, 16, x, a);
  g.addLayer("expand", StepKind::Conv, {32, 1, 1, 16}, 32, a, b);
  g.addLayer("dw", StepKind::Depthwise, {3, 3, 32}, 32, b, c);
  g.addLayer("proj", StepKind::Conv, {16, 1, 1, 32}, 16, c, d);
  g.addStep("add", StepKind::Add, {a, d}, e);
  g.addStep("pool", StepKind::Other, {e}, f);
  g.addLayer("fc", StepKind::FullyConnected, {10, 16}, 10, f, y, true);
  return g;
}

TEST(PrecisionAssignment, ResidualGraphUsesLiveTensorRule) {
  GraphDesc g = residualGraph();
  ASSERT_EQ(validateGraph(g), "");
  EXPECT_FALSE(isChain(g));
  Footprint at8 =
      computeFootprint(g, uniformAssignment(g, 8), QuantScheme::PC_ICN);
  const std::vector<int64_t> live8 = {1536, 3072, 5120, 4096, 3072, 1040, 26};
  for (size_t s = 0; s < live8.size(); ++s)
    EXPECT_EQ(at8.steps[s].liveBytes, live8[s]) << "step " << s;

  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 3000));
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_FALSE(r.chainRule);
  ASSERT_EQ(r.cuts.size(), 3u);
  expectActivationCut(r.cuts[0], 2, 8, 4, 1, true, 1);
  expectActivationCut(r.cuts[1], 3, 8, 4, 1, true, 2);
  expectActivationCut(r.cuts[2], 1, 8, 4, 1, true, 2);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=88888 a=8444888");
  EXPECT_EQ(r.footprint.peakLiveBytes, 2560);
  EXPECT_EQ(r.ramUsed, 2560);

  // RAM 1000 cannot be met: at 2 bits a 256, b 512, c 512, d 256, e 256,
  // f 4 (v1..v5 cuttable), x 512 and g 10 fixed. Live: s0 768, s1 768,
  // s2 a+b+c = 1280, s3 1024, s4 768, s5 260, s6 14 -> 1280 at 'dw'.
  r = assignPrecisionByRule(g, request(kHuge, 1000));
  ASSERT_TRUE(r.valid);
  EXPECT_FALSE(r.fits);
  EXPECT_EQ(r.smallestFootprint.peakLiveBytes, 1280);
  EXPECT_NE(r.error.find("is 1280 B; bottleneck step 'dw' (1280 B live)"),
            std::string::npos)
      << r.error;
}

TEST(PrecisionAssignment, MobileNetV1IsAChain) {
  EXPECT_TRUE(isChain(buildMobileNetV1(1.0, 224)));
  EXPECT_TRUE(isChain(fcChain({4, 8, 4})));
}

// img [1,4,4,2] -> flat (pass-through) -> x [1,32] -> L0 -> [1,64] -> L1 ->
// [1,8] (last), RAM 90. The flatten keeps the image's variable, so the image
// is still fixed at 8 bits and the graph is still a chain.
// Sweep 1: flat is not a layer. L0 32 + 64 = 96 > 90: only the output can
// shrink: 8 -> 4, 32 + 32 = 64. L1 32 + 8 = 40. Sweep 2 clean.
TEST(PrecisionAssignment, PassThroughOfTheImageKeepsItFixed) {
  GraphDesc g;
  int img = g.addTensor("img", {1, 4, 4, 2}, 0);
  int x = g.addTensor("x", {1, 32}, 0);
  int h = g.addTensor("h", {1, 64}, 1);
  int y = g.addTensor("y", {1, 8}, 2);
  g.addStep("flat", StepKind::Other, {img}, x);
  g.addLayer("L0", StepKind::FullyConnected, {64, 32}, 64, x, h);
  g.addLayer("L1", StepKind::FullyConnected, {8, 64}, 8, h, y, true);
  ASSERT_EQ(validateGraph(g), "");
  EXPECT_TRUE(isChain(g));
  AssignmentResult r = assignPrecisionByRule(g, request(kHuge, 90));
  ASSERT_TRUE(r.fits) << r.error;
  ASSERT_EQ(r.cuts.size(), 1u);
  expectActivationCut(r.cuts[0], 1, 8, 4, 1, true, 1);
  EXPECT_EQ(formatBitString(g, r.assignment), "w=88 a=848");
  EXPECT_EQ(r.footprint.ramBytes, 64);
}

// MobileNetV1 1.0_224, flash 2,048,000, RAM 512,000, PC+ICN, traced by hand.
// Elements per activation variable: v0 image 150,528 (fixed), v1 conv0
// 401,408, v2 dw1 401,408, v3 pw1 802,816, v4 dw2 200,704, v5 pw2 401,408,
// v6 dw3 401,408, v7 pw3 401,408, v8 dw4 100,352, v9..v11 200,704, ...
// Sweep 1 (fwd):
//   conv0 150,528 + 401,408 = 551,936 > 512,000: only the output can
//     shrink: v1 8 -> 4 (200,704) -> 351,232.
//   dw1 200,704 + 401,408 = 602,112: output has more bits: v2 -> 4 ->
//     401,408.
//   pw1 200,704 + 802,816 = 1,003,520: v3 -> 4 (401,408) -> 602,112; equal
//     bits, output larger: v3 -> 2 (200,704) -> 401,408.
//   dw2 200,704 + 200,704 = 401,408 fits.
//   pw2 200,704 + 401,408 = 602,112: equal bits, output larger: v5 -> 4.
//   dw3 200,704 + 401,408: v6 -> 4.   pw3 200,704 + 401,408: v7 -> 4.
//   dw4 200,704 + 100,352 fits, and every later layer is at most 401,408.
// Sweep 2 (bwd) is clean. RAM = 401,408.
// Weights (numel; total 4,209,088; flash at 8 = 4,325,748):
//   1: shares pw13 0.2491, fc 0.2433 (> 0.1991) -> pw13 8->4, 3,801,460
//   2: total bits 29,478,400: fc 0.2779, next 0.1423 -> fc 8->4, 3,289,460
//   3: total 25,382,400: pw12 0.1652, pw13 0.1652, fc 0.1614 -> pw12 8->4,
//      3,027,316
//   4: total 23,285,248: pw13 0.1801, fc 0.1759 -> pw13 4->2, 2,765,172
//   5: total 21,188,096: fc 0.1933, rest <= 0.0990 -> fc 4->2, 2,509,172
//   6: total 19,140,096: pw7..pw12 0.1096 each (pw13, fc at 2 bits are no
//      longer candidates), pw6 0.0548 -> pw7 8->4, 2,378,100
//   7: total 18,091,520: pw8..pw12 0.1159 -> pw8, 2,247,028
//   8: total 17,042,944: pw9..pw12 0.1231 -> pw9, 2,115,956
//   9: total 15,994,368: pw10..pw12 0.1311 -> pw10, 1,984,884 <= 2,048,000.
TEST(PrecisionAssignment, MobileNetV1FullAtPaperBudgets) {
  GraphDesc g = buildMobileNetV1(1.0, 224);
  AssignmentResult r = assignPrecisionByRule(g, request(2048000, 512000));
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_TRUE(r.chainRule);
  EXPECT_EQ(formatBitString(g, r.assignment),
            "w=8888888888888848484848884822 "
            "a=84428444888888888888888888888");
  EXPECT_EQ(r.activationSweeps, 2);
  EXPECT_EQ(r.footprint.ramBytes, 401408);
  EXPECT_EQ(r.footprint.flashBytes, 1984884);
  const std::vector<std::string> weightOrder = {
      "pw13", "fc", "pw12", "pw13", "fc", "pw7", "pw8", "pw9", "pw10"};
  std::vector<std::string> got;
  int activationCuts = 0;
  for (const CutRecord &c : r.cuts) {
    if (c.target == CutTarget::Weight)
      got.push_back(c.name);
    else
      ++activationCuts;
  }
  EXPECT_EQ(activationCuts, 7);
  EXPECT_EQ(got, weightOrder);
}

// Properties at the paper's budgets for the four MobileNetV1 variants, and
// the bit strings for the report.
TEST(PrecisionAssignment, MobileNetV1FamilyAtPaperBudgets) {
  struct Variant {
    double alpha;
    int resolution;
    const char *name;
  };
  const Variant variants[] = {{0.25, 128, "0.25_128"},
                              {0.5, 160, "0.5_160"},
                              {0.75, 224, "0.75_224"},
                              {1.0, 224, "1.0_224"}};
  for (const Variant &v : variants) {
    GraphDesc g = buildMobileNetV1(v.alpha, v.resolution);
    AssignmentResult r = assignPrecisionByRule(g, request(2048000, 512000));
    ASSERT_TRUE(r.valid) << v.name << ": " << r.error;
    EXPECT_TRUE(r.fits) << v.name << ": " << r.error;
    EXPECT_LE(r.footprint.flashBytes, 2048000) << v.name;
    EXPECT_LE(r.footprint.ramBytes, 512000) << v.name;
    // The image and the logits stay at 8 bits.
    EXPECT_EQ(r.assignment.activationBits.front(), 8u) << v.name;
    EXPECT_EQ(r.assignment.activationBits.back(), 8u) << v.name;
    std::cout << "[ mpq      ] MobileNetV1 " << v.name << " pc-icn "
              << formatBitString(g, r.assignment)
              << " flash=" << r.footprint.flashBytes
              << " ram=" << r.footprint.ramBytes << " cuts=" << r.cuts.size()
              << "\n";
  }
  // 0.25_128 fits at 8 bits (flash 498,180, RAM 98,304): no cut at all.
  GraphDesc q = buildMobileNetV1(0.25, 128);
  AssignmentResult r = assignPrecisionByRule(q, request(2048000, 512000));
  EXPECT_TRUE(r.cuts.empty());
  EXPECT_EQ(formatBitString(q, r.assignment),
            "w=" + std::string(28, '8') + " a=" + std::string(29, '8'));
}

} // namespace
