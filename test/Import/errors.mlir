// Every import error: a message naming the file, the node and the problem,
// and a non-zero exit without an output file.
// RUN: %python %mpq_src_root/utils/models/onnx_ops.py --only err_unsupported_op,err_missing_initializer,err_dynamic_shape,err_bad_attr,err_truncated,err_not_onnx --out %t
// RUN: %python %S/Inputs/handmade_models.py %t
// RUN: not mpq-translate --import-onnx %t/err_unsupported_op.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=UNSUP
// RUN: not test -e %t/out.mlir
// RUN: not mpq-translate --import-onnx %t/err_unsupported_many.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=MANY
// RUN: not test -e %t/out.mlir
// RUN: not mpqc %t/err_unsupported_many.onnx -o %t/mpqc-out 2>&1 | FileCheck %s --check-prefix=MANY
// RUN: not ls %t/mpqc-out/*
// RUN: not mpq-translate --import-onnx %t/err_missing_initializer.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mpq-translate --import-onnx %t/err_dynamic_shape.onnx 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// RUN: not mpq-translate --import-onnx %t/err_bad_attr.onnx 2>&1 | FileCheck %s --check-prefix=ATTR
// RUN: not mpq-translate --import-onnx %t/err_truncated.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TRUNCATED
// RUN: not test -e %t/out.mlir
// RUN: not mpq-translate --import-onnx %t/err_not_onnx.onnx 2>&1 | FileCheck %s --check-prefix=NOTONNX
// RUN: not mpq-translate --import-onnx %t/err_qonnx_rounding.onnx 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not mpq-translate --import-onnx %t/err_qonnx_zero_point.onnx 2>&1 | FileCheck %s --check-prefix=ZP
// RUN: not mpq-translate --import-onnx %t/err_qonnx_bitwidth.onnx 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not mpq-translate --import-onnx %t/err_qonnx_bits32.onnx 2>&1 | FileCheck %s --check-prefix=BITS32
// RUN: not mpq-translate --import-onnx %t/err_avgpool_ceil.onnx 2>&1 | FileCheck %s --check-prefix=CEIL
// RUN: not mpq-translate --import-onnx %t/err_constant_softmax.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CONSTSOFTMAX
// RUN: not test -e %t/out.mlir
// RUN: not mpq-translate --import-onnx %t/err_constant_pad.onnx 2>&1 | FileCheck %s --check-prefix=CONSTPAD
// RUN: not mpq-translate --import-onnx %t/err_requantize.onnx 2>&1 | FileCheck %s --check-prefix=REQUANT
// RUN: not mpq-translate --import-onnx %t/err_pad_reflect.onnx 2>&1 | FileCheck %s --check-prefix=PAD
// RUN: not mpq-translate --import-onnx %t/does_not_exist.onnx 2>&1 | FileCheck %s --check-prefix=NOFILE

// UNSUP: err_unsupported_op.onnx:0:0: error: unsupported ops: LSTM (node 'lstm')
// UNSUP-NEXT: note: supported: Add, {{.*}}Conv, {{.*}}Relu, {{.*}} and Quant (domain qonnx.custom_op.general)
// MANY: err_unsupported_many.onnx:0:0: error: unsupported ops: Erf (nodes 'erf1', 'erf2'), Einsum (node 'mix'), MyOp in domain 'com.example' (node 'custom_out')
// MANY-NEXT: note: supported: Add,
// MANY-NOT: error
// MISSING: err_missing_initializer.onnx:0:0: error: input 'conv.weight' of node 'conv' is not an initializer, graph input or node output
// DYNAMIC: err_dynamic_shape.onnx:0:0: error: input 'x' has symbolic dimension 'height' (only the batch may be dynamic), at index 2
// ATTR: err_bad_attr.onnx:0:0: error: Conv 'conv': unsupported auto_pad value 'FOO' (supported: NOTSET, SAME_UPPER, SAME_LOWER, VALID)
// TRUNCATED: err_truncated.onnx:0:0: error: cannot parse: truncated protobuf
// NOTONNX: err_not_onnx.onnx:0:0: error: cannot parse: not an ONNX ModelProto
// ROUNDING: error: Quant 'q': unsupported rounding_mode 'CEIL' (supported: ROUND, FLOOR)
// ZP: error: Quant 'q': zero point 0.5 is not an integer
// BITS: error: Quant 'q': bitwidth 2.5 is not an integer in 1..8
// BITS32: error: Quant 'q': a 32-bit quantization is supported on a constant only, signed and not narrow (a layer's bias on its int32 grid)
// CEIL: error: AveragePool 'pool': ceil_mode = 1 with a partial last window is not supported for AveragePool
// REQUANT: error: DequantizeLinear 'dq': scale or zero point differ from those of its QuantizeLinear
// PAD: error: Pad 'pad': unsupported mode 'reflect' (only constant)
// NOFILE: cannot open input file '{{.*}}does_not_exist.onnx': No such file or directory
// CONSTSOFTMAX: err_constant_softmax.onnx:0:0: error: Softmax 'softmax': a constant input is not supported
// CONSTPAD: err_constant_pad.onnx:0:0: error: Pad 'pad': a constant input is not supported
