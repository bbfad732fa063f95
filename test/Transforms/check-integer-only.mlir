// RUN: mpq-opt %s -mpq-check-integer-only -split-input-file -verify-diagnostics | FileCheck %s

// An integer-only graph passes unchanged: floats appear only where the model
// boundary converts them.
// CHECK-LABEL: func.func @integer_only
// CHECK: mpq.requantize
func.func @integer_only(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>}
     : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!mpq.uniform<u8, 0.1:0>>
  %w = mpq.qconstant dense<1> : tensor<2x1x1x2xi8> : tensor<2x1x1x2x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x4x4x2x!mpq.uniform<u8, 0.1:0>>, tensor<2x1x1x2x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x4x4x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x2xi32> -> tensor<1x4x4x2x!mpq.uniform<u8, 0.1:0>>
  %out = mpq.dequantize %y : tensor<1x4x4x2x!mpq.uniform<u8, 0.1:0>> -> tensor<1x4x4x2xf32>
  return %out : tensor<1x4x4x2xf32>
}

// -----

func.func @float_op_left(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  // expected-error @+1 {{'mpq.relu' computes on floating point (operand of type 'tensor<1x4x4x2xf32>') in a graph that must be integer-only}}
  %0 = mpq.relu %x : tensor<1x4x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}

// -----

func.func @float_constant() {
  // expected-error @+1 {{'arith.constant' produces floating point ('tensor<4xf32>') in a graph that must be integer-only}}
  %0 = arith.constant dense<1.0> : tensor<4xf32>
  return
}
