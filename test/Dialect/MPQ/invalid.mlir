// RUN: mpq-opt %s -split-input-file -verify-diagnostics

// One case per op verifier message.

func.func @conv_rank(%x: tensor<8x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{expected NHWC input of rank 4, got 'tensor<8x8x3xf32>'}}
  %0 = mpq.conv2d %x, %w : (tensor<8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_dynamic(%x: tensor<1x?x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{NHWC input must have a static shape}}
  %0 = mpq.conv2d %x, %w : (tensor<1x?x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_strides(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{expected 2 values in 'strides', got 3}}
  %0 = mpq.conv2d %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_zero_stride(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{kernel, strides and dilations must be positive}}
  %0 = mpq.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_negative_pad(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{pads must be non-negative}}
  %0 = mpq.conv2d %x, %w {pads = array<i64: -1, 0, 0, 0>} : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_window(%x: tensor<1x2x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{window of extent 3 does not fit the padded height 2}}
  %0 = mpq.conv2d %x, %w : (tensor<1x2x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x1x6x4xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x1xf32>) {
  // expected-error @+1 {{groups = 2 must divide the input channels (3) and the output channels (4)}}
  %0 = mpq.conv2d %x, %w {groups = 2} : (tensor<1x8x8x3xf32>, tensor<4x3x3x1xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x2xf32>) {
  // expected-error @+1 {{weight has 2 input channels per group, expected 3}}
  %0 = mpq.conv2d %x, %w : (tensor<1x8x8x3xf32>, tensor<4x3x3x2xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>) {
  // (8 + 0 - 3) / 2 + 1 = 3
  // expected-error @+1 {{expected result shape [1, 3, 3, 4], got 'tensor<1x4x4x4xf32>'}}
  %0 = mpq.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{bias must be a vector of 4 elements, got 'tensor<3xf32>'}}
  %0 = mpq.conv2d %x, %w, %b : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @fc_features(%x: tensor<1x4xf32>, %w: tensor<10x5xf32>) {
  // expected-error @+1 {{weight has 5 input features, expected 4}}
  %0 = mpq.fully_connected %x, %w : (tensor<1x4xf32>, tensor<10x5xf32>) -> tensor<1x10xf32>
  return
}

// -----

func.func @matmul(%a: tensor<2x4xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+1 {{contracting dimensions differ: 4 vs 5}}
  %0 = mpq.matmul %a, %b : (tensor<2x4xf32>, tensor<5x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @bn_params(%x: tensor<1x4x4x8xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{parameters must be vectors of 8 elements (the size of axis 3), got 'tensor<4xf32>'}}
  %0 = mpq.batch_norm %x, %p, %p, %p, %p : (tensor<1x4x4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @bn_epsilon(%x: tensor<1x4x4x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be non-negative}}
  %0 = mpq.batch_norm %x, %p, %p, %p, %p {epsilon = -1.0 : f32} : (tensor<1x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @bn_axis(%x: tensor<1x4x4x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{axis 4 is out of range for rank 4}}
  %0 = mpq.batch_norm %x, %p, %p, %p, %p {axis = 4} : (tensor<1x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<1x4x4x8xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{operands 'tensor<1x4x4x8xf32>' and 'tensor<3xf32>' do not broadcast}}
  %0 = mpq.add %a, %b : (tensor<1x4x4x8xf32>, tensor<3xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @gap(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{expected result shape [1, 1, 1, 8], got 'tensor<1x8xf32>'}}
  %0 = mpq.global_avg_pool %x : tensor<1x4x4x8xf32> -> tensor<1x8xf32>
  return
}

// -----

func.func @clip(%x: tensor<4xf32>) {
  // expected-error @+1 {{min 6 is greater than max 0}}
  %0 = mpq.clip %x {min = 6.0 : f32, max = 0.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{quant must be an !mpq.uniform or !mpq.bits type, got 'i8'}}
  %0 = mpq.fake_quant %x to i8 {rounding = #mpq.rounding<floor>} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_wide(%x: tensor<4xf32>) {
  // expected-error @+1 {{fake-quantization to 16 bits: stored tensors have 1..8 bits, a bias 32}}
  %0 = mpq.fake_quant %x to !mpq.bits<i16> {rounding = #mpq.rounding<floor>} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_per_layer_grid(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{per_layer asks calibration for one grid; it needs an !mpq.bits type and no learned range}}
  %0 = mpq.fake_quant %w to !mpq.uniform<i8, 0.5:0> {per_layer, rounding = #mpq.rounding<half_to_even>} : tensor<4x2xf32>
  return
}

// -----

func.func @fake_quant_per_layer_range(%w: tensor<4x2xf32>) {
  // expected-error @+1 {{per_layer asks calibration for one grid; it needs an !mpq.bits type and no learned range}}
  %0 = mpq.fake_quant %w to !mpq.bits<i8> {per_layer, min = -1.0, max = 1.0, rounding = #mpq.rounding<half_to_even>} : tensor<4x2xf32>
  return
}

// -----

func.func @fake_quant_clips_no_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{clips need the observed range min/max}}
  %0 = mpq.fake_quant %x to !mpq.bits<u8> {clips = array<f64: 0.0, 1.0>, rounding = #mpq.rounding<floor>} : tensor<4xf32>
  return
}

// -----

// 16 values (one estimator's range per width) or 48 (auto's three).
func.func @fake_quant_clips_size(%x: tensor<4xf32>) {
  // expected-error @+1 {{clips hold a range for each width 1..8 (16 values), or one per width for each of three estimators (48), got 2}}
  %0 = mpq.fake_quant %x to !mpq.bits<u8> {clips = array<f64: 0.0, 1.0>, min = 0.0, max = 1.0, rounding = #mpq.rounding<floor>} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_unsigned_bias(%b: tensor<4xf32>) {
  // expected-error @+1 {{fake-quantization to 32 bits is for an int32 bias, which is signed}}
  %0 = mpq.fake_quant %b to !mpq.uniform<u32, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_narrow(%x: tensor<4xf32>) {
  // expected-error @+1 {{a narrow range needs a signed type}}
  %0 = mpq.fake_quant %x to !mpq.bits<u4> {rounding = #mpq.rounding<floor>, narrow} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_half_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{a learned range needs both min and max}}
  %0 = mpq.fake_quant %x to !mpq.bits<u4> {rounding = #mpq.rounding<floor>, max = 6.0} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_conflict(%x: tensor<4xf32>) {
  // expected-error @+1 {{min/max conflict with the scale and zero point of an !mpq.uniform type}}
  %0 = mpq.fake_quant %x to !mpq.uniform<u4, 0.5:0> {rounding = #mpq.rounding<floor>, min = 0.0, max = 6.0} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_empty_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{learned range [6, 0] is empty}}
  %0 = mpq.fake_quant %x to !mpq.bits<u4> {rounding = #mpq.rounding<floor>, min = 6.0, max = 0.0} : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_axis_size(%w: tensor<3x4xf32>) {
  // expected-error @+1 {{quant: 2 per-axis scales do not match size 3 of axis 0}}
  %0 = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.5:0, 0.5:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<3x4xf32>
  return
}

// -----

func.func @fake_quant_axis_range(%w: tensor<3x4xf32>) {
  // expected-error @+1 {{quant: quantization axis 2 is out of range for a tensor of rank 2}}
  %0 = mpq.fake_quant %w to !mpq.uniform<i4:2, {0.5:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<3x4xf32>
  return
}

// -----

func.func @per_axis_result(%x: tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>>) {
  // expected-error @+1 {{result #0: 2 per-axis scales do not match size 4 of axis 0}}
  %0 = mpq.reshape %x : tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>> -> tensor<4x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>>
  return
}

// -----

func.func @reshape_count(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{cannot reshape 16 elements into 12}}
  %0 = mpq.reshape %x : tensor<4x4xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @reshape_per_axis(%x: tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>>) {
  // expected-error @+1 {{cannot reshape a per-axis quantized tensor}}
  %0 = mpq.reshape %x : tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>> -> tensor<2x1x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>>
  return
}

// -----

func.func @reshape_element(%x: tensor<4xf32>) {
  // expected-error @+1 {{element types differ: 'f32' vs '!mpq.uniform<u8, 5.000000e-01:0>'}}
  %0 = mpq.reshape %x : tensor<4xf32> -> tensor<4x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @transpose_perm(%x: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{perm is not a permutation of [0, 4)}}
  %0 = mpq.transpose %x {perm = array<i64: 0, 1, 1, 3>} : tensor<1x2x3x4xf32> -> tensor<1x2x2x4xf32>
  return
}

// -----

func.func @transpose_size(%x: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{expected 4 values in 'perm', got 2}}
  %0 = mpq.transpose %x {perm = array<i64: 0, 1>} : tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>
  return
}

// -----

func.func @transpose_per_axis(%x: tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>>) {
  // Sizes still match, but channel i's scale would now apply to column i.
  // expected-error @+1 {{moves quantization axis 0 of a per-axis tensor}}
  %0 = mpq.transpose %x {perm = array<i64: 1, 0>} : tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>> -> tensor<2x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0}>>
  return
}

// -----

func.func @pad_negative(%x: tensor<4xf32>) {
  // expected-error @+1 {{pads must be non-negative}}
  %0 = mpq.pad %x {pads = array<i64: -1, 1>} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @pad_code(%x: tensor<4x!mpq.uniform<u4, 0.5:0>>) {
  // expected-error @+1 {{padding value 16 is not a code of '!mpq.uniform<u4, 5.000000e-01:0>'}}
  %0 = mpq.pad %x {pads = array<i64: 1, 1>, value = 16.0} : tensor<4x!mpq.uniform<u4, 0.5:0>> -> tensor<6x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{needs at least one input}}
  %0 = mpq.concat {axis = 0} : () -> tensor<4xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x2xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{inputs must all have rank 2}}
  %0 = mpq.concat %a, %b {axis = 0} : (tensor<2x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @concat_sizes(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{input sizes differ along dimension 1, which is not the concatenation axis}}
  %0 = mpq.concat %a, %b {axis = 0} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @max_pool_shape(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{expected result shape [1, 2, 2, 8], got 'tensor<1x2x2x4xf32>'}}
  %0 = mpq.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x8xf32> -> tensor<1x2x2x4xf32>
  return
}

// -----

func.func @qconstant_shape() {
  // expected-error @+1 {{value shape differs from the result shape}}
  %0 = mpq.qconstant dense<1> : tensor<3xi8> : tensor<4x!mpq.uniform<i4, 0.5:0>>
  return
}

// -----

func.func @qconstant_float() {
  // expected-error @+1 {{value must hold integer codes, got 'f32'}}
  %0 = mpq.qconstant dense<1.0> : tensor<4xf32> : tensor<4x!mpq.uniform<i4, 0.5:0>>
  return
}

// -----

func.func @qconstant_range() {
  // i4 codes span [-8, 7].
  // expected-error @+1 {{code 8 is outside the range [-8, 7] of the result element type}}
  %0 = mpq.qconstant dense<[1, 8]> : tensor<2xi8> : tensor<2x!mpq.uniform<i4, 0.5:0>>
  return
}

// -----

func.func @qconv_input_per_axis(%x: tensor<1x4x4x2x!mpq.uniform<u8:3, {0.5:0, 0.5:0}>>, %w: tensor<2x1x1x2x!mpq.uniform<i8, 0.5:0>>) {
  // expected-error @+1 {{input must be quantized per tensor}}
  %0 = mpq.qconv2d %x, %w : (tensor<1x4x4x2x!mpq.uniform<u8:3, {0.5:0, 0.5:0}>>, tensor<2x1x1x2x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x4x4x2xi32>
  return
}

// -----

func.func @qconv_weight_axis(%x: tensor<1x4x4x2x!mpq.uniform<u8, 0.5:0>>, %w: tensor<2x1x1x2x!mpq.uniform<i8:3, {0.5:0, 0.5:0}>>) {
  // expected-error @+1 {{weight must be quantized per tensor or per output channel (axis 0), got axis 3}}
  %0 = mpq.qconv2d %x, %w : (tensor<1x4x4x2x!mpq.uniform<u8, 0.5:0>>, tensor<2x1x1x2x!mpq.uniform<i8:3, {0.5:0, 0.5:0}>>) -> tensor<1x4x4x2xi32>
  return
}

// -----

func.func @qconv_float(%x: tensor<1x4x4x2xf32>, %w: tensor<2x1x1x2x!mpq.uniform<i8, 0.5:0>>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of stored (1..8-bit) !mpq.uniform values}}
  %0 = mpq.qconv2d %x, %w : (tensor<1x4x4x2xf32>, tensor<2x1x1x2x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x4x4x2xi32>
  return
}

// -----

func.func @per_axis_operand(%w: tensor<2x1x1x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0, 0.5:0}>>, %x: tensor<1x4x4x2x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{operand #1: 3 per-axis scales do not match size 2 of axis 0}}
  %0 = mpq.qconv2d %x, %w : (tensor<1x4x4x2x!mpq.uniform<u8, 0.5:0>>, tensor<2x1x1x2x!mpq.uniform<i8:0, {0.5:0, 0.5:0, 0.5:0}>>) -> tensor<1x4x4x2xi32>
  return
}

// -----

func.func @requantize_length(%acc: tensor<1x4x4x4xi32>) {
  // expected-error @+1 {{'multiplier' has 3 entries; expected 1 or 4 (one per channel)}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824, 1073741824, 1073741824>, exponent = array<i32: 0, 0, 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @requantize_exponent_length(%acc: tensor<1x4x4x4xi32>) {
  // expected-error @+1 {{'exponent' has 2 entries, 'multiplier' 1}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0, 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @requantize_bias_length(%acc: tensor<1x4x4x4xi32>) {
  // expected-error @+1 {{'bias' has 2 entries; expected 1 or 4 (one per channel)}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, bias = array<i32: 1, 2>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @requantize_normalized(%acc: tensor<4xi32>) {
  // 2^30 - 1 is below the normalized range [2^30, 2^31).
  // expected-error @+1 {{multiplier 1073741823 is not a normalized Q1.31 value (|M0| in [2^30, 2^31) or 0)}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741823>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<4xi32> -> tensor<4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @requantize_exponent(%acc: tensor<4xi32>) {
  // expected-error @+1 {{multiplier exponent 40 is outside [-32, 31]}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 40>, rounding = #mpq.rounding<floor>}
     : tensor<4xi32> -> tensor<4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @requantize_clamp(%acc: tensor<4xi32>) {
  // expected-error @+1 {{clamp [0, 16] must be a non-empty part of the storage range [0, 15]}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_max = 16}
     : tensor<4xi32> -> tensor<4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @requantize_result_per_axis(%acc: tensor<2xi32>) {
  // expected-error @+1 {{result must be quantized per tensor}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<2xi32> -> tensor<2x!mpq.uniform<u4:0, {0.5:0, 0.5:0}>>
  return
}

// -----

func.func @requantize_shape(%acc: tensor<4xi32>) {
  // expected-error @+1 {{input and result shapes differ: 'tensor<4xi32>' vs 'tensor<5x!mpq.uniform<u4, 5.000000e-01:0>>'}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<4xi32> -> tensor<5x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @qadd_multiplier(%a: tensor<4x!mpq.uniform<u4, 0.5:0>>) {
  // expected-error @+1 {{rhs_multiplier 5 is not a normalized Q1.31 value}}
  %0 = mpq.qadd %a, %a {lhs_multiplier = 1073741824 : i32, lhs_exponent = 0 : i32, rhs_multiplier = 5 : i32, rhs_exponent = 0 : i32, rounding = #mpq.rounding<floor>}
     : (tensor<4x!mpq.uniform<u4, 0.5:0>>, tensor<4x!mpq.uniform<u4, 0.5:0>>) -> tensor<4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @qavg_pool_multiplier(%x: tensor<1x2x2x4x!mpq.uniform<u4, 0.5:0>>) {
  // expected-error @+1 {{multiplier exponent -40 is outside [-32, 31]}}
  %0 = mpq.qavg_pool2d %x {kernel = array<i64: 2, 2>, multiplier = 1073741824 : i32, exponent = -40 : i32, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x4x!mpq.uniform<u4, 0.5:0>> -> tensor<1x1x1x4x!mpq.uniform<u4, 0.5:0>>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{input and result shapes differ}}
  %0 = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32> -> tensor<2x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @softmax_axis(%x: tensor<1x10xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = mpq.softmax %x {axis = -3} : tensor<1x10xf32>
  return
}

// -----

func.func @requantize_to_float(%acc: tensor<2xi32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of stored (1..8-bit) or 32-bit !mpq.uniform values}}
  %0 = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 1>, rounding = #mpq.rounding<floor>} : tensor<2xi32> -> tensor<2xf32>
  return
}

// -----

func.func @leaky_relu_alpha(%x: tensor<4xf32>) {
  // expected-error @+1 {{alpha must be finite, got inf}}
  %0 = mpq.leaky_relu %x {alpha = 0x7F800000 : f32} : tensor<4xf32>
  return
}

// -----

func.func @hard_sigmoid_beta(%x: tensor<4xf32>) {
  // expected-error @+1 {{beta must be finite, got nan}}
  %0 = mpq.hard_sigmoid %x {beta = 0x7FC00000 : f32} : tensor<4xf32>
  return
}

// -----

func.func @table_size(%x: tensor<4x!mpq.uniform<i2, 1.0:0>>) {
  // expected-error @+1 {{table has 3 entries; expected 4, one per code of the 2-bit input, or 16 (a table per slice along the axis)}}
  %0 = mpq.table %x {table = array<i32: 0, 1, 2>} : tensor<4x!mpq.uniform<i2, 1.0:0>> -> tensor<4x!mpq.uniform<u4, 1.0:0>>
  return
}

// -----

func.func @table_entry(%x: tensor<4x!mpq.uniform<i2, 1.0:0>>) {
  // expected-error @+1 {{entry 2 (16) is outside the result's storage range [0, 15]}}
  %0 = mpq.table %x {table = array<i32: 0, 1, 16, 2>} : tensor<4x!mpq.uniform<i2, 1.0:0>> -> tensor<4x!mpq.uniform<u4, 1.0:0>>
  return
}

// -----

func.func @table_shape(%x: tensor<4x!mpq.uniform<i2, 1.0:0>>) {
  // expected-error @+1 {{input and result shapes differ}}
  %0 = mpq.table %x {table = array<i32: 0, 1, 2, 3>} : tensor<4x!mpq.uniform<i2, 1.0:0>> -> tensor<2x!mpq.uniform<u4, 1.0:0>>
  return
}

// -----

func.func @table_per_axis(%x: tensor<2x!mpq.uniform<i2:0, {1.0:0, 2.0:0}>>) {
  // expected-error @+1 {{input must be quantized per tensor}}
  %0 = mpq.table %x {table = array<i32: 0, 1, 2, 3>} : tensor<2x!mpq.uniform<i2:0, {1.0:0, 2.0:0}>> -> tensor<2x!mpq.uniform<u4, 1.0:0>>
  return
}

// -----

func.func @table_axis(%x: tensor<2x4x!mpq.uniform<i2, 1.0:0>>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mpq.table %x {table = array<i32: 0, 1, 2, 3>, axis = 2} : tensor<2x4x!mpq.uniform<i2, 1.0:0>> -> tensor<2x4x!mpq.uniform<u4, 1.0:0>>
  return
}

// -----

func.func @table_scalar_axis(%x: tensor<!mpq.uniform<i2, 1.0:0>>) {
  // expected-error @+1 {{a scalar has no axis 0}}
  %0 = mpq.table %x {table = array<i32: 0, 1, 2, 3>, axis = 0} : tensor<!mpq.uniform<i2, 1.0:0>> -> tensor<!mpq.uniform<u4, 1.0:0>>
  return
}

// -----

func.func @slice_stride_zero(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{stride 0 on dimension 3}}
  %0 = mpq.slice %x {offsets = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1, 1, 0>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x2xf32>
  return
}

// -----

func.func @slice_outside(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{dimension 3 reads indices 2 + i * 3 for i < 3, outside the input's 8}}
  %0 = mpq.slice %x {offsets = array<i64: 0, 0, 0, 2>, strides = array<i64: 1, 1, 1, 3>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x3xf32>
  return
}

// -----

func.func @slice_backwards_outside(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{dimension 2 reads indices 1 + i * -1 for i < 3, outside the input's 4}}
  %0 = mpq.slice %x {offsets = array<i64: 0, 0, 1, 0>, strides = array<i64: 1, 1, -1, 1>} : tensor<1x4x4x8xf32> -> tensor<1x4x3x8xf32>
  return
}

// -----

func.func @slice_sizes(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{expected 4 values in 'strides', got 3}}
  %0 = mpq.slice %x {offsets = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @slice_grid(%x: tensor<1x4x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{element types differ: '!mpq.uniform<u8, 5.000000e-01:0>' vs '!mpq.uniform<u8, 2.500000e-01:0>'}}
  %0 = mpq.slice %x {offsets = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x!mpq.uniform<u8, 0.25:0>>
  return
}

// -----

func.func @resize_shape(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{expected result shape [1, 8, 8, 8], got 'tensor<1x8x4x8xf32>'}}
  %0 = mpq.resize_nearest %x {factors = array<i64: 1, 2, 2, 1>} : tensor<1x4x4x8xf32> -> tensor<1x8x4x8xf32>
  return
}

// -----

func.func @resize_factor(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{factor 0 on dimension 1 is not an integer in [1, 65536]}}
  %0 = mpq.resize_nearest %x {factors = array<i64: 1, 0, 2, 1>} : tensor<1x4x4x8xf32> -> tensor<1x0x8x8xf32>
  return
}

// -----

func.func @qmul_rank(%a: tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, %b: tensor<8x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{operands must have one rank, got 'tensor<1x4x4x8x!mpq.uniform<u8, 5.000000e-01:0>>' and 'tensor<8x!mpq.uniform<u8, 5.000000e-01:0>>'}}
  %0 = mpq.qmul %a, %b {multiplier = 1073741824 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_to_even>} : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<8x!mpq.uniform<u8, 0.5:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @qmul_broadcast(%a: tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, %b: tensor<1x1x1x4x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{do not broadcast}}
  %0 = mpq.qmul %a, %b {multiplier = 1073741824 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_to_even>} : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<1x1x1x4x!mpq.uniform<u8, 0.5:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @qmul_multiplier(%a: tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, %b: tensor<1x1x1x8x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{multiplier 12345 is not a normalized Q1.31 value (|M0| in [2^30, 2^31) or 0)}}
  %0 = mpq.qmul %a, %b {multiplier = 12345 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_to_even>} : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<1x1x1x8x!mpq.uniform<u8, 0.5:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @layer_norm_params(%x: tensor<2x4xf32>, %g: tensor<3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{scale and bias must be vectors of 4 elements (the size of the last axis), got 'tensor<3xf32>'}}
  %0 = mpq.layer_norm %x, %g, %b : (tensor<2x4xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<2x4xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{epsilon must be non-negative}}
  %0 = mpq.layer_norm %x, %g, %g {epsilon = -1.0 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @qsoftmax_table(%x: tensor<1x8x!mpq.uniform<u2, 0.5:0>>) {
  // expected-error @+1 {{exp_table must have one entry per code difference (4), got 3}}
  %0 = mpq.qsoftmax %x {exp_table = array<i32: 16384, 9937, 6027>, multiplier = 1073741824 : i32, exponent = 9 : i32} : tensor<1x8x!mpq.uniform<u2, 0.5:0>> -> tensor<1x8x!mpq.uniform<u8, 0.00390625:0>>
  return
}

// -----

func.func @qsoftmax_entries(%x: tensor<1x8x!mpq.uniform<u2, 0.5:0>>) {
  // expected-error @+1 {{exp_table entries must be in [0, 16384] with a positive first entry}}
  %0 = mpq.qsoftmax %x {exp_table = array<i32: 16385, 9937, 6027, 3656>, multiplier = 1073741824 : i32, exponent = 9 : i32} : tensor<1x8x!mpq.uniform<u2, 0.5:0>> -> tensor<1x8x!mpq.uniform<u8, 0.00390625:0>>
  return
}

// -----

func.func @qsoftmax_exponent(%x: tensor<1x8x!mpq.uniform<u2, 0.5:0>>) {
  // expected-error @+1 {{exponent -1 is outside [0, 31] (an output scale in (2^-31, 2])}}
  %0 = mpq.qsoftmax %x {exp_table = array<i32: 16384, 9937, 6027, 3656>, multiplier = 1073741824 : i32, exponent = -1 : i32} : tensor<1x8x!mpq.uniform<u2, 0.5:0>> -> tensor<1x8x!mpq.uniform<u8, 0.00390625:0>>
  return
}

// -----

func.func @qsoftmax_shape(%x: tensor<1x8x!mpq.uniform<u2, 0.5:0>>) {
  // expected-error @+1 {{input and result shapes differ}}
  %0 = mpq.qsoftmax %x {exp_table = array<i32: 16384, 9937, 6027, 3656>, multiplier = 1073741824 : i32, exponent = 9 : i32} : tensor<1x8x!mpq.uniform<u2, 0.5:0>> -> tensor<1x4x!mpq.uniform<u8, 0.00390625:0>>
  return
}

// -----

func.func @qlayer_norm_params(%x: tensor<1x4x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{scale and bias must have 4 entries (the size of the last axis), got 3 and 4}}
  %0 = mpq.qlayer_norm %x {scale = array<i32: 1, 2, 3>, bias = array<i32: 0, 0, 0, 0>, eps_term = 0 : i64, shift = 12 : i32, multiplier = 1073741824 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_up>} : tensor<1x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x!mpq.uniform<i8, 0.05:0>>
  return
}

// -----

func.func @qlayer_norm_overflow(%x: tensor<1x4x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{scale and bias overflow the int32 accumulator: at shift 16 and 4 features, |scale| 20000 and |bias| 0 can exceed 2^31}}
  %0 = mpq.qlayer_norm %x {scale = array<i32: 20000, 2, 3, 4>, bias = array<i32: 0, 0, 0, 0>, eps_term = 0 : i64, shift = 16 : i32, multiplier = 1073741824 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_up>} : tensor<1x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x!mpq.uniform<i8, 0.05:0>>
  return
}

// -----

func.func @qlayer_norm_eps(%x: tensor<1x4x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{eps_term -1 is outside [0, N * 2^44)}}
  %0 = mpq.qlayer_norm %x {scale = array<i32: 1, 2, 3, 4>, bias = array<i32: 0, 0, 0, 0>, eps_term = -1 : i64, shift = 12 : i32, multiplier = 1073741824 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_up>} : tensor<1x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x!mpq.uniform<i8, 0.05:0>>
  return
}

// -----

func.func @resize_linear_mode(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{coordinate_mode 'tf_crop_and_resize' is not half_pixel, pytorch_half_pixel, asymmetric or align_corners}}
  %0 = mpq.resize_linear %x {coordinate_mode = "tf_crop_and_resize"} : tensor<1x4x4x8xf32> -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @resize_linear_channels(%x: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{resizes the spatial axes only: batch and channels must stay}}
  %0 = mpq.resize_linear %x {coordinate_mode = "half_pixel"} : tensor<1x4x4x8xf32> -> tensor<1x8x8x16xf32>
  return
}

// -----

func.func @qresize_linear_tap(%x: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>) {
  // expected-error @+1 {{h tap 3 (index 1, weight 2/4) is outside the input's 2 elements}}
  %0 = mpq.qresize_linear %x {h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 2>, h_denominator = 4 : i32, w_index = array<i32: 0, 0, 0, 1>, w_weight = array<i32: 0, 1, 3, 0>, w_denominator = 4 : i32, multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
  return
}

// -----

func.func @qresize_linear_sizes(%x: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>) {
  // expected-error @+1 {{w_index and w_weight must have 4 entries (the output's size)}}
  %0 = mpq.qresize_linear %x {h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 0>, h_denominator = 4 : i32, w_index = array<i32: 0, 0, 1>, w_weight = array<i32: 0, 1, 0>, w_denominator = 4 : i32, multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
  return
}

// -----

func.func @qresize_linear_denominator(%x: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>) {
  // expected-error @+1 {{h_denominator * w_denominator must be at most 2^22 (the accumulator is int32)}}
  %0 = mpq.qresize_linear %x {h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 0>, h_denominator = 4096 : i32, w_index = array<i32: 0, 0, 0, 1>, w_weight = array<i32: 0, 1, 3, 0>, w_denominator = 4096 : i32, multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
  return
}

// -----

func.func @qmax_grid(%a: tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, %b: tensor<1x4x4x8x!mpq.uniform<u8, 0.25:0>>) {
  // expected-error @+1 {{operands must be on the result's grid (requantize them first)}}
  %0 = mpq.qmax %a, %b : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<1x4x4x8x!mpq.uniform<u8, 0.25:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @qmin_clamp(%a: tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{clamp [0, 300] must be a non-empty part of the storage range [0, 255]}}
  %0 = mpq.qmin %a, %a {clamp_max = 300 : i64} : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>) -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  return
}

// -----

func.func @max_broadcast(%a: tensor<1x4x4x8xf32>, %b: tensor<1x1x1x4xf32>) {
  // expected-error @+1 {{do not broadcast}}
  %0 = mpq.max %a, %b : (tensor<1x4x4x8xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @prelu_slope(%x: tensor<1x1x1x8xf32>, %k: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{the slope must broadcast to the input's shape}}
  %0 = mpq.prelu %x, %k : (tensor<1x1x1x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @layer_norm_rank(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{input must have at least one axis}}
  %0 = mpq.layer_norm %x, %g, %g : (tensor<f32>, tensor<1xf32>, tensor<1xf32>) -> tensor<f32>
  return
}

// -----

func.func @qsoftmax_row(%x: tensor<1x0x!mpq.uniform<u2, 0.5:0>>) {
  // expected-error @+1 {{rows (the last axis) must have 1 to 65536 elements}}
  %0 = mpq.qsoftmax %x {exp_table = array<i32: 16384, 9937, 6027, 3656>, multiplier = 1073741824 : i32, exponent = 9 : i32} : tensor<1x0x!mpq.uniform<u2, 0.5:0>> -> tensor<1x0x!mpq.uniform<u8, 0.00390625:0>>
  return
}

// -----

func.func @qsoftmax_multiplier(%x: tensor<1x8x!mpq.uniform<u2, 0.5:0>>) {
  // expected-error @+1 {{multiplier 5 is not a normalized Q1.31 value (|M0| in [2^30, 2^31) or 0)}}
  %0 = mpq.qsoftmax %x {exp_table = array<i32: 16384, 9937, 6027, 3656>, multiplier = 5 : i32, exponent = 9 : i32} : tensor<1x8x!mpq.uniform<u2, 0.5:0>> -> tensor<1x8x!mpq.uniform<u8, 0.00390625:0>>
  return
}

// -----

func.func @qlayer_norm_shift(%x: tensor<1x4x!mpq.uniform<u8, 0.5:0>>) {
  // expected-error @+1 {{shift 17 is outside [0, 16]}}
  %0 = mpq.qlayer_norm %x {scale = array<i32: 1, 2, 3, 4>, bias = array<i32: 0, 0, 0, 0>, eps_term = 0 : i64, shift = 17 : i32, multiplier = 1073741824 : i32, exponent = 0 : i32, rounding = #mpq.rounding<half_up>} : tensor<1x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x!mpq.uniform<i8, 0.05:0>>
  return
}

// -----

func.func @resize_linear_rank(%x: tensor<4x4x8xf32>) {
  // expected-error @+1 {{resizes static NHWC tensors}}
  %0 = mpq.resize_linear %x {coordinate_mode = "half_pixel"} : tensor<4x4x8xf32> -> tensor<8x8x8xf32>
  return
}

// -----

func.func @resize_linear_empty(%x: tensor<1x0x4x8xf32>) {
  // expected-error @+1 {{spatial sizes must be positive}}
  %0 = mpq.resize_linear %x {coordinate_mode = "half_pixel"} : tensor<1x0x4x8xf32> -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @qresize_linear_zero_denominator(%x: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>) {
  // expected-error @+1 {{w_denominator must be positive}}
  %0 = mpq.qresize_linear %x {h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 0>, h_denominator = 4 : i32, w_index = array<i32: 0, 0, 0, 1>, w_weight = array<i32: 0, 0, 0, 0>, w_denominator = 0 : i32, multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
  return
}
