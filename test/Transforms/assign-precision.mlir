// A four-layer chain and its fc, under budgets chosen so the rule of
// docs/paper.md §4 makes specific cuts. Each RUN line is one case.
//
// RUN: mpq-opt %s -mpq-assign-precision="flash=4kB ram=2kB" | FileCheck %s --check-prefixes=CHECK,NOCUT
// RUN: mpq-opt %s -mpq-assign-precision="flash=4kB ram=1000" | FileCheck %s --check-prefixes=CHECK,ACT
// The paper's PACT rounding for the activations (the image still nearest).
// RUN: mpq-opt %s -mpq-assign-precision="flash=4kB ram=1000 activation-rounding=floor" | FileCheck %s --check-prefixes=FLOOR
// RUN: mpq-opt %s -mpq-assign-precision="flash=1900 ram=4KiB" | FileCheck %s --check-prefixes=CHECK,WGT
// RUN: mpq-opt %s -mpq-assign-precision="flash=1900 ram=4KiB delta=0" | FileCheck %s --check-prefixes=CHECK,DELTA0
// RUN: mpq-opt %s -mpq-assign-precision="flash=1900 ram=4KiB pins=pw3:8:0,conv0:0:4" | FileCheck %s --check-prefixes=CHECK,PIN
// Running the pass again keeps every width (they are now fake-quants).
// RUN: mpq-opt %s -mpq-assign-precision="flash=1900 ram=1000" -o %t.once.mlir
// RUN: mpq-opt %t.once.mlir -mpq-assign-precision="flash=1900 ram=1000" -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir
// The report of the ACT + WGT budgets, and the table.
// RUN: mpq-opt %s -mpq-assign-precision="flash=1900 ram=1000 report=%t.json table" -o /dev/null 2> %t.table
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: FileCheck %s --check-prefix=TABLE < %t.table
//
// Sizes (pc-icn). Activations at 8 bits: image [1,8,8,4] 256 B, conv0_out
// [1,8,8,8] 512, conv1_out [1,8,8,16] 1024, dw2_out [1,4,4,16] 256, pw3_out
// [1,4,4,32] 512 (the pooled [1,32] 32 B has pw3's width), fc_out 10.
// Layer in+out at 8: conv0 768, conv1 1536, dw2 1280, pw3 768, fc 42.
// Weights (elements = bytes at 8 bits; rows of the innermost dim): conv0
// [8,3,3,4] 288, conv1 [16,1,1,8] 128, dw2 [3,3,16] 144, pw3 [32,1,1,16] 512,
// fc [10,32] 320; total 1392. Parameters 10C+8: conv0 88, conv1 168, dw2 168,
// pw3 328, fc (last, PC) 7*10+4 = 74; total 826. Flash at 8: 2218.
//
// Case NOCUT. Flash 2218 <= 4000, RAM 1536 <= 2000: everything stays at 8.
//
// Case ACT (RAM 1000). Sweep 1 (forward): conv0 768 fits; conv1 1536: equal
// bits, output 1024 >= input 512 -> cut conv1_out 8 -> 4: 512 + 512 = 1024
// > 1000, now the input has more bits -> wait; dw2 512 + 256, pw3, fc fit.
// Sweep 2 (backward): conv1 cuts its input conv0_out 8 -> 4: 256 + 512 =
// 768; conv0 256 + 256 = 512. Sweep 3 clean. RAM = 768.
//
// Case WGT (flash 1900; shares over numel * bits). Iteration 1: pw3 512/1392 =
// 0.368, next fc 0.230 < 0.368 - 0.05 -> pw3 8 -> 4, flash 2218 - 256 =
// 1962. Iteration 2 (total 9088): fc 2560/9088 = 0.282 is the largest,
// conv0 2304/9088 = 0.254 > 0.282 - 0.05 -> the δ tie-break cuts conv0 (closer
// to the input) 8 -> 4: 1962 - 144 = 1818 <= 1900.
// Case DELTA0. The second cut goes to fc instead: 1962 - 160 = 1802.
//
// Case PIN (pw3 weights at 8, conv0's output at 4). Iteration 1 (pw3 not a
// candidate): fc 0.230, conv0 0.207 > 0.180 -> conv0 8 -> 4, 2074.
// Iteration 2 (total 9984): fc 0.256, nothing else above 0.206 -> fc 8 -> 4,
// 1914. Iteration 3 (total 8704): fc 0.147, conv0 and dw2 0.132, conv1 0.118
// all above 0.097 -> conv0 4 -> 2, 1914 - 72 = 1842.

// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[IMG:.*]]: tensor<1x8x8x4xf32>)
// The image: 8 bits, signed (a float input may be negative), rounded like
// QuantizeLinear.
// CHECK: %[[X:.*]] = mpq.fake_quant %[[IMG]] to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK: %[[W0:.*]] = arith.constant
// NOCUT:  %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// ACT:    %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i8>
// WGT:    %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i4>
// DELTA0: %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i8>
// PIN:    %[[W0Q:.*]] = mpq.fake_quant %[[W0]] to !mpq.bits<i2>
// CHECK: %[[C0:.*]] = mpq.conv2d %[[X]], %[[W0Q]]
// CHECK: %[[R0:.*]] = mpq.relu %[[C0]]
// Activations are stored after the fused ReLU, unsigned, rounded to the
// nearest code (ties up) by default, down with
// activation-rounding=floor (PACT).
// NOCUT:  %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// ACT:    %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u4> {rounding = #mpq.rounding<half_up>}
// FLOOR:  mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x4xf32>
// FLOOR:  mpq.relu
// FLOOR-NEXT: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {rounding = #mpq.rounding<floor>}
// WGT:    %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u8>
// DELTA0: %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u8>
// PIN:    %[[A0:.*]] = mpq.fake_quant %[[R0]] to !mpq.bits<u4>
// CHECK: %[[W1:.*]] = arith.constant
// CHECK: %[[W1Q:.*]] = mpq.fake_quant %[[W1]] to !mpq.bits<i8>
// CHECK: %[[C1:.*]] = mpq.conv2d %[[A0]], %[[W1Q]]
// CHECK: %[[R1:.*]] = mpq.relu %[[C1]]
// NOCUT:  %[[A1:.*]] = mpq.fake_quant %[[R1]] to !mpq.bits<u8>
// ACT:    %[[A1:.*]] = mpq.fake_quant %[[R1]] to !mpq.bits<u4>
// WGT:    %[[A1:.*]] = mpq.fake_quant %[[R1]] to !mpq.bits<u8>
// DELTA0: %[[A1:.*]] = mpq.fake_quant %[[R1]] to !mpq.bits<u8>
// PIN:    %[[A1:.*]] = mpq.fake_quant %[[R1]] to !mpq.bits<u8>
// CHECK: %[[W2:.*]] = arith.constant
// CHECK: %[[W2Q:.*]] = mpq.fake_quant %[[W2]] to !mpq.bits<i8>
// CHECK: %[[C2:.*]] = mpq.conv2d %[[A1]], %[[W2Q]] {groups = 16
// A Clip with min >= 0 also gives an unsigned activation.
// CHECK: %[[R2:.*]] = mpq.clip %[[C2]]
// CHECK: %[[A2:.*]] = mpq.fake_quant %[[R2]] to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: %[[W3:.*]] = arith.constant
// NOCUT:  %[[W3Q:.*]] = mpq.fake_quant %[[W3]] to !mpq.bits<i8>
// ACT:    %[[W3Q:.*]] = mpq.fake_quant %[[W3]] to !mpq.bits<i8>
// WGT:    %[[W3Q:.*]] = mpq.fake_quant %[[W3]] to !mpq.bits<i4>
// DELTA0: %[[W3Q:.*]] = mpq.fake_quant %[[W3]] to !mpq.bits<i4>
// PIN:    %[[W3Q:.*]] = mpq.fake_quant %[[W3]] to !mpq.bits<i8>
// CHECK: %[[C3:.*]] = mpq.conv2d %[[A2]], %[[W3Q]]
// CHECK: %[[R3:.*]] = mpq.relu %[[C3]]
// CHECK: %[[A3:.*]] = mpq.fake_quant %[[R3]] to !mpq.bits<u8>
// Pooling and reshape pass the width through: no fake-quant of their own.
// CHECK: %[[P:.*]] = mpq.global_avg_pool %[[A3]]
// CHECK: %[[F:.*]] = mpq.reshape %[[P]]
// CHECK: %[[W4:.*]] = arith.constant
// CHECK: %[[B4:.*]] = arith.constant
// NOCUT:  %[[W4Q:.*]] = mpq.fake_quant %[[W4]] to !mpq.bits<i8>
// ACT:    %[[W4Q:.*]] = mpq.fake_quant %[[W4]] to !mpq.bits<i8>
// WGT:    %[[W4Q:.*]] = mpq.fake_quant %[[W4]] to !mpq.bits<i8>
// DELTA0: %[[W4Q:.*]] = mpq.fake_quant %[[W4]] to !mpq.bits<i4>
// PIN:    %[[W4Q:.*]] = mpq.fake_quant %[[W4]] to !mpq.bits<i4>
// CHECK: %[[Y:.*]] = mpq.fully_connected %[[F]], %[[W4Q]], %[[B4]]
// The logits: 8 bits, signed (no ReLU).
// CHECK: %[[YQ:.*]] = mpq.fake_quant %[[Y]] to !mpq.bits<i8> {rounding = #mpq.rounding<half_up>}
// CHECK: return %[[YQ]]

// JSON:      "fits": true,
// JSON-NEXT: "strategy": "rule",
// JSON-NEXT: "scheme": "pc-icn",
// JSON:      "ram_model": "paper",
// JSON-NEXT: "in_place": false,
// JSON-NEXT: "activation_rule": "chain",
// JSON-NEXT: "flash_budget": 1900,
// JSON-NEXT: "ram_budget": 1000,
// JSON-NEXT: "flash_bytes": 1818,
// JSON-NEXT: "weights_bytes": 992,
// JSON-NEXT: "params_bytes": 826,
// JSON-NEXT: "ram_bytes": 768,
// JSON-NEXT: "ram_bottleneck": "conv1",
// JSON-NEXT: "bits": "w=48848 a=844888",
// JSON-NEXT: "layers": [
// JSON:        "name": "conv0",
// JSON-NEXT:   "kind": "conv",
// JSON-NEXT:   "weight_bits": 4,
// JSON-NEXT:   "weight_granularity": "channel",
// JSON-NEXT:   "input_bits": 8,
// JSON-NEXT:   "output_bits": 4,
// JSON-NEXT:   "weight_bytes": 144,
// JSON-NEXT:   "param_bytes": 88,
// JSON-NEXT:   "input_bytes": 256,
// JSON-NEXT:   "output_bytes": 256,
// JSON-NEXT:   "activation_bytes": 512,
// JSON:        "weight_origin": "rule",
// JSON-NEXT:   "output_origin": "rule"
// JSON:        "name": "conv1",
// JSON:        "activation_bytes": 768,
// JSON:        "name": "dw2",
// JSON-NEXT:   "kind": "depthwise",
// JSON:        "weight_bytes": 144,
// JSON:        "name": "pw3",
// JSON-NEXT:   "kind": "conv",
// JSON-NEXT:   "weight_bits": 4,
// JSON:        "weight_bytes": 256,
// JSON-NEXT:   "param_bytes": 328,
// JSON:        "name": "fc",
// JSON-NEXT:   "kind": "fully-connected",
// JSON-NEXT:   "weight_bits": 8,
// JSON-NEXT:   "weight_granularity": "channel",
// JSON-NEXT:   "input_bits": 8,
// JSON-NEXT:   "output_bits": 8,
// JSON-NEXT:   "weight_bytes": 320,
// JSON-NEXT:   "param_bytes": 74,
// JSON:        "output_origin": "io"
// JSON:      "steps": [
// JSON:        "name": "pool",
// JSON:        "name": "flatten",
// JSON:      "cuts": [
// JSON:        "target": "activation",
// JSON-NEXT:   "name": "conv1_out",
// JSON-NEXT:   "from_bits": 8,
// JSON-NEXT:   "to_bits": 4,
// JSON-NEXT:   "round": 1,
// JSON-NEXT:   "direction": "forward",
// JSON-NEXT:   "at": "conv1",
// JSON:        "target": "activation",
// JSON-NEXT:   "name": "conv0_out",
// JSON:        "direction": "backward",
// JSON-NEXT:   "at": "conv1",
// JSON:        "target": "weight",
// JSON-NEXT:   "name": "pw3",
// JSON:        "target": "weight",
// JSON-NEXT:   "name": "conv0",
// JSON:        "reason": "flash 1962 B > 1900 B; largest share 0.2817 ('fc'); shares > 0.2317: conv0 0.2535, fc 0.2817; cut the one closest to the input"

// TABLE: mpq-assign-precision: strategy rule, scheme pc-icn, RAM model paper (chain rule): fits
// TABLE-NEXT: flash 1818 B of 1900 B (weights 992 B + parameters 826 B)
// TABLE-NEXT: RAM   768 B of 1000 B (at 'conv1')
// TABLE: conv0 conv 4 8 4 144 88 256 256 512 rule/rule
// TABLE: fc fully-connected 8 8 8 320 74 32 10 42 rule/io
// TABLE: cuts (4):
// TABLE-NEXT: activation conv1_out 8 -> 4 (forward sweep 1)
// TABLE-NEXT: activation conv0_out 8 -> 4 (backward sweep 2)
// TABLE-NEXT: weight pw3 8 -> 4 (iteration 1)
// TABLE-NEXT: weight conv0 8 -> 4 (iteration 2)

func.func @chain(%img: tensor<1x8x8x4xf32>) -> tensor<1x10xf32> {
  %w0 = arith.constant dense<0.1> : tensor<8x3x3x4xf32>
  %c0 = mpq.conv2d %img, %w0 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<8x3x3x4xf32>) -> tensor<1x8x8x8xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x8x8x8xf32>
  %w1 = arith.constant dense<0.1> : tensor<16x1x1x8xf32>
  %c1 = mpq.conv2d %r0, %w1 : (tensor<1x8x8x8xf32>, tensor<16x1x1x8xf32>) -> tensor<1x8x8x16xf32> loc("conv1")
  %r1 = mpq.relu %c1 : tensor<1x8x8x16xf32>
  %w2 = arith.constant dense<0.1> : tensor<16x3x3x1xf32>
  %c2 = mpq.conv2d %r1, %w2 {groups = 16, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x1xf32>) -> tensor<1x4x4x16xf32> loc("dw2")
  %r2 = mpq.clip %c2 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x4x16xf32>
  %w3 = arith.constant dense<0.1> : tensor<32x1x1x16xf32>
  %c3 = mpq.conv2d %r2, %w3 : (tensor<1x4x4x16xf32>, tensor<32x1x1x16xf32>) -> tensor<1x4x4x32xf32> loc("pw3")
  %r3 = mpq.relu %c3 : tensor<1x4x4x32xf32>
  %p = mpq.global_avg_pool %r3 : tensor<1x4x4x32xf32> -> tensor<1x1x1x32xf32> loc("pool")
  %f = mpq.reshape %p : tensor<1x1x1x32xf32> -> tensor<1x32xf32> loc("flatten")
  %w4 = arith.constant dense<0.1> : tensor<10x32xf32>
  %b4 = arith.constant dense<0.0> : tensor<10xf32>
  %y = mpq.fully_connected %f, %w4, %b4 : (tensor<1x32xf32>, tensor<10x32xf32>, tensor<10xf32>) -> tensor<1x10xf32> loc("fc")
  return %y : tensor<1x10xf32>
}
