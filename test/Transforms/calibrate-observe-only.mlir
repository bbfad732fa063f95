// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[-1.0, 3.0, 0.5]], dtype=np.float32))"
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/x.npy observe-only" | FileCheck %s
// A second calibration turns the recorded ranges into grids without running
// the model (synthetic=0 would be an error if it needed inputs): the grids
// of calibrate.mlir.
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="inputs=%t/x.npy observe-only" | mpq-opt -split-input-file -mpq-calibrate="synthetic=0" | FileCheck %s --check-prefix=GRID
// RUN: mpq-opt %s -split-input-file -mpq-calibrate="scheme=pl-fb observe-only" | FileCheck %s --check-prefix=FB

// Input x = [-1, 3, 0.5]; ReLU(x' @ W^T) = ReLU([-7, 0.25]) = [0, 0.25].
// Observed activations get min/max and keep their widths; weights and the
// learned range are left alone.
// CHECK-LABEL: func.func @net
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {max = 3.000000e+00 : f64, min = -1.000000e+00 : f64, rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u2> {max = 2.500000e-01 : f64, min = 0.000000e+00 : f64, rounding = #mpq.rounding<floor>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {max = 1.500000e+00 : f64, min = 0.000000e+00 : f64, rounding = #mpq.rounding<floor>}
// GRID-LABEL: func.func @net
// GRID: mpq.fake_quant %{{.*}} to !mpq.uniform<i8, 0.015686274509803921:-64>
// GRID: mpq.fake_quant %{{.*}} to !mpq.uniform<i4:0, {2.000000e-01:2, 0.033333333333333333:-8}>
// GRID: mpq.fake_quant %{{.*}} to !mpq.uniform<u2, 0.083333333333333329:0> {rounding = #mpq.rounding<floor>}
// GRID: mpq.fake_quant %{{.*}} to !mpq.uniform<u4, 1.000000e-01:0> {rounding = #mpq.rounding<floor>}
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

// pl-fb folds the batch-norm first, since the ranges to observe are those of
// the folded layer (w' = 6, b' = -2.5 as in calibrate.mlir); the weights keep
// !mpq.bits.
// FB-LABEL: func.func @fold
// FB-DAG: %[[W:.*]] = arith.constant dense<6.000000e+00> : tensor<1x1x1x1xf32>
// FB-DAG: %[[B:.*]] = arith.constant dense<-2.500000e+00> : tensor<1xf32>
// FB: %[[WQ:.*]] = mpq.fake_quant %[[W]] to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
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
