// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s

// The patterns of the ops that are not layers, each one loop nest over its
// result in a step function of its own, on 4-bit codes (two per byte: each
// load and store locates its field, bit position / 8 and % 8), in program
// order.
// requantize (RequantizeLowering): element by element, parameters per
// channel, int64 product, half-up rounding: half a step (2^s / 2) added
// before the arithmetic shift, no tie test.
// CHECK-LABEL: func.func private @ew_step0
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: scf.for %{{.*}} = %c0 to %c16
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: arith.divui %{{.*}}, %c8 : index
// CHECK: arith.remui %{{.*}}, %c8 : index
// CHECK: %[[P:.*]] = arith.muli %{{.*}} : i64
// CHECK: %[[ONE:.*]] = arith.shli %c1_i64, %[[S:.*]] : i64
// CHECK: %[[HALF:.*]] = arith.shrui %[[ONE]], %c1_i64 : i64
// CHECK: %[[SUM:.*]] = arith.addi %[[P]], %[[HALF]] : i64
// CHECK: arith.shrsi %[[SUM]], %[[S]] : i64
// CHECK-NOT: arith.cmpi
// CHECK: arith.maxsi %{{.*}}, %c0_i64 : i64
// CHECK: arith.minsi %{{.*}}, %c15_i64 : i64
// A store into a shared byte keeps the other field.
// CHECK: arith.xori %{{.*}}, %c-1_i32 : i32
// CHECK: memref.store
// qadd (QAddLowering): both operands scaled by their multipliers at one
// binary point (here the same operand twice, one term after CSE), summed,
// then rounded once by the shift 31 - N0.
// CHECK-LABEL: func.func private @ew_step1
// CHECK: scf.for %{{.*}} = %c0 to %c16
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: %[[T:.*]] = arith.muli %{{.*}}, %c1073741824_i64 : i64
// CHECK: %[[S:.*]] = arith.addi %[[T]], %[[T]] : i64
// CHECK: arith.shrsi %[[S]], %c31_i64 : i64
// CHECK: memref.store
// max_pool2d (PoolLowering): a maximum over the 2x2 window from INT32_MIN.
// CHECK-LABEL: func.func private @ew_step2
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} iter_args(%{{.*}} = %c-2147483648_i32) -> (i32)
// CHECK: arith.maxsi %{{.*}} : i32
// qavg_pool2d: a sum over the window, requantized by 1/count.
// CHECK-LABEL: func.func private @ew_step3
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} iter_args(%{{.*}} = %c0_i32) -> (i32)
// CHECK: arith.addi %{{.*}} : i32
// CHECK: arith.cmpi ugt, %{{.*}}, %c2147483648_i64 : i64
// transpose, concat (two inputs), pad, reshape (MovementLowering): copies.
// CHECK-LABEL: func.func private @ew_step4
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK-LABEL: func.func private @ew_step5
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for %{{.*}} = %c0 to %c2
// Pad: the input code inside, the fill code 3 outside.
// CHECK-LABEL: func.func private @ew_step6
// CHECK: scf.for %{{.*}} = %c0 to %c5
// CHECK: %[[IN:.*]] = arith.andi %{{.*}} : i1
// CHECK: arith.select %[[IN]], %{{.*}}, %c3_i32 : i32
// The reshape to [1, 5] (not planned, so a copy): flat index to the source.
// CHECK-LABEL: func.func private @ew_step7
// CHECK: scf.for %{{.*}} = %c0 to %c5
// CHECK: arith.remui %{{.*}}, %c5 : index
// The entry: the input codes copied into the arena, the steps called in
// program order, the output codes (5 x 4 bits: 3 bytes) copied out.
// CHECK-LABEL: func.func @ew_run
// CHECK-SAME: (%{{.*}}: memref<16xi8>, %{{.*}}: memref<3xi8>, %[[ARENA:.*]]: memref<131xi8>)
// CHECK: scf.for %{{.*}} = %c0 to %c16
// CHECK: call @ew_step0(%[[ARENA]]) : (memref<131xi8>) -> ()
// CHECK: call @ew_step1(%[[ARENA]])
// CHECK: call @ew_step2(%[[ARENA]])
// CHECK: call @ew_step3(%[[ARENA]])
// CHECK: call @ew_step4(%[[ARENA]])
// CHECK: call @ew_step5(%[[ARENA]])
// CHECK: call @ew_step6(%[[ARENA]])
// CHECK: call @ew_step7(%[[ARENA]])
// CHECK: scf.for %{{.*}} = %c0 to %c3
// CHECK: return %c0_i32 : i32
func.func @ew(%x: tensor<1x4x4x2xf32>) -> tensor<1x5xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!mpq.uniform<u4, 0.5:0>>
  %a = mpq.requantize %q {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<half_up>}
     : tensor<1x4x4x2x!mpq.uniform<u4, 0.5:0>> -> tensor<1x4x4x2x!mpq.uniform<u4, 1.0:0>>
  %s = mpq.qadd %a, %a {lhs_multiplier = 1073741824 : i32, lhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32, rounding = #mpq.rounding<half_to_even>}
     : (tensor<1x4x4x2x!mpq.uniform<u4, 1.0:0>>, tensor<1x4x4x2x!mpq.uniform<u4, 1.0:0>>) -> tensor<1x4x4x2x!mpq.uniform<u4, 2.0:0>>
  %m = mpq.max_pool2d %s {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
     : tensor<1x4x4x2x!mpq.uniform<u4, 2.0:0>> -> tensor<1x2x2x2x!mpq.uniform<u4, 2.0:0>>
  %g = mpq.qavg_pool2d %m {kernel = array<i64: 2, 2>, multiplier = 1073741824 : i32, exponent = -1 : i32, rounding = #mpq.rounding<half_to_even>}
     : tensor<1x2x2x2x!mpq.uniform<u4, 2.0:0>> -> tensor<1x1x1x2x!mpq.uniform<u4, 2.0:0>>
  %t = mpq.transpose %g {perm = array<i64: 0, 3, 1, 2>} : tensor<1x1x1x2x!mpq.uniform<u4, 2.0:0>> -> tensor<1x2x1x1x!mpq.uniform<u4, 2.0:0>>
  %c = mpq.concat %g, %g {axis = 3} : (tensor<1x1x1x2x!mpq.uniform<u4, 2.0:0>>, tensor<1x1x1x2x!mpq.uniform<u4, 2.0:0>>) -> tensor<1x1x1x4x!mpq.uniform<u4, 2.0:0>>
  %p = mpq.pad %c {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 1>, value = 3.0} : tensor<1x1x1x4x!mpq.uniform<u4, 2.0:0>> -> tensor<1x1x1x5x!mpq.uniform<u4, 2.0:0>>
  %f = mpq.reshape %p : tensor<1x1x1x5x!mpq.uniform<u4, 2.0:0>> -> tensor<1x5x!mpq.uniform<u4, 2.0:0>>
  %d = mpq.dequantize %f : tensor<1x5x!mpq.uniform<u4, 2.0:0>> -> tensor<1x5xf32>
  return %d : tensor<1x5xf32>
}
