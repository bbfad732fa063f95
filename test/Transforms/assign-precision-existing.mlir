// Widths that mpq.fake_quant ops in the model already fix are kept (and
// treated like pins); `reassign` chooses them again and updates those ops.
//
// RUN: mpq-opt %s -split-input-file -mpq-assign-precision="flash=4kB ram=4kB" | FileCheck %s --check-prefixes=CHECK,KEEP
// RUN: mpq-opt %s -split-input-file -mpq-assign-precision="flash=4kB ram=4kB reassign" | FileCheck %s --check-prefixes=CHECK,REASSIGN

// Budgets large enough for everything at 8 bits: the rule cuts nothing, so
// any width below 8 comes from the model.
// CHECK-LABEL: func.func @partly_fixed
// CHECK-SAME: (%[[IMG:.*]]: tensor<1x4x4x8xf32>)
// CHECK: %[[X:.*]] = mpq.fake_quant %[[IMG]] to !mpq.bits<i8>
// CHECK: %[[W0:.*]] = arith.constant
// KEEP:     %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i2> {rounding = #mpq.rounding<half_to_even>}
// REASSIGN: %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NOT: mpq.fake_quant %[[W0Q]]
// CHECK: %[[C0:.*]] = mpq.conv2d %[[X]], %[[W0Q]]
// CHECK: %[[R0:.*]] = mpq.relu %[[C0]]
// The existing activation fake-quant keeps its learned range; no second one
// is inserted.
// KEEP:     %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u4> {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, rounding = #mpq.rounding<floor>}
// REASSIGN: %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u8> {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, rounding = #mpq.rounding<floor>}
// CHECK-NOT: mpq.fake_quant %[[A0]]
// CHECK: %[[W1:.*]] = arith.constant
// CHECK: %[[W1Q:.*]] = mpq.fake_quant %[[W1]] to !mpq.bits<i8>
// CHECK: %[[Y:.*]] = mpq.fully_connected
// CHECK: mpq.fake_quant %[[Y]] to !mpq.bits<i8>
func.func @partly_fixed(%img: tensor<1x4x4x8xf32>) -> tensor<1x10xf32> {
  %w0 = arith.constant dense<0.1> : tensor<8x1x1x8xf32>
  %w0q = mpq.fake_quant %w0 to !mpq.bits<i2> {rounding = #mpq.rounding<half_to_even>} : tensor<8x1x1x8xf32>
  %c0 = mpq.conv2d %img, %w0q : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  %r0 = mpq.relu %c0 : tensor<1x4x4x8xf32>
  %a0 = mpq.fake_quant %r0 to !mpq.bits<u4> {rounding = #mpq.rounding<floor>, min = 0.0, max = 6.0} : tensor<1x4x4x8xf32>
  %p = mpq.global_avg_pool %a0 : tensor<1x4x4x8xf32> -> tensor<1x1x1x8xf32>
  %f = mpq.reshape %p : tensor<1x1x1x8xf32> -> tensor<1x8xf32>
  %w1 = arith.constant dense<0.1> : tensor<10x8xf32>
  %y = mpq.fully_connected %f, %w1 : (tensor<1x8xf32>, tensor<10x8xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// -----

// Fully fixed by the model (QDQ-style !mpq.uniform types): nothing is
// inserted, the pass only checks the budgets. With reassign the 4-bit
// weights go back to 8 bits and lose their scale, which belonged to 4 bits.
// CHECK-LABEL: func.func @fully_fixed
// CHECK: %[[X:.*]] = mpq.fake_quant %{{.*}} to !mpq.uniform<i8, 5.000000e-01:0>
// KEEP:     %[[WQ:.*]] = mpq.fake_quant %{{.*}} to !mpq.uniform<i4, 2.500000e-01:0>
// REASSIGN: %[[WQ:.*]] = mpq.fake_quant %{{.*}} to !mpq.bits<i8>
// CHECK: %[[Y:.*]] = mpq.fully_connected %[[X]], %[[WQ]]
// CHECK: %[[YQ:.*]] = mpq.fake_quant %[[Y]] to !mpq.uniform<i8, 1.000000e-01:-3>
// CHECK-NOT: mpq.fake_quant
// CHECK: return %[[YQ]]
func.func @fully_fixed(%img: tensor<1x16xf32>) -> tensor<1x4xf32> {
  %x = mpq.fake_quant %img to !mpq.uniform<i8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x16xf32>
  %w = arith.constant dense<0.1> : tensor<4x16xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i4, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<4x16xf32>
  %y = mpq.fully_connected %x, %wq : (tensor<1x16xf32>, tensor<4x16xf32>) -> tensor<1x4xf32>
  %yq = mpq.fake_quant %y to !mpq.uniform<i8, 0.1:-3> {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32>
  return %yq : tensor<1x4xf32>
}
