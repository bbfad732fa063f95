// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s
// RUN: %python -c "import numpy as np; x = np.full((1, 2, 2, 4), 2.0, np.float32); x[0, 1] = 1.0; np.save('%t.x.npy', x); np.save('%t.s.npy', np.array([0, 0.25, 0.5, 3.75], np.float32).reshape(1, 1, 1, 4))"
// RUN: mpq-eval %s --input %t.x.npy --input %t.s.npy -o %t.y.npy
// RUN: %python -c "import numpy as np; print(np.round(np.load('%t.y.npy')[0, :, 0].astype(np.float64), 4).tolist())" | FileCheck %s --check-prefix=EVAL

// Hand-computed: x = 2.0 is code 7 (2 / 0.5 + 3), x = 1.0 code 5; the
// excitation 0, 0.25, 0.5, 3.75 codes 0, 1, 2, 15. The products of
// (x - 3) and s are 0, 4, 8, 60 and 0, 2, 4, 30; M0 = 0.625 * 2^31 with
// N0 = 1 multiplies by 1.25 = 0.5 * 0.25 / 0.1: codes 0, 5, 10, 75 (exact:
// 2.0 * s / 0.1) and 0, 2.5 -> 2, 5, 37.5 -> 38 (half to even).
// EVAL: {{\[}}[0.0, 0.5, 1.0, 7.5], [0.0, 0.2, 0.5, 3.8]]

// mpq.qmul (QMulLowering): one loop per result dimension; the excitation
// [1, 1, 1, C] is read along C only (index 0 along H and W: broadcast),
// the codes minus their zero points multiplied in i32, then by M0 in i64,
// rounded, shifted by 31 - N0, clamped to the output's range.
// CHECK-LABEL: func.func private @se_step0
// CHECK: scf.for %[[H:.*]] = %c0 to %c2
// CHECK: scf.for %[[W:.*]] = %c0 to %c2
// CHECK: scf.for %[[C:.*]] = %c0 to %c4
// The 8-bit features at (h, w, c), less their zero point 3; the 4-bit
// excitation's field by the channel alone.
// CHECK: arith.muli %[[H]], %c2 : index
// CHECK: %[[X:.*]] = arith.subi %{{.*}}, %c3_i32 : i32
// CHECK: %[[SB:.*]] = arith.muli %[[C]], %c4 : index
// CHECK: arith.divui %[[SB]], %c8 : index
// CHECK: %[[S:.*]] = arith.andi %{{.*}}, %c15_i32 : i32
// CHECK: %[[P:.*]] = arith.muli %[[X]], %[[S]] : i32
// CHECK: %[[P64:.*]] = arith.extsi %[[P]] : i32 to i64
// CHECK: arith.muli %[[P64]], %c1342177280_i64 : i64
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: memref.store
func.func @se(%x: tensor<1x2x2x4xf32>, %s: tensor<1x1x1x4xf32>) -> tensor<1x2x2x4xf32> {
  %qx = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x4xf32> -> tensor<1x2x2x4x!mpq.uniform<u8, 0.5:3>>
  %qs = mpq.quantize %s {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x4xf32> -> tensor<1x1x1x4x!mpq.uniform<u4, 0.25:0>>
  %y = mpq.qmul %qx, %qs {multiplier = 1342177280 : i32, exponent = 1 : i32, rounding = #mpq.rounding<half_to_even>}
     : (tensor<1x2x2x4x!mpq.uniform<u8, 0.5:3>>, tensor<1x1x1x4x!mpq.uniform<u4, 0.25:0>>) -> tensor<1x2x2x4x!mpq.uniform<u8, 0.1:0>>
  %d = mpq.dequantize %y : tensor<1x2x2x4x!mpq.uniform<u8, 0.1:0>> -> tensor<1x2x2x4xf32>
  return %d : tensor<1x2x2x4xf32>
}
