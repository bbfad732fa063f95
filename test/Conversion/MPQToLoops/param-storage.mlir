// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s

// Per-channel parameters are stored as compactly as their values allow
// (docs/design.md, "Parameter storage"): each table in the narrowest of i8,
// i16 and i32 that holds all its entries, one entry when every channel has
// the same value, nothing when every entry is zero. The kernels read an
// entry and sign-extend it, so the values, and the codes, are those of the
// i32 attributes.
//
// Layer 1's step: the i16 bias and the i8 shift widened after their loads
// (the shift straight to the i64 the requantization shifts by).
// CHECK-LABEL: func.func private @net_step0
// CHECK: %[[B:.*]] = memref.get_global @net_bias{{[0-9]+}} : memref<4xi16>
// CHECK: %[[S:.*]] = memref.get_global @net_shift{{[0-9]+}} : memref<4xi8>
// CHECK: %[[B16:.*]] = memref.load %[[B]][%{{.*}}] : memref<4xi16>
// CHECK: arith.extsi %[[B16]] : i16 to i32
// CHECK: %[[S8:.*]] = memref.load %[[S]][%{{.*}}] : memref<4xi8>
// CHECK: arith.extsi %[[S8]] : i8 to i64
// CHECK: return
// Layer 1: M0 differs per channel (i32), shifts 31 - N0 = 31, 32 (i8),
// biases up to -300 (i16), weight zero points 1, -2, 0, 3 (i8).
// CHECK-DAG: memref.global "private" constant @net_multiplier{{[0-9]+}} : memref<4xi32> = dense<[1073741824, 1500000000, 1073741824, 1200000000]>
// CHECK-DAG: memref.global "private" constant @net_shift{{[0-9]+}} : memref<4xi8> = dense<[31, 32, 31, 32]>
// CHECK-DAG: memref.global "private" constant @net_bias{{[0-9]+}} : memref<4xi16> = dense<[5, -300, 100, 0]>
// CHECK-DAG: memref.global "private" constant @net_weight_zp{{[0-9]+}} : memref<4xi8> = dense<[1, -2, 0, 3]>
// Layer 2's step: the shared M0 and shift read at entry 0.
// CHECK-LABEL: func.func private @net_step1
// CHECK-DAG: %[[M:.*]] = memref.get_global @net_multiplier{{[0-9]+}} : memref<1xi32>
// CHECK-DAG: memref.load %[[M]][%c0] : memref<1xi32>
// CHECK: return
// Layer 2: one M0 and one shift for both channels, a bias beyond int16
// (i32), symmetric weights (no zero-point table).
// CHECK-DAG: memref.global "private" constant @net_multiplier{{[0-9]+}} : memref<1xi32> = dense<1342177280>
// CHECK-DAG: memref.global "private" constant @net_shift{{[0-9]+}} : memref<1xi8> = dense<33>
// CHECK-DAG: memref.global "private" constant @net_bias{{[0-9]+}} : memref<2xi32> = dense<[40000, -7]>
// CHECK-NOT: @net_weight_zp
// CHECK-LABEL: func.func @net_run
func.func @net(%x: tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2x!mpq.uniform<u8, 0.5:0>>
  %w1 = mpq.qconstant dense<3> : tensor<4x1x1x2xi8> : tensor<4x1x1x2x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>
  %a1 = mpq.qconv2d %q, %w1 : (tensor<1x1x1x2x!mpq.uniform<u8, 0.5:0>>, tensor<4x1x1x2x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>) -> tensor<1x1x1x4xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824, 1500000000, 1073741824, 1200000000>, exponent = array<i32: 0, -1, 0, -1>, bias = array<i32: 5, -300, 100, 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x1x1x4xi32> -> tensor<1x1x1x4x!mpq.uniform<u8, 0.5:0>>
  %w2 = mpq.qconstant dense<-2> : tensor<2x1x1x4xi8> : tensor<2x1x1x4x!mpq.uniform<i8, 0.5:0>>
  %a2 = mpq.qconv2d %y1, %w2 : (tensor<1x1x1x4x!mpq.uniform<u8, 0.5:0>>, tensor<2x1x1x4x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x1x1x2xi32>
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1342177280>, exponent = array<i32: -2>, bias = array<i32: 40000, -7>, rounding = #mpq.rounding<half_to_even>}
     : tensor<1x1x1x2xi32> -> tensor<1x1x1x2x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y2 : tensor<1x1x1x2x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x1x2xf32>
  return %d : tensor<1x1x1x2xf32>
}
