// ram-model=planned: the RAM of an assignment is the planned arena, which
// also counts the steps the paper model skips (here a pad: its input and
// output are live together). While the arena exceeds the budget, the rule
// runs again with the activation budget lowered by the excess.
//
// Paper model at 8 bits: conv1 reads the 12x12x8 pad (1152 B) and writes
// 6x6x8 (288 B): 1440 <= 1500, nothing is cut. Planned: at the pad, 8x8x8
// (512 B) + 1152 B = 1664 > 1500, so the budget drops to 1336 and conv0's
// output (the pad passes its width through) goes to 4 bits.
//
// RUN: mpq-opt %s -mpq-assign-precision="flash=100kB ram=1500" | FileCheck %s --check-prefix=PAPER
// RUN: mpq-opt %s -mpq-assign-precision="flash=100kB ram=1500 ram-model=planned report=%t.json" | FileCheck %s --check-prefix=PLANNED
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// PAPER-LABEL: func.func @pad_chain
// PAPER: mpq.relu
// PAPER-NEXT: mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// PLANNED-LABEL: func.func @pad_chain
// PLANNED: mpq.relu
// PLANNED-NEXT: mpq.fake_quant %{{.*}} to !mpq.bits<u4>
// REPORT: "ram_model": "planned",
// REPORT: "ram_budget": 1500,
// REPORT-NEXT: "planned_arena_bytes": {{[0-9]+}},
// REPORT-NEXT: "activation_budget": 1336,
func.func @pad_chain(%img: tensor<1x8x8x4xf32>) -> tensor<1x3xf32> {
  %w0 = arith.constant dense<0.1> : tensor<8x1x1x4xf32>
  %c0 = mpq.conv2d %img, %w0 : (tensor<1x8x8x4xf32>, tensor<8x1x1x4xf32>) -> tensor<1x8x8x8xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x8x8x8xf32>
  %p = mpq.pad %r0 {pads = array<i64: 0, 2, 2, 0, 0, 2, 2, 0>} : tensor<1x8x8x8xf32> -> tensor<1x12x12x8xf32> loc("pad")
  %w1 = arith.constant dense<0.1> : tensor<8x1x1x8xf32>
  %c1 = mpq.conv2d %p, %w1 {strides = array<i64: 2, 2>} : (tensor<1x12x12x8xf32>, tensor<8x1x1x8xf32>) -> tensor<1x6x6x8xf32> loc("conv1")
  %r1 = mpq.relu %c1 : tensor<1x6x6x8xf32>
  %f = mpq.reshape %r1 : tensor<1x6x6x8xf32> -> tensor<1x288xf32> loc("flatten")
  %w2 = arith.constant dense<0.1> : tensor<3x288xf32>
  %y = mpq.fully_connected %f, %w2 : (tensor<1x288xf32>, tensor<3x288xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
