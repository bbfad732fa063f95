// Conv variants: OHWI weights, NHWC inside, pads [top, left, bottom, right].
// RUN: %python %mpq_src_root/utils/models/onnx_ops.py --only op_conv_basic,op_conv_depthwise,op_conv_depthwise_multiplier2,op_conv_grouped,op_conv_stride2_asym_pads,op_conv_dilation2,op_conv_rect_kernel,op_conv_auto_pad_same_upper,op_conv_auto_pad_same_lower,op_conv_auto_pad_valid,op_conv_nobias_1x1,op_conv_bn_relu6 --out %t
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_basic.onnx | FileCheck %s --check-prefix=BASIC
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_depthwise.onnx | FileCheck %s --check-prefix=DW
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_depthwise_multiplier2.onnx | FileCheck %s --check-prefix=DWM
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_grouped.onnx | FileCheck %s --check-prefix=GROUPED
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_stride2_asym_pads.onnx | FileCheck %s --check-prefix=ASYM
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_dilation2.onnx | FileCheck %s --check-prefix=DIL
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_rect_kernel.onnx | FileCheck %s --check-prefix=RECT
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_auto_pad_same_upper.onnx | FileCheck %s --check-prefix=UPPER
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_auto_pad_same_lower.onnx | FileCheck %s --check-prefix=LOWER
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_auto_pad_valid.onnx | FileCheck %s --check-prefix=VALID
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_nobias_1x1.onnx | FileCheck %s --check-prefix=NOBIAS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_conv_bn_relu6.onnx | FileCheck %s --check-prefix=BN
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 --no-canonicalize %t/op_conv_basic.onnx | FileCheck %s --check-prefix=RAW

// BASIC-LABEL: func.func @conv_basic(
// BASIC-SAME: %[[X:.*]]: tensor<1x4x8x8xf32>) -> tensor<1x6x8x8xf32>
// BASIC: %[[T:.*]] = mpq.transpose %[[X]] {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x8x8xf32> -> tensor<1x8x8x4xf32>
// BASIC: %[[Y:.*]] = mpq.conv2d %[[T]], %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<6x3x3x4xf32>, tensor<6xf32>) -> tensor<1x8x8x6xf32>
// BASIC: %[[O:.*]] = mpq.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x8x8x6xf32> -> tensor<1x6x8x8xf32>
// BASIC: return %[[O]]
// DW: mpq.conv2d {{.*}} {groups = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<4x3x3x1xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
// DWM: mpq.conv2d {{.*}} {groups = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<8x3x3x1xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// GROUPED: mpq.conv2d {{.*}} {groups = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<6x3x3x2xf32>, tensor<6xf32>) -> tensor<1x8x8x6xf32>
// ASYM: mpq.conv2d {{.*}} {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x4xf32>, tensor<6x3x3x4xf32>, tensor<6xf32>) -> tensor<1x4x4x6xf32>
// DIL: mpq.conv2d {{.*}} {dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x8x8x4xf32>, tensor<6x3x3x4xf32>, tensor<6xf32>) -> tensor<1x8x8x6xf32>
// RECT: mpq.conv2d {{.*}} {pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 2, 1>} : (tensor<1x8x8x4xf32>, tensor<6x3x1x4xf32>, tensor<6xf32>) -> tensor<1x4x8x6xf32>
// UPPER: mpq.conv2d {{.*}} {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x4x4x6xf32>
// LOWER: mpq.conv2d {{.*}} {pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x4x4x6xf32>
// VALID: mpq.conv2d %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} : (tensor<1x8x8x4xf32>, tensor<6x3x3x4xf32>, tensor<6xf32>) -> tensor<1x6x6x6xf32>
// NOBIAS: mpq.conv2d %{{[^ ]*}}, %{{[^ ]*}} : (tensor<1x8x8x4xf32>, tensor<6x1x1x4xf32>) -> tensor<1x8x8x6xf32>
// BN: %[[C:.*]] = mpq.conv2d
// BN: %[[B:.*]] = mpq.batch_norm %[[C]], {{.*}} {epsilon = 1.000000e-03 : f32} : (tensor<1x8x8x6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x8x8x6xf32>
// BN: mpq.clip %[[B]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<1x8x8x6xf32>
// Without canonicalization constants stay where the node needed them; the
// weight is created directly in OHWI.
// RAW: mpq.transpose
// RAW-NEXT: arith.constant {{.*}} : tensor<6x3x3x4xf32>
// RAW-NOT: tensor<6x4x3x3xf32>
