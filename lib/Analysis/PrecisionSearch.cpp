//===- PrecisionSearch.cpp - Exact bit-width search under both budgets ----===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// strategy=search: choose a width for every weight tensor and every
// activation variable that minimizes the total sensitivity
// (SensitivityTable) while both budgets hold, with the same memory figures
// the rule checks (MemoryModel.h):
//
//   flash:  sum of packed weight bytes + per-channel parameters + lookup
//           tables (a table's size depends on its input's width);
//   RAM:    on a chain (isChain), input + output bytes of every weight
//           layer (the paper's model); otherwise the bytes of the tensors
//           live at every step (Footprint::peakLiveBytes).
//
// Every width is a one-hot choice among the candidates, and every budget is
// a sum over choices, so the problem is a multiple-choice integer program
// with one constraint per budget row. Where the table prices per-layer
// weights (SensitivityTable::weightPerLayer, scheme=pc-icn), a weight's
// options are (width, granularity) pairs: per channel or per layer, whose
// parameters (layerParamBytes' PL+FB row) are smaller. It is solved exactly in
// one of two ways:
//
// - Dynamic program (chains without lookup tables). The budgets separate:
//   RAM involves only activations, each layer's row only its input and
//   output variable, which are consecutive on the chain (a Viterbi pass
//   over the layers, one state per width); flash involves only weights (a
//   multiple-choice knapsack, solved over the Pareto front of (bytes,
//   cost) pairs, which is exact and small in practice; past kMaxFront
//   entries the MILP takes over).
// - MILP through GLPK (glp_intopt, branch and bound to optimality) for
//   everything else: binaries x[slot][width], one "choose one" row per
//   slot, one row per budget.
//
// Among optimal answers the widest is taken: a width one step wider (or per
// channel rather than per layer) that costs no more and breaks no budget is
// taken (flat measured costs would otherwise leave ties to the solver).
// Whatever solved it, the widths are checked again with computeFootprint;
// the result is the same AssignmentResult the rule gives, plus a
// SearchOutcome (objective, the rule's figure on the same objective, and
// for each width below the widest the budget a wider one would break).
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/PrecisionAssignment.h"

#include "mpq/Support/Packing.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

using namespace mlir::mpq;

namespace {

/// Past this many (bytes, cost) pairs the knapsack's front is left to the
/// MILP.
constexpr size_t kMaxFront = 1u << 21;

/// One width choice: a weight layer or an activation variable.
struct Slot {
  bool weight = false;
  int index = 0;                ///< Step or variable.
  std::vector<unsigned> widths; ///< The options (one if fixed).
  std::vector<double> cost;     ///< Per option.
  /// Per option: weights quantized per layer. Empty, or the candidates
  /// per channel followed by the same widths per layer.
  std::vector<bool> perLayer;
  bool fixed = false;

  bool isPerLayer(int option) const {
    return !perLayer.empty() && perLayer[option];
  }
  /// The options one step richer than `option`: the next wider width at
  /// the same granularity, and per channel at the same width.
  std::vector<int> richer(int option) const {
    const int n =
        static_cast<int>(perLayer.empty() ? widths.size() : widths.size() / 2);
    std::vector<int> out;
    if (option % n != 0)
      out.push_back(option - 1);
    if (isPerLayer(option))
      out.push_back(option - n);
    return out;
  }
};

/// sum over terms of coef[slot][option chosen] - saving[in option][out
/// option] <= rhs.
struct Row {
  bool flash = false;
  int step = -1; ///< The RAM row's step.
  int64_t rhs = 0;
  std::map<int, std::vector<int64_t>> terms; ///< slot -> per-option bytes.
  /// A step that runs in place (stepInPlaceShift) holds its input and output
  /// as their union: in + out - saving, where the saving depends on both
  /// widths. Empty unless the step may run in place with two variables (one
  /// shared variable's saving is in its terms).
  int inSlot = -1, outSlot = -1;
  std::vector<std::vector<int64_t>> saving;

  int64_t savingAt(const std::vector<int> &choice) const {
    return saving.empty() ? 0 : saving[choice[inSlot]][choice[outSlot]];
  }
};

struct Problem {
  std::vector<Slot> slots;
  std::vector<int> weightSlot; ///< Step -> slot, -1 for weightless steps.
  std::vector<int> varSlot;    ///< Variable -> slot.
  std::vector<Row> rows;
  bool chain = false;
  bool lookupTables = false;

  double costOf(const std::vector<int> &choice) const {
    double total = 0;
    for (size_t i = 0; i < slots.size(); ++i)
      total += slots[i].cost[choice[i]];
    return total;
  }
  int64_t rowBytes(const Row &row, const std::vector<int> &choice) const {
    int64_t total = 0;
    for (const auto &[slot, coef] : row.terms)
      total += coef[choice[slot]];
    return total - row.savingAt(choice);
  }
};

std::string bytesText(int64_t bytes) { return std::to_string(bytes) + " B"; }

Problem buildProblem(const GraphDesc &graph, const AssignmentRequest &request,
                     const StartingWidths &start,
                     const SensitivityTable &table) {
  Problem p;
  p.chain = isChain(graph);
  const std::vector<unsigned> &cand = request.candidateBits;
  auto addSlot = [&](bool weight, int index, bool fixed, unsigned bits,
                     const std::vector<double> &row) {
    Slot slot;
    slot.weight = weight;
    slot.index = index;
    slot.fixed = fixed;
    if (fixed) {
      slot.widths = {bits};
      slot.cost = {0.0};
    } else {
      slot.widths = cand;
      slot.cost = row;
    }
    p.slots.push_back(std::move(slot));
    return static_cast<int>(p.slots.size()) - 1;
  };
  p.weightSlot.assign(graph.steps.size(), -1);
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    if (!hasWeights(graph.steps[s].kind))
      continue;
    const int slot = addSlot(true, static_cast<int>(s), start.weightFixed[s],
                             start.bits.weightBits[s], table.weight[s]);
    p.weightSlot[s] = slot;
    // Per-layer weights where the table prices them (per-channel schemes
    // only: the others are per layer already).
    if (!start.weightFixed[s] && request.scheme == QuantScheme::PC_ICN &&
        s < table.weightPerLayer.size() && !table.weightPerLayer[s].empty()) {
      Slot &w = p.slots[slot];
      w.perLayer.assign(cand.size(), false);
      w.perLayer.resize(2 * cand.size(), true);
      w.widths.insert(w.widths.end(), cand.begin(), cand.end());
      w.cost.insert(w.cost.end(), table.weightPerLayer[s].begin(),
                    table.weightPerLayer[s].end());
    }
  }
  const int numVars = graph.numVariables();
  for (int v = 0; v < numVars; ++v)
    p.varSlot.push_back(addSlot(false, v, start.variableFixed[v],
                                start.bits.activationBits[v],
                                table.activation[v]));

  auto tensorTerm = [&](Row &row, int tensor) {
    const ActivationTensor &t = graph.tensors[tensor];
    const int slot = p.varSlot[t.variable];
    std::vector<int64_t> &coef = row.terms[slot];
    coef.resize(p.slots[slot].widths.size(), 0);
    for (size_t k = 0; k < coef.size(); ++k)
      coef[k] += packedTensorBytes(t.shape, p.slots[slot].widths[k]);
  };

  // Flash: weights and their parameters per option (per channel or per
  // layer), tables by input width (their bytes as the memory model counts
  // them, stepParamBytes).
  Row flash;
  flash.flash = true;
  flash.rhs = request.flashBudget;
  BitAssignment bits = start.bits;
  bits.perLayerWeights.resize(graph.steps.size(), false);
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    const GraphStep &step = graph.steps[s];
    if (hasWeights(step.kind)) {
      const Slot &slot = p.slots[p.weightSlot[s]];
      std::vector<int64_t> &coef = flash.terms[p.weightSlot[s]];
      for (size_t k = 0; k < slot.widths.size(); ++k) {
        // A fixed slot keeps its own granularity (start.bits).
        if (!slot.fixed)
          bits.perLayerWeights[s] = slot.isPerLayer(k);
        coef.push_back(packedTensorBytes(step.weightShape, slot.widths[k]) +
                       stepParamBytes(graph, s, bits, request.scheme));
      }
    } else if (step.lookupTables > 0) {
      p.lookupTables = true;
      const int var = graph.tensors[step.inputs.front()].variable;
      const int slot = p.varSlot[var];
      std::vector<int64_t> &coef = flash.terms[slot];
      coef.resize(p.slots[slot].widths.size(), 0);
      for (size_t k = 0; k < coef.size(); ++k) {
        bits.activationBits[var] = p.slots[slot].widths[k];
        coef[k] += stepParamBytes(graph, s, bits, request.scheme);
      }
    }
  }
  p.rows.push_back(std::move(flash));

  // RAM, as the rule checks it: a step that may run in place holds its
  // input and output as their union (the rule's in + out - saving), for the
  // widths of both.
  const std::vector<LiveRange> ranges = computeLiveRanges(graph);
  auto addInPlaceSaving = [&](Row &row, size_t s) {
    if (!request.inPlace)
      return;
    const GraphStep &step = graph.steps[s];
    if (step.windowStride <= 0 || step.inputs.size() != 1)
      return;
    const ActivationTensor &x = graph.tensors[step.inputs.front()],
                           &y = graph.tensors[step.output];
    const int in = p.varSlot[x.variable], out = p.varSlot[y.variable];
    BitAssignment widths = start.bits;
    auto savingOf = [&](size_t i, size_t j) -> int64_t {
      widths.activationBits[x.variable] = p.slots[in].widths[i];
      widths.activationBits[y.variable] = p.slots[out].widths[j];
      const int64_t shift = stepInPlaceShift(graph, ranges, s, widths);
      if (shift < 0)
        return 0;
      const int64_t inBytes = packedTensorBytes(x.shape, p.slots[in].widths[i]),
                    outBytes =
                        packedTensorBytes(y.shape, p.slots[out].widths[j]);
      return inBytes + outBytes - std::max(inBytes + shift, outBytes);
    };
    if (in == out) {
      std::vector<int64_t> &coef = row.terms[in];
      for (size_t i = 0; i < coef.size(); ++i)
        coef[i] -= savingOf(i, i);
      return;
    }
    std::vector<std::vector<int64_t>> saving(
        p.slots[in].widths.size(),
        std::vector<int64_t>(p.slots[out].widths.size(), 0));
    bool any = false;
    for (size_t i = 0; i < saving.size(); ++i)
      for (size_t j = 0; j < saving[i].size(); ++j)
        any |= (saving[i][j] = savingOf(i, j)) != 0;
    if (!any)
      return;
    row.inSlot = in;
    row.outSlot = out;
    row.saving = std::move(saving);
  };
  if (p.chain) {
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      const GraphStep &step = graph.steps[s];
      if (!hasWeights(step.kind))
        continue;
      Row row;
      row.step = static_cast<int>(s);
      row.rhs = request.ramBudget;
      tensorTerm(row, step.inputs.front());
      tensorTerm(row, step.output);
      addInPlaceSaving(row, s);
      p.rows.push_back(std::move(row));
    }
  } else {
    for (size_t s = 0; s < graph.steps.size(); ++s) {
      Row row;
      row.step = static_cast<int>(s);
      row.rhs = request.ramBudget;
      for (size_t t = 0; t < graph.tensors.size(); ++t)
        if (ranges[t].first <= static_cast<int>(s) &&
            static_cast<int>(s) <= ranges[t].last)
          tensorTerm(row, static_cast<int>(t));
      addInPlaceSaving(row, s);
      p.rows.push_back(std::move(row));
    }
  }
  return p;
}

enum class Solved { Optimal, Infeasible, GaveUp };

//===----------------------------------------------------------------------===//
// Dynamic program (chains without lookup tables)
//===----------------------------------------------------------------------===//

/// Weights: minimum cost subject to the flash row, over the Pareto front.
Solved solveKnapsack(const Problem &p, std::vector<int> &choice) {
  const Row &flash = p.rows.front();
  struct Entry {
    int64_t bytes;
    double cost;
    int parent; ///< Index in the previous front.
    int option;
  };
  if (flash.rhs < 0)
    return Solved::Infeasible;
  // fronts[i]: the front after the i-th slot; parents index fronts[i - 1].
  std::vector<std::vector<Entry>> fronts;
  std::vector<int> order;
  for (const auto &[slot, coef] : flash.terms) {
    const std::vector<Entry> initial = {{0, 0.0, -1, -1}};
    const std::vector<Entry> &front = fronts.empty() ? initial : fronts.back();
    order.push_back(slot);
    std::vector<Entry> next;
    for (size_t e = 0; e < front.size(); ++e)
      for (size_t k = 0; k < coef.size(); ++k) {
        const int64_t bytes = front[e].bytes + coef[k];
        if (bytes > flash.rhs)
          continue;
        next.push_back({bytes, front[e].cost + p.slots[slot].cost[k],
                        static_cast<int>(e), static_cast<int>(k)});
      }
    if (next.empty())
      return Solved::Infeasible;
    std::sort(next.begin(), next.end(), [](const Entry &a, const Entry &b) {
      return a.bytes != b.bytes ? a.bytes < b.bytes : a.cost < b.cost;
    });
    // Keep an entry only if it is cheaper than every smaller one.
    std::vector<Entry> pruned;
    for (const Entry &e : next)
      if (pruned.empty() || e.cost < pruned.back().cost)
        pruned.push_back(e);
    if (pruned.size() > kMaxFront)
      return Solved::GaveUp;
    fronts.push_back(std::move(pruned));
  }
  if (fronts.empty())
    return Solved::Optimal;
  // The cheapest entry is the last (costs fall as bytes grow).
  int at = static_cast<int>(fronts.back().size()) - 1;
  for (int i = static_cast<int>(order.size()) - 1; i >= 0; --i) {
    const Entry &e = fronts[i][at];
    choice[order[i]] = e.option;
    at = e.parent;
  }
  return Solved::Optimal;
}

/// Activations on a chain: each RAM row ties a layer's input variable to
/// its output variable, and the next layer reads that output.
Solved solveChainActivations(const GraphDesc &graph, const Problem &p,
                             std::vector<int> &choice) {
  std::vector<const Row *> layers;
  for (size_t r = 1; r < p.rows.size(); ++r)
    layers.push_back(&p.rows[r]);
  std::vector<bool> onChain(p.slots.size(), false);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (!layers.empty()) {
    const GraphStep &first = graph.steps[layers.front()->step];
    int cur = p.varSlot[graph.tensors[first.inputs.front()].variable];
    onChain[cur] = true;
    std::vector<double> best = p.slots[cur].cost;
    // back[l][j]: the option of layer l's input for output option j.
    std::vector<std::vector<int>> back;
    std::vector<int> outSlots;
    for (const Row *row : layers) {
      const GraphStep &step = graph.steps[row->step];
      const int in = p.varSlot[graph.tensors[step.inputs.front()].variable];
      const int out = p.varSlot[graph.tensors[step.output].variable];
      const std::vector<int64_t> &ci = row->terms.at(in);
      const std::vector<int64_t> &co = row->terms.at(out);
      std::vector<double> next(p.slots[out].widths.size(), kInf);
      std::vector<int> from(next.size(), -1);
      for (size_t j = 0; j < next.size(); ++j)
        for (size_t i = 0; i < best.size(); ++i) {
          const int64_t saving = row->saving.empty() ? 0 : row->saving[i][j];
          if (best[i] == kInf || ci[i] + co[j] - saving > row->rhs)
            continue;
          const double c = best[i] + p.slots[out].cost[j];
          if (c < next[j]) {
            next[j] = c;
            from[j] = static_cast<int>(i);
          }
        }
      back.push_back(std::move(from));
      outSlots.push_back(out);
      onChain[out] = true;
      best = std::move(next);
    }
    int j = static_cast<int>(std::min_element(best.begin(), best.end()) -
                             best.begin());
    if (best[j] == kInf)
      return Solved::Infeasible;
    for (int l = static_cast<int>(layers.size()) - 1; l >= 0; --l) {
      choice[outSlots[l]] = j;
      j = back[l][j];
    }
    choice[cur] = j;
  }
  // Variables no layer row involves: their cheapest width.
  for (size_t i = 0; i < p.slots.size(); ++i)
    if (!p.slots[i].weight && !onChain[i])
      choice[i] = static_cast<int>(
          std::min_element(p.slots[i].cost.begin(), p.slots[i].cost.end()) -
          p.slots[i].cost.begin());
  return Solved::Optimal;
}

//===----------------------------------------------------------------------===//
// MILP (GLPK)
//===----------------------------------------------------------------------===//

Solved solveMilp(const Problem &p, std::vector<int> &choice,
                 std::string &error) {
  glp_term_out(GLP_OFF);
  glp_prob *lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MIN);
  // Columns: x[slot][option], 1-based.
  std::vector<int> firstCol(p.slots.size());
  int cols = 0;
  for (size_t i = 0; i < p.slots.size(); ++i) {
    firstCol[i] = cols + 1;
    cols += static_cast<int>(p.slots[i].widths.size());
  }
  // A row with an in-place saving: z[i][j] = x[in][i] x[out][j], continuous
  // in [0, 1] (with both margins one-hot the only solution is the product),
  // so the saving is linear in z.
  std::vector<int> firstPair(p.rows.size(), 0);
  int pairRows = 0;
  for (size_t r = 0; r < p.rows.size(); ++r)
    if (!p.rows[r].saving.empty()) {
      firstPair[r] = cols + 1;
      cols += static_cast<int>(p.slots[p.rows[r].inSlot].widths.size() *
                               p.slots[p.rows[r].outSlot].widths.size());
      pairRows += static_cast<int>(p.slots[p.rows[r].inSlot].widths.size() +
                                   p.slots[p.rows[r].outSlot].widths.size());
    }
  glp_add_cols(lp, cols);
  for (size_t r = 0; r < p.rows.size(); ++r)
    if (firstPair[r])
      for (int c = firstPair[r];
           c < firstPair[r] +
                   static_cast<int>(p.slots[p.rows[r].inSlot].widths.size() *
                                    p.slots[p.rows[r].outSlot].widths.size());
           ++c)
        glp_set_col_bnds(lp, c, GLP_DB, 0.0, 1.0);
  // Costs are scaled to at most 1 so GLPK's tolerances mean the same on
  // every table.
  double scale = 0;
  for (const Slot &slot : p.slots)
    for (double c : slot.cost)
      scale = std::max(scale, c);
  scale = scale > 0 ? 1.0 / scale : 1.0;
  for (size_t i = 0; i < p.slots.size(); ++i)
    for (size_t k = 0; k < p.slots[i].widths.size(); ++k) {
      const int col = firstCol[i] + static_cast<int>(k);
      glp_set_col_kind(lp, col, GLP_BV);
      glp_set_obj_coef(lp, col, p.slots[i].cost[k] * scale);
    }
  std::vector<int> ia = {0}, ja = {0};
  std::vector<double> ar = {0.0};
  const int rows = static_cast<int>(p.slots.size() + p.rows.size()) + pairRows;
  glp_add_rows(lp, rows);
  int r = 0;
  for (size_t i = 0; i < p.slots.size(); ++i) {
    glp_set_row_bnds(lp, ++r, GLP_FX, 1.0, 1.0);
    for (size_t k = 0; k < p.slots[i].widths.size(); ++k) {
      ia.push_back(r);
      ja.push_back(firstCol[i] + static_cast<int>(k));
      ar.push_back(1.0);
    }
  }
  for (size_t ri = 0; ri < p.rows.size(); ++ri) {
    const Row &row = p.rows[ri];
    glp_set_row_bnds(lp, ++r, GLP_UP, 0.0, static_cast<double>(row.rhs));
    for (const auto &[slot, coef] : row.terms)
      for (size_t k = 0; k < coef.size(); ++k)
        if (coef[k] != 0) {
          ia.push_back(r);
          ja.push_back(firstCol[slot] + static_cast<int>(k));
          ar.push_back(static_cast<double>(coef[k]));
        }
    if (row.saving.empty())
      continue;
    const size_t ni = row.saving.size(), nj = row.saving.front().size();
    auto pairCol = [&](size_t i, size_t j) {
      return firstPair[ri] + static_cast<int>(i * nj + j);
    };
    for (size_t i = 0; i < ni; ++i)
      for (size_t j = 0; j < nj; ++j)
        if (row.saving[i][j] != 0) {
          ia.push_back(r);
          ja.push_back(pairCol(i, j));
          ar.push_back(-static_cast<double>(row.saving[i][j]));
        }
    // The margins: sum_j z[i][j] = x[in][i], sum_i z[i][j] = x[out][j].
    auto margin = [&](int slot, size_t k, bool overJ) {
      glp_set_row_bnds(lp, ++r, GLP_FX, 0.0, 0.0);
      ia.push_back(r);
      ja.push_back(firstCol[slot] + static_cast<int>(k));
      ar.push_back(-1.0);
      for (size_t m = 0; m < (overJ ? nj : ni); ++m) {
        ia.push_back(r);
        ja.push_back(overJ ? pairCol(k, m) : pairCol(m, k));
        ar.push_back(1.0);
      }
    };
    for (size_t i = 0; i < ni; ++i)
      margin(row.inSlot, i, /*overJ=*/true);
    for (size_t j = 0; j < nj; ++j)
      margin(row.outSlot, j, /*overJ=*/false);
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(),
                  ar.data());
  glp_scale_prob(lp, GLP_SF_AUTO);
  glp_iocp parm;
  glp_init_iocp(&parm);
  parm.presolve = GLP_ON;
  parm.msg_lev = GLP_MSG_OFF;
  const int rc = glp_intopt(lp, &parm);
  const int status = glp_mip_status(lp);
  Solved solved = Solved::Optimal;
  if (rc == GLP_ENOPFS || status == GLP_NOFEAS) {
    solved = Solved::Infeasible;
  } else if (rc != 0 || status != GLP_OPT) {
    error = "the MILP solver (GLPK) stopped without an optimum (glp_intopt " +
            std::to_string(rc) + ", status " + std::to_string(status) + ")";
    solved = Solved::GaveUp;
  } else {
    for (size_t i = 0; i < p.slots.size(); ++i) {
      int best = 0;
      for (size_t k = 0; k < p.slots[i].widths.size(); ++k)
        if (glp_mip_col_val(lp, firstCol[i] + static_cast<int>(k)) >
            glp_mip_col_val(lp, firstCol[i] + best))
          best = static_cast<int>(k);
      choice[i] = best;
    }
  }
  glp_delete_prob(lp);
  return solved;
}

/// Among optimal choices, the widest: a width one step wider that costs no
/// more and breaks no budget is taken (measured costs can be flat, e.g. a
/// tensor the output does not depend on; the solvers break such ties
/// arbitrarily). The objective does not change.
/// The first row that slot `i` at its option in `choice` breaks, or null.
const Row *brokenRow(const Problem &p, const std::vector<int> &choice, int i) {
  for (const Row &row : p.rows)
    if ((row.terms.count(i) || row.inSlot == i || row.outSlot == i) &&
        p.rowBytes(row, choice) > row.rhs)
      return &row;
  return nullptr;
}

void widenTies(const Problem &p, std::vector<int> &choice) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < p.slots.size(); ++i) {
      const Slot &slot = p.slots[i];
      for (int option : slot.richer(choice[i])) {
        if (slot.cost[option] > slot.cost[choice[i]])
          continue;
        const int was = choice[i];
        choice[i] = option;
        if (brokenRow(p, choice, static_cast<int>(i))) {
          choice[i] = was;
          continue;
        }
        changed = true;
        break;
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Explaining the widths
//===----------------------------------------------------------------------===//

/// Why slot `i` is not at its richer options (Slot::richer): for each, the
/// first row it breaks with the others as they are.
std::string whyNotWider(const GraphDesc &graph, const Problem &p,
                        const std::vector<int> &choice, int i) {
  const Slot &slot = p.slots[i];
  if (slot.fixed)
    return "fixed";
  std::string why;
  for (int option : slot.richer(choice[i])) {
    std::vector<int> wider = choice;
    wider[i] = option;
    // Name the granularity where it changes, or where it is per layer.
    const std::string at = std::to_string(slot.widths[option]) + " bits" +
                           (slot.isPerLayer(option)      ? " per layer"
                            : slot.isPerLayer(choice[i]) ? " per channel"
                                                         : "");
    const Row *row = brokenRow(p, wider, i);
    std::string text;
    if (!row)
      text = "no budget binds: " + at + " would cost no less";
    else if (row->flash)
      text = "flash: at " + at + " the model needs " +
             bytesText(p.rowBytes(*row, wider)) + " > " + bytesText(row->rhs);
    else
      text = "RAM: at " + at + " '" + graph.steps[row->step].name + "' needs " +
             bytesText(p.rowBytes(*row, wider)) + " > " + bytesText(row->rhs);
    why += (why.empty() ? "" : "; ") + text;
  }
  return why;
}

} // namespace

//===----------------------------------------------------------------------===//
// Sensitivity tables
//===----------------------------------------------------------------------===//

SensitivityTable mlir::mpq::uniformSensitivity(const GraphDesc &graph,
                                               size_t candidates, double fill) {
  SensitivityTable table;
  const std::vector<double> row(candidates, fill);
  for (const GraphStep &step : graph.steps)
    table.weight.push_back(hasWeights(step.kind) ? row : std::vector<double>());
  table.activation.assign(graph.numVariables(), row);
  return table;
}

SensitivityTable
mlir::mpq::proxySensitivity(const GraphDesc &graph,
                            const std::vector<unsigned> &candidateBits) {
  SensitivityTable table = uniformSensitivity(graph, candidateBits.size());
  table.source = "proxy";
  for (auto *rows : {&table.weight, &table.activation})
    for (std::vector<double> &row : *rows)
      for (size_t k = 0; k < row.size(); ++k) {
        const double ratio =
            255.0 / static_cast<double>((1u << candidateBits[k]) - 1);
        row[k] = ratio * ratio - 1.0;
      }
  return table;
}

std::string
mlir::mpq::validateSensitivity(const GraphDesc &graph,
                               const SensitivityTable &table,
                               const std::vector<unsigned> &candidateBits) {
  const size_t n = candidateBits.size();
  if (table.weight.size() != graph.steps.size())
    return "the sensitivity table has " + std::to_string(table.weight.size()) +
           " weight rows for " + std::to_string(graph.steps.size()) + " steps";
  if (table.activation.size() != static_cast<size_t>(graph.numVariables()))
    return "the sensitivity table has " +
           std::to_string(table.activation.size()) + " activation rows for " +
           std::to_string(graph.numVariables()) + " variables";
  if (!table.weightPerLayer.empty() &&
      table.weightPerLayer.size() != graph.steps.size())
    return "the sensitivity table has " +
           std::to_string(table.weightPerLayer.size()) +
           " per-layer weight rows for " + std::to_string(graph.steps.size()) +
           " steps";
  auto checkRow = [&](const std::vector<double> &row,
                      const std::string &what) -> std::string {
    if (row.size() != n)
      return "the sensitivity of " + what + " has " +
             std::to_string(row.size()) + " entries for " + std::to_string(n) +
             " candidate widths";
    for (double c : row)
      if (!std::isfinite(c) || c < 0)
        return "the sensitivity of " + what +
               " is not a finite non-negative number";
    return "";
  };
  for (size_t s = 0; s < graph.steps.size(); ++s) {
    if (!hasWeights(graph.steps[s].kind))
      continue;
    std::string error = checkRow(
        table.weight[s], "the weights of '" + graph.steps[s].name + "'");
    if (error.empty() && s < table.weightPerLayer.size() &&
        !table.weightPerLayer[s].empty())
      error = checkRow(table.weightPerLayer[s], "the per-layer weights of '" +
                                                    graph.steps[s].name + "'");
    if (!error.empty())
      return error;
  }
  for (size_t s = 0; s < table.weightPerLayer.size(); ++s)
    if (!hasWeights(graph.steps[s].kind) && !table.weightPerLayer[s].empty())
      return "the sensitivity table prices per-layer weights for '" +
             graph.steps[s].name + "', which has none";
  for (size_t v = 0; v < table.activation.size(); ++v) {
    std::string error = checkRow(
        table.activation[v],
        "activation '" + graph.variableName(static_cast<int>(v)) + "'");
    if (!error.empty())
      return error;
  }
  return "";
}

//===----------------------------------------------------------------------===//
// The strategy
//===----------------------------------------------------------------------===//

AssignmentResult
SearchStrategy::assign(const GraphDesc &graph,
                       const AssignmentRequest &request) const {
  AssignmentResult invalid;
  invalid.error = validateGraph(graph);
  if (!invalid.error.empty())
    return invalid;
  StartingWidths start;
  invalid.error = computeStartingWidths(graph, request, start);
  if (!invalid.error.empty())
    return invalid;
  SearchOutcome outcome;
  outcome.sensitivity = request.sensitivity
                            ? *request.sensitivity
                            : proxySensitivity(graph, request.candidateBits);
  outcome.sensitivitySource = outcome.sensitivity.source;
  invalid.error =
      validateSensitivity(graph, outcome.sensitivity, request.candidateBits);
  if (!invalid.error.empty())
    return invalid;

  const Problem p = buildProblem(graph, request, start, outcome.sensitivity);
  const bool dpApplies = p.chain && !p.lookupTables;
  if (request.solver == SearchSolver::DynamicProgram && !dpApplies) {
    invalid.error = "the dynamic program solves chains without lookup "
                    "tables only; use the MILP";
    return invalid;
  }

  // The rule on the same request: its widths are the reference the search
  // must not lose to, and its diagnosis is the one given if nothing fits.
  AssignmentResult rule = RuleStrategy().assign(graph, request);
  if (!rule.valid)
    return rule;

  std::vector<int> choice(p.slots.size(), 0);
  Solved solved = Solved::GaveUp;
  std::string error;
  if (dpApplies && request.solver != SearchSolver::Milp) {
    outcome.solver = "dp";
    solved = solveChainActivations(graph, p, choice);
    if (solved == Solved::Optimal)
      solved = solveKnapsack(p, choice);
  }
  if (solved == Solved::GaveUp &&
      request.solver != SearchSolver::DynamicProgram) {
    outcome.solver = "milp";
    solved = solveMilp(p, choice, error);
  }
  if (solved == Solved::GaveUp) {
    invalid.error =
        "search: " + (error.empty() ? std::string("the knapsack's front "
                                                  "grew too large")
                                    : error);
    return invalid;
  }

  auto objectiveOf = [&](const BitAssignment &bits) {
    double total = 0;
    for (size_t i = 0; i < p.slots.size(); ++i) {
      const Slot &slot = p.slots[i];
      const unsigned b = slot.weight ? bits.weightBits[slot.index]
                                     : bits.activationBits[slot.index];
      const bool perLayer = slot.weight && bits.isPerLayer(slot.index);
      for (size_t k = 0; k < slot.widths.size(); ++k)
        if (slot.widths[k] == b &&
            (slot.fixed || slot.isPerLayer(k) == perLayer))
          total += slot.cost[k];
    }
    return total;
  };
  outcome.ruleFits = rule.fits;
  if (rule.fits) {
    outcome.ruleObjective = objectiveOf(rule.assignment);
    outcome.ruleBits = formatBitString(graph, rule.assignment);
  }
  if (solved == Solved::Infeasible) {
    // Exact: nothing fits, so the rule does not fit either, and its result
    // names the budgets and the bottlenecks.
    AssignmentResult r = std::move(rule);
    if (r.fits) {
      r.valid = false;
      r.error = "search: the " + outcome.solver +
                " found no assignment although the rule's fits (a bug)";
      return r;
    }
    // The rule knows per-channel parameters only: say what the search's
    // options reach. The flash row is a sum of one term per slot, so its
    // smallest value is the sum of each slot's smallest option.
    const bool offered =
        std::any_of(p.slots.begin(), p.slots.end(),
                    [](const Slot &slot) { return !slot.perLayer.empty(); });
    const size_t at = r.error.find("flash budget");
    if (offered && at != std::string::npos) {
      int64_t least = 0;
      for (const auto &[slot, coef] : p.rows.front().terms)
        least += *std::min_element(coef.begin(), coef.end());
      const size_t end = std::min(r.error.find('\n', at), r.error.size());
      r.error.insert(end, least <= request.flashBudget
                              ? "; with per-layer weights (the search's "
                                "option) the flash can reach " +
                                    bytesText(least) +
                                    ", but not within the RAM budget too"
                              : "; with per-layer weights (the search's "
                                "option) too, the smallest is " +
                                    bytesText(least));
    }
    r.cuts.clear();
    r.search = std::move(outcome);
    return r;
  }

  // Among optimal widths, the widest (the rows are checked as it widens).
  widenTies(p, choice);
  AssignmentResult r;
  r.valid = true;
  r.chainRule = p.chain;
  r.assignment = start.bits;
  for (size_t i = 0; i < p.slots.size(); ++i) {
    const Slot &slot = p.slots[i];
    (slot.weight ? r.assignment.weightBits[slot.index]
                 : r.assignment.activationBits[slot.index]) =
        slot.widths[choice[i]];
    if (slot.isPerLayer(choice[i])) {
      r.assignment.perLayerWeights.resize(graph.steps.size(), false);
      r.assignment.perLayerWeights[slot.index] = true;
    }
  }
  r.footprint =
      computeFootprint(graph, r.assignment, request.scheme, request.inPlace);
  r.ramUsed = p.chain ? r.footprint.ramBytes : r.footprint.peakLiveBytes;
  r.ramFits = r.ramUsed <= request.ramBudget;
  r.flashFits = r.footprint.flashBytes <= request.flashBudget;
  r.fits = r.ramFits && r.flashFits;
  if (!r.fits) {
    r.valid = false;
    r.error = "search: the " + outcome.solver +
              " chose widths that do not fit the memory model (a bug)";
    return r;
  }
  outcome.objective = p.costOf(choice);
  outcome.weightWhy.assign(graph.steps.size(), "");
  outcome.variableWhy.assign(graph.numVariables(), "");
  for (size_t i = 0; i < p.slots.size(); ++i) {
    const std::string why = whyNotWider(graph, p, choice, static_cast<int>(i));
    (p.slots[i].weight ? outcome.weightWhy
                       : outcome.variableWhy)[p.slots[i].index] = why;
  }
  r.search = std::move(outcome);
  return r;
}
