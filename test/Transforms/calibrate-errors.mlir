// RUN: mpq-opt %s -split-input-file -mpq-calibrate -verify-diagnostics

// expected-error @+1 {{calibration inputs need a model with one input; @two has 2}}
func.func @two(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %q = mpq.fake_quant %x to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32>
  return %q : tensor<4xf32>
}

// -----

// Weights alone need no data: two inputs are fine then.
func.func @weights_only(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %q = mpq.fake_quant %w to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  return %q : tensor<2x2xf32>
}

// -----

// A bias of 2e10 on the grid s_x * s_w = 0.5 * 0.1 = 0.05 is 4e11 steps:
// beyond int32, which the lowering could not store either.
func.func @bias_beyond_int32(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32>
  %w = arith.constant dense<0.1> : tensor<2x2xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.1:0> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  %b = arith.constant dense<[0.0, 2.0e10]> : tensor<2xf32>
  // expected-error @+1 {{the bias of channel 1 does not fit in int32: 2e+10 is 4e+11 steps of s_x * s_w = 0.05}}
  %y = mpq.fully_connected %xq, %wq, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %yq = mpq.fake_quant %y to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %yq : tensor<1x2xf32>
}
