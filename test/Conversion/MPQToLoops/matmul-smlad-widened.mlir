// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers="dsp-kernels=true" | FileCheck %s --check-prefix=PLAN
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers="dsp-kernels=true" -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers -mpq-lower-to-loops="arm-dsp=true" -canonicalize -cse | FileCheck %s --check-prefix=NARROW

// The SMLAD product kernel with its input widened (matmul-smlad.mlir has the
// kernel without). Planned for the DSP kernels, a 1x1 convolution on 8-bit
// codes with two or more pixels and four or more pairs of output channels
// has scratch for two pixels in 16-bit lanes: 2 pixels x 32 codes x 2 bytes
// = 128 B, during its step only.
// The arena: the scratch at 0, the input (96 B) at 128, the output (24 B)
// at 224.
// PLAN: mpq.arena_size = 256 : i64
// PLAN: mpq.quantize {{.*}}mpq.offset = 128
// PLAN: mpq.qconv2d
// PLAN-SAME: mpq.scratch_offset = 0 : i64, mpq.scratch_size = 128 : i64
// PLAN: mpq.requantize {{.*}}mpq.offset = 224

// Each pair of pixels is widened once, before its channel blocks: word r of
// pixel i (its four codes, UXTB16 of the even and of the odd bytes) to bytes
// 16 r + 8 i of the scratch, the input sum (weight zero points factored
// out) taken on the way. The input is at 128 (after the scratch), its second
// pixel 32 bytes on.
// CHECK-LABEL: func.func private @pw_step0
// CHECK: %[[BASE:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr
// CHECK: %[[X0:.*]] = llvm.getelementptr %[[BASE]][128]
// CHECK: %[[S0:.*]] = scf.for %[[R:.*]] = %c0 to %c8 {{.*}} -> (i32)
// CHECK: %[[WORD:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[AT:.*]] = arith.muli %[[R]], %c16 : index
// CHECK: %[[AT32:.*]] = arith.index_cast %[[AT]] : index to i32
// CHECK: %[[TO:.*]] = llvm.getelementptr %[[BASE]][%[[AT32]]]
// CHECK: %[[LO:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"(%[[WORD]])
// CHECK: %[[HI:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: llvm.store %[[LO]], %[[TO]] {alignment = 4 : i64}
// CHECK: %[[TO4:.*]] = llvm.getelementptr %[[TO]][4]
// CHECK: llvm.store %[[HI]], %[[TO4]] {alignment = 4 : i64}
// CHECK: llvm.call_intrinsic "llvm.arm.usada8"(%[[WORD]]
// CHECK: llvm.getelementptr %[[X0]][32]
// CHECK: %[[PIX1:.*]] = llvm.getelementptr %[[BASE]][8]
// CHECK: %[[S1:.*]] = scf.for
// CHECK: llvm.getelementptr %[[PIX1]]
// CHECK: llvm.store
// Four blocks of two channels. The reduction reads the widened halves as
// they are, one LDRD per pixel and group (bytes 0, 8, 16, 24 of a step of
// eight codes), the weights one LDRD per group for both channels, and ends
// at the scratch's end (128 bytes on).
// CHECK: scf.for %{{.*}} = %c0 to %c4
// CHECK: scf.while ({{.*}}, %{{.*}} = %[[BASE]], %{{.*}} = %{{.*}})
// CHECK: llvm.icmp "ult" %{{.*}}, %[[X0]] : !llvm.ptr
// CHECK: ^bb0({{.*}}, %[[XP:.*]]: !llvm.ptr, %[[WP:.*]]: !llvm.ptr):
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]", "=r,=r,r" %[[WP]]
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.sxtb16"
// CHECK: %[[P0:.*]] = llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]", "=r,=r,r" %[[XP]]
// CHECK-NOT: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #8]", "=r,=r,r" %[[XP]]
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #8]", "=r,=r,r" %[[WP]]
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #16]", "=r,=r,r" %[[XP]]
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #24]", "=r,=r,r" %[[XP]]
// CHECK: %[[XN:.*]] = llvm.getelementptr %[[XP]][32]
// CHECK: scf.yield {{.*}}, %[[XN]], %{{.*}}
// The third pixel alone reads its 8-bit codes as they are.
// CHECK: scf.while
// CHECK: llvm.call_intrinsic "llvm.arm.uxtb16"
// CHECK: return

// Planned without the DSP kernels' scratch, the kernel reads 8-bit codes
// and widens them in the reduction.
// NARROW-LABEL: func.func private @pw_step0
// NARROW-NOT: llvm.store
// NARROW: scf.while
// NARROW: llvm.call_intrinsic "llvm.arm.uxtb16"
// NARROW: return
func.func @pw(%x: tensor<1x1x3x32xf32>) -> tensor<1x1x3x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x3x32xf32> -> tensor<1x1x3x32x!mpq.uniform<u8, 0.5:0>>
  %w = mpq.qconstant dense<3> : tensor<8x1x1x32xi8> : tensor<8x1x1x32x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3, 0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x3x32x!mpq.uniform<u8, 0.5:0>>, tensor<8x1x1x32x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3, 0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>) -> tensor<1x1x3x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x3x8xi32> -> tensor<1x1x3x8x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x3x8x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x3x8xf32>
  return %d : tensor<1x1x3x8xf32>
}

// -----

// 4-bit inputs: the same 128 B (16-bit lanes whatever the codes' width).
// An input word holds two groups of four codes (group 2r its low nibbles,
// masked with 0x0F0F0F0F; group 2r + 1 its high ones, shifted down 4
// first), each widened to its place, 32 r and 32 r + 16 for the first
// pixel: the reduction then reads exactly what it reads at 8 bits.
// PLAN-LABEL: func.func @pw4
// PLAN: mpq.qconv2d
// PLAN-SAME: mpq.scratch_size = 128 : i64
// CHECK-LABEL: func.func private @pw4_step0
// CHECK: %[[BASE:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr
// CHECK: scf.for %[[R:.*]] = %c0 to %c4 {{.*}} -> (i32)
// CHECK: %[[WORD:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: %[[AT:.*]] = arith.muli %[[R]], %c32 : index
// CHECK: %[[AT32:.*]] = arith.index_cast %[[AT]] : index to i32
// CHECK: %[[TO:.*]] = llvm.getelementptr %[[BASE]][%[[AT32]]]
// CHECK: %[[LOW:.*]] = arith.andi %[[WORD]], %c252645135_i32 : i32
// CHECK: %[[L0:.*]] = llvm.call_intrinsic "llvm.arm.uxtb16"(%[[LOW]])
// CHECK: llvm.store %[[L0]], %[[TO]] {alignment = 4 : i64}
// CHECK: %[[HIGH:.*]] = arith.shrui %[[WORD]], %c4_i32 : i32
// CHECK: arith.andi %[[HIGH]], %c252645135_i32 : i32
// CHECK: %[[G1:.*]] = llvm.getelementptr %[[TO]][16]
// CHECK: llvm.store %{{.*}}, %[[G1]] {alignment = 4 : i64}
// CHECK: scf.while
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]"
// CHECK-NOT: arith.andi %{{.*}}, %c252645135_i32
// CHECK: scf.yield
// NARROW-LABEL: func.func private @pw4_step0
// NARROW-NOT: llvm.store
// NARROW: scf.while
// NARROW: arith.andi %{{.*}}, %c252645135_i32
func.func @pw4(%x: tensor<1x1x3x32xf32>) -> tensor<1x1x3x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x3x32xf32> -> tensor<1x1x3x32x!mpq.uniform<u4, 0.5:0>>
  %w = mpq.qconstant dense<3> : tensor<8x1x1x32xi8> : tensor<8x1x1x32x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3, 0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>
  %acc = mpq.qconv2d %q, %w : (tensor<1x1x3x32x!mpq.uniform<u4, 0.5:0>>, tensor<8x1x1x32x!mpq.uniform<i8:0, {0.5:1, 0.5:-2, 0.5:0, 0.5:3, 0.5:1, 0.5:-2, 0.5:0, 0.5:3}>>) -> tensor<1x1x3x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x1x3x8xi32> -> tensor<1x1x3x8x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y : tensor<1x1x3x8x!mpq.uniform<u8, 0.5:0>> -> tensor<1x1x3x8xf32>
  return %d : tensor<1x1x3x8xf32>
}

// -----

// A convolution with a window (3x3, stride 2, on a 3-channel 8-bit image
// with zero point -128): each output pixel's window is gathered into the
// scratch, code k of the window (ky, kx, channel) to the lane laneOffset(k)
// = 16 (k / 4) + 4 (k % 2) + 2 ((k % 4) / 2) of its slot, less the zero
// point, 0 outside the image (each tap clamped into it first). The 27 codes
// take 32 lanes: 2 x 32 x 2 = 128 B; lanes 27..31 of both slots are zeroed
// once (slot 0 at 102, 112, 116, 114, 118). Then the product kernel as for
// a 1x1 layer, with the window's weights as rows of 27 codes and 5 zeros.
// PLAN-LABEL: func.func @conv
// PLAN: mpq.qconv2d
// PLAN-SAME: mpq.scratch_offset = 320 : i64, mpq.scratch_size = 128 : i64
// CHECK-LABEL: func.func private @conv_step0
// CHECK: %[[BASE:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr
// CHECK: %[[S:.*]] = llvm.getelementptr %[[BASE]][320]
// CHECK: %[[P27:.*]] = llvm.getelementptr %[[S]][102]
// CHECK: %[[Z:.*]] = llvm.trunc %c0_i32 : i32 to i16
// CHECK: llvm.store %[[Z]], %[[P27]] {alignment = 2 : i64} : i16, !llvm.ptr
// CHECK: scf.for %[[PAIR:.*]] = %c0 to %c8
// The first pixel of the pair: output (oy, ox), its first tap at (2 oy, 2 ox).
// CHECK: %[[P:.*]] = arith.muli %[[PAIR]], %c2 : index
// CHECK: arith.divui %[[P]], %c16 : index
// Inside the image: the tap's column, then its row, then both.
// CHECK: arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: %[[IN:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: arith.minsi %{{.*}}, %c7 : index
// CHECK: %[[TAP:.*]] = llvm.getelementptr %[[BASE]][%{{.*}}] : (!llvm.ptr, i32)
// CHECK: %[[C0:.*]] = llvm.load %[[TAP]] {alignment = 1 : i64} : !llvm.ptr -> i8
// CHECK: %[[X0:.*]] = arith.extsi %[[C0]] : i8 to i32
// CHECK: %[[D0:.*]] = arith.subi %[[X0]], %c-128_i32 : i32
// CHECK: %[[V0:.*]] = arith.select %[[IN]], %[[D0]], %c0_i32 : i32
// CHECK: %[[H0:.*]] = llvm.trunc %[[V0]] : i32 to i16
// CHECK: llvm.store %[[H0]], %[[S]] {alignment = 2 : i64} : i16, !llvm.ptr
// Code 1 (channel 1) at lane offset 4, code 2 at 2.
// CHECK: llvm.getelementptr %[[TAP]][1]
// CHECK: llvm.getelementptr %[[S]][4]
// CHECK: llvm.getelementptr %[[TAP]][2]
// CHECK: llvm.getelementptr %[[S]][2]
// The reduction: four steps of eight lanes from the scratch, LDRD pairs.
// CHECK: scf.for %{{.*}} = %c0 to %c4
// CHECK: scf.while ({{.*}}, %{{.*}} = %[[S]], %{{.*}} = %{{.*}})
// CHECK: llvm.inline_asm has_side_effects "ldrd $0, $1, [$2, #0]"
// CHECK-COUNT-4: llvm.call_intrinsic "llvm.arm.smlad"
// CHECK: scf.yield
// CHECK: return
// CHECK: memref.global "private" constant @conv_weights{{[0-9]+}} : memref<64xi32>
// Planned without the scratch, the layer takes the convolution kernel.
// NARROW-LABEL: func.func private @conv_step0
// NARROW-NOT: llvm.inline_asm
// NARROW: return
func.func @conv(%in: tensor<1x8x8x3xf32>) -> tensor<1x4x4x8xf32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<i8, 1.0:-128>>
  %w = mpq.qconstant dense<1> : tensor<8x3x3x3xi8> : tensor<8x3x3x3x!mpq.uniform<i8, 1.0:0>>
  %acc = mpq.qconv2d %x, %w {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x3x!mpq.uniform<i8, 1.0:-128>>, tensor<8x3x3x3x!mpq.uniform<i8, 1.0:0>>) -> tensor<1x4x4x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!mpq.uniform<u8, 1.0:0>>
  %f = mpq.dequantize %y : tensor<1x4x4x8x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x8xf32>
  return %f : tensor<1x4x4x8xf32>
}
