// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.array([0, 5, 10, 15], np.float32).reshape(1, 2, 2, 1))"
// RUN: mpq-eval %s --input %t.x.npy -o %t.y.npy
// RUN: %python -c "import numpy as np; print(np.load('%t.y.npy')[0, :, :, 0].astype(np.float64).tolist())" | FileCheck %s --check-prefix=EVAL

// Hand-computed: a 2x2 map 0, 5 / 10, 15 (u8 at scale 1) resized to 4x4 in
// half_pixel: along each axis x = (i + 1/2) / 2 - 1/2 = (2i - 1) / 4,
// clamped to [0, 1]: positions 0, 1/4, 3/4, 1 (index 0, 0, 0, 1; weights
// 0, 1, 3, 0 quarters). The map is 10 y + 5 x, so the interpolation is too:
// rows 0, 1.25, 3.75, 5 / 2.5, 3.75, 6.25, 7.5 / ...; the integer sum over
// 16ths is requantized by 1/16 (multiplier 2^30, exponent -3), ties to even.
// EVAL: {{\[}}[0.0, 1.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0], [8.0, 9.0, 11.0, 12.0], [10.0, 11.0, 14.0, 15.0]]

// mpq.qresize_linear (QResizeLinearLowering): per output row its two input
// rows and weights from tables, per output column the same, then per
// channel four taps times their weight products, one sum, one
// requantization.
// CHECK-LABEL: func.func private @up_step0
// CHECK-DAG: memref.get_global @up_resize_rows{{[0-9]+}} : memref<4xi8>
// CHECK-DAG: memref.get_global @up_resize_row_weights{{[0-9]+}} : memref<4xi8>
// CHECK: scf.for %[[R:.*]] = %c0 to %c4
// CHECK: arith.minsi %{{.*}}, %c1_i32 : i32
// CHECK: scf.for %[[C:.*]] = %c0 to %c4
// CHECK: arith.minsi %{{.*}}, %c1_i32 : i32
// CHECK-COUNT-4: arith.muli %{{.*}} : i32
// CHECK-COUNT-4: memref.load %arg{{[0-9]+}}[
// CHECK: arith.muli %{{.*}}, %c1073741824_i64 : i64
// CHECK: memref.store
func.func @up(%x: tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x1xf32> -> tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>>
  %y = mpq.qresize_linear %q {h_index = array<i32: 0, 0, 0, 1>, h_weight = array<i32: 0, 1, 3, 0>, h_denominator = 4 : i32,
                              w_index = array<i32: 0, 0, 0, 1>, w_weight = array<i32: 0, 1, 3, 0>, w_denominator = 4 : i32,
                              multiplier = 1073741824 : i32, exponent = -3 : i32, rounding = #mpq.rounding<half_to_even>}
     : tensor<1x2x2x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>>
  %d = mpq.dequantize %y : tensor<1x4x4x1x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x1xf32>
  return %d : tensor<1x4x4x1xf32>
}
