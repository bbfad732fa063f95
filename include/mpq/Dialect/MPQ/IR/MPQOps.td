//===- MPQOps.td - mpq operations --------------------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQOPS_TD
#define MPQ_DIALECT_MPQ_IR_MPQOPS_TD

include "mpq/Dialect/MPQ/IR/MPQDialect.td"
include "mpq/Dialect/MPQ/IR/MPQInterfaces.td"
include "mpq/Dialect/MPQ/IR/MPQAttrs.td"
include "mpq/Dialect/MPQ/IR/MPQTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

//===----------------------------------------------------------------------===//
// Constraints and traits
//===----------------------------------------------------------------------===//

def MPQ_IsUniform : CPred<"::llvm::isa<::mlir::mpq::UniformType>($_self)">;
def MPQ_StoredUniform : Type<And<[MPQ_IsUniform,
    CPred<"::llvm::cast<::mlir::mpq::UniformType>($_self).isStored()">]>,
    "stored (1..8-bit) !mpq.uniform">;
def MPQ_AnyUniform : Type<MPQ_IsUniform, "!mpq.uniform">;
// What can live in memory: stored codes, or whole 32-bit values (an
// accumulator kept as a model output, as ONNX ConvInteger/MatMulInteger do).
def MPQ_MemoryUniform : Type<And<[MPQ_IsUniform,
    CPred<"::llvm::cast<::mlir::mpq::UniformType>($_self).isInMemory()">]>,
    "stored (1..8-bit) or 32-bit !mpq.uniform">;

def MPQ_FloatTensor : RankedTensorOf<[F32]>;
def MPQ_QTensor : RankedTensorOf<[MPQ_StoredUniform]>;
def MPQ_MemoryQTensor : RankedTensorOf<[MPQ_MemoryUniform]>;
def MPQ_AccTensor : RankedTensorOf<[I32]>;
def MPQ_IntInputTensor : RankedTensorOf<[I32, MPQ_AnyUniform]>;
def MPQ_Tensor : RankedTensorOf<[AnyType]>;

// Checks every per-axis !mpq.uniform operand and result against its shape.
def MPQ_VerifyQuantizedShapes : NativeOpTrait<"VerifyQuantizedShapes"> {
  let cppNamespace = "::mlir::mpq";
}

// Upstream's I32Attr/I64Attr read back zero-extended (uint32_t/uint64_t);
// multipliers, exponents, clamps and axes are signed.
def MPQ_SI32Attr : TypedSignlessIntegerAttrBase<I32, "int32_t",
    "32-bit signless integer attribute, read as signed"> {
  let convertFromStorage = "static_cast<int32_t>($_self.getValue().getSExtValue())";
}
def MPQ_SI64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
    "64-bit signless integer attribute, read as signed"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

class MPQ_PureOp<string mnemonic, list<Trait> traits = []>
    : MPQ_Op<mnemonic, !listconcat(traits, [Pure, MPQ_VerifyQuantizedShapes])>;

// Window arguments shared by convolutions and pooling, in NHWC terms.
defvar MPQ_StridesAttr = DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">;
defvar MPQ_DilationsAttr = DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">;
// pads = [top, left, bottom, right].
defvar MPQ_PadsAttr = DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">;

//===----------------------------------------------------------------------===//
// Graph level: float tensors
//===----------------------------------------------------------------------===//

def MPQ_Conv2DOp : MPQ_PureOp<"conv2d", [MPQ_FloatLayerOpInterface]> {
  let summary = "2-D convolution, NHWC input, OHWI weights, grouped";
  let description = [{
    `groups` = 1 is a dense convolution, `groups` = C_in = C_out a depthwise
    one. The weight is `O x KH x KW x (C_in / groups)`; `pads` are
    `[top, left, bottom, right]`.

    ```mlir
    %y = mpq.conv2d %x, %w, %b {strides = array<i64: 2, 2>,
                                pads = array<i64: 0, 0, 1, 1>}
       : (tensor<1x8x8x3xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>)
      -> tensor<1x4x4x16xf32>
    ```
  }];
  let arguments = (ins MPQ_FloatTensor:$input, MPQ_FloatTensor:$weight,
                   Optional<MPQ_FloatTensor>:$bias,
                   MPQ_StridesAttr:$strides, MPQ_DilationsAttr:$dilations,
                   MPQ_PadsAttr:$pads,
                   DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_FullyConnectedOp
    : MPQ_PureOp<"fully_connected", [MPQ_FloatLayerOpInterface]> {
  let summary = "y = x * W^T + b, with W as [out, in]";
  let arguments = (ins MPQ_FloatTensor:$input, MPQ_FloatTensor:$weight,
                   Optional<MPQ_FloatTensor>:$bias);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_MatMulOp : MPQ_PureOp<"matmul"> {
  let summary = "2-D matrix product [M, K] x [K, N] -> [M, N]";
  let arguments = (ins MPQ_FloatTensor:$lhs, MPQ_FloatTensor:$rhs);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_BatchNormOp : MPQ_PureOp<"batch_norm"> {
  let summary = "inference batch normalization along one channel axis";
  let description = [{
    y = scale * (x - mean) / sqrt(variance + epsilon) + bias, where the four
    parameter vectors run along `axis` (the last axis in NHWC by default).
  }];
  let arguments = (ins MPQ_FloatTensor:$input, MPQ_FloatTensor:$scale,
                   MPQ_FloatTensor:$bias, MPQ_FloatTensor:$mean,
                   MPQ_FloatTensor:$variance,
                   DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                   DefaultValuedAttr<MPQ_SI64Attr, "-1">:$axis);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class MPQ_BinaryFloatOp<string mnemonic, string what>
    : MPQ_PureOp<mnemonic, [Commutative]> {
  let summary = "elementwise " # what # " with numpy broadcasting";
  let arguments = (ins MPQ_FloatTensor:$lhs, MPQ_FloatTensor:$rhs);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}
def MPQ_AddOp : MPQ_BinaryFloatOp<"add", "sum">;
def MPQ_MulOp : MPQ_BinaryFloatOp<"mul", "product">;
// Of two activations; with a constant, ONNX Max/Min import as a clamp.
def MPQ_MaxOp : MPQ_BinaryFloatOp<"max", "maximum">;
def MPQ_MinOp : MPQ_BinaryFloatOp<"min", "minimum">;

def MPQ_PReluOp : MPQ_PureOp<"prelu"> {
  let summary = "x >= 0 ? x : slope * x, with a constant slope per channel";
  let description = [{
    ONNX PRelu with a slope that differs between channels (one slope for
    the whole tensor imports as `mpq.leaky_relu`): `slope` is a constant
    that broadcasts to the input and varies along at most one axis. In a
    quantized model `--mpq-lower-fake-quant` turns it into an `mpq.table`
    with one table per channel (leaky_relu with that channel's slope), as
    an add or mul by per-channel constants.
  }];
  let arguments = (ins MPQ_FloatTensor:$input, MPQ_FloatTensor:$slope);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $slope attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_AvgPool2DOp : MPQ_PureOp<"avg_pool2d", [MPQ_KeepsInputGrid]> {
  let summary = "average pooling over NHWC windows";
  let arguments = (ins MPQ_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                   MPQ_StridesAttr:$strides, MPQ_PadsAttr:$pads,
                   UnitAttr:$count_include_pad);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_GlobalAvgPoolOp
    : MPQ_PureOp<"global_avg_pool", [MPQ_KeepsInputGrid]> {
  let summary = "mean over H and W: [N, H, W, C] -> [N, 1, 1, C]";
  let arguments = (ins MPQ_FloatTensor:$input);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_ReluOp
    : MPQ_PureOp<"relu", [SameOperandsAndResultType, MPQ_ClampActivation]> {
  let summary = "max(x, 0)";
  let arguments = (ins MPQ_FloatTensor:$input);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  // A clamp of a clamp is one clamp (exporters write ReLU6 as
  // Min(Max(x, 0), 6)): the epilogue of a layer holds one.
  let hasCanonicalizer = 1;
}

def MPQ_ClipOp
    : MPQ_PureOp<"clip", [SameOperandsAndResultType, MPQ_ClampActivation]> {
  let summary = "clamp(x, min, max), e.g. ReLU6";
  let arguments = (ins MPQ_FloatTensor:$input, F32Attr:$min, F32Attr:$max);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

// Element-wise nonlinearities: one op per function, as TOSA has
// tosa.sigmoid and tosa.tanh, so each op's parameters are typed attributes
// its own verifier checks; the passes see them all through
// MPQ_ElementwiseFunctionOpInterface and lower every one to mpq.table.
class MPQ_ElementwiseFunctionOp<string mnemonic, string formula,
                                dag params = (ins)>
    : MPQ_PureOp<mnemonic, [SameOperandsAndResultType,
                            MPQ_ElementwiseFunctionOpInterface]> {
  let summary = formula;
  let description = [{
    Element-wise on f32 (ONNX's definition). In a quantized model its result
    is an activation with a grid of its own, and `--mpq-lower-fake-quant`
    turns `fake_quant -> this op -> fake_quant` into an `mpq.table` computed
    from the two grids, so the integer graph gives the fake-quant graph's
    codes exactly.
  }];
  let arguments = !con((ins MPQ_FloatTensor:$input), params);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDeclaration = [{
    /// The function with this op's parameters.
    ::mlir::mpq::ElementwiseFunction getFunction();
  }];
}

def MPQ_SigmoidOp : MPQ_ElementwiseFunctionOp<"sigmoid", "1 / (1 + exp(-x))">;
def MPQ_TanhOp : MPQ_ElementwiseFunctionOp<"tanh", "tanh(x)">;
def MPQ_HardSigmoidOp
    : MPQ_ElementwiseFunctionOp<"hard_sigmoid",
                                "max(0, min(1, alpha * x + beta))",
                                (ins DefaultValuedAttr<F32Attr, "0.2">:$alpha,
                                     DefaultValuedAttr<F32Attr, "0.5">:$beta)> {
  let hasVerifier = 1;
}
def MPQ_HardSwishOp
    : MPQ_ElementwiseFunctionOp<"hard_swish", "x * max(0, min(1, x / 6 + 0.5))">;
def MPQ_LeakyReluOp
    : MPQ_ElementwiseFunctionOp<"leaky_relu", "x >= 0 ? x : alpha * x",
                                (ins DefaultValuedAttr<F32Attr, "0.01">:$alpha)> {
  let hasVerifier = 1;
}

def MPQ_SoftmaxOp : MPQ_PureOp<"softmax", [SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let arguments = (ins MPQ_FloatTensor:$input,
                   DefaultValuedAttr<MPQ_SI64Attr, "-1">:$axis);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def MPQ_LayerNormOp : MPQ_PureOp<"layer_norm"> {
  let summary = "layer normalization over the last axis";
  let description = [{
    For every row along the last axis (the features):

        y = scale * (x - mean) / sqrt(variance + epsilon) + bias

    with the mean and the (biased) variance of the row, and `scale` and
    `bias` vectors of the last axis' size (ONNX LayerNormalization with
    `axis = -1`, and the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add
    pattern exporters write for it).
  }];
  let arguments = (ins MPQ_FloatTensor:$input, MPQ_FloatTensor:$scale,
                   MPQ_FloatTensor:$bias,
                   DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_FakeQuantOp : MPQ_PureOp<"fake_quant", [SameOperandsAndResultType]> {
  let summary = "quantize and dequantize: marks a tensor's quantization";
  let description = [{
    Rounds `input` to the grid of `quant` and back to float. `quant` is
      * an `!mpq.uniform` type: scale(s) and zero point(s) are known (QDQ and
        QONNX models, or after calibration);
      * an `!mpq.bits` type: only the bit-width is known; `min`/`max`, if
        present, give a learned range (PACT's alpha for activations),
        otherwise calibration chooses the range.

    `rounding` is how x / scale rounds (ONNX QuantizeLinear rounds half to
    even, the paper's PACT activations floor); `narrow` drops the most
    negative code of a signed range.

    `per_layer`, on an `!mpq.bits` placeholder of a layer's weights, asks
    calibration for one grid for the whole tensor, with the batch norm that
    follows the layer folded into the weights first (the PL+FB scheme for
    this layer alone, whatever `scheme` says): its requantization then
    needs one multiplier, not one per channel. Precision search sets it
    where the parameters are what binds the flash budget.

    `clips`, beside an observed `min`/`max` that `--mpq-calibrate
    observe-only range=mse|percentile` recorded, holds the clip range its
    estimator chose for each width 1..8 (16 values: the range for width w at
    2(w - 1) and 2(w - 1) + 1); calibration takes the one of the width the
    fake_quant has when it gets its grid. `range=auto` records the ranges of
    minmax, percentile and mse in that order (48 values: estimator e's range
    for width w at 16e + 2(w - 1)), and calibration chooses between them.

    Widths are 1..8 bits, or 32 (signed) for a layer's bias on its int32
    grid s_x * s_w,c (docs/paper.md §1), which `--mpq-calibrate` puts there so
    that the fake-quant graph adds the same bias B as the integer graph;
    `--mpq-lower-fake-quant` folds it into the requantization.

    ```mlir
    %a = mpq.fake_quant %x to !mpq.uniform<u4, 0.4:0> {rounding = #mpq.rounding<floor>}
       : tensor<1x8x8x16xf32>
    %w = mpq.fake_quant %k to !mpq.bits<i2> {rounding = #mpq.rounding<half_to_even>}
       : tensor<16x3x3x8xf32>
    %b = mpq.fake_quant %c to !mpq.uniform<i32:0, {1.5e-05:0, 3.1e-05:0}> {rounding = #mpq.rounding<half_to_even>}
       : tensor<2xf32>
    ```
  }];
  let arguments = (ins MPQ_FloatTensor:$input, TypeAttr:$quant,
                   MPQ_RoundingModeAttr:$rounding, UnitAttr:$narrow,
                   OptionalAttr<F64Attr>:$min, OptionalAttr<F64Attr>:$max,
                   UnitAttr:$per_layer,
                   DefaultValuedOptionalAttr<DenseF64ArrayAttr, "{}">:$clips);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input `to` $quant attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Element-type agnostic data movement: float and quantized tensors alike
//===----------------------------------------------------------------------===//

// The trait sets of MPQInterfaces.td, narrowest first (each implies the rest).
defvar MPQ_PermutationTraits = [MPQ_PermutesElements, MPQ_CopiesElements,
                                MPQ_ElementTypeAgnostic, MPQ_KeepsInputGrid];
defvar MPQ_CopyTraits = [MPQ_CopiesElements, MPQ_ElementTypeAgnostic,
                         MPQ_KeepsInputGrid];
defvar MPQ_AgnosticTraits = [MPQ_ElementTypeAgnostic, MPQ_KeepsInputGrid];

def MPQ_ReshapeOp : MPQ_PureOp<"reshape", MPQ_PermutationTraits> {
  let summary = "reinterpret a tensor with another static shape";
  let arguments = (ins MPQ_Tensor:$input);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MPQ_TransposeOp : MPQ_PureOp<"transpose", MPQ_PermutationTraits> {
  let summary = "permute dimensions: output dim i is input dim perm[i]";
  let arguments = (ins MPQ_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MPQ_PadOp : MPQ_PureOp<"pad", MPQ_CopyTraits> {
  let summary = "constant padding";
  let description = [{
    `pads` holds the low pads of every dimension, then the high pads (ONNX
    order). `value` is the real value for float tensors and the integer code
    for quantized ones (usually the zero point).
  }];
  let arguments = (ins MPQ_Tensor:$input, DenseI64ArrayAttr:$pads,
                   DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let extraClassDeclaration = [{
    /// Whether only the last axis is padded (an NHWC tensor's channels):
    /// each output pixel comes from the same input pixel.
    bool padsOnlyLastAxis();
  }];
  let hasVerifier = 1;
}

def MPQ_ConcatOp : MPQ_PureOp<"concat", MPQ_CopyTraits> {
  let summary = "concatenate along one axis; all element types equal";
  let arguments = (ins Variadic<MPQ_Tensor>:$inputs, MPQ_SI64Attr:$axis);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
  // concat(x, splat) and concat(splat, x) become mpq.pad (channel padding
  // as TF exports it: ONNX ConstantOfShape + Concat).
  let hasCanonicalizer = 1;
}

def MPQ_SliceOp : MPQ_PureOp<"slice", MPQ_CopyTraits> {
  let summary = "a strided slice: output[i] = input[offsets + i * strides]";
  let description = [{
    Along each dimension d, output element i is input element
    `offsets[d] + i * strides[d]` (ONNX Slice with its starts, ends and steps
    resolved at import, and each part of a Split). A stride may be negative
    (a reversed slice) but not zero; every index read lies in the input.
    Copies codes and floats alike.

    ```mlir
    %1 = mpq.slice %0 {offsets = array<i64: 0, 0, 0, 8>,
                       strides = array<i64: 1, 1, 1, 1>}
       : tensor<1x4x4x16xf32> -> tensor<1x4x4x8xf32>
    ```
  }];
  let arguments = (ins MPQ_Tensor:$input, DenseI64ArrayAttr:$offsets,
                   DenseI64ArrayAttr:$strides);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_ResizeNearestOp : MPQ_PureOp<"resize_nearest", MPQ_CopyTraits> {
  let summary = "nearest-neighbour upsampling by integer factors";
  let description = [{
    Along each dimension d, output element i is input element
    `i floordiv factors[d]`, and the output's size is the input's times the
    factor: ONNX Resize in `nearest` mode by integer scales, whose
    coordinate transformation and rounding the importer checked map to this
    (as FPN and U-Net decoders upsample). Copies codes and floats alike.

    ```mlir
    %1 = mpq.resize_nearest %0 {factors = array<i64: 1, 2, 2, 1>}
       : tensor<1x4x4x8xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins MPQ_Tensor:$input, DenseI64ArrayAttr:$factors);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_ResizeLinearOp
    : MPQ_PureOp<"resize_linear", [MPQ_KeepsInputGrid]> {
  let summary = "bilinear resize of NHWC feature maps";
  let description = [{
    ONNX Resize in `linear` mode over the two spatial axes of an NHWC
    tensor: each output pixel is the bilinear interpolation of the four
    input pixels around its source coordinate, which `coordinate_mode`
    (half_pixel, pytorch_half_pixel, asymmetric or align_corners) defines
    exactly (linearResizeAxis in mpq/Support/IntegerSemantics.h), clamped to
    the input. The result keeps the input's grid unless a fake_quant
    follows (a convex combination stays in the input's range).

    ```mlir
    %1 = mpq.resize_linear %0 {coordinate_mode = "half_pixel"}
       : tensor<1x4x4x8xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins MPQ_FloatTensor:$input, StrAttr:$coordinate_mode);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_MaxPool2DOp : MPQ_PureOp<"max_pool2d", MPQ_AgnosticTraits> {
  let summary = "max pooling over NHWC windows, float or quantized";
  let description = [{
    Works on float tensors and on `!mpq.uniform` tensors alike: with a
    positive scale the largest code is the largest value, so no
    requantization is needed. Padding never wins the max.
  }];
  let arguments = (ins MPQ_Tensor:$input, DenseI64ArrayAttr:$kernel,
                   MPQ_StridesAttr:$strides, MPQ_PadsAttr:$pads);
  let results = (outs MPQ_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Integer level
//===----------------------------------------------------------------------===//

def MPQ_QConstantOp : MPQ_PureOp<"qconstant", [MPQ_IntegerLevel]> {
  let summary = "a quantized constant, given by its integer codes";
  let description = [{
    `value` holds one integer code per element (any integer element type
    wide enough); the result's `!mpq.uniform` element type gives their
    meaning. Packing to the storage width is the code generator's job.

    ```mlir
    %w = mpq.qconstant dense<[[1, -2]]> : tensor<1x2xi8>
       : tensor<1x2x!mpq.uniform<i2, 0.5:0>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$value attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def MPQ_QConv2DOp
    : MPQ_PureOp<"qconv2d", [MPQ_IntegerLevel, MPQ_IntegerLayerOpInterface]> {
  let summary = "integer convolution producing int32 accumulators";
  let description = [{
    acc[n, y, x, o] = sum (q_in - zp_in) * (q_w - zp_w[o]) over the window,
    exactly, in int32 (products in int64 are not needed for 8-bit operands
    with windows up to 2^15 elements). Same window arguments as
    `mpq.conv2d`. The weight may be per-axis along its output channel (axis
    0); zero points come from the element types. Bias and rescaling belong
    to the `mpq.requantize` that follows.
  }];
  let arguments = (ins MPQ_QTensor:$input, MPQ_QTensor:$weight,
                   MPQ_StridesAttr:$strides, MPQ_DilationsAttr:$dilations,
                   MPQ_PadsAttr:$pads,
                   DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs MPQ_AccTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_QFullyConnectedOp
    : MPQ_PureOp<"qfully_connected",
                 [MPQ_IntegerLevel, MPQ_IntegerLayerOpInterface]> {
  let summary = "integer fully-connected layer producing int32 accumulators";
  let arguments = (ins MPQ_QTensor:$input, MPQ_QTensor:$weight);
  let results = (outs MPQ_AccTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_RequantizeOp : MPQ_PureOp<"requantize", [MPQ_IntegerLevel]> {
  let summary = "Integer Channel Normalization: int32 -> 2/4/8-bit codes";
  let description = [{
    Per channel c of the last (channel) axis:

        acc = x - zp_in + bias[c]          (zp_in = 0 for an i32 input)
        y   = clamp(zp_out + shift_round(acc * multiplier[c],
                                         31 - exponent[c], rounding),
                    clamp_min, clamp_max)

    where the product is exact in int64 and `multiplier` is a Q1.31 value
    with |M0| in [2^30, 2^31) or 0 (a pruned channel), so the real factor is
    M0 * 2^(exponent - 31). Arrays have one entry (per tensor) or one per
    channel. The clamp defaults to the output's storage range; a ReLU fused
    here raises `clamp_min` to the zero point. The result may also be a 32-bit
    `!mpq.uniform` (an accumulator kept wide as a model output, as the
    int32 results of ONNX ConvInteger and MatMulInteger).

    ```mlir
    %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>,
                              exponent = array<i32: -3>,
                              bias = array<i32: 12>,
                              rounding = #mpq.rounding<floor>}
       : tensor<1x4x4x1xi32> -> tensor<1x4x4x1x!mpq.uniform<u4, 0.5:0>>
    ```
  }];
  let arguments = (ins MPQ_IntInputTensor:$input,
                   DenseI32ArrayAttr:$multiplier, DenseI32ArrayAttr:$exponent,
                   OptionalAttr<DenseI32ArrayAttr>:$bias,
                   MPQ_RoundingModeAttr:$rounding,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_min,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_max);
  let results = (outs MPQ_MemoryQTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_QAddOp : MPQ_PureOp<"qadd", [MPQ_IntegerLevel]> {
  let summary = "quantized elementwise sum, each input rescaled to the output";
  let description = [{
        y = clamp(zp_out + round((a - zp_a) * M_a * 2^(N_a - 31)
                                 + (b - zp_b) * M_b * 2^(N_b - 31)),
                  clamp_min, clamp_max)
    with the sum rounded once (roundedRescaledSum in
    mpq/Support/IntegerSemantics.h: both products at one binary point), as
    the float sum of the two dequantized tensors is quantized once. Shapes
    follow numpy broadcasting.
  }];
  let arguments = (ins MPQ_QTensor:$lhs, MPQ_QTensor:$rhs,
                   MPQ_SI32Attr:$lhs_multiplier, MPQ_SI32Attr:$lhs_exponent,
                   MPQ_SI32Attr:$rhs_multiplier, MPQ_SI32Attr:$rhs_exponent,
                   MPQ_RoundingModeAttr:$rounding,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_min,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_max);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MPQ_QMulOp : MPQ_PureOp<"qmul", [MPQ_IntegerLevel]> {
  let summary = "quantized elementwise product of two activations";
  let description = [{
        y = clamp(zp_out + shift_round((a - zp_a) * (b - zp_b) * M, 31 - N),
                  clamp_min, clamp_max)
    with M * 2^(N - 31) = s_a * s_b / s_out: the product of the two
    dequantized values on the output's grid (squeeze-and-excite's
    x * sigmoid(s)). The product of two codes of at most 8 bits needs 17
    bits, times M below 2^31 it fits int64. Shapes follow numpy
    broadcasting (the excitation [N, 1, 1, C] against [N, H, W, C]).
  }];
  let arguments = (ins MPQ_QTensor:$lhs, MPQ_QTensor:$rhs,
                   MPQ_SI32Attr:$multiplier, MPQ_SI32Attr:$exponent,
                   MPQ_RoundingModeAttr:$rounding,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_min,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_max);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class MPQ_QExtremumOp<string mnemonic, string what>
    : MPQ_PureOp<mnemonic, [MPQ_IntegerLevel, Commutative]> {
  let summary = "elementwise " # what # " of codes on one grid";
  let description = [{
        y = clamp(}] # what # [{(a, b), clamp_min, clamp_max)
    on codes: both operands and the result have the same per-tensor grid
    (`--mpq-lower-fake-quant` requantizes each input of an `mpq.max` /
    `mpq.min` into the output's grid first, as a concat's inputs are).
    Rounding is monotone, so the extremum of the requantized codes is the
    requantized extremum: the fake-quant graph's result. Shapes follow
    numpy broadcasting.
  }];
  let arguments = (ins MPQ_QTensor:$lhs, MPQ_QTensor:$rhs,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_min,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_max);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}
def MPQ_QMaxOp : MPQ_QExtremumOp<"qmax", "max">;
def MPQ_QMinOp : MPQ_QExtremumOp<"qmin", "min">;

def MPQ_TableOp : MPQ_PureOp<"table", [MPQ_IntegerLevel]> {
  let summary = "element-wise lookup table from input codes to output codes";
  let description = [{
        y = table[x - storage_min(x)]                  (one table)
        y = table[c * 2^bits + x - storage_min(x)]     (one per slice c)

    for every element: one entry per code of the input's storage range, in
    code order (2^bits entries: 256 for an 8-bit input, 16 at 4 bits, 4 at
    2 bits), each a code of the result's storage range; either one table for
    the whole tensor or one per slice c along `axis` (default: the last, the
    channels), one after the other (an add or mul by per-channel constants). The scales and zero
    points of both types do not enter: they went into the table, which
    `--mpq-lower-fake-quant` computes at compile time from the input and
    output grids of an element-wise function (buildLookupTable in
    mpq/Support/IntegerSemantics.h). Code generation stores the table in
    flash and loads one entry per element.

    ```mlir
    %y = mpq.table %x {table = array<i32: 0, 1, 2, 2>}
       : tensor<1x4x4x8x!mpq.uniform<u2, 0.5:0>>
      -> tensor<1x4x4x8x!mpq.uniform<u2, 0.3:0>>
    ```
  }];
  let arguments = (ins MPQ_QTensor:$input, DenseI32ArrayAttr:$table,
                   DefaultValuedAttr<MPQ_SI64Attr, "-1">:$axis);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of tables: 1, or the size of `axis`.
    int64_t getNumTables();
    /// `axis` in [0, rank).
    int64_t getNormalizedAxis();
  }];
}

def MPQ_QSoftmaxOp : MPQ_PureOp<"qsoftmax", [MPQ_IntegerLevel]> {
  let summary = "integer softmax along the last axis: exponential by table";
  let description = [{
    For every row along the last axis, with m the row's largest code:

        e_j = exp_table[m - x_j]
        y_j = clamp(zp_out + round(e_j * multiplier
                                   / (sum_k e_k * 2^(31 - exponent))))

    rounded to nearest, ties away from zero (softmaxCode in
    mpq/Support/IntegerSemantics.h), where multiplier * 2^(exponent - 31) is
    1 / s_out and `exp_table` has one entry per code difference d (2^bits
    entries), round(2^14 * exp(-s_in * d)) (softmaxExpTable), computed at
    compile time from the input's grid. The integer formulation of TFLite's
    and CMSIS-NN's int8 softmax, with an exact division per element.

    ```mlir
    %y = mpq.qsoftmax %x {exp_table = array<i32: 16384, 9937, 6027, 3656>,
                          multiplier = 1073741824 : i32, exponent = 9 : i32}
       : tensor<1x10x!mpq.uniform<u2, 0.5:0>>
      -> tensor<1x10x!mpq.uniform<u8, 0.00390625:0>>
    ```
  }];
  let arguments = (ins MPQ_QTensor:$input, DenseI32ArrayAttr:$exp_table,
                   MPQ_SI32Attr:$multiplier, MPQ_SI32Attr:$exponent);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_QLayerNormOp : MPQ_PureOp<"qlayer_norm", [MPQ_IntegerLevel]> {
  let summary = "integer layer normalization along the last axis (I-BERT)";
  let description = [{
    For every row x of N codes along the last axis, q_i is the integer
    normalization of layerNormRow (mpq/Support/IntegerSemantics.h):
    (x_i - mean) / sqrt(var + eps) with `shift` fractional bits, from an
    integer mean, variance and square root, where `eps_term` is
    round(N^3 * eps / s_in^2). Then per feature i:

        acc_i = q_i * scale[i] + bias[i]                       (int32)
        y_i   = clamp(zp_out + shift_round(acc_i * multiplier,
                                           31 - exponent, rounding))

    with `scale` and `bias` the affine parameters on one grid chosen at
    compile time (scale codes of at most 12 bits), and multiplier *
    2^(exponent - 31) their step over 2^shift, divided by s_out.
  }];
  let arguments = (ins MPQ_QTensor:$input, DenseI32ArrayAttr:$scale,
                   DenseI32ArrayAttr:$bias, MPQ_SI64Attr:$eps_term,
                   MPQ_SI32Attr:$shift, MPQ_SI32Attr:$multiplier,
                   MPQ_SI32Attr:$exponent, MPQ_RoundingModeAttr:$rounding,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_min,
                   OptionalAttr<MPQ_SI64Attr>:$clamp_max);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_QResizeLinearOp : MPQ_PureOp<"qresize_linear", [MPQ_IntegerLevel]> {
  let summary = "quantized bilinear resize: exact integer weights, one requantization";
  let description = [{
    For output pixel (r, c) and channel k, with rows h0 = h_index[r],
    h1 = min(h0 + 1, H - 1), weights (Dh - h_weight[r], h_weight[r]) over
    Dh = h_denominator, and the same for the columns:

        acc = sum over the four taps of w_row * w_col * (x - zp_in)
        y   = clamp(zp_out + shift_round(acc * multiplier,
                                         31 - exponent, rounding))

    where multiplier * 2^(exponent - 31) is s_in / (s_out * Dh * Dw): the
    float interpolation's weights are exactly these integers over Dh * Dw
    (at most 2^22, so acc fits int32 for codes of at most 8 bits).
  }];
  let arguments = (ins MPQ_QTensor:$input, DenseI32ArrayAttr:$h_index,
                   DenseI32ArrayAttr:$h_weight, MPQ_SI32Attr:$h_denominator,
                   DenseI32ArrayAttr:$w_index, DenseI32ArrayAttr:$w_weight,
                   MPQ_SI32Attr:$w_denominator, MPQ_SI32Attr:$multiplier,
                   MPQ_SI32Attr:$exponent, MPQ_RoundingModeAttr:$rounding);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_QAvgPool2DOp : MPQ_PureOp<"qavg_pool2d", [MPQ_IntegerLevel]> {
  let summary = "quantized average pooling: integer sum, then 1/count";
  let description = [{
    Sums (q - zp_in) over each full window (padding counts as zero codes, so
    every window has kernel_h * kernel_w elements) and requantizes the sum by
    multiplier * 2^(exponent - 31), which encodes s_in / (count * s_out).
  }];
  let arguments = (ins MPQ_QTensor:$input, DenseI64ArrayAttr:$kernel,
                   MPQ_StridesAttr:$strides, MPQ_PadsAttr:$pads,
                   MPQ_SI32Attr:$multiplier, MPQ_SI32Attr:$exponent,
                   MPQ_RoundingModeAttr:$rounding);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_QuantizeOp
    : MPQ_PureOp<"quantize", [MPQ_IntegerLevel, MPQ_ModelBoundary]> {
  let summary = "float to integer codes, at the model's input";
  let arguments = (ins MPQ_FloatTensor:$input, MPQ_RoundingModeAttr:$rounding);
  let results = (outs MPQ_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def MPQ_DequantizeOp
    : MPQ_PureOp<"dequantize", [MPQ_IntegerLevel, MPQ_ModelBoundary]> {
  let summary = "integer codes to float, at the model's output";
  let arguments = (ins MPQ_MemoryQTensor:$input);
  let results = (outs MPQ_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

#endif // MPQ_DIALECT_MPQ_IR_MPQOPS_TD
