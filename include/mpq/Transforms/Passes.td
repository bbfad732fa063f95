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

#endif // MPQ_TRANSFORMS_PASSES_TD
