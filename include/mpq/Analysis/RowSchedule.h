//===- RowSchedule.h - Layers run row by row with line buffers --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// A row group is a set of layers (NHWC, one image) that runs row by row: no
// intermediate tensor of the group ever exists whole. Its members, in
// program order, read the group's input (one whole tensor) or earlier
// members' results; only the last member's result leaves the group, whole.
// A chain of convolutions is the simplest group; a residual block (conv,
// conv, and the sum with the block's input) or a downsampling block (a
// pooling of the input beside strided convolutions, then their sum) is one
// too. Each intermediate lives in a line buffer holding the last rows its
// producer wrote, just enough for its readers' windows (docs/design.md,
// "Row groups").
//
// The driver. One loop of `iterations` turns; in each, every member in
// order produces its next output row y if it has rows left and, for each
// tensor it reads, the rows its window needs are there:
//
//   need(y) = min(y * stride - pad + extent, inRows) <= available
//
// where `available` is the whole tensor for the group's input and the rows
// the producer has written so far for a member's result. So a member writes
// at most one row a turn; a stride-2 member every other turn.
//
// A line buffer of R rows holds its producer's last R rows in order: before
// writing row a, the producer moves rows [1, R) of the buffer to [0, R - 1)
// and then writes row a at slot R - 1. So with a rows written, row r is at
// slot r - a + R. R is the most rows any read needs back from the newest:
// max over the reads of (rows written when the reader runs its row y) -
// max(0, y * stride - pad). scheduleRowGroup simulates the driver to find
// it. This file is MLIR-free: the MLIR side is RowGroups.h.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_ROWSCHEDULE_H
#define MPQ_ANALYSIS_ROWSCHEDULE_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::mpq {

/// A tensor a member of a row group reads: `source` is the index of the
/// member that writes it, or -1 for the group's input; `rowBytes` the bytes
/// of one of its image rows.
struct RowInput {
  int64_t source = -1;
  int64_t rowBytes = 0;
};

/// One member of a row group, in image rows.
struct RowLayer {
  /// Image rows of what it reads (every input has as many) and writes.
  int64_t inRows = 0, outRows = 0;
  /// Vertical stride, top padding and window height with dilation: one
  /// window for every input (an elementwise sum: 1, 0, 1).
  int64_t stride = 1, pad = 0, extent = 1;
  /// Bytes of one image row of the (first) input and of the output (W
  /// pixels of packed channels).
  int64_t inRowBytes = 0, outRowBytes = 0;
  /// What it reads. Empty: a chain, the previous member's result (the
  /// group's input for the first member), of inRowBytes per row.
  std::vector<RowInput> inputs;
};

/// `layer.inputs`, or for a chain member `index` its one implicit input.
std::vector<RowInput> rowInputs(const std::vector<RowLayer> &layers,
                                size_t index);

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
  /// The group as one step in place (the window contract of
  /// BufferPlanner.h): the least S >= 0 such that its output may start S
  /// bytes below its input. When the last member writes its row y (in turn
  /// t, after every read of the input in that turn), the output's first
  /// (y + 1) rows must end at or below the first input row any later turn
  /// reads: S = max over y of (y + 1) * outRowBytes - first * inRowBytes.
  int64_t inPlaceShift = 0;
};

/// Simulates the driver on `layers` (each reads the group's input or
/// earlier members' results, with matching rows and row bytes; every result
/// but the last is read in the group). Returns "" and fills `schedule`, or
/// what is wrong with the group. Line buffers are placed at multiples of
/// `align`.
std::string scheduleRowGroup(const std::vector<RowLayer> &layers,
                             RowSchedule &schedule, int64_t align = 16);

/// A step that may join a row group, as the choice sees it: its rows
/// (`rows.inputs` ignored), the tensors it reads (ids, with the bytes of
/// one of their rows), the tensor it writes, and how many reads of that
/// tensor there are in all (the caller's counting as one).
struct RowCandidate {
  RowLayer rows;
  std::vector<int64_t> inputs, inputRowBytes;
  int64_t output = -1;
  int64_t reads = 0;
};

/// The members [first, last] of `run` (consecutive steps in program order)
/// as one group: their layers with explicit inputs. Fails (the reason) if a
/// member reads a tensor from outside the group other than the first
/// member's first input, or a result other than the last is read outside
/// the group.
std::string rowGroupLayers(const std::vector<RowCandidate> &run, size_t first,
                           size_t last, std::vector<RowLayer> &layers);

/// Which members of each run share a group: groups[c][m] is the id of run
/// c's member m's group, or -1 (ids are unique across runs).
using RowGroupChoice = std::vector<std::vector<int64_t>>;

/// The greedy choice of --mpq-fuse-rows (and of ram-model=planned with
/// row groups): `runs[c]` are steps that may share groups (consecutive in
/// program order); `bound(choice)` is the arena's lower bound with
/// `choice`, or -1 if it cannot be evaluated. Each round joins the members
/// [first, last] of one run into one group (merged with the groups they
/// overlap; the result must be a group, rowGroupLayers, and schedule), the
/// join that lowers the bound the most, the shortest among equals; when no
/// join lowers it, the round instead shrinks one group from either end (a
/// member of one alone takes no group) if that lowers it, else takes one
/// member off a group's end and joins (the best pair); it stops when none
/// of these lowers it.
RowGroupChoice
chooseRowGroups(const std::vector<std::vector<RowCandidate>> &runs,
                const std::function<int64_t(const RowGroupChoice &)> &bound);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_ROWSCHEDULE_H
