// A tiny integer-only CNN in mpq's IR, as --mpq-lower-fake-quant will produce
// it: 8-bit image, a 3x3 convolution with 4-bit per-channel weights, Integer
// Channel Normalization to a 4-bit activation (ReLU fused as clamp_min = zp),
// a 2-bit depthwise layer, global average pooling, an 8-bit fully-connected
// classifier with signed logits.
//
//   build/bin/mpq-opt examples/tiny-cnn.mlir --canonicalize --mpq-check-integer-only
func.func @tiny_cnn(%img: tensor<1x8x8x3xf32>) -> tensor<1x4xf32> {
  %q = mpq.quantize %img {rounding = #mpq.rounding<half_to_even>}
     : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<u8, 0.003921569:0>>
  // The importer writes NCHW models as NHWC with transposes around them;
  // canonicalization cancels the pairs that meet.
  %t0 = mpq.transpose %q {perm = array<i64: 0, 3, 1, 2>}
      : tensor<1x8x8x3x!mpq.uniform<u8, 0.003921569:0>> -> tensor<1x3x8x8x!mpq.uniform<u8, 0.003921569:0>>
  %t1 = mpq.transpose %t0 {perm = array<i64: 0, 2, 3, 1>}
      : tensor<1x3x8x8x!mpq.uniform<u8, 0.003921569:0>> -> tensor<1x8x8x3x!mpq.uniform<u8, 0.003921569:0>>
  %w = mpq.qconstant dense<[[[[1, -8, 7], [0, 0, 0], [3, 2, 1]], [[1, 1, 1], [2, 2, 2], [3, 3, 3]], [[-1, -2, -3], [4, 5, 6], [0, 1, 0]]],
                            [[[7, 7, 7], [0, 0, 0], [1, 1, 1]], [[1, 0, 1], [2, 0, 2], [3, 0, 3]], [[-8, -8, -8], [4, 4, 4], [0, 0, 0]]]]> : tensor<2x3x3x3xi8>
     : tensor<2x3x3x3x!mpq.uniform<i4:0, {0.05:-1, 0.025:0}>>
  %acc = mpq.qconv2d %t1, %w {pads = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x3x!mpq.uniform<u8, 0.003921569:0>>, tensor<2x3x3x3x!mpq.uniform<i4:0, {0.05:-1, 0.025:0}>>) -> tensor<1x8x8x2xi32>
  %a = mpq.requantize %acc {multiplier = array<i32: 1073741824, 1342177280>, exponent = array<i32: -5, -6>,
                            bias = array<i32: 10, -20>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>>
  %dw = mpq.qconstant dense<[[[[1], [-1], [1]], [[0], [1], [0]], [[1], [-2], [1]]], [[[0], [1], [0]], [[1], [1], [1]], [[0], [1], [0]]]]> : tensor<2x3x3x1xi8>
      : tensor<2x3x3x1x!mpq.uniform<i2, 0.5:0>>
  %dacc = mpq.qconv2d %a, %dw {groups = 2, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>>, tensor<2x3x3x1x!mpq.uniform<i2, 0.5:0>>) -> tensor<1x8x8x2xi32>
  %d = mpq.requantize %dacc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>, clamp_min = 0}
     : tensor<1x8x8x2xi32> -> tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>>
  %gap = mpq.qavg_pool2d %d {kernel = array<i64: 8, 8>, multiplier = 1073741824 : i32, exponent = -5 : i32,
                             rounding = #mpq.rounding<half_to_even>}
       : tensor<1x8x8x2x!mpq.uniform<u4, 0.25:0>> -> tensor<1x1x1x2x!mpq.uniform<u4, 0.25:0>>
  %flat = mpq.reshape %gap : tensor<1x1x1x2x!mpq.uniform<u4, 0.25:0>> -> tensor<1x2x!mpq.uniform<u4, 0.25:0>>
  %fw = mpq.qconstant dense<[[10, -3], [-7, 12], [5, 5], [-1, -9]]> : tensor<4x2xi8> : tensor<4x2x!mpq.uniform<i8, 0.02:0>>
  %facc = mpq.qfully_connected %flat, %fw
        : (tensor<1x2x!mpq.uniform<u4, 0.25:0>>, tensor<4x2x!mpq.uniform<i8, 0.02:0>>) -> tensor<1x4xi32>
  %logits = mpq.requantize %facc {multiplier = array<i32: 1374389535>, exponent = array<i32: -3>, bias = array<i32: 0>,
                                  rounding = #mpq.rounding<half_away_from_zero>}
          : tensor<1x4xi32> -> tensor<1x4x!mpq.uniform<i8, 0.1:-5>>
  %out = mpq.dequantize %logits : tensor<1x4x!mpq.uniform<i8, 0.1:-5>> -> tensor<1x4xf32>
  return %out : tensor<1x4xf32>
}
