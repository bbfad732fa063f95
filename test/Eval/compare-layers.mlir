// --compare-layers on a case worked out by hand: two fully connected layers
// with identity weights and unit scales, so every requantization multiplies
// by exactly 1 (M0 = 2^30, N0 = 1) and only the ICN bias B = round(b / (s_x
// s_w)) can differ from the fake-quant layer. Layer fc1's channel 3 has the
// float bias 0.6: the fake-quant layer floors x + 0.6 to x, the integer
// layer floors x + round(0.6) = x + 1. Exactly one code of four per sample
// flips, by one step, upwards. fc2 (bias 0) gets fc1's integer codes as its
// input on both sides, so it agrees everywhere even though the two models'
// outputs differ at channel 3.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/one.npy', np.array([[3, 5, 7, 9]], dtype=np.float32)); np.save('%t/two.npy', np.array([[3, 5, 7, 9], [0, 1, 2, 250]], dtype=np.float32))"
// RUN: mpq-eval %s --input %t/one.npy --compare-layers --report %t/r.json | FileCheck %s --check-prefix=ONE
// RUN: FileCheck %s --check-prefix=JSON < %t/r.json
// RUN: mpq-eval %s --input %t/two.npy --compare-layers | FileCheck %s --check-prefix=TWO
//
// B-pred, the share of codes the rounding of B is expected to flip, is M/4 =
// 25% on the one channel of fc1 with a nonzero B (channels 0-2 round to B =
// 0, counted as exact), 6.25% of the layer, and 0 for fc2 (no bias).
// E[flips] measures instead how far apart the two layers are before
// rounding: x + 0.2 against x on channels 0-2, x + 0.6 against x + 1 on
// channel 3, 3 * 0.2 + 0.4 = 1 step per sample (0.99999998 in the report:
// the bias is float32).
// ONE:      layer            kind             bits      codes identical   max   int>fq   int<fq   B-pred distinct  E[flips]
// ONE-NEXT: x                quantize           u8          4  100.000%     0        0        0   0.000%        4         0
// ONE-NEXT: fc1              qfully_connected   u8          4   75.000%     1        1        0   6.250%        4         1
// ONE-NEXT: fc2              qfully_connected   u8          4  100.000%     0        0        0   0.000%        4         0
//
// The report has the same figures, keys sorted.
// JSON:      "expected_flips": 0.99999{{[0-9]+}},
// JSON-NEXT: "higher": 1,
// JSON-NEXT: "identical": 3,
// JSON-NEXT: "kind": "qfully_connected",
// JSON-NEXT: "lower": 0,
// JSON-NEXT: "max_code": 10,
// JSON-NEXT: "max_difference": 1,
// JSON-NEXT: "min_code": 3,
// JSON-NEXT: "name": "fc1",
//
// Two samples (batch mode): twice the codes, the same single flip per sample.
// TWO:      x                quantize           u8          8  100.000%     0        0        0   0.000%        8         0
// TWO-NEXT: fc1              qfully_connected   u8          8   75.000%     1        2        0   6.250%        8         2
// TWO-NEXT: fc2              qfully_connected   u8          8  100.000%     0        0        0   0.000%        8         0
//
// The models themselves, run whole on the two samples: the flip reaches the
// output.
// RUN: mpq-eval %s --input %t/two.npy --print | FileCheck %s --check-prefix=FQ
// FQ: output #0 shape [2, 4]: 3 5 7 9 0 1 2 250
// RUN: mpq-opt %s --mpq-lower-fake-quant -o %t/int.mlir
// RUN: mpq-eval %t/int.mlir --input %t/two.npy --print | FileCheck %s --check-prefix=INT
// INT: output #0 shape [2, 4]: 3 5 7 10 0 1 2 251
//
// With the bias snapped (--mpq-calibrate; the grids are known, so it only
// snaps): fc1's bias gets a fake_quant to its accumulator's grid 1.0, codes
// [0, 0, 0, 1], and the fake-quant layer adds B itself. Nothing flips, B-pred
// and E[flips] are 0 (unit multipliers: M0 is exact), and the fake-quant
// model gives the integer model's output.
// RUN: mpq-opt %s --mpq-calibrate --mlir-print-debuginfo -o %t/snapped.mlir
// RUN: mpq-eval %t/snapped.mlir --input %t/two.npy --compare-layers | FileCheck %s --check-prefix=SNAP
// SNAP:      x                quantize           u8          8  100.000%     0        0        0   0.000%        8         0
// SNAP-NEXT: fc1              qfully_connected   u8          8  100.000%     0        0        0   0.000%        8         0
// SNAP-NEXT: fc2              qfully_connected   u8          8  100.000%     0        0        0   0.000%        8         0
// RUN: mpq-eval %t/snapped.mlir --input %t/two.npy --print | FileCheck %s --check-prefix=INT

func.func @bias_flip(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %xq = mpq.fake_quant %x to !mpq.uniform<u8, 1.0:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32> loc("x")
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %w1 = mpq.fake_quant %w to !mpq.uniform<i8, 1.0:0> {rounding = #mpq.rounding<half_to_even>} : tensor<4x4xf32>
  %b1 = arith.constant dense<[0.2, 0.2, 0.2, 0.6]> : tensor<4xf32>
  %y1 = mpq.fully_connected %xq, %w1, %b1 : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32> loc("fc1")
  %r1 = mpq.relu %y1 : tensor<1x4xf32>
  %a1 = mpq.fake_quant %r1 to !mpq.uniform<u8, 1.0:0> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  %w2 = mpq.fake_quant %w to !mpq.uniform<i8, 1.0:0> {rounding = #mpq.rounding<half_to_even>} : tensor<4x4xf32>
  %y2 = mpq.fully_connected %a1, %w2 : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32> loc("fc2")
  %r2 = mpq.relu %y2 : tensor<1x4xf32>
  %a2 = mpq.fake_quant %r2 to !mpq.uniform<u8, 1.0:0> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  return %a2 : tensor<1x4xf32>
}
