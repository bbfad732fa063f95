// strategy=search with per-layer weights (#16 item 3): a sensitivity table
// that prices conv1, dw2 and pw3 also per layer ("weights_per_layer"), on
// the chain of assign-precision.mlir at flash=1900.
//
// RUN: mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%S/Inputs/chain-sensitivity-per-layer.json report=%t.json table" 2> %t.table | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: FileCheck %s --check-prefix=TABLE < %t.table
// Budgets nothing meets: the rule's diagnosis (it knows per-channel
// parameters only), with what per-layer weights reach: every weight at 2 bits
// (348 B) with conv1, dw2 and pw3 per layer (826 - 348 = 478 B of
// parameters): 826 B.
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=800 ram=4KiB strategy=search sensitivity=%S/Inputs/chain-sensitivity-per-layer.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFIT
// NOFIT: error: the model does not fit: flash budget of 800 B cannot be met: the smallest flash reachable, with every unpinned weight tensor at 2 bits, is 1174 B {{.*}}; with per-layer weights (the search's option) too, the smallest is 826 B
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1000 ram=100 strategy=search sensitivity=%S/Inputs/chain-sensitivity-per-layer.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFITRAM
// NOFITRAM: error: the model does not fit: RAM budget of 100 B cannot be met
// NOFITRAM: error: the model does not fit: flash budget of 1000 B cannot be met: {{.*}}; with per-layer weights (the search's option) the flash can reach 826 B, but not within the RAM budget too
//
// A model's own per-channel grid: kept, and per channel, unless `reassign`
// lets the search choose again; then the grid is dropped for a per-layer
// placeholder. conv0 (C = 16): 128 B of weights and 168 B of parameters per
// channel, 84 B per layer; fc 256 + 32 B. At 520 B, per channel needs 584 B:
// per layer at 8 bits (500 B, cost 1) beats either layer at 4 bits (cost 5).
// RUN: mpq-opt %S/Inputs/per-layer-reassign.mlir -mpq-assign-precision="flash=520 ram=4KiB strategy=search reassign sensitivity=%S/Inputs/per-layer-reassign.json" | FileCheck %s --check-prefix=REASSIGN
// RUN: mpq-opt %S/Inputs/per-layer-reassign.mlir -mpq-assign-precision="flash=520 ram=4KiB strategy=search sensitivity=%S/Inputs/per-layer-reassign.json" | FileCheck %s --check-prefix=KEEP
// REASSIGN: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {per_layer, rounding = #mpq.rounding<half_to_even>} : tensor<16x1x1x8xf32>
// REASSIGN: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<4x64xf32>
// KEEP: mpq.fake_quant %{{.*}} to !mpq.uniform<i8:0, {1.000000e-01:0, {{.*}}}> {rounding = #mpq.rounding<half_to_even>} : tensor<16x1x1x8xf32>
// KEEP: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>} : tensor<4x64xf32>
//
// Calibration honours the choice: one grid for the tensor, the batch norm
// folded into the weights first.
// RUN: mpq-opt %s -mpq-calibrate="synthetic=1" | FileCheck %s --check-prefix=CAL
// RUN: not mpq-opt %S/Inputs/per-layer-shared-output.mlir -mpq-calibrate="synthetic=1" 2>&1 | FileCheck %s --check-prefix=CALERR
// CALERR: error: per-layer weights: batch-norm is folded into the layer before it, but that layer's output has other uses
//
// Parameters per layer (assign-precision.mlir, 826 B in all), per channel
// (10 C + 8; the last layer 7 C + 4) and per layer (4 C + 20): conv0 (C = 8)
// 88 / 52, conv1 (16) 168 / 84, dw2 (16) 168 / 84, pw3 (32) 328 / 148, fc
// (10, last) 74 / 60. At 8 bits the weights take 1392 B, so 1900 B needs
// 318 B saved. Per layer at 8 bits, pw3 saves 180 B for 0.5, conv1 and dw2
// 84 B each for 0.25: the three save 348 B for a cost of 1, and no cut of
// weight bits comes close (the cheapest, conv0 at 2 bits, costs 2). So
// w=88888, flash 1392 + 826 - 348 = 1870 B, cost 1. Each of the three
// per channel would need 1870 + its saving: 1954, 1954 and 2050 B.

// CHECK-LABEL: func.func @chain
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {per_layer, rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {per_layer, rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {per_layer, rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK: mpq.fully_connected

// JSON:      "flash_bytes": 1870,
// JSON-NEXT: "weights_bytes": 1392,
// JSON-NEXT: "params_bytes": 478,
// JSON:      "bits": "w=88888 a=888888",
// JSON:        "objective": 1,
// JSON-NEXT:   "rule_fits": true,
// JSON-NEXT:   "rule_objective": 11,
// JSON:        "name": "conv0",
// JSON-NEXT:   "kind": "conv",
// JSON-NEXT:   "weight_bits": 8,
// JSON-NEXT:   "weight_granularity": "channel",
// JSON:        "param_bytes": 88,
// JSON:        "name": "conv1",
// JSON:        "weight_granularity": "layer",
// JSON:        "param_bytes": 84,
// JSON:        "weight_per_layer_sensitivity": [
// JSON-NEXT:     0.25,
// JSON-NEXT:     1.25,
// JSON-NEXT:     2.25
// JSON-NEXT:   ],
// JSON-NEXT:   "weight_why": "flash: at 8 bits per channel the model needs 1954 B > 1900 B",
// JSON:        "name": "dw2",
// JSON:        "weight_granularity": "layer",
// JSON:        "weight_why": "flash: at 8 bits per channel the model needs 1954 B > 1900 B",
// JSON:        "name": "pw3",
// JSON:        "weight_granularity": "layer",
// JSON:        "param_bytes": 148,
// JSON:        "weight_why": "flash: at 8 bits per channel the model needs 2050 B > 1900 B",
// JSON:        "name": "fc",
// JSON:        "weight_granularity": "channel",

// The "w" column marks per-layer weights with an L.
// TABLE: flash 1870 B of 1900 B (weights 1392 B + parameters 478 B)
// TABLE: conv0 conv 8 8 8 288 88
// TABLE: conv1 conv 8L 8 8 128 84
// TABLE: search (dp, sensitivity hand-written for assign-precision-per-layer.mlir): objective 1, the rule's 11
// TABLE-NEXT: weights of conv1: flash: at 8 bits per channel the model needs 1954 B > 1900 B

// The fold: w' = w * gamma / sqrt(var + eps) (gain 2 and 0.5), b' = beta -
// mean * gain (1 - 2 * 2 = -3 and 0 - 1 * 0.5 = -0.5); then one grid for
// the folded tensor's range [-4, 2], as calibration makes weight grids:
// scale 6 / 255, zero point -128 + 4 / (6 / 255) = 42.
// CAL-LABEL: func.func @fold
// CAL-NOT: mpq.batch_norm
// CAL-DAG: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}-4.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CAL-DAG: %[[B:.*]] = arith.constant dense<[-3.000000e+00, -5.000000e-01]> : tensor<2xf32>
// CAL: mpq.fake_quant %[[W]] to !mpq.uniform<i8, 0.023529411764705882:42> {rounding = #mpq.rounding<half_to_even>}
// CAL: mpq.conv2d %{{.*}}, %{{.*}}, %{{.*}}
// CAL-NOT: per_layer
func.func @fold(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x1x2xf32> {
  %w = arith.constant dense<[[[[1.0]]], [[[-8.0]]]]> : tensor<2x1x1x1xf32>
  %gamma = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %var = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %fw = mpq.fake_quant %w to !mpq.bits<i8> {per_layer, rounding = #mpq.rounding<half_to_even>} : tensor<2x1x1x1xf32>
  %c = mpq.conv2d %x, %fw : (tensor<1x1x1x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x1x1x2xf32>
  %bn = mpq.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x1x1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x1x1x2xf32>
  return %bn : tensor<1x1x1x2xf32>
}
