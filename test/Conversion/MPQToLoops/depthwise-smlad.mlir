// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -canonicalize -cse | FileCheck %s --check-prefix=PLAIN

// The depthwise SMLAxy kernel (DepthwiseSmladLowering, arm-dsp, benefit
// 5): per output pixel, four channels a word. Per tap one input word and
// one weight word, each widened once (UXTB16/SXTB16: channels 0 and 2 in
// the even halves, 1 and 3 in the odd ones), the weight zero points
// subtracted from the widened weights (SSUB16), and one multiply-accumulate
// per channel: SMLABB (bottom halves) and SMLATT (top halves). The weights
// are a global of words in the order the kernel reads them: tap t's word
// holds the four channels' weights of tap t (channel c, tap t: 10 c + t -
// 20, so tap 0 is bytes EC F6 00 0A = 0x0A00F6EC = 167835372, each next
// tap 0x01010101 more); the zero points (1, -2, 0, 3) are two words of
// 16-bit lanes, channels 0 and 2 (0x00000001), then 1 and 3 (0x0003FFFE).
// Pixels whose window crosses the border (padding 1) take a copy whose
// taps are clamped into the image and read as 0 outside.
// CHECK-LABEL: func.func private @dw_step0
// CHECK-DAG: memref.get_global @dw_weights{{[0-9]+}} : memref<9xi32>
// CHECK-DAG: memref.get_global @dw_weight_zp_pairs{{[0-9]+}} : memref<2xi32>
// CHECK: scf.if
// Inside the image: a loop over the window's rows, the columns unrolled,
// every tap a constant offset (one pixel, 4 bytes) from the row's first.
// CHECK: scf.for {{.*}} -> (i32, i32, i32, i32)
// CHECK: %[[X:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[W:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[XE:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"(%[[X]])
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: %[[WE:.*]] = llvm.call_intrinsic "llvm.arm.sxtb16"(%[[W]])
// CHECK: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: %[[WC:.*]] = llvm.call_intrinsic "llvm.arm.ssub16"(%[[WE]], %{{.*}})
// CHECK: llvm.call_intrinsic "llvm.arm.smlabb"(%[[XE]], %[[WC]], %{{.*}})
// CHECK: llvm.call_intrinsic "llvm.arm.smlatt"(%[[XE]], %[[WC]], %{{.*}})
// CHECK: llvm.call_intrinsic "llvm.arm.ssub16"
// CHECK: llvm.call_intrinsic "llvm.arm.smlabb"
// CHECK: llvm.call_intrinsic "llvm.arm.smlatt"
// CHECK: llvm.getelementptr %{{.*}}[4] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: scf.yield
// At the border: the tap's word replaced by 0 outside the image.
// CHECK: } else {
// (The zero point pairs, then the first tap's word.)
// CHECK-COUNT-2: llvm.load
// CHECK: %[[XB:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK-NEXT: arith.select %{{.*}}, %[[XB]], %c0_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.arm.smlabb"
// CHECK: return
// CHECK-DAG: memref.global "private" constant @dw_weights{{[0-9]+}} : memref<9xi32> = dense<[167835372, 184678381, 201521390, 218364399, 235207408, 252050417, 268893426, 285736435, 302579444]>
// CHECK-DAG: memref.global "private" constant @dw_weight_zp_pairs{{[0-9]+}} : memref<2xi32> = dense<[1, 262142]>
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
