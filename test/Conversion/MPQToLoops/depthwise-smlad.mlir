// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=PLAIN

// The depthwise SMLAxy kernel (DepthwiseSmladLowering, arm-dsp, benefit
// 5): per output pixel, four channels a word. Per tap one input word and
// one weight word, each widened once (UXTB16 for the input: channels 0 and
// 2 in the even halves, 1 and 3 in the odd ones; SXTAB16 for the weights,
// which adds the negated zero points as it widens), and one
// multiply-accumulate per channel: SMLABB (bottom halves) and SMLATT (top
// halves), kept in program order with the loads (inline assembly with a
// side effect) so that LLVM does not hoist every load of the unrolled
// window and spill. The weights are words in the order the kernel reads
// them, in one global with the parameters, unit by unit (the unit's
// weight words, then its groups' records): tap t's word holds the four
// channels' weights of tap t (channel c, tap t: 10 c + t - 20, so tap 0
// is bytes EC F6 00 0A =
// 0x0A00F6EC = 167835372, each next tap 0x01010101 more). The group's
// parameters are one record of words: the negated zero points (1, -2, 0, 3)
// as 16-bit lanes, channels 0 and 2 (0x0000FFFF = 65535), then 1 and 3
// (0xFFFD0002 = -196606); the biases (none: 0), which start the
// accumulators; the multipliers; the shifts as bytes, 31 - (-3) = 34 less
// the high-word path's 32: 0x02020202 = 33686018.
// CHECK-LABEL: func.func private @dw_step0
// CHECK-DAG: memref.get_global @dw_units{{[0-9]+}} : memref<20xi32>
// CHECK-DAG: memref.alloca() {alignment = 4 : i64} : memref<18xi32>
// CHECK: scf.if
// Inside the image: the window unrolled, every tap a constant offset from
// the window's first pixel (a row of taps 16 bytes on, a column 4) and from
// the weights' first word; the accumulators start at the record's biases.
// CHECK-NOT: scf.for
// CHECK: %[[ZE:.*]] = llvm.load %[[REC:.*]] {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[ZO:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[B0:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[W:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]", "=r,r" %[[WTS:.*]] : (!llvm.ptr) -> i32
// CHECK-NEXT: %[[X:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]", "=r,r" %[[PIX:.*]] : (!llvm.ptr) -> i32
// CHECK: %[[XE:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"(%[[X]])
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: %[[WE:.*]] = llvm.call_intrinsic "llvm.arm.sxtab16"(%[[ZE]], %[[W]])
// CHECK: llvm.call_intrinsic "llvm.arm.sxtab16"(%[[ZO]],
// CHECK: llvm.inline_asm has_side_effects "smlabb $0, $1, $2, $3", "=r,r,r,r" %[[XE]], %[[WE]], %[[B0]]
// CHECK: llvm.inline_asm has_side_effects "smlatt $0, $1, $2, $3", "=r,r,r,r" %[[XE]], %[[WE]]
// CHECK: llvm.inline_asm has_side_effects "smlabb
// CHECK: llvm.inline_asm has_side_effects "smlatt
// CHECK: "ldr $0, [$1, #4]", "=r,r" %[[WTS]]
// CHECK: "ldr $0, [$1, #4]", "=r,r" %[[PIX]]
// The last tap: row 2, column 2 (32 + 8 bytes), weight word 8.
// CHECK: "ldr $0, [$1, #32]", "=r,r" %[[WTS]]
// CHECK-NEXT: "ldr $0, [$1, #40]", "=r,r" %[[PIX]]
// CHECK-COUNT-4: llvm.inline_asm has_side_effects "smla
// The requantization on the product's high word, shifted by the record's
// byte.
// CHECK: %[[M:.*]] = arith.muli %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[H:.*]] = arith.shrui %[[M]], %c32_i64 : i64
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i8
// CHECK: arith.shrsi
// CHECK: memref.store
// At the border: the taps inside the image listed once per pixel (input
// and weight offsets, in the stack words), then a loop over the list.
// CHECK: } else {
// CHECK: scf.for {{.*}} -> (index) {
// CHECK: scf.for {{.*}} -> (index) {
// CHECK: llvm.store
// CHECK: llvm.store
// CHECK: scf.for {{.*}} -> (i32, i32, i32, i32) {
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]"
// CHECK: llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK: llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK-COUNT-4: llvm.inline_asm has_side_effects "smla
// CHECK: return
// CHECK-DAG: memref.global "private" constant @dw_units{{[0-9]+}} : memref<20xi32> = dense<[167835372, 184678381, 201521390, 218364399, 235207408, 252050417, 268893426, 285736435, 302579444, 65535, -196606, 0, 0, 0, 0, 1073741824, 1073741824, 1073741824, 1073741824, 33686018]>
// PLAIN-LABEL: func.func private @dw_step0
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: return
func.func @dw(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<[[[[-20], [-19], [-18]], [[-17], [-16], [-15]], [[-14], [-13], [-12]]], [[[-10], [-9], [-8]], [[-7], [-6], [-5]], [[-4], [-3], [-2]]], [[[0], [1], [2]], [[3], [4], [5]], [[6], [7], [8]]], [[[10], [11], [12]], [[13], [14], [15]], [[16], [17], [18]]]]> : tensor<4x3x3x1xi8> : tensor<4x3x3x1x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>
  %acc = mpq.qconv2d %q, %w {groups = 4, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>, tensor<4x3x3x1x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>) -> tensor<1x4x4x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x4x4xf32>
  return %d : tensor<1x4x4x4xf32>
}

// -----

// Sub-byte weights, each channel group placed on its own: 4-bit signed
// weights are stored offset binary (code + 8, unsigned fields; the zero
// points 0 + 8), so group 0 (channels 0-3, the low nibbles) is one AND
// with 0x0F0F0F0F (252645135) at the bottom of its bytes and group 1
// (channels 4-7, the high nibbles) one AND with 0xF0F0F0F0 (-252645136) at
// the top (products 16 times the sum). With floor rounding and N0 = 0 the
// high-word requantization needs a shift of at least 32, one more than
// group 0's 31: its accumulators are shifted left once after the window (5
// taps: 5 + 4 instructions, against 10 for a second shift per tap), group
// 1's already carry 2^4. Codes per channel (every tap) -8 -3 0 1 7 2 -1 -5,
// stored 0 5 8 9 15 10 7 3: bytes F0 A5 78 39, the word 0x3978A5F0 =
// 964208112. Records: negated zero points -8 (0xFFF8FFF8 = -458760) and
// -8 * 16 (0xFF80FF80 = -8323200), no biases, the multipliers, shifts
// 32 - 32 = 0 and 35 - 32 = 3 (0x03030303 = 50529027).
// CHECK-LABEL: func.func private @dw4_step0
// CHECK: %[[W0:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK: %[[L:.*]] = arith.andi %[[W0]], %c252645135_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.arm.uxtab16"(%{{.*}}, %[[L]])
// CHECK: %[[S:.*]] = arith.shli %{{.*}}, %c1_i32 : i32
// CHECK: arith.extsi %[[S]] : i32 to i64
// CHECK: %[[W1:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK: %[[T:.*]] = arith.andi %[[W1]], %c-252645136_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.arm.uxtab16"(%{{.*}}, %[[T]])
// CHECK-NOT: arith.shli %{{.*}}, %c1_i32
// CHECK: return
// One unit (both groups): the five taps' weight words, then the records.
// CHECK-DAG: memref.global "private" constant @dw4_units{{[0-9]+}} : memref<27xi32> = dense<[964208112, 964208112, 964208112, 964208112, 964208112, -458760, -458760, 0, 0, 0, 0, 1073741824, 1073741824, 1073741824, 1073741824, 0, -8323200, -8323200, 0, 0, 0, 0, 1073741824, 1073741824, 1073741824, 1073741824, 50529027]>
func.func @dw4(%x: tensor<1x1x5x8xf32>) -> tensor<1x1x1x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x5x8xf32> -> tensor<1x1x5x8x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<[[[[-8], [-8], [-8], [-8], [-8]]], [[[-3], [-3], [-3], [-3], [-3]]], [[[0], [0], [0], [0], [0]]], [[[1], [1], [1], [1], [1]]], [[[7], [7], [7], [7], [7]]], [[[2], [2], [2], [2], [2]]], [[[-1], [-1], [-1], [-1], [-1]]], [[[-5], [-5], [-5], [-5], [-5]]]]> : tensor<8x1x5x1xi8> : tensor<8x1x5x1x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w {groups = 8} : (tensor<1x1x5x8x!mpq.uniform<u8, 0.5:0>>, tensor<8x1x5x1x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x1x1x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x1x8xi32> -> tensor<1x1x1x8x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x1x8x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x1x8xf32>
  return %d : tensor<1x1x1x8xf32>
}

// -----

// 4-bit inputs: each group's input lanes taken straight from the word, one
// AND a half, instead of the field's mask and two UXTB16 (takeLanes). Group
// 0 (channels 0, 2, 4, 6: the low nibbles) takes channels 0 and 4 with
// 0x000F000F (983055; their values) and 2 and 6 with 0x0F000F00
// (251662080; 2^8 times theirs); group 1 (the high nibbles) takes 1 and 5
// with 0x00F000F0 (15728880; 2^4) and 3 and 7 from the word shifted right
// once with 0x78007800 (2013296640; 2^11). The weights as in @dw4: group
// 0's masked at the bottom (0x0F0F0F0F = 252645135), group 1's at the top
// (0xF0F0F0F0 = -252645136; 2^4). The accumulators' scales: group 0 2^0
// (channels 0, 4) and 2^8 (2, 6), group 1 2^8 (1, 5) and 2^15 (3, 7). With
// floor rounding and N0 = 0 the high word needs a shift of 32 (31 + the
// scale): only channels 0 and 4 are shifted left once after the window.
// The weights, codes -8 -3 0 1 7 2 -1 -5 per channel at every tap, stored
// + 8 as 0 5 8 9 15 10 7 3, channel c at nibble c: 0x37AF9850 = 934254672.
// Records: negated zero points -8 (0xFFF8FFF8 = -458760) and -8 * 16
// (0xFF80FF80 = -8323200); biases 1..8 at each channel's scale (group 0:
// 1, 3 * 2^8, 5, 7 * 2^8; group 1: 2 * 2^8, 4 * 2^15, 6 * 2^8, 8 * 2^15);
// the multipliers; shifts 31 + the requantization's scale - 32 by byte
// (channels 0 and 4 shifted to 2^1, the others at their products' scale):
// group 0 0, 7, 0, 7 (0x07000700 = 117442304), group 1 7, 14, 7, 14
// (0x0E070E07 = 235343367).
// CHECK-LABEL: func.func private @dwx4_step0
// CHECK: %[[W0:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK-NEXT: %[[X0:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK-NEXT: %[[XE0:.*]] = arith.andi %[[X0]], %c983055_i32 : i32
// CHECK-NEXT: %[[XO0:.*]] = arith.andi %[[X0]], %c251662080_i32 : i32
// CHECK-NEXT: %[[WL:.*]] = arith.andi %[[W0]], %c252645135_i32 : i32
// CHECK: %[[WE0:.*]] = llvm.call_intrinsic "llvm.arm.uxtab16"(%{{.*}}, %[[WL]])
// CHECK: llvm.inline_asm has_side_effects "smlabb $0, $1, $2, $3", "=r,r,r,r" %[[XE0]], %[[WE0]]
// CHECK: llvm.inline_asm has_side_effects "smlatt $0, $1, $2, $3", "=r,r,r,r" %[[XE0]], %[[WE0]]
// CHECK: llvm.inline_asm has_side_effects "smlabb $0, $1, $2, $3", "=r,r,r,r" %[[XO0]]
// CHECK-NOT: llvm.arm.uxtb16
// CHECK: arith.shli %{{.*}}, %c1_i32 : i32
// CHECK: llvm.store
// CHECK-NOT: arith.shli
// CHECK: llvm.store
// CHECK: arith.shli %{{.*}}, %c1_i32 : i32
// CHECK: llvm.store
// CHECK-NOT: arith.shli
// CHECK: llvm.store
// CHECK: %[[W1:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK-NEXT: %[[X1:.*]] = llvm.inline_asm has_side_effects "ldr $0, [$1, #0]"
// CHECK-NEXT: %[[XE1:.*]] = arith.andi %[[X1]], %c15728880_i32 : i32
// CHECK-NEXT: %[[XS1:.*]] = arith.shrui %[[X1]], %c1_i32 : i32
// CHECK-NEXT: %[[XO1:.*]] = arith.andi %[[XS1]], %c2013296640_i32 : i32
// CHECK-NEXT: %[[WH:.*]] = arith.andi %[[W1]], %c-252645136_i32 : i32
// CHECK: %[[WE1:.*]] = llvm.call_intrinsic "llvm.arm.uxtab16"(%{{.*}}, %[[WH]])
// CHECK: llvm.inline_asm has_side_effects "smlabb $0, $1, $2, $3", "=r,r,r,r" %[[XE1]], %[[WE1]]
// CHECK-NOT: llvm.arm.uxtb16
// CHECK-NOT: arith.shli %{{.*}}, %c1_i32
// CHECK: return
// One unit (both groups): the three taps' weight words, then the records.
// CHECK-DAG: memref.global "private" constant @dwx4_units{{[0-9]+}} : memref<25xi32> = dense<[934254672, 934254672, 934254672, -458760, -458760, 1, 768, 5, 1792, 1073741824, 1073741824, 1073741824, 1073741824, 117442304, -8323200, -8323200, 512, 131072, 1536, 262144, 1073741824, 1073741824, 1073741824, 1073741824, 235343367]>
func.func @dwx4(%x: tensor<1x1x3x8xf32>) -> tensor<1x1x1x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x3x8xf32> -> tensor<1x1x3x8x!mpq.uniform<u4, 0.5:0>>
  %w = mpq.qconstant dense<[[[[-8], [-8], [-8]]], [[[-3], [-3], [-3]]], [[[0], [0], [0]]], [[[1], [1], [1]]], [[[7], [7], [7]]], [[[2], [2], [2]]], [[[-1], [-1], [-1]]], [[[-5], [-5], [-5]]]]> : tensor<8x1x3x1xi8> : tensor<8x1x3x1x!mpq.uniform<i4, 0.5:0>>
  %acc = mpq.qconv2d %q, %w {groups = 8} : (tensor<1x1x3x8x!mpq.uniform<u4, 0.5:0>>, tensor<8x1x3x1x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x1x1x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, bias = array<i32: 1, 2, 3, 4, 5, 6, 7, 8>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x1x8xi32> -> tensor<1x1x1x8x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x1x8x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x1x8xf32>
  return %d : tensor<1x1x1x8xf32>
}
