// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[-1.0, 3.0, 0.5]], dtype=np.float32)); np.save('%t/batch.npy', np.array([[-1.0, 3.0, 0.5], [2.0, 0.0, -4.0]], dtype=np.float32)); np.save('%t/bad.npy', np.zeros((3,), dtype=np.float32))"
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/x.npy" | FileCheck %s
// The spelling --mpq-assign-precision and mpqc accept (one parser for both).
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/x.npy scheme=PC_ICN" | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/batch.npy scheme=pl-icn" | FileCheck %s --check-prefix=BATCH
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="scheme=pl-fb" | FileCheck %s --check-prefix=FB
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="snap-bias=false" | FileCheck %s --check-prefix=NOSNAP
// RUN: not mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/bad.npy" 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mpq-opt %s -split-input-file -mpq-calibrate="scheme=pc" 2>&1 | FileCheck %s --check-prefix=SCHEME
// SHAPE: error: calibration input {{.*}}bad.npy has shape [3]; expected 'tensor<1x3xf32>' or a batch of them along dimension 0
// MISSING: error: calibration input {{.*}}missing.npy: cannot open
// SCHEME: for the --scheme option: 'pc' is not a valid quantization scheme (expected one of pc-icn, pl-icn, pl-fb)

// Input x = [-1, 3, 0.5] (the second batch row [2, 0, -4] widens it).
// Image, i8 (codes -128..127, 255 steps): range [-1, 3] -> scale 4/255,
//   zero point -128 - round(-1 / (4/255)) = -128 - round(-63.75) = -64.
//   With the batch, [-4, 3]: scale 7/255, zero point -128 - round(-145.71)
//   = -128 + 146 = 18.
// Weight [[1, -2, 0], [0.5, 0.25, 0]], i4 (-8..7, 15 steps):
//   per channel: row 0 [-2, 1] -> scale 3/15 = 0.2, zero point -8 - (-10) = 2
//                row 1 [0, 0.5] -> scale 0.5/15, zero point -8 - 0 = -8
//   per tensor:  [-2, 1] -> scale 0.2, zero point 2
// ReLU output, u2 (0..3): x' @ W^T = [-1 - 6, -0.5 + 0.75] = [-7, 0.25]
//   -> ReLU [0, 0.25]: scale 0.25/3, zero point 0.
//   With the batch: row 2 [2, 0, -4] gives [2, 1] -> range [0, 2]: 2/3.
// CHECK-LABEL: func.func @net
// CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<i8, 0.015686274509803921:-64>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<i4:0, {2.000000e-01:2, 0.033333333333333333:-8}>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<u2, 0.083333333333333329:0> {rounding = #mpq.rounding<floor>}
// A learned range [0, 1.5] at 4 bits (15 steps): scale 0.1, zero point 0.
// CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<u4, 1.000000e-01:0> {rounding = #mpq.rounding<floor>}
// BATCH-LABEL: func.func @net
// BATCH: mpq.fake_quant %{{.*}} to !mpq.uniform<i8, 0.027450980392156862:18>
// BATCH: mpq.fake_quant %{{.*}} to !mpq.uniform<i4, 2.000000e-01:2>
// BATCH: mpq.fake_quant %{{.*}} to !mpq.uniform<u2, 0.66666666666666663:0>
func.func @net(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<1x3xf32>
  %w = arith.constant dense<[[1.0, -2.0, 0.0], [0.5, 0.25, 0.0]]> : tensor<2x3xf32>
  %wq = mpq.fake_quant %w to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>} : tensor<2x3xf32>
  %y = mpq.fully_connected %xq, %wq : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
  %r = mpq.relu %y : tensor<1x2xf32>
  %rq = mpq.fake_quant %r to !mpq.bits<u2> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  %l = mpq.fake_quant %rq to !mpq.bits<u4> {rounding = #mpq.rounding<floor>, min = 0.0, max = 1.5} : tensor<1x2xf32>
  return %l : tensor<1x2xf32>
}

// -----

// With pl-fb the batch-norm folds into the 1x1 convolution before the weights
// get their per-tensor grid. gain = 3 / sqrt(1 + 0) = 3:
//   w' = 2 * 3 = 6;  b' = (0 - mean 1) * 3 + beta 0.5 = -2.5.
// FB-LABEL: func.func @fold
// FB-DAG: %[[W:.*]] = arith.constant dense<6.000000e+00> : tensor<1x1x1x1xf32>
// FB-DAG: %[[B:.*]] = arith.constant dense<-2.500000e+00> : tensor<1xf32>
// FB: %[[WQ:.*]] = mpq.fake_quant %[[W]] to !mpq.uniform<i8, 0.023529411764705882:-128>
// FB: mpq.conv2d %{{.*}}, %[[WQ]], %[[B]]
// FB-NOT: mpq.batch_norm
func.func @fold(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32> {
  %w = arith.constant dense<2.0> : tensor<1x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x1xf32>
  %c = mpq.conv2d %x, %wq : (tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %g = arith.constant dense<3.0> : tensor<1xf32>
  %b = arith.constant dense<0.5> : tensor<1xf32>
  %m = arith.constant dense<1.0> : tensor<1xf32>
  %v = arith.constant dense<1.0> : tensor<1xf32>
  %bn = mpq.batch_norm %c, %g, %b, %m, %v {epsilon = 0.0 : f32}
      : (tensor<1x1x1x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  return %bn : tensor<1x1x1x1xf32>
}

// -----

// Bias snapping (snap-bias, on by default) on a layer whose grids are known,
// so no calibration data is needed: input u8 scale 0.5, weights i4 per
// channel {0.1, 0.05}, bias b = [0.29, 0.01], then batch_norm
//   gamma [2, 1], beta [0.5, -1], mean [0.5, 0], var [1, 4], eps 0:
//   gain = gamma / sigma = [2, 0.5], offset = beta - gain * mean = [-0.5, -1]
//   effective bias b + offset / gain = [0.29 - 0.25, 0.01 - 2] = [0.04, -1.99]
//   grid s_x * s_w = [0.05, 0.025]: 0.04 / 0.05 = 0.8 -> B = 1,
//   -1.99 / 0.025 = -79.6 -> B = -80 (the fake_quant adds 0.05 and -2).
// The batch-norm keeps its gain: mean and beta become 0.
// CHECK-LABEL: func.func @snap
// (The constant holds 0.04 as float32 computes it from 0.29: 0.0399999917.)
// CHECK: %[[B:.*]] = arith.constant dense<[0.0399999917, -1.990000e+00]> : tensor<2xf32>
// CHECK: %[[BQ:.*]] = mpq.fake_quant %[[B]] to !mpq.uniform<i32:0, {5.000000e-02:0, 2.500000e-02:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
// CHECK: %[[C:.*]] = mpq.conv2d %{{.*}}, %{{.*}}, %[[BQ]]
// CHECK: %[[M:.*]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: %[[BETA:.*]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: mpq.batch_norm %[[C]], %{{.*}}, %[[BETA]], %[[M]], %{{.*}} {epsilon = 0.000000e+00 : f32}
// Per-tensor weights: a per-tensor grid; a layer without bias and batch-norm
// keeps no bias (B = 0 is exact).
// CHECK-LABEL: func.func @snap_per_tensor
// CHECK: %[[B2:.*]] = arith.constant dense<[2.500000e-01, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[BQ2:.*]] = mpq.fake_quant %[[B2]] to !mpq.uniform<i32, 5.000000e-02:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
// CHECK: mpq.fully_connected %{{.*}}, %{{.*}}, %[[BQ2]] :
// CHECK: mpq.fully_connected %{{[^,]*}}, %{{[^,]*}} :
// NOSNAP-LABEL: func.func @snap
// NOSNAP-NOT: i32
// NOSNAP: mpq.conv2d %{{.*}}, %{{.*}}, %{{.*}} :
// NOSNAP-NOT: i32
// NOSNAP-LABEL: func.func @snap_per_tensor
// NOSNAP-NOT: i32
func.func @snap(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[0.3]]], [[[-0.2]]]]> : tensor<2x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.1:0, 0.05:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[0.29, 0.01]> : tensor<2xf32>
  %c = mpq.conv2d %xq, %wq, %b : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %mean = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %var = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %bn = mpq.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %r = mpq.relu %bn : tensor<1x2x2x2xf32>
  %y = mpq.fake_quant %r to !mpq.uniform<u4, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

func.func @snap_per_tensor(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %w = arith.constant dense<0.1> : tensor<2x2xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.1:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -1.0]> : tensor<2xf32>
  %y = mpq.fully_connected %xq, %wq, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %yq = mpq.fake_quant %y to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  %y2 = mpq.fully_connected %yq, %wq : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %y2q = mpq.fake_quant %y2 to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %y2q : tensor<1x2xf32>
}
