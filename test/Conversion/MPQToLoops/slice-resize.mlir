// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s

// mpq.slice and mpq.resize_nearest (MovementLowering): copy loops on packed
// codes, each in a step function of its own.
//
// The slice: one loop per result dimension; the source column is offset +
// i * stride (here 7 - w along W: a backwards slice), and every third
// channel of 4-bit codes starts 12 bits after the last (each load and store
// locates its field; a store keeps the other field of its byte).
// CHECK-LABEL: func.func private @mv_step0
// CHECK: scf.for %[[H:.*]] = %c0 to %c2
// CHECK: scf.for %[[W:.*]] = %c0 to %c8
// CHECK: scf.for %[[C:.*]] = %c0 to %c2
// CHECK: arith.subi %c7, %[[W]] : index
// CHECK: arith.muli %[[C]], %c12 : index
// CHECK: memref.load
// CHECK: arith.xori %{{.*}}, %c-1_i32 : i32
// CHECK: memref.store
// The resize: loops over the input and each factor (no division by a
// factor): the destination row is 2 h + dh, the column 3 w + dw.
// CHECK-LABEL: func.func private @mv_step1
// CHECK: scf.for %[[IH:.*]] = %c0 to %c2
// CHECK: scf.for %[[DH:.*]] = %c0 to %c2
// CHECK: scf.for %[[IW:.*]] = %c0 to %c8
// CHECK: scf.for %[[DW:.*]] = %c0 to %c3
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: %[[R:.*]] = arith.muli %[[IH]], %c2 : index
// CHECK: arith.addi %[[R]], %[[DH]] : index
// CHECK: %[[COL:.*]] = arith.muli %[[IW]], %c3 : index
// CHECK: arith.addi %[[COL]], %[[DW]] : index
// CHECK-NOT: arith.divui %{{.*}}, %c3
// CHECK: memref.store
func.func @mv(%x: tensor<1x2x8x6xf32>) -> tensor<1x4x24x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x8x6xf32> -> tensor<1x2x8x6x!mpq.uniform<u4, 0.5:0>>
  %s = mpq.slice %q {offsets = array<i64: 0, 0, 7, 0>, strides = array<i64: 1, 1, -1, 3>}
     : tensor<1x2x8x6x!mpq.uniform<u4, 0.5:0>> -> tensor<1x2x8x2x!mpq.uniform<u4, 0.5:0>>
  %r = mpq.resize_nearest %s {factors = array<i64: 1, 2, 3, 1>}
     : tensor<1x2x8x2x!mpq.uniform<u4, 0.5:0>> -> tensor<1x4x24x2x!mpq.uniform<u4, 0.5:0>>
  %d = mpq.dequantize %r : tensor<1x4x24x2x!mpq.uniform<u4, 0.5:0>> -> tensor<1x4x24x2xf32>
  return %d : tensor<1x4x24x2xf32>
}
