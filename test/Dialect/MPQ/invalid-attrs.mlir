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
