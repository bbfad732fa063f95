// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=PLAIN

// The SMLAD product kernel (MatMulSmladLowering, arm-dsp, benefit 4): a 1x1
// convolution as rows of pixels against rows of weights. Input words are
// read as 32-bit words (a view of the arena as i32); the weights are a
// global of words laid out in the order the kernel reads them (per pair of
// channels, word j of each channel). Pixels two at a time against channels
// two at a time, the reduction unrolled by two words: per word, two weight
// words and two input words loaded and widened once, eight SMLADs.
// CHECK-LABEL: func.func private @pw_step0
// CHECK-SAME: (%[[ARENA:.*]]: memref<60xi8>)
// CHECK-DAG: %[[W:.*]] = memref.get_global @pw_weights{{[0-9]+}} : memref<16xi32>
// CHECK-DAG: %[[ZP:.*]] = memref.get_global @pw_weight_zp{{[0-9]+}} : memref<4xi8>
// CHECK: %[[X:.*]] = memref.view %[[ARENA]][%c0][] : memref<60xi8> to memref<12xi32>
// The input sums of the two pixels (weight zero points factored out), four
// codes per USADA8.
// CHECK: %[[S0:.*]] = scf.for %{{.*}} = %c0 to %c4 {{.*}} -> (i32)
// CHECK: memref.load %[[X]]
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: %[[S1:.*]] = scf.for %{{.*}} = %c0 to %c4 {{.*}} -> (i32)
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// Pairs of channels, the reduction two words a step (16 codes: 2 steps).
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: %[[ACC:.*]]:4 = scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (i32, i32, i32, i32)
// CHECK: memref.load %[[W]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: memref.load %[[W]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: memref.load %[[X]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: memref.load %[[X]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// The second word of the step.
// CHECK: memref.load %[[W]]
// CHECK-COUNT-8: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: scf.yield
// acc - zw * sum, requantized, stored; channel 0 of pixel 0 first.
// CHECK: %[[Z8:.*]] = memref.load %[[ZP]]
// CHECK: %[[Z:.*]] = arith.extsi %[[Z8]] : i8 to i32
// CHECK: %[[P:.*]] = arith.muli %[[Z]], %[[S0]] : i32
// CHECK: arith.subi %[[ACC]]#0, %[[P]] : i32
// CHECK: memref.store
// The third pixel alone: one input word a step, the same weight words.
// CHECK: scf.for %{{.*}} = %c0 to %c4 {{.*}} -> (i32)
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (i32, i32)
// CHECK: return
// Without arm-dsp no Arm intrinsic: the stepped kernel.
// PLAIN-LABEL: func.func private @pw_step0
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: return
func.func @pw(%x: tensor<1x1x3x16xf32>) -> tensor<1x1x3x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x3x16xf32> -> tensor<1x1x3x16x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<3> : tensor<4x1x1x16xi8> : tensor<4x1x1x16x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x3x16x!mpq.uniform<u8, 0.5:0>>, tensor<4x1x1x16x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>) -> tensor<1x1x3x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x3x4xi32> -> tensor<1x1x3x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x3x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x3x4xf32>
  return %d : tensor<1x1x3x4xf32>
}

// -----

// A fully connected layer: one row, four channels a block (the row's word
// widened once for the four), the reduction two words a step.
// CHECK-LABEL: func.func private @fc_step0
// CHECK: memref.view
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for %{{.*}} = %c0 to %c2 {{.*}} -> (i32, i32, i32, i32)
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: return
// PLAIN-LABEL: func.func private @fc_step0
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: return
func.func @fc(%x: tensor<1x16xf32>) -> tensor<1x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x16xf32> -> tensor<1x16x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<-7> : tensor<8x16xi8> : tensor<8x16x!mpq.uniform<i8, 0.5:3>>
  %acc = mpq.qfully_connected %q, %w : (tensor<1x16x!mpq.uniform<u8, 0.5:0>>, tensor<8x16x!mpq.uniform<i8, 0.5:3>>) -> tensor<1x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1500000000>, exponent = array<i32: -2>, bias = array<i32: 7>, rounding = #mpq.rounding<half_away_from_zero>}
     : tensor<1x8xi32> -> tensor<1x8x!mpq.uniform<i8, 0.2:-5>>
  %d = mpq.dequantize %y : tensor<1x8x!mpq.uniform<i8, 0.2:-5>> -> tensor<1x8xf32>
  return %d : tensor<1x8xf32>
}
