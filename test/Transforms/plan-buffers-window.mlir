// --mpq-plan-buffers in-place=true on window layers (conv, depthwise,
// pooling): the output starts S bytes below an input that dies there, S =
// windowInPlaceShift (mpq/Analysis/BufferPlanner.h), and the planner keeps
// the hints that lower the arena. The sizes below are worked by hand.
//
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers | FileCheck %s --check-prefix=OFF
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers="in-place=true" | FileCheck %s
// The report of the last function (each function's overwrites the last's).
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers="in-place=true report=%t.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

!u8 = !mpq.uniform<u8, 0.02:0>
!u4 = !mpq.uniform<u4, 0.1:0>
!w8 = !mpq.uniform<i8, 0.01:0>

// Depthwise 3x3 (pad 1) over 16x16x8 u8 (2048 B, rows of 128 B), then a
// pointwise 8 -> 16 (4096 B out). Without in-place the pointwise step holds
// 2048 + 4096 = 6144 B.
// - depthwise: output row r needs input rows from r - 1: S = 2 rows = 256,
//   the pair takes 2048 + 256 = 2304 B.
// - pointwise: pairs of pixels (16 B in, 32 B out), 128 pairs: S = 128 * 32
//   - 127 * 16 = 2064, the pair takes max(2048 + 2064, 4096) = 4112 B.
// Both together fix the three buffers to one another (4368 B tall), so the
// planner keeps only the pointwise hint: 4112 B, the lower bound, with the
// pointwise output exactly 2064 B below the depthwise's.
// OFF-LABEL: func.func @dw_pw
// OFF-SAME: mpq.arena_size = 6144
// CHECK-LABEL: func.func @dw_pw
// CHECK-SAME: mpq.arena_size = 4112
// CHECK: mpq.requantize {{.*}}mpq.offset = 2064 :
// CHECK: mpq.requantize {{.*}}mpq.offset = 0 :
func.func @dw_pw(%img: tensor<1x16x16x8xf32>) -> tensor<1x16x16x16xf32> {
  %q = mpq.quantize %img {rounding = #mpq.rounding<half_to_even>} : tensor<1x16x16x8xf32> -> tensor<1x16x16x8x!u8>
  %dw = mpq.qconstant dense<1> : tensor<8x3x3x1xi8> : tensor<8x3x3x1x!w8>
  %dacc = mpq.qconv2d %q, %dw {groups = 8, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x16x16x8x!u8>, tensor<8x3x3x1x!w8>) -> tensor<1x16x16x8xi32> loc("dw")
  %d = mpq.requantize %dacc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x16x16x8xi32> -> tensor<1x16x16x8x!u8>
  %pw = mpq.qconstant dense<1> : tensor<16x1x1x8xi8> : tensor<16x1x1x8x!w8>
  %pacc = mpq.qconv2d %d, %pw : (tensor<1x16x16x8x!u8>, tensor<16x1x1x8x!w8>) -> tensor<1x16x16x16xi32> loc("pw")
  %p = mpq.requantize %pacc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x16x16x16xi32> -> tensor<1x16x16x16x!u8>
  %out = mpq.dequantize %p : tensor<1x16x16x16x!u8> -> tensor<1x16x16x16xf32>
  return %out : tensor<1x16x16x16xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!u4 = !mpq.uniform<u4, 0.1:0>
!w8 = !mpq.uniform<i8, 0.01:0>

// A 3x3 stride-2 conv (pad 1) from 32x32x4 u8 (4096 B, rows of 128 B) to
// 16x16x16 u4 (2048 B, rows of 128 B): output row r needs input rows from
// 2r - 1: S = max over r of 128 (r + 1) - 128 max(0, 2r - 1) = 128 (r = 0,
// 1), so the pair takes max(4096 + 128, 2048) = 4224 B instead of 6144.
// Then a 2x2 stride-2 max pool (8x8x16 u4, 512 B, rows of 64 B): S = 64,
// and a depthwise whose input stays live (the add reads it) gets no hint.
// CHECK-LABEL: func.func @strided
// CHECK-SAME: mpq.arena_size = 4224
// The conv runs in place; the pool's hint is not needed (the arena is at
// its lower bound without it); the add writes over the pool's output (an
// elementwise hint: no shift).
// REPORT: "function": "strided"
// REPORT: "arena_bytes": 4224
// REPORT-NEXT: "lower_bound_bytes": 4224
// REPORT: "name": "input0"
// REPORT: "name": "conv"
// REPORT: "in_place_of": "input0"
// REPORT-NEXT: "in_place_shift": 128
// REPORT: "name": "pool"
// REPORT-NOT: in_place
// REPORT: "name": "dw"
// REPORT-NOT: in_place
// REPORT: "name": "sum"
// REPORT: "in_place_of": "pool"
// REPORT-NOT: in_place_shift
func.func @strided(%img: tensor<1x32x32x4xf32>) -> tensor<1x8x8x16xf32> {
  %q = mpq.quantize %img {rounding = #mpq.rounding<half_to_even>} : tensor<1x32x32x4xf32> -> tensor<1x32x32x4x!u8>
  %w = mpq.qconstant dense<1> : tensor<16x3x3x4xi8> : tensor<16x3x3x4x!w8>
  %acc = mpq.qconv2d %q, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
       : (tensor<1x32x32x4x!u8>, tensor<16x3x3x4x!w8>) -> tensor<1x16x16x16xi32> loc("conv")
  %c = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x16x16x16xi32> -> tensor<1x16x16x16x!u4>
  %p = mpq.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
     : tensor<1x16x16x16x!u4> -> tensor<1x8x8x16x!u4> loc("pool")
  %dw = mpq.qconstant dense<1> : tensor<16x3x3x1xi8> : tensor<16x3x3x1x!w8>
  %dacc = mpq.qconv2d %p, %dw {groups = 16, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x8x16x!u4>, tensor<16x3x3x1x!w8>) -> tensor<1x8x8x16xi32> loc("dw")
  %d = mpq.requantize %dacc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x8x8x16xi32> -> tensor<1x8x8x16x!u4>
  %s = mpq.qadd %p, %d {lhs_multiplier = 1073741824 : i32, lhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32, rounding = #mpq.rounding<floor>}
     : (tensor<1x8x8x16x!u4>, tensor<1x8x8x16x!u4>) -> tensor<1x8x8x16x!u4> loc("sum")
  %out = mpq.dequantize %s : tensor<1x8x8x16x!u4> -> tensor<1x8x8x16xf32>
  return %out : tensor<1x8x8x16xf32>
}
