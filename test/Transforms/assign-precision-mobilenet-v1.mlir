// MobileNetV1 1.0_224 at the paper's budgets (flash 2,048,000 B, RAM
// 512,000 B, PC+ICN), generated as IR by utils/models/mobilenet_v1_mlir.py,
// gets the widths the library computes for buildMobileNetV1(1.0, 224) (traced
// by hand in test/unittests/Analysis/PrecisionAssignmentTest.cpp,
// MobileNetV1FullAtPaperBudgets):
//   weights     conv0 dw1 pw1 ... dw13 pw13 fc: 8888888888888848484848884822
//   activations image, then each layer's output: 84428444888888888888888888888
//   flash 1,984,884 B, RAM 401,408 B.
// The pass takes well under a second on it (about 0.05 s with the generator).
//
// RUN: %python %mpq_src_root/utils/models/mobilenet_v1_mlir.py --alpha 1.0 --resolution 224 > %t.mlir
// RUN: mpq-opt %t.mlir -mpq-assign-precision="flash=2048000 ram=512000 report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// 0.25_128 fits at 8 bits: no cut at all.
// RUN: %python %mpq_src_root/utils/models/mobilenet_v1_mlir.py --alpha 0.25 --resolution 128 \
// RUN:   | mpq-opt -mpq-assign-precision="flash=2048000 ram=512000 report=%t.small.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=SMALL < %t.small.json

// Each layer: its weight fake-quant right before it, then its output's after
// the batch-norm and ReLU.
// CHECK-LABEL: func.func @mobilenet_v1_1_224
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>} : tensor<1x224x224x3xf32>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u2> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u4> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i2> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8> {rounding = #mpq.rounding<half_up>}
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i2> {rounding = #mpq.rounding<half_to_even>}
// CHECK-NEXT: mpq.fully_connected
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8> {rounding = #mpq.rounding<half_up>}
// CHECK-NOT: mpq.fake_quant

// JSON:      "fits": true,
// JSON:      "activation_rule": "chain",
// JSON:      "flash_bytes": 1984884,
// JSON:      "ram_bytes": 401408,
// JSON:      "bits": "w=8888888888888848484848884822 a=84428444888888888888888888888",
// The cut log: 7 activation cuts, then the weights in the hand-traced order.
// JSON:      "cuts": [
// JSON-COUNT-7: "target": "activation",
// JSON:      "target": "weight",
// JSON-NEXT: "name": "pw13",
// JSON:      "name": "fc",
// JSON:      "name": "pw12",
// JSON:      "name": "pw13",
// JSON:      "name": "fc",
// JSON:      "name": "pw7",
// JSON:      "name": "pw8",
// JSON:      "name": "pw9",
// JSON:      "name": "pw10",
// JSON-NOT:  "target"

// SMALL: "flash_bytes": 498180,
// SMALL: "ram_bytes": 98304,
// SMALL: "bits": "w=8888888888888888888888888888 a=88888888888888888888888888888",
// SMALL: "cuts": []
