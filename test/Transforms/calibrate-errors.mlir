// RUN: mpq-opt %s -split-input-file -mpq-calibrate -verify-diagnostics

// expected-error @+1 {{calibration supports models with one input; @two has 2}}
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
