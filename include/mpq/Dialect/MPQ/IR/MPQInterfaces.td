//===- MPQInterfaces.td - What an mpq op is ----------------*- tablegen -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The dialect's vocabulary: traits and interfaces that say what an op is, so
// that a pass asks "is this a layer?" or "does this op keep its input's
// grid?" instead of spelling a list of ops that the next op added to the
// dialect would have to join in every file. Each trait has one meaning; where
// passes need different sets of ops, they are different traits, and the
// narrower ones imply the wider ones (checked when an op is declared, see
// MPQInterfaces.h). docs/design.md, "Op vocabulary", has the table.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_DIALECT_MPQ_IR_MPQINTERFACES_TD
#define MPQ_DIALECT_MPQ_IR_MPQINTERFACES_TD

include "mlir/IR/Interfaces.td"
include "mlir/IR/OpBase.td"

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

// The accessors the two levels' layers share; the ops' own ODS accessors
// implement them.
defvar MPQ_LayerMethods = [
  InterfaceMethod<[{
      The activation the layer reads: NHWC for a convolution, [N, in] for a
      fully-connected layer.
    }], "::mlir::Value", "getInput">,
  InterfaceMethod<[{
      The weights, output channel first (OHWI, or [out, in]).
    }], "::mlir::Value", "getWeight">,
  InterfaceMethod<[{
      The weight operand, to replace the weights or to know its position.
    }], "::mlir::OpOperand &", "getWeightMutable">,
];

def MPQ_FloatLayerOpInterface : OpInterface<"FloatLayerOpInterface"> {
  let description = [{
    A graph-level layer with weights (`mpq.conv2d`, `mpq.fully_connected`):
    an f32 op that reads one activation, a weight tensor with the output
    channel first and an optional per-output-channel bias, and produces one
    value per output channel. These are the layers precision assignment gives
    a weight bit-width, calibration and bias snapping put on grids, and
    `--mpq-lower-fake-quant` turns into an integer layer and its
    `mpq.requantize`.
  }];
  let cppNamespace = "::mlir::mpq";
  let methods = !listconcat(MPQ_LayerMethods, [
    InterfaceMethod<[{
        The bias, one value per output channel, or null if the layer has
        none.
      }], "::mlir::Value", "getBias">,
    InterfaceMethod<[{
        The bias operand as a range of zero or one operands: assigning to it
        replaces the bias or adds one.
      }], "::mlir::MutableOperandRange", "getBiasMutable">,
    InterfaceMethod<[{
        Whether `operand` is this layer's bias operand.
      }], "bool", "isBiasOperand", (ins "::mlir::OpOperand &":$operand), [{}],
      [{
        ::mlir::OperandRange bias = $_op.getBiasMutable();
        return !bias.empty() && operand.getOwner() == $_op.getOperation() &&
               operand.getOperandNumber() == bias.getBeginOperandIndex();
      }]>,
  ]);
}

def MPQ_IntegerLayerOpInterface : OpInterface<"IntegerLayerOpInterface"> {
  let description = [{
    An integer-level layer with weights (`mpq.qconv2d`,
    `mpq.qfully_connected`): reads quantized codes and a quantized weight
    tensor (output channel first) and produces exact int32 accumulators. The
    bias and the rescaling belong to the `mpq.requantize` that reads the
    accumulator; code generation and buffer planning treat the pair as one
    step.
  }];
  let cppNamespace = "::mlir::mpq";
  let methods = MPQ_LayerMethods;
}

//===----------------------------------------------------------------------===//
// Element-wise functions
//===----------------------------------------------------------------------===//

def MPQ_ElementwiseFunctionOpInterface
    : OpInterface<"ElementwiseFunctionOpInterface"> {
  let description = [{
    A graph-level element-wise nonlinearity y = f(x) on one f32 tensor
    (`mpq.sigmoid`, `mpq.tanh`, `mpq.hard_sigmoid`, `mpq.hard_swish`,
    `mpq.leaky_relu`). Its result is an activation of its own: precision
    assignment gives it a bit-width, calibration a grid, and
    `--mpq-lower-fake-quant` turns x -> f -> fake_quant into one `mpq.table`
    whose entries are f on every input code (buildLookupTable in
    mpq/Support/IntegerSemantics.h), so no list of these ops is spelled
    anywhere but in MPQOps.td.
  }];
  let cppNamespace = "::mlir::mpq";
  let methods = [
    InterfaceMethod<[{
        The float input x.
      }], "::mlir::Value", "getInput">,
    InterfaceMethod<[{
        f with its parameters, as the evaluator and the tables compute it.
      }], "::mlir::mpq::ElementwiseFunction", "getFunction">,
  ];
}

//===----------------------------------------------------------------------===//
// What an op does to elements and grids
//===----------------------------------------------------------------------===//
//
// From narrowest to widest; each implies the next:
//   PermutesElements  reshape, transpose
//   CopiesElements    + pad, concat, slice, resize_nearest
//   ElementTypeAgnostic + max_pool2d
//   KeepsInputGrid    + avg_pool2d, global_avg_pool

// Every result element is one element of the single operand, and every
// operand element appears exactly once (row-major reinterpretation, or a
// permutation of the axes). Exact on any element type with no value to
// convert, so it commutes with elementwise quantization: the lowering
// replays it on codes after a graph input's `mpq.quantize`, and the
// fidelity report walks through it back to that quantize.
def MPQ_PermutesElements : NativeOpTrait<"PermutesElements"> {
  let cppNamespace = "::mlir::mpq";
}

// Every result element is a copy of an operand element or of a constant fill
// value (the padding): no comparison and no arithmetic. Code generation emits
// these as copy loops over packed codes.
def MPQ_CopiesElements : NativeOpTrait<"CopiesElements"> {
  let cppNamespace = "::mlir::mpq";
}

// Takes float and `!mpq.uniform` tensors alike (all operands and the result
// have one element type): applied to the codes of tensors on one grid, it
// yields the codes of its float result on that grid. Copies qualify, and so
// does max pooling (with a positive scale the largest code is the largest
// value). `--mpq-lower-fake-quant` lowers these by cloning them on codes;
// in the integer graph each writes a new arena buffer (a reshape may instead
// be a view, see mpq/Analysis/ArenaBuffers.h).
def MPQ_ElementTypeAgnostic : NativeOpTrait<"ElementTypeAgnostic"> {
  let cppNamespace = "::mlir::mpq";
}

// A graph-level op whose integer form (what `--mpq-lower-fake-quant` makes of
// it) produces codes on the per-tensor grid of its input(s): the element-type
// agnostic ops, and the float average pools, which requantize their mean back
// to the input's grid unless a fake_quant reads the pool's result directly
// (that fake_quant then sets the grid). So the grid, and with it the
// bit-width, of such a result is its input's: bias snapping looks through
// these ops for a layer's input grid, and precision assignment gives a
// one-input one a single bit-width variable with its input.
def MPQ_KeepsInputGrid : NativeOpTrait<"KeepsInputGrid"> {
  let cppNamespace = "::mlir::mpq";
}

//===----------------------------------------------------------------------===//
// Levels and boundaries
//===----------------------------------------------------------------------===//

// An elementwise clamp of a float activation (`mpq.relu`, `mpq.clip`) that the
// integer graph folds into the clamp of the requantization before it: the
// optional activation of a layer's or an add's epilogue,
// [batch_norm] [activation] fake_quant.
def MPQ_ClampActivation : NativeOpTrait<"ClampActivation"> {
  let cppNamespace = "::mlir::mpq";
}

// An op of the integer level only: it appears in integer-only graphs (what
// `--mpq-lower-fake-quant` produces, or an imported integer model) and
// nowhere else, and computes on codes and int32 accumulators. The model
// boundary (`MPQ_ModelBoundary`) is integer level too, with float on its
// outer side. The element-type agnostic ops belong to both levels and do not
// carry this trait.
def MPQ_IntegerLevel : NativeOpTrait<"IntegerLevel"> {
  let cppNamespace = "::mlir::mpq";
}

// Converts between the float model interface and integer codes
// (`mpq.quantize` of a model input, `mpq.dequantize` of a model output): the
// only mpq ops of an integer-only graph with float operands or results.
def MPQ_ModelBoundary : NativeOpTrait<"ModelBoundary"> {
  let cppNamespace = "::mlir::mpq";
}

#endif // MPQ_DIALECT_MPQ_IR_MPQINTERFACES_TD
