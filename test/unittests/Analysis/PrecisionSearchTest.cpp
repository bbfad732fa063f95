//===- PrecisionSearchTest.cpp - Tests of the exact bit-width search ------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The search is checked against an independent reference: enumerating every
// assignment of the free widths, sizing each with computeFootprint (the
// memory model, not the search's own rows) and keeping the cheapest that
// fits. Hand-worked cases show what the search does that the rule cannot.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PrecisionAssignment.h"

#include "GraphBuilders.h"

#include "gtest/gtest.h"

#include <cmath>
#include <iostream>
#include <random>

using namespace mlir::mpq;
using namespace mlir::mpq::graphs;

namespace {

constexpr int64_t kHuge = int64_t(1) << 40;

/// A fire-style DAG: x -> L0 -> a; a -> L1 -> b; a -> L2 -> c; b, c ->
/// Add or Concat -> d; d -> L3 (last) -> y.
GraphDesc fireGraph(int64_t x, int64_t a, int64_t bc, bool concat, int64_t y) {
  GraphDesc g;
  int tx = g.addTensor("x", {1, x}, 0);
  int ta = g.addTensor("a", {1, a}, 1);
  int tb = g.addTensor("b", {1, bc}, 2);
  int tc = g.addTensor("c", {1, bc}, 3);
  const int64_t d = concat ? 2 * bc : bc;
  int td = g.addTensor("d", {1, d}, 4);
  int ty = g.addTensor("y", {1, y}, 5);
  g.addLayer("L0", StepKind::FullyConnected, {a, x}, a, tx, ta);
  g.addLayer("L1", StepKind::FullyConnected, {bc, a}, bc, ta, tb);
  g.addLayer("L2", StepKind::FullyConnected, {bc, a}, bc, ta, tc);
  g.addStep("join", concat ? StepKind::Concat : StepKind::Add, {tb, tc}, td);
  g.addLayer("L3", StepKind::FullyConnected, {y, d}, y, td, ty, true);
  return g;
}

SensitivityTable randomTable(const GraphDesc &g, std::mt19937 &rng) {
  // Costs fall with the width, as measured ones do (mostly).
  std::uniform_real_distribution<double> u(0.0, 1.0);
  SensitivityTable t;
  t.source = "random";
  auto row = [&] {
    const double c4 = u(rng), c2 = c4 + u(rng) * 4;
    return std::vector<double>{u(rng) * 0.01, c4, c2};
  };
  for (const GraphStep &s : g.steps)
    t.weight.push_back(hasWeights(s.kind) ? row() : std::vector<double>());
  for (int v = 0; v < g.numVariables(); ++v)
    t.activation.push_back(row());
  return t;
}

struct Best {
  bool fits = false;
  double cost = 0;
  BitAssignment bits;
};

/// Every assignment of the free widths, sized by computeFootprint.
Best bruteForce(const GraphDesc &g, const AssignmentRequest &req,
                const SensitivityTable &table) {
  StartingWidths start;
  EXPECT_EQ(computeStartingWidths(g, req, start), "");
  struct Free {
    bool weight;
    int index;
  };
  const size_t n = req.candidateBits.size();
  // Per-layer weights double a weight's options: digits n.. are per layer.
  auto perLayerOffered = [&](size_t s) {
    return req.scheme == QuantScheme::PC_ICN &&
           s < table.weightPerLayer.size() && !table.weightPerLayer[s].empty();
  };
  std::vector<Free> free;
  std::vector<size_t> options;
  for (size_t s = 0; s < g.steps.size(); ++s)
    if (hasWeights(g.steps[s].kind) && !start.weightFixed[s]) {
      free.push_back({true, static_cast<int>(s)});
      options.push_back(perLayerOffered(s) ? 2 * n : n);
    }
  for (int v = 0; v < g.numVariables(); ++v)
    if (!start.variableFixed[v]) {
      free.push_back({false, v});
      options.push_back(n);
    }
  const bool chain = isChain(g);
  Best best;
  std::vector<size_t> digit(free.size(), 0);
  while (true) {
    BitAssignment bits = start.bits;
    bits.perLayerWeights.assign(g.steps.size(), false);
    double cost = 0;
    for (size_t i = 0; i < free.size(); ++i) {
      const unsigned b = req.candidateBits[digit[i] % n];
      if (free[i].weight) {
        const bool perLayer = digit[i] >= n;
        bits.weightBits[free[i].index] = b;
        bits.perLayerWeights[free[i].index] = perLayer;
        cost += (perLayer ? table.weightPerLayer
                          : table.weight)[free[i].index][digit[i] % n];
      } else {
        bits.activationBits[free[i].index] = b;
        cost += table.activation[free[i].index][digit[i]];
      }
    }
    Footprint fp = computeFootprint(g, bits, req.scheme, req.inPlace);
    const int64_t ram = chain ? fp.ramBytes : fp.peakLiveBytes;
    if (fp.flashBytes <= req.flashBudget && ram <= req.ramBudget &&
        (!best.fits || cost < best.cost)) {
      best.fits = true;
      best.cost = cost;
      best.bits = bits;
    }
    size_t i = 0;
    while (i < free.size() && ++digit[i] == options[i])
      digit[i++] = 0;
    if (i == free.size())
      break;
  }
  return best;
}

/// Runs the search with `solver` and checks it against the enumeration.
void expectOptimal(const GraphDesc &g, AssignmentRequest req,
                   const SensitivityTable &table, SearchSolver solver,
                   const std::string &what) {
  req.sensitivity = std::make_shared<SensitivityTable>(table);
  req.solver = solver;
  const Best best = bruteForce(g, req, table);
  AssignmentResult r = SearchStrategy().assign(g, req);
  ASSERT_TRUE(r.valid) << what << ": " << r.error;
  ASSERT_TRUE(r.search.has_value()) << what;
  EXPECT_EQ(r.fits, best.fits) << what << ": " << r.error;
  if (!best.fits || !r.fits)
    return;
  EXPECT_NEAR(r.search->objective, best.cost, 1e-9 * (1 + best.cost))
      << what << ": search " << formatBitString(g, r.assignment)
      << ", enumeration " << formatBitString(g, best.bits);
  // The footprint reported is the memory model's, within both budgets.
  EXPECT_LE(r.footprint.flashBytes, req.flashBudget) << what;
  EXPECT_LE(r.ramUsed, req.ramBudget) << what;
  if (r.search->ruleFits) {
    EXPECT_LE(r.search->objective, r.search->ruleObjective + 1e-12) << what;
  }
}

/// `table` with a per-layer row for every weight layer: mostly costlier
/// than per channel (a grid for the whole tensor), sometimes not.
SensitivityTable withPerLayerRows(const GraphDesc &g, SensitivityTable table,
                                  std::mt19937 &rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  table.weightPerLayer.resize(g.steps.size());
  for (size_t s = 0; s < g.steps.size(); ++s)
    if (hasWeights(g.steps[s].kind))
      for (double c : table.weight[s])
        table.weightPerLayer[s].push_back(c * (0.9 + 0.3 * u(rng)) +
                                          u(rng) * 0.1);
  return table;
}

/// A chain of 3x3 convolutions and depthwise layers on NHWC feature maps
/// (window steps, which may run in place: stepInPlaceShift), then a
/// pointwise layer, the last.
GraphDesc convChain(int64_t size, const std::vector<int64_t> &channels,
                    const std::vector<int64_t> &strides) {
  GraphDesc g;
  int64_t h = size;
  int t = g.addTensor("x", {1, h, h, channels[0]}, 0);
  for (size_t l = 0; l + 1 < channels.size(); ++l) {
    const bool last = l + 2 == channels.size();
    const bool depthwise = !last && channels[l] == channels[l + 1];
    const int64_t k = last ? 1 : 3, stride = last ? 1 : strides[l];
    const int64_t pad = k / 2;
    h = (h + 2 * pad - k) / stride + 1;
    int out = g.addTensor("t" + std::to_string(l + 1),
                          {1, h, h, channels[l + 1]}, static_cast<int>(l) + 1);
    std::vector<int64_t> w =
        depthwise ? std::vector<int64_t>{channels[l], k, k, 1}
                  : std::vector<int64_t>{channels[l + 1], k, k, channels[l]};
    g.addLayer("L" + std::to_string(l),
               depthwise ? StepKind::Depthwise : StepKind::Conv, w,
               channels[l + 1], t, out, last);
    GraphStep &step = g.steps.back();
    step.windowStride = stride;
    step.windowPadTop = pad;
    step.windowExtent = k;
    step.windowPointwise = k == 1 && stride == 1;
    t = out;
  }
  return g;
}

/// A budget between the all-smallest and the all-8-bit figure.
int64_t between(int64_t lo, int64_t hi, std::mt19937 &rng) {
  if (hi <= lo)
    return lo;
  return std::uniform_int_distribution<int64_t>(lo - (hi - lo) / 8, hi)(rng);
}

} // namespace

TEST(PrecisionSearch, StrategyIsRegistered) {
  std::unique_ptr<PrecisionStrategy> s = createPrecisionStrategy("search");
  ASSERT_TRUE(s);
  EXPECT_STREQ(s->name(), "search");
  std::vector<std::string> names = precisionStrategyNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "search"), names.end());
}

// Hand-worked: L0 is FC [64, 32] (2048 weights), L1 FC [10, 64] (640); the
// flash budget leaves 2208 B for the weights after the parameters. At 8 bits
// they take 2688 B. The rule cuts the largest share (L0: 2048 / 2688), to 4
// bits: 1024 + 640 = 1664 B, whatever that costs. With L0 sensitive (10 at
// 4 bits) and L1 not (1 at 4, 3 at 2), the search keeps L0 at 8 and takes
// L1 to 2 bits: 2048 + 160 = 2208 B, cost 3 (L1 at 4 bits would need 2048 +
// 320 = 2368 B), where the rule's w=48 costs 10.
TEST(PrecisionSearch, SensitivityBeatsTheShareRule) {
  GraphDesc g = fcChain({32, 64, 10});
  const int64_t params = layerParamBytes(QuantScheme::PC_ICN, 64, false) +
                         layerParamBytes(QuantScheme::PC_ICN, 10, true);
  AssignmentRequest req = request(2208 + params, kHuge);
  auto table = std::make_shared<SensitivityTable>();
  table->weight = {{0, 10, 20}, {0, 1, 3}};
  table->activation = {{0, 0, 0}, {0, 1, 2}, {0, 0, 0}};
  table->source = "hand";
  req.sensitivity = table;

  AssignmentResult rule = assignPrecisionByRule(g, req);
  ASSERT_TRUE(rule.fits) << rule.error;
  EXPECT_EQ(formatBitString(g, rule.assignment), "w=48 a=888");

  AssignmentResult r = SearchStrategy().assign(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_EQ(formatBitString(g, r.assignment), "w=82 a=888");
  ASSERT_TRUE(r.search);
  EXPECT_EQ(r.search->solver, "dp");
  EXPECT_DOUBLE_EQ(r.search->objective, 3.0);
  EXPECT_TRUE(r.search->ruleFits);
  EXPECT_DOUBLE_EQ(r.search->ruleObjective, 10.0);
  EXPECT_EQ(r.search->ruleBits, "w=48 a=888");
  EXPECT_EQ(r.footprint.weightBytes, 2208);
  // L1 at 4 bits would need 2048 + 320 weights: 112 B over.
  EXPECT_EQ(r.search->weightWhy[1], "flash: at 4 bits the model needs " +
                                        std::to_string(2368 + params) +
                                        " B > " +
                                        std::to_string(2208 + params) + " B");
  EXPECT_EQ(r.search->weightWhy[0], "");
  EXPECT_EQ(r.search->variableWhy[0], "fixed");
  EXPECT_EQ(r.search->variableWhy[2], "fixed");

  // The same through the MILP.
  req.solver = SearchSolver::Milp;
  AssignmentResult m = SearchStrategy().assign(g, req);
  ASSERT_TRUE(m.fits) << m.error;
  EXPECT_EQ(m.search->solver, "milp");
  EXPECT_EQ(formatBitString(g, m.assignment), "w=82 a=888");
}

// RAM on a chain: x [1,100] -> L0 -> [1,200] -> L1 -> [1,100] -> L2 -> [1,10].
// Budget 260 B: L0 needs 100 + 200 at 8 bits; y0 at 4 bits gives 100 + 100
// = 200 and L1 100 + 100 (y1 at 8) = 200. y0 at 4 is the only cut needed;
// with y0 expensive (cost 5 at 4 bits, 9 at 2) and y1 cheap it is still
// forced, because L0's input is the fixed image: x 100 + y0 <= 260 means y0
// <= 160 B, so 4 bits. The reason names L0.
TEST(PrecisionSearch, RamReasonNamesTheLayer) {
  GraphDesc g = fcChain({100, 200, 100, 10});
  AssignmentRequest req = request(kHuge, 260);
  auto table = std::make_shared<SensitivityTable>();
  table->weight = {{0, 1, 2}, {0, 1, 2}, {0, 1, 2}};
  table->activation = {{0, 0, 0}, {0, 5, 9}, {0, 0.5, 1}, {0, 0, 0}};
  req.sensitivity = table;
  AssignmentResult r = SearchStrategy().assign(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_EQ(formatBitString(g, r.assignment), "w=888 a=8488");
  EXPECT_EQ(r.search->variableWhy[1],
            "RAM: at 8 bits 'L0' needs 300 B > 260 B");
  EXPECT_DOUBLE_EQ(r.search->objective, 5.0);
}

TEST(PrecisionSearch, MatchesEnumerationOnRandomChains) {
  std::mt19937 rng(20261205);
  std::uniform_int_distribution<int64_t> width(3, 300);
  std::uniform_int_distribution<int> layers(1, 4);
  for (int trial = 0; trial < 150; ++trial) {
    std::vector<int64_t> widths;
    for (int i = 0, n = layers(rng) + 1; i < n; ++i)
      widths.push_back(width(rng));
    GraphDesc g = fcChain(widths);
    ASSERT_TRUE(isChain(g));
    const BitAssignment at8 = uniformAssignment(g, 8);
    const BitAssignment at2 = uniformAssignment(g, 2);
    Footprint f8 = computeFootprint(g, at8, QuantScheme::PC_ICN);
    Footprint f2 = computeFootprint(g, at2, QuantScheme::PC_ICN);
    AssignmentRequest req = request(between(f2.flashBytes, f8.flashBytes, rng),
                                    between(f2.ramBytes, f8.ramBytes, rng));
    const SensitivityTable table = randomTable(g, rng);
    const std::string what = "chain trial " + std::to_string(trial);
    expectOptimal(g, req, table, SearchSolver::DynamicProgram, what + " dp");
    expectOptimal(g, req, table, SearchSolver::Milp, what + " milp");
  }
}

// Layers that may run in place hold their input and output as their union
// (the rule counts it so: request.inPlace); the search's RAM rows count the
// same union for every pair of widths, so where the rule fits, the search
// does. Checked against the enumeration (computeFootprint with in-place)
// on random conv chains, with both solvers.
TEST(PrecisionSearch, MatchesEnumerationWithLayersInPlace) {
  std::mt19937 rng(1206);
  std::uniform_int_distribution<int64_t> ch(2, 24), size(4, 14);
  std::uniform_int_distribution<int> stride(1, 2), kind(0, 1);
  int savedSomewhere = 0;
  for (int trial = 0; trial < 120; ++trial) {
    std::vector<int64_t> channels = {ch(rng)};
    std::vector<int64_t> strides;
    for (int l = 0; l < 3; ++l) {
      // Depthwise (same channels) or a full conv.
      channels.push_back(kind(rng) ? channels.back() : ch(rng));
      strides.push_back(stride(rng));
    }
    GraphDesc g = convChain(size(rng), channels, strides);
    ASSERT_TRUE(isChain(g));
    const BitAssignment at8 = uniformAssignment(g, 8);
    const BitAssignment at2 = uniformAssignment(g, 2);
    Footprint f8 = computeFootprint(g, at8, QuantScheme::PC_ICN, true);
    Footprint f2 = computeFootprint(g, at2, QuantScheme::PC_ICN, true);
    Footprint plain8 = computeFootprint(g, at8, QuantScheme::PC_ICN);
    savedSomewhere += f8.ramBytes < plain8.ramBytes;
    AssignmentRequest req = request(between(f2.flashBytes, f8.flashBytes, rng),
                                    between(f2.ramBytes, f8.ramBytes, rng));
    req.inPlace = true;
    const SensitivityTable table = randomTable(g, rng);
    const std::string what = "in-place trial " + std::to_string(trial);
    expectOptimal(g, req, table, SearchSolver::DynamicProgram, what + " dp");
    expectOptimal(g, req, table, SearchSolver::Milp, what + " milp");
  }
  // The case the test is about happens: running in place saves RAM.
  EXPECT_GE(savedSomewhere, 20);
}

TEST(PrecisionSearch, MatchesEnumerationOnRandomDags) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> width(3, 200);
  for (int trial = 0; trial < 120; ++trial) {
    const bool concat = trial % 2 == 1;
    GraphDesc g =
        fireGraph(width(rng), width(rng), width(rng), concat, width(rng));
    ASSERT_FALSE(isChain(g));
    Footprint f8 =
        computeFootprint(g, uniformAssignment(g, 8), QuantScheme::PL_FB);
    Footprint f2 =
        computeFootprint(g, uniformAssignment(g, 2), QuantScheme::PL_FB);
    AssignmentRequest req =
        request(between(f2.flashBytes, f8.flashBytes, rng),
                between(f2.peakLiveBytes, f8.peakLiveBytes, rng));
    req.scheme = QuantScheme::PL_FB;
    const SensitivityTable table = randomTable(g, rng);
    expectOptimal(g, req, table, SearchSolver::Auto,
                  "dag trial " + std::to_string(trial));
  }
}

// Per-layer weights (PL+FB parameters, 4 C + 20 bytes against 10 C + 8)
// are options of their own: both solvers still find the optimum the
// enumeration finds, over widths and granularities.
TEST(PrecisionSearch, MatchesEnumerationWithPerLayerWeights) {
  std::mt19937 rng(5122026);
  std::uniform_int_distribution<int64_t> width(3, 300);
  std::uniform_int_distribution<int> layers(1, 3);
  int perLayerChosen = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const bool dag = trial % 3 == 2;
    GraphDesc g;
    if (dag) {
      g = fireGraph(width(rng), width(rng), width(rng), trial % 2 == 1,
                    width(rng));
    } else {
      std::vector<int64_t> widths;
      for (int i = 0, n = layers(rng) + 1; i < n; ++i)
        widths.push_back(width(rng));
      g = fcChain(widths);
    }
    BitAssignment smallest = uniformAssignment(g, 2);
    smallest.perLayerWeights.assign(g.steps.size(), false);
    for (size_t s = 0; s < g.steps.size(); ++s)
      smallest.perLayerWeights[s] = hasWeights(g.steps[s].kind);
    Footprint f8 =
        computeFootprint(g, uniformAssignment(g, 8), QuantScheme::PC_ICN);
    Footprint f2 = computeFootprint(g, smallest, QuantScheme::PC_ICN);
    const int64_t ram8 = dag ? f8.peakLiveBytes : f8.ramBytes;
    const int64_t ram2 = dag ? f2.peakLiveBytes : f2.ramBytes;
    AssignmentRequest req = request(between(f2.flashBytes, f8.flashBytes, rng),
                                    between(ram2, ram8, rng));
    const SensitivityTable table =
        withPerLayerRows(g, randomTable(g, rng), rng);
    const std::string what = "per-layer trial " + std::to_string(trial);
    if (!dag)
      expectOptimal(g, req, table, SearchSolver::DynamicProgram, what + " dp");
    expectOptimal(g, req, table, SearchSolver::Milp, what + " milp");
    req.sensitivity = std::make_shared<SensitivityTable>(table);
    AssignmentResult r = SearchStrategy().assign(g, req);
    for (size_t s = 0; s < g.steps.size(); ++s)
      perLayerChosen += r.fits && r.assignment.isPerLayer(s);
  }
  // The option is exercised, not just offered.
  EXPECT_GE(perLayerChosen, 10) << perLayerChosen;
}

// Where the parameters bind, per-layer weights keep more bits: the last
// layer, 512 outputs, pays 3588 B of per-channel parameters (7 C + 4) and
// 2068 B per layer (4 C + 20). At 20,000 B its 16,384 B of 8-bit weights
// fit per layer (with the first layer's 840 B: 19,292 B) but not per
// channel (20,812 B); the search keeps 8 bits per layer rather than 4 per
// channel, and says why.
TEST(PrecisionSearch, PerLayerWeightsWhereParametersBind) {
  GraphDesc g = fcChain({16, 32, 512});
  AssignmentRequest req = request(20000, kHuge);
  SensitivityTable table = uniformSensitivity(g, 3);
  table.weight[0] = {0, 1, 10};
  table.weight[1] = {0, 1, 10};
  table.weightPerLayer.resize(g.steps.size());
  table.weightPerLayer[0] = {5, 6, 15};
  table.weightPerLayer[1] = {0.5, 1.5, 10.5};
  req.sensitivity = std::make_shared<SensitivityTable>(table);
  AssignmentResult r = SearchStrategy().assign(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_EQ(r.assignment.weightBits[1], 8u);
  EXPECT_TRUE(r.assignment.isPerLayer(1));
  EXPECT_FALSE(r.assignment.isPerLayer(0));
  // Flash as the memory model counts it: PL+FB parameters for layer 1.
  EXPECT_EQ(r.footprint.steps[1].paramBytes,
            layerParamBytes(QuantScheme::PL_FB, 512, /*isLast=*/true));
  EXPECT_EQ(r.footprint.flashBytes, 19292);
  EXPECT_NEAR(r.search->objective, 0.5, 1e-12);
  EXPECT_EQ(r.search->weightWhy[1],
            "flash: at 8 bits per channel the model needs 20812 B > 20000 B");
  // Without the per-layer rows the best is 4 bits per channel.
  table.weightPerLayer.clear();
  req.sensitivity = std::make_shared<SensitivityTable>(table);
  AssignmentResult pc = SearchStrategy().assign(g, req);
  ASSERT_TRUE(pc.fits) << pc.error;
  EXPECT_EQ(pc.assignment.weightBits[1], 4u);
  EXPECT_NEAR(pc.search->objective, 1.0, 1e-12);
}

// A lookup-table step ties flash to an activation width: the MILP solves it.
TEST(PrecisionSearch, LookupTablesGoToTheMilp) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 60; ++trial) {
    GraphDesc g;
    int x = g.addTensor("x", {1, 40}, 0);
    int a = g.addTensor("a", {1, 64}, 1);
    int s = g.addTensor("s", {1, 64}, 2);
    int y = g.addTensor("y", {1, 10}, 3);
    g.addLayer("L0", StepKind::FullyConnected, {64, 40}, 64, x, a);
    int sig = g.addStep("sigmoid", StepKind::Other, {a}, s);
    g.steps[sig].lookupTables = 1 + trial % 3;
    g.addLayer("L1", StepKind::FullyConnected, {10, 64}, 10, s, y, true);
    Footprint f8 =
        computeFootprint(g, uniformAssignment(g, 8), QuantScheme::PC_ICN);
    Footprint f2 =
        computeFootprint(g, uniformAssignment(g, 2), QuantScheme::PC_ICN);
    AssignmentRequest req =
        request(between(f2.flashBytes, f8.flashBytes, rng),
                between(f2.peakLiveBytes, f8.peakLiveBytes, rng));
    const SensitivityTable table = randomTable(g, rng);
    expectOptimal(g, req, table, SearchSolver::Auto,
                  "lut trial " + std::to_string(trial));
    req.sensitivity = std::make_shared<SensitivityTable>(table);
    AssignmentResult r = SearchStrategy().assign(g, req);
    ASSERT_TRUE(r.search);
    EXPECT_EQ(r.search->solver, "milp");
  }
}

// Flat costs (nothing measured makes a difference): every width that fits
// stays at 8 bits rather than wherever a solver breaks the tie. Here only
// y0 must shrink (RamReasonNamesTheLayer's chain, RAM 260 B).
TEST(PrecisionSearch, TiesGoToTheWiderWidth) {
  GraphDesc g = fcChain({100, 200, 100, 10});
  for (SearchSolver solver :
       {SearchSolver::DynamicProgram, SearchSolver::Milp}) {
    AssignmentRequest req = request(kHuge, 260);
    auto table = std::make_shared<SensitivityTable>();
    table->weight.assign(3, {0, 0, 0});
    table->activation.assign(4, {0, 0, 0});
    req.sensitivity = table;
    req.solver = solver;
    AssignmentResult r = SearchStrategy().assign(g, req);
    ASSERT_TRUE(r.fits) << r.error;
    EXPECT_EQ(formatBitString(g, r.assignment), "w=888 a=8488");
    EXPECT_EQ(r.search->variableWhy[1],
              "RAM: at 8 bits 'L0' needs 300 B > 260 B");
  }
}

TEST(PrecisionSearch, PinsAndFixedWidthsHold) {
  GraphDesc g = fcChain({100, 200, 100, 10});
  AssignmentRequest req = request(kHuge, 260);
  req.pins.push_back({"L1", 2, 8}); // y1 at 8 bits, L1's weights at 2.
  AssignmentResult r = SearchStrategy().assign(g, req);
  ASSERT_TRUE(r.fits) << r.error;
  EXPECT_EQ(r.assignment.weightBits[1], 2u);
  EXPECT_EQ(r.assignment.activationBits[2], 8u);
  EXPECT_EQ(r.search->weightWhy[1], "fixed");
  EXPECT_EQ(r.search->variableWhy[2], "fixed");
  EXPECT_EQ(r.search->sensitivitySource, "proxy");
}

TEST(PrecisionSearch, InfeasibleBudgetsAreDiagnosed) {
  // At 2 bits L0 still needs x 100 (fixed) + y0 50 = 150 B > 120 B.
  GraphDesc g = fcChain({100, 200, 100, 10});
  AssignmentResult r = SearchStrategy().assign(g, request(kHuge, 120));
  ASSERT_TRUE(r.valid) << r.error;
  EXPECT_FALSE(r.fits);
  EXPECT_FALSE(r.ramFits);
  EXPECT_NE(r.error.find("RAM budget of 120 B cannot be met"),
            std::string::npos)
      << r.error;
  ASSERT_TRUE(r.search);
  EXPECT_TRUE(r.cuts.empty());

  r = SearchStrategy().assign(g, request(100, kHuge));
  ASSERT_TRUE(r.valid) << r.error;
  EXPECT_FALSE(r.flashFits);
  EXPECT_NE(r.error.find("flash budget of 100 B cannot be met"),
            std::string::npos)
      << r.error;
}

TEST(PrecisionSearch, InvalidRequestsAreReported) {
  GraphDesc g = fcChain({10, 20, 5});
  AssignmentRequest req = request(kHuge, kHuge);
  auto table = std::make_shared<SensitivityTable>(
      proxySensitivity(g, req.candidateBits));
  table->activation.pop_back();
  req.sensitivity = table;
  AssignmentResult r = SearchStrategy().assign(g, req);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.error, "the sensitivity table has 2 activation rows for 3 "
                     "variables");

  auto negative = std::make_shared<SensitivityTable>(
      proxySensitivity(g, req.candidateBits));
  negative->weight[1][2] = -1;
  req.sensitivity = negative;
  r = SearchStrategy().assign(g, req);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.error, "the sensitivity of the weights of 'L1' is not a finite "
                     "non-negative number");

  // Per-layer rows: one per step, and only on weight layers.
  auto perLayer = std::make_shared<SensitivityTable>(
      proxySensitivity(g, req.candidateBits));
  perLayer->weightPerLayer.assign(1, {0, 1, 2});
  req.sensitivity = perLayer;
  r = SearchStrategy().assign(g, req);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.error, "the sensitivity table has 1 per-layer weight rows for 2 "
                     "steps");
  GraphDesc pooled = fcChain({10, 20, 5});
  const int pool = pooled.addTensor("pool", {1, 5}, 3);
  pooled.addStep("pool", StepKind::Other, {2}, pool);
  AssignmentRequest preq = request(kHuge, kHuge);
  auto weightless = std::make_shared<SensitivityTable>(
      proxySensitivity(pooled, preq.candidateBits));
  weightless->weightPerLayer.assign(3, {});
  weightless->weightPerLayer[2] = {0, 1, 2};
  preq.sensitivity = weightless;
  r = SearchStrategy().assign(pooled, preq);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.error, "the sensitivity table prices per-layer weights for "
                     "'pool', which has none");

  // The dynamic program does not take a DAG.
  GraphDesc dag = fireGraph(8, 8, 8, false, 4);
  AssignmentRequest dreq = request(kHuge, kHuge);
  dreq.solver = SearchSolver::DynamicProgram;
  r = SearchStrategy().assign(dag, dreq);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.error.find("chains without lookup tables only"),
            std::string::npos);
}

TEST(PrecisionSearch, ProxyCostsFollowTheNoisePower) {
  GraphDesc g = fcChain({10, 20, 5});
  SensitivityTable t = proxySensitivity(g, {8, 4, 2});
  ASSERT_EQ(t.weight.size(), 2u);
  // (255/255)^2 - 1, (255/15)^2 - 1, (255/3)^2 - 1.
  EXPECT_EQ(t.weight[0], (std::vector<double>{0.0, 288.0, 7224.0}));
  EXPECT_EQ(t.activation[2], (std::vector<double>{0.0, 288.0, 7224.0}));
}

// The search never loses to the rule on its own objective, and meets both
// budgets, on the 16 MobileNetV1 variants at the paper's budgets and at
// tighter ones, with the proxy and with random measured-like tables.
TEST(PrecisionSearch, NeverWorseThanTheRuleOnMobileNetV1) {
  std::mt19937 rng(16);
  int searched = 0;
  for (double alpha : {0.25, 0.5, 0.75, 1.0})
    for (int res : {128, 160, 192, 224}) {
      GraphDesc g = buildMobileNetV1(alpha, res);
      for (auto [flash, ram] :
           {std::pair<int64_t, int64_t>{2048000, 512000}, {1024000, 256000}}) {
        for (int kind = 0; kind < 4; ++kind) {
          AssignmentRequest req = request(flash, ram);
          // Kinds 2 and 3: with layers in place (mpqc's default).
          req.inPlace = kind >= 2;
          if (kind % 2 == 1)
            req.sensitivity =
                std::make_shared<SensitivityTable>(randomTable(g, rng));
          AssignmentResult rule = assignPrecisionByRule(g, req);
          AssignmentResult r = SearchStrategy().assign(g, req);
          const std::string what =
              std::to_string(alpha) + "_" + std::to_string(res) + " " +
              std::to_string(flash) + "/" + std::to_string(ram);
          ASSERT_TRUE(r.valid) << what << ": " << r.error;
          EXPECT_EQ(r.fits, rule.fits) << what << ": " << r.error;
          if (!r.fits)
            continue;
          ++searched;
          EXPECT_EQ(r.search->solver, "dp") << what;
          EXPECT_LE(r.footprint.flashBytes, flash) << what;
          EXPECT_LE(r.footprint.ramBytes, ram) << what;
          ASSERT_TRUE(r.search->ruleFits) << what;
          EXPECT_LE(r.search->objective, r.search->ruleObjective + 1e-9)
              << what;
          // The MILP reaches the same optimum.
          req.solver = SearchSolver::Milp;
          AssignmentResult m = SearchStrategy().assign(g, req);
          ASSERT_TRUE(m.fits) << what << ": " << m.error;
          EXPECT_NEAR(m.search->objective, r.search->objective,
                      1e-6 * (1 + r.search->objective))
              << what;
          if (kind == 0 && flash == 2048000)
            std::cout << "[ mpq      ] MobileNetV1 " << what << " rule "
                      << r.search->ruleObjective << " (" << r.search->ruleBits
                      << "), search " << r.search->objective << " ("
                      << formatBitString(g, r.assignment) << ")\n";
        }
      }
    }
  EXPECT_GE(searched, 64);
}
