// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -verify-diagnostics | FileCheck %s

// One fused layer: the entry takes the input codes, the output codes and the
// arena as byte buffers; weights and per-channel parameters are constant
// globals named after the model; the conv and its requantize are one loop
// nest, with no int32 tensor in memory.
// The layer is a function of its own, internal and never inlined, on the
// arena; the entry copies the input in, calls it, copies the output out.
// CHECK-LABEL: func.func private @net_step0
// CHECK-SAME: (%{{.*}}: memref<[[$ARENA:[0-9]+]]xi8>) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: scf.for
// CHECK: arith.muli {{.*}} : i64
// CHECK: arith.shrsi
// CHECK-NOT: tensor<
// CHECK: return
// CHECK-DAG: memref.global "private" constant @net_weights{{[0-9]+}} : memref<2xi8> = dense<[-15, 50]>
// Parameters equal for every channel are stored once, each in the narrowest
// type that holds it; the absent bias is not stored at all.
// CHECK-DAG: memref.global "private" constant @net_multiplier{{[0-9]+}} : memref<1xi32> = dense<1073741824>
// CHECK-DAG: memref.global "private" constant @net_shift{{[0-9]+}} : memref<1xi8> = dense<31>
// CHECK-NOT: memref.global {{.*}}@net_bias
// CHECK-LABEL: func.func @net_run
// CHECK-SAME: (%{{.*}}: memref<2xi8>, %{{.*}}: memref<1xi8>, %[[A:.*]]: memref<[[$ARENA]]xi8>) -> i32
// CHECK-SAME: mpq.arena_size = [[$ARENA]]
// CHECK: scf.for
// CHECK: call @net_step0(%[[A]])
// CHECK: scf.for
// CHECK: return
func.func @net(%x: tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x2xf32> -> tensor<1x1x1x2x!mpq.uniform<u8, 0.5:0>>
  // Two 4-bit codes per weight row, element 0 in the low nibble:
  // [1, -1] -> 0x1 | 0xF << 4 = 0xF1 (-15 as i8); [2, 3] -> 0x32 (50).
  // The u4 output row [c0, c1] fits one byte; the u8 input row two.
  %w = mpq.qconstant dense<[[[[1, -1]]], [[[2, 3]]]]> : tensor<2x1x1x2xi8> : tensor<2x1x1x2x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x1x2x!mpq.uniform<u8, 0.5:0>>, tensor<2x1x1x2x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x1x1x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x1x1x2xi32> -> tensor<1x1x1x2x!mpq.uniform<u4, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x1x2x!mpq.uniform<u4, 0.5:0>> -> tensor<1x1x1x2xf32>
  return %d : tensor<1x1x1x2xf32>
}

// -----

func.func @three_bits(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{code generation supports 1, 2, 4 and 8-bit tensors; this result has 3 bits}}
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32> -> tensor<4x!mpq.uniform<u3, 0.5:0>>
  %d = mpq.dequantize %q : tensor<4x!mpq.uniform<u3, 0.5:0>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @float_left(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32> -> tensor<4x!mpq.uniform<u8, 0.5:0>>
  // expected-error @+1 {{'arith.constant' has no code generation: is the graph integer-only (--mpq-lower-fake-quant)?}}
  %c = arith.constant dense<1.0> : tensor<4xf32>
  %d = mpq.dequantize %q : tensor<4x!mpq.uniform<u8, 0.5:0>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @not_dequantized(%x: tensor<4xf32>) -> tensor<4x!mpq.uniform<u8, 0.5:0>> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32> -> tensor<4x!mpq.uniform<u8, 0.5:0>>
  // expected-error @+1 {{every model output must be an mpq.dequantize}}
  return %q : tensor<4x!mpq.uniform<u8, 0.5:0>>
}

// -----

func.func @two_uses(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4xf32> -> tensor<4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %q : tensor<4x!mpq.uniform<u8, 0.5:0>> -> tensor<4xf32>
  // expected-error @+1 {{a model input must be used by exactly one mpq.quantize}}
  %r = mpq.relu %x : tensor<4xf32>
  return %d : tensor<4xf32>
}
