//===- Passes.td - mpq passes ------------------------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TRANSFORMS_PASSES_TD
#define MPQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MPQCheckIntegerOnlyPass : Pass<"mpq-check-integer-only", "ModuleOp"> {
  let summary = "Check that a lowered graph computes on integers only";
  let description = [{
    After `--mpq-lower-fake-quant`, the deployed graph must not compute on
    floating point: the code generator emits no FPU instructions on the
    integer path. This pass fails, naming the first offending op, if any op
    inside a function takes or produces a floating-point tensor or scalar,
    except `mpq.quantize` (float input at the model boundary) and
    `mpq.dequantize` (float output at the model boundary). Float constants
    that nothing uses are reported too: they would still be stored in flash.

    Accepted:
    ```mlir
    func.func @f(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
      %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>}
         : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!mpq.uniform<i8, 0.1:0>>
      %y = mpq.dequantize %q
         : tensor<1x4x4x8x!mpq.uniform<i8, 0.1:0>> -> tensor<1x4x4x8xf32>
      return %y : tensor<1x4x4x8xf32>
    }
    ```
    Rejected: any `mpq.conv2d`, `mpq.relu`, `arith.constant ... : tensor<..xf32>`.
  }];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

def MPQLowerFakeQuantPass : Pass<"mpq-lower-fake-quant", "ModuleOp"> {
  let summary = "Lower a fake-quantized float graph to integer-only mpq ops";
  let description = [{
    Turns a graph whose weights and activations all pass through
    `mpq.fake_quant` with known scales (`!mpq.uniform`: a QDQ or QONNX model,
    or a calibrated one) into integer-only ops, following method.md §2:

    * weights become `mpq.qconstant` codes at their bit-width;
    * every layer `conv2d|fully_connected [-> batch_norm] [-> relu|clip]
      -> fake_quant` becomes `mpq.qconv2d|qfully_connected` (int32
      accumulators) followed by one `mpq.requantize` holding the Integer
      Channel Normalization of each output channel c:

          B_c  = round((b_c - mu_c + beta_c * sigma_c / gamma_c) / (s_x * s_w,c))
          M0_c * 2^(N0_c - 31) = (gamma_c / sigma_c) * s_x * s_w,c / s_y

      with ReLU/Clip folded into the clamp. Batch-norm is never folded into
      the weights, so per-layer weights keep their own range;
    * pooling, reshape, transpose, pad and concat run on codes; average
      pooling becomes `mpq.qavg_pool2d`, a residual `add` becomes `mpq.qadd`;
    * the model input gets `mpq.quantize`, each output `mpq.dequantize`, so
      the function keeps its float signature. A trailing `softmax` is left to
      the caller (a warning says so): it needs floats.

    Before:
    ```mlir
    %xq = mpq.fake_quant %x to !mpq.uniform<u8, 0.02:0> {rounding = #mpq.rounding<floor>} : tensor<1x8x8x3xf32>
    %wq = mpq.fake_quant %w to !mpq.uniform<i4:0, {0.1:0, 0.05:0}> {rounding = #mpq.rounding<half_to_even>} : tensor<2x3x3x3xf32>
    %c = mpq.conv2d %xq, %wq : (...) -> tensor<1x6x6x2xf32>
    %r = mpq.relu %c : tensor<1x6x6x2xf32>
    %y = mpq.fake_quant %r to !mpq.uniform<u4, 0.4:0> {rounding = #mpq.rounding<floor>} : tensor<1x6x6x2xf32>
    ```
    After:
    ```mlir
    %xi = mpq.quantize %x {rounding = #mpq.rounding<floor>} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<u8, 0.02:0>>
    %wi = mpq.qconstant dense<...> : tensor<2x3x3x3xi8> : tensor<2x3x3x3x!mpq.uniform<i4:0, {0.1:0, 0.05:0}>>
    %acc = mpq.qconv2d %xi, %wi : (...) -> tensor<1x6x6x2xi32>
    %y = mpq.requantize %acc {multiplier = array<i32: 1717986918, 1717986918>, exponent = array<i32: -6, -7>,
                              bias = array<i32: 0, 0>, clamp_min = 0 : i64, rounding = #mpq.rounding<floor>}
       : tensor<1x6x6x2xi32> -> tensor<1x6x6x2x!mpq.uniform<u4, 0.4:0>>
    ```
    A graph that is not completely fake-quantized (an `!mpq.bits` type
    without scale, a layer whose output has no fake_quant, a float op that
    has no integer form) is an error naming the op.
  }];
  let dependentDialects = ["::mlir::mpq::MPQDialect"];
}

#endif // MPQ_TRANSFORMS_PASSES_TD
