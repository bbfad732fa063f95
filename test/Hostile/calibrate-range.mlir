// 10. A +-1e308 range gave an infinite scale and a type the verifier
// rejects; an infinite or NaN one converted infinity to an integer. Each is
// now an error on the fake_quant.
// RUN: mpq-opt %s -split-input-file -mpq-calibrate -verify-diagnostics

func.func @given(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{the given range [-1.000000e+308, 1.000000e+308] has no finite quantization scale}}
  %q = mpq.fake_quant %x to !mpq.bits<i8> {min = -1.0e308 : f64, max = 1.0e308 : f64, rounding = #mpq.rounding<half_to_even>} : tensor<4xf32>
  return %q : tensor<4xf32>
}

// -----

func.func @weights() -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 0x7F800000], [1.0, 2.0]]> : tensor<2x2xf32>
  // expected-error @+1 {{the weight range [1.000000e+00, INF] has no finite quantization scale}}
  %q = mpq.fake_quant %w to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<2x2xf32>
  return %q : tensor<2x2xf32>
}
