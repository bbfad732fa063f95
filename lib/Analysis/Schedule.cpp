//===- Schedule.cpp - Memory-aware topological order of ops ---------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Exact search: the live bytes at the step that runs op v after the set S of
// ops depend only on S and v (a tensor is live if it exists and it is an
// output or one of its consumers is not in S, plus v's result). So the best
// peak to reach S is a function of S alone, and a dynamic program over the
// down-sets of the DAG, layer by layer, is exact. MobileNet-like nets are
// nearly chains and have few down-sets; wide random DAGs have many, hence the
// state limit and the greedy fallback.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/Schedule.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace mlir::mpq {

int OpGraph::addInput(const std::string &name, int64_t size) {
  Tensor t;
  t.name = name;
  t.size = size;
  tensors.push_back(t);
  return static_cast<int>(tensors.size()) - 1;
}

int OpGraph::addOp(const std::string &name, int64_t size,
                   const std::vector<int> &operands) {
  Tensor t;
  t.name = name;
  t.size = size;
  t.producer = static_cast<int>(ops.size());
  tensors.push_back(t);
  Op op;
  op.name = name;
  op.operands = operands;
  op.result = static_cast<int>(tensors.size()) - 1;
  ops.push_back(op);
  return op.result;
}

void OpGraph::markOutput(int tensor) {
  if (tensor >= 0 && tensor < static_cast<int>(tensors.size()))
    tensors[tensor].isOutput = true;
}

std::string verifyGraph(const OpGraph &graph) {
  const int numTensors = static_cast<int>(graph.tensors.size());
  const int numOps = static_cast<int>(graph.ops.size());
  for (int t = 0; t < numTensors; ++t) {
    const OpGraph::Tensor &tensor = graph.tensors[t];
    if (tensor.size < 0)
      return "tensor '" + tensor.name + "' has a negative size";
    if (tensor.producer < -1 || tensor.producer >= numOps ||
        (tensor.producer >= 0 && graph.ops[tensor.producer].result != t))
      return "tensor '" + tensor.name + "' has an inconsistent producer";
  }
  for (int k = 0; k < numOps; ++k) {
    const OpGraph::Op &op = graph.ops[k];
    if (op.result < 0 || op.result >= numTensors ||
        graph.tensors[op.result].producer != k)
      return "op '" + op.name + "' has an inconsistent result";
    for (int operand : op.operands) {
      if (operand < 0 || operand >= numTensors)
        return "op '" + op.name + "' reads an unknown tensor " +
               std::to_string(operand);
      if (graph.tensors[operand].producer >= k)
        return "op '" + op.name + "' reads '" + graph.tensors[operand].name +
               "', which is not produced by an earlier op";
    }
  }
  return "";
}

std::string checkTopologicalOrder(const OpGraph &graph,
                                  const std::vector<int> &order) {
  const int numOps = static_cast<int>(graph.ops.size());
  if (static_cast<int>(order.size()) != numOps)
    return "order has " + std::to_string(order.size()) + " ops, graph has " +
           std::to_string(numOps);
  std::vector<int> position(numOps, -1);
  for (int s = 0; s < numOps; ++s) {
    const int k = order[s];
    if (k < 0 || k >= numOps || position[k] >= 0)
      return "order lists op " + std::to_string(k) + " twice or out of range";
    position[k] = s;
  }
  for (int k = 0; k < numOps; ++k)
    for (int operand : graph.ops[k].operands) {
      const int producer = graph.tensors[operand].producer;
      if (producer >= 0 && position[producer] > position[k])
        return "op '" + graph.ops[k].name + "' runs before '" +
               graph.ops[producer].name + "', which produces its operand";
    }
  return "";
}

/// An op result nobody reads can only be a model output.
static bool liveToEnd(const OpGraph &graph, int tensor,
                      const std::vector<int> &numConsumers) {
  const OpGraph::Tensor &t = graph.tensors[tensor];
  return t.isOutput || (t.producer >= 0 && numConsumers[tensor] == 0);
}

/// Number of distinct ops reading each tensor.
static std::vector<int> countConsumers(const OpGraph &graph) {
  std::vector<int> count(graph.tensors.size(), 0);
  for (const OpGraph::Op &op : graph.ops) {
    std::vector<int> operands = op.operands;
    std::sort(operands.begin(), operands.end());
    operands.erase(std::unique(operands.begin(), operands.end()),
                   operands.end());
    for (int t : operands)
      ++count[t];
  }
  return count;
}

std::vector<Buffer> tensorLifetimes(const OpGraph &graph,
                                    const std::vector<int> &order) {
  const int numOps = static_cast<int>(graph.ops.size());
  const int64_t finalStep = std::max(0, numOps - 1);
  std::vector<int> position(numOps, 0);
  for (int s = 0; s < numOps; ++s)
    position[order[s]] = s;
  std::vector<int> numConsumers = countConsumers(graph);
  std::vector<Buffer> buffers(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const OpGraph::Tensor &tensor = graph.tensors[t];
    buffers[t].name = tensor.name;
    buffers[t].size = tensor.size;
    buffers[t].firstUse = tensor.producer >= 0 ? position[tensor.producer] : 0;
    buffers[t].lastUse = buffers[t].firstUse;
  }
  for (int k = 0; k < numOps; ++k)
    for (int operand : graph.ops[k].operands)
      buffers[operand].lastUse =
          std::max<int64_t>(buffers[operand].lastUse, position[k]);
  for (size_t t = 0; t < graph.tensors.size(); ++t)
    if (liveToEnd(graph, static_cast<int>(t), numConsumers))
      buffers[t].lastUse = finalStep;
  return buffers;
}

int64_t peakLiveBytes(const OpGraph &graph, const std::vector<int> &order) {
  return lowerBound(tensorLifetimes(graph, order), /*align=*/1);
}

namespace {
/// Exact dynamic program over down-sets (ops as bits of a 64-bit mask).
class SubsetSearch {
public:
  SubsetSearch(const OpGraph &opGraph, const std::vector<int> &givenOrder,
               int64_t stateLimit)
      : graph(opGraph), given(givenOrder), maxStates(stateLimit) {
    const int numOps = static_cast<int>(graph.ops.size());
    const std::vector<int> numConsumers = countConsumers(graph);
    predecessors.assign(numOps, 0);
    consumers.assign(graph.tensors.size(), 0);
    for (int k = 0; k < numOps; ++k)
      for (int operand : graph.ops[k].operands) {
        consumers[operand] |= uint64_t(1) << k;
        if (graph.tensors[operand].producer >= 0)
          predecessors[k] |= uint64_t(1) << graph.tensors[operand].producer;
      }
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      const int tensor = static_cast<int>(t);
      toEnd.push_back(liveToEnd(graph, tensor, numConsumers));
      if (graph.tensors[t].producer < 0) {
        if (toEnd[t] || consumers[t])
          initialLive += graph.tensors[t].size;
        else
          unreadInputs += graph.tensors[t].size;
      }
    }
  }

  /// Returns false when the state limit was hit.
  bool run(std::vector<int> &order, int64_t &peak) {
    const int numOps = static_cast<int>(graph.ops.size());
    std::vector<State> states;
    states.push_back({0, 0, initialLive, -1, -1});
    size_t layerBegin = 0, layerEnd = 1;
    for (int step = 0; step < numOps; ++step) {
      std::unordered_map<uint64_t, size_t> next;
      for (size_t i = layerBegin; i < layerEnd; ++i) {
        // Ready ops in the caller's order, so ties keep its preference.
        for (int v : given) {
          const uint64_t bit = uint64_t(1) << v;
          const State &from = states[i];
          if ((from.mask & bit) || (predecessors[v] & ~from.mask))
            continue;
          const int result = graph.ops[v].result;
          int64_t stepLive = from.live + graph.tensors[result].size;
          if (from.mask == 0)
            stepLive += unreadInputs;
          const int64_t newPeak = std::max(from.peak, stepLive);
          const uint64_t mask = from.mask | bit;
          auto it = next.find(mask);
          if (it != next.end()) {
            State &to = states[it->second];
            if (newPeak < to.peak) {
              to.peak = newPeak;
              to.parent = static_cast<int64_t>(i);
              to.op = v;
            }
            continue;
          }
          if (static_cast<int64_t>(states.size()) >= maxStates)
            return false;
          State to{mask, newPeak, liveAfter(from, v, mask),
                   static_cast<int64_t>(i), v};
          next.emplace(mask, states.size());
          states.push_back(to);
        }
      }
      layerBegin = layerEnd;
      layerEnd = states.size();
    }
    // The last layer holds exactly one state: all ops executed.
    int64_t index = static_cast<int64_t>(layerBegin);
    peak = numOps == 0 ? initialLive + unreadInputs : states[index].peak;
    order.clear();
    while (index > 0) {
      order.push_back(states[index].op);
      index = states[index].parent;
    }
    std::reverse(order.begin(), order.end());
    return true;
  }

private:
  struct State {
    uint64_t mask;
    int64_t peak;
    /// Live bytes once the ops of `mask` have run.
    int64_t live;
    int64_t parent;
    int op;
  };

  int64_t liveAfter(const State &from, int v, uint64_t mask) const {
    int64_t live = from.live;
    const int result = graph.ops[v].result;
    if (toEnd[result] || (consumers[result] & ~mask))
      live += graph.tensors[result].size;
    std::vector<int> operands = graph.ops[v].operands;
    std::sort(operands.begin(), operands.end());
    operands.erase(std::unique(operands.begin(), operands.end()),
                   operands.end());
    for (int t : operands)
      if (!toEnd[t] && !(consumers[t] & ~mask))
        live -= graph.tensors[t].size;
    return live;
  }

  const OpGraph &graph;
  const std::vector<int> &given;
  int64_t maxStates;
  std::vector<uint64_t> predecessors;
  std::vector<uint64_t> consumers;
  std::vector<bool> toEnd;
  int64_t initialLive = 0;
  int64_t unreadInputs = 0;
};

enum class GreedyKey {
  /// Smallest growth of live memory after the step (result minus what the
  /// op frees), then the smallest step peak.
  NetGrowth,
  /// Smallest live memory during the step, then the smallest growth.
  StepPeak,
};

/// List scheduling: repeatedly runs the ready op that is best for `key`;
/// ties go to the op that comes first in the given order.
std::vector<int> greedyOrder(const OpGraph &graph,
                             const std::vector<int> &given, GreedyKey key) {
  const int numOps = static_cast<int>(graph.ops.size());
  std::vector<int> remaining = countConsumers(graph);
  std::vector<int> missing(numOps, 0);
  std::vector<std::vector<int>> distinctOperands(numOps);
  std::vector<std::vector<int>> users(numOps);
  for (int k = 0; k < numOps; ++k) {
    std::vector<int> operands = graph.ops[k].operands;
    std::sort(operands.begin(), operands.end());
    operands.erase(std::unique(operands.begin(), operands.end()),
                   operands.end());
    distinctOperands[k] = operands;
    for (int t : operands)
      if (graph.tensors[t].producer >= 0) {
        ++missing[k];
        users[graph.tensors[t].producer].push_back(k);
      }
  }
  const std::vector<int> numConsumers = countConsumers(graph);
  std::vector<bool> done(numOps, false);
  std::vector<int> order;
  while (static_cast<int>(order.size()) < numOps) {
    int bestOp = -1;
    int64_t bestPrimary = 0, bestSecondary = 0;
    for (int v : given) {
      if (done[v] || missing[v] > 0)
        continue;
      const int64_t resultSize = graph.tensors[graph.ops[v].result].size;
      int64_t freed = 0;
      for (int t : distinctOperands[v])
        if (remaining[t] == 1 && !liveToEnd(graph, t, numConsumers))
          freed += graph.tensors[t].size;
      const int64_t growth = resultSize - freed;
      // The live bytes before the step are common to all candidates, so the
      // step peak compares as the result size.
      const int64_t primary = key == GreedyKey::NetGrowth ? growth : resultSize;
      const int64_t secondary =
          key == GreedyKey::NetGrowth ? resultSize : growth;
      if (bestOp < 0 || primary < bestPrimary ||
          (primary == bestPrimary && secondary < bestSecondary)) {
        bestOp = v;
        bestPrimary = primary;
        bestSecondary = secondary;
      }
    }
    done[bestOp] = true;
    order.push_back(bestOp);
    for (int t : distinctOperands[bestOp])
      --remaining[t];
    for (int user : users[bestOp])
      --missing[user];
  }
  return order;
}
} // namespace

std::string scheduleForMemory(const OpGraph &graph,
                              const std::vector<int> &givenOrder,
                              const ScheduleOptions &options,
                              ScheduleResult &result) {
  std::string error = verifyGraph(graph);
  if (!error.empty())
    return error;
  std::vector<int> given = givenOrder;
  if (given.empty()) {
    given.resize(graph.ops.size());
    std::iota(given.begin(), given.end(), 0);
  }
  error = checkTopologicalOrder(graph, given);
  if (!error.empty())
    return "given order is invalid: " + error;

  result.order = given;
  result.givenPeakBytes = peakLiveBytes(graph, given);
  result.peakBytes = result.givenPeakBytes;
  result.method = "given";
  result.exact = false;

  const int numOps = static_cast<int>(graph.ops.size());
  if (numOps <= std::min(options.exactMaxOps, 64)) {
    SubsetSearch search(graph, given, options.exactMaxStates);
    std::vector<int> order;
    int64_t peak = 0;
    if (search.run(order, peak)) {
      result.exact = true;
      if (peak < result.peakBytes) {
        result.order = order;
        result.peakBytes = peak;
        result.method = "exact";
      }
      return "";
    }
  }

  for (GreedyKey key : {GreedyKey::NetGrowth, GreedyKey::StepPeak}) {
    std::vector<int> order = greedyOrder(graph, given, key);
    const int64_t peak = peakLiveBytes(graph, order);
    if (peak < result.peakBytes) {
      result.order = order;
      result.peakBytes = peak;
      result.method =
          key == GreedyKey::NetGrowth ? "greedy-net-growth" : "greedy-step";
    }
  }
  return "";
}

} // namespace mlir::mpq
