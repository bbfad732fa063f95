// A MobileNetV2-style residual block goes through the DAG generalization
// (docs/decisions.md §2): at each step whose live tensors exceed the RAM
// budget, halve the largest cuttable live tensor (ties: closest to the input).
// Same graph and budget as ResidualGraphUsesLiveTensorRule in
// test/unittests/Analysis/PrecisionAssignmentTest.cpp.
//
// RUN: mpq-opt %s -mpq-assign-precision="flash=1MB ram=3000 report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
//
// Bytes at 8: x 512, a 1024, b 2048, c 2048, d 1024, e 1024; a is live from
// conv0 to the add (the skip). expand: a + b = 3072 > 3000 -> b 8 -> 4;
// dw: a + b + c = 1024 + 1024 + 2048 -> c 8 -> 4 = 3072, then a, b, c are all
// 1024 B and the tie goes to a (live from conv0) -> a 8 -> 4 = 2560. The
// pool and flatten steps hold only small tensors. Peak 2560 B.

// CHECK-LABEL: func.func @residual
// CHECK: %[[R0:.*]] = mpq.relu
// CHECK: %[[A:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u4>
// CHECK: %[[R1:.*]] = mpq.relu
// CHECK: %[[B:.*]] = mpq.fake_quant %[[R1]] to !mpq.bits<u4>
// CHECK: %[[R2:.*]] = mpq.relu
// CHECK: %[[C:.*]] = mpq.fake_quant %[[R2]] to !mpq.bits<u4>
// The projection has no ReLU: its output is signed.
// CHECK: %[[D:.*]] = mpq.conv2d %[[C]]
// CHECK: %[[DQ:.*]] = mpq.fake_quant %[[D]] to !mpq.bits<i8>
// The Add is a step with its own variable, stored after its ReLU.
// CHECK: %[[E:.*]] = mpq.add %[[A]], %[[DQ]]
// CHECK: %[[ER:.*]] = mpq.relu %[[E]]
// CHECK: %[[EQ:.*]] = mpq.fake_quant %[[ER]] to !mpq.bits<u8>
// CHECK: mpq.global_avg_pool %[[EQ]]

// JSON: "activation_rule": "dag",
// JSON: "ram_bytes": 2560,
// JSON: "ram_bottleneck": "dw",
// JSON: "bits": "w=88888 a=8444888",
// JSON: "steps": [
// JSON:   "name": "add",
// JSON-NEXT: "kind": "add",
// JSON-NEXT: "input_bits": [
// JSON-NEXT:   4,
// JSON-NEXT:   8
// JSON-NEXT: ],
// JSON-NEXT: "output_bits": 8,
// JSON: "cuts": [
// JSON:   "name": "expand_out",
// JSON:   "direction": "in order",
// JSON-NEXT: "at": "expand",
// JSON:   "name": "dw_out",
// JSON:   "at": "dw",
// JSON:   "name": "conv0_out",
// JSON:   "at": "dw",

func.func @residual(%x: tensor<1x8x8x8xf32>) -> tensor<1x10xf32> {
  %w0 = arith.constant dense<0.1> : tensor<16x3x3x8xf32>
  %c0 = mpq.conv2d %x, %w0 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<16x3x3x8xf32>) -> tensor<1x8x8x16xf32> loc("conv0")
  %a = mpq.relu %c0 : tensor<1x8x8x16xf32>
  %w1 = arith.constant dense<0.1> : tensor<32x1x1x16xf32>
  %c1 = mpq.conv2d %a, %w1 : (tensor<1x8x8x16xf32>, tensor<32x1x1x16xf32>) -> tensor<1x8x8x32xf32> loc("expand")
  %b = mpq.relu %c1 : tensor<1x8x8x32xf32>
  %w2 = arith.constant dense<0.1> : tensor<32x3x3x1xf32>
  %c2 = mpq.conv2d %b, %w2 {groups = 32, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x32xf32>, tensor<32x3x3x1xf32>) -> tensor<1x8x8x32xf32> loc("dw")
  %c = mpq.relu %c2 : tensor<1x8x8x32xf32>
  %w3 = arith.constant dense<0.1> : tensor<16x1x1x32xf32>
  %d = mpq.conv2d %c, %w3 : (tensor<1x8x8x32xf32>, tensor<16x1x1x32xf32>) -> tensor<1x8x8x16xf32> loc("proj")
  %e = mpq.add %a, %d : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> loc("add")
  %er = mpq.relu %e : tensor<1x8x8x16xf32>
  %p = mpq.global_avg_pool %er : tensor<1x8x8x16xf32> -> tensor<1x1x1x16xf32> loc("pool")
  %f = mpq.reshape %p : tensor<1x1x1x16xf32> -> tensor<1x16xf32> loc("flatten")
  %w4 = arith.constant dense<0.1> : tensor<10x16xf32>
  %y = mpq.fully_connected %f, %w4 : (tensor<1x16xf32>, tensor<10x16xf32>) -> tensor<1x10xf32> loc("fc")
  return %y : tensor<1x10xf32>
}
