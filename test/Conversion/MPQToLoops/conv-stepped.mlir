// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -canonicalize -cse | FileCheck %s

// The stepped kernel (ConvSteppedLowering): sub-byte codes a few at a time,
// enough that every code of a step sits at a constant shift in its byte.
// 4-bit inputs and weights: two codes a step, 8 input channels in 4 steps,
// one accumulator per output channel of the block of four. This is the
// kernel without arm-dsp (x86-64, cores without the DSP extension); with
// it, the SMLAD product kernel takes these 1x1 layers (matmul-smlad.mlir).
// CHECK-LABEL: func.func private @pw4_step0
// CHECK-NOT: llvm.call_intrinsic
// CHECK: %[[W:.*]] = memref.get_global @pw4_weights{{[0-9]+}} : memref<16xi8>
// CHECK: scf.for %{{.*}} = %c0 to %c4 {{.*}} -> (i32, i32, i32, i32)
// Code 0 of the step: the input byte's low nibble (unsigned), ...
// CHECK: %[[XB:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[X0:.*]] = arith.andi %[[XB]], %c15_i32 : i32
// ... against each channel's weight nibble, sign-extended (xor/sub 8).
// CHECK: memref.load %[[W]]
// CHECK: %[[W0:.*]] = arith.andi %{{.*}}, %c15_i32 : i32
// CHECK: %[[WX:.*]] = arith.xori %[[W0]], %c8_i32 : i32
// CHECK: %[[WS:.*]] = arith.subi %[[WX]], %c8_i32 : i32
// CHECK: arith.muli %[[X0]], %[[WS]] : i32
// CHECK-COUNT-3: arith.muli %[[X0]], %{{.*}} : i32
// Code 1: the high nibbles of the same bytes (no new load).
// CHECK: %[[XH:.*]] = arith.shrui %[[XB]], %c4_i32 : i32
// CHECK: %[[X1:.*]] = arith.andi %[[XH]], %c15_i32 : i32
// CHECK-NOT: memref.load
// CHECK-COUNT-4: arith.muli %[[X1]], %{{.*}} : i32
// CHECK: scf.yield
// CHECK: return
func.func @pw4(%x: tensor<1x2x2x8xf32>) -> tensor<1x2x2x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x8xf32> -> tensor<1x2x2x8x!mpq.uniform<u4, 0.5:0>>
  %w = mpq.qconstant dense<-3> : tensor<4x1x1x8xi8> : tensor<4x1x1x8x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x2x2x8x!mpq.uniform<u4, 0.5:0>>, tensor<4x1x1x8x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x2x2x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x4xi32> -> tensor<1x2x2x4x!mpq.uniform<u4, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x4x!mpq.uniform<u4, 0.5:0>> -> tensor<1x2x2x4xf32>
  return %d : tensor<1x2x2x4xf32>
}

// -----

// 2-bit inputs, 8-bit weights: four codes a step (8 input channels in 2
// steps), each at shift 0, 2, 4, 6 of one input byte.
// CHECK-LABEL: func.func private @pw2_step0
// CHECK-NOT: llvm.call_intrinsic
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (i32, i32, i32, i32)
// CHECK: %[[XB:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[X0:.*]] = arith.andi %[[XB]], %c3_i32 : i32
// CHECK-COUNT-4: arith.muli %[[X0]], %{{.*}} : i32
// CHECK: arith.shrui %[[XB]], %c2_i32 : i32
// CHECK: arith.shrui %[[XB]], %c4_i32 : i32
// CHECK: arith.shrui %[[XB]], %c6_i32 : i32
// CHECK: scf.yield
// Half to even rounding: the requantization in int64.
// CHECK: arith.muli %{{.*}} : i64
// CHECK: return
func.func @pw2(%x: tensor<1x2x2x8xf32>) -> tensor<1x2x2x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x8xf32> -> tensor<1x2x2x8x!mpq.uniform<u2, 0.5:0>>
  %w = mpq.qconstant dense<1> : tensor<4x1x1x8xi8> : tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x2x2x8x!mpq.uniform<u2, 0.5:0>>, tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x2x2x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<half_to_even>}
     : tensor<1x2x2x4xi32> -> tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x2x2x4xf32>
  return %d : tensor<1x2x2x4xf32>
}
