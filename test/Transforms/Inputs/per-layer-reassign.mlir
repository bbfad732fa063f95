// Input of assign-precision-per-layer.mlir: a model whose conv weights
// already have a per-channel grid, for `reassign` with per-layer weights.
func.func @reassigned(%img: tensor<1x2x2x8xf32>) -> tensor<1x4xf32> {
  %w0 = arith.constant dense<0.1> : tensor<16x1x1x8xf32>
  %w0q = mpq.fake_quant %w0 to !mpq.uniform<i8:0, {0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.1:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<16x1x1x8xf32>
  %c0 = mpq.conv2d %img, %w0q : (tensor<1x2x2x8xf32>, tensor<16x1x1x8xf32>) -> tensor<1x2x2x16xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x2x2x16xf32>
  %f = mpq.reshape %r0 : tensor<1x2x2x16xf32> -> tensor<1x64xf32> loc("flatten")
  %w1 = arith.constant dense<0.1> : tensor<4x64xf32>
  %y = mpq.fully_connected %f, %w1 : (tensor<1x64xf32>, tensor<4x64xf32>) -> tensor<1x4xf32> loc("fc")
  return %y : tensor<1x4xf32>
}
