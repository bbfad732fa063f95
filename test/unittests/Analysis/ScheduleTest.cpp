//===- ScheduleTest.cpp - Tests of the memory-aware op schedule -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/Schedule.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <iostream>
#include <numeric>
#include <random>

using namespace mlir::mpq;

namespace {

ScheduleResult schedule(const OpGraph &graph, const std::vector<int> &given,
                        const ScheduleOptions &options = ScheduleOptions()) {
  ScheduleResult result;
  EXPECT_EQ(scheduleForMemory(graph, given, options, result), "");
  EXPECT_EQ(checkTopologicalOrder(graph, result.order), "");
  EXPECT_EQ(peakLiveBytes(graph, result.order), result.peakBytes);
  EXPECT_LE(result.peakBytes, result.givenPeakBytes);
  return result;
}

std::vector<int> identity(size_t n) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  return order;
}

/// The residual block with a projection shortcut used below:
///   x (400 B) -> a1 expand (800 B) -> a2 depthwise stride 2 (200 B)
///             -> a3 project (100 B) -> add (100 B, output)
///   x -> s1 1x1 stride 2 shortcut (100 B) -> add
/// Ops are created branch first: a1, a2, a3, s1, add.
OpGraph projectionBlock() {
  OpGraph g;
  int x = g.addInput("x", 400);
  int a1 = g.addOp("a1", 800, {x});
  int a2 = g.addOp("a2", 200, {a1});
  int a3 = g.addOp("a3", 100, {a2});
  int s1 = g.addOp("s1", 100, {x});
  g.addOp("add", 100, {a3, s1});
  return g;
}

/// Brute force over all topological orders (small graphs only).
int64_t bestPeakByEnumeration(const OpGraph &graph) {
  std::vector<int> order = identity(graph.ops.size());
  int64_t best = std::numeric_limits<int64_t>::max();
  do {
    if (checkTopologicalOrder(graph, order).empty())
      best = std::min(best, peakLiveBytes(graph, order));
  } while (std::next_permutation(order.begin(), order.end()));
  return best;
}

/// A random DAG: each op reads 1..3 earlier tensors (graph inputs or op
/// results), sizes 1..1000; some intermediate results are also outputs.
OpGraph randomGraph(std::mt19937_64 &rng, int numOps) {
  OpGraph g;
  const int numInputs = 1 + static_cast<int>(rng() % 2);
  for (int i = 0; i < numInputs; ++i)
    g.addInput("in" + std::to_string(i),
               1 + static_cast<int64_t>(rng() % 1000));
  for (int k = 0; k < numOps; ++k) {
    std::vector<int> operands;
    const int numOperands = 1 + static_cast<int>(rng() % 3);
    const int available = static_cast<int>(g.tensors.size());
    for (int o = 0; o < numOperands; ++o) {
      // Mostly recent tensors, so graphs look like nets rather than soup.
      int back = static_cast<int>(rng() % std::min(available, 4));
      if (rng() % 4 == 0)
        back = static_cast<int>(rng() % available);
      operands.push_back(available - 1 - back);
    }
    int t = g.addOp("op" + std::to_string(k),
                    1 + static_cast<int64_t>(rng() % 1000), operands);
    if (rng() % 10 == 0)
      g.markOutput(t);
  }
  return g;
}

/// A random topological order (Kahn's algorithm with random picks).
std::vector<int> randomTopologicalOrder(const OpGraph &g,
                                        std::mt19937_64 &rng) {
  const int n = static_cast<int>(g.ops.size());
  std::vector<int> order;
  std::vector<bool> done(n, false);
  while (static_cast<int>(order.size()) < n) {
    std::vector<int> ready;
    for (int k = 0; k < n; ++k) {
      if (done[k])
        continue;
      bool ok = true;
      for (int t : g.ops[k].operands)
        if (g.tensors[t].producer >= 0 && !done[g.tensors[t].producer])
          ok = false;
      if (ok)
        ready.push_back(k);
    }
    int pick = ready[rng() % ready.size()];
    done[pick] = true;
    order.push_back(pick);
  }
  return order;
}

TEST(Schedule, ChainKeepsOrder) {
  OpGraph g;
  int t = g.addInput("in", 300);
  for (int i = 0; i < 10; ++i)
    t = g.addOp("conv" + std::to_string(i), 100 * (i % 4 + 1), {t});
  ScheduleResult r = schedule(g, {});
  EXPECT_EQ(r.order, identity(10));
  EXPECT_EQ(r.method, "given");
  EXPECT_TRUE(r.exact);
  ScheduleOptions heuristic;
  heuristic.exactMaxOps = 0;
  EXPECT_EQ(schedule(g, {}, heuristic).order, identity(10));
}

TEST(Schedule, ProjectionShortcutRunsFirst) {
  // Given order a1, a2, a3, s1, add: x (needed by s1) stays live through the
  // branch. Steps: 0 a1: x+a1 = 1200; 1 a2: x+a1+a2 = 1400; 2 a3: 700;
  // 3 s1: 600; 4 add: 300. Peak 1400.
  // Lower peak by hand: at a1's step x and a1 are live (1200). If s1 runs
  // after a2, a2's step holds x, a1 and a2 = 1400. Otherwise s1 runs before
  // a1 (then s1 is live at a1's step: 1300) or between a1 and a2 (its step
  // holds x + a1 + s1 = 1300); after that x is dead and the peak is a1's or
  // s1's step, 1300 (a2's step holds a1 + s1 + a2 = 1100). Minimum 1300.
  OpGraph g = projectionBlock();
  EXPECT_EQ(peakLiveBytes(g, identity(5)), 1400);
  EXPECT_EQ(peakLiveBytes(g, {3, 0, 1, 2, 4}), 1300);
  EXPECT_EQ(peakLiveBytes(g, {0, 3, 1, 2, 4}), 1300);
  EXPECT_EQ(bestPeakByEnumeration(g), 1300);

  ScheduleResult exact = schedule(g, {});
  EXPECT_EQ(exact.givenPeakBytes, 1400);
  EXPECT_EQ(exact.peakBytes, 1300);
  EXPECT_TRUE(exact.exact);
  EXPECT_EQ(exact.method, "exact");

  // The greedy fallback gets there too: with nothing run, s1 grows memory by
  // 100 B and a1 by 800 B, so s1 goes first.
  ScheduleOptions heuristic;
  heuristic.exactMaxOps = 0;
  ScheduleResult greedy = schedule(g, {}, heuristic);
  EXPECT_EQ(greedy.order, (std::vector<int>{3, 0, 1, 2, 4}));
  EXPECT_EQ(greedy.peakBytes, 1300);
  EXPECT_FALSE(greedy.exact);

  // Feeding the plan: the planner reaches the schedule's peak.
  std::vector<Buffer> buffers = tensorLifetimes(g, exact.order);
  PlanOptions options;
  options.align = 1;
  Plan p;
  ASSERT_EQ(planBuffers(buffers, options, p), "");
  EXPECT_EQ(p.lowerBound, 1300);
  EXPECT_EQ(p.arenaSize, 1300);
  EXPECT_EQ(checkPlan(buffers, p), "");
}

TEST(Schedule, MobileNetV2IdentitySkip) {
  // x (100) -> expand (600) -> depthwise (600) -> project (100) -> add(x, .)
  // (100, output). The ops form a chain, so the order is forced; x is live
  // until the add: steps 0: x+e = 700, 1: x+e+d = 1300, 2: x+d+p = 800,
  // 3: x+p+y = 300. Peak 1300.
  OpGraph g;
  int x = g.addInput("x", 100);
  int e = g.addOp("expand", 600, {x});
  int d = g.addOp("dw", 600, {e});
  int p = g.addOp("project", 100, {d});
  g.addOp("add", 100, {x, p});
  ScheduleResult r = schedule(g, {});
  EXPECT_EQ(r.order, identity(4));
  EXPECT_EQ(r.peakBytes, 1300);
  std::vector<Buffer> buffers = tensorLifetimes(g, r.order);
  EXPECT_EQ(buffers[x].firstUse, 0);
  EXPECT_EQ(buffers[x].lastUse, 3);
  EXPECT_EQ(buffers[4].lastUse, 3); // the output lives to the end
}

TEST(Schedule, OutputsLiveToTheEnd) {
  // Two heads: h1 (big) is a model output, so running it last is better.
  OpGraph g;
  int x = g.addInput("x", 10);
  int h1 = g.addOp("h1", 500, {x});
  int b = g.addOp("b", 20, {x});
  int c = g.addOp("c", 20, {b});
  g.markOutput(h1);
  (void)c;
  // Given h1, b, c (c, read by nobody, is an output too): steps
  // x+h1 = 510, x+h1+b = 530, h1+b+c = 540 -> 540. Best b, c, h1: steps
  // x+b = 30, x+b+c = 50, x+c+h1 = 530 -> 530 (h1's own step needs 530
  // whatever the order, as x is read by h1 and c is an output).
  ScheduleResult r = schedule(g, {});
  EXPECT_EQ(r.givenPeakBytes, 540);
  EXPECT_EQ(r.peakBytes, 530);
  EXPECT_EQ(r.order.back(), 0);
}

TEST(Schedule, RejectsInvalidGraphsAndOrders) {
  OpGraph g = projectionBlock();
  ScheduleResult r;
  EXPECT_NE(scheduleForMemory(g, {1, 0, 2, 3, 4}, ScheduleOptions(), r), "");
  EXPECT_NE(scheduleForMemory(g, {0, 1, 2, 3}, ScheduleOptions(), r), "");
  EXPECT_NE(checkTopologicalOrder(g, {0, 0, 1, 2, 3}), "");
  OpGraph bad = g;
  bad.ops[0].operands.push_back(6); // add's result, produced later
  EXPECT_NE(verifyGraph(bad), "");
  EXPECT_NE(scheduleForMemory(bad, {}, ScheduleOptions(), r), "");
}

TEST(Schedule, RandomSmallDagsAreExact) {
  std::mt19937_64 rng(17);
  int improved = 0;
  for (int trial = 0; trial < 300; ++trial) {
    OpGraph g = randomGraph(rng, 1 + static_cast<int>(rng() % 8));
    std::vector<int> given = randomTopologicalOrder(g, rng);
    ScheduleResult r = schedule(g, given);
    EXPECT_TRUE(r.exact);
    EXPECT_EQ(r.peakBytes, bestPeakByEnumeration(g)) << "trial " << trial;
    EXPECT_EQ(peakLiveBytes(g, given), r.givenPeakBytes);
    if (r.peakBytes == r.givenPeakBytes) {
      EXPECT_EQ(r.order, given);
    }
    improved += r.peakBytes < r.givenPeakBytes;
    EXPECT_EQ(peakLiveBytes(g, r.order),
              lowerBound(tensorLifetimes(g, r.order), 1));
  }
  std::cout << "schedule: exact search lowered the peak of a random given "
               "order in "
            << improved << " of 300 small DAGs\n";
  EXPECT_GT(improved, 30);
}

TEST(Schedule, RandomLargeDagsValidAndNeverWorse) {
  std::mt19937_64 rng(23);
  int heuristicImproved = 0, exactRuns = 0;
  for (int trial = 0; trial < 200; ++trial) {
    OpGraph g = randomGraph(rng, 10 + static_cast<int>(rng() % 90));
    std::vector<int> given = randomTopologicalOrder(g, rng);
    ScheduleOptions options;
    ScheduleResult r = schedule(g, given, options);
    exactRuns += r.exact;
    ScheduleOptions heuristic;
    heuristic.exactMaxOps = 0;
    ScheduleResult h = schedule(g, given, heuristic);
    EXPECT_FALSE(h.exact);
    heuristicImproved += h.peakBytes < h.givenPeakBytes;
    if (r.exact) {
      EXPECT_LE(r.peakBytes, h.peakBytes);
    }
  }
  std::cout << "schedule: of 200 DAGs with 10..99 ops, exact search finished "
            << "on " << exactRuns << "; the greedy heuristic improved the "
            << "given order on " << heuristicImproved << "\n";
}

} // namespace
