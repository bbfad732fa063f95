// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s

// The scalar kernel (ConvScalarLowering): code by code, for input channels
// that do not come in whole bytes of both operands. A depthwise 3x3 layer
// with 4-bit weights (one input channel per group, two codes per byte):
// inside the image, the taps without padding tests; at the border, each tap
// tested and replaced by 0 in the padding.
// CHECK-LABEL: func.func private @dw4_step0
// CHECK: scf.for %{{.*}} = %c0 to %c4
// CHECK: scf.for %{{.*}} = %c0 to %c4
// CHECK: scf.if
// One group (channel) at a time, one accumulator.
// CHECK: scf.for %[[G:.*]] = %c0 to %c4
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32)
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32)
// CHECK-NOT: arith.select
// CHECK: %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: arith.andi %{{.*}}, %c15_i32 : i32
// CHECK: arith.xori
// CHECK: %[[WV:.*]] = arith.subi %{{.*}}, %c8_i32 : i32
// CHECK: arith.muli %[[X]], %[[WV]] : i32
// CHECK: scf.yield
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %c0 to %c4
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32)
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32)
// CHECK: arith.select %{{.*}} : index
// CHECK: arith.select %{{.*}} : i32
// CHECK: arith.muli %{{.*}} : i32
// CHECK: return
func.func @dw4(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<5> : tensor<4x3x3x1xi8> : tensor<4x3x3x1x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w {groups = 4, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>, tensor<4x3x3x1x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x4x4x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x4x4xf32>
  return %d : tensor<1x4x4x4xf32>
}

// -----

// Three 4-bit input channels: the stepped kernel's two codes a step do not
// divide them, so each code is located at run time (bit position / 8 and
// % 8) in the input and in each weight row.
// CHECK-LABEL: func.func private @odd_channels_step0
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32, i32)
// CHECK: %[[BIT:.*]] = arith.muli %{{.*}}, %c4 : index
// CHECK: arith.divui %[[BIT]], %c8 : index
// CHECK: %[[REM:.*]] = arith.remui %[[BIT]], %c8 : index
// CHECK: %[[SH:.*]] = arith.index_cast %[[REM]] : index to i32
// CHECK: arith.shrui %{{.*}}, %[[SH]] : i32
// CHECK: arith.shrui %{{.*}}, %[[SH]] : i32
// CHECK: arith.muli
// CHECK: arith.shrui %{{.*}}, %[[SH]] : i32
// CHECK: arith.muli
// CHECK: scf.yield
// CHECK: return
func.func @odd_channels(%x: tensor<1x2x2x3xf32>) -> tensor<1x2x2x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x3xf32> -> tensor<1x2x2x3x!mpq.uniform<u4, 0.5:0>>
  %w = mpq.qconstant dense<[[[[1, -2, 3]]], [[[-4, 5, -6]]]]> : tensor<2x1x1x3xi8> : tensor<2x1x1x3x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x2x2x3x!mpq.uniform<u4, 0.5:0>>, tensor<2x1x1x3x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x2x2x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x2xi32> -> tensor<1x2x2x2x!mpq.uniform<u4, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x2x!mpq.uniform<u4, 0.5:0>> -> tensor<1x2x2x2xf32>
  return %d : tensor<1x2x2x2xf32>
}
