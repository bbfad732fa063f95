// ram-model=planned when no assignment gives an arena within the budget.
//
// RUN: mpq-opt %s -verify-diagnostics -mpq-assign-precision="flash=100kB ram=700 ram-model=planned"

// The padded image is 8-bit like the image; at the pad both are live
// (256 + 576 B), which no cut can shrink below 700 B although the paper
// model (576 + 36 at conv0) fits.
// expected-error @below {{the model does not fit: RAM budget of 700 B cannot be met: the arena planned for the widths chosen needs 832 B (ram-model=planned), and no assignment fits the paper's per-layer RAM model at the 568 B that would leave room for the tensors the plan keeps alive together}}
func.func @padded_image(%img: tensor<1x8x8x4xf32>) -> tensor<1x3xf32> {
  %p = mpq.pad %img {pads = array<i64: 0, 2, 2, 0, 0, 2, 2, 0>} : tensor<1x8x8x4xf32> -> tensor<1x12x12x4xf32> loc("pad")
  %w0 = arith.constant dense<0.1> : tensor<4x1x1x4xf32>
  %c0 = mpq.conv2d %p, %w0 {strides = array<i64: 4, 4>} : (tensor<1x12x12x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x3x3x4xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x3x3x4xf32>
  %f = mpq.reshape %r0 : tensor<1x3x3x4xf32> -> tensor<1x36xf32> loc("flatten")
  %w1 = arith.constant dense<0.1> : tensor<3x36xf32>
  %y = mpq.fully_connected %f, %w1 : (tensor<1x36xf32>, tensor<3x36xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
