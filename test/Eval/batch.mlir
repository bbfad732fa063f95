// Batch mode: an input with N samples stacked along a first dimension that
// the argument has as 1 runs N times, and each output (and each --dump-dir
// intermediate) comes back stacked the same way; an input of the argument's
// own shape is shared by every sample. Errors name the offending input.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x3.npy', np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], dtype=np.float32)); np.save('%t/y1.npy', np.array([[100, 200, 300, 400]], dtype=np.float32)); np.save('%t/y2.npy', np.zeros((2, 4), dtype=np.float32)); np.save('%t/bad.npy', np.zeros((3, 5), dtype=np.float32))"
//
// RUN: mpq-eval %s --func=add --input %t/x3.npy --input %t/y1.npy --print | FileCheck %s --check-prefix=SHARED
// SHARED: output #0 shape [3, 4]: 101 202 303 404 105 206 307 408 109 210 311 412
// RUN: mpq-eval %s --func=add --input %t/y1.npy --input %t/x3.npy -o %t/out.npy --dump-dir %t/dump
// RUN: %python -c "import numpy as np; print(np.load('%t/out.npy').shape, np.load('%t/dump/0_sum.npy').shape)" | FileCheck %s --check-prefix=STACKED
// STACKED: (3, 4) (3, 4)
//
// RUN: not mpq-eval %s --func=add --input %t/x3.npy --input %t/y2.npy 2>&1 | FileCheck %s --check-prefix=COUNTS
// COUNTS: error: input #1 holds 2 samples but input #0 holds 3
// RUN: not mpq-eval %s --func=add --input %t/bad.npy --input %t/y1.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: input #0 has shape [3, 5], expected 'tensor<1x4xf32>' (or N samples stacked along the first dimension)
// RUN: not mpq-eval %s --func=add --input %t/x3.npy --input %t/y1.npy --report %t/r.json 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT: mpq-eval: --report needs --compare-layers
// RUN: not mpq-eval %s --func=add --input %t/x3.npy --input %t/y1.npy --compare-layers -o %t/o.npy 2>&1 | FileCheck %s --check-prefix=COMPAREOUT
// COMPAREOUT: mpq-eval: --compare-layers writes a table (and --report), not outputs: drop -o, --output-dir, --dump-dir and --print
// RUN: not mpq-eval %S/Inputs/two-funcs.mlir --func=f --input %t/x3.npy --compare-layers 2>&1 | FileCheck %s --check-prefix=UNCALIBRATED
// UNCALIBRATED: error: fake_quant to '!mpq.bits<u4>' has no scale yet: calibrate the model before lowering

func.func @add(%x: tensor<1x4xf32>, %y: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %s = mpq.add %x, %y : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("sum")
  return %s : tensor<1x4xf32>
}
