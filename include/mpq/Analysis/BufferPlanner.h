//===- BufferPlanner.h - Static arena planning for activations --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Places every activation / scratch buffer of a scheduled graph at an offset
// inside one arena so that buffers alive at the same step never share bytes
// (docs/paper.md §5). This is the MLIR-free core behind
// `--mpq-plan-buffers`: the pass computes lifetimes on the scheduled integer
// graph, sizes buffers with mlir::mpq::packedTensorBytes, calls planBuffers,
// and rewrites allocations into views of the arena.
//
// Conventions (the contract with the pass and with checkPlan):
//
// * Lifetimes are inclusive step intervals [firstUse, lastUse]. Two buffers
//   conflict when their intervals intersect.
//
// * Alignment. Every offset is a multiple of `align` (default 16). For
//   placement each size is rounded up to a multiple of `align`, so the buffer
//   placed above another one starts at an aligned address without padding
//   arithmetic at the call site. `Plan::arenaSize` is max(offset +
//   alignTo(size)), a multiple of `align`. checkPlan checks the real bytes
//   [offset, offset + size) and that arenaSize covers every end.
//
// * In-place hint. `Buffer::inPlaceOf = a` on buffer b says: b may reuse a's
//   memory, because a dies at the step where b is born. `inPlaceShift` S
//   says how: b must start at least S bytes below a (offset(b) + S <=
//   offset(a)), the rest of its bytes may overlap a's.
//   - S = 0, the elementwise case: an op that reads element k, then writes
//     element k (requantize, qadd, table) with an output no wider than its
//     input; b.size <= a.size is required.
//   - S > 0, the window case: an op that writes its output row by row in
//     order and, while it writes row r, reads no input row below the first
//     one row r needs (conv, depthwise, pooling); S is windowInPlaceShift,
//     the distance that keeps every output row below the input rows still
//     to be read. b may be larger than a. Such an op may instead write its
//     output pixels from the last (`inPlaceShiftUp` S' >= 0): then b must
//     end at least S' above a's end (offset(b) + size(b) >= offset(a) +
//     size(a) + S'); Plan::descending says which a plan chose, and code
//     generation reads it as `mpq.rows_descending`.
//   The hint is well-formed when a.lastUse == b.firstUse (and, for S = 0,
//   b.size <= a.size); planBuffers rejects malformed hints with an error.
//   checkPlan accepts an address overlap between two live buffers only in
//   exactly that case (declared pair, a.lastUse == b.firstUse, offset(b) +
//   S <= offset(a)).
//   A hint is an allowance, not an obligation: a hint is dropped when
//   honouring it would make b overlap some other member of a's chain at a
//   step where both live (e.g. a -> b -> c with b alive for a single step:
//   a and c would then share bytes without a declared pair), or when another
//   buffer already reuses a. Honoured hints join buffers into chains that
//   the planner moves as one rectangle over the chain's whole lifetime: each
//   member at its fixed distance from the chain's head (S below its source,
//   rounded up to the alignment), the rectangle as tall as the members'
//   union (exact for the common same-size elementwise case, conservative
//   elsewhere). Because a long chain of shifted pairs grows by every shift,
//   planBuffers takes the S = 0 hints and then adds shifted hints one at a
//   time, largest pair first, in order or descending, keeping each unless
//   the arena grows (alternating directions stops a chain's drift).
//
// * Lower bound. lowerBound is max over steps t of the sum of the (aligned)
//   sizes of the buffers live at t, minus, for every honoured in-place pair
//   (a, b) with a.lastUse == b.firstUse == t, what the pair saves at t:
//   A + B - max(A + S, B) (A, B, S aligned: the union of the two with b S
//   below a; B itself when S = 0; descending, with the raw sizes and S').
//   With elementwise hints only, the pairs are those honouredInPlace
//   joins; with window hints, each source saves the most any hint on it
//   could. Every plan checkPlan accepts has an arena at least this large
//   when computed with the same `align`, so it is a valid cutoff.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_BUFFERPLANNER_H
#define MPQ_ANALYSIS_BUFFERPLANNER_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::mpq {

/// One buffer to place: a tensor or a kernel's scratch area.
struct Buffer {
  std::string name;
  /// Size in bytes (from mlir::mpq::packedTensorBytes at the call site).
  int64_t size = 0;
  /// Inclusive step interval during which the buffer must hold its data.
  int64_t firstUse = 0;
  int64_t lastUse = 0;
  /// Index of the buffer whose memory this one may reuse, or -1 (see the
  /// in-place conventions in the file comment).
  int inPlaceOf = -1;
  /// With inPlaceOf: how many bytes below the source this buffer must start
  /// (0: at or below its offset; see the file comment).
  int64_t inPlaceShift = 0;
  /// With a window hint: the kernel may instead write its rows from the
  /// last to the first, and then this buffer must end at least this many
  /// bytes above the source's end (offset(b) + size(b) >= offset(a) +
  /// size(a) + shiftUp); -1 when it cannot. A plan says which it chose
  /// (Plan::descending).
  int64_t inPlaceShiftUp = -1;
};

/// The in-place window contract (file comment) for an op over `batches`
/// images that writes output rows of `outRowBytes` in order and, for output
/// row r of an image, reads no input row of that image below
/// clamp(r * stride - pad, 0, inRows) (rows of `inRowBytes`; image n's rows
/// follow image n-1's). Returns the least S such that every output row ends
/// at or below the first input byte any later output row reads: the shift
/// of an in-place hint. A 1x1 kernel that works on pixel pairs passes
/// pairs of pixels as its rows.
int64_t windowInPlaceShift(int64_t batches, int64_t outRows,
                           int64_t outRowBytes, int64_t inRows,
                           int64_t inRowBytes, int64_t stride, int64_t pad);

/// The same contract with the rows written from the last (of the last
/// image) to the first, output row r reading no input row above
/// min(r * stride - pad + extent - 1, inRows - 1) (`extent`: the window's
/// height with dilation): the least S' such that every output row starts at
/// or above the end of the last input row any later row reads, measured
/// between the ends of the two buffers (Buffer::inPlaceShiftUp).
int64_t windowInPlaceShiftDescending(int64_t batches, int64_t outRows,
                                     int64_t outRowBytes, int64_t inRows,
                                     int64_t inRowBytes, int64_t stride,
                                     int64_t pad, int64_t extent);

/// Both in-place shifts of a window step over NHWC tensors of `inShape`
/// and `outShape` (4-d) with rows of packed pixels at `inPixelBytes` and
/// `outPixelBytes`: `below` (rows in order; pairs of pixels when
/// `pointwise`) and `up` (from the last pixel, -1 when it saves nothing). A
/// shift saves something when it is less than the output's bytes. The
/// integer graph (ArenaBuffers.h) and the graph-level memory model
/// (MemoryModel.h) both decide through it.
struct WindowShifts {
  int64_t below = 0, up = -1, outBytes = 0;
  bool belowSaves() const { return below < outBytes; }
  bool saves() const { return belowSaves() || up >= 0; }
};
WindowShifts windowInPlaceShifts(const std::vector<int64_t> &inShape,
                                 int64_t inPixelBytes,
                                 const std::vector<int64_t> &outShape,
                                 int64_t outPixelBytes, int64_t stride,
                                 int64_t padTop, int64_t extent,
                                 bool pointwise);

/// A 1x1 kernel on pairs of pixels (`pixels` in all, the odd last one
/// alone), in order or (`descending`) from the last: the shift of its
/// in-place hint (below the input; or, descending, between the ends).
int64_t pairInPlaceShift(int64_t pixels, int64_t outPixelBytes,
                         int64_t inPixelBytes, bool descending);

enum class PlanAlgorithm {
  /// Pisarchyk & Lee greedy-by-size with best-fit gaps: the baseline.
  GreedySize,
  /// Several orderings, local search and, for few buffers, an exact
  /// branch-and-bound; never worse than GreedySize.
  Best,
};

/// The `algorithm=` spelling (the option parses through PassOptions.h).
const char *stringifyPlanAlgorithm(PlanAlgorithm algorithm);

struct PlanOptions {
  PlanAlgorithm algorithm = PlanAlgorithm::Best;
  /// Every offset is a multiple of this (>= 1); sizes are rounded up to it.
  int64_t align = 16;
  /// Best: exact branch-and-bound when the number of placement units
  /// (buffers after merging honoured in-place chains) is at most this.
  int exactMaxBuffers = 12;
  /// Best: give up the exact search after this many nodes (the result is
  /// still the best plan found, just not proven optimal).
  int64_t exactNodeLimit = 200000;
  /// Best: number of seeded random perturbations of the size order.
  int randomOrders = 8;
  /// Best: local-search moves on the best ordering (0 disables).
  int localSearchIterations = 400;
  /// Best: seed of the perturbations and of the local search; fixed so that
  /// a plan is reproducible.
  uint64_t seed = 0x6d70712d706c616eULL;
  /// Shifted (window) in-place hints tried one at a time, largest pairs
  /// first; each trial is one plan.
  int maxShiftedTrials = 24;
};

struct Plan {
  /// Offset of every buffer, indexed like the input.
  std::vector<int64_t> offsets;
  /// max(offset + alignTo(size, align)) over all buffers.
  int64_t arenaSize = 0;
  /// lowerBound(buffers, align): no plan can use less.
  int64_t lowerBound = 0;
  int64_t align = 16;
  PlanAlgorithm algorithm = PlanAlgorithm::Best;
  /// Arena of the greedy-size baseline, for reports.
  int64_t baselineArenaSize = 0;
  /// Which candidate produced the plan, e.g. "size/best-fit", "local-search",
  /// "exact".
  std::string method;
  /// True when arenaSize == lowerBound, or the exact search finished (then it
  /// is optimal among plans that honour the same in-place chains as one
  /// rectangle; with no hints that is all plans).
  bool provenOptimal = false;
  /// For each buffer, the source whose in-place hint the plan honours, or
  /// -1.
  std::vector<int> inPlaceSource;
  /// For each buffer, whether its step writes rows from the last to the
  /// first (an honoured hint placed by inPlaceShiftUp). Empty: none.
  std::vector<bool> descending;
};

/// Rounds `value` up to a multiple of `align` (align >= 1).
int64_t alignTo(int64_t value, int64_t align);

/// Checks sizes, lifetimes and in-place hints; returns an error message or
/// the empty string.
std::string verifyBuffers(const std::vector<Buffer> &buffers);

/// The peak over steps of the live bytes (sizes rounded up to `align`),
/// counting each honoured in-place pair once at the step it shares (see the
/// file comment). Malformed input (verifyBuffers) gives -1.
int64_t lowerBound(const std::vector<Buffer> &buffers, int64_t align = 1);

/// For each buffer, the index of the buffer it overlaps because its in-place
/// hint can be honoured (no chain clash), or -1, considering the hints of
/// the buffers with `allowed[i]` (every hint when `allowed` is empty).
/// lowerBound takes every hint; planBuffers chooses `allowed`.
std::vector<int> honouredInPlace(const std::vector<Buffer> &buffers,
                                 const std::vector<bool> &allowed = {});

/// Plans `buffers`. Returns an error message (and leaves `plan` alone) when
/// verifyBuffers or the options reject the input, else the empty string.
std::string planBuffers(const std::vector<Buffer> &buffers,
                        const PlanOptions &options, Plan &plan);

/// Independent O(n^2) verifier of a plan: aligned non-negative offsets, an
/// arena covering every buffer, and no two buffers whose lifetimes intersect
/// share a byte unless they are a declared in-place pair placed as the file
/// comment allows. Returns the empty string or an error naming the buffers.
std::string checkPlan(const std::vector<Buffer> &buffers, const Plan &plan);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_BUFFERPLANNER_H
