//===- MPQDialect.td - The mpq dialect ---------------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQDIALECT_TD
#define MPQ_DIALECT_MPQ_IR_MPQDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def MPQ_Dialect : Dialect {
  let name = "mpq";
  let cppNamespace = "::mlir::mpq";
  let summary = "Mixed low-precision quantized CNNs for microcontrollers";
  let description = [{
    The `mpq` dialect describes convolutional networks at two levels:

    * a *graph* level on float tensors (what the ONNX importer produces),
      where `mpq.fake_quant` marks where a tensor is quantized and at how many
      bits;
    * an *integer* level, where tensors carry their quantization in their
      element type (`!mpq.uniform`) and the arithmetic is integer-only:
      `mpq.qconv2d` produces int32 accumulators and `mpq.requantize` applies
      Integer Channel Normalization (per-channel int32 multiplier, shift,
      bias and output zero point) to bring them back to 2, 4 or 8 bits.

    Layout is NHWC for activations and OHWI for convolution weights.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  // Arena placement, written by --mpq-plan-buffers and read by code
  // generation (mpq/Analysis/ArenaBuffers.h, "Annotations", says what each
  // means; MPQDialect.h has typed accessors). On ops: `mpq.offset` (i64, the
  // byte offset of the single result), `mpq.offsets` (array<i64>, one per
  // result, -1 if not in the arena), `mpq.scratch_offset` and
  // `mpq.scratch_size` (i64). On the function (and the llvm.func it
  // becomes): `mpq.arena_size` and `mpq.arena_align` (i64). The dialect
  // verifies their types and rejects any other `mpq.` attribute.
  // `mpq.row_group` (i64, on qconv2d, qadd, max_pool2d, qavg_pool2d, pad;
  // --mpq-fuse-rows) names the row group an op runs in
  // (mpq/Analysis/RowGroups.h).
  let discardableAttrs = (ins
    "::mlir::IntegerAttr":$offset,
    "::mlir::DenseI64ArrayAttr":$offsets,
    "::mlir::IntegerAttr":$scratch_offset,
    "::mlir::IntegerAttr":$scratch_size,
    "::mlir::IntegerAttr":$arena_size,
    "::mlir::IntegerAttr":$arena_align,
    "::mlir::UnitAttr":$rows_descending,
    "::mlir::IntegerAttr":$row_group,
    "::mlir::UnitAttr":$narrow_kernels
  );
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
}

class MPQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<MPQ_Dialect, mnemonic, traits>;

#endif // MPQ_DIALECT_MPQ_IR_MPQDIALECT_TD
