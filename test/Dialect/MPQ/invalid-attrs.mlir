// RUN: mpq-opt %s -split-input-file -verify-diagnostics

// The dialect verifies the types of its discardable attributes (the arena
// placement of --mpq-plan-buffers) and knows no others.

// expected-error @+1 {{'mpq.arena_size' must be an i64 integer attribute, not "big"}}
func.func @arena_size_string() attributes {mpq.arena_size = "big"} {
  return
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @offset_i32(%in: tensor<1x4xf32>) -> tensor<1x4x!u8> {
  // expected-error @+1 {{'mpq.offset' must be an i64 integer attribute, not 0 : i32}}
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>, mpq.offset = 0 : i32} : tensor<1x4xf32> -> tensor<1x4x!u8>
  return %x : tensor<1x4x!u8>
}

// -----

// expected-error @+1 {{'mpq.offsets' must be an array<i64: ...>, not 0 : i64}}
func.func @offsets_scalar() attributes {mpq.offsets = 0 : i64} {
  return
}

// -----

// expected-error @+1 {{'mpq.arena_bytes' is not an attribute of the mpq dialect}}
func.func @unknown() attributes {mpq.arena_bytes = 16 : i64} {
  return
}

// -----

// Well-typed annotations are accepted, on any op.
func.func @ok() attributes {mpq.arena_size = 32 : i64, mpq.arena_align = 16 : i64} {
  return
}

// -----

// mpq.rows_descending (a step in place above its input writes its rows from
// the last) is a unit attribute, and only on ops whose kernels write rows.
!u8 = !mpq.uniform<u8, 1.0:0>
func.func @rows_descending_value(%in: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2x!u8> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!u8>
  // expected-error @+1 {{'mpq.rows_descending' must be a unit attribute, not true}}
  %p = mpq.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, mpq.rows_descending = true} : tensor<1x4x4x2x!u8> -> tensor<1x2x2x2x!u8>
  return %p : tensor<1x2x2x2x!u8>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @rows_descending_elementwise(%in: tensor<1x4xf32>) -> tensor<1x4x!u8> {
  // expected-error @+1 {{'mpq.rows_descending' is only for qconv2d, max_pool2d and qavg_pool2d, whose kernels write rows}}
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>, mpq.rows_descending} : tensor<1x4xf32> -> tensor<1x4x!u8>
  return %x : tensor<1x4x!u8>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @rows_descending_ok(%in: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2x!u8> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!u8>
  %p = mpq.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, mpq.rows_descending} : tensor<1x4x4x2x!u8> -> tensor<1x2x2x2x!u8>
  return %p : tensor<1x2x2x2x!u8>
}

// -----

// mpq.row_group (the row group an op runs in) is an i64, only on the ops
// whose kernels run row by row.
!u8 = !mpq.uniform<u8, 1.0:0>
func.func @row_group_value(%in: tensor<1x4x4x2xf32>) -> tensor<1x4x2x4x!u8> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!u8>
  // expected-error @+1 {{'mpq.row_group' is only for qconv2d, qadd, max_pool2d, qavg_pool2d and pad, whose kernels run row by row}}
  %t = mpq.transpose %x {perm = array<i64: 0, 1, 3, 2>, mpq.row_group = 0 : i64} : tensor<1x4x4x2x!u8> -> tensor<1x4x2x4x!u8>
  return %t : tensor<1x4x2x4x!u8>
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
!w8 = !mpq.uniform<i8, 1.0:0>
func.func @row_group_type(%in: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xi32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!u8>
  %w = mpq.qconstant dense<1> : tensor<2x1x1x2xi8> : tensor<2x1x1x2x!w8>
  // expected-error @+1 {{'mpq.row_group' must be an i64 integer attribute, not "g"}}
  %a = mpq.qconv2d %x, %w {mpq.row_group = "g"} : (tensor<1x4x4x2x!u8>, tensor<2x1x1x2x!w8>) -> tensor<1x4x4x2xi32>
  return %a : tensor<1x4x4x2xi32>
}

// -----

// mpq.narrow_kernels (the DSP kernels get no scratch) is a unit attribute on
// the model function only.
// expected-error @+1 {{'mpq.narrow_kernels' must be a unit attribute, not 1 : i64}}
func.func @narrow_kernels_value() attributes {mpq.narrow_kernels = 1 : i64} {
  return
}

// -----

!u8 = !mpq.uniform<u8, 1.0:0>
func.func @narrow_kernels_on_op(%in: tensor<4xf32>) -> tensor<4x!u8> {
  // expected-error @+1 {{'mpq.narrow_kernels' is only for the model function}}
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>, mpq.narrow_kernels} : tensor<4xf32> -> tensor<4x!u8>
  return %x : tensor<4x!u8>
}
