// --mpq-assign-precision in-place=true: a layer whose input dies there is
// budgeted as the union of its input and output (the output a few rows
// below the input, mpq/Analysis/MemoryModel.h stepInPlaceShift), not in +
// out. The numbers are worked by hand.
//
// The model: a 16x16x8 image (8 bits, fixed: 2,048 B), conv0 3x3 pad 1
// 8 -> 8 channels, conv1 1x1 8 -> 2 (the last layer, 8-bit output: 512 B).
// RAM budget 2,400 B.
// - In + out: conv0 needs 2,048 + 2,048 = 4,096 B; its output is cut to 4
//   then 2 bits (3,072, then 2,560 B) and the rule stops, 160 B over.
// - In place: conv0's output rows are 128 B and row r needs input rows from
//   r - 1, so the output starts S = max over r of 128 (r + 1) - 128 max(0,
//   r - 1) = 256 B below the input: 2,048 + 256 = 2,304 B, no cut. conv1
//   works on pixel pairs (16 B in, 4 B out): S = max over pairs of 4 (r + 1)
//   - 16 r = 4, max(2,048 + 4, 512) = 2,052 B.
// - ram-model=planned plans the same overlaps. With every output below its
//   input the three would drift to 2,048 + 256 + 16 = 2,320 B; conv1
//   writing its pixels from the last instead (its end 4 B above its
//   input's: the pair it writes first, pixels 254 and 255, is 2 x 2 B of
//   output over the input's end) keeps the plan at the conv0 pair's
//   2,304 B, the lower bound.
//
// RUN: mpq-opt %s -mpq-assign-precision="flash=1MB ram=2400 in-place=true table" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TABLE
// TABLE: RAM   2304 B of 2400 B (at 'conv0')
// TABLE: conv0 conv 8 8 8 576 88 2048 2048 2304
// TABLE: conv1 conv 8 8 8 16 18 2048 512 2052
// TABLE: cuts (0):
// RUN: mpq-opt %s -mpq-assign-precision="flash=1MB ram=2400 in-place=true ram-model=planned report=-" -o /dev/null | FileCheck %s --check-prefix=PLANNED
// PLANNED: "fits": true
// PLANNED: "in_place": true
// PLANNED: "planned_arena_bytes": 2304
// PLANNED: "ram_bytes": 2304
// PLANNED: "bits": "w=88 a=888"
// RUN: not mpq-opt %s -mpq-assign-precision="flash=1MB ram=2400 table" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OUT
// OUT: activation conv0_out 8 -> 4 (forward sweep 1): 'conv0' needs 4096 B (in 2048 + out 2048) > 2400 B
// OUT: activation conv0_out 4 -> 2 (forward sweep 1): 'conv0' needs 3072 B (in 2048 + out 1024) > 2400 B
// OUT: error: the model does not fit: RAM budget of 2400 B cannot be met: the smallest RAM reachable, with every activation that may be cut at 2 bits, is 2560 B
// Below 2,304 B in place the rule cuts conv0's output: at 4 bits its rows
// are 64 B and S = max over r of 64 (r + 1) - 128 max(0, r - 1) = 128 (row
// 1, which still reads input row 0), so 2,048 + 128 = 2,176 B.
// RUN: mpq-opt %s -mpq-assign-precision="flash=1MB ram=2200 in-place=true table" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CUT
// CUT: conv0 conv 8 8 4 576 88 2048 1024 2176
// CUT: activation conv0_out 8 -> 4 (forward sweep 1): 'conv0' needs 2304 B (in 2048 + out 2048, in place with the output 256 B below the input) > 2200 B

func.func @net(%img: tensor<1x16x16x8xf32>) -> tensor<1x16x16x2xf32> {
  %w0 = arith.constant dense<0.1> : tensor<8x3x3x8xf32>
  %c0 = mpq.conv2d %img, %w0 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x8xf32>, tensor<8x3x3x8xf32>) -> tensor<1x16x16x8xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x16x16x8xf32>
  %w1 = arith.constant dense<0.1> : tensor<2x1x1x8xf32>
  %c1 = mpq.conv2d %r0, %w1 : (tensor<1x16x16x8xf32>, tensor<2x1x1x8xf32>) -> tensor<1x16x16x2xf32> loc("conv1")
  return %c1 : tensor<1x16x16x2xf32>
}
