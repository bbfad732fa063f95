//===- RowSchedule.cpp - Layers run row by row with line buffers ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RowSchedule.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

using namespace mlir::mpq;

int64_t mlir::mpq::firstInputRow(const RowLayer &layer, int64_t y) {
  return std::max<int64_t>(0, y * layer.stride - layer.pad);
}

int64_t mlir::mpq::inputRowsNeeded(const RowLayer &layer, int64_t y) {
  return std::min(y * layer.stride - layer.pad + layer.extent, layer.inRows);
}

std::vector<RowInput> mlir::mpq::rowInputs(const std::vector<RowLayer> &layers,
                                           size_t index) {
  const RowLayer &l = layers[index];
  if (!l.inputs.empty())
    return l.inputs;
  return {RowInput{static_cast<int64_t>(index) - 1, l.inRowBytes}};
}

std::string mlir::mpq::scheduleRowGroup(const std::vector<RowLayer> &layers,
                                        RowSchedule &schedule, int64_t align) {
  schedule = RowSchedule();
  const size_t n = layers.size();
  if (n < 2)
    return "a row group needs at least two layers";
  std::vector<std::vector<RowInput>> inputs(n);
  std::vector<int64_t> reads(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const RowLayer &l = layers[i];
    const std::string name = "layer " + std::to_string(i);
    if (l.inRows <= 0 || l.outRows <= 0 || l.stride <= 0 || l.pad < 0 ||
        l.extent <= 0 || l.inRowBytes <= 0 || l.outRowBytes <= 0)
      return name + " has an empty or invalid shape";
    inputs[i] = rowInputs(layers, i);
    for (const RowInput &in : inputs[i]) {
      if (in.source >= static_cast<int64_t>(i) || in.source < -1)
        return name + " reads a layer that does not run before it";
      const int64_t rows =
          in.source < 0 ? layers.front().inRows : layers[in.source].outRows;
      const int64_t bytes = in.source < 0 ? layers.front().inRowBytes
                                          : layers[in.source].outRowBytes;
      if (rows != l.inRows || bytes != in.rowBytes)
        return name + " does not read the rows of " +
               (in.source < 0 ? std::string("the group's input")
                              : "layer " + std::to_string(in.source));
      if (in.source >= 0)
        ++reads[in.source];
    }
    // Every output row must read at least one input row, and the last one
    // must be reachable.
    if (inputRowsNeeded(l, l.outRows - 1) <= firstInputRow(l, l.outRows - 1))
      return name + " has an output row that reads no input row";
  }
  if (inputs.front().front().source != -1)
    return "layer 0 does not read the group's input";
  for (size_t i = 0; i + 1 < n; ++i)
    if (reads[i] == 0)
      return "nothing in the group reads layer " + std::to_string(i);
  std::vector<int64_t> written(n, 0), rows(n, 1);
  // Per turn: the first input row any member read (inRows if none did),
  // and the rows of the last member written by its end.
  std::vector<int64_t> firstRead, lastWritten;
  int64_t turns = 0;
  // Each turn some member writes a row until the last is done; the bound
  // only guards the loop.
  int64_t bound = 1;
  for (const RowLayer &l : layers)
    bound += l.outRows + l.inRows;
  const int64_t groupRows = layers.front().inRows;
  while (written.back() < layers.back().outRows) {
    if (++turns > bound)
      return "the row schedule does not finish";
    bool progress = false;
    firstRead.push_back(groupRows);
    for (size_t i = 0; i < n; ++i) {
      const RowLayer &l = layers[i];
      const int64_t y = written[i];
      if (y >= l.outRows)
        continue;
      bool ready = true;
      for (const RowInput &in : inputs[i])
        ready = ready && inputRowsNeeded(l, y) <=
                             (in.source < 0 ? groupRows : written[in.source]);
      if (!ready)
        continue;
      for (const RowInput &in : inputs[i]) {
        if (in.source < 0)
          firstRead.back() = std::min(firstRead.back(), firstInputRow(l, y));
        else
          rows[in.source] = std::max(rows[in.source],
                                     written[in.source] - firstInputRow(l, y));
      }
      ++written[i];
      progress = true;
    }
    if (!progress)
      return "the row schedule does not progress";
    lastWritten.push_back(written.back());
  }
  schedule.iterations = turns;
  // In place: the first input row read from turn t + 1 on, against the
  // rows written by the end of turn t.
  const RowLayer &first = layers.front(), &last = layers.back();
  int64_t later = groupRows;
  for (int64_t t = turns - 1; t >= 0; --t) {
    schedule.inPlaceShift =
        std::max(schedule.inPlaceShift,
                 lastWritten[t] * last.outRowBytes - later * first.inRowBytes);
    later = std::min(later, firstRead[t]);
  }
  int64_t offset = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const int64_t bytes = rows[i] * layers[i].outRowBytes;
    schedule.lineRows.push_back(rows[i]);
    schedule.lineOffsets.push_back(offset);
    schedule.lineBytes.push_back(bytes);
    offset += (bytes + align - 1) / align * align;
  }
  schedule.scratchBytes = offset;
  return "";
}

std::string mlir::mpq::rowGroupLayers(const std::vector<RowCandidate> &run,
                                      size_t first, size_t last,
                                      std::vector<RowLayer> &layers) {
  layers.clear();
  if (first >= last || last >= run.size())
    return "a row group needs at least two layers";
  const int64_t groupInput =
      run[first].inputs.empty() ? -1 : run[first].inputs.front();
  std::vector<int64_t> readsInside(last - first + 1, 0);
  for (size_t m = first; m <= last; ++m) {
    RowLayer layer = run[m].rows;
    layer.inputs.clear();
    for (size_t k = 0; k < run[m].inputs.size(); ++k) {
      const int64_t tensor = run[m].inputs[k];
      int64_t source = -2;
      for (size_t p = first; p < m; ++p)
        if (run[p].output == tensor)
          source = static_cast<int64_t>(p - first);
      if (source == -2 && tensor == groupInput && groupInput >= 0)
        source = -1;
      if (source == -2)
        return "layer " + std::to_string(m - first) +
               " reads a tensor from outside the group other than its input";
      if (source >= 0)
        ++readsInside[source];
      layer.inputs.push_back({source, run[m].inputRowBytes[k]});
    }
    if (layer.inputs.empty())
      return "layer " + std::to_string(m - first) + " reads nothing";
    layers.push_back(std::move(layer));
  }
  for (size_t m = first; m < last; ++m)
    if (readsInside[m - first] != run[m].reads)
      return "the result of layer " + std::to_string(m - first) +
             " is read outside the group";
  return "";
}

RowGroupChoice mlir::mpq::chooseRowGroups(
    const std::vector<std::vector<RowCandidate>> &runs,
    const std::function<int64_t(const RowGroupChoice &)> &bound) {
  RowGroupChoice choice;
  for (const std::vector<RowCandidate> &run : runs)
    choice.emplace_back(run.size(), -1);
  int64_t best = bound(choice);
  if (best < 0)
    return choice;
  // Whether members [a, b] of run c form a group that schedules.
  auto schedules = [&](size_t c, size_t a, size_t b) {
    std::vector<RowLayer> layers;
    RowSchedule schedule;
    return rowGroupLayers(runs[c], a, b, layers).empty() &&
           scheduleRowGroup(layers, schedule, 16).empty();
  };
  // Keeps `trial` in `bestChoice` if its bound is below `bestTrial`.
  auto consider = [&](RowGroupChoice &trial, int64_t &bestTrial,
                      RowGroupChoice &bestChoice) {
    const int64_t b = bound(trial);
    if (b >= 0 && b < bestTrial) {
      bestTrial = b;
      bestChoice = std::move(trial);
    }
  };
  // Every join on `base`: members [first, last] of one run as group `id`,
  // widened to the groups they overlap.
  auto joins = [&](const RowGroupChoice &base, int64_t id, int64_t &bestTrial,
                   RowGroupChoice &bestChoice) {
    // (run, lo, hi) already tried: widening repeats joins.
    std::set<std::tuple<size_t, size_t, size_t>> tried;
    for (size_t c = 0; c < runs.size(); ++c)
      for (size_t first = 0; first < runs[c].size(); ++first)
        for (size_t last = first + 1; last < runs[c].size(); ++last) {
          size_t lo = first, hi = last;
          for (size_t m = first; m <= last; ++m)
            for (size_t k = 0; k < runs[c].size(); ++k)
              if (base[c][m] >= 0 && base[c][k] == base[c][m])
                lo = std::min(lo, k), hi = std::max(hi, k);
          if (!tried.insert({c, lo, hi}).second)
            continue;
          RowGroupChoice trial = base;
          for (size_t m = lo; m <= hi; ++m)
            trial[c][m] = id;
          if (trial != base && schedules(c, lo, hi))
            consider(trial, bestTrial, bestChoice);
        }
  };
  // Every choice that shrinks one group of `base` from either end (a member
  // left alone takes no group), by at most `most` members.
  auto shrinks = [&](const RowGroupChoice &base, size_t most,
                     const std::function<void(RowGroupChoice &)> &visit) {
    for (size_t c = 0; c < runs.size(); ++c)
      for (size_t lo = 0; lo < runs[c].size();) {
        size_t hi = lo;
        while (base[c][lo] >= 0 && hi + 1 < runs[c].size() &&
               base[c][hi + 1] == base[c][lo])
          ++hi;
        for (size_t a = lo; base[c][lo] >= 0 && a <= hi; ++a)
          for (size_t b = a; b <= hi; ++b) {
            if ((a == lo && b == hi) || (a != lo && b != hi) ||
                (a - lo) + (hi - b) > most)
              continue;
            RowGroupChoice trial = base;
            for (size_t m = lo; m <= hi; ++m)
              if (m < a || m > b || a == b)
                trial[c][m] = -1;
            if (a == b || schedules(c, a, b))
              visit(trial);
          }
        lo = hi + 1;
      }
  };
  int64_t nextId = 0;
  while (true) {
    int64_t bestTrial = best;
    RowGroupChoice bestChoice;
    joins(choice, nextId, bestTrial, bestChoice);
    // No join lowers the bound: a group may have taken a layer that a
    // later join needed alone (a first group's first layer, say). Try
    // shrinking each group from either end, then a group less one end
    // member and a join together (the shrink alone may lower nothing: the
    // peak is elsewhere until the join covers it).
    if (bestChoice.empty())
      shrinks(choice, std::numeric_limits<size_t>::max(),
              [&](RowGroupChoice &trial) {
                consider(trial, bestTrial, bestChoice);
              });
    if (bestChoice.empty())
      shrinks(choice, 1, [&](RowGroupChoice &shrunk) {
        joins(shrunk, nextId, bestTrial, bestChoice);
      });
    if (bestChoice.empty())
      return choice;
    choice = std::move(bestChoice);
    best = bestTrial;
    ++nextId;
  }
}
