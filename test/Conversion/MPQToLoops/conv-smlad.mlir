// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s

// The SMLAD kernel (ConvSmladLowering, arm-dsp): 8-bit codes, an input
// without zero point, input channels in words of four. A 3x3 convolution
// with padding: positions whose window lies inside the image take the SMLAD
// kernel, the others the stepped kernel with its padding tests.
// CHECK-LABEL: func.func private @conv3x3_step0
// CHECK-SAME: (%[[ARENA:.*]]: memref<192xi8>)
// CHECK-DAG: %[[W:.*]] = memref.get_global @conv3x3_weights{{[0-9]+}} : memref<288xi8>
// CHECK: scf.if
// ky, kx, and the 8 input channels four at a time; one accumulator per
// output channel of the block of four.
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32, i32, i32, i32)
// CHECK: scf.for %{{.*}} = %c0 to %c3 {{.*}} -> (i32, i32, i32, i32)
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (i32, i32, i32, i32)
// One input word, its even and odd bytes widened once for the whole block
// (unsigned codes: UXTB16).
// CHECK-COUNT-4: memref.load %[[ARENA]]
// CHECK: %[[XE:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: %[[XO:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"
// Per output channel: one weight word (signed codes: SXTB16), two SMLADs.
// CHECK-COUNT-4: memref.load %[[W]]
// CHECK: %[[WE:.*]] = llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: %[[WO:.*]] = llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: %[[A:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%[[XE]], %[[WE]], %{{.*}})
// CHECK: %[[B0:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%[[XO]], %[[WO]], %[[A]])
// CHECK-COUNT-6: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: scf.yield %[[B0]], %{{.*}}, %{{.*}}, %{{.*}} : i32, i32, i32, i32
// Requantized per channel on the product's high word (floor, shifts >= 32),
// clamped to [0, 255] and stored.
// CHECK: arith.shrsi %{{.*}} : i32
// CHECK: arith.maxsi %{{.*}}, %c0_i32 : i32
// CHECK: arith.minsi %{{.*}}, %c255_i32 : i32
// CHECK: memref.store
// The border: code by code with a padding select, one multiply per channel.
// CHECK: } else {
// CHECK-NOT: llvm.arm.smlad
// CHECK: scf.for %{{.*}} = %c0 to %c8 {{.*}} -> (i32, i32, i32, i32)
// CHECK: arith.select
// CHECK-COUNT-4: arith.muli %{{.*}} : i32
// CHECK: return
func.func @conv3x3(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<3> : tensor<4x3x3x8xi8> : tensor<4x3x3x8x!mpq.uniform<i8, 0.5:0>>
  %acc = mpq.qconv2d %q, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<4x3x3x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x4x4x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x4x4xf32>
  return %d : tensor<1x4x4x4xf32>
}

// -----

// uint8 weights with a zero point: the zero point is factored out (the input
// sum once per position), so SMLAD multiplies the stored codes as they are
// (UXTB16 on the weights too). A 1x1 convolution with stride 2 (stride 1
// goes to the product kernel, matmul-smlad.mlir).
// CHECK-LABEL: func.func private @weight_zp_step0
// Every channel has zero point 128: one i16 entry, read for each channel.
// CHECK: %[[ZP:.*]] = memref.get_global @weight_zp_weight_zp{{[0-9]+}} : memref<1xi16>
// The input sum of the position.
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c8 {{.*}} -> (i32)
// CHECK: arith.addi %{{.*}} : i32
// CHECK: %[[Z16:.*]] = memref.load %[[ZP]][%c0]
// CHECK: %[[Z0:.*]] = arith.extsi %[[Z16]] : i16 to i32
// CHECK: %[[ACC:.*]]:2 = scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (i32, i32)
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.smlad"
// acc - zw * sum, before the requantization.
// CHECK: %[[P:.*]] = arith.muli %[[Z0]], %[[SUM]] : i32
// CHECK: arith.subi %[[ACC]]#0, %[[P]] : i32
// CHECK: return
func.func @weight_zp(%x: tensor<1x4x4x8xf32>) -> tensor<1x2x2x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<130> : tensor<2x1x1x8xi32> : tensor<2x1x1x8x!mpq.uniform<u8, 0.5:128>>
  %acc = mpq.qconv2d %q, %w {strides = array<i64: 2, 2>} : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<2x1x1x8x!mpq.uniform<u8, 0.5:128>>) -> tensor<1x2x2x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x2xi32> -> tensor<1x2x2x2x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x2x!mpq.uniform<u8, 0.5:0>> -> tensor<1x2x2x2xf32>
  return %d : tensor<1x2x2x2xf32>
}

// -----

// An input with a zero point: SMLAD does not apply (ConvSmladLowering does
// not match); the stepped kernel subtracts the zero point from each code.
// CHECK-LABEL: func.func private @input_zp_step0
// CHECK-NOT: llvm.call_intrinsic
// CHECK: scf.for %{{.*}} = %c0 to %c8 {{.*}} -> (i32, i32, i32, i32)
// CHECK: arith.subi %{{.*}}, %c3_i32 : i32
// CHECK-COUNT-4: arith.muli %{{.*}} : i32
// CHECK-NOT: llvm.call_intrinsic
// CHECK: return
func.func @input_zp(%x: tensor<1x2x2x8xf32>) -> tensor<1x2x2x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x8xf32> -> tensor<1x2x2x8x!mpq.uniform<u8, 0.5:3>>
  %w = mpq.qconstant dense<1> : tensor<4x1x1x8xi8> : tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x2x2x8x!mpq.uniform<u8, 0.5:3>>, tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x2x2x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x4xi32> -> tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x2x2x4xf32>
  return %d : tensor<1x2x2x4xf32>
}
