// Fake-quantized models keep their bit-widths, scales and zero points.
// RUN: %python %mpq_src_root/utils/models/tiny.py --name qdq -o %t.qdq.onnx --quiet
// RUN: %python %mpq_src_root/utils/models/tiny.py --name qonnx -o %t.qonnx.onnx --quiet
// RUN: %python %mpq_src_root/utils/models/torch_qdq.py -o %t.torch.onnx 2>/dev/null
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t.qdq.onnx | FileCheck %s --check-prefix=QDQ
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t.qonnx.onnx | FileCheck %s --check-prefix=QONNX
// RUN: mpq-translate --import-onnx --mlir-elide-elementsattrs-if-larger=16 %t.torch.onnx | FileCheck %s --check-prefix=TORCH

// A hand-built QDQ model: uint8 input (zero point 128), per-axis int8 weights, int32 bias as floats.
// QDQ-LABEL: func.func @tiny_qdq
// QDQ: mpq.fake_quant %{{.*}} to !mpq.uniform<u8, 0.0078431377187371254:128> {rounding = #mpq.rounding<half_to_even>} : tensor<1x3x8x8xf32>
// QDQ: mpq.fake_quant %{{.*}} to !mpq.uniform<i8:0, {{.*}} : tensor<8x3x3x3xf32>
// QDQ: mpq.conv2d
// QDQ: mpq.relu
// QDQ: mpq.fake_quant %{{.*}} to !mpq.uniform<u8, {{.*}}:0> {rounding = #mpq.rounding<half_to_even>}
// QDQ: mpq.fake_quant %{{.*}} to !mpq.uniform<i8:0, {{.*}} : tensor<8x3x3x8xf32>
// QDQ: mpq.fake_quant
// QDQ-NOT: mpq.fake_quant

// QONNX Quant nodes: 8-bit input, 4-bit then 2-bit weights and activations, 4-bit fc weights.
// QONNX-LABEL: func.func @tiny_qonnx
// QONNX: mpq.fake_quant %{{.*}} to !mpq.uniform<i8, 0.0078740157186985015:0> {rounding = #mpq.rounding<half_to_even>}
// QONNX: mpq.fake_quant %{{.*}} to !mpq.uniform<i4:0, {{.*}}> {narrow, rounding = #mpq.rounding<half_to_even>} : tensor<8x3x3x3xf32>
// QONNX: mpq.fake_quant %{{.*}} to !mpq.uniform<u4, {{.*}}:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x8xf32>
// QONNX: mpq.fake_quant %{{.*}} to !mpq.uniform<i2:0, {{.*}}> {narrow, rounding = #mpq.rounding<half_to_even>} : tensor<16x3x3x8xf32>
// QONNX: mpq.fake_quant %{{.*}} to !mpq.uniform<u2, {{.*}}:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x16xf32>
// QONNX: mpq.fake_quant %{{.*}} to !mpq.uniform<i4, {{.*}}:0> {narrow, rounding = #mpq.rounding<half_to_even>} : tensor<10x16xf32>
// QONNX: mpq.fully_connected

// PyTorch QDQ export: Constant scales/zero points, per-channel weights on axis 0.
// TORCH-LABEL: func.func @torch_jit
// TORCH: mpq.fake_quant %{{.*}} to !mpq.uniform<i8, 1.562500e-02:3> {rounding = #mpq.rounding<half_to_even>} : tensor<1x3x8x8xf32>
// TORCH: mpq.fake_quant %{{.*}} to !mpq.uniform<i8:0, {0.0099999997764825821:0, 0.019999999552965164:0, 0.029999999329447746:0, 0.039999999105930328:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<4x3x3x3xf32>
// TORCH: mpq.conv2d
// TORCH: mpq.fake_quant %{{.*}} to !mpq.uniform<u8, 0.05000000074505806:0> {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x4xf32>
// TORCH: mpq.global_avg_pool
// TORCH: mpq.fully_connected
