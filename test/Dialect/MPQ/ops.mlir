// RUN: mpq-opt %s | mpq-opt | FileCheck %s
// RUN: mpq-opt %s --mlir-print-op-generic | mpq-opt | FileCheck %s
// RUN: mpq-opt %s --verify-roundtrip > /dev/null

// Round trip of every mpq op, at the graph (float) and integer levels.

// CHECK-LABEL: func.func @graph_level
func.func @graph_level(%x: tensor<1x8x8x3xf32>, %w: tensor<16x3x3x3xf32>,
                       %b: tensor<16xf32>, %dw: tensor<16x3x3x1xf32>,
                       %v: tensor<16xf32>, %fcw: tensor<10x16xf32>,
                       %fcb: tensor<10xf32>) -> tensor<1x10xf32> {
  // CHECK: %[[C:.*]] = mpq.conv2d %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x3xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
  %c = mpq.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>}
     : (tensor<1x8x8x3xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
  // CHECK: mpq.batch_norm %[[C]], {{.*}} {epsilon = 1.000000e-03 : f32}
  %bn = mpq.batch_norm %c, %v, %v, %v, %v {epsilon = 1.0e-3 : f32}
      : (tensor<1x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
  // CHECK: mpq.relu
  %r = mpq.relu %bn : tensor<1x4x4x16xf32>
  // Depthwise: groups = channels, one input channel per group.
  // CHECK: mpq.conv2d {{.*}} {dilations = array<i64: 2, 2>, groups = 16 : i64, pads = array<i64: 2, 2, 2, 2>}
  %d = mpq.conv2d %r, %dw {groups = 16, dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>}
     : (tensor<1x4x4x16xf32>, tensor<16x3x3x1xf32>) -> tensor<1x4x4x16xf32>
  // CHECK: mpq.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %r6 = mpq.clip %d {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x4x16xf32>
  // CHECK: mpq.add
  %a = mpq.add %r6, %r : (tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  // Broadcasting a per-channel vector.
  // CHECK: mpq.mul {{.*}} : (tensor<1x4x4x16xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
  %m = mpq.mul %a, %v : (tensor<1x4x4x16xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
  // CHECK: mpq.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x16xf32> -> tensor<1x2x2x16xf32>
  %mp = mpq.max_pool2d %m {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x4x4x16xf32> -> tensor<1x2x2x16xf32>
  // CHECK: mpq.avg_pool2d %{{.*}} {count_include_pad, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
  %ap = mpq.avg_pool2d %mp {kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad}
      : tensor<1x2x2x16xf32> -> tensor<1x2x2x16xf32>
  // CHECK: mpq.global_avg_pool %{{.*}} : tensor<1x2x2x16xf32> -> tensor<1x1x1x16xf32>
  %g = mpq.global_avg_pool %ap : tensor<1x2x2x16xf32> -> tensor<1x1x1x16xf32>
  // CHECK: mpq.reshape %{{.*}} : tensor<1x1x1x16xf32> -> tensor<1x16xf32>
  %f = mpq.reshape %g : tensor<1x1x1x16xf32> -> tensor<1x16xf32>
  // CHECK: mpq.fully_connected
  %fc = mpq.fully_connected %f, %fcw, %fcb
      : (tensor<1x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  // CHECK: mpq.softmax %{{.*}} : tensor<1x10xf32>
  %s = mpq.softmax %fc : tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<1x3x8x8xf32>, %y: tensor<1x8x8x5xf32>, %a: tensor<4x16xf32>, %b: tensor<16x8xf32>)
    -> (tensor<1x8x8x8xf32>, tensor<1x10x10x8xf32>, tensor<4x8xf32>) {
  // CHECK: mpq.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x8x8xf32> -> tensor<1x8x8x3xf32>
  %t = mpq.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x8x8xf32> -> tensor<1x8x8x3xf32>
  // CHECK: mpq.concat %{{.*}}, %{{.*}} {axis = 3 : i64} : (tensor<1x8x8x3xf32>, tensor<1x8x8x5xf32>) -> tensor<1x8x8x8xf32>
  %c = mpq.concat %t, %y {axis = 3} : (tensor<1x8x8x3xf32>, tensor<1x8x8x5xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: mpq.pad %{{.*}} {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -1.000000e+00 : f64}
  %p = mpq.pad %c {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -1.0}
     : tensor<1x8x8x8xf32> -> tensor<1x10x10x8xf32>
  // CHECK: mpq.matmul {{.*}} : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %mm = mpq.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %c, %p, %mm : tensor<1x8x8x8xf32>, tensor<1x10x10x8xf32>, tensor<4x8xf32>
}

// fake_quant at 2, 4 and 8 bits: known scales, per channel, bits only, and a
// learned (PACT) range.
// CHECK-LABEL: func.func @fake_quant
func.func @fake_quant(%x: tensor<1x4x4x2xf32>, %w: tensor<2x3x3x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<2x3x3x2xf32>) {
  // CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<u4, 1.000000e-01:0> {rounding = #mpq.rounding<floor>} : tensor<1x4x4x2xf32>
  %a = mpq.fake_quant %x to !mpq.uniform<u4, 0.1:0> {rounding = #mpq.rounding<floor>} : tensor<1x4x4x2xf32>
  // CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u2> {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64, rounding = #mpq.rounding<floor>}
  %b = mpq.fake_quant %a to !mpq.bits<u2> {rounding = #mpq.rounding<floor>, min = 0.0, max = 6.0} : tensor<1x4x4x2xf32>
  // CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<i8:0, {1.000000e-02:0, 2.000000e-02:0}> {narrow, rounding = #mpq.rounding<half_to_even>}
  %c = mpq.fake_quant %w to !mpq.uniform<i8:0, {0.01:0, 0.02:0}> {rounding = #mpq.rounding<half_to_even>, narrow} : tensor<2x3x3x2xf32>
  // CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i2> {rounding = #mpq.rounding<half_away_from_zero>}
  %d = mpq.fake_quant %c to !mpq.bits<i2> {rounding = #mpq.rounding<half_away_from_zero>} : tensor<2x3x3x2xf32>
  return %b, %d : tensor<1x4x4x2xf32>, tensor<2x3x3x2xf32>
}

// A bias on its int32 grid s_x * s_w,c (per output channel).
// A weight placeholder for one grid per tensor (strategy=search's per-layer
// weights).
// CHECK-LABEL: func.func @fake_quant_per_layer
func.func @fake_quant_per_layer(%w: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {per_layer, rounding = #mpq.rounding<half_to_even>} : tensor<4x2xf32>
  %q = mpq.fake_quant %w to !mpq.bits<i4> {per_layer, rounding = #mpq.rounding<half_to_even>} : tensor<4x2xf32>
  return %q : tensor<4x2xf32>
}

// CHECK-LABEL: func.func @fake_quant_bias
func.func @fake_quant_bias(%b: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: mpq.fake_quant %{{.*}} to !mpq.uniform<i32:0, {5.000000e-02:0, 2.500000e-02:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
  %q = mpq.fake_quant %b to !mpq.uniform<i32:0, {0.05:0, 0.025:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
  return %q : tensor<2xf32>
}

// An integer-only layer chain: 8-bit image, 4-bit per-channel weights, ICN to
// a 4-bit activation, 2-bit depthwise, residual add, pools, and the model
// boundary.
// CHECK-LABEL: func.func @integer_level
func.func @integer_level(%img: tensor<1x8x8x3xf32>) -> tensor<1x10xf32> {
  // CHECK: %[[Q:.*]] = mpq.quantize %{{.*}} {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<u8, 0.0039215689999999997:0>>
  %q = mpq.quantize %img {rounding = #mpq.rounding<half_to_even>}
     : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<u8, 0.003921569:0>>
  // CHECK: %[[W:.*]] = mpq.qconstant dense<{{.*}}> : tensor<2x3x3x3xi8> : tensor<2x3x3x3x!mpq.uniform<i4:0, {5.000000e-02:-1, 2.500000e-02:0}>>
  %w = mpq.qconstant dense<[[[[1, -8, 7], [0, 0, 0], [3, 2, 1]], [[1, 1, 1], [2, 2, 2], [3, 3, 3]], [[-1, -2, -3], [4, 5, 6], [0, 1, 0]]],
                            [[[7, 7, 7], [0, 0, 0], [1, 1, 1]], [[1, 0, 1], [2, 0, 2], [3, 0, 3]], [[-8, -8, -8], [4, 4, 4], [0, 0, 0]]]]> : tensor<2x3x3x3xi8>
     : tensor<2x3x3x3x!mpq.uniform<i4:0, {0.05:-1, 0.025:0}>>
  // CHECK: %[[ACC:.*]] = mpq.qconv2d %[[Q]], %[[W]] {pads = array<i64: 1, 1, 1, 1>} : {{.*}} -> tensor<1x8x8x2xi32>
  %acc = mpq.qconv2d %q, %w {pads = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x3x!mpq.uniform<u8, 0.003921569:0>>, tensor<2x3x3x3x!mpq.uniform<i4:0, {0.05:-1, 0.025:0}>>) -> tensor<1x8x8x2xi32>
  // CHECK: %[[A:.*]] = mpq.requantize %[[ACC]] {bias = array<i32: 10, -20>, clamp_min = 0 : i64, exponent = array<i32: -5, -6>, multiplier = array<i32: 1073741824, -2147483647>, rounding = #mpq.rounding<floor>} : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!mpq.uniform<u4, 2.500000e-01:0>>
  %a = mpq.requantize %acc {multiplier = array<i32: 1073741824, -2147483647>, exponent = array<i32: -5, -6>,
                            bias = array<i32: 10, -20>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>>
  %dw = mpq.qconstant dense<1> : tensor<2x3x3x1xi8> : tensor<2x3x3x1x!mpq.uniform<i2, 0.5:0>>
  // CHECK: mpq.qconv2d {{.*}} {groups = 2 : i64, pads = array<i64: 1, 1, 1, 1>}
  %dacc = mpq.qconv2d %a, %dw {groups = 2, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>>, tensor<2x3x3x1x!mpq.uniform<i2, 0.5:0>>) -> tensor<1x8x8x2xi32>
  // A requantize from one quantized type to another (per tensor).
  // CHECK: mpq.requantize %{{.*}} {exponent = array<i32: 0>, multiplier = array<i32: 1073741824>, rounding = #mpq.rounding<half_up>} : tensor<1x8x8x2x!mpq.uniform<u4, 2.500000e-01:0>> -> tensor<1x8x8x2x!mpq.uniform<u4, 5.000000e-01:0>>
  %a2 = mpq.requantize %a {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<half_up>}
      : tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>> -> tensor<1x8x8x2x!mpq.uniform<u4, 0.5:0>>
  %d = mpq.requantize %dacc {multiplier = array<i32: 1073741824>, exponent = array<i32: 1>, rounding = #mpq.rounding<floor>}
     : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!mpq.uniform<u4, 0.5:0>>
  // CHECK: mpq.qadd {{.*}} {lhs_exponent = 0 : i32, lhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_to_even>}
  %sum = mpq.qadd %d, %a2 {lhs_multiplier = 1073741824 : i32, lhs_exponent = 0 : i32,
                           rhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32,
                           rounding = #mpq.rounding<half_to_even>}
       : (tensor<1x8x8x2x!mpq.uniform<u4, 0.5:0>>, tensor<1x8x8x2x!mpq.uniform<u4, 0.5:0>>) -> tensor<1x8x8x2x!mpq.uniform<u4, 1.0:0>>
  // Max pooling and data movement work on codes directly.
  // CHECK: mpq.max_pool2d {{.*}} : tensor<1x8x8x2x!mpq.uniform<u4, 1.000000e+00:0>> -> tensor<1x4x4x2x!mpq.uniform<u4, 1.000000e+00:0>>
  %mp = mpq.max_pool2d %sum {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x8x8x2x!mpq.uniform<u4, 1.0:0>> -> tensor<1x4x4x2x!mpq.uniform<u4, 1.0:0>>
  // CHECK: mpq.qavg_pool2d {{.*}} {exponent = -3 : i32, kernel = array<i64: 4, 4>, multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_to_even>}
  %gap = mpq.qavg_pool2d %mp {kernel = array<i64: 4, 4>, multiplier = 1073741824 : i32, exponent = -3 : i32,
                              rounding = #mpq.rounding<half_to_even>}
       : tensor<1x4x4x2x!mpq.uniform<u4, 1.0:0>> -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:0>>
  // CHECK: mpq.concat {{.*}} : (tensor<1x1x1x2x!mpq.uniform<u4, 1.000000e+00:0>>, tensor<1x1x1x2x!mpq.uniform<u4, 1.000000e+00:0>>) -> tensor<1x1x1x4x!mpq.uniform<u4, 1.000000e+00:0>>
  %cat = mpq.concat %gap, %gap {axis = 3} : (tensor<1x1x1x2x!mpq.uniform<u4, 1.0:0>>, tensor<1x1x1x2x!mpq.uniform<u4, 1.0:0>>) -> tensor<1x1x1x4x!mpq.uniform<u4, 1.0:0>>
  // CHECK: mpq.pad {{.*}} {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 1>, value = 3.000000e+00 : f64}
  %pad = mpq.pad %cat {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 1>, value = 3.0}
       : tensor<1x1x1x4x!mpq.uniform<u4, 1.0:0>> -> tensor<1x1x1x5x!mpq.uniform<u4, 1.0:0>>
  %flat = mpq.reshape %pad : tensor<1x1x1x5x!mpq.uniform<u4, 1.0:0>> -> tensor<1x5x!mpq.uniform<u4, 1.0:0>>
  %fw = mpq.qconstant dense<3> : tensor<10x5xi8> : tensor<10x5x!mpq.uniform<u8, 0.1:128>>
  // CHECK: mpq.qfully_connected {{.*}} -> tensor<1x10xi32>
  %facc = mpq.qfully_connected %flat, %fw
        : (tensor<1x5x!mpq.uniform<u4, 1.0:0>>, tensor<10x5x!mpq.uniform<u8, 0.1:128>>) -> tensor<1x10xi32>
  // The last layer has no ReLU: signed 8-bit logits with their own zero point.
  %logits = mpq.requantize %facc {multiplier = array<i32: 1500000000>, exponent = array<i32: -2>, bias = array<i32: 7>,
                                  rounding = #mpq.rounding<half_away_from_zero>}
          : tensor<1x10xi32> -> tensor<1x10x!mpq.uniform<i8, 0.2:-5>>
  // CHECK: mpq.dequantize %{{.*}} : tensor<1x10x!mpq.uniform<i8, 2.000000e-01:-5>> -> tensor<1x10xf32>
  %out = mpq.dequantize %logits : tensor<1x10x!mpq.uniform<i8, 0.2:-5>> -> tensor<1x10xf32>
  return %out : tensor<1x10xf32>
}

// An accumulator kept as an output (ONNX ConvInteger/MatMulInteger): a
// requantize by exactly 1 to a 32-bit !mpq.uniform, then the boundary.
// CHECK-LABEL: func.func @wide_output
func.func @wide_output(%acc: tensor<2x3xi32>) -> tensor<2x3xf32> {
  // CHECK: mpq.requantize %{{.*}} {exponent = array<i32: 1>, multiplier = array<i32: 1073741824>, rounding = #mpq.rounding<half_to_even>} : tensor<2x3xi32> -> tensor<2x3x!mpq.uniform<i32, 1.000000e+00:0>>
  %w = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 1>, rounding = #mpq.rounding<half_to_even>}
     : tensor<2x3xi32> -> tensor<2x3x!mpq.uniform<i32, 1.0:0>>
  // CHECK: mpq.dequantize %{{.*}} : tensor<2x3x!mpq.uniform<i32, 1.000000e+00:0>> -> tensor<2x3xf32>
  %d = mpq.dequantize %w : tensor<2x3x!mpq.uniform<i32, 1.0:0>> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// The element-wise functions (graph level) and the table that replaces them
// (integer level).
// CHECK-LABEL: func.func @elementwise_functions
func.func @elementwise_functions(%x: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  // CHECK: mpq.sigmoid %{{.*}} : tensor<1x2x2x3xf32>
  %0 = mpq.sigmoid %x : tensor<1x2x2x3xf32>
  // CHECK: mpq.tanh %{{.*}} : tensor<1x2x2x3xf32>
  %1 = mpq.tanh %0 : tensor<1x2x2x3xf32>
  // CHECK: mpq.hard_sigmoid %{{.*}} {alpha = 1.250000e-01 : f32, beta = 2.500000e-01 : f32} : tensor<1x2x2x3xf32>
  %2 = mpq.hard_sigmoid %1 {alpha = 0.125 : f32, beta = 0.25 : f32} : tensor<1x2x2x3xf32>
  // CHECK: mpq.hard_sigmoid %{{.*}} : tensor<1x2x2x3xf32>
  %3 = mpq.hard_sigmoid %2 : tensor<1x2x2x3xf32>
  // CHECK: mpq.hard_swish %{{.*}} : tensor<1x2x2x3xf32>
  %4 = mpq.hard_swish %3 : tensor<1x2x2x3xf32>
  // CHECK: mpq.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32} : tensor<1x2x2x3xf32>
  %5 = mpq.leaky_relu %4 {alpha = 0.1 : f32} : tensor<1x2x2x3xf32>
  return %5 : tensor<1x2x2x3xf32>
}

// CHECK-LABEL: func.func @table
func.func @table(%x: tensor<1x2x2x3x!mpq.uniform<i2, 4.0:0>>) -> tensor<1x2x2x3x!mpq.uniform<u4, 0.0625:0>> {
  // CHECK: mpq.table %{{.*}} {table = array<i32: 0, 0, 1, 2>} : tensor<1x2x2x3x!mpq.uniform<i2, 4.000000e+00:0>> -> tensor<1x2x2x3x!mpq.uniform<u2, 3.330000e-01:0>>
  %y = mpq.table %x {table = array<i32: 0, 0, 1, 2>}
     : tensor<1x2x2x3x!mpq.uniform<i2, 4.0:0>> -> tensor<1x2x2x3x!mpq.uniform<u2, 0.333:0>>
  // CHECK: mpq.table %{{.*}} {table = array<i32: 0, 1, 2, 3>} : tensor<1x2x2x3x!mpq.uniform<u2, 3.330000e-01:0>> -> tensor<1x2x2x3x!mpq.uniform<u4, 6.250000e-02:0>>
  %z = mpq.table %y {table = array<i32: 0, 1, 2, 3>}
     : tensor<1x2x2x3x!mpq.uniform<u2, 0.333:0>> -> tensor<1x2x2x3x!mpq.uniform<u4, 0.0625:0>>
  return %z : tensor<1x2x2x3x!mpq.uniform<u4, 0.0625:0>>
}

// One table per slice along an axis (an add or mul by per-channel constants):
// two 2-bit tables along axis 1.
// CHECK-LABEL: func.func @table_per_slice
func.func @table_per_slice(%x: tensor<1x2x3x!mpq.uniform<u2, 1.0:0>>) -> tensor<1x2x3x!mpq.uniform<u2, 1.0:0>> {
  // CHECK: mpq.table %{{.*}} {axis = 1 : i64, table = array<i32: 0, 1, 2, 3, 3, 2, 1, 0>}
  %y = mpq.table %x {axis = 1, table = array<i32: 0, 1, 2, 3, 3, 2, 1, 0>}
     : tensor<1x2x3x!mpq.uniform<u2, 1.0:0>> -> tensor<1x2x3x!mpq.uniform<u2, 1.0:0>>
  return %y : tensor<1x2x3x!mpq.uniform<u2, 1.0:0>>
}

// CHECK-LABEL: func.func @slice_resize
func.func @slice_resize(%x: tensor<1x4x4x8x!mpq.uniform<u2, 0.5:0>>) -> tensor<1x8x4x3x!mpq.uniform<u2, 0.5:0>> {
  // CHECK: mpq.slice %{{.*}} {offsets = array<i64: 0, 0, 3, 1>, strides = array<i64: 1, 1, -2, 3>} : tensor<1x4x4x8x!mpq.uniform<u2, 5.000000e-01:0>> -> tensor<1x4x2x3x!mpq.uniform<u2, 5.000000e-01:0>>
  %s = mpq.slice %x {offsets = array<i64: 0, 0, 3, 1>, strides = array<i64: 1, 1, -2, 3>}
     : tensor<1x4x4x8x!mpq.uniform<u2, 0.5:0>> -> tensor<1x4x2x3x!mpq.uniform<u2, 0.5:0>>
  // CHECK: mpq.resize_nearest %{{.*}} {factors = array<i64: 1, 2, 2, 1>} : tensor<1x4x2x3x!mpq.uniform<u2, 5.000000e-01:0>> -> tensor<1x8x4x3x!mpq.uniform<u2, 5.000000e-01:0>>
  %r = mpq.resize_nearest %s {factors = array<i64: 1, 2, 2, 1>}
     : tensor<1x4x2x3x!mpq.uniform<u2, 0.5:0>> -> tensor<1x8x4x3x!mpq.uniform<u2, 0.5:0>>
  return %r : tensor<1x8x4x3x!mpq.uniform<u2, 0.5:0>>
}

// CHECK-LABEL: func.func @qmul
func.func @qmul(%a: tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>, %b: tensor<1x1x1x8x!mpq.uniform<u2, 0.25:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.1:0>> {
  // CHECK: mpq.qmul %{{.*}}, %{{.*}} {clamp_max = 200 : i64, exponent = 0 : i32, multiplier = 1342177280 : i32, rounding = #mpq.rounding<half_to_even>} : (tensor<1x4x4x8x!mpq.uniform<i4, 5.000000e-01:-8>>, tensor<1x1x1x8x!mpq.uniform<u2, 2.500000e-01:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 1.000000e-01:0>>
  %y = mpq.qmul %a, %b {multiplier = 1342177280 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_to_even>, clamp_max = 200 : i64}
     : (tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>, tensor<1x1x1x8x!mpq.uniform<u2, 0.25:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.1:0>>
  return %y : tensor<1x4x4x8x!mpq.uniform<u8, 0.1:0>>
}

// CHECK-LABEL: func.func @row_norms
func.func @row_norms(%x: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>,
                     %q: tensor<2x4x!mpq.uniform<u2, 0.5:0>>) -> (tensor<2x4xf32>, tensor<2x4x!mpq.uniform<u8, 0.00390625:0>>, tensor<2x4x!mpq.uniform<i8, 0.05:0>>) {
  // CHECK: mpq.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %n = mpq.layer_norm %x, %g, %b {epsilon = 1.0e-3 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  // CHECK: mpq.qsoftmax %{{.*}} {exp_table = array<i32: 16384, 9937, 6027, 3656>, exponent = 9 : i32, multiplier = 1073741824 : i32} : tensor<2x4x!mpq.uniform<u2, 5.000000e-01:0>> -> tensor<2x4x!mpq.uniform<u8, 3.906250e-03:0>>
  %s = mpq.qsoftmax %q {exp_table = array<i32: 16384, 9937, 6027, 3656>, multiplier = 1073741824 : i32, exponent = 9 : i32}
     : tensor<2x4x!mpq.uniform<u2, 0.5:0>> -> tensor<2x4x!mpq.uniform<u8, 0.00390625:0>>
  // CHECK: mpq.qlayer_norm %{{.*}} {bias = array<i32: 0, 1, -1, 4>, clamp_min = 0 : i64, eps_term = 12 : i64, exponent = -3 : i32, multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_up>, scale = array<i32: 2047, 100, -5, 1>, shift = 12 : i32}
  %l = mpq.qlayer_norm %q {scale = array<i32: 2047, 100, -5, 1>, bias = array<i32: 0, 1, -1, 4>, eps_term = 12 : i64, shift = 12 : i32, multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_up>, clamp_min = 0 : i64}
     : tensor<2x4x!mpq.uniform<u2, 0.5:0>> -> tensor<2x4x!mpq.uniform<i8, 0.05:0>>
  return %n, %s, %l : tensor<2x4xf32>, tensor<2x4x!mpq.uniform<u8, 0.00390625:0>>, tensor<2x4x!mpq.uniform<i8, 0.05:0>>
}

// CHECK-LABEL: func.func @resize_linear
func.func @resize_linear(%x: tensor<1x4x4x8xf32>, %q: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>) -> (tensor<1x8x8x8xf32>, tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>) {
  // CHECK: mpq.resize_linear %{{.*}} {coordinate_mode = "align_corners"} : tensor<1x4x4x8xf32> -> tensor<1x8x8x8xf32>
  %0 = mpq.resize_linear %x {coordinate_mode = "align_corners"} : tensor<1x4x4x8xf32> -> tensor<1x8x8x8xf32>
  // CHECK: mpq.qresize_linear %{{.*}} {exponent = -3 : i32, h_denominator = 4 : i32, h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 0>, multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_to_even>, w_denominator = 4 : i32, w_index = array<i32: 0, 0, 0, 1>, w_weight = array<i32: 0, 1, 3, 0>}
  %1 = mpq.qresize_linear %q {h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 0>, h_denominator = 4 : i32, w_index = array<i32: 0, 0, 0, 1>, w_weight = array<i32: 0, 1, 3, 0>, w_denominator = 4 : i32, multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
  return %0, %1 : tensor<1x8x8x8xf32>, tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
}

// CHECK-LABEL: func.func @extremum_prelu
func.func @extremum_prelu(%a: tensor<1x4x4x8xf32>, %b: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  // CHECK: %[[MAX:.*]] = mpq.max %{{.*}}, %{{.*}} : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  %0 = mpq.max %a, %b : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  // CHECK: %[[MIN:.*]] = mpq.min %[[MAX]], %{{.*}} : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  %1 = mpq.min %0, %b : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  %k = arith.constant dense<[[[[0.1, -0.2, 0.3, 0.0, 1.0, 0.5, 0.25, 0.125]]]]> : tensor<1x1x1x8xf32>
  // CHECK: mpq.prelu %[[MIN]], %{{.*}} : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  %2 = mpq.prelu %1, %k : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
  return %2 : tensor<1x4x4x8xf32>
}

// CHECK-LABEL: func.func @qextremum
func.func @qextremum(%a: tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>, %b: tensor<1x1x1x8x!mpq.uniform<i4, 0.5:-8>>) -> tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>> {
  // CHECK: %[[Y:.*]] = mpq.qmax %{{.*}}, %{{.*}} {clamp_min = -8 : i64} : (tensor<1x4x4x8x!mpq.uniform<i4, 5.000000e-01:-8>>, tensor<1x1x1x8x!mpq.uniform<i4, 5.000000e-01:-8>>) -> tensor<1x4x4x8x!mpq.uniform<i4, 5.000000e-01:-8>>
  %y = mpq.qmax %a, %b {clamp_min = -8 : i64} : (tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>, tensor<1x1x1x8x!mpq.uniform<i4, 0.5:-8>>) -> tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>
  // CHECK: mpq.qmin %[[Y]], %{{.*}} : (tensor<1x4x4x8x!mpq.uniform<i4, 5.000000e-01:-8>>, tensor<1x1x1x8x!mpq.uniform<i4, 5.000000e-01:-8>>) -> tensor<1x4x4x8x!mpq.uniform<i4, 5.000000e-01:-8>>
  %z = mpq.qmin %y, %b : (tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>, tensor<1x1x1x8x!mpq.uniform<i4, 0.5:-8>>) -> tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>
  return %z : tensor<1x4x4x8x!mpq.uniform<i4, 0.5:-8>>
}
