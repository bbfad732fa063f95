// strategy=search on the chain of assign-precision.mlir, with a sensitivity
// table written by hand (Inputs/chain-sensitivity.json) and with the proxy.
//
// RUN: mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%S/Inputs/chain-sensitivity.json report=%t.json table" 2> %t.table | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: FileCheck %s --check-prefix=TABLE < %t.table
// The proxy (no table): every tensor costs the same, 288 per 4-bit cut.
// RUN: mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search report=%t.proxy.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=PROXY < %t.proxy.json
// Errors: the file, its rows, its widths.
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%t.none.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%s" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%S/Inputs/chain-sensitivity-missing.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%S/Inputs/chain-sensitivity-bad-row.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADROW
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1900 ram=4KiB strategy=search sensitivity=%S/Inputs/chain-sensitivity-other-bits.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BITS
// An impossible budget: the search says what the rule says.
// RUN: not mpq-opt %S/assign-precision.mlir -mpq-assign-precision="flash=1000 ram=4KiB strategy=search" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFIT
//
// Sizes as in assign-precision.mlir: parameters 826 B, so flash 1900 leaves
// 1074 B for weights, 1392 B at 8 bits: at least 318 B must go. Weight
// bytes at 8/4/2 bits (rows of the innermost dimension): conv0 288/144/72,
// conv1 128/64/32, dw2 144/72/36, pw3 512/256/128, fc 320/160/80.
// Costs (the table): conv0 and conv1 1 at 4 bits, 2 at 2; dw2 1 and 2.5;
// pw3 and fc 10 and 20. Anything touching pw3 or fc costs >= 10. Without
// them, the combinations that save >= 318 B: conv0@2 + conv1@4 + dw2@4
// (216 + 64 + 72 = 352 B, cost 4), conv0@2 + dw2@2 (324 B, 4.5), conv0@4 +
// conv1@2 + dw2@2 (348 B, 5), all three at 2 (420 B, 6.5); conv0@2 +
// conv1@2 saves 312 B and conv0@4 + conv1@2 + dw2@4 312 B, too little. So
// w=24488 at cost 4, weights 1040 B, flash 1866 B. The rule (its case WGT)
// cuts pw3 then conv0 to 4 bits, w=48848: cost 10 + 1 = 11.
// Why each cut width is not wider: conv0 at 4 bits would need 1040 + 72 +
// 826 = 1938 B; conv1 at 8, 1040 + 64 + 826 = 1930 B; dw2 at 8, 1938 B.

// CHECK-LABEL: func.func @chain
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i2>
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4>
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i4>
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8>
// CHECK: mpq.conv2d
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<u8>
// CHECK: mpq.fake_quant %{{.*}} to !mpq.bits<i8>
// CHECK: mpq.fully_connected

// JSON:      "fits": true,
// JSON-NEXT: "strategy": "search",
// JSON:      "flash_bytes": 1866,
// JSON-NEXT: "weights_bytes": 1040,
// JSON:      "bits": "w=24488 a=888888",
// JSON-NEXT: "search": {
// JSON-NEXT:   "solver": "dp",
// JSON-NEXT:   "sensitivity_source": "hand-written for assign-precision-search.mlir",
// JSON-NEXT:   "candidate_bits": [
// JSON-NEXT:     8,
// JSON-NEXT:     4,
// JSON-NEXT:     2
// JSON-NEXT:   ],
// JSON-NEXT:   "objective": 4,
// JSON-NEXT:   "rule_fits": true,
// JSON-NEXT:   "rule_objective": 11,
// JSON-NEXT:   "rule_bits": "w=48848 a=888888"
// JSON-NEXT: },
// JSON:        "name": "conv0",
// JSON:        "weight_origin": "search",
// JSON-NEXT:   "output_origin": "search",
// JSON-NEXT:   "weight_sensitivity": [
// JSON-NEXT:     0,
// JSON-NEXT:     1,
// JSON-NEXT:     2
// JSON-NEXT:   ],
// JSON-NEXT:   "weight_why": "flash: at 4 bits the model needs 1938 B > 1900 B",
// JSON:        "output_why": ""
// JSON:        "name": "conv1",
// JSON:        "weight_why": "flash: at 8 bits the model needs 1930 B > 1900 B",
// JSON:        "name": "dw2",
// JSON:        "weight_why": "flash: at 8 bits the model needs 1938 B > 1900 B",
// JSON:        "name": "pw3",
// JSON:        "weight_why": "",
// JSON:        "name": "fc",
// JSON:        "output_origin": "io",
// JSON-NEXT:   "weight_sensitivity": [
// JSON:        "output_sensitivity": null,
// JSON-NEXT:   "output_why": "fixed"
// JSON:      "cuts": []

// TABLE: mpq-assign-precision: strategy search, scheme pc-icn
// TABLE: search (dp, sensitivity hand-written for assign-precision-search.mlir): objective 4, the rule's 11 (w=48848 a=888888)
// TABLE-NEXT: weights of conv0: flash: at 4 bits the model needs 1938 B > 1900 B
// TABLE-NEXT: weights of conv1: flash: at 8 bits the model needs 1930 B > 1900 B
// TABLE-NEXT: weights of dw2: flash: at 8 bits the model needs 1938 B > 1900 B

// Two 4-bit cuts at 288 each; pw3 (256 B) and one more are needed.
// PROXY:      "bits": "w={{[48]+}} a=888888",
// PROXY:      "sensitivity_source": "proxy",
// PROXY:      "objective": 576,
// PROXY-NEXT: "rule_fits": true,
// PROXY-NEXT: "rule_objective": 576,

// NOFILE: option 'sensitivity': cannot read '{{.*}}none.json'
// NOTJSON: option 'sensitivity': '{{.*}}assign-precision-search.mlir' is not JSON
// MISSING: option 'sensitivity': '{{.*}}chain-sensitivity-missing.json': no entry for 'conv1'
// BADROW: option 'sensitivity': '{{.*}}chain-sensitivity-bad-row.json': the 'weights' row of 'conv0' has 2 entries for 3 candidate widths
// BITS: '{{.*}}chain-sensitivity-other-bits.json': the table was measured for other candidate widths than the assignment's
// NOFIT: error: the model does not fit: flash budget of 1000 B cannot be met
