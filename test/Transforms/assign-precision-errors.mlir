// RUN: mpq-opt %s -split-input-file -verify-diagnostics -mpq-assign-precision="flash=1000 ram=300"

// Infeasible RAM. The image [1,16,16,4] is 1024 B at its fixed 8 bits, and
// so are the logits; the tensor between the two layers at 2 bits is
// 16 * 16 * 1 = 256 B, so the smallest in + out is 1280 B > 300 B (both
// layers; the first is reported). Flash: 2 * 16 weight bytes + 10 * 4 + 8 +
// 7 * 4 + 4 = 112 fits. No names in the locations: layers are named
// <kind><step index>.
func.func @ram_infeasible(%img: tensor<1x16x16x4xf32>) -> tensor<1x16x16x4xf32> {
  // expected-error @-1 {{the model does not fit: RAM budget of 300 B cannot be met: the smallest RAM reachable, with every activation that may be cut at 2 bits, is 1280 B; bottleneck layer 'conv0' (input 1024 B + output 256 B)}}
  %w0 = arith.constant dense<0.1> : tensor<4x1x1x4xf32>
  // expected-note @+1 {{RAM bottleneck: 'conv0'}}
  %h = mpq.conv2d %img, %w0 : (tensor<1x16x16x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x16x16x4xf32>
  %r = mpq.relu %h : tensor<1x16x16x4xf32>
  %w1 = arith.constant dense<0.1> : tensor<4x1x1x4xf32>
  %y = mpq.conv2d %r, %w1 : (tensor<1x16x16x4xf32>, tensor<4x1x1x4xf32>) -> tensor<1x16x16x4xf32>
  return %y : tensor<1x16x16x4xf32>
}

// -----

// Infeasible flash. fc0 [64,64] at 2 bits: 64 rows * 16 B = 1024 B, plus
// 10 * 64 + 8 = 648 B of parameters; fc1 [10,64] 160 B + 74 B. Smallest
// flash 1906 B > 1000 B, bottleneck fc0. RAM: 64 + 64 B fits.
func.func @flash_infeasible(%x: tensor<1x64xf32>) -> tensor<1x10xf32> {
  // expected-error @-1 {{the model does not fit: flash budget of 1000 B cannot be met: the smallest flash reachable, with every unpinned weight tensor at 2 bits, is 1906 B (weights 1184 B + parameters 722 B); bottleneck layer 'fc0' (weights 1024 B + parameters 648 B)}}
  %w0 = arith.constant dense<0.1> : tensor<64x64xf32>
  // expected-note @+1 {{flash bottleneck: 'fc0'}}
  %h = mpq.fully_connected %x, %w0 : (tensor<1x64xf32>, tensor<64x64xf32>) -> tensor<1x64xf32>
  %r = mpq.relu %h : tensor<1x64xf32>
  %w1 = arith.constant dense<0.1> : tensor<10x64xf32>
  %y = mpq.fully_connected %r, %w1 : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// -----

// expected-error @+1 {{the module has no function with a body: expected exactly one func.func holding the model}}
module {
  func.func private @external(tensor<1x4xf32>) -> tensor<1x4xf32>
}

// -----

// expected-error @+1 {{the module has 2 functions with a body (@a, @b): expected exactly one holding the model}}
module {
  func.func @a(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
  func.func @b(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
}

// -----

func.func @weight_is_argument(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{the weights of layer 'fc0' must be an arith.constant or an mpq.fake_quant of one, not a block argument}}
  %y = mpq.fully_connected %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @weight_is_computed(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %c = arith.constant dense<0.1> : tensor<2x4xf32>
  %w = mpq.relu %c : tensor<2x4xf32>
  // expected-error @+1 {{the weights of layer 'fc0' must be an arith.constant or an mpq.fake_quant of one, not the result of 'mpq.relu'}}
  %y = mpq.fully_connected %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @unsupported_op(%x: tensor<4x4xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'mpq.matmul' is not supported by precision assignment yet (convolutions, fully connected layers, add, mul, max, min, concat, pooling, pad, slice, resize, reshape, transpose, softmax, layer_norm, clamping activations and element-wise functions are)}}
  %m = mpq.matmul %x, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %w = arith.constant dense<0.1> : tensor<2x4xf32>
  %y = mpq.fully_connected %m, %w : (tensor<4x4xf32>, tensor<2x4xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @constant_activation() -> tensor<1x2xf32> {
  %x = arith.constant dense<1.0> : tensor<1x4xf32>
  %w = arith.constant dense<0.1> : tensor<2x4xf32>
  // expected-error @+1 {{'mpq.fully_connected' reads its input from 'arith.constant', which is not an activation of the model (a function argument or a value computed from one)}}
  %y = mpq.fully_connected %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// expected-error @+1 {{@no_layers has no mpq.conv2d or mpq.fully_connected layer to assign bit-widths to}}
func.func @no_layers(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %r = mpq.relu %x : tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}

// -----

func.func @existing_width_unsupported(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<0.1> : tensor<2x4xf32>
  // expected-error @+1 {{the weights of 'fc0' are fixed at 3 bits, which precision assignment cannot keep (widths 8, 4 or 2); add 'reassign' to choose again}}
  %wq = mpq.fake_quant %w to !mpq.bits<i3> {rounding = #mpq.rounding<half_to_even>} : tensor<2x4xf32>
  %y = mpq.fully_connected %x, %wq : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @image_not_8_bits(%img: tensor<1x4xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{the image input stays at 8 bits, but this mpq.fake_quant fixes 'input' at 4 bits; add 'reassign' to choose again}}
  %x = mpq.fake_quant %img to !mpq.bits<u4> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  %w = arith.constant dense<0.1> : tensor<2x4xf32>
  %y = mpq.fully_connected %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @logits_not_8_bits(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<0.1> : tensor<2x4xf32>
  %y = mpq.fully_connected %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  // expected-error @+1 {{the last layer's output stays at 8 bits, but this mpq.fake_quant fixes 'fc0_out' at 2 bits; add 'reassign' to choose again}}
  %yq = mpq.fake_quant %y to !mpq.bits<i2> {rounding = #mpq.rounding<floor>} : tensor<1x2xf32>
  return %yq : tensor<1x2xf32>
}

// -----

func.func @conflicting_existing(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w0 = arith.constant dense<0.1> : tensor<4x4xf32>
  %h = mpq.fully_connected %x, %w0 : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %r = mpq.relu %h : tensor<1x4xf32>
  // expected-note @+1 {{the other mpq.fake_quant is here}}
  %a = mpq.fake_quant %r to !mpq.bits<u4> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  // expected-error @+1 {{this mpq.fake_quant fixes 'fc0_out' at 2 bits, another one on the same tensor at 4 bits}}
  %b = mpq.fake_quant %a to !mpq.bits<u2> {rounding = #mpq.rounding<floor>} : tensor<1x4xf32>
  %w1 = arith.constant dense<0.1> : tensor<2x4xf32>
  %y = mpq.fully_connected %b, %w1 : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
