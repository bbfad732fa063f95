// Padding, depthwise, pooling, add, concat and the model boundary on the
// integer level, each worked out by hand.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([1, 2, 3, 4], dtype=np.uint8).reshape(1, 2, 2, 1))"
// RUN: mpq-eval %s --func=padded_depthwise --input %t/x.npy --print | FileCheck %s --check-prefix=DW
// RUN: mpq-eval %s --func=pools --input %t/x.npy --print | FileCheck %s --check-prefix=POOL
// RUN: mpq-eval %s --func=add_concat --input %t/x.npy --print | FileCheck %s --check-prefix=ADD
// RUN: %python -c "import numpy as np; np.save('%t/f.npy', np.array([-0.3, 0.26, 0.74, 1.25, 10.0], dtype=np.float32))"
// RUN: mpq-eval %s --func=boundary --input %t/f.npy --print | FileCheck %s --check-prefix=QUANT

// Codes [1 2; 3 4] (zero point 3 -> centered [-2 -1; 0 1]), a 2x2 depthwise
// kernel of ones (zero point 0) with one row and column of padding at the top
// and left: each output sums the in-bounds part of its window.
//   (0,0): -2              = -2     (0,1): -2 + -1          = -3
//   (1,0): -2 + 0          = -2     (1,1): -2 + -1 + 0 + 1  = -2
// DW: output #0 shape [1, 2, 2, 1]: -2 -3 -2 -2
func.func @padded_depthwise(%x: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:3>>) -> tensor<1x2x2x1xi32> {
  %w = mpq.qconstant dense<1> : tensor<1x2x2x1xi8> : tensor<1x2x2x1x!mpq.uniform<i2, 1.0:0>>
  %acc = mpq.qconv2d %x, %w {groups = 1, pads = array<i64: 1, 1, 0, 0>}
       : (tensor<1x2x2x1x!mpq.uniform<u8, 1.0:3>>, tensor<1x2x2x1x!mpq.uniform<i2, 1.0:0>>) -> tensor<1x2x2x1xi32>
  return %acc : tensor<1x2x2x1xi32>
}

// max over the whole image: 4.  Average of the centered codes (zero point 0):
// (1 + 2 + 3 + 4) = 10, times 2^30 * 2^(-1 - 31) = 1/4 -> 2.5 -> half to even
// 2, plus output zero point 1 -> 3.
// POOL: output #0 shape [1, 1, 1, 1]: 4
// POOL: output #1 shape [1, 1, 1, 1]: 3
func.func @pools(%x: tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>)
    -> (tensor<1x1x1x1x!mpq.uniform<u8, 1.0:0>>, tensor<1x1x1x1x!mpq.uniform<u8, 1.0:1>>) {
  %m = mpq.max_pool2d %x {kernel = array<i64: 2, 2>} : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x1x1x1x!mpq.uniform<u8, 1.0:0>>
  %a = mpq.qavg_pool2d %x {kernel = array<i64: 2, 2>, multiplier = 1073741824 : i32, exponent = -1 : i32,
                           rounding = #mpq.rounding<half_to_even>}
     : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x1x1x1x!mpq.uniform<u8, 1.0:1>>
  return %m, %a : tensor<1x1x1x1x!mpq.uniform<u8, 1.0:0>>, tensor<1x1x1x1x!mpq.uniform<u8, 1.0:1>>
}

// qadd of x = [1, 2, 3, 4] (zero point 0) with itself, each side scaled by
// 2^30 * 2^(0-31) = 0.5, the sum floored once: x/2 + x/2 = x -> [1, 2, 3,
// 4] (rounding each half first would give [0, 2, 2, 4]), output zero point
// 1 -> [2, 3, 4, 5], clamped to clamp_max = 4 -> [2, 3, 4, 4]. The
// requantize back to zero point 0 at factor 2^30 * 2^(1-31) = 1 removes the
// output zero point: [1, 2, 3, 3]. Then concat along channels with the
// input [1, 2, 3, 4] and pad the channel axis with code 7 on the high side.
// ADD: output #0 shape [1, 2, 2, 3]: 1 1 7 2 2 7 3 3 7 3 4 7
func.func @add_concat(%x: tensor<1x2x2x1x!mpq.uniform<u4, 1.0:0>>) -> tensor<1x2x2x3x!mpq.uniform<u4, 1.0:0>> {
  %s = mpq.qadd %x, %x {lhs_multiplier = 1073741824 : i32, lhs_exponent = 0 : i32,
                        rhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32,
                        rounding = #mpq.rounding<floor>, clamp_max = 4}
     : (tensor<1x2x2x1x!mpq.uniform<u4, 1.0:0>>, tensor<1x2x2x1x!mpq.uniform<u4, 1.0:0>>) -> tensor<1x2x2x1x!mpq.uniform<u4, 1.0:1>>
  %r = mpq.requantize %s {multiplier = array<i32: 1073741824>, exponent = array<i32: 1>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x1x!mpq.uniform<u4, 1.0:1>> -> tensor<1x2x2x1x!mpq.uniform<u4, 1.0:0>>
  %c = mpq.concat %r, %x {axis = 3} : (tensor<1x2x2x1x!mpq.uniform<u4, 1.0:0>>, tensor<1x2x2x1x!mpq.uniform<u4, 1.0:0>>) -> tensor<1x2x2x2x!mpq.uniform<u4, 1.0:0>>
  %p = mpq.pad %c {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 1>, value = 7.0}
     : tensor<1x2x2x2x!mpq.uniform<u4, 1.0:0>> -> tensor<1x2x2x3x!mpq.uniform<u4, 1.0:0>>
  return %p : tensor<1x2x2x3x!mpq.uniform<u4, 1.0:0>>
}

// quantize to u2 with scale 0.5: x / 0.5 = [-0.6, 0.52, 1.48, 2.5, 20],
// rounded half to even [-1, 1, 1, 2, 20], saturated to [0, 3]:
// codes [0, 1, 1, 2, 3]; dequantized back [0, 0.5, 0.5, 1, 1.5].
// QUANT: output #0 shape [5]: 0 1 1 2 3
// QUANT: output #1 shape [5]: 0 0.5 0.5 1 1.5
func.func @boundary(%x: tensor<5xf32>) -> (tensor<5x!mpq.uniform<u2, 0.5:0>>, tensor<5xf32>) {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<5xf32> -> tensor<5x!mpq.uniform<u2, 0.5:0>>
  %d = mpq.dequantize %q : tensor<5x!mpq.uniform<u2, 0.5:0>> -> tensor<5xf32>
  return %q, %d : tensor<5x!mpq.uniform<u2, 0.5:0>>, tensor<5xf32>
}
