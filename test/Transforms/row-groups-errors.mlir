// Row groups (mpq.row_group, mpq/Analysis/RowGroups.h) that cannot run:
// each is an error on the op, from buffer planning and from the lowering
// to loops alike (both read the groups the same way), and the dialect's
// verifier checks the attribute itself.
//
// RUN: mpq-opt %s -split-input-file -mpq-plan-buffers -verify-diagnostics
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -verify-diagnostics

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// The first member's result is read outside the group (also returned): it
// would exist only as a line buffer.
func.func @two_readers(%x: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  // expected-error @below {{row group 0: this member's result is read outside the group (only the last member's result may be)}}
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 0 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  %a2 = mpq.qconv2d %y1, %w {mpq.row_group = 0 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  %d1 = mpq.dequantize %y1 : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  %d2 = mpq.dequantize %y2 : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  return %d1, %d2 : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// Two images: a group runs the rows of one.
func.func @batch(%x: tensor<2x4x4x8xf32>) -> tensor<2x4x4x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<2x4x4x8xf32> -> tensor<2x4x4x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  // expected-error @below {{cannot run in row group 1: row groups take one image (N = 1), not 2}}
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 1 : i64} : (tensor<2x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<2x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<2x4x4x8xi32> -> tensor<2x4x4x8x!u8>
  %d = mpq.dequantize %y1 : tensor<2x4x4x8x!u8> -> tensor<2x4x4x8xf32>
  return %d : tensor<2x4x4x8xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// Another step between two members: the group runs as one step.
func.func @interleaved(%x: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 2 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  // expected-error @below {{runs inside row group 2, whose members must be consecutive}}
  %other = mpq.requantize %q {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8x!u8>
  %a2 = mpq.qconv2d %y1, %w {mpq.row_group = 2 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  %d1 = mpq.dequantize %other : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  %d2 = mpq.dequantize %y2 : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  return %d1, %d2 : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// A group of one layer: nothing to run row by row.
func.func @alone(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  // expected-error @below {{row group 5: a row group needs at least two layers}}
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 5 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  %d = mpq.dequantize %y1 : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  return %d : tensor<1x4x4x8xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// A sum whose second operand comes from outside the group and is not its
// input: a group reads one tensor from outside.
func.func @outside(%x: tensor<1x4x4x8xf32>, %z: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %r = mpq.quantize %z {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 3 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  // expected-error @below {{row group 3 reads a tensor from outside the group other than its input (the first member's input)}}
  %s = mpq.qadd %y1, %r {lhs_exponent = 0 : i32, lhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_up>, mpq.row_group = 3 : i64} : (tensor<1x4x4x8x!u8>, tensor<1x4x4x8x!u8>) -> tensor<1x4x4x8x!u8>
  %d = mpq.dequantize %s : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  return %d : tensor<1x4x4x8xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// A pad of the rows: an output row is not the same input row.
func.func @spatial_pad(%x: tensor<1x4x4x8xf32>) -> tensor<1x6x4x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 4 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  // expected-error @below {{cannot run in row group 4: a pad in a row group pads channels only}}
  %p = mpq.pad %y1 {pads = array<i64: 0, 1, 0, 0, 0, 1, 0, 0>, mpq.row_group = 4 : i64} : tensor<1x4x4x8x!u8> -> tensor<1x6x4x8x!u8>
  %d = mpq.dequantize %p : tensor<1x6x4x8x!u8> -> tensor<1x6x4x8xf32>
  return %d : tensor<1x6x4x8xf32>
}

// -----

!u8 = !mpq.uniform<u8, 0.02:0>
!w8 = !mpq.uniform<i8, 0.01:0>
// A sum that broadcasts: its operands must have its shape.
func.func @broadcast_sum(%x: tensor<1x4x4x8xf32>, %z: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!u8>
  %r = mpq.quantize %z {rounding = #mpq.rounding<half_to_even>} : tensor<1x1x1x8xf32> -> tensor<1x1x1x8x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x8xi8> : tensor<8x1x1x8x!w8>
  %a1 = mpq.qconv2d %q, %w {mpq.row_group = 6 : i64} : (tensor<1x4x4x8x!u8>, tensor<8x1x1x8x!w8>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!u8>
  // expected-error @below {{cannot run in row group 6: a sum in a row group takes operands of its result's shape}}
  %s = mpq.qadd %y1, %r {lhs_exponent = 0 : i32, lhs_multiplier = 1073741824 : i32, rhs_exponent = 0 : i32, rhs_multiplier = 1073741824 : i32, rounding = #mpq.rounding<half_up>, mpq.row_group = 6 : i64} : (tensor<1x4x4x8x!u8>, tensor<1x1x1x8x!u8>) -> tensor<1x4x4x8x!u8>
  %d = mpq.dequantize %s : tensor<1x4x4x8x!u8> -> tensor<1x4x4x8xf32>
  return %d : tensor<1x4x4x8xf32>
}
