// --mpq-fuse-rows: chains of convolutions run row by row, their
// intermediate tensors in line buffers (mpq/Analysis/RowSchedule.h); the
// arena plan treats a group as one step whose scratch is the line buffers,
// and the lowering calls each member once per output row from a driver
// loop. The sizes below are worked by hand.
//
// RUN: mpq-opt %s -split-input-file -mpq-fuse-rows | FileCheck %s --check-prefix=FUSE
// RUN: mpq-opt %s -split-input-file -mpq-fuse-rows -mpq-plan-buffers | FileCheck %s --check-prefix=PLAN
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers | FileCheck %s --check-prefix=ALONE
// RUN: mpq-opt %s -split-input-file -mpq-fuse-rows -mpq-plan-buffers -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=LOOPS

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>

// Over 16x16 pixels: depthwise 3x3 (8 channels, rows of 128 B), pointwise
// 8 -> 16 (rows of 256 B), depthwise 3x3 stride 2 (8x8x16 out, 1024 B).
// Layer by layer the pointwise step holds 2048 + 4096 = 6144 B. As one
// group: the input (2048) and the output (1024) whole, and two line
// buffers: the depthwise output read by the 1x1 layer one row at a time
// (128 B), the pointwise output read by the stride-2 window three rows at
// a time (768 B): 896 B of scratch, 3968 B in all. Fusing fewer layers
// leaves a step of 4096 B or more, so all three are one group.
// FUSE-LABEL: func.func @chain
// FUSE: mpq.qconv2d {{.*}}mpq.row_group = 0
// FUSE: mpq.qconv2d {{.*}}mpq.row_group = 0
// FUSE: mpq.qconv2d {{.*}}mpq.row_group = 0
// PLAN-LABEL: func.func @chain
// PLAN-SAME: mpq.arena_size = 3968
// PLAN: mpq.qconv2d {{.*}}mpq.row_group = 0 : i64, mpq.scratch_offset = {{[0-9]+}} : i64, mpq.scratch_size = 896 : i64
// ALONE-LABEL: func.func @chain
// ALONE-SAME: mpq.arena_size = 6144
// Each member computes one output row (%row), its line buffers moved by
// the two shifts: the first writes 16 pixels of row %row.
// LOOPS-LABEL: func.func private @chain_step0(
// LOOPS-SAME: %{{.*}}: memref<3968xi8>, %[[ROW:.*]]: index, %{{.*}}: index, %{{.*}}: index)
// LOOPS: scf.for %{{.*}} = %c0 to %c16 step %c1 {
// LOOPS: func.func private @chain_step1(
// LOOPS: func.func private @chain_step2(
// LOOPS-SAME: index, %{{.*}}: index, %{{.*}}: index)
// LOOPS: scf.for %{{.*}} = %c0 to %c8 step %c1 {
// Its input is a line buffer: a tap in the padding reads the nearest pixel
// of the image (in the rows the buffer holds), not pixel (0, 0).
// LOOPS: arith.maxsi %{{.*}}, %c0 : index
// LOOPS-NEXT: arith.minsi %{{.*}}, %c15 : index
// The driver: 16 turns (the stride-2 layer's last row needs all 16 rows of
// its input, written in turn 16), the rows written so far as loop values.
// LOOPS-LABEL: func.func @chain_run
// LOOPS: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%[[A:.*]] = %c0, %[[B:.*]] = %c0, %[[C:.*]] = %c0) -> (index, index, index)
// The depthwise layer writes row A into its one-row buffer: shift -128 A
// (its input, the group's, is whole: shift 0).
// LOOPS: %[[NA:.*]] = scf.if
// LOOPS: %[[NEG:.*]] = arith.subi %c0, %[[A]]
// LOOPS: %[[OUT0:.*]] = arith.muli %[[NEG]], %c128
// LOOPS: func.call @chain_step0(%{{.*}}, %[[A]], %[[OUT0]], %c0)
// The 1x1 layer's row B once NA > B: first its three-row buffer's rows 1
// and 2 move to 0 and 1 (128 words from byte 3456 to 3200), then the call.
// LOOPS: scf.if
// LOOPS: scf.for %{{.*}} = %c0 to %c128 step %c1 {
// LOOPS: arith.addi %{{.*}}, %c864
// LOOPS: arith.addi %{{.*}}, %c800
// LOOPS: func.call @chain_step1(%{{.*}}, %[[B]],
// LOOPS: func.call @chain_step2(%{{.*}}, %[[C]],
// LOOPS: scf.yield
func.func @chain(%x: tensor<1x16x16x8xf32>) -> tensor<1x8x8x16xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x16x16x8xf32> -> tensor<1x16x16x8x!u8>
  %w1 = mpq.qconstant dense<1> : tensor<8x3x3x1xi8> : tensor<8x3x3x1x!w8>
  %a1 = mpq.qconv2d %q, %w1 {groups = 8, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x8x!u8>, tensor<8x3x3x1x!w8>) -> tensor<1x16x16x8xi32> loc("dw1")
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x16x16x8xi32> -> tensor<1x16x16x8x!u8> loc("dw1")
  %w2 = mpq.qconstant dense<2> : tensor<16x1x1x8xi8> : tensor<16x1x1x8x!w8>
  %a2 = mpq.qconv2d %y1, %w2 : (tensor<1x16x16x8x!u8>, tensor<16x1x1x8x!w8>) -> tensor<1x16x16x16xi32> loc("pw1")
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x16x16x16xi32> -> tensor<1x16x16x16x!u8> loc("pw1")
  %w3 = mpq.qconstant dense<-1> : tensor<16x3x3x1xi8> : tensor<16x3x3x1x!w8>
  %a3 = mpq.qconv2d %y2, %w3 {groups = 16, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16x!u8>, tensor<16x3x3x1x!w8>) -> tensor<1x8x8x16xi32> loc("dw2")
  %y3 = mpq.requantize %a3 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x8x8x16xi32> -> tensor<1x8x8x16x!u8> loc("dw2")
  %d = mpq.dequantize %y3 : tensor<1x8x8x16x!u8> -> tensor<1x8x8x16xf32>
  return %d : tensor<1x8x8x16xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>

// A chain whose fusion does not lower the bound: a pointwise 8 -> 32
// layer after a 1x1 one over 4x4 pixels (the second step holds 128 + 512
// B; as one group, 128 + 512 + a 32 B line). Nothing is fused, and a
// group given by hand is replaced.
// FUSE-LABEL: func.func @no_gain
// FUSE-NOT: mpq.row_group
// FUSE: return
func.func @no_gain(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x32xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %w1 = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  %a1 = mpq.qconv2d %q, %w1 {mpq.row_group = 3 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  %w2 = mpq.qconstant dense<2> : tensor<32x1x1x8xi8> : tensor<32x1x1x8x!w8>
  %a2 = mpq.qconv2d %y1, %w2 {mpq.row_group = 3 : i64} : (tensor<1x4x4x8x!u8>, tensor<32x1x1x8x!w8>) -> tensor<1x4x4x32xi32>
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x32xi32> -> tensor<1x4x4x32x!u8>
  %d = mpq.dequantize %y2 : tensor<1x4x4x32x!u8> -> tensor<1x4x4x32xf32>
  return %d : tensor<1x4x4x32xf32>
}
