// RUN: %python %mpq_src_root/utils/models/onnx_ops.py --only op_relu,op_clip_attr_opset6,op_clip_inputs,op_clip_min_only,op_clip_max_only,op_add_channel,op_add_scalar,op_add_two_branches,op_mul_channel,op_sub_channel,op_div_channel,op_batchnorm,op_softmax,op_softmax_opset11,op_gemm_transB,op_gemm_alpha_beta,op_gemm_no_bias,op_matmul,op_matmul_add --out %t
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_relu.onnx | FileCheck %s --check-prefix=RELU
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_clip_attr_opset6.onnx | FileCheck %s --check-prefix=CLIP6
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_clip_inputs.onnx | FileCheck %s --check-prefix=CLIP
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_clip_min_only.onnx | FileCheck %s --check-prefix=CLIPMIN
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_clip_max_only.onnx | FileCheck %s --check-prefix=CLIPMAX
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_add_channel.onnx | FileCheck %s --check-prefix=ADD
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_add_scalar.onnx | FileCheck %s --check-prefix=ADDS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_add_two_branches.onnx | FileCheck %s --check-prefix=BRANCHES
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_mul_channel.onnx | FileCheck %s --check-prefix=MUL
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_sub_channel.onnx | FileCheck %s --check-prefix=SUB
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_div_channel.onnx | FileCheck %s --check-prefix=DIV
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_batchnorm.onnx | FileCheck %s --check-prefix=BN
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_softmax.onnx | FileCheck %s --check-prefix=SOFTMAX
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_softmax_opset11.onnx | FileCheck %s --check-prefix=SOFTMAX
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_gemm_transB.onnx | FileCheck %s --check-prefix=FC
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_gemm_alpha_beta.onnx | FileCheck %s --check-prefix=FC
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_gemm_no_bias.onnx | FileCheck %s --check-prefix=FCNOBIAS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_matmul.onnx | FileCheck %s --check-prefix=FCNOBIAS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_matmul_add.onnx | FileCheck %s --check-prefix=MATMULADD

// RELU: mpq.relu %{{.*}} : tensor<1x4x8x8xf32>
// CLIP6: mpq.clip %{{.*}} {max = 1.000000e+00 : f32, min = 0.000000e+00 : f32}
// CLIP: mpq.clip %{{.*}} {max = 1.000000e+00 : f32, min = -5.000000e-01 : f32}
// CLIPMIN: mpq.relu
// CLIPMAX: mpq.clip %{{.*}} {max = 5.000000e-01 : f32, min = 0xFF800000 : f32}
// ADD: mpq.add %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x8x8xf32>
// ADDS: mpq.add %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x8x8xf32>
// Both convs read one NHWC copy of the input; the sum stays NHWC.
// BRANCHES: %[[T:.*]] = mpq.transpose
// BRANCHES-NOT: mpq.transpose
// BRANCHES: %[[A:.*]] = mpq.conv2d %[[T]]
// BRANCHES: %[[B:.*]] = mpq.conv2d %[[T]]
// BRANCHES: mpq.add %[[A]], %[[B]] : (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
// MUL: mpq.mul %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>)
// SUB: mpq.add %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>)
// DIV: mpq.mul %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>)
// The channel axis of an NCHW tensor is 1.
// BN: mpq.batch_norm {{.*}} {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
// SOFTMAX: mpq.softmax %{{.*}} {axis = 1 : i64} : tensor<1x10xf32>
// FC: mpq.fully_connected %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x8xf32>
// FCNOBIAS: mpq.fully_connected %{{[^ ]*}}, %{{[^ ]*}} : (tensor<1x16xf32>, tensor<8x16xf32>) -> tensor<1x8xf32>
// MATMULADD: %[[F:.*]] = mpq.fully_connected
// MATMULADD: mpq.add %[[F]], %{{.*}} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
