// Bad option values name the option; the test-only hook that corrupts the
// plan shows that the checker runs inside the pass and fails it.
//
// RUN: not mpq-opt %s -mpq-plan-buffers="algorithm=fast" 2>&1 | FileCheck %s --check-prefix=ALGO
// ALGO: for the --algorithm option: 'fast' is not a valid planning algorithm (expected one of best, greedy-size)
// RUN: not mpq-opt %s -mpq-plan-buffers="align=24" 2>&1 | FileCheck %s --check-prefix=ALIGN
// ALIGN: error: mpq-plan-buffers: option 'align': the alignment must be a positive power of two, got 24
// RUN: not mpq-opt %s -mpq-plan-buffers="align=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: mpq-plan-buffers: option 'align': the alignment must be a positive power of two, got 0
// RUN: not mpq-opt %s -mpq-plan-buffers="in-place=maybe" 2>&1 | FileCheck %s --check-prefix=BOOL
// BOOL: for the --in-place option: 
// RUN: not mpq-opt %s -mpq-plan-buffers="report=%t.missing/dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT: error: mpq-plan-buffers: cannot write the report to '{{.*}}r.json'
// RUN: not mpq-opt %s -mpq-plan-buffers="test-force-overlap=true" 2>&1 | FileCheck %s --check-prefix=OVERLAP
// OVERLAP: error: mpq-plan-buffers: the plan is invalid: buffers 'x' (steps [0, 0], bytes [{{[0-9]+}}, {{[0-9]+}})) and 'y' (steps [0, 0], bytes [{{[0-9]+}}, {{[0-9]+}})) are live together and overlap
// RUN: mpq-opt %s -mpq-plan-buffers | FileCheck %s --check-prefix=OK
// OK: mpq.arena_size = 32

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @net(%in: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32> -> tensor<1x4x!u8> loc("x")
  %y = mpq.pad %x {pads = array<i64: 0, 0, 0, 0>} : tensor<1x4x!u8> -> tensor<1x4x!u8> loc("y")
  %f = mpq.dequantize %y : tensor<1x4x!u8> -> tensor<1x4xf32>
  return %f : tensor<1x4xf32>
}
