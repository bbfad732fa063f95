// RUN: mpq-opt %s -split-input-file -mpq-lower-fake-quant -verify-diagnostics | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-lower-fake-quant -mpq-check-integer-only -verify-diagnostics > /dev/null

// One layer, worked by hand.
//   input:   u8, scale 0.5       weights: i4 per channel, scales {0.1, 0.05}
//   weight codes: 0.3 / 0.1 = 3, -0.2 / 0.05 = -4;  bias b = [0.25, 0]
//   batch_norm: gamma [2, 1], beta [0.5, -1], mean [0.5, 0], var [1, 4], eps 0
//     gain = gamma / sigma = [2, 0.5],  offset = beta - gain * mean = [-0.5, -1]
//   output: u4, scale 0.25, after ReLU
//   s_x * s_w = [0.05, 0.025]
//   M = gain * s_x * s_w / s_y = [0.4, 0.05] = 0.8 * 2^-1, 0.8 * 2^-4
//     -> M0 = round(0.8 * 2^31) = 1717986918, N0 = [-1, -4]
//   B = round((b + offset / gain) / (s_x * s_w)) = [(0.25 - 0.25) / 0.05,
//       (0 - 2) / 0.025] = [0, -80]
//   ReLU: clamp_min = code(0) = 0, the storage minimum, so no clamp attribute.

// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32>
// CHECK: %[[Q:.*]] = mpq.quantize %[[X]] {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1x!mpq.uniform<u8, 5.000000e-01:0>>
// CHECK: %[[W:.*]] = mpq.qconstant dense<{{\[\[\[\[}}3]]], {{\[\[\[}}-4]]]]> : tensor<2x1x1x1xi8> : tensor<2x1x1x1x!mpq.uniform<i4:0, {1.000000e-01:0, 5.000000e-02:0}>>
// CHECK: %[[ACC:.*]] = mpq.qconv2d %[[Q]], %[[W]] : {{.*}} -> tensor<1x2x2x2xi32>
// CHECK: %[[Y:.*]] = mpq.requantize %[[ACC]] {bias = array<i32: 0, -80>, exponent = array<i32: -1, -4>, multiplier = array<i32: 1717986918, 1717986918>, rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x2xi32> -> tensor<1x2x2x2x!mpq.uniform<u4, 2.500000e-01:0>>
// CHECK: %[[D:.*]] = mpq.dequantize %[[Y]]
// CHECK-NEXT: return %[[D]]
// CHECK-NOT: mpq.conv2d
func.func @layer(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[0.3]]], [[[-0.2]]]]> : tensor<2x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.1:0, 0.05:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
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

// -----

// The layer above after --mpq-calibrate snapped its bias (test/Transforms/
// calibrate.mlir, @snap: float bias [0.29, 0.01]): the batch-norm's shift is
// in the bias, [0.04, -1.99], whose fake_quant to the accumulator's grid
// s_x * s_w = [0.05, 0.025] has the codes round([0.8, -79.6]) = [1, -80].
// The lowering takes B as these codes, not as a rounding of its own; M0/N0
// as in @layer (the batch-norm keeps its gain).
// CHECK-LABEL: func.func @snapped_bias
// CHECK: mpq.requantize %{{.*}} {bias = array<i32: 1, -80>, exponent = array<i32: -1, -4>, multiplier = array<i32: 1717986918, 1717986918>, rounding = #mpq.rounding<half_to_even>}
// CHECK-NOT: i32:0
func.func @snapped_bias(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[0.3]]], [[[-0.2]]]]> : tensor<2x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.1:0, 0.05:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[0.04, -1.99]> : tensor<2xf32>
  %bq = mpq.fake_quant %b to !mpq.uniform<i32:0, {0.05:0, 0.025:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
  %c = mpq.conv2d %xq, %wq, %bq : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %zero = arith.constant dense<0.0> : tensor<2xf32>
  %var = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %bn = mpq.batch_norm %c, %gamma, %zero, %zero, %var {epsilon = 0.0 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %r = mpq.relu %bn : tensor<1x2x2x2xf32>
  %y = mpq.fake_quant %r to !mpq.uniform<u4, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// A bias fake-quantized to another grid than the accumulator's (0.1, where
// s_x * s_w = 0.05) is a real value like any float bias: codes
// round([0.4, -19.9]) = [0, -20] are the values [0, -2], and B = round([0,
// -2] / 0.05) = [0, -40]. M = 0.05 / 0.5 = 0.1 = 0.8 * 2^-3.
// CHECK-LABEL: func.func @bias_on_another_grid
// CHECK: mpq.requantize %{{.*}} {bias = array<i32: 0, -40>, exponent = array<i32: -3, -3>, multiplier = array<i32: 1717986918, 1717986918>, rounding = #mpq.rounding<floor>}
func.func @bias_on_another_grid(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %w = arith.constant dense<0.1> : tensor<2x2xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.1:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  %b = arith.constant dense<[0.04, -1.99]> : tensor<2xf32>
  %bq = mpq.fake_quant %b to !mpq.uniform<i32, 0.1:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
  %y = mpq.fully_connected %xq, %wq, %bq : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %yq = mpq.fake_quant %y to !mpq.uniform<i8, 0.5:0> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %yq : tensor<1x2xf32>
}

// -----

func.func @wide_activation(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{fake_quant to 32 bits is only lowered as the bias of a conv2d or fully_connected}}
  %q = mpq.fake_quant %x to !mpq.uniform<i32, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  return %q : tensor<1x2xf32>
}

// -----

// A small network: NCHW input transposed in, conv + ReLU6 at 4 bits,
// residual add, global average pool, flatten, fully-connected 8-bit logits
// (no ReLU), and a final softmax that the caller gets to apply.
// CHECK-LABEL: func.func @network
// CHECK: %[[Q:.*]] = mpq.quantize %{{.*}} : tensor<1x1x2x2xf32> -> tensor<1x1x2x2x!mpq.uniform<u8, 2.500000e-01:0>>
// CHECK: %[[T:.*]] = mpq.transpose %[[Q]] {perm = array<i64: 0, 2, 3, 1>} : tensor<1x1x2x2x!mpq.uniform<u8, 2.500000e-01:0>> -> tensor<1x2x2x1x!mpq.uniform<u8, 2.500000e-01:0>>
// CHECK: mpq.qconv2d %[[T]]
// ReLU6 on a u4 grid of scale 0.4: clamp at code(6 / 0.4 = 15) = 15, the maximum.
// CHECK: mpq.requantize {{.*}} -> tensor<1x2x2x1x!mpq.uniform<u4, 4.000000e-01:0>>
// CHECK: mpq.qadd {{.*}} -> tensor<1x2x2x1x!mpq.uniform<u8, 2.500000e-01:0>>
// CHECK: mpq.qavg_pool2d {{.*}}kernel = array<i64: 2, 2>
// CHECK: mpq.reshape
// CHECK: mpq.qfully_connected
// CHECK: mpq.requantize {{.*}} -> tensor<1x3x!mpq.uniform<i8, 1.250000e-01:-3>>
// CHECK: mpq.dequantize
// CHECK-NOT: mpq.softmax
func.func @network(%x: tensor<1x1x2x2xf32>) -> tensor<1x3xf32> {
  %t = mpq.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x1x2x2xf32> -> tensor<1x2x2x1xf32>
  %xq = mpq.fake_quant %t to !mpq.uniform<u8, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[0.5]]]]> : tensor<1x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.125:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x1xf32>
  %c = mpq.conv2d %xq, %wq : (tensor<1x2x2x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x2x2x1xf32>
  %r6 = mpq.clip %c {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x2x2x1xf32>
  %a = mpq.fake_quant %r6 to !mpq.uniform<u4, 0.4:0> {rounding = #mpq.rounding<floor>} : tensor<1x2x2x1xf32>
  %s = mpq.add %a, %xq : (tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %sq = mpq.fake_quant %s to !mpq.uniform<u8, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %g = mpq.global_avg_pool %sq : tensor<1x2x2x1xf32> -> tensor<1x1x1x1xf32>
  %f = mpq.reshape %g : tensor<1x1x1x1xf32> -> tensor<1x1xf32>
  %fw = arith.constant dense<[[1.0], [-1.0], [0.5]]> : tensor<3x1xf32>
  %fwq = mpq.fake_quant %fw to !mpq.uniform<i8, 0.0625:0> {rounding = #mpq.rounding<half_to_even>} : tensor<3x1xf32>
  %fc = mpq.fully_connected %f, %fwq : (tensor<1x1xf32>, tensor<3x1xf32>) -> tensor<1x3xf32>
  %lq = mpq.fake_quant %fc to !mpq.uniform<i8, 0.125:-3> {rounding = #mpq.rounding<half_to_even>} : tensor<1x3xf32>
  // expected-warning @+1 {{the final softmax is left to the caller: the compiled model returns the logits}}
  %sm = mpq.softmax %lq : tensor<1x3xf32>
  return %sm : tensor<1x3xf32>
}

// -----

func.func @uncalibrated(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{fake_quant to '!mpq.bits<u4>' has no scale yet: calibrate the model before lowering}}
  %q = mpq.fake_quant %x to !mpq.bits<u4> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  return %q : tensor<1x4xf32>
}

// -----

func.func @no_output_grid(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  // expected-error @+1 {{the output of 'mpq.fully_connected' is not fake-quantized: expected mpq.fully_connected [-> batch_norm] [-> relu|clip] -> fake_quant, each result used once}}
  %y = mpq.fully_connected %xq, %wq : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @float_weight(%x: tensor<1x2xf32>, %w: tensor<2x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  // expected-error @+1 {{the weight of 'mpq.fully_connected' must be a fake-quantized constant}}
  %y = mpq.fully_connected %xq, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %yq = mpq.fake_quant %y to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  return %yq : tensor<1x2xf32>
}

// -----

func.func @float_input(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %r = mpq.relu %x : tensor<1x2xf32>
  // expected-error @+1 {{the input of this fake_quant is computed in float by 'mpq.relu', which is not itself fake-quantized: the graph cannot be made integer-only}}
  %q = mpq.fake_quant %r to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  return %q : tensor<1x2xf32>
}

// -----

func.func @per_axis_activation(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{per-axis quantization of an activation is not supported (only of constant weights)}}
  %q = mpq.fake_quant %x to !mpq.uniform<u8:0, {0.5:0, 0.25:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  return %q : tensor<2x2xf32>
}

// -----

func.func @avg_pool_excluding_pad(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32> {
  %q = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  // expected-error @+1 {{average pooling that excludes the padding from the count has no integer lowering yet}}
  %p = mpq.avg_pool2d %q {kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1xf32>
  return %p : tensor<1x2x2x1xf32>
}

// -----

func.func @unquantized_result(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{a result of @unquantized_result is not fake-quantized}}
  return %x : tensor<1x2xf32>
}

// -----

// An element-wise function between two grids becomes one mpq.table; a relu
// after it clamps the entries. Input i2 (scale 2): x = -4, -2, 0, 2; tanh =
// -0.9993, -0.964, 0, 0.964; on i4 of scale 1/8 with floor: -8, -8, 0, 7;
// the relu raises them to at least code(0) = 0: 0, 0, 0, 7.
// CHECK-LABEL: func.func @table
// CHECK: %[[Q:.*]] = mpq.quantize %{{.*}} -> tensor<1x4x!mpq.uniform<i2, 2.000000e+00:0>>
// CHECK: %[[T:.*]] = mpq.table %[[Q]] {table = array<i32: 0, 0, 0, 7>} : tensor<1x4x!mpq.uniform<i2, 2.000000e+00:0>> -> tensor<1x4x!mpq.uniform<i4, 1.250000e-01:0>>
// CHECK: mpq.dequantize %[[T]]
func.func @table(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<i2, 2.0:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32>
  %t = mpq.tanh %xq : tensor<1x4xf32>
  %r = mpq.relu %t : tensor<1x4xf32>
  %y = mpq.fake_quant %r to !mpq.uniform<i4, 0.125:0> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @table_float_input(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{the input of 'mpq.sigmoid' is not fake-quantized: its lookup table needs the input's grid}}
  %s = mpq.sigmoid %x : tensor<1x4xf32>
  %y = mpq.fake_quant %s to !mpq.uniform<u8, 0.004:0> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @table_float_output(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<i8, 0.05:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32>
  // expected-error @+1 {{the output of 'mpq.hard_swish' is not fake-quantized: expected mpq.hard_swish [-> relu|clip] -> fake_quant, each result used once}}
  %s = mpq.hard_swish %xq : tensor<1x4xf32>
  return %s : tensor<1x4xf32>
}

// -----

// A layer's, an add's and a lookup table's output grid must be per tensor.
func.func @per_axis_layer_output(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  %y = mpq.fully_connected %xq, %wq : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  // expected-error @+1 {{the output of 'mpq.fully_connected' needs a per-tensor !mpq.uniform fake_quant (calibrate first)}}
  %yq = mpq.fake_quant %y to !mpq.uniform<i8:1, {0.5:0, 0.25:0}> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %yq : tensor<1x2xf32>
}

// -----

func.func @per_axis_add_output(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %s = mpq.add %xq, %xq : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  // expected-error @+1 {{the output of 'mpq.add' needs a per-tensor !mpq.uniform fake_quant (calibrate first)}}
  %sq = mpq.fake_quant %s to !mpq.uniform<u8:1, {0.5:0, 0.25:0}> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %sq : tensor<1x2xf32>
}

// -----

func.func @per_axis_table_output(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %s = mpq.sigmoid %xq : tensor<1x2xf32>
  // expected-error @+1 {{the output of 'mpq.sigmoid' needs a per-tensor !mpq.uniform fake_quant (calibrate first)}}
  %sq = mpq.fake_quant %s to !mpq.uniform<u8:1, {0.5:0, 0.25:0}> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %sq : tensor<1x2xf32>
}
