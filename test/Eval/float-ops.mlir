// The float and fake-quant levels of the reference evaluator, by hand.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([1, 2, 3, 4], dtype=np.float32).reshape(1, 2, 2, 1))"
// RUN: mpq-eval %s --func=pools --input %t/x.npy --print | FileCheck %s --check-prefix=POOL
// RUN: mpq-eval %s --func=conv_bn --input %t/x.npy --print | FileCheck %s --check-prefix=CONV
// RUN: mpq-eval %s --func=layout --input %t/x.npy --print | FileCheck %s --check-prefix=LAYOUT
// RUN: %python -c "import numpy as np; np.save('%t/f.npy', np.array([-0.3, 0.26, 0.74, 1.25, 10.0], dtype=np.float32))"
// RUN: mpq-eval %s --func=fake_quant --input %t/f.npy --print | FileCheck %s --check-prefix=FQ

// x = [1 2; 3 4], 2x2 windows, stride 1, one row/column of padding top-left.
//   window taps in bounds:  (0,0): {1}  (0,1): {1,2}  (1,0): {1,3}  (1,1): all
//   count_include_pad:      1/4 = 0.25, 3/4 = 0.75, 4/4 = 1, 10/4 = 2.5
//   without:                1, 1.5, 2, 2.5
//   max (padding never wins): 1, 2, 3, 4
//   global average: 2.5
// POOL: output #0 shape [1, 2, 2, 1]: 0.25 0.75 1 2.5
// POOL: output #1 shape [1, 2, 2, 1]: 1 1.5 2 2.5
// POOL: output #2 shape [1, 2, 2, 1]: 1 2 3 4
// POOL: output #3 shape [1, 1, 1, 1]: 2.5
func.func @pools(%x: tensor<1x2x2x1xf32>) -> (tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x1x1x1xf32>) {
  %a = mpq.avg_pool2d %x {kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, count_include_pad} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1xf32>
  %b = mpq.avg_pool2d %x {kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1xf32>
  %m = mpq.max_pool2d %x {kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1xf32>
  %g = mpq.global_avg_pool %x : tensor<1x2x2x1xf32> -> tensor<1x1x1x1xf32>
  return %a, %b, %m, %g : tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>, tensor<1x1x1x1xf32>
}

// A 2x2 conv with two output channels, weights [1 0; 0 1] and [0 1; -1 0],
// bias [0.5, -1]:  ch0 = 1*1 + 4*1 + 0.5 = 5.5,  ch1 = 2 - 3 - 1 = -2.
// batch_norm with scale [2, 1], bias [0, 1], mean [1.5, 0], var [0.25, 4]
// and epsilon 0 (exact square roots): ch0 = 2 * (5.5 - 1.5) / 0.5 + 0 = 16,
// ch1 = (-2 - 0) / 2 + 1 = 0; relu keeps both; fc with W = [[1, 1], [1, -1]]
// and bias [0, 0]: [16, 16]; softmax of equal logits: [0.5, 0.5].
// CONV: output #0 shape [1, 1, 1, 2]: 16 0
// CONV: output #1 shape [1, 2]: 0.5 0.5
func.func @conv_bn(%x: tensor<1x2x2x1xf32>) -> (tensor<1x1x1x2xf32>, tensor<1x2xf32>) {
  %w = arith.constant dense<[[[[1.0], [0.0]], [[0.0], [1.0]]], [[[0.0], [1.0]], [[-1.0], [0.0]]]]> : tensor<2x2x2x1xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %c = mpq.conv2d %x, %w, %b : (tensor<1x2x2x1xf32>, tensor<2x2x2x1xf32>, tensor<2xf32>) -> tensor<1x1x1x2xf32>
  %scale = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %shift = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %mean = arith.constant dense<[1.5, 0.0]> : tensor<2xf32>
  %var = arith.constant dense<[0.25, 4.0]> : tensor<2xf32>
  %bn = mpq.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 0.0 : f32}
      : (tensor<1x1x1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x1x1x2xf32>
  %r = mpq.relu %bn : tensor<1x1x1x2xf32>
  %flat = mpq.reshape %r : tensor<1x1x1x2xf32> -> tensor<1x2xf32>
  %fw = arith.constant dense<[[1.0, 1.0], [1.0, -1.0]]> : tensor<2x2xf32>
  %fc = mpq.fully_connected %flat, %fw : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = mpq.softmax %fc : tensor<1x2xf32>
  return %r, %s : tensor<1x1x1x2xf32>, tensor<1x2xf32>
}

// NHWC [1 2; 3 4] transposed to [N, W, H, C] is [1 3; 2 4]; concatenated with
// itself along W, then padded by one zero on the left of W.
// LAYOUT: output #0 shape [1, 2, 5, 1]: 0 1 3 1 3 0 2 4 2 4
func.func @layout(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x5x1xf32> {
  %t = mpq.transpose %x {perm = array<i64: 0, 2, 1, 3>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1xf32>
  %c = mpq.concat %t, %t {axis = 2} : (tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>) -> tensor<1x2x4x1xf32>
  %p = mpq.pad %c {pads = array<i64: 0, 0, 1, 0, 0, 0, 0, 0>} : tensor<1x2x4x1xf32> -> tensor<1x2x5x1xf32>
  return %p : tensor<1x2x5x1xf32>
}

// x / 0.5 = [-0.6, 0.52, 1.48, 2.5, 20] on a u2 grid (codes 0..3):
//   floor:        [-1, 0, 1, 2, 20] -> [0, 0, 1, 2, 3] -> [0, 0, 0.5, 1, 1.5]
//   half to even: [-1, 1, 1, 2, 20] -> [0, 1, 1, 2, 3] -> [0, 0.5, 0.5, 1, 1.5]
//   learned range [0, 1.5] at 2 bits: scale 1.5 / 3 = 0.5, zero point 0,
//   floor as above.
//   signed 2-bit narrow [-1, 1], scale 0.5, half to even: codes
//   [-1, 1, 1, 1, 1] -> [-0.5, 0.5, 0.5, 0.5, 0.5]
// FQ: output #0 shape [5]: 0 0 0.5 1 1.5
// FQ: output #1 shape [5]: 0 0.5 0.5 1 1.5
// FQ: output #2 shape [5]: 0 0 0.5 1 1.5
// FQ: output #3 shape [5]: -0.5 0.5 0.5 0.5 0.5
func.func @fake_quant(%x: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
  %a = mpq.fake_quant %x to !mpq.uniform<u2, 0.5:0> {rounding = #mpq.rounding<floor>} : tensor<5xf32>
  %b = mpq.fake_quant %x to !mpq.uniform<u2, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<5xf32>
  %c = mpq.fake_quant %x to !mpq.bits<u2> {rounding = #mpq.rounding<floor>, min = 0.0, max = 1.5} : tensor<5xf32>
  %d = mpq.fake_quant %x to !mpq.uniform<i2, 0.5:0> {rounding = #mpq.rounding<half_to_even>, narrow} : tensor<5xf32>
  return %a, %b, %c, %d : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}
