// The tiny CNNs of utils/models/tiny.py: layouts and op counts.
// RUN: %python %mpq_src_root/utils/models/tiny.py --all %t --quiet
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/tiny_nhwc.onnx | FileCheck %s --check-prefix=NHWC
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/tiny_chain.onnx | FileCheck %s --check-prefix=CHAIN
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/tiny_residual.onnx | FileCheck %s --check-prefix=RESIDUAL
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/tiny_pools.onnx | FileCheck %s --check-prefix=POOLS
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t/tiny_depthwise.onnx | FileCheck %s --check-prefix=DW

// An NHWC model (BlazeFace-like: Transposes to NCHW and back) needs no transpose at all.
// NHWC-LABEL: func.func @tiny_nhwc(
// NHWC-SAME: tensor<1x8x8x3xf32>) -> (tensor<1x16x4xf32>, tensor<1x16x1xf32>)
// NHWC-NOT: mpq.transpose
// NHWC: mpq.reshape {{.*}} : tensor<1x4x4x4xf32> -> tensor<1x16x4xf32>
// NHWC-NOT: mpq.transpose
// NHWC: mpq.reshape {{.*}} : tensor<1x4x4x1xf32> -> tensor<1x16x1xf32>
// NHWC-NOT: mpq.transpose

// CHAIN: mpq.transpose {{.*}} -> tensor<1x8x8x3xf32>
// CHAIN-NOT: mpq.transpose
// CHAIN: return

// RESIDUAL: mpq.add %{{.*}}, %{{.*}} : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// RESIDUAL-NEXT: mpq.relu

// POOLS: mpq.max_pool2d
// POOLS: mpq.avg_pool2d {{.*}}{kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
// POOLS: mpq.avg_pool2d {{.*}}{count_include_pad, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}

// DW: mpq.conv2d {{.*}}{groups = 8 : i64
// DW: mpq.conv2d {{.*}}{groups = 16 : i64
