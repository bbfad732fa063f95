// An element-wise function between two layers: its output is an activation
// of its own (a fake_quant of its own width; unsigned for a sigmoid, whose
// values are never negative), its input the first layer's, and its table
// (2^8 bytes for an 8-bit input) counts with the parameters: conv1 10 * 4 +
// 8 = 48 (hidden PC+ICN), the table 256, conv2 7 * 2 + 4 = 18 (last, PC).
// RUN: mpq-opt %s -mpq-assign-precision="flash=4kB ram=4kB report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// With 4-bit activations pinned on conv1, the table has 16 entries.
// RUN: mpq-opt %s -mpq-assign-precision="flash=4kB ram=4kB pins=conv1:0:4 report=%t4.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=REPORT4 < %t4.json

// CHECK-LABEL: func.func @net
// CHECK: %[[C:.*]] = mpq.conv2d
// CHECK-NEXT: %[[A:.*]] = mpq.fake_quant %[[C]] to !mpq.bits<i8> {rounding = #mpq.rounding<half_up>}
// CHECK-NEXT: %[[S:.*]] = mpq.sigmoid %[[A]]
// CHECK-NEXT: %[[B:.*]] = mpq.fake_quant %[[S]] to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.conv2d %[[B]]
// REPORT: "params_bytes": 322
// REPORT4: "params_bytes": 82
func.func @net(%x: tensor<1x4x4x3xf32>) -> tensor<1x4x4x2xf32> {
  %w1 = arith.constant dense<0.1> : tensor<4x3x3x3xf32>
  %c1 = mpq.conv2d %x, %w1 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %s = mpq.sigmoid %c1 : tensor<1x4x4x4xf32> loc("sig")
  %w2 = arith.constant dense<0.1> : tensor<2x3x3x4xf32>
  %c2 = mpq.conv2d %s, %w2 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<2x3x3x4xf32>) -> tensor<1x4x4x2xf32> loc("conv2")
  return %c2 : tensor<1x4x4x2xf32>
}
