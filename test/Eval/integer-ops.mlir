// Integer semantics of the reference evaluator on hand-computed cases.
// Inputs are written and outputs read back by numpy, independently of mpq.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([3, 5, 1, 2], dtype=np.uint8).reshape(1, 2, 2, 1))"
// RUN: mpq-eval %s --func=floor --input %t/x.npy --print | FileCheck %s --check-prefix=FLOOR
// RUN: mpq-eval %s --func=half_to_even --input %t/x.npy --print | FileCheck %s --check-prefix=EVEN
// RUN: mpq-eval %s --func=half_away --input %t/x.npy --print | FileCheck %s --check-prefix=AWAY
// RUN: mpq-eval %s --func=half_up --input %t/x.npy --print | FileCheck %s --check-prefix=UP
// RUN: mpq-eval %s --func=floor --input %t/x.npy -o %t/y.npy
// RUN: %python -c "import numpy as np; a = np.load('%t/y.npy'); print(a.dtype, a.shape, a.ravel().tolist())" | FileCheck %s --check-prefix=NPY

// Input codes [3, 5, 1, 2] with zero point 1 -> centered [2, 4, 0, 1].
// Weights per output channel (zero points -1 and 0):
//   channel 0 codes [1, 2, 3, 4] -> centered [2, 3, 4, 5]
//   channel 1 codes [1, 0, -1, 2] -> centered [1, 0, -1, 2]
// A 2x2 window without padding gives one output position:
//   acc0 = 2*2 + 4*3 + 0*4 + 1*5 = 21,  acc1 = 2*1 + 4*0 + 0*(-1) + 1*2 = 4.
// Requantization (bias [4, -1], M0 = +-2^30 = +-0.5 in Q1.31, exponent 0,
// output zero point 2):
//   channel 0: (21 + 4) * 0.5 = 12.5;  channel 1: (4 - 1) * -0.5 = -1.5.
//   floor:        12, -2 -> codes 14, 0
//   half to even: 12, -2 -> codes 14, 0
//   half away:    13, -2 -> codes 15, 0
//   half up:      13, -1 -> codes 15, 1

// FLOOR: output #0 shape [1, 1, 1, 2]: 14 0
// EVEN: output #0 shape [1, 1, 1, 2]: 14 0
// AWAY: output #0 shape [1, 1, 1, 2]: 15 0
// UP: output #0 shape [1, 1, 1, 2]: 15 1
// NPY: int32 (1, 1, 1, 2) [14, 0]

func.func @floor(%x: tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>) -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>> {
  %w = mpq.qconstant dense<[[[[1], [2]], [[3], [4]]], [[[1], [0]], [[-1], [2]]]]> : tensor<2x2x2x1xi8>
     : tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>, tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>) -> tensor<1x1x1x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824, -1073741824>, exponent = array<i32: 0, 0>,
                            bias = array<i32: 4, -1>, rounding = #mpq.rounding<floor>}
     : tensor<1x1x1x2xi32> -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
  return %y : tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
}

func.func @half_to_even(%x: tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>) -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>> {
  %w = mpq.qconstant dense<[[[[1], [2]], [[3], [4]]], [[[1], [0]], [[-1], [2]]]]> : tensor<2x2x2x1xi8>
     : tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>, tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>) -> tensor<1x1x1x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824, -1073741824>, exponent = array<i32: 0, 0>,
                            bias = array<i32: 4, -1>, rounding = #mpq.rounding<half_to_even>}
     : tensor<1x1x1x2xi32> -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
  return %y : tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
}

func.func @half_away(%x: tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>) -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>> {
  %w = mpq.qconstant dense<[[[[1], [2]], [[3], [4]]], [[[1], [0]], [[-1], [2]]]]> : tensor<2x2x2x1xi8>
     : tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>, tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>) -> tensor<1x1x1x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824, -1073741824>, exponent = array<i32: 0, 0>,
                            bias = array<i32: 4, -1>, rounding = #mpq.rounding<half_away_from_zero>}
     : tensor<1x1x1x2xi32> -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
  return %y : tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
}

func.func @half_up(%x: tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>) -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>> {
  %w = mpq.qconstant dense<[[[[1], [2]], [[3], [4]]], [[[1], [0]], [[-1], [2]]]]> : tensor<2x2x2x1xi8>
     : tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x2x2x1x!mpq.uniform<u8, 0.5:1>>, tensor<2x2x2x1x!mpq.uniform<i4:0, {0.1:-1, 0.1:0}>>) -> tensor<1x1x1x2xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824, -1073741824>, exponent = array<i32: 0, 0>,
                            bias = array<i32: 4, -1>, rounding = #mpq.rounding<half_up>}
     : tensor<1x1x1x2xi32> -> tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
  return %y : tensor<1x1x1x2x!mpq.uniform<u4, 1.0:2>>
}
