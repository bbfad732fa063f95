// Data movement and constant subgraphs folded at import.
// RUN: %python %mpq_src_root/utils/models/onnx_ops.py --only op_flatten,op_flatten_axis0,op_reshape_minus1,op_reshape_zero,op_reshape_zero_zero,op_transpose_nhwc,op_transpose_default,op_pad_constant,op_pad_channels_zero,op_concat_channels,op_identity,op_dropout,op_constant_node,op_shape_gather_unsqueeze_concat_reshape,op_constantofshape_concat,op_shape_cast_mul,op_unsqueeze,op_unsqueeze_opset11,op_small_net --out %t
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_flatten.onnx | FileCheck %s --check-prefix=FLAT
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_flatten_axis0.onnx | FileCheck %s --check-prefix=FLAT
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_reshape_minus1.onnx | FileCheck %s --check-prefix=FLAT
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_shape_gather_unsqueeze_concat_reshape.onnx | FileCheck %s --check-prefix=FLAT
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_reshape_zero.onnx | FileCheck %s --check-prefix=RZERO
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_reshape_zero_zero.onnx | FileCheck %s --check-prefix=RZZ
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_transpose_nhwc.onnx | FileCheck %s --check-prefix=TNHWC
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_transpose_default.onnx | FileCheck %s --check-prefix=TDEF
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_pad_constant.onnx | FileCheck %s --check-prefix=PAD
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_pad_channels_zero.onnx | FileCheck %s --check-prefix=PADC
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_concat_channels.onnx | FileCheck %s --check-prefix=CONCAT
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_identity.onnx | FileCheck %s --check-prefix=ID
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_dropout.onnx | FileCheck %s --check-prefix=ID
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_constant_node.onnx | FileCheck %s --check-prefix=CONST
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_constantofshape_concat.onnx | FileCheck %s --check-prefix=COS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_shape_cast_mul.onnx | FileCheck %s --check-prefix=CAST
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_unsqueeze.onnx | FileCheck %s --check-prefix=UNSQ
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_unsqueeze_opset11.onnx | FileCheck %s --check-prefix=UNSQ
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_small_net.onnx | FileCheck %s --check-prefix=NET

// FLAT: mpq.reshape %{{.*}} : tensor<1x4x8x8xf32> -> tensor<1x256xf32>
// FLAT-NOT: mpq.
// RZERO: mpq.reshape %{{.*}} : tensor<1x4x8x8xf32> -> tensor<1x64x4xf32>
// RZZ: mpq.reshape %{{.*}} : tensor<1x4x8x8xf32> -> tensor<1x4x64xf32>
// TNHWC: mpq.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x8x8xf32> -> tensor<1x8x8x4xf32>
// TDEF: mpq.transpose %{{.*}} {perm = array<i64: 3, 2, 1, 0>} : tensor<1x4x8x8xf32> -> tensor<8x8x4x1xf32>
// PAD: mpq.pad %{{.*}} {pads = array<i64: 0, 0, 1, 2, 0, 0, 2, 1>, value = 5.000000e-01 : f64} : tensor<1x4x8x8xf32> -> tensor<1x4x11x11xf32>
// PADC: mpq.pad %{{.*}} {pads = array<i64: 0, 0, 0, 0, 0, 4, 0, 0>} : tensor<1x4x8x8xf32> -> tensor<1x8x8x8xf32>
// CONCAT: mpq.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x3x8x8xf32>) -> tensor<1x9x8x8xf32>
// ID-LABEL: func.func
// ID-SAME: (%[[X:.*]]: tensor<1x4x8x8xf32>)
// ID-NEXT: return %[[X]]
// CONST: mpq.add %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf32>, tensor<1x4x1x1xf32>)
// Channel padding (ConstantOfShape zeros + Concat) canonicalizes to a pad of
// the channel axis (axis 1 in the model's NCHW): 3 zero channels at the end.
// COS: mpq.pad %{{.*}} {pads = array<i64: 0, 0, 0, 0, 0, 3, 0, 0>} : tensor<1x4x8x8xf32> -> tensor<1x7x8x8xf32>
// COS-NOT: mpq.concat
// Shape -> Gather -> Cast -> Div: x / 4 becomes x * 0.25.
// CAST: %[[K:.*]] = arith.constant dense<2.500000e-01> : tensor<f32>
// CAST: mpq.mul %{{.*}}, %[[K]]
// UNSQ: mpq.reshape %{{.*}} : tensor<1x16xf32> -> tensor<1x16x1x1xf32>
// No transposes between layers, only at the NCHW input.
// NET-COUNT-1: mpq.transpose
// NET-NOT: mpq.transpose
// NET: mpq.conv2d {{.*}} {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
// NET: mpq.relu
// NET: mpq.conv2d {{.*}} {groups = 8 : i64
// NET: mpq.clip
// NET: mpq.max_pool2d
// NET: mpq.global_avg_pool
// NET: mpq.reshape {{.*}} tensor<1x1x1x8xf32> -> tensor<1x8xf32>
// NET: mpq.fully_connected
// NET: mpq.softmax
