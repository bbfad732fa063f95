// The JSON report and the SVG picture of a plan.
//
// RUN: rm -f %t.json %t.svg
// RUN: mpq-opt %s -mpq-plan-buffers="report=%t.json svg=%t.svg" -o /dev/null
// RUN: FileCheck %s < %t.json
// RUN: FileCheck %s --check-prefix=SVG < %t.svg

// CHECK: "function": "net",
// CHECK: "algorithm": "best",
// CHECK: "align": 16,
// CHECK: "in_place": false,
// CHECK: "arena_bytes": 80,
// CHECK: "lower_bound_bytes": 80,
// CHECK: "ratio": 1,
// CHECK: "baseline_arena_bytes": 80,
// CHECK: "naive_bytes": 96,
// CHECK: "schedule": {
// CHECK: "reordered": false,
// CHECK: "steps": 2,
// CHECK: "buffers": [
// CHECK: "name": "image",
// CHECK-NEXT: "kind": "input",
// CHECK-NEXT: "offset": {{[0-9]+}},
// CHECK-NEXT: "size": 48,
// CHECK-NEXT: "first_step": 0,
// CHECK-NEXT: "last_step": 0
// CHECK: "name": "conv",
// CHECK-NEXT: "kind": "activation",
// CHECK: "size": 32,
// CHECK-NEXT: "first_step": 0,
// CHECK-NEXT: "last_step": 1
// CHECK: "name": "pool",
// CHECK-NEXT: "kind": "output",
// CHECK: "size": 8,
// CHECK-NEXT: "first_step": 1,
// CHECK-NEXT: "last_step": 1

// SVG: <svg
// SVG: @net: arena 80 B, lower bound 80 B (best)
// SVG: class="buf"
// SVG: image
// SVG: </svg>

// 4x4x3 8-bit image (48 B), a 1x1 conv to 4x4x3 4-bit codes (16 rows of
// 2 bytes: 12 bits round up, 32 B), a 2x2 max pool (4 rows of 2 bytes, 8 B).
!u8 = !mpq.uniform<u8, 1.0:0>
!u4 = !mpq.uniform<u4, 1.0:0>
func.func @net(%in: tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x3xf32> -> tensor<1x4x4x3x!u8> loc("image")
  %w = mpq.qconstant dense<1> : tensor<3x1x1x3xi8> : tensor<3x1x1x3x!mpq.uniform<i8, 1.0:0>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x4x4x3x!u8>, tensor<3x1x1x3x!mpq.uniform<i8, 1.0:0>>) -> tensor<1x4x4x3xi32> loc("conv")
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x3xi32> -> tensor<1x4x4x3x!u4>
  %p = mpq.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x3x!u4> -> tensor<1x2x2x3x!u4> loc("pool")
  %f = mpq.dequantize %p : tensor<1x2x2x3x!u4> -> tensor<1x2x2x3xf32>
  return %f : tensor<1x2x2x3xf32>
}
