// The model of calibrate-range.test: its input and its ReLU at 4 bits.
func.func @net(%x: tensor<1x4000xf32>) -> tensor<1x4000xf32> {
  %xq = mpq.fake_quant %x to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>} : tensor<1x4000xf32>
  %r = mpq.relu %xq : tensor<1x4000xf32>
  %rq = mpq.fake_quant %r to !mpq.bits<u4> {rounding = #mpq.rounding<floor>} : tensor<1x4000xf32>
  return %rq : tensor<1x4000xf32>
}
