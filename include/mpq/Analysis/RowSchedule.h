//===- RowSchedule.h - Layers run row by row with line buffers --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// A row group is a chain of convolution layers (NHWC, one image) that runs
// row by row: no intermediate tensor of the chain ever exists whole. Each
// intermediate lives in a line buffer holding the last rows its producer
// wrote, just enough for its consumer's window. The group's input and output
// are whole tensors (docs/design.md, "Row groups").
//
// The driver. One loop of `iterations` turns; in each, every layer in chain
// order produces its next output row y if it has rows left and the rows its
// window needs are there:
//
//   need(y) = min(y * stride - pad + extent, inRows) <= available
//
// where `available` is the whole input for the first layer and the rows its
// producer has written so far for the others. So a layer writes at most one
// row a turn; a stride-2 layer every other turn.
//
// A line buffer of R rows holds its producer's last R rows in order: before
// writing row a, the producer moves rows [1, R) of the buffer to [0, R - 1)
// and then writes row a at slot R - 1. So with a rows written, row r is at
// slot r - a + R. R is the most rows any read by the consumer needs back from
// the newest: max over the consumer's rows y of (rows written when it runs
// y) - max(0, y * stride - pad). scheduleRowGroup simulates the driver to
// find it. This file is MLIR-free: the MLIR side is RowGroups.h.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_ROWSCHEDULE_H
#define MPQ_ANALYSIS_ROWSCHEDULE_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::mpq {

/// One layer of a row group, in image rows.
struct RowLayer {
  int64_t inRows = 0, outRows = 0;
  /// Vertical stride, top padding and window height with dilation.
  int64_t stride = 1, pad = 0, extent = 1;
  /// Bytes of one image row of the input and of the output (W pixels of
  /// packed channels).
  int64_t inRowBytes = 0, outRowBytes = 0;
  /// Multiply-accumulates of the whole layer (for reports).
  int64_t macs = 0;
};

/// First input row that output row `y` reads, and one past the last.
int64_t firstInputRow(const RowLayer &layer, int64_t y);
int64_t inputRowsNeeded(const RowLayer &layer, int64_t y);

/// The driver's schedule of a chain (file comment).
struct RowSchedule {
  /// Turns of the driver loop.
  int64_t iterations = 0;
  /// For the output of layer i (i + 1 < layers): rows of its line buffer,
  /// its offset in the group's scratch and its bytes (offsets aligned).
  std::vector<int64_t> lineRows, lineOffsets, lineBytes;
  /// All line buffers: the scratch of the group's step.
  int64_t scratchBytes = 0;
  /// Bytes moved by the line-buffer shifts in one run of the group.
  int64_t movedBytes = 0;
  /// The group as one step in place (the window contract of
  /// BufferPlanner.h): the least S >= 0 such that its output may start S
  /// bytes below its input. When the last layer writes its row y (in turn
  /// t, after the first layer's read of that turn), the output's first
  /// (y + 1) rows must end at or below the first input row any later turn
  /// reads: S = max over y of (y + 1) * outRowBytes - first * inRowBytes.
  int64_t inPlaceShift = 0;
};

/// Simulates the driver on `layers` (a chain: layer i + 1 reads layer i's
/// rows, inRows of i + 1 == outRows of i). Returns "" and fills `schedule`,
/// or what is wrong with the chain. Line buffers are placed at multiples of
/// `align`.
std::string scheduleRowGroup(const std::vector<RowLayer> &layers,
                             RowSchedule &schedule, int64_t align = 16);

/// Which members of each run share a group: groups[c][m] is the id of run
/// c's member m's group, or -1 (ids are unique across runs).
using RowGroupChoice = std::vector<std::vector<int64_t>>;

/// The greedy choice of --mpq-fuse-rows (and of ram-model=planned with
/// row groups): `runs[c]` are the layers of a run that may share groups
/// (consecutive, each reading the previous one's rows); `bound(choice)` is
/// the arena's lower bound with `choice`, or -1 if it cannot be evaluated.
/// Each round joins the members [first, last] of one run into one group
/// (merged with the groups they overlap; the result must schedule), the
/// join that lowers the bound the most, the shortest among equals; it stops
/// when no join lowers it.
RowGroupChoice
chooseRowGroups(const std::vector<std::vector<RowLayer>> &runs,
                const std::function<int64_t(const RowGroupChoice &)> &bound);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_ROWSCHEDULE_H
