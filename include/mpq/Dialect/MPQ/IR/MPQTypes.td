//===- MPQTypes.td - mpq quantized types -------------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQTYPES_TD
#define MPQ_DIALECT_MPQ_IR_MPQTYPES_TD

include "mpq/Dialect/MPQ/IR/MPQDialect.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class MPQ_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<MPQ_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def MPQ_BitsType : MPQ_Type<"Bits", "bits"> {
  let summary = "an integer storage width whose scale is not known yet";
  let description = [{
    The element type of a tensor whose bit-width has been chosen (by
    `--mpq-assign-precision`) but whose scale and zero point have not (they
    come from calibration or from the model's fake-quant nodes).

    ```mlir
    !mpq.bits<u4>   // 4-bit unsigned
    !mpq.bits<i2>   // 2-bit signed
    ```

    Widths: 1 to 8 for stored tensors, 16 or 32 for accumulators.
  }];
  let parameters = (ins "unsigned":$width, "bool":$isSigned);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Smallest and largest code of the storage range.
    int64_t getStorageMin() const;
    int64_t getStorageMax() const;
  }];
}

def MPQ_UniformType : MPQ_Type<"Uniform", "uniform"> {
  let summary = "a uniformly quantized integer with its scale and zero point";
  let description = [{
    A stored integer code `q` that stands for the real value
    `scale * (q - zero_point)`. Per tensor, or per slice along one axis
    (per output channel for weights).

    ```mlir
    !mpq.uniform<u4, 0.0235:0>                 // per tensor
    !mpq.uniform<i8:0, {0.01:0, 0.02:-3}>      // per axis 0, two slices
    !mpq.uniform<i32, 1.5e-05:0>               // an int32 accumulator
    ```

    The expressed (real) type is always f32. Widths: 1 to 8 for stored
    tensors, 16 or 32 for accumulators. Scales must be positive and finite,
    zero points inside the storage range. The number of per-axis slices must
    equal the tensor's size along the axis; ops check that where the type
    meets a shape.
  }];
  let parameters = (ins
    "unsigned":$width,
    "bool":$isSigned,
    "int32_t":$axis,
    // An attribute rather than ArrayRef<double>: doubles have no llvm::hash_value.
    "::mlir::DenseF64ArrayAttr":$scales,
    ArrayRefParameter<"int64_t">:$zeroPoints
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    TypeBuilder<(ins "unsigned":$width, "bool":$isSigned, "double":$scale,
                     "int64_t":$zeroPoint), [{
      return $_get($_ctxt, width, isSigned, /*axis=*/-1,
                   DenseF64ArrayAttr::get($_ctxt, ArrayRef<double>{scale}),
                   ArrayRef<int64_t>{zeroPoint});
    }]>,
    TypeBuilder<(ins "unsigned":$width, "bool":$isSigned, "int32_t":$axis,
                     "ArrayRef<double>":$scales,
                     "ArrayRef<int64_t>":$zeroPoints), [{
      return $_get($_ctxt, width, isSigned, axis,
                   DenseF64ArrayAttr::get($_ctxt, scales), zeroPoints);
    }]>,
  ];
  let extraClassDeclaration = [{
    /// Per-tensor types have axis -1 and exactly one scale and zero point.
    bool isPerAxis() const { return getAxis() >= 0; }
    double getScale() const { return getScales()[0]; }
    int64_t getZeroPoint() const { return getZeroPoints().front(); }
    int64_t getStorageMin() const;
    int64_t getStorageMax() const;
    /// Whether this is a stored (1..8 bit) type rather than an accumulator.
    bool isStored() const { return getWidth() <= 8; }
    /// Whether tensors of this type can be kept in memory: stored codes, or
    /// whole little-endian 32-bit integers (an accumulator as an output).
    bool isInMemory() const { return isStored() || getWidth() == 32; }
  }];
}

#endif // MPQ_DIALECT_MPQ_IR_MPQTYPES_TD
