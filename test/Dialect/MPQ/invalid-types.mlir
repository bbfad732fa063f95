// RUN: mpq-opt %s -split-input-file -verify-diagnostics

// One case per message of the type verifiers.

// expected-error @+1 {{bit-width must be 1..8 (stored) or 16/32 (accumulator), got 0}}
func.func private @f(tensor<4x!mpq.bits<u0>>)

// -----

// expected-error @+1 {{bit-width must be 1..8 (stored) or 16/32 (accumulator), got 12}}
func.func private @f(tensor<4x!mpq.uniform<i12, 0.5:0>>)

// -----

// expected-error @+1 {{bit-width must be 1..8 (stored) or 16/32 (accumulator), got 64}}
func.func private @f(tensor<4x!mpq.uniform<u64, 0.5:0>>)

// -----

// expected-error @+1 {{scale must be positive and finite, got 0}}
func.func private @f(tensor<4x!mpq.uniform<u4, 0.0:0>>)

// -----

// expected-error @+1 {{scale must be positive and finite, got -0.25 at index 1}}
func.func private @f(tensor<2x!mpq.uniform<i8:0, {0.5:0, -0.25:0}>>)

// -----

// expected-error @+1 {{zero point 16 is outside the range [0, 15] of u4}}
func.func private @f(tensor<4x!mpq.uniform<u4, 0.5:16>>)

// -----

// expected-error @+1 {{zero point -3 is outside the range [-2, 1] of i2 at index 0}}
func.func private @f(tensor<2x!mpq.uniform<i2:0, {0.5:-3, 0.5:0}>>)

// -----

// expected-error @+1 {{zero point -1 is outside the range [0, 3] of u2}}
func.func private @f(tensor<4x!mpq.uniform<u2, 0.5:-1>>)

// -----

// expected-error @+1 {{quantization axis must be non-negative, got -2}}
func.func private @f(tensor<2x!mpq.uniform<i8:-2, {0.5:0}>>)

// -----

// expected-error @+1 {{expected a storage type like i8 or u4}}
func.func private @f(tensor<2x!mpq.bits<x8>>)

// -----

// expected-error @+1 {{expected a storage type like i8 or u4}}
func.func private @f(tensor<2x!mpq.bits<f32>>)
