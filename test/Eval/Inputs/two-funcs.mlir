// Used by errors.test: an uncalibrated fake_quant, and a two-output function.
func.func @f(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = mpq.fake_quant %x to !mpq.bits<u4> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

func.func @q(%x: tensor<1x4x!mpq.uniform<u4, 1.0:0>>)
    -> (tensor<1x4x!mpq.uniform<u4, 1.0:0>>, tensor<1x4x!mpq.uniform<u4, 1.0:0>>) {
  return %x, %x : tensor<1x4x!mpq.uniform<u4, 1.0:0>>, tensor<1x4x!mpq.uniform<u4, 1.0:0>>
}
