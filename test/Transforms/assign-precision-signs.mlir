// Which activations the assignment stores unsigned: a ReLU or a clip at 0 or
// above makes a tensor non-negative, and so does a concatenation or a sum
// of non-negative tensors (a SqueezeNet fire module's expand branches, a
// residual Add of two ReLU outputs); one signed input makes the result
// signed, and a clip below 0 keeps a non-negative input non-negative.
//
// RUN: mpq-opt %s -mpq-assign-precision="flash=1MB ram=1MB" | FileCheck %s

// CHECK-LABEL: func.func @signs
// CHECK: %[[A:.*]] = mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// CHECK: %[[B:.*]] = mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// CHECK: %[[S:.*]] = mpq.conv2d
// CHECK: %[[SQ:.*]] = mpq.fake_quant %[[S]] to !mpq.bits<i8>
// CHECK: %[[CAT:.*]] = mpq.concat %[[A]], %[[B]]
// CHECK-NEXT: mpq.fake_quant %[[CAT]] to !mpq.bits<u8>
// CHECK: %[[MIXED:.*]] = mpq.concat %[[A]], %[[SQ]]
// CHECK-NEXT: mpq.fake_quant %[[MIXED]] to !mpq.bits<i8>
// CHECK: %[[SUM:.*]] = mpq.add %[[A]], %[[B]]
// CHECK-NEXT: %[[CL:.*]] = mpq.clip %[[SUM]] {max = 4.000000e+00 : f32, min = -1.000000e+00 : f32}
// CHECK-NEXT: mpq.fake_quant %[[CL]] to !mpq.bits<u8>
// CHECK: %[[SUM2:.*]] = mpq.add %[[A]], %[[SQ]]
// CHECK-NEXT: mpq.fake_quant %[[SUM2]] to !mpq.bits<i8>
func.func @signs(%x: tensor<1x4x4x4xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %w = arith.constant dense<0.1> : tensor<4x1x1x4xf32>
  %c0 = mpq.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x4x4x4xf32> loc("a")
  %a = mpq.relu %c0 : tensor<1x4x4x4xf32>
  %c1 = mpq.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x4x4x4xf32> loc("b")
  %b = mpq.clip %c1 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x4x4xf32>
  %s = mpq.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x4x4x4xf32> loc("s")
  %cat = mpq.concat %a, %b {axis = 3} : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x8xf32> loc("cat")
  %mixed = mpq.concat %a, %s {axis = 3} : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x8xf32> loc("mixed")
  %sum = mpq.add %a, %b : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("sum")
  %cl = mpq.clip %sum {min = -1.0 : f32, max = 4.0 : f32} : tensor<1x4x4x4xf32>
  %sum2 = mpq.add %a, %s : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("sum2")
  return %cat, %mixed, %cl, %sum2 : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}
