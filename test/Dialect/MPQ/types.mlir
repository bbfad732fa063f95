// RUN: mpq-opt %s | mpq-opt | FileCheck %s
// RUN: mpq-opt %s --verify-roundtrip | FileCheck %s

// Every storage width mpq deploys (2, 4, 8), signed and unsigned, per tensor
// and per channel, plus accumulators and the bit-width-only form.

// CHECK-LABEL: func.func private @per_tensor
// CHECK-SAME: tensor<1x4x4x8x!mpq.uniform<u2, 5.000000e-01:0>>
// CHECK-SAME: tensor<1x4x4x8x!mpq.uniform<u4, 2.500000e-01:3>>
// CHECK-SAME: tensor<1x4x4x8x!mpq.uniform<i8, 1.250000e-01:-128>>
// CHECK-SAME: tensor<1x4x4x8x!mpq.uniform<i2, 1.000000e+00:-2>>
func.func private @per_tensor(
    tensor<1x4x4x8x!mpq.uniform<u2, 0.5:0>>,
    tensor<1x4x4x8x!mpq.uniform<u4, 0.25:3>>,
    tensor<1x4x4x8x!mpq.uniform<i8, 0.125:-128>>,
    tensor<1x4x4x8x!mpq.uniform<i2, 1.0:-2>>)

// CHECK-LABEL: func.func private @per_channel
// CHECK-SAME: tensor<2x3x3x4x!mpq.uniform<i2:0, {5.000000e-01:0, 2.500000e-01:-1}>>
// CHECK-SAME: tensor<3x1x1x4x!mpq.uniform<u4:0, {1.000000e+00:0, 2.000000e+00:15, 3.000000e+00:7}>>
// CHECK-SAME: tensor<2x8x!mpq.uniform<i8:1, {1.000000e+00:0, 1.000000e+00:1, 1.000000e+00:2, 1.000000e+00:3, 1.000000e+00:4, 1.000000e+00:5, 1.000000e+00:6, 1.000000e+00:7}>>
func.func private @per_channel(
    tensor<2x3x3x4x!mpq.uniform<i2:0, {0.5:0, 0.25:-1}>>,
    tensor<3x1x1x4x!mpq.uniform<u4:0, {1.0:0, 2.0:15, 3.0:7}>>,
    tensor<2x8x!mpq.uniform<i8:1, {1.0:0, 1.0:1, 1.0:2, 1.0:3, 1.0:4, 1.0:5, 1.0:6, 1.0:7}>>)

// A scale with no short decimal form survives the round trip exactly.
// CHECK-LABEL: func.func private @inexact_scale
// CHECK-SAME: !mpq.uniform<u8, 0.33333333333333331:0>
func.func private @inexact_scale(tensor<4x!mpq.uniform<u8, 0.33333333333333331:0>>)

// CHECK-LABEL: func.func private @accumulators
// CHECK-SAME: tensor<4x!mpq.uniform<i32, 1.000000e-03:0>>
// CHECK-SAME: tensor<4x!mpq.uniform<i16, 5.000000e-01:0>>
func.func private @accumulators(tensor<4x!mpq.uniform<i32, 0.001:0>>,
                                tensor<4x!mpq.uniform<i16, 0.5:0>>)

// CHECK-LABEL: func.func private @bits
// CHECK-SAME: tensor<4x!mpq.bits<u2>>, tensor<4x!mpq.bits<u4>>, tensor<4x!mpq.bits<i8>>, tensor<4x!mpq.bits<i1>>
func.func private @bits(tensor<4x!mpq.bits<u2>>, tensor<4x!mpq.bits<u4>>,
                        tensor<4x!mpq.bits<i8>>, tensor<4x!mpq.bits<i1>>)
