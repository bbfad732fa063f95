// Used by lower-fake-quant-numerics.test. The same graphs as in
// lower-fake-quant.mlir, without the final softmax.
func.func @layer(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.5:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[0.3]]], [[[-0.2]]]]> : tensor<2x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.1:0, 0.05:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %c = mpq.conv2d %xq, %wq, %b : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %mean = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %var = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %bn = mpq.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %r = mpq.relu %bn : tensor<1x2x2x2xf32>
  %y = mpq.fake_quant %r to !mpq.uniform<u4, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

func.func @network(%x: tensor<1x1x2x2xf32>) -> tensor<1x3xf32> {
  %t = mpq.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x1x2x2xf32> -> tensor<1x2x2x1xf32>
  %xq = mpq.fake_quant %t to !mpq.uniform<u8, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %w = arith.constant dense<[[[[0.5]]]]> : tensor<1x1x1x1xf32>
  %wq = mpq.fake_quant %w to !mpq.uniform<i8, 0.125:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x1xf32>
  %c = mpq.conv2d %xq, %wq : (tensor<1x2x2x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x2x2x1xf32>
  %r6 = mpq.clip %c {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x2x2x1xf32>
  %a = mpq.fake_quant %r6 to !mpq.uniform<u4, 0.4:0> {rounding = #mpq.rounding<floor>} : tensor<1x2x2x1xf32>
  %s = mpq.add %a, %xq : (tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %sq = mpq.fake_quant %s to !mpq.uniform<u8, 0.25:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32>
  %g = mpq.global_avg_pool %sq : tensor<1x2x2x1xf32> -> tensor<1x1x1x1xf32>
  %f = mpq.reshape %g : tensor<1x1x1x1xf32> -> tensor<1x1xf32>
  %fw = arith.constant dense<[[1.0], [-1.0], [0.5]]> : tensor<3x1xf32>
  %fwq = mpq.fake_quant %fw to !mpq.uniform<i8, 0.0625:0> {rounding = #mpq.rounding<half_to_even>} : tensor<3x1xf32>
  %fc = mpq.fully_connected %f, %fwq : (tensor<1x1xf32>, tensor<3x1xf32>) -> tensor<1x3xf32>
  %lq = mpq.fake_quant %fc to !mpq.uniform<i8, 0.125:-3> {rounding = #mpq.rounding<half_to_even>} : tensor<1x3xf32>
  return %lq : tensor<1x3xf32>
}
