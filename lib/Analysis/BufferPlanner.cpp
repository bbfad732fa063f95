//===- BufferPlanner.cpp - Static arena planning for activations ----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The planner works on "units": a buffer, or a chain of buffers joined by
// honoured in-place hints, which all get one offset. A unit is a rectangle:
// an inclusive step interval and an extent (its largest size rounded up to
// the alignment). Every algorithm below places units; offsets of buffers are
// read off their unit at the end.
//
// Why first-fit over orderings is enough for the exact search: take any
// valid placement S and list the units by increasing offset. First-fit in
// that order puts each unit no higher than in S (by induction: every earlier
// unit that conflicts with it lies entirely below its S offset, and
// first-fit only lowers earlier units), so some ordering's first-fit is
// optimal. Iterating "sort by offset, first-fit again" only lowers offsets,
// so it reaches a placement that first-fit reproduces from its own offset
// order: the exact search may therefore require offsets to be non-decreasing
// along the ordering (ties by unit index), which prunes most orderings.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/BufferPlanner.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <numeric>

namespace mlir::mpq {

//===----------------------------------------------------------------------===//
// Options and small helpers
//===----------------------------------------------------------------------===//

const char *stringifyPlanAlgorithm(PlanAlgorithm algorithm) {
  switch (algorithm) {
  case PlanAlgorithm::GreedySize:
    return "greedy-size";
  case PlanAlgorithm::Best:
    return "best";
  }
  return "unknown";
}

int64_t alignTo(int64_t value, int64_t align) {
  return (value + align - 1) / align * align;
}

static bool lifetimesIntersect(int64_t firstA, int64_t lastA, int64_t firstB,
                               int64_t lastB) {
  return firstA <= lastB && firstB <= lastA;
}

namespace {
/// SplitMix64: a tiny generator whose sequence is the same on every standard
/// library, unlike std::uniform_int_distribution, so plans are reproducible
/// across toolchains.
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform-enough integer in [0, bound) for the small bounds used here.
  size_t below(size_t bound) { return static_cast<size_t>(next() % bound); }
  /// Uniform double in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  uint64_t state;
};
} // namespace

//===----------------------------------------------------------------------===//
// Validation, in-place chains, lower bound
//===----------------------------------------------------------------------===//

std::string verifyBuffers(const std::vector<Buffer> &buffers) {
  const int n = static_cast<int>(buffers.size());
  for (int i = 0; i < n; ++i) {
    const Buffer &b = buffers[i];
    const std::string who = "buffer '" + b.name + "'";
    if (b.size < 0)
      return who + " has a negative size";
    if (b.firstUse < 0 || b.lastUse < b.firstUse)
      return who + " has an invalid lifetime [" + std::to_string(b.firstUse) +
             ", " + std::to_string(b.lastUse) + "]";
    if (b.inPlaceShift < 0)
      return who + " has a negative in-place shift";
    if (b.inPlaceShiftUp >= 0 && b.inPlaceShift == 0)
      return who + " may be written from its last row, but only a window "
                   "hint (a positive shift) can";
    if (b.inPlaceOf == -1)
      continue;
    if (b.inPlaceOf < 0 || b.inPlaceOf >= n || b.inPlaceOf == i)
      return who + " has an in-place hint on an invalid buffer index " +
             std::to_string(b.inPlaceOf);
    const Buffer &a = buffers[b.inPlaceOf];
    if (a.lastUse != b.firstUse)
      return who + " may reuse '" + a.name +
             "' only if that buffer's last use (" + std::to_string(a.lastUse) +
             ") is its first use (" + std::to_string(b.firstUse) + ")";
    if (b.inPlaceShift == 0 && b.size > a.size)
      return who + " (" + std::to_string(b.size) +
             " bytes) cannot reuse the smaller buffer '" + a.name + "' (" +
             std::to_string(a.size) + " bytes) in place";
  }
  return "";
}

int64_t windowInPlaceShift(int64_t batches, int64_t outRows,
                           int64_t outRowBytes, int64_t inRows,
                           int64_t inRowBytes, int64_t stride, int64_t pad) {
  if (batches <= 0 || outRows <= 0 || stride <= 0)
    return 0;
  // Output row r of image n must end at or below the first input row any
  // later row reads: (n * outRows + r + 1) * outRowBytes - (n * inRows +
  // first(r)) * inRowBytes <= S. The bound is linear in n, and in r on each
  // of the three pieces of first(r) = clamp(r * stride - pad, 0, inRows), so
  // its maximum is at n = 0 or the last image and at an end of a piece.
  auto need = [&](int64_t n, int64_t r) {
    const int64_t first =
        std::clamp<int64_t>(r * stride - pad, 0, inRows) + n * inRows;
    return (n * outRows + r + 1) * outRowBytes - first * inRowBytes;
  };
  int64_t shift = 0;
  const int64_t lastZero = pad >= 0 ? pad / stride : -1;
  const int64_t lastInside = (inRows + pad) / stride;
  for (int64_t n : {int64_t(0), batches - 1})
    for (int64_t r : {int64_t(0), outRows - 1, lastZero, lastZero + 1,
                      lastInside, lastInside + 1})
      if (r >= 0 && r < outRows)
        shift = std::max(shift, need(n, r));
  return shift;
}

int64_t windowInPlaceShiftDescending(int64_t batches, int64_t outRows,
                                     int64_t outRowBytes, int64_t inRows,
                                     int64_t inRowBytes, int64_t stride,
                                     int64_t pad, int64_t extent) {
  // Output row R (over all images) starts at the output's end less
  // (total - R) rows; it must not be below the end of input row lastIn(R),
  // the input's end less (total - lastIn - 1) rows.
  int64_t shift = 0;
  const int64_t outTotal = batches * outRows, inTotal = batches * inRows;
  for (int64_t n = 0; n < batches; ++n)
    for (int64_t r = 0; r < outRows; ++r) {
      const int64_t lastIn =
          std::clamp<int64_t>(r * stride - pad + extent - 1, -1, inRows - 1) +
          n * inRows;
      shift = std::max(shift, (outTotal - (n * outRows + r)) * outRowBytes -
                                  (inTotal - lastIn - 1) * inRowBytes);
    }
  return shift;
}

int64_t pairInPlaceShift(int64_t pixels, int64_t outPixelBytes,
                         int64_t inPixelBytes, bool descending) {
  // Blocks [first, end) of pixels: pairs from 0, the odd last pixel alone.
  // Each is written while its own input pixels are still read, and later
  // blocks read only pixels after (in order) or before (descending).
  int64_t shift = 0;
  for (int64_t first = 0; first < pixels; first += 2) {
    const int64_t end = std::min(first + 2, pixels);
    shift = std::max(shift, descending
                                ? (pixels - first) * outPixelBytes -
                                      (pixels - end) * inPixelBytes
                                : end * outPixelBytes - first * inPixelBytes);
  }
  return shift;
}

WindowShifts windowInPlaceShifts(const std::vector<int64_t> &in,
                                 int64_t inPixelBytes,
                                 const std::vector<int64_t> &out,
                                 int64_t outPixelBytes, int64_t stride,
                                 int64_t padTop, int64_t extent,
                                 bool pointwise) {
  WindowShifts shifts;
  if (pointwise) {
    // The product kernel works on pairs of pixels across rows and images.
    const int64_t pixels = in[0] * in[1] * in[2];
    shifts.below = pairInPlaceShift(pixels, outPixelBytes, inPixelBytes, false);
    shifts.up = pairInPlaceShift(pixels, outPixelBytes, inPixelBytes, true);
  } else {
    shifts.below =
        windowInPlaceShift(out[0], out[1], out[2] * outPixelBytes, in[1],
                           in[2] * inPixelBytes, stride, padTop);
    shifts.up = windowInPlaceShiftDescending(
        out[0], out[1], out[2] * outPixelBytes, in[1], in[2] * inPixelBytes,
        stride, padTop, extent);
  }
  shifts.outBytes = out[0] * out[1] * out[2] * outPixelBytes;
  if (shifts.up >= shifts.outBytes)
    shifts.up = -1;
  return shifts;
}

std::vector<int> honouredInPlace(const std::vector<Buffer> &buffers,
                                 const std::vector<bool> &allowed) {
  const int n = static_cast<int>(buffers.size());
  std::vector<int> source(n, -1);
  if (!verifyBuffers(buffers).empty())
    return source;

  // Chains are merged in order of first use so that a -> b is joined before
  // b -> c; `members` of a chain are stored at its representative.
  std::vector<int> chainOf(n);
  std::iota(chainOf.begin(), chainOf.end(), 0);
  std::vector<std::vector<int>> members(n);
  for (int i = 0; i < n; ++i)
    members[i] = {i};
  std::vector<int> reusedBy(n, -1);

  std::vector<int> hinted;
  for (int i = 0; i < n; ++i)
    if (buffers[i].inPlaceOf >= 0 && (allowed.empty() || allowed[i]))
      hinted.push_back(i);
  std::stable_sort(hinted.begin(), hinted.end(), [&](int x, int y) {
    return buffers[x].firstUse < buffers[y].firstUse;
  });

  for (int b : hinted) {
    const int a = buffers[b].inPlaceOf;
    const int chainA = chainOf[a], chainB = chainOf[b];
    if (reusedBy[a] != -1 || chainA == chainB)
      continue;
    // Every member of one chain that is live together with a member of the
    // other would share its bytes; only the declared pair may.
    bool clash = false;
    for (int x : members[chainA]) {
      for (int y : members[chainB]) {
        if (x == a && y == b)
          continue;
        if (lifetimesIntersect(buffers[x].firstUse, buffers[x].lastUse,
                               buffers[y].firstUse, buffers[y].lastUse)) {
          clash = true;
          break;
        }
      }
      if (clash)
        break;
    }
    if (clash)
      continue;
    source[b] = a;
    reusedBy[a] = b;
    for (int y : members[chainB]) {
      chainOf[y] = chainA;
      members[chainA].push_back(y);
    }
    members[chainB].clear();
  }
  return source;
}

/// The largest running sum of (step, delta) events, all deltas of one step
/// applied together: the peak of live bytes.
static int64_t peakOfEvents(std::vector<std::pair<int64_t, int64_t>> &events) {
  std::sort(events.begin(), events.end());
  int64_t load = 0, peak = 0;
  for (size_t i = 0; i < events.size();) {
    const int64_t step = events[i].first;
    for (; i < events.size() && events[i].first == step; ++i)
      load += events[i].second;
    peak = std::max(peak, load);
  }
  return peak;
}

int64_t lowerBound(const std::vector<Buffer> &buffers, int64_t align) {
  if (align < 1 || !verifyBuffers(buffers).empty())
    return -1;
  const int n = static_cast<int>(buffers.size());
  // At most one buffer overlaps a dying source (two born at its last step
  // cannot overlap each other). With elementwise hints only, the pairs are
  // those honouredInPlace joins (a chain through a one-step buffer can have
  // only one of its two pairs). With window hints a plan may honour other
  // pairs than those, so each source saves at most the best saving of any
  // hint on it.
  bool windows = false;
  for (const Buffer &b : buffers)
    windows |= b.inPlaceOf >= 0 && b.inPlaceShift > 0;
  const std::vector<int> honoured = honouredInPlace(buffers);
  auto saving = [&](int b, int a) {
    const int64_t sourceBytes = alignTo(buffers[a].size, align);
    const int64_t bytes = alignTo(buffers[b].size, align);
    const int64_t shift = alignTo(buffers[b].inPlaceShift, align);
    int64_t best = sourceBytes + bytes - std::max(sourceBytes + shift, bytes);
    if (const int64_t up = buffers[b].inPlaceShiftUp; up >= 0)
      // Ends aligned to each other: the union spans max(a + S', b) raw
      // bytes (fewer than aligned, so the bound stays a bound).
      best =
          std::max(best, sourceBytes + bytes -
                             std::max(buffers[a].size + up, buffers[b].size));
    return std::max<int64_t>(0, best);
  };
  std::vector<int64_t> saved(n, 0);
  for (int i = 0; i < n; ++i)
    if (const int a = windows ? buffers[i].inPlaceOf : honoured[i]; a >= 0)
      saved[a] = std::max(saved[a], saving(i, a));
  // Sweep over (step, delta) events; all deltas of one step are applied
  // before the load is read, which gives the inclusive-interval semantics.
  std::vector<std::pair<int64_t, int64_t>> events;
  for (int i = 0; i < n; ++i) {
    const Buffer &b = buffers[i];
    const int64_t bytes = alignTo(b.size, align);
    events.push_back({b.firstUse, bytes});
    events.push_back({b.lastUse + 1, -bytes});
    if (saved[i] > 0) {
      // At its last step the source shares bytes with its best pair.
      events.push_back({b.lastUse, -saved[i]});
      events.push_back({b.lastUse + 1, saved[i]});
    }
  }
  return peakOfEvents(events);
}

//===----------------------------------------------------------------------===//
// Units and placement
//===----------------------------------------------------------------------===//

namespace {
/// A member of a unit that moves with it: live over [first, last], at `rel`
/// bytes above the unit's offset, `extent` bytes tall.
struct Piece {
  int64_t first = 0, last = 0, rel = 0, extent = 0;
};

struct Unit {
  int64_t first = 0;
  int64_t last = 0;
  /// The placed extent: the top of the highest member above the unit's
  /// offset (the largest member size rounded up to the alignment when the
  /// unit is one rectangle).
  int64_t extent = 0;
  /// A chain with shifted members keeps each member as a piece (its own
  /// lifetime and place); any other unit is the one rectangle [first, last]
  /// x [0, extent) and leaves this empty.
  std::vector<Piece> pieces;
  /// Largest raw member size, for the baseline's sort key.
  int64_t rawSize = 0;
  /// Smallest member index, for deterministic tie-breaks.
  int index = 0;
};

enum class FitRule {
  /// Smallest gap that fits, at its bottom (Pisarchyk & Lee).
  BestFit,
  /// Lowest gap that fits (TFLite Micro's GreedyMemoryPlanner).
  FirstFit,
  /// Best fit inside a fixed arena height, with the free space above the
  /// highest neighbour counted as a gap; a unit in a gap that reaches the top
  /// is pushed against the top. Placed by first use this alternates
  /// bottom/top along a chain, which reaches max(in + out) where growing and
  /// shrinking sizes make bottom-up greedy rules stack three high.
  TwoSided,
};

struct Candidate {
  std::vector<int> order;
  FitRule rule = FitRule::BestFit;
  std::vector<int64_t> offsets;
  int64_t arena = std::numeric_limits<int64_t>::max();
  std::string method;
};

bool conflict(const Unit &x, const Unit &y) {
  return lifetimesIntersect(x.first, x.last, y.first, y.last);
}

/// Places units in `order`; for each one the gaps are those between the
/// already placed units it conflicts with, in address order (Pisarchyk & Lee,
/// Algorithm 3). When no gap fits the unit goes above all conflicting units.
/// `height` is the arena TwoSided aims for.
/// The unit's pieces, or its one rectangle.
std::vector<Piece> piecesOf(const Unit &unit) {
  if (!unit.pieces.empty())
    return unit.pieces;
  return {Piece{unit.first, unit.last, 0, unit.extent}};
}

/// placeInOrder's choice for a unit made of pieces (or placed beside such
/// units): the offsets o >= 0 where none of its pieces meets a piece of a
/// placed unit live at the same step form intervals; best fit takes the
/// shortest bounded one (for rectangles: the smallest gap that fits), first
/// fit the lowest, two-sided may push against `height`.
int64_t placePieces(const std::vector<Unit> &units,
                    const std::vector<int> &placed,
                    const std::vector<int64_t> &offsets, int u, FitRule rule,
                    int64_t height) {
  const Unit &unit = units[u];
  const std::vector<Piece> mine = piecesOf(unit);
  // Forbidden open intervals (lo, hi) of o.
  std::vector<std::pair<int64_t, int64_t>> forbidden;
  for (int p : placed) {
    if (!conflict(unit, units[p]))
      continue;
    for (const Piece &q : piecesOf(units[p]))
      for (const Piece &m : mine)
        if (q.extent > 0 && m.extent > 0 &&
            lifetimesIntersect(m.first, m.last, q.first, q.last))
          forbidden.push_back({offsets[p] + q.rel - m.rel - m.extent,
                               offsets[p] + q.rel + q.extent - m.rel});
  }
  std::sort(forbidden.begin(), forbidden.end());
  int64_t lo = 0, bestOffset = -1;
  int64_t bestLength = std::numeric_limits<int64_t>::max();
  for (const auto &[from, to] : forbidden) {
    if (from >= lo) {
      // [lo, from] is feasible.
      const int64_t length = from - lo;
      if (length < bestLength) {
        bestLength = length;
        bestOffset = lo;
        if (rule == FitRule::FirstFit)
          return bestOffset;
      }
    }
    lo = std::max(lo, to);
  }
  if (rule == FitRule::TwoSided && height - unit.extent >= lo) {
    const int64_t length = height - unit.extent - lo;
    if (length < bestLength)
      bestOffset = lo > 0 ? height - unit.extent : 0;
  }
  return bestOffset < 0 ? lo : bestOffset;
}

int64_t placeInOrder(const std::vector<Unit> &units,
                     const std::vector<int> &order, FitRule rule,
                     std::vector<int64_t> &offsets, int64_t height = 0) {
  offsets.assign(units.size(), 0);
  std::vector<int> placed; // sorted by offset
  placed.reserve(units.size());
  const bool anyPieces =
      std::any_of(units.begin(), units.end(),
                  [](const Unit &x) { return !x.pieces.empty(); });
  int64_t arena = 0;
  for (int u : order) {
    const Unit &unit = units[u];
    if (unit.extent == 0) {
      offsets[u] = 0;
      continue;
    }
    int64_t bestOffset = -1;
    if (anyPieces) {
      bestOffset = placePieces(units, placed, offsets, u, rule, height);
    } else {
      int64_t prevEnd = 0;
      int64_t bestGap = std::numeric_limits<int64_t>::max();
      for (int p : placed) {
        if (!conflict(unit, units[p]))
          continue;
        const int64_t gap = offsets[p] - prevEnd;
        if (gap >= unit.extent && gap < bestGap) {
          bestGap = gap;
          bestOffset = prevEnd;
          if (rule == FitRule::FirstFit)
            break;
        }
        prevEnd = std::max(prevEnd, offsets[p] + units[p].extent);
      }
      if (rule == FitRule::TwoSided) {
        const int64_t topGap = height - prevEnd;
        if (topGap >= unit.extent && topGap < bestGap)
          bestOffset = prevEnd > 0 ? height - unit.extent : 0;
      }
      if (bestOffset < 0)
        bestOffset = prevEnd;
    }
    offsets[u] = bestOffset;
    auto pos = std::upper_bound(
        placed.begin(), placed.end(), bestOffset,
        [&](int64_t off, int other) { return off < offsets[other]; });
    placed.insert(pos, u);
    arena = std::max(arena, bestOffset + unit.extent);
  }
  return arena;
}

/// Peak over steps of the sum of unit extents: the bound inside the unit
/// model (>= lowerBound when in-place chains shrink).
int64_t unitLoadPeak(const std::vector<Unit> &units) {
  std::vector<std::pair<int64_t, int64_t>> events;
  for (const Unit &u : units) {
    if (u.pieces.empty()) {
      events.push_back({u.first, u.extent});
      events.push_back({u.last + 1, -u.extent});
      continue;
    }
    // Others may use the holes between a unit's pieces: count the bytes
    // its live pieces cover at each step where that changes.
    std::vector<int64_t> steps;
    for (const Piece &p : u.pieces) {
      steps.push_back(p.first);
      steps.push_back(p.last + 1);
    }
    std::sort(steps.begin(), steps.end());
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    int64_t previous = 0;
    for (int64_t step : steps) {
      std::vector<std::pair<int64_t, int64_t>> live;
      for (const Piece &p : u.pieces)
        if (p.first <= step && step <= p.last && p.extent > 0)
          live.push_back({p.rel, p.rel + p.extent});
      std::sort(live.begin(), live.end());
      int64_t covered = 0, end = std::numeric_limits<int64_t>::min();
      for (const auto &[from, to] : live) {
        covered += std::max<int64_t>(0, to - std::max(from, end));
        end = std::max(end, to);
      }
      events.push_back({step, covered - previous});
      previous = covered;
    }
  }
  return peakOfEvents(events);
}

std::vector<int>
sortedOrder(const std::vector<Unit> &units,
            const std::function<bool(const Unit &, const Unit &)> &before) {
  std::vector<int> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return before(units[x], units[y]); });
  return order;
}

/// The baseline order: size descending, then first use, then index.
std::vector<int> sizeOrder(const std::vector<Unit> &units) {
  return sortedOrder(units, [](const Unit &x, const Unit &y) {
    if (x.rawSize != y.rawSize)
      return x.rawSize > y.rawSize;
    if (x.first != y.first)
      return x.first < y.first;
    return x.index < y.index;
  });
}

const char *ruleName(FitRule rule) {
  switch (rule) {
  case FitRule::BestFit:
    return "best-fit";
  case FitRule::FirstFit:
    return "first-fit";
  case FitRule::TwoSided:
    return "two-sided";
  }
  return "";
}

int64_t length(const Unit &u) { return u.last - u.first + 1; }

//===----------------------------------------------------------------------===//
// Exact branch-and-bound
//===----------------------------------------------------------------------===//

/// Searches first-fit placements over orderings whose offsets are
/// non-decreasing (see the file comment for why that is exact).
class ExactSearch {
public:
  ExactSearch(const std::vector<Unit> &allUnits, int64_t incumbent,
              int64_t targetArena, int64_t maxNodes)
      : best(incumbent), target(targetArena), nodeLimit(maxNodes) {
    for (size_t i = 0; i < allUnits.size(); ++i)
      if (allUnits[i].extent > 0) {
        ids.push_back(static_cast<int>(i));
        units.push_back(allUnits[i]);
      }
    // The maximum load is reached at some unit's first step, so the bound
    // only needs those steps.
    std::vector<int64_t> steps;
    for (const Unit &u : units)
      steps.push_back(u.first);
    std::sort(steps.begin(), steps.end());
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    covers.resize(units.size());
    remainingLoad.assign(steps.size(), 0);
    for (size_t k = 0; k < units.size(); ++k)
      for (size_t s = 0; s < steps.size(); ++s)
        if (units[k].first <= steps[s] && steps[s] <= units[k].last) {
          covers[k].push_back(static_cast<int>(s));
          remainingLoad[s] += units[k].extent;
        }
    // Try big units first: good plans are found early, pruning more.
    tryOrder.resize(units.size());
    std::iota(tryOrder.begin(), tryOrder.end(), 0);
    std::stable_sort(tryOrder.begin(), tryOrder.end(), [&](int x, int y) {
      return units[x].extent > units[y].extent;
    });
    used.assign(units.size(), false);
    offsets.assign(units.size(), 0);
  }

  /// Returns true when a plan better than the incumbent was found; fills
  /// `result` (indexed like the units given to the constructor).
  bool run(std::vector<int64_t> &result) {
    search(0);
    if (!improved)
      return false;
    result.assign(result.size(), 0);
    for (size_t k = 0; k < ids.size(); ++k)
      result[ids[k]] = bestOffsets[k];
    return true;
  }
  bool finished() const { return !aborted; }
  int64_t arena() const { return best; }

private:
  void search(int64_t currentMax) {
    if (aborted || best <= target)
      return;
    if (++nodes > nodeLimit) {
      aborted = true;
      return;
    }
    if (sequence.size() == units.size()) {
      if (currentMax < best) {
        best = currentMax;
        bestOffsets = offsets;
        improved = true;
      }
      return;
    }
    const int64_t lastOffset = sequence.empty() ? 0 : offsets[sequence.back()];
    const int lastUnit = sequence.empty() ? -1 : sequence.back();
    // Every remaining unit will sit at or above lastOffset, and those live
    // at one step are disjoint.
    int64_t remainingPeak = 0;
    for (int64_t load : remainingLoad)
      remainingPeak = std::max(remainingPeak, load);
    if (std::max(currentMax, lastOffset + remainingPeak) >= best)
      return;

    for (int k : tryOrder) {
      if (used[k])
        continue;
      const int64_t offset = firstFit(k);
      if (offset < lastOffset || (offset == lastOffset && k < lastUnit))
        continue;
      const int64_t newMax = std::max(currentMax, offset + units[k].extent);
      if (newMax >= best)
        continue;
      used[k] = true;
      offsets[k] = offset;
      sequence.push_back(k);
      for (int s : covers[k])
        remainingLoad[s] -= units[k].extent;
      search(newMax);
      for (int s : covers[k])
        remainingLoad[s] += units[k].extent;
      sequence.pop_back();
      used[k] = false;
      if (aborted || best <= target)
        return;
    }
  }

  /// Offsets along `sequence` are non-decreasing, so it is already in
  /// address order.
  int64_t firstFit(int k) const {
    int64_t prevEnd = 0;
    for (int p : sequence) {
      if (!conflict(units[k], units[p]))
        continue;
      if (offsets[p] - prevEnd >= units[k].extent)
        return prevEnd;
      prevEnd = std::max(prevEnd, offsets[p] + units[p].extent);
    }
    return prevEnd;
  }

  std::vector<int> ids;
  std::vector<Unit> units;
  std::vector<std::vector<int>> covers;
  std::vector<int64_t> remainingLoad;
  std::vector<int> tryOrder;
  std::vector<bool> used;
  std::vector<int64_t> offsets;
  std::vector<int> sequence;
  std::vector<int64_t> bestOffsets;
  int64_t best;
  int64_t target;
  int64_t nodeLimit;
  int64_t nodes = 0;
  bool aborted = false;
  bool improved = false;
};

//===----------------------------------------------------------------------===//
// The `best` driver
//===----------------------------------------------------------------------===//

class BestPlanner {
public:
  BestPlanner(const std::vector<Unit> &planUnits,
              const PlanOptions &planOptions, int64_t targetArena)
      : units(planUnits), options(planOptions), target(targetArena),
        rng(planOptions.seed) {}

  /// `incumbent` starts as the baseline so the result is never worse.
  void run(Candidate &incumbent) {
    best = incumbent;
    tryOrderings();
    if (best.arena > target)
      localSearch();
    if (best.arena > target)
      exact();
    incumbent = best;
  }
  bool exactFinished() const { return exactDone; }

private:
  bool consider(const std::vector<int> &order, FitRule rule,
                const std::string &method) {
    std::vector<int64_t> offsets;
    const int64_t arena = placeInOrder(units, order, rule, offsets, target);
    if (arena >= best.arena)
      return false;
    best.order = order;
    best.rule = rule;
    best.offsets = std::move(offsets);
    best.arena = arena;
    best.method = method;
    return true;
  }

  void tryOrderings() {
    std::vector<std::pair<std::string, std::vector<int>>> orders;
    orders.push_back({"size", sizeOrder(units)});
    orders.push_back(
        {"length", sortedOrder(units, [](const Unit &x, const Unit &y) {
           if (length(x) != length(y))
             return length(x) > length(y);
           return x.extent > y.extent;
         })});
    orders.push_back(
        {"area", sortedOrder(units, [](const Unit &x, const Unit &y) {
           return x.extent * length(x) > y.extent * length(y);
         })});
    orders.push_back(
        {"first-use", sortedOrder(units, [](const Unit &x, const Unit &y) {
           if (x.first != y.first)
             return x.first < y.first;
           return x.extent > y.extent;
         })});
    orders.push_back({"breadth", breadthOrder()});
    for (int r = 0; r < options.randomOrders; ++r) {
      std::vector<int> order;
      if (r % 2 == 0) {
        // Size order with the keys jittered by up to +-25%: swaps buffers
        // of similar size, where greedy-by-size's choice is arbitrary.
        std::vector<double> key(units.size());
        for (size_t i = 0; i < units.size(); ++i)
          key[i] =
              static_cast<double>(units[i].extent) * (0.75 + 0.5 * rng.unit());
        order.resize(units.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int x, int y) { return key[x] > key[y]; });
      } else {
        order.resize(units.size());
        std::iota(order.begin(), order.end(), 0);
        for (size_t i = order.size(); i > 1; --i)
          std::swap(order[i - 1], order[rng.below(i)]);
      }
      orders.push_back({"random" + std::to_string(r), order});
    }
    for (const auto &named : orders) {
      for (FitRule rule :
           {FitRule::BestFit, FitRule::FirstFit, FitRule::TwoSided}) {
        consider(named.second, rule, named.first + "/" + ruleName(rule));
        if (best.arena <= target)
          return;
      }
    }
  }

  /// Units live at the busiest steps first (the paper's greedy-by-breadth
  /// idea): those steps decide the arena.
  std::vector<int> breadthOrder() {
    // The load peaks at some unit's first step, so loads there suffice.
    std::vector<int64_t> loadAtFirst(units.size(), 0);
    for (size_t j = 0; j < units.size(); ++j)
      for (const Unit &u : units)
        if (u.first <= units[j].first && units[j].first <= u.last)
          loadAtFirst[j] += u.extent;
    std::vector<int64_t> pressure(units.size(), 0);
    for (size_t i = 0; i < units.size(); ++i)
      for (size_t j = 0; j < units.size(); ++j)
        if (units[i].first <= units[j].first && units[j].first <= units[i].last)
          pressure[i] = std::max(pressure[i], loadAtFirst[j]);
    std::vector<int> order(units.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
      if (pressure[x] != pressure[y])
        return pressure[x] > pressure[y];
      return units[x].extent > units[y].extent;
    });
    return order;
  }

  /// Moves units within the best ordering. Half the moves lift a unit that
  /// touches the arena's top to an earlier position (only such a change can
  /// lower the arena); the rest are random insertions to leave plateaus.
  /// Equal arenas are accepted so the search can drift along a plateau.
  void localSearch() {
    const size_t n = units.size();
    if (n < 2 || options.localSearchIterations <= 0)
      return;
    std::vector<int> current = best.order;
    std::vector<int64_t> offsets = best.offsets;
    int64_t currentArena = best.arena;
    const FitRule rule = best.rule;
    for (int it = 0; it < options.localSearchIterations; ++it) {
      std::vector<int> next = current;
      size_t from, to;
      if (it % 2 == 0) {
        std::vector<size_t> top;
        for (size_t pos = 0; pos < n; ++pos) {
          int u = current[pos];
          if (units[u].extent > 0 &&
              offsets[u] + units[u].extent == currentArena && pos > 0)
            top.push_back(pos);
        }
        if (top.empty())
          continue;
        from = top[rng.below(top.size())];
        to = rng.below(from);
      } else {
        from = rng.below(n);
        to = rng.below(n);
        if (from == to)
          continue;
      }
      int moved = next[from];
      next.erase(next.begin() + from);
      next.insert(next.begin() + to, moved);
      std::vector<int64_t> nextOffsets;
      const int64_t arena =
          placeInOrder(units, next, rule, nextOffsets, target);
      if (arena > currentArena)
        continue;
      current = std::move(next);
      offsets = std::move(nextOffsets);
      currentArena = arena;
      if (arena < best.arena) {
        best.order = current;
        best.offsets = offsets;
        best.arena = arena;
        best.method = "local-search";
        if (arena <= target)
          return;
      }
    }
  }

  void exact() {
    // The exact search places rectangles (see the file comment).
    for (const Unit &u : units)
      if (!u.pieces.empty())
        return;
    int nonEmpty = 0;
    for (const Unit &u : units)
      nonEmpty += u.extent > 0;
    if (nonEmpty > options.exactMaxBuffers)
      return;
    ExactSearch search(units, best.arena, target, options.exactNodeLimit);
    std::vector<int64_t> offsets(units.size(), 0);
    if (search.run(offsets)) {
      best.offsets = offsets;
      best.arena = search.arena();
      best.method = "exact";
    }
    exactDone = search.finished();
  }

  const std::vector<Unit> &units;
  const PlanOptions &options;
  int64_t target;
  Rng rng;
  Candidate best;
  bool exactDone = false;
};
} // namespace

/// Plans `buffers` honouring the hints of `source` (from honouredInPlace):
/// each chain is one unit, its members at fixed distances from the chain's
/// head.
static Plan planChains(const std::vector<Buffer> &buffers,
                       const std::vector<int> &source,
                       const std::vector<bool> &descending,
                       const PlanOptions &options, int64_t bound) {
  const int n = static_cast<int>(buffers.size());
  // Offsets relative to the chain's head: S below the source, or
  // (descending) ending S' above its end, aligned.
  std::vector<int> headOf(n, -1);
  std::vector<int64_t> rel(n, 0);
  std::function<void(int)> place = [&](int i) {
    if (headOf[i] >= 0)
      return;
    if (source[i] < 0) {
      headOf[i] = i;
      rel[i] = 0;
      return;
    }
    place(source[i]);
    headOf[i] = headOf[source[i]];
    const int a = source[i];
    if (!descending.empty() && descending[i]) {
      // The least aligned offset with offset + size >= a's end + S'.
      const int64_t least = rel[a] + buffers[a].size +
                            buffers[i].inPlaceShiftUp - buffers[i].size;
      const int64_t align = options.align;
      rel[i] = least >= 0 ? alignTo(least, align) : -((-least) / align * align);
    } else {
      rel[i] = rel[a] - alignTo(buffers[i].inPlaceShift, options.align);
    }
  };
  for (int i = 0; i < n; ++i)
    place(i);

  std::vector<int> unitOf(n, -1);
  std::vector<Unit> units;
  std::vector<int64_t> low, high; // per unit: the lowest rel, highest end
  for (int i = 0; i < n; ++i) {
    const int head = headOf[i];
    if (unitOf[head] < 0) {
      unitOf[head] = static_cast<int>(units.size());
      Unit u;
      u.first = buffers[head].firstUse;
      u.last = buffers[head].lastUse;
      u.index = head;
      units.push_back(u);
      low.push_back(0);
      high.push_back(0);
    }
    const int k = unitOf[head];
    Unit &u = units[k];
    unitOf[i] = k;
    u.first = std::min(u.first, buffers[i].firstUse);
    u.last = std::max(u.last, buffers[i].lastUse);
    u.rawSize = std::max(u.rawSize, buffers[i].size);
    u.index = std::min(u.index, i);
    low[k] = std::min(low[k], rel[i]);
    high[k] =
        std::max(high[k], rel[i] + alignTo(buffers[i].size, options.align));
  }
  for (size_t k = 0; k < units.size(); ++k)
    units[k].extent = high[k] - low[k];
  // A chain with a shifted member is placed as its pieces: a rectangle over
  // the whole chain would hold the shifted union for every step.
  std::vector<bool> shiftedUnit(units.size(), false);
  for (int i = 0; i < n; ++i)
    if (source[i] >= 0 && buffers[i].inPlaceShift > 0)
      shiftedUnit[unitOf[i]] = true;
  for (int i = 0; i < n; ++i)
    if (const int k = unitOf[i]; shiftedUnit[k])
      units[k].pieces.push_back({buffers[i].firstUse, buffers[i].lastUse,
                                 rel[i] - low[k],
                                 alignTo(buffers[i].size, options.align)});

  // Inside the unit model nothing beats the unit load peak; stopping there
  // saves the search when chains shrink and the true bound is out of reach.
  const int64_t target = std::max(bound, unitLoadPeak(units));

  Candidate baseline;
  baseline.order = sizeOrder(units);
  baseline.rule = FitRule::BestFit;
  baseline.arena =
      placeInOrder(units, baseline.order, baseline.rule, baseline.offsets);
  baseline.method = "size/best-fit";

  Candidate chosen = baseline;
  bool exactFinished = false;
  if (options.algorithm == PlanAlgorithm::Best && baseline.arena > target) {
    BestPlanner planner(units, options, target);
    planner.run(chosen);
    exactFinished = planner.exactFinished();
  }

  Plan plan;
  plan.offsets.assign(n, 0);
  for (int i = 0; i < n; ++i)
    plan.offsets[i] = chosen.offsets[unitOf[i]] + rel[i] - low[unitOf[i]];
  plan.arenaSize = chosen.arena;
  plan.lowerBound = bound;
  plan.align = options.align;
  plan.algorithm = options.algorithm;
  plan.baselineArenaSize = baseline.arena;
  plan.method = chosen.method;
  plan.provenOptimal = chosen.arena <= target || exactFinished;
  plan.inPlaceSource = source;
  plan.descending.assign(n, false);
  for (int i = 0; i < n; ++i)
    plan.descending[i] = source[i] >= 0 && !descending.empty() && descending[i];
  return plan;
}

std::string planBuffers(const std::vector<Buffer> &buffers,
                        const PlanOptions &options, Plan &plan) {
  if (options.align < 1)
    return "alignment must be at least 1, got " + std::to_string(options.align);
  std::string error = verifyBuffers(buffers);
  if (!error.empty())
    return error;

  const int n = static_cast<int>(buffers.size());
  const int64_t bound = lowerBound(buffers, options.align);
  // The elementwise hints (shift 0) cost nothing: take them all. Shifted
  // hints fix their chain's members to one another, which may cost more
  // than it saves, so each is kept only if the arena does not grow, trying
  // first those whose pair is largest (where a peak is likeliest).
  std::vector<bool> allowed(n, false);
  std::vector<int> shifted;
  for (int i = 0; i < n; ++i) {
    if (buffers[i].inPlaceOf < 0)
      continue;
    if (buffers[i].inPlaceShift == 0)
      allowed[i] = true;
    else
      shifted.push_back(i);
  }
  std::vector<bool> descending(n, false);
  Plan best = planChains(buffers, honouredInPlace(buffers, allowed), descending,
                         options, bound);
  // An elementwise chain is one rectangle over its whole lifetime, which a
  // long-lived narrow member can make costlier than no reuse at all.
  // (`best` only: greedy-size stays the plain baseline.)
  const int64_t baselineArena = best.baselineArenaSize;
  if (options.algorithm == PlanAlgorithm::Best &&
      std::find(allowed.begin(), allowed.end(), true) != allowed.end() &&
      best.arenaSize > bound) {
    Plan separate = planChains(buffers, std::vector<int>(n, -1), descending,
                               options, bound);
    if (separate.arenaSize < best.arenaSize) {
      best = std::move(separate);
      std::fill(allowed.begin(), allowed.end(), false);
    }
  }
  auto pairBytes = [&](int i) {
    return buffers[i].size + buffers[buffers[i].inPlaceOf].size;
  };
  std::stable_sort(shifted.begin(), shifted.end(),
                   [&](int x, int y) { return pairBytes(x) > pairBytes(y); });
  if (static_cast<int>(shifted.size()) > options.maxShiftedTrials)
    shifted.resize(options.maxShiftedTrials);
  for (int i : shifted) {
    if (best.arenaSize <= bound)
      break;
    allowed[i] = true;
    std::vector<int> source = honouredInPlace(buffers, allowed);
    if (source[i] < 0) {
      allowed[i] = false;
      continue;
    }
    // Ties are kept: a run of layers in place often lowers the arena only
    // once all of them are (each alone leaves the next step the peak).
    // Rows in order first; a layer that can also write them from the last
    // tries that too (alternating directions keeps a run of layers from
    // drifting down the arena).
    Plan trial = planChains(buffers, source, descending, options, bound);
    if (buffers[i].inPlaceShiftUp >= 0) {
      descending[i] = true;
      Plan up = planChains(buffers, source, descending, options, bound);
      if (up.arenaSize < trial.arenaSize)
        trial = std::move(up);
      else
        descending[i] = false;
    }
    if (trial.arenaSize <= best.arenaSize) {
      best = std::move(trial);
    } else {
      allowed[i] = false;
      descending[i] = false;
    }
  }
  // Optimality within one choice of chains says little once the chains
  // were chosen greedily: only the lower bound proves it then.
  if (!shifted.empty())
    best.provenOptimal = best.arenaSize <= bound;
  best.baselineArenaSize = baselineArena;
  plan = std::move(best);
  return "";
}

//===----------------------------------------------------------------------===//
// Verifier
//===----------------------------------------------------------------------===//

// Deliberately shares no code with the planner: it restates the contract
// pair by pair.
std::string checkPlan(const std::vector<Buffer> &buffers, const Plan &plan) {
  const size_t n = buffers.size();
  if (plan.offsets.size() != n)
    return "plan has " + std::to_string(plan.offsets.size()) + " offsets for " +
           std::to_string(n) + " buffers";
  for (size_t i = 0; i < plan.descending.size() && i < n; ++i)
    if (plan.descending[i] && buffers[i].inPlaceShiftUp < 0)
      return "buffer '" + buffers[i].name +
             "' is written from its last row, which its step cannot do";
  if (plan.align < 1)
    return "plan alignment " + std::to_string(plan.align) + " is not positive";
  auto describe = [&](size_t i) {
    const Buffer &b = buffers[i];
    return "'" + b.name + "' (steps [" + std::to_string(b.firstUse) + ", " +
           std::to_string(b.lastUse) + "], bytes [" +
           std::to_string(plan.offsets[i]) + ", " +
           std::to_string(plan.offsets[i] + b.size) + "))";
  };
  for (size_t i = 0; i < n; ++i) {
    const Buffer &b = buffers[i];
    if (b.size < 0 || b.firstUse > b.lastUse)
      return "buffer '" + b.name + "' is malformed";
    if (plan.offsets[i] < 0)
      return "buffer " + describe(i) + " has a negative offset";
    if (plan.offsets[i] % plan.align != 0)
      return "buffer " + describe(i) + " is not aligned to " +
             std::to_string(plan.align) + " bytes";
    if (plan.offsets[i] + b.size > plan.arenaSize)
      return "buffer " + describe(i) + " ends beyond the arena of " +
             std::to_string(plan.arenaSize) + " bytes";
  }
  // True when `b` declares it reuses `a` and sits exactly where the contract
  // allows.
  auto inPlacePair = [&](size_t a, size_t b) {
    const Buffer &x = buffers[a], &y = buffers[b];
    if (y.inPlaceOf != static_cast<int>(a) || x.lastUse != y.firstUse)
      return false;
    // Rows from the last: the output's end at least S' above the input's.
    if (b < plan.descending.size() && plan.descending[b])
      return y.inPlaceShiftUp >= 0 &&
             plan.offsets[b] + y.size >=
                 plan.offsets[a] + x.size + y.inPlaceShiftUp;
    return plan.offsets[b] + y.inPlaceShift <= plan.offsets[a] &&
           (y.inPlaceShift > 0 || y.size <= x.size);
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const Buffer &x = buffers[i], &y = buffers[j];
      bool liveTogether = x.firstUse <= y.lastUse && y.firstUse <= x.lastUse;
      bool shareBytes = plan.offsets[i] < plan.offsets[j] + y.size &&
                        plan.offsets[j] < plan.offsets[i] + x.size;
      if (!liveTogether || !shareBytes)
        continue;
      if (inPlacePair(i, j) || inPlacePair(j, i))
        continue;
      return "buffers " + describe(i) + " and " + describe(j) +
             " are live together and overlap";
    }
  }
  return "";
}

} // namespace mlir::mpq
