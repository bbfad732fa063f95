// RUN: not mpq-opt %s -mpq-calibrate="synthetic=0" 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not mpq-opt %s -mpq-calibrate="scheme=pl-fb" 2>&1 | FileCheck %s --check-prefix=FB
// NONE: error: no calibration inputs (give files, or synthetic inputs)
// FB: error: scheme=pl-fb: batch-norm is folded into the layer before it, but this one follows 'a function argument'

func.func @f(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32> {
  %g = arith.constant dense<1.0> : tensor<1xf32>
  %bn = mpq.batch_norm %x, %g, %g, %g, %g : (tensor<1x1x1x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  %q = mpq.fake_quant %bn to !mpq.bits<u8> {rounding = #mpq.rounding<floor>} : tensor<1x1x1x1xf32>
  return %q : tensor<1x1x1x1xf32>
}
