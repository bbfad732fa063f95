// Input of assign-precision-per-layer.mlir.
// A batch norm after a layer whose output has another use cannot be folded.
func.func @shared(%x: tensor<1x1x1x1xf32>) -> (tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) {
  %w = arith.constant dense<1.0> : tensor<1x1x1x1xf32>
  %g = arith.constant dense<1.0> : tensor<1xf32>
  %fw = mpq.fake_quant %w to !mpq.bits<i8> {per_layer, rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x1xf32>
  %c = mpq.conv2d %x, %fw : (tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %bn = mpq.batch_norm %c, %g, %g, %g, %g : (tensor<1x1x1x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  return %bn, %c : tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>
}
