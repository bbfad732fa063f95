// 9. --mpq-lower-to-loops checks static shapes the way --mpq-plan-buffers
// does (it accepted dynamic or overflowing shapes and emitted a 1-byte
// arena, exit 0).
// RUN: mpq-opt %s -split-input-file -mpq-lower-to-loops -verify-diagnostics

// expected-error @+1 {{'func.func' has a dynamic shape ('tensor<?x2xf32>'): lowering needs static sizes}}
func.func @dynamic(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<?x2xf32> -> tensor<?x2x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %q : tensor<?x2x!mpq.uniform<u8, 0.5:0>> -> tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' has a dynamic shape}}
func.func @dynamic_inner(%x: tensor<1x2xf32>, %y: tensor<?xf32>) -> tensor<1x2xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x2xf32> -> tensor<1x2x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %q : tensor<1x2x!mpq.uniform<u8, 0.5:0>> -> tensor<1x2xf32>
  return %d : tensor<1x2xf32>
}

// -----

// expected-error @+1 {{the buffer of 'tensor<4611686018427387904x4xf32>' does not fit in int64 bytes}}
func.func @overflow(%x: tensor<4611686018427387904x4xf32>) -> tensor<4611686018427387904x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<4611686018427387904x4xf32> -> tensor<4611686018427387904x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %q : tensor<4611686018427387904x4x!mpq.uniform<u8, 0.5:0>> -> tensor<4611686018427387904x4xf32>
  return %d : tensor<4611686018427387904x4xf32>
}
