//===- RowScheduleTest.cpp - Tests of the row-group schedule --------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// scheduleRowGroup against hand-counted schedules, and against a model of
// the driver (RowSchedule.h's file comment, restated here): chains of window
// sums run whole and row by row through line buffers of the scheduled rows
// give the same bytes, and a buffer one row smaller loses a row some window
// still reads.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RowSchedule.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

using namespace mlir::mpq;

namespace {

/// A k x k window sum of one channel (same stride and pad along both axes;
/// the padding reads nothing), bytes wrapping.
struct Window {
  int64_t k = 3, stride = 1, pad = 1;
};

int64_t outSize(int64_t in, const Window &w) {
  return (in + 2 * w.pad - w.k) / w.stride + 1;
}

RowLayer rowLayer(int64_t inH, int64_t inW, const Window &w) {
  RowLayer l;
  l.inRows = inH;
  l.outRows = outSize(inH, w);
  l.stride = w.stride;
  l.pad = w.pad;
  l.extent = w.k;
  l.inRowBytes = inW;
  l.outRowBytes = outSize(inW, w);
  return l;
}

/// Output row y of `w` over an input whose row r is `row(r)` (nullptr: the
/// row is not available, and the caller fails).
std::vector<uint8_t>
windowRow(const Window &w, int64_t inH, int64_t inW, int64_t y,
          const std::function<const uint8_t *(int64_t)> &row, bool &ok) {
  std::vector<uint8_t> out(outSize(inW, w), 0);
  for (int64_t ky = 0; ky < w.k; ++ky) {
    const int64_t r = y * w.stride - w.pad + ky;
    if (r < 0 || r >= inH)
      continue;
    const uint8_t *in = row(r);
    if (!in) {
      ok = false;
      return out;
    }
    for (size_t x = 0; x < out.size(); ++x)
      for (int64_t kx = 0; kx < w.k; ++kx) {
        const int64_t c = static_cast<int64_t>(x) * w.stride - w.pad + kx;
        if (c >= 0 && c < inW)
          out[x] = static_cast<uint8_t>(out[x] + in[c]);
      }
  }
  return out;
}

/// The chain run whole: the last layer's rows.
std::vector<uint8_t> runWhole(const std::vector<Window> &chain,
                              std::vector<uint8_t> image, int64_t h,
                              int64_t w) {
  for (const Window &win : chain) {
    const int64_t oh = outSize(h, win), ow = outSize(w, win);
    std::vector<uint8_t> next;
    for (int64_t y = 0; y < oh; ++y) {
      bool ok = true;
      std::vector<uint8_t> row = windowRow(
          win, h, w, y, [&](int64_t r) { return &image[r * w]; }, ok);
      next.insert(next.end(), row.begin(), row.end());
    }
    image = std::move(next);
    h = oh, w = ow;
  }
  return image;
}

/// The chain run by the driver with line buffers of `rows[i]` rows for the
/// output of layer i; false if some window reads a row its buffer no longer
/// (or not yet) holds.
/// With `shift` >= 0, the image and the result share one array, the result
/// `shift` bytes below the image (the group in place).
bool runRows(const std::vector<Window> &chain, const std::vector<RowLayer> &ls,
             const std::vector<int64_t> &rows, int64_t iterations,
             const std::vector<uint8_t> &image, std::vector<uint8_t> &result,
             int64_t shift = -1) {
  const size_t n = chain.size();
  std::vector<std::vector<uint8_t>> lines(n);
  for (size_t i = 0; i + 1 < n; ++i)
    lines[i].assign(rows[i] * ls[i].outRowBytes, 0xAA);
  const int64_t outBytes = ls.back().outRows * ls.back().outRowBytes;
  const int64_t inBytes = static_cast<int64_t>(image.size());
  std::vector<uint8_t> shared;
  uint8_t *in = nullptr, *outBase = nullptr;
  std::vector<uint8_t> own(image), ownOut(outBytes);
  if (shift >= 0) {
    shared.assign(std::max(shift + inBytes, outBytes), 0);
    std::copy(image.begin(), image.end(), shared.begin() + shift);
    in = shared.data() + shift;
    outBase = shared.data();
  } else {
    in = own.data();
    outBase = ownOut.data();
  }
  std::vector<int64_t> written(n, 0);
  for (int64_t t = 0; t < iterations; ++t)
    for (size_t i = 0; i < n; ++i) {
      const RowLayer &l = ls[i];
      const int64_t y = written[i];
      const int64_t available = i == 0 ? l.inRows : written[i - 1];
      if (y >= l.outRows || inputRowsNeeded(l, y) > available)
        continue;
      bool ok = true;
      std::vector<uint8_t> out = windowRow(
          chain[i], l.inRows, l.inRowBytes, y,
          [&](int64_t r) -> const uint8_t * {
            if (i == 0)
              return in + r * l.inRowBytes;
            // Row r of a buffer of R rows after `available` rows: slot
            // r - available + R.
            const int64_t slot = r - available + rows[i - 1];
            if (slot < 0 || slot >= rows[i - 1] || r >= available)
              return nullptr;
            return &lines[i - 1][slot * l.inRowBytes];
          },
          ok);
      if (!ok)
        return false;
      if (i + 1 < n) {
        // Rows [1, R) move to [0, R - 1); the new row goes to slot R - 1.
        std::vector<uint8_t> &line = lines[i];
        line.erase(line.begin(), line.begin() + l.outRowBytes);
        line.insert(line.end(), out.begin(), out.end());
      } else {
        std::copy(out.begin(), out.end(), outBase + y * l.outRowBytes);
      }
      ++written[i];
    }
  result.assign(outBase, outBase + outBytes);
  return written.back() == ls.back().outRows;
}

std::vector<RowLayer> layersOf(const std::vector<Window> &chain, int64_t h,
                               int64_t w) {
  std::vector<RowLayer> ls;
  for (const Window &win : chain) {
    ls.push_back(rowLayer(h, w, win));
    h = ls.back().outRows;
    w = ls.back().outRowBytes;
  }
  return ls;
}

TEST(RowSchedule, HandCountedChain) {
  // 8 rows: a 3x3 pad-1 layer, a 1x1, a 3x3 stride-2 pad-1 one. The 1x1
  // reads the row just written (1 row); the stride-2 layer's row y reads
  // rows 2y - 1 .. 2y + 1 once row 2y + 1 is written (3 rows back from the
  // newest); the last row is written in turn 8.
  std::vector<RowLayer> ls = layersOf({{3, 1, 1}, {1, 1, 0}, {3, 2, 1}}, 8, 8);
  RowSchedule s;
  ASSERT_EQ(scheduleRowGroup(ls, s), "");
  EXPECT_EQ(s.lineRows, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(s.iterations, 8);
  // Rows of 8 bytes: 8 and 24 bytes, each at a multiple of 16.
  EXPECT_EQ(s.lineOffsets, (std::vector<int64_t>{0, 16}));
  EXPECT_EQ(s.lineBytes, (std::vector<int64_t>{8, 24}));
  EXPECT_EQ(s.scratchBytes, 48);
  // Each of the 8 rows of the 1x1 layer first moves 2 rows of 8 bytes.
  // In place: the last layer's row y (4-byte rows) is written in turn
  // 2y + 2, after which the first layer reads from row 2y + 2 on (its row
  // 2y + 3 reads rows 2y + 2 ..; 8-byte rows): 4 (y + 1) - 8 (2y + 2) < 0
  // for every y but the last, whose turn 8 is the first layer's last read:
  // nothing is read later, so the whole output may sit below the image's
  // end: S = 16 - 64 < 0, so S = 0.
  EXPECT_EQ(s.inPlaceShift, 0);
}

TEST(RowSchedule, TwoWindowsNeedThreeRowsAndADrainTurn) {
  // Two 3x3 pad-1 layers over 8 rows: the second's row y reads y - 1 ..
  // y + 1 when the first has written y + 2 rows; its last row needs a turn
  // after the first is done.
  RowSchedule s;
  ASSERT_EQ(scheduleRowGroup(layersOf({{3, 1, 1}, {3, 1, 1}}, 8, 8), s), "");
  EXPECT_EQ(s.lineRows, (std::vector<int64_t>{3}));
  EXPECT_EQ(s.iterations, 9);
}

TEST(RowSchedule, RejectsBrokenChains) {
  RowSchedule s;
  std::vector<RowLayer> one = layersOf({{3, 1, 1}}, 8, 8);
  EXPECT_NE(scheduleRowGroup(one, s), "");
  std::vector<RowLayer> two = layersOf({{3, 1, 1}, {3, 1, 1}}, 8, 8);
  two[1].inRows = 7;
  EXPECT_NE(scheduleRowGroup(two, s).find("does not read the rows"),
            std::string::npos);
}

/// A layer over `rows` image rows of `rowBytes` (out: `outRows`,
/// `outBytes`) with the window (k, stride, pad) reading `inputs`.
RowLayer dagLayer(int64_t rows, int64_t rowBytes, int64_t outRows,
                  int64_t outBytes, const Window &w,
                  std::vector<RowInput> inputs) {
  RowLayer l;
  l.inRows = rows;
  l.inRowBytes = rowBytes;
  l.outRows = outRows;
  l.outRowBytes = outBytes;
  l.extent = w.k;
  l.stride = w.stride;
  l.pad = w.pad;
  l.inputs = std::move(inputs);
  return l;
}

TEST(RowSchedule, HandCountedResidualBlock) {
  // A residual block over 4 rows of 8 bytes: depthwise 3x3 pad 1 (0) and
  // pointwise (1) on the group's input x, then the sum (2) of x and the
  // pointwise result. Each turn the three write row y: the pointwise and
  // the sum read the row just written (one-row lines). The sum reads x's
  // row y, the depthwise rows y - 1 .. y + 1: x's row y - 1 is still read
  // when the sum's row y is written, so the output starts one row (8 B)
  // below x: S = max over y of 8 (y + 1) - 8 max(0, y - 1) = 8 (y = 0, 1).
  std::vector<RowLayer> ls = {
      dagLayer(4, 8, 4, 8, {3, 1, 1}, {{-1, 8}}),
      dagLayer(4, 8, 4, 8, {1, 1, 0}, {{0, 8}}),
      dagLayer(4, 8, 4, 8, {1, 1, 0}, {{-1, 8}, {1, 8}})};
  RowSchedule s;
  ASSERT_EQ(scheduleRowGroup(ls, s), "");
  EXPECT_EQ(s.iterations, 4);
  EXPECT_EQ(s.lineRows, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(s.inPlaceShift, 8);
}

TEST(RowSchedule, HandCountedDownsamplingBlock) {
  // BlazeFace's downsampling block over 4 rows of 8 bytes (4 pixels of 2
  // channels): a 2x2 stride-2 max pool (0) and a 3x3 stride-2 pad-1
  // depthwise layer (1) both on x, a pointwise layer (2) on the depthwise
  // result, the sum (3) of the pool's and the pointwise results (2 rows of
  // 4 bytes). Row y of the pool and of the depthwise layer need x's rows up
  // to 2y + 1 (all there); each line holds one row. After turn 1 the sum
  // has written 4 B and x is read from row 1 on (the depthwise row 1's
  // window; 8 B rows): 4 - 8 < 0; after turn 2, 8 B and nothing is read:
  // 8 - 32 < 0. So S = 0.
  std::vector<RowLayer> ls = {
      dagLayer(4, 8, 2, 4, {2, 2, 0}, {{-1, 8}}),
      dagLayer(4, 8, 2, 4, {3, 2, 1}, {{-1, 8}}),
      dagLayer(2, 4, 2, 4, {1, 1, 0}, {{1, 4}}),
      dagLayer(2, 4, 2, 4, {1, 1, 0}, {{0, 4}, {2, 4}})};
  RowSchedule s;
  ASSERT_EQ(scheduleRowGroup(ls, s), "");
  EXPECT_EQ(s.iterations, 2);
  EXPECT_EQ(s.lineRows, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(s.inPlaceShift, 0);
  // A line must be read in the group, and rows and bytes must match.
  std::vector<RowLayer> unread = ls;
  unread[3].inputs = {{2, 4}, {2, 4}};
  EXPECT_NE(scheduleRowGroup(unread, s).find("nothing in the group reads"),
            std::string::npos);
  std::vector<RowLayer> wrong = ls;
  wrong[3].inputs = {{-1, 8}, {2, 4}};
  EXPECT_NE(scheduleRowGroup(wrong, s).find("does not read the rows"),
            std::string::npos);
}

TEST(RowSchedule, CandidatesFormGroupsOnlyWhenClosed) {
  // Tensors: x = 0, a = 1, b = 2, y = 3. dw: x -> a, pw: a -> b, add:
  // (x, b) -> y; b is also read once outside.
  auto candidate = [](std::vector<int64_t> inputs, int64_t output,
                      int64_t reads, int64_t k) {
    RowCandidate c;
    c.rows = dagLayer(4, 8, 4, 8, {k, 1, (k - 1) / 2}, {});
    c.inputs = inputs;
    c.inputRowBytes.assign(inputs.size(), 8);
    c.output = output;
    c.reads = reads;
    return c;
  };
  std::vector<RowCandidate> run = {candidate({0}, 1, 1, 3),
                                   candidate({1}, 2, 1, 1),
                                   candidate({0, 2}, 3, 1, 1)};
  std::vector<RowLayer> layers;
  ASSERT_EQ(rowGroupLayers(run, 0, 2, layers), "");
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[2].inputs[0].source, -1);
  EXPECT_EQ(layers[2].inputs[1].source, 1);
  // Without the depthwise layer the sum reads x, which is not the group's
  // input (a).
  EXPECT_NE(rowGroupLayers(run, 1, 2, layers).find("from outside the group"),
            std::string::npos);
  // b read outside: it may end a group, not be a line.
  run[1].reads = 2;
  EXPECT_EQ(rowGroupLayers(run, 0, 1, layers), "");
  EXPECT_NE(rowGroupLayers(run, 0, 2, layers).find("read outside the group"),
            std::string::npos);
}

/// A chain of `n` 1x1 layers, tensor i -> i + 1, each read once.
std::vector<RowCandidate> pointwiseChain(int64_t n) {
  std::vector<RowCandidate> run;
  for (int64_t i = 0; i < n; ++i) {
    RowCandidate c;
    c.rows = dagLayer(4, 8, 4, 8, {1, 1, 0}, {});
    c.inputs = {i};
    c.inputRowBytes = {8};
    c.output = i + 1;
    c.reads = 1;
    run.push_back(c);
  }
  return run;
}

/// Whether `members` of run 0 share one group in `g`.
bool together(const RowGroupChoice &g, std::vector<int> members) {
  for (int m : members)
    if (g[0][m] < 0 || g[0][m] != g[0][members.front()])
      return false;
  return true;
}

TEST(RowSchedule, ChoiceShrinksAGroupALaterJoinMadeTooWide) {
  // A chain of five 1x1 layers; the bound is the larger of two peaks. The
  // first falls from 100 to 60 with 0 .. 2 in one group, to 40 with 1 .. 2
  // without 0; the second from 90 to 30 with 3 .. 4. Joining 0 .. 2 or 1 ..
  // 2 first both give 90 (the second peak), and the scan meets 0 .. 2
  // first; then 3 .. 4 gives 60. No join lowers that, but shrinking 0 .. 2
  // to 1 .. 2 does: 40.
  std::vector<RowCandidate> run = pointwiseChain(5);
  auto bound = [&](const RowGroupChoice &g) -> int64_t {
    int64_t a = 100;
    if (together(g, {0, 1, 2}))
      a = 60;
    else if (together(g, {1, 2}))
      a = 40;
    const int64_t b = together(g, {3, 4}) ? 30 : 90;
    return std::max(a, b);
  };
  RowGroupChoice choice = chooseRowGroups({run}, bound);
  EXPECT_EQ(bound(choice), 40);
  EXPECT_EQ(choice[0][0], -1);
  EXPECT_TRUE(together(choice, {1, 2}));
  EXPECT_TRUE(together(choice, {3, 4}));
}

TEST(RowSchedule, ChoiceTakesAMemberOffAndJoinsTogether) {
  // A chain of five 1x1 layers; the bound is the larger of two peaks, and a
  // group holding both 2 and 3 is out (200). The first peak falls from 100
  // to 60 with 0 .. 2 in one group, to 50 with 1 .. 2 without 0; the second
  // from 90 to 30 with 3 .. 4, but only while 0 takes no group (a tensor
  // of 0's stays whole beside the second peak otherwise). Round one joins
  // 0 .. 2 (90). Then neither the join 3 .. 4 (still 90), nor shrinking to
  // 1 .. 2 (90), lowers the bound; the two together give 50, which is what
  // subbyte_residual's groups need
  // (test/Cortex-M/row-groups-residual-qemu.test).
  std::vector<RowCandidate> run = pointwiseChain(5);
  auto bound = [&](const RowGroupChoice &g) -> int64_t {
    if (together(g, {2, 3}))
      return 200;
    int64_t a = 100;
    if (together(g, {0, 1, 2}))
      a = 60;
    else if (together(g, {1, 2}))
      a = 50;
    const int64_t b = together(g, {3, 4}) && g[0][0] < 0 ? 30 : 90;
    return std::max(a, b);
  };
  RowGroupChoice choice = chooseRowGroups({run}, bound);
  EXPECT_EQ(bound(choice), 50);
  EXPECT_EQ(choice[0][0], -1);
  EXPECT_TRUE(together(choice, {1, 2}));
  EXPECT_TRUE(together(choice, {3, 4}));
}

TEST(RowSchedule, DriverMatchesWholeRunAndRowsAreTight) {
  std::mt19937 rng(7);
  const std::vector<Window> kinds = {{1, 1, 0}, {3, 1, 1}, {3, 2, 1}, {5, 1, 2},
                                     {3, 1, 0}, {2, 2, 0}, {5, 2, 2}};
  int tight = 0, shifted = 0, shiftTight = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int64_t h = 6 + rng() % 20, w = 4 + rng() % 6;
    std::vector<Window> chain;
    const int length = 2 + rng() % 4;
    int64_t rowsLeft = h;
    for (int k = 0; k < length; ++k) {
      Window win = kinds[rng() % kinds.size()];
      if (outSize(rowsLeft, win) < 1 || outSize(w, win) < 1)
        win = {1, 1, 0};
      chain.push_back(win);
      rowsLeft = outSize(rowsLeft, win);
    }
    std::vector<RowLayer> ls = layersOf(chain, h, w);
    bool empty = false;
    for (const RowLayer &l : ls)
      empty |= l.outRowBytes < 1;
    if (empty)
      continue;
    std::vector<uint8_t> image(h * w);
    for (uint8_t &b : image)
      b = static_cast<uint8_t>(rng());
    RowSchedule s;
    ASSERT_EQ(scheduleRowGroup(ls, s), "") << "trial " << trial;
    std::vector<uint8_t> got;
    ASSERT_TRUE(runRows(chain, ls, s.lineRows, s.iterations, image, got))
        << "trial " << trial;
    const std::vector<uint8_t> whole = runWhole(chain, image, h, w);
    EXPECT_EQ(got, whole) << "trial " << trial;
    // In place: the output S bytes below the image gives the same bytes;
    // one byte less overwrites a row some window still reads (almost
    // always visibly: the bytes are random).
    std::vector<uint8_t> inPlace;
    ASSERT_TRUE(runRows(chain, ls, s.lineRows, s.iterations, image, inPlace,
                        s.inPlaceShift));
    EXPECT_EQ(inPlace, whole) << "trial " << trial << ", S " << s.inPlaceShift;
    if (s.inPlaceShift > 0) {
      ++shifted;
      std::vector<uint8_t> overlapped;
      runRows(chain, ls, s.lineRows, s.iterations, image, overlapped,
              s.inPlaceShift - 1);
      shiftTight += overlapped != whole;
    }
    // One row fewer in any buffer holding more than one loses a row.
    for (size_t i = 0; i < s.lineRows.size(); ++i) {
      if (s.lineRows[i] < 2)
        continue;
      std::vector<int64_t> fewer = s.lineRows;
      --fewer[i];
      std::vector<uint8_t> lost;
      EXPECT_FALSE(runRows(chain, ls, fewer, s.iterations, image, lost))
          << "trial " << trial << ", buffer " << i;
      ++tight;
    }
  }
  EXPECT_GT(tight, 100);
  EXPECT_GT(shifted, 5);
  EXPECT_GT(shiftTight, shifted * 9 / 10);
}

} // namespace
