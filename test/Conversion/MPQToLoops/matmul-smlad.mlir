// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=PLAIN

// The SMLAD product kernel (MatMulSmladLowering, arm-dsp, benefit 4): a 1x1
// convolution as rows of pixels against rows of weights. The weights are a
// global of words laid out in the order the kernel reads them (per pair of
// channels, word j of each channel). Pixels two at a time against channels
// two at a time, the reduction unrolled by two words: per word, two weight
// words (one LDRD for the pair: LLVM pairs none in these loops) and two
// input words (one 32-bit load each) loaded and widened once, eight SMLADs.
// (With the DSP kernels' scratch planned, the input is widened before the
// reduction: matmul-smlad-widened.mlir.) The reduction loop walks two LLVM pointers (the first
// row's input word, the weight word), each load a constant offset from one
// of them (the second row is one row, 32 bytes, further), and ends when the
// input pointer reaches the row's end. (Rows of up to 24 codes, three
// steps, are straight-line code instead: the fully connected case below.)
// CHECK-LABEL: func.func private @pw_step0
// CHECK-SAME: (%[[ARENA:.*]]: memref<108xi8>)
// CHECK-DAG: %[[W:.*]] = memref.get_global @pw_weights{{[0-9]+}} : memref<32xi32>
// CHECK-DAG: %[[ZP:.*]] = memref.get_global @pw_weight_zp{{[0-9]+}} : memref<4xi8>
// CHECK: %[[X:.*]] = memref.view %[[ARENA]][%c0][] : memref<108xi8> to memref<24xi32>
// CHECK: %[[XA:.*]] = memref.extract_aligned_pointer_as_index %[[ARENA]]
// CHECK: %[[XI:.*]] = arith.index_castui %[[XA]] : index to i64
// CHECK: %[[XB:.*]] = llvm.inttoptr %[[XI]] : i64 to !llvm.ptr
// CHECK: %[[WA:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[WI:.*]] = arith.index_castui %[[WA]] : index to i64
// CHECK: %[[WB:.*]] = llvm.inttoptr %[[WI]] : i64 to !llvm.ptr
// The input sums of the two pixels (weight zero points factored out), four
// codes per USADA8.
// CHECK: %[[S0:.*]] = scf.for %{{.*}} = %c0 to %c8 {{.*}} -> (i32)
// CHECK: memref.load %[[X]]
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: %[[S1:.*]] = scf.for %{{.*}} = %c0 to %c8 {{.*}} -> (i32)
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// Pairs of channels; each pair's weights start 16 words (64 bytes) further.
// CHECK: scf.for %[[BLK:.*]] = %c0 to %c2
// CHECK-DAG: %[[XEND:.*]] = llvm.getelementptr %[[XB]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK-DAG: %[[WOFF:.*]] = arith.muli %[[BLK]], %c64 : index
// CHECK-DAG: %[[WOFF32:.*]] = arith.index_cast %[[WOFF]] : index to i32
// CHECK-DAG: %[[WF:.*]] = llvm.getelementptr %[[WB]][%[[WOFF32]]]
// CHECK: %[[ACC:.*]]:6 = scf.while ({{.*}}, %{{.*}} = %[[XB]], %{{.*}} = %[[WF]])
// CHECK: %[[MORE:.*]] = llvm.icmp "ult" %{{.*}}, %[[XEND]] : !llvm.ptr
// CHECK: scf.condition(%[[MORE]])
// CHECK: ^bb0({{.*}}, %[[XP:.*]]: !llvm.ptr, %[[WP:.*]]: !llvm.ptr):
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]", "=r,=r,r" %[[WP]]
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: llvm.load %[[XP]] {alignment = 4 : i64}
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: %[[X1:.*]] = llvm.getelementptr %[[XP]][32]
// CHECK: llvm.load %[[X1]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// The second word of the step: weights 8 and 12 bytes on, inputs 4 and 36.
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #8]", "=r,=r,r" %[[WP]]
// CHECK: llvm.getelementptr %[[XP]][4]
// CHECK: llvm.getelementptr %[[XP]][36]
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
// CHECK: scf.for %{{.*}} = %c0 to %c8 {{.*}} -> (i32)
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: %[[X2:.*]] = llvm.getelementptr %[[XB]][64]
// CHECK: scf.while ({{.*}}, %{{.*}} = %[[X2]], %{{.*}}) : (i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: return
// Without arm-dsp no Arm intrinsic: the stepped kernel.
// PLAIN-LABEL: func.func private @pw_step0
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: return
func.func @pw(%x: tensor<1x1x3x32xf32>) -> tensor<1x1x3x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x3x32xf32> -> tensor<1x1x3x32x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<3> : tensor<4x1x1x32xi8> : tensor<4x1x1x32x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x3x32x!mpq.uniform<u8, 0.5:0>>, tensor<4x1x1x32x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>) -> tensor<1x1x3x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x3x4xi32> -> tensor<1x1x3x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x3x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x3x4xf32>
  return %d : tensor<1x1x3x4xf32>
}

// -----

// A fully connected layer: one row, four channels a block (the row's word
// widened once for the four), two words a step. A row of 16 codes is two
// steps: straight-line code, no loop, every load at a constant offset from
// the row's and the block's first word; the block's weight words two at a
// time (LDRD).
// CHECK-LABEL: func.func private @fc_step0
// CHECK: memref.view
// CHECK: %[[XB:.*]] = llvm.inttoptr
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK-NOT: scf.while
// CHECK: %[[WF:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i32)
// CHECK: llvm.load %[[XB]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]", "=r,=r,r" %[[WF]]
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #8]", "=r,=r,r" %[[WF]]
// CHECK: llvm.getelementptr %[[XB]][4]
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #24]", "=r,=r,r" %[[WF]]
// The second step: the row's third word, the block's words 32 bytes on.
// CHECK-DAG: %[[W2:.*]] = llvm.getelementptr %[[WF]][32]
// CHECK-DAG: llvm.getelementptr %[[XB]][8]
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #24]", "=r,=r,r" %[[W2]]
// CHECK-NOT: scf.while
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

// -----

// 4-bit signed weights on 8-bit inputs: a step is eight codes (two input
// words) against one weight word per channel pair: group t of channel cc is
// field t * 2 + cc, so word 0 holds codes 0..3 of channel 0 in its low
// nibbles and of channel 1 in its high ones, word 1 codes 4..7. The codes
// are stored offset binary (+8). Channel 0 is 1 2 3 4 5 6 7 -8 (stored 9
// 10 11 12 13 14 15 0), channel 1 is -1 -2 -3 -4 0 1 2 3 (stored 7 6 5 4 8
// 9 10 11): word 0 is bytes 79 6A 5B 4C (0x4C5B6A79), word 1 bytes 8D 9E AF
// B0 (0xB0AF9E8D). Channel 0 takes the low nibbles (one AND with
// 0x0F0F0F0F, UXTB16: the codes as they are); channel 1 takes the whole
// word (UXTB16 of it: 16 times its code plus channel 0's), and channel 0's
// accumulator is subtracted from its own after the reduction: 16 times its
// sum. The requantization takes each channel's accumulator as it is, its
// shift 31 - (-3) = 34 for channel 0 and 4 bits longer, 38, for channel 1:
// the table holds 34 (one entry), the kernel adds 4 for channel 1. The
// stored zero point 8 (one entry) is factored out with the input sums
// (USADA8), shifted left by 4 for channel 1 (its products' scale).
// CHECK-LABEL: func.func private @pw4w_step0
// CHECK: memref.get_global @pw4w_weights{{[0-9]+}} : memref<2xi32>
// CHECK-NOT: scf.while
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"
// Both weight words with one LDRD.
// CHECK: %[[WS:.*]] = llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]", "=r,=r,r"
// CHECK: %[[W0:.*]] = llvm.extractvalue %[[WS]][0]
// CHECK: %[[LO:.*]] = arith.andi %[[W0]], %c252645135_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"(%[[LO]])
// CHECK-NOT: arith.andi %[[W0]]
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"(%[[W0]])
// CHECK: %[[LOW0:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %c0_i32)
// CHECK-NEXT: %[[LOW:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %[[LOW0]])
// CHECK-NEXT: %[[HIGH0:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %c0_i32)
// CHECK-NEXT: %[[HIGH:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %[[HIGH0]])
// The second group (word 1) continues the first pixel's accumulators.
// CHECK: %[[LOW1:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %[[LOW]])
// CHECK-NEXT: %[[LOWN:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %[[LOW1]])
// CHECK-NEXT: %[[HIGH1:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %[[HIGH]])
// CHECK-NEXT: %[[HIGHN:.*]] = llvm.call_intrinsic "llvm.arm.smlad"(%{{.*}}, %{{.*}}, %[[HIGH1]])
// CHECK: arith.subi %[[HIGHN]], %[[LOWN]] : i32
// Channel 1's zero point scaled by 2^4; its shift less the high-word
// path's 32, plus 4: one constant, -28.
// CHECK: arith.shli %{{.*}}, %c4_i32 : i32
// CHECK: arith.addi %{{.*}}, %c-28_i32 : i32
// CHECK-NOT: arith.shrsi %{{.*}}, %c4_i32
// CHECK: return
// CHECK-DAG: memref.global "private" constant @pw4w_weights{{[0-9]+}} : memref<2xi32> = dense<[1281059449, -1330667891]>
// CHECK-DAG: memref.global "private" constant @pw4w_shift{{[0-9]+}} : memref<1xi8> = dense<34>
// CHECK-DAG: memref.global "private" constant @pw4w_weight_zp{{[0-9]+}} : memref<1xi8> = dense<8>
func.func @pw4w(%x: tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x2x8xf32> -> tensor<1x1x2x8x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<[[[[1, 2, 3, 4, 5, 6, 7, -8]]], [[[-1, -2, -3, -4, 0, 1, 2, 3]]]]> : tensor<2x1x1x8xi8> : tensor<2x1x1x8x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x2x8x!mpq.uniform<u8, 0.5:0>>, tensor<2x1x1x8x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x1x2x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x2x2xi32> -> tensor<1x1x2x2x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x2x2x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x2x2xf32>
  return %d : tensor<1x1x2x2xf32>
}

// -----

// 8-bit weights on 4-bit inputs: an input word holds eight codes, two per
// byte; group 0 is the low nibbles (codes 0, 2, 4, 6: masked with
// 0x0F0F0F0F, values as they are), group 1 the high ones (codes 1, 3, 5,
// 7: shifted right by 4 first). The weights are laid out to match: word 0
// is channel 0's codes 0 2 4 6, word 1 channel 1's, words 2 and 3 codes
// 1 3 5 7. Channel 0 is 1..8, channel 1 -1..-8: 0x07050301, 0xF9FBFDFF,
// 0x08060402, 0xF8FAFCFE. No scale: the shift is 31 - (-3) = 34.
// CHECK-LABEL: func.func private @pw4x_step0
// The two weight words of group 0, then the first pixel's input word.
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: %[[X0:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[XL:.*]] = arith.andi %[[X0]], %c252645135_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"(%[[XL]])
// CHECK: %[[XS:.*]] = arith.shrui %[[X0]], %c4_i32 : i32
// CHECK: %[[XH:.*]] = arith.andi %[[XS]], %c252645135_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"(%[[XH]])
// CHECK: return
// CHECK-DAG: memref.global "private" constant @pw4x_weights{{[0-9]+}} : memref<4xi32> = dense<[117768961, -100925953, 134611970, -117768962]>
// CHECK-DAG: memref.global "private" constant @pw4x_shift{{[0-9]+}} : memref<1xi8> = dense<34>
func.func @pw4x(%x: tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x2x8xf32> -> tensor<1x1x2x8x!mpq.uniform<u4, 0.5:0>>
  %w = mpq.qconstant dense<[[[[1, 2, 3, 4, 5, 6, 7, 8]]], [[[-1, -2, -3, -4, -5, -6, -7, -8]]]]> : tensor<2x1x1x8xi8> : tensor<2x1x1x8x!mpq.uniform<i8, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x2x8x!mpq.uniform<u4, 0.5:0>>, tensor<2x1x1x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x1x2x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x2x2xi32> -> tensor<1x1x2x2x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x2x2x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x2x2xf32>
  return %d : tensor<1x1x2x2xf32>
}
