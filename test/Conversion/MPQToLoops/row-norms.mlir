// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.array([[1.5, 0.5, 0.0, 0.0]], np.float32)); np.save('%t.l.npy', np.array([[0.5, 1.0, 1.5, 3.0], [2.5, 2.5, 2.5, 2.5]], np.float32))"
// RUN: rm -rf %t.out && mpq-eval %s --input %t.x.npy --input %t.l.npy --output-dir %t.out
// RUN: %python -c "import numpy as np; print((np.load('%t.out/output_0.npy').astype(np.float64) * 256).round(3).tolist()); print((np.load('%t.out/output_1.npy').astype(np.float64) * 16).round(3).tolist())" | FileCheck %s --check-prefix=EVAL

// Hand-computed softmax: x = 1.5, 0.5, 0, 0 on u2 at 0.5 are codes 3, 1, 0,
// 0; the row's largest is 3, so e = table[0, 2, 3, 3] = round(2^14 exp(-0.5
// d)) = 16384, 6027, 3656, 3656 and S = 29723. On u8 at 1/256 (multiplier
// 2^30, exponent 9: 256) y = e * 256 / S = 141.11, 51.91, 31.49, 31.49.
// EVAL: {{\[}}[141.0, 52.0, 31.0, 31.0]]
// Hand-computed layer norm (IntegerSemanticsTest's row): codes 1, 2, 3, 6
// (u8 at 0.5) give q = -17, -9, 0, 26 at shift 4; scale 1 and bias 0, 16,
// 0, -8 on the accumulator, which the multiplier (2^30, exponent 1: 1)
// puts on the i8 grid of 1/16 as they are. A constant row (codes 5) has q =
// 0: the bias alone.
// EVAL: {{\[}}[-17.0, 7.0, 0.0, 18.0], [0.0, 16.0, 0.0, -8.0]]

// mpq.qsoftmax (QSoftmaxLowering): per row, the largest code, the sum of
// the table entries it selects, then each entry times M0 over the sum
// shifted by 31 - N0, rounded half away from zero. The table's entries
// (at most 2^14) are stored as i16. (One row: no row loop is left.)
// CHECK-LABEL: func.func private @rows_step0
// CHECK: memref.get_global @rows_exp0 : memref<4xi16>
// CHECK: %[[MAX:.*]] = scf.for {{.*}} iter_args(%[[M:.*]] = %c0_i32) -> (i32)
// CHECK: arith.maxsi %[[M]]
// CHECK: %[[SUM:.*]] = scf.for {{.*}} iter_args({{.*}} = %c0_i32) -> (i32)
// CHECK: arith.subi %[[MAX]],
// CHECK: memref.load %[[TABLE:.*]][
// CHECK: %[[WIDE:.*]] = arith.extsi %[[SUM]] : i32 to i64
// CHECK: %[[DEN:.*]] = arith.shli %[[WIDE]], %c22_i64
// CHECK: scf.for
// CHECK: arith.muli %{{.*}}, %c1073741824_i64
// CHECK: arith.divsi %{{.*}}, %[[DEN]] : i64
// CHECK: memref.store
//
// mpq.qlayer_norm (QLayerNormLowering): per row, the sum, the sum of the
// squared distances, the variance and its integer square root (31 steps of
// two bits), then per feature the division by sigma and the affine
// requantization.
// CHECK-LABEL: func.func private @rows_step1
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK: scf.for {{.*}} iter_args({{.*}} = %c0_i64) -> (i64)
// CHECK: scf.for {{.*}} iter_args({{.*}} = %c0_i64) -> (i64)
// CHECK: arith.muli %[[D:.*]], %[[D]] : i64
// CHECK: arith.divsi %{{.*}}, %c4_i64 : i64
// CHECK: arith.shli %{{.*}}, %c16_i64 : i64
// CHECK: scf.for %{{.*}} = %c0 to %c31 step %c1 iter_args(
// CHECK: arith.cmpi sge
// CHECK: arith.maxsi %{{.*}}, %c1_i64 : i64
// CHECK: scf.for
// CHECK: arith.muli %{{.*}}, %c4096_i64 : i64
// CHECK: arith.divsi
// CHECK: memref.store
func.func @rows(%x: tensor<1x4xf32>, %l: tensor<2x4xf32>) -> (tensor<1x4xf32>, tensor<2x4xf32>) {
  %qx = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4xf32> -> tensor<1x4x!mpq.uniform<u2, 0.5:0>>
  %s = mpq.qsoftmax %qx {exp_table = array<i32: 16384, 9937, 6027, 3656>, multiplier = 1073741824 : i32, exponent = 9 : i32}
     : tensor<1x4x!mpq.uniform<u2, 0.5:0>> -> tensor<1x4x!mpq.uniform<u8, 0.00390625:0>>
  %ql = mpq.quantize %l {rounding = #mpq.rounding<half_to_even>} : tensor<2x4xf32> -> tensor<2x4x!mpq.uniform<u8, 0.5:0>>
  %n = mpq.qlayer_norm %ql {scale = array<i32: 1, 1, 1, 1>, bias = array<i32: 0, 16, 0, -8>, eps_term = 0 : i64, shift = 4 : i32, multiplier = 1073741824 : i32, exponent = 1 : i32, rounding = #mpq.rounding<half_up>}
     : tensor<2x4x!mpq.uniform<u8, 0.5:0>> -> tensor<2x4x!mpq.uniform<i8, 0.0625:0>>
  %ds = mpq.dequantize %s : tensor<1x4x!mpq.uniform<u8, 0.00390625:0>> -> tensor<1x4xf32>
  %dn = mpq.dequantize %n : tensor<2x4x!mpq.uniform<i8, 0.0625:0>> -> tensor<2x4xf32>
  return %ds, %dn : tensor<1x4xf32>, tensor<2x4xf32>
}
