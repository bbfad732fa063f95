// Row groups over a residual block (mpq/Analysis/RowGroups.h): the sum of
// the block's input and its pointwise layer's result joins the depthwise
// and pointwise layers; the group reads its input twice (the depthwise
// window and the sum's row), the sum reads a line buffer and the input.
//
// RUN: mpq-opt %s -mpq-fuse-rows="in-place=true" | FileCheck %s --check-prefix=FUSE
// RUN: mpq-opt %s -mpq-plan-buffers="in-place=true" | FileCheck %s --check-prefix=ALONE
// RUN: mpq-opt %s -mpq-fuse-rows="in-place=true" -mpq-plan-buffers="in-place=true" | FileCheck %s --check-prefix=PLAN
// RUN: mpq-opt %s -mpq-fuse-rows="in-place=true" -mpq-plan-buffers="in-place=true" -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=LOOPS

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// 8x8 pixels of 8 channels (rows of 64 B). Layer by layer the input x (512
// B) lives until the sum, beside the depthwise result and then the
// pointwise one (in place over it): 1,040 B. As one group: x whole, the sum
// written one row (64 B) below it (its row y is written in the turn the
// depthwise layer reads x's rows y - 1 .. y + 1), and one-row lines for the
// depthwise and pointwise results (64 + 64 B): 512 + 64 + 128 = 704 B.
// FUSE: mpq.qconv2d {{.*}}mpq.row_group = 0
// FUSE: mpq.qconv2d {{.*}}mpq.row_group = 0
// FUSE: mpq.qadd {{.*}}mpq.row_group = 0
// ALONE: mpq.arena_size = 1040
// PLAN: mpq.arena_size = 704
// PLAN: mpq.quantize {{.*}}mpq.offset = 64
// PLAN: mpq.qconv2d {{.*}}mpq.scratch_offset = 576 : i64, mpq.scratch_size = 128
// PLAN: mpq.qadd {{.*}}mpq.offset = 0
// The sum's step takes a shift per operand: x is whole (0), the pointwise
// result a line (row r at slot r - written + 1).
// LOOPS: func.func private @res_step2(%{{.*}}: memref<704xi8>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// LOOPS-LABEL: func.func @res_run
// LOOPS: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(%{{.*}} = %c0, %[[PW:.*]] = %c0, %[[ADD:.*]] = %c0) -> (index, index, index)
// LOOPS: func.call @res_step0
// LOOPS: %[[WRITTEN:.*]] = scf.if
// LOOPS: func.call @res_step1
// LOOPS: %[[BACK:.*]] = arith.subi %c1, %[[WRITTEN]]
// LOOPS: %[[LINE:.*]] = arith.muli %[[BACK]], %c64
// LOOPS: func.call @res_step2(%{{.*}}, %[[ADD]], %c0, %c0, %[[LINE]])
func.func @res(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x8xf32> -> tensor<1x8x8x8x!u8>
  %w1 = mpq.qconstant dense<1> : tensor<8x3x3x1xi8> : tensor<8x3x3x1x!w8>
  %a1 = mpq.qconv2d %q, %w1 {groups = 8, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8x!u8>, tensor<8x3x3x1x!w8>) -> tensor<1x8x8x8xi32> loc("dw")
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x8x8x8xi32> -> tensor<1x8x8x8x!u8> loc("dw")
  %w2 = mpq.qconstant dense<2> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  %a2 = mpq.qconv2d %y1, %w2 : (tensor<1x8x8x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x8x8x8xi32> loc("pw")
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x8x8x8xi32> -> tensor<1x8x8x8x!u8> loc("pw")
  %s = mpq.qadd %q, %y2 {lhs_exponent = 0 : i32, lhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_up>} : (tensor<1x8x8x8x!u8>, tensor<1x8x8x8x!u8>) -> tensor<1x8x8x8x!u8> loc("add")
  %d = mpq.dequantize %s : tensor<1x8x8x8x!u8> -> tensor<1x8x8x8xf32>
  return %d : tensor<1x8x8x8xf32>
}
