// Graphs --mpq-plan-buffers cannot plan: each is an error on the op.
//
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers -verify-diagnostics

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @float_op(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  // expected-error @below {{'mpq.relu' is not an op of the integer-only graph buffer planning reads (run --mpq-lower-fake-quant and --mpq-check-integer-only first)}}
  %r = mpq.relu %x : tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @accumulator_twice(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32> -> tensor<1x4x!u8>
  %w = mpq.qconstant dense<1> : tensor<2x4xi8> : tensor<2x4x!mpq.uniform<i8, 1.0:0>>
  // expected-error @below {{the int32 accumulator of 'mpq.qfully_connected' must be read by exactly one mpq.requantize (the pair is one step)}}
  %acc = mpq.qfully_connected %q, %w : (tensor<1x4x!u8>, tensor<2x4x!mpq.uniform<i8, 1.0:0>>) -> tensor<1x2xi32>
  %a = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x2xi32> -> tensor<1x2x!u8>
  %b = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x2xi32> -> tensor<1x2x!u8>
  %f = mpq.dequantize %a : tensor<1x2x!u8> -> tensor<1x2xf32>
  return %f : tensor<1x2xf32>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
// expected-error @below {{argument #0 has type 'tensor<1x4x!mpq.uniform<u8, 1.000000e+00:0>>': buffer planning expects float model inputs, quantized into the arena by mpq.quantize}}
func.func @quantized_argument(%x: tensor<1x4x!u8>) -> tensor<1x4xf32> {
  %f = mpq.dequantize %x : tensor<1x4x!u8> -> tensor<1x4xf32>
  return %f : tensor<1x4xf32>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @constant_output() -> tensor<1x4xf32> {
  %c = mpq.qconstant dense<1> : tensor<1x4xi8> : tensor<1x4x!u8>
  // expected-error @below {{dequantizes a value that is not in the arena (a constant?): model outputs are activations}}
  %f = mpq.dequantize %c : tensor<1x4x!u8> -> tensor<1x4xf32>
  return %f : tensor<1x4xf32>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @too_large(%x: tensor<4611686018427387904x4xf32>) -> tensor<4611686018427387904x4xf32> {
  // expected-error @below {{the buffer of 'tensor<4611686018427387904x4x!mpq.uniform<u8, 1.000000e+00:0>>' does not fit in int64 bytes}}
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4611686018427387904x4xf32> -> tensor<4611686018427387904x4x!u8>
  %f = mpq.dequantize %q : tensor<4611686018427387904x4x!u8> -> tensor<4611686018427387904x4xf32>
  return %f : tensor<4611686018427387904x4xf32>
}

// -----

// Each buffer fits int64, their sum does not.
!u8 = !mpq.uniform<u8, 1.0:0>
// expected-error @below {{mpq-plan-buffers: the buffers of 'sum_too_large' add up to more than int64 bytes}}
func.func @sum_too_large(%x: tensor<1152921504606846976x4xf32>) -> tensor<1152921504606846976x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1152921504606846976x4xf32> -> tensor<1152921504606846976x4x!u8>
  %p = mpq.pad %q {pads = array<i64: 0, 0, 0, 0>} : tensor<1152921504606846976x4x!u8> -> tensor<1152921504606846976x4x!u8>
  %f = mpq.dequantize %p : tensor<1152921504606846976x4x!u8> -> tensor<1152921504606846976x4xf32>
  return %f : tensor<1152921504606846976x4xf32>
}
