// RUN: mpq-opt %s -mpq-lower-to-loops="arm-dsp=true" | FileCheck %s
// RUN: mpq-opt %s -mpq-lower-to-loops | FileCheck %s --check-prefix=PLAIN
// RUN: mpq-opt %s -mpq-lower-to-loops="arm-dsp=true channel-block=1" | FileCheck %s --check-prefix=ONE

// --mpq-lower-to-loops arm-dsp: an 8-bit layer whose input has no zero point
// and whose input channels come in words of four multiplies two 16-bit pairs
// per SMLAD: the input words widened to their even and odd bytes (UXTB16 for
// unsigned codes, SXTB16 for signed ones), against the weight words. A 1x1
// layer takes the product kernel (matmul-smlad.mlir).
// CHECK-LABEL: func.func private @pw_step0
// CHECK: memref.view
// CHECK: scf.for
// CHECK: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: return
// Without the option: no Arm intrinsic.
// PLAIN-LABEL: func.func private @pw_step0
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: return
// One channel at a time (the smallest code, mpqc's size fallback): not the
// product kernel; the input word feeds one channel's two SMLADs.
// ONE-LABEL: func.func private @pw_step0
// ONE-COUNT-2: llvm.call_intrinsic "llvm.arm.smlad"
// ONE-NOT: llvm.call_intrinsic "llvm.arm.smlad"
// ONE: return
func.func @pw(%x: tensor<1x2x2x8xf32>) -> tensor<1x2x2x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x8xf32> -> tensor<1x2x2x8x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<1> : tensor<4x1x1x8xi8> : tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x2x2x8x!mpq.uniform<u8, 0.5:0>>, tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x2x2x4xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x4xi32> -> tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x2x2x4xf32>
  return %d : tensor<1x2x2x4xf32>
}
