// --mpq-plan-buffers: offsets, arena attributes, schedule, views and copies,
// in-place reuse. The pass checks every plan it writes (checkPlan on the
// planner's result and on the annotations read back).
//
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers="algorithm=greedy-size align=4" | FileCheck %s --check-prefix=GREEDY
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers="in-place=true" | FileCheck %s --check-prefix=INPLACE
// Planning twice gives the same annotations.
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers | mpq-opt -split-input-file -mpq-plan-buffers | FileCheck %s

// A chain: the arena equals the largest input + output pair (192 + 64 at
// step 0). The fc's reshape only renames the dimensions of a 1x1x1x2 tensor
// (innermost dimension unchanged): a view with the pooled tensor's offset.
// The weights and the accumulators are not in the arena.

!u8 = !mpq.uniform<u8, 0.003921569:0>
!u4 = !mpq.uniform<u4, 0.25:0>
!i8 = !mpq.uniform<i8, 0.1:-5>
// CHECK-LABEL: func.func @chain
// CHECK-SAME: attributes {mpq.arena_align = 16 : i64, mpq.arena_size = 256 : i64}
// GREEDY-LABEL: func.func @chain
// GREEDY-SAME: attributes {mpq.arena_align = 4 : i64, mpq.arena_size = 256 : i64}
func.func @chain(%img: tensor<1x8x8x3xf32>) -> tensor<1x4xf32> {
  // CHECK: mpq.quantize %{{.*}} {mpq.offset = [[IN:[0-9]+]] : i64
  %q = mpq.quantize %img {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!u8>
  // CHECK: mpq.qconstant
  // CHECK-NOT: mpq.offset
  // CHECK-SAME: tensor<2x3x3x3x!mpq.uniform
  %w = mpq.qconstant dense<1> : tensor<2x3x3x3xi8> : tensor<2x3x3x3x!mpq.uniform<i4:0, {0.05:-1, 0.025:0}>>
  // CHECK: mpq.qconv2d
  // CHECK-NOT: mpq.offset
  // CHECK-SAME: -> tensor<1x8x8x2xi32>
  %acc = mpq.qconv2d %q, %w {pads = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x3x!u8>, tensor<2x3x3x3x!mpq.uniform<i4:0, {0.05:-1, 0.025:0}>>) -> tensor<1x8x8x2xi32>
  // CHECK: mpq.requantize %{{.*}} {{{.*}}mpq.offset = [[A:[0-9]+]] : i64
  %a = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -5>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!u4>
  %dw = mpq.qconstant dense<1> : tensor<2x3x3x1xi8> : tensor<2x3x3x1x!mpq.uniform<i2, 0.5:0>>
  %dacc = mpq.qconv2d %a, %dw {groups = 2, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x8x2x!u4>, tensor<2x3x3x1x!mpq.uniform<i2, 0.5:0>>) -> tensor<1x8x8x2xi32>
  // CHECK: mpq.requantize %{{.*}} {{{.*}}mpq.offset = [[D:[0-9]+]] : i64
  %d = mpq.requantize %dacc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!u4>
  // CHECK: mpq.qavg_pool2d %{{.*}} {{{.*}}mpq.offset = [[GAP:[0-9]+]] : i64
  %gap = mpq.qavg_pool2d %d {kernel = array<i64: 8, 8>, multiplier = 1073741824 : i32, exponent = -5 : i32, rounding = #mpq.rounding<half_to_even>}
       : tensor<1x8x8x2x!u4> -> tensor<1x1x1x2x!u4>
  // CHECK: mpq.reshape %{{.*}} {mpq.offset = [[GAP]] : i64}
  %flat = mpq.reshape %gap : tensor<1x1x1x2x!u4> -> tensor<1x2x!u4>
  %fw = mpq.qconstant dense<3> : tensor<4x2xi8> : tensor<4x2x!mpq.uniform<i8, 0.02:0>>
  %facc = mpq.qfully_connected %flat, %fw : (tensor<1x2x!u4>, tensor<4x2x!mpq.uniform<i8, 0.02:0>>) -> tensor<1x4xi32>
  // CHECK: mpq.requantize %{{.*}} {{{.*}}mpq.offset = [[OUT:[0-9]+]] : i64
  %logits = mpq.requantize %facc {multiplier = array<i32: 1374389535>, exponent = array<i32: -3>, rounding = #mpq.rounding<half_away_from_zero>}
          : tensor<1x4xi32> -> tensor<1x4x!i8>
  // CHECK: mpq.dequantize
  // CHECK-NOT: mpq.offset
  // CHECK-SAME: -> tensor<1x4xf32>
  %out = mpq.dequantize %logits : tensor<1x4x!i8> -> tensor<1x4xf32>
  return %out : tensor<1x4xf32>
}

// -----

// Two branches that blow the input up and reduce it again. In program order
// both large pads are live together (256 + 1024 + 1024 at step 1); the
// memory-aware schedule finishes one branch before starting the other
// (peak 256 + 16 + 1024), and the ops are moved into that order.

!u8 = !mpq.uniform<u8, 1.0:0>
// CHECK-LABEL: func.func @branches
// CHECK-SAME: mpq.arena_size = 1296 : i64
// CHECK: %[[Q:.*]] = mpq.quantize
// CHECK: %[[P1:.*]] = mpq.pad %[[Q]]
// CHECK-NEXT: %[[M1:.*]] = mpq.max_pool2d %[[P1]]
// CHECK-NEXT: %[[P2:.*]] = mpq.pad %[[Q]]
// CHECK-NEXT: %[[M2:.*]] = mpq.max_pool2d %[[P2]]
// CHECK-NEXT: %[[C:.*]] = mpq.concat %[[M1]], %[[M2]]
// CHECK-NEXT: mpq.dequantize %[[C]]
func.func @branches(%x: tensor<1x4x4x16xf32>) -> tensor<1x1x1x32xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x16xf32> -> tensor<1x4x4x16x!u8>
  %p1 = mpq.pad %q {pads = array<i64: 0, 2, 2, 0, 0, 2, 2, 0>} : tensor<1x4x4x16x!u8> -> tensor<1x8x8x16x!u8>
  %p2 = mpq.pad %q {pads = array<i64: 0, 2, 2, 0, 0, 2, 2, 0>} : tensor<1x4x4x16x!u8> -> tensor<1x8x8x16x!u8>
  %m1 = mpq.max_pool2d %p1 {kernel = array<i64: 8, 8>, strides = array<i64: 8, 8>} : tensor<1x8x8x16x!u8> -> tensor<1x1x1x16x!u8>
  %m2 = mpq.max_pool2d %p2 {kernel = array<i64: 8, 8>, strides = array<i64: 8, 8>} : tensor<1x8x8x16x!u8> -> tensor<1x1x1x16x!u8>
  %c = mpq.concat %m1, %m2 {axis = 3} : (tensor<1x1x1x16x!u8>, tensor<1x1x1x16x!u8>) -> tensor<1x1x1x32x!u8>
  %y = mpq.dequantize %c : tensor<1x1x1x32x!u8> -> tensor<1x1x1x32xf32>
  return %y : tensor<1x1x1x32xf32>
}

// -----

// Reshapes of 4-bit tensors. [1, 2, 8] -> [1, 16]: both rows are whole
// bytes, so the bytes are the same: a view. [1, 4, 3] -> [1, 3, 4]: both
// rows take 2 bytes, but the first pads each row by 4 bits: a copy with its
// own buffer.

!u4 = !mpq.uniform<u4, 1.0:0>
// CHECK-LABEL: func.func @reshapes
// CHECK: mpq.quantize %{{.*}} {mpq.offset = [[X:[0-9]+]] : i64
// CHECK: mpq.reshape %{{.*}} {mpq.offset = [[X]] : i64}
// CHECK: mpq.quantize %{{.*}} {mpq.offset = [[Y:[0-9]+]] : i64
// CHECK-NOT: mpq.offset = [[Y]] : i64
// CHECK: mpq.reshape %{{.*}} {mpq.offset = {{[0-9]+}} : i64} : tensor<1x4x3x!mpq.uniform<u4, 1.000000e+00:0>> -> tensor<1x3x4x
// CHECK: mpq.dequantize
func.func @reshapes(%x: tensor<1x2x8xf32>, %y: tensor<1x4x3xf32>) -> (tensor<1x16xf32>, tensor<1x3x4xf32>) {
  %qx = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x8xf32> -> tensor<1x2x8x!u4>
  %vx = mpq.reshape %qx : tensor<1x2x8x!u4> -> tensor<1x16x!u4>
  %qy = mpq.quantize %y {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x3xf32> -> tensor<1x4x3x!u4>
  %cy = mpq.reshape %qy : tensor<1x4x3x!u4> -> tensor<1x3x4x!u4>
  %fx = mpq.dequantize %vx : tensor<1x16x!u4> -> tensor<1x16xf32>
  %fy = mpq.dequantize %cy : tensor<1x3x4x!u4> -> tensor<1x3x4xf32>
  return %fx, %fy : tensor<1x16xf32>, tensor<1x3x4xf32>
}

// -----

// Elementwise ops whose input dies there. With in-place=true the narrowing
// requantize writes over its 8-bit input and the qadd over its lhs (the
// three form one chain of 256 bytes beside the 128 of %qz). By default they
// get their own buffers (256 + 128 + 128 at step 0). The qadd's rhs stays live (it is an output), so the
// qadd cannot reuse it.

!u8 = !mpq.uniform<u8, 1.0:0>
!u4 = !mpq.uniform<u4, 1.0:0>
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: mpq.arena_size = 512 : i64
// INPLACE-LABEL: func.func @elementwise
// INPLACE-SAME: mpq.arena_size = 384 : i64
// INPLACE: mpq.quantize %{{.*}} {mpq.offset = [[X:[0-9]+]] : i64
// INPLACE: mpq.requantize %{{.*}} {{{.*}}mpq.offset = [[X]] : i64
// INPLACE: mpq.qadd %{{.*}} {{{.*}}mpq.offset = [[X]] : i64
func.func @elementwise(%x: tensor<1x8x8x4xf32>, %z: tensor<1x8x8x4xf32>) -> (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x4xf32> -> tensor<1x8x8x4x!u8>
  %r = mpq.requantize %q {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x8x8x4x!u8> -> tensor<1x8x8x4x!u4>
  %qz = mpq.quantize %z {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x4xf32> -> tensor<1x8x8x4x!u4>
  %s = mpq.qadd %r, %qz {lhs_multiplier = 1073741824 : i32, lhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32,
                         rhs_exponent = 0 : i32, rounding = #mpq.rounding<half_to_even>}
     : (tensor<1x8x8x4x!u4>, tensor<1x8x8x4x!u4>) -> tensor<1x8x8x4x!u4>
  %fs = mpq.dequantize %s : tensor<1x8x8x4x!u4> -> tensor<1x8x8x4xf32>
  %fz = mpq.dequantize %qz : tensor<1x8x8x4x!u4> -> tensor<1x8x8x4xf32>
  return %fs, %fz : tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>
}

// -----

// A lookup table reads element k before it writes element k: with
// in-place=true its narrower result goes over its dying input (256 bytes in
// all), by default beside it (256 + 128).

!i8 = !mpq.uniform<i8, 1.0:0>
!u4 = !mpq.uniform<u4, 1.0:0>
// CHECK-LABEL: func.func @table
// CHECK-SAME: mpq.arena_size = 384 : i64
// INPLACE-LABEL: func.func @table
// INPLACE-SAME: mpq.arena_size = 256 : i64
// INPLACE: mpq.quantize %{{.*}} {mpq.offset = [[X:[0-9]+]] : i64
// INPLACE: mpq.table %{{.*}} {{{.*}}mpq.offset = [[X]] : i64
func.func @table(%x: tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x4xf32> -> tensor<1x8x8x4x!i8>
  %t = mpq.table %q {table = array<i32: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15>}
     : tensor<1x8x8x4x!i8> -> tensor<1x8x8x4x!u4>
  %f = mpq.dequantize %t : tensor<1x8x8x4x!u4> -> tensor<1x8x8x4xf32>
  return %f : tensor<1x8x8x4xf32>
}
