// RUN: mpq-opt %s -mpq-lower-to-loops -canonicalize -cse | FileCheck %s

// mpq.table (TableLowering): the table is a constant byte global, one entry
// per input code, indexed by the code's stored bits. A signed input's
// entries are rotated at compile time: the i2 table [10, 11, 12, 13] for
// codes -2, -1, 0, 1 is stored for the bit patterns 0, 1, 2, 3 (codes 0, 1,
// -2, -1) as [12, 13, 10, 11]. Negative output codes are stored as their
// bytes (-1 as 0xFF; the store keeps the field's low bits).
//
// Per element: the 2-bit field of the input (shift, mask 3, no sign
// extension), one load from the table, the packed 4-bit store.
// CHECK-LABEL: func.func private @lut_step0
// CHECK: %[[T:.*]] = memref.get_global @[[G:lut_table[0-9]+]] : memref<4xi8>
// CHECK: scf.for %{{.*}} = %c0 to %c4
// CHECK: scf.for %{{.*}} = %c0 to %c6
// CHECK: %[[F:.*]] = arith.andi %{{.*}}, %c3_i32 : i32
// CHECK-NEXT: %[[I:.*]] = arith.index_castui %[[F]] : i32 to index
// CHECK-NEXT: memref.load %[[T]][%[[I]]] : memref<4xi8>
// CHECK: memref.store
// CHECK: memref.global "private" constant @[[G]] : memref<4xi8> = dense<[12, 13, 10, 11]>
// The u4 input: a 4-bit field indexes the 16 entries; the 8-bit output is a
// plain byte store.
// CHECK-LABEL: func.func private @lut_step1
// CHECK: %[[T2:.*]] = memref.get_global @[[G2:lut_table[0-9]+]] : memref<16xi8>
// CHECK: arith.andi %{{.*}}, %c15_i32 : i32
// CHECK-NEXT: arith.index_castui
// CHECK-NEXT: %[[E:.*]] = memref.load %[[T2]][%{{.*}}] : memref<16xi8>
// CHECK-NOT: arith.andi
// CHECK: memref.store %[[E]]
// CHECK: memref.global "private" constant @[[G2]] : memref<16xi8> = dense<[-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]>
func.func @lut(%x: tensor<1x2x2x6xf32>) -> tensor<1x2x2x6xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x6xf32> -> tensor<1x2x2x6x!mpq.uniform<i2, 1.0:0>>
  %t = mpq.table %q {table = array<i32: 10, 11, 12, 13>}
     : tensor<1x2x2x6x!mpq.uniform<i2, 1.0:0>> -> tensor<1x2x2x6x!mpq.uniform<u4, 0.5:0>>
  %u = mpq.table %t {table = array<i32: -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7>}
     : tensor<1x2x2x6x!mpq.uniform<u4, 0.5:0>> -> tensor<1x2x2x6x!mpq.uniform<i8, 0.25:0>>
  %d = mpq.dequantize %u : tensor<1x2x2x6x!mpq.uniform<i8, 0.25:0>> -> tensor<1x2x2x6xf32>
  return %d : tensor<1x2x2x6xf32>
}
