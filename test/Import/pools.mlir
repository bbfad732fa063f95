// RUN: %python %mpq_src_root/utils/models/onnx_ops.py --only op_maxpool_2x2,op_maxpool_3x3_s2_pads,op_maxpool_same_upper,op_maxpool_ceil_mode,op_avgpool_2x2,op_avgpool_pads_exclude,op_avgpool_pads_include,op_globalavgpool --out %t
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_maxpool_2x2.onnx | FileCheck %s --check-prefix=MAX
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_maxpool_3x3_s2_pads.onnx | FileCheck %s --check-prefix=MAXPADS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_maxpool_same_upper.onnx | FileCheck %s --check-prefix=MAXSAME
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_maxpool_ceil_mode.onnx | FileCheck %s --check-prefix=CEIL
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_avgpool_2x2.onnx | FileCheck %s --check-prefix=AVG
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_avgpool_pads_exclude.onnx | FileCheck %s --check-prefix=EXCL
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_avgpool_pads_include.onnx | FileCheck %s --check-prefix=INCL
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/op_globalavgpool.onnx | FileCheck %s --check-prefix=GAP

// MAX: mpq.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x4xf32> -> tensor<1x4x4x4xf32>
// MAXPADS: mpq.max_pool2d %{{.*}} {kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x8x8x4xf32> -> tensor<1x4x4x4xf32>
// MAXSAME: mpq.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x7x7x4xf32> -> tensor<1x4x4x4xf32>
// ceil_mode = 1 on 7x7 with 2x2/2: a 4th window reaching one row/column past the end (exact for max).
// CEIL: mpq.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x7x7x4xf32> -> tensor<1x4x4x4xf32>
// AVG: mpq.avg_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x4xf32> -> tensor<1x4x4x4xf32>
// EXCL: mpq.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x4xf32> -> tensor<1x8x8x4xf32>
// INCL: mpq.avg_pool2d %{{.*}} {count_include_pad, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x4xf32> -> tensor<1x8x8x4xf32>
// GAP: %[[G:.*]] = mpq.global_avg_pool %{{.*}} : tensor<1x8x8x4xf32> -> tensor<1x1x1x4xf32>
// A transpose of [1, 1, 1, C] moves no data: it is a reshape.
// GAP: mpq.reshape %[[G]] : tensor<1x1x1x4xf32> -> tensor<1x4x1x1xf32>
