// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=PLAIN

// The SMLAD product kernel (MatMulSmladLowering, arm-dsp, benefit 4): a 1x1
// convolution as rows of pixels against rows of weights. The weights are a
// global of words laid out in the order the kernel reads them (per pair of
// channels, word j of each channel). Pixels two at a time against channels
// two at a time, the reduction unrolled by two words: per word, two weight
// words and two input words loaded (one 32-bit load each) and widened
// once, eight SMLADs. The reduction loop walks two LLVM pointers (the first
// row's input word, the weight word), each load a constant offset from one
// of them (the second row is one row, 16 bytes, further), and ends when the
// input pointer reaches the row's end.
// CHECK-LABEL: func.func private @pw_step0
// CHECK-SAME: (%[[ARENA:.*]]: memref<60xi8>)
// CHECK-DAG: %[[W:.*]] = memref.get_global @pw_weights{{[0-9]+}} : memref<16xi32>
// CHECK-DAG: %[[ZP:.*]] = memref.get_global @pw_weight_zp{{[0-9]+}} : memref<4xi8>
// CHECK: %[[X:.*]] = memref.view %[[ARENA]][%c0][] : memref<60xi8> to memref<12xi32>
// CHECK: %[[XA:.*]] = memref.extract_aligned_pointer_as_index %[[ARENA]]
// CHECK: %[[XI:.*]] = arith.index_castui %[[XA]] : index to i64
// CHECK: %[[XB:.*]] = llvm.inttoptr %[[XI]] : i64 to !llvm.ptr
// CHECK: %[[WA:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[WI:.*]] = arith.index_castui %[[WA]] : index to i64
// CHECK: %[[WB:.*]] = llvm.inttoptr %[[WI]] : i64 to !llvm.ptr
// The input sums of the two pixels (weight zero points factored out), four
// codes per USADA8.
// CHECK: %[[S0:.*]] = scf.for %{{.*}} = %c0 to %c4 {{.*}} -> (i32)
// CHECK: memref.load %[[X]]
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: %[[S1:.*]] = scf.for %{{.*}} = %c0 to %c4 {{.*}} -> (i32)
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// Pairs of channels; each pair's weights start 8 words (32 bytes) further.
// CHECK: scf.for %[[BLK:.*]] = %c0 to %c2
// CHECK: %[[XEND:.*]] = llvm.getelementptr %[[XB]][16] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[WOFF:.*]] = arith.muli %[[BLK]], %c32 : index
// CHECK: %[[WOFF32:.*]] = arith.index_cast %[[WOFF]] : index to i32
// CHECK: %[[WF:.*]] = llvm.getelementptr %[[WB]][%[[WOFF32]]]
// CHECK: %[[ACC:.*]]:6 = scf.while ({{.*}}, %{{.*}} = %[[XB]], %{{.*}} = %[[WF]])
// CHECK: %[[MORE:.*]] = llvm.icmp "ult" %{{.*}}, %[[XEND]] : !llvm.ptr
// CHECK: scf.condition(%[[MORE]])
// CHECK: ^bb0({{.*}}, %[[XP:.*]]: !llvm.ptr, %[[WP:.*]]: !llvm.ptr):
// CHECK: llvm.load %[[WP]] {alignment = 4 : i64}
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: %[[W1:.*]] = llvm.getelementptr %[[WP]][4]
// CHECK: llvm.load %[[W1]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: llvm.load %[[XP]] {alignment = 4 : i64}
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: %[[X1:.*]] = llvm.getelementptr %[[XP]][16]
// CHECK: llvm.load %[[X1]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// The second word of the step: weights 8 and 12 bytes on, inputs 4 and 20.
// CHECK: llvm.getelementptr %[[WP]][8]
// CHECK: llvm.getelementptr %[[WP]][12]
// CHECK: llvm.getelementptr %[[XP]][4]
// CHECK: llvm.getelementptr %[[XP]][20]
// CHECK: %[[XN:.*]] = llvm.getelementptr %[[XP]][8]
// CHECK: %[[WN:.*]] = llvm.getelementptr %[[WP]][16]
// CHECK: scf.yield {{.*}}, %[[XN]], %[[WN]]
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
// CHECK: %[[X2:.*]] = llvm.getelementptr %[[XB]][32]
// CHECK: scf.while ({{.*}}, %{{.*}} = %[[X2]], %{{.*}}) : (i32, i32, !llvm.ptr, !llvm.ptr)
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
// CHECK: scf.while {{.*}} : (i32, i32, i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: } do {
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
