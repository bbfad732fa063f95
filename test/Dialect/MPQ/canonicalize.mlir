// RUN: mpq-opt %s -canonicalize -split-input-file | FileCheck %s

// NCHW models are imported as transposes around NHWC ops; the pairs must
// cancel so no data movement is left between layers.
// CHECK-LABEL: func.func @transpose_pair
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_pair(%x: tensor<1x3x8x4xf32>) -> tensor<1x3x8x4xf32> {
  %0 = mpq.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x8x4xf32> -> tensor<1x8x4x3xf32>
  %1 = mpq.transpose %0 {perm = array<i64: 0, 3, 1, 2>} : tensor<1x8x4x3xf32> -> tensor<1x3x8x4xf32>
  return %1 : tensor<1x3x8x4xf32>
}

// -----

// Two transposes that do not cancel compose into one:
// output dim i = input dim p[q[i]] with p = [0, 2, 3, 1], q = [0, 2, 3, 1]
// gives [0, 3, 1, 2].
// CHECK-LABEL: func.func @transpose_compose
// CHECK-NEXT: %[[T:.*]] = mpq.transpose %{{.*}} {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x3x4xf32> -> tensor<1x4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_compose(%x: tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32> {
  %0 = mpq.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x3x4xf32> -> tensor<1x3x4x2xf32>
  %1 = mpq.transpose %0 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x4x2xf32> -> tensor<1x4x2x3xf32>
  return %1 : tensor<1x4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = mpq.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-NEXT: %[[R:.*]] = mpq.reshape %{{.*}} : tensor<1x1x1x16xf32> -> tensor<16xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<1x1x1x16xf32>) -> tensor<16xf32> {
  %0 = mpq.reshape %x : tensor<1x1x1x16xf32> -> tensor<1x16xf32>
  %1 = mpq.reshape %0 : tensor<1x16xf32> -> tensor<16xf32>
  return %1 : tensor<16xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_noop
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_noop(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mpq.reshape %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Unused pure ops disappear.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: mpq.relu
func.func @dead(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mpq.relu %x : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

// Channel padding as TensorFlow exports it (ConstantOfShape + Concat)
// becomes a pad of the channel axis with the splat's value.
// CHECK-LABEL: func.func @concat_zeros
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x4x3xf32>)
// CHECK-NEXT: %[[P:.*]] = mpq.pad %[[X]] {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 2>} : tensor<1x4x4x3xf32> -> tensor<1x4x4x5xf32>
// CHECK-NEXT: return %[[P]]
func.func @concat_zeros(%x: tensor<1x4x4x3xf32>) -> tensor<1x4x4x5xf32> {
  %z = arith.constant dense<0.0> : tensor<1x4x4x2xf32>
  %c = mpq.concat %x, %z {axis = 3} : (tensor<1x4x4x3xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x5xf32>
  return %c : tensor<1x4x4x5xf32>
}

// -----

// A splat in front pads the low side; a non-splat constant stays a concat.
// CHECK-LABEL: func.func @concat_front
// CHECK: mpq.pad %{{.*}} {pads = array<i64: 0, 1, 0, 0>, value = 1.500000e+00 : f64}
// CHECK: mpq.concat
func.func @concat_front(%x: tensor<2x3xf32>) -> (tensor<2x4xf32>, tensor<2x5xf32>) {
  %s = arith.constant dense<1.5> : tensor<2x1xf32>
  %c = mpq.concat %s, %x {axis = 1} : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  %n = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %d = mpq.concat %x, %n {axis = 1} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  return %c, %d : tensor<2x4xf32>, tensor<2x5xf32>
}

// -----

// A clamp of a clamp is one clamp: ReLU6 as exporters write it,
// Min(Max(x, 0), 6), and the other way round.
// CHECK-LABEL: func.func @relu6_from_clamps
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[C:.*]] = mpq.clip %[[X]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK-NEXT: %[[D:.*]] = mpq.clip %[[X]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK-NEXT: return %[[C]], %[[D]]
func.func @relu6_from_clamps(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = mpq.relu %x : tensor<4xf32>
  %1 = mpq.clip %0 {min = 0xFF800000 : f32, max = 6.0 : f32} : tensor<4xf32>
  %2 = mpq.clip %x {min = 0xFF800000 : f32, max = 6.0 : f32} : tensor<4xf32>
  %3 = mpq.relu %2 : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Two clips intersect; a relu of a relu is one relu; clamps whose ranges do
// not meet (a constant result) stay as they are.
// CHECK-LABEL: func.func @clamp_merge
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[A:.*]] = mpq.clip %[[X]] {max = 8.000000e-01 : f32, min = -3.000000e-01 : f32}
// CHECK-NEXT: %[[R:.*]] = mpq.relu %[[X]]
// CHECK-NEXT: %[[L:.*]] = mpq.clip %[[X]] {max = 1.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK-NEXT: %[[H:.*]] = mpq.clip %[[L]] {max = 3.000000e+00 : f32, min = 2.000000e+00 : f32}
// CHECK-NEXT: return %[[A]], %[[R]], %[[H]]
func.func @clamp_merge(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = mpq.clip %x {min = -1.0 : f32, max = 0.8 : f32} : tensor<4xf32>
  %1 = mpq.clip %0 {min = -0.3 : f32, max = 2.0 : f32} : tensor<4xf32>
  %2 = mpq.relu %x : tensor<4xf32>
  %3 = mpq.relu %2 : tensor<4xf32>
  %4 = mpq.clip %x {min = 0.0 : f32, max = 1.0 : f32} : tensor<4xf32>
  %5 = mpq.clip %4 {min = 2.0 : f32, max = 3.0 : f32} : tensor<4xf32>
  return %1, %3, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
