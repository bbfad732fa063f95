//===- RowSchedule.cpp - Layers run row by row with line buffers ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RowSchedule.h"

#include <algorithm>

using namespace mlir::mpq;

int64_t mlir::mpq::firstInputRow(const RowLayer &layer, int64_t y) {
  return std::max<int64_t>(0, y * layer.stride - layer.pad);
}

int64_t mlir::mpq::inputRowsNeeded(const RowLayer &layer, int64_t y) {
  return std::min(y * layer.stride - layer.pad + layer.extent, layer.inRows);
}

std::string mlir::mpq::scheduleRowGroup(const std::vector<RowLayer> &layers,
                                        RowSchedule &schedule, int64_t align) {
  schedule = RowSchedule();
  const size_t n = layers.size();
  if (n < 2)
    return "a row group needs at least two layers";
  for (size_t i = 0; i < n; ++i) {
    const RowLayer &l = layers[i];
    if (l.inRows <= 0 || l.outRows <= 0 || l.stride <= 0 || l.pad < 0 ||
        l.extent <= 0 || l.inRowBytes <= 0 || l.outRowBytes <= 0)
      return "layer " + std::to_string(i) + " has an empty or invalid shape";
    if (i + 1 < n && (layers[i + 1].inRows != l.outRows ||
                      layers[i + 1].inRowBytes != l.outRowBytes))
      return "layer " + std::to_string(i + 1) +
             " does not read the rows of layer " + std::to_string(i);
    // Every output row must read at least one input row, and the last one
    // must be reachable.
    if (inputRowsNeeded(l, l.outRows - 1) <= firstInputRow(l, l.outRows - 1))
      return "layer " + std::to_string(i) +
             " has an output row that reads no "
             "input row";
  }
  std::vector<int64_t> written(n, 0), rows(n, 1);
  // Per turn: the first input row the first layer read (inRows if it did
  // not), and the rows of the last layer written by its end.
  std::vector<int64_t> firstRead, lastWritten;
  int64_t turns = 0;
  // Each turn the first layer writes a row until it is done, and every
  // later layer writes at most one; the bound only guards the loop.
  int64_t bound = 1;
  for (const RowLayer &l : layers)
    bound += l.outRows + l.inRows;
  while (written.back() < layers.back().outRows) {
    if (++turns > bound)
      return "the row schedule does not finish";
    bool progress = false;
    firstRead.push_back(layers.front().inRows);
    for (size_t i = 0; i < n; ++i) {
      const RowLayer &l = layers[i];
      const int64_t y = written[i];
      const int64_t available = i == 0 ? l.inRows : written[i - 1];
      if (y >= l.outRows || inputRowsNeeded(l, y) > available)
        continue;
      if (i == 0)
        firstRead.back() = firstInputRow(l, y);
      if (i > 0)
        rows[i - 1] = std::max(rows[i - 1], available - firstInputRow(l, y));
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
  int64_t later = first.inRows;
  for (int64_t t = turns - 1; t >= 0; --t) {
    schedule.inPlaceShift =
        std::max(schedule.inPlaceShift,
                 lastWritten[t] * last.outRowBytes - later * first.inRowBytes);
    later = std::min(later, firstRead[t]);
  }
  // Every row a producer writes first moves R - 1 rows.
  int64_t offset = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const int64_t bytes = rows[i] * layers[i].outRowBytes;
    schedule.lineRows.push_back(rows[i]);
    schedule.lineOffsets.push_back(offset);
    schedule.lineBytes.push_back(bytes);
    schedule.movedBytes +=
        layers[i].outRows * (rows[i] - 1) * layers[i].outRowBytes;
    offset += (bytes + align - 1) / align * align;
  }
  schedule.scratchBytes = offset;
  return "";
}

RowGroupChoice mlir::mpq::chooseRowGroups(
    const std::vector<std::vector<RowLayer>> &runs,
    const std::function<int64_t(const RowGroupChoice &)> &bound) {
  RowGroupChoice choice;
  for (const std::vector<RowLayer> &run : runs)
    choice.emplace_back(run.size(), -1);
  int64_t best = bound(choice);
  if (best < 0)
    return choice;
  int64_t nextId = 0;
  while (true) {
    int64_t bestTrial = best;
    RowGroupChoice bestChoice;
    for (size_t c = 0; c < runs.size(); ++c)
      for (size_t first = 0; first < runs[c].size(); ++first)
        for (size_t last = first + 1; last < runs[c].size(); ++last) {
          // The groups [first, last] overlaps widen it.
          size_t lo = first, hi = last;
          for (size_t m = first; m <= last; ++m)
            for (size_t k = 0; k < runs[c].size(); ++k)
              if (choice[c][m] >= 0 && choice[c][k] == choice[c][m])
                lo = std::min(lo, k), hi = std::max(hi, k);
          RowGroupChoice trial = choice;
          std::vector<RowLayer> layers;
          for (size_t m = lo; m <= hi; ++m) {
            trial[c][m] = nextId;
            layers.push_back(runs[c][m]);
          }
          RowSchedule schedule;
          if (trial == choice ||
              !scheduleRowGroup(layers, schedule, 16).empty())
            continue;
          const int64_t b = bound(trial);
          if (b >= 0 && b < bestTrial) {
            bestTrial = b;
            bestChoice = std::move(trial);
          }
        }
    if (bestChoice.empty())
      return choice;
    choice = std::move(bestChoice);
    best = bestTrial;
    ++nextId;
  }
}
