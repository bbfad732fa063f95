// Imported constants checked against hand-computed values (Inputs/handmade_models.py).
// RUN: %python %S/Inputs/handmade_models.py %t
// RUN: mpq-translate --import-onnx %t/hand_conv.onnx | FileCheck %s --check-prefix=CONV
// RUN: mpq-translate --import-onnx %t/hand_gemm.onnx | FileCheck %s --check-prefix=GEMM
// RUN: mpq-translate --import-onnx %t/hand_gemm_notrans.onnx | FileCheck %s --check-prefix=NOTRANS
// RUN: mpq-translate --import-onnx %t/hand_sub_div.onnx | FileCheck %s --check-prefix=SUBDIV
// RUN: mpq-translate --import-onnx %t/hand_dq_weights.onnx | FileCheck %s --check-prefix=DQ
// RUN: mpq-translate --import-onnx %t/hand_qonnx.onnx | FileCheck %s --check-prefix=QONNX
// RUN: mpq-translate --import-onnx %t/hand_qonnx_bias.onnx | FileCheck %s --check-prefix=QBIAS

// W[o, i, h, w] = 8o + 4i + 2h + w in OIHW becomes OHWI: 0 4 1 5 2 6 3 7 | 8 12 9 13 10 14 11 15.
// CONV-LABEL: func.func @hand_conv(%{{.*}}: tensor<1x2x3x3xf32>) -> tensor<1x2x2x2xf32>
// CONV: %[[W:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[0.000000e+00, 4.000000e+00], [1.000000e+00, 5.000000e+00]], {{\[}}[2.000000e+00, 6.000000e+00], [3.000000e+00, 7.000000e+00]]], {{\[}}{{\[}}[8.000000e+00, 1.200000e+01], [9.000000e+00, 1.300000e+01]], {{\[}}[1.000000e+01, 1.400000e+01], [1.100000e+01, 1.500000e+01]]]]> : tensor<2x2x2x2xf32>
// CONV: %[[X:.*]] = mpq.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x3x3xf32> -> tensor<1x3x3x2xf32>
// CONV: %[[Y:.*]] = mpq.conv2d %[[X]], %[[W]] : (tensor<1x3x3x2xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x2x2xf32>
// CONV: %[[O:.*]] = mpq.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>}
// CONV: return %[[O]]

// transB = 1, alpha = 0.5 folded into W, beta = 2 into the bias.
// GEMM-LABEL: func.func @hand_gemm
// GEMM-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[5.000000e-01, 1.000000e+00, 1.500000e+00], [2.000000e+00, 2.500000e+00, 3.000000e+00]]> : tensor<2x3xf32>
// GEMM-DAG: %[[B:.*]] = arith.constant dense<[2.000000e+00, -2.000000e+00]> : tensor<2xf32>
// GEMM: mpq.fully_connected %{{.*}}, %[[W]], %[[B]] : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>

// transB = 0: W = B^T.
// NOTRANS-LABEL: func.func @hand_gemm_notrans
// NOTRANS: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 3.000000e+00, 5.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// NOTRANS: mpq.fully_connected %{{.*}}, %[[W]] : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>

// x - k and x / k with k = [2, 4] per channel, applied in NHWC after the conv.
// SUBDIV-LABEL: func.func @hand_sub_div
// SUBDIV-DAG: %[[R:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[5.000000e-01, 2.500000e-01]]]]> : tensor<1x1x1x2xf32>
// SUBDIV-DAG: %[[N:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[-2.000000e+00, -4.000000e+00]]]]> : tensor<1x1x1x2xf32>
// SUBDIV: %[[C:.*]] = mpq.conv2d
// SUBDIV: %[[A:.*]] = mpq.add %[[C]], %[[N]] : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
// SUBDIV: mpq.mul %[[A]], %[[R]] : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>

// int8 weights [-3, 5], scales [0.5, 0.25], zero points [1, -1]: [-2, 1.5];
// the int32 bias [8, -4] with scales [0.125, 0.25]: [1, -1], no fake_quant.
// DQ-LABEL: func.func @hand_dq_weights
// DQ-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// DQ-DAG: %[[W:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[-2.000000e+00]]], {{\[}}{{\[}}[1.500000e+00]]]]> : tensor<2x1x1x1xf32>
// DQ: %[[Q:.*]] = mpq.fake_quant %[[W]] to !mpq.uniform<i8:0, {5.000000e-01:1, 2.500000e-01:-1}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x1x1x1xf32>
// DQ: mpq.conv2d %{{.*}}, %[[Q]], %[[B]]

// QONNX model: 3-bit narrow signed weights per output channel, 2-bit unsigned
// activations with zero point 1 and FLOOR rounding.
// QONNX-LABEL: func.func @hand_qonnx
// QONNX: %[[W:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[0.000000e+00, 4.000000e+00]
// QONNX: %[[Q:.*]] = mpq.fake_quant %[[W]] to !mpq.uniform<i3:0, {5.000000e-01:0, 2.500000e-01:0}> {narrow, rounding = #mpq.rounding<half_to_even>} : tensor<2x2x2x2xf32>
// QONNX: %[[C:.*]] = mpq.conv2d %{{.*}}, %[[Q]]
// QONNX: mpq.fake_quant %[[C]] to !mpq.uniform<u2, 1.250000e-01:1> {rounding = #mpq.rounding<floor>} : tensor<1x2x2x2xf32>

// QONNX Gemm with a 32-bit Quant on its bias: the bias operand is the int32
// fake_quant ([1.5, -0.75] on the grid [0.5, 0.25]: codes 3 and -3).
// QBIAS-LABEL: func.func @hand_qonnx_bias
// QBIAS-DAG: %[[B:.*]] = arith.constant dense<[1.500000e+00, -7.500000e-01]> : tensor<2xf32>
// QBIAS-DAG: %[[Q:.*]] = mpq.fake_quant %[[B]] to !mpq.uniform<i32:0, {5.000000e-01:0, 2.500000e-01:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2xf32>
// QBIAS: mpq.fully_connected %{{.*}}, %{{.*}}, %[[Q]] : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>
