// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s
// RUN: %python -c "import numpy as np; x = np.full((1, 2, 2, 4), 1.5, np.float32); x[0, 0, 0] = [-1, 0.5, 2, -3]; np.save('%t.x.npy', x); np.save('%t.m.npy', np.array([0, 1, -2, -4], np.float32).reshape(1, 1, 1, 4))"
// RUN: mpq-eval %s --input %t.x.npy --input %t.m.npy --output-dir %t.out
// RUN: %python -c "import numpy as np; print([np.load('%t.out/output_%d.npy' % i)[0, :, 0].astype(np.float64).tolist() for i in (0, 1)])" | FileCheck %s --check-prefix=EVAL

// Hand-computed: on the i8 grid of scale 0.5, x = -1, 0.5, 2, -3 are codes
// -2, 1, 4, -6 and 1.5 is code 3; m = 0, 1, -2, -4 codes 0, 2, -4, -8.
// qmax, clamped at code 3: max(-2, 0) = 0, max(1, 2) = 2, max(4, -4) = 4 ->
// 3, max(-6, -8) = -6; the rows of 1.5: 3 everywhere. qmin: -2, 1, -4, -8
// and 0, 2, -4, -8 (1.5 against m).
// EVAL: {{\[}}{{\[}}[0.0, 1.0, 1.5, -3.0], [1.5, 1.5, 1.5, 1.5]], {{\[}}[-1.0, 0.5, -2.0, -4.0], [0.0, 1.0, -2.0, -4.0]]]

// mpq.qmax / mpq.qmin (QExtremumLowering): one loop per result dimension,
// the broadcast operand read along C only, the codes compared as integers,
// then clamped.
// CHECK-LABEL: func.func private @ext_step0
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[Y:.*]] = arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.minsi %{{.*}}, %c3_i32 : i32
// CHECK: memref.store
// CHECK-LABEL: func.func private @ext_step1
// CHECK: arith.minsi %{{.*}}, %{{.*}} : i32
func.func @ext(%x: tensor<1x2x2x4xf32>, %m: tensor<1x1x1x4xf32>) -> (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) {
  %qx = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x4xf32> -> tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>>
  %qm = mpq.quantize %m {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x4xf32> -> tensor<1x1x1x4x!mpq.uniform<i8, 0.5:0>>
  %a = mpq.qmax %qx, %qm {clamp_max = 3 : i64}
     : (tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>>, tensor<1x1x1x4x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>>
  %b = mpq.qmin %qx, %qm
     : (tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>>, tensor<1x1x1x4x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>>
  %da = mpq.dequantize %a : tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>> -> tensor<1x2x2x4xf32>
  %db = mpq.dequantize %b : tensor<1x2x2x4x!mpq.uniform<i8, 0.5:0>> -> tensor<1x2x2x4xf32>
  return %da, %db : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>
}
