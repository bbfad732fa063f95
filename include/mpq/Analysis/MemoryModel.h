//===- MemoryModel.h - Flash and RAM model for bit-widths -------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The memory model of docs/paper.md §3, on a graph description that does not
// depend on MLIR, so the precision assignment can be tested on hand-built
// graphs and reused by other front ends.
//
// Graph description
// -----------------
// - Activation tensors have a name, a shape (NHWC for feature maps, [N, C]
//   for vectors) and the index of the bit-width VARIABLE they belong to. A
//   variable is one bit-width shared by a producer's output and its
//   consumers' inputs. Ops that do not requantize (pooling, reshape, flatten,
//   fused ReLU/BN) pass the variable through: MobileNetV1's fc reads the
//   pooled vector [1, 1024a], a tensor of its own with its own shape, whose
//   variable is pw13's output variable. Sizes are always taken from the
//   tensor a step actually reads or writes ("X_i counts the elements the
//   layer actually reads").
// - Steps are listed in execution order. Weight layers (Conv, Depthwise,
//   FullyConnected) are the "layers" of the paper; Add, Concat and Other are
//   weightless steps that exist so the schedule, and therefore the live
//   tensors of a DAG, are known. Pass-through ops (pooling, flatten) should be
//   listed as Other steps when liveness matters.
//
// Weight storage layouts (the shapes given here are the stored shapes, and
// packedTensorBytes packs along their innermost dimension):
// - Conv: OHWI, [O, KH, KW, I/groups]; the innermost row is the input
//   channels of one filter tap.
// - FullyConnected: [O, I] (or [O, 1, 1, I], which has the same size).
// - Depthwise: [KH, KW, C], channels innermost as in TFLite and CMSIS-NN.
//   OHWI with I = 1 would make every element its own byte-aligned row and
//   waste 4 (at 4 bits) or 6 (at 2 bits) bits per weight, so depthwise
//   weights are stored and sized channels-innermost.
//
// Sizes come from mlir::mpq::packedTensorBytes, the one size function shared
// with the buffer planner and the code generator, so a 2-bit row of 3 channels
// takes one full byte here as it does on the device.
//
// Liveness (for DAGs and for the report): tensor t is live from the step
// that writes it (a tensor no step writes is live from the step that creates
// its variable, or from the first step if it is a graph input) to the last
// step that reads it; a tensor nobody reads, or one the function returns
// (ActivationTensor::isOutput), is a graph output and stays live until the
// last step. Graph inputs and outputs live in the arena, as
// docs/decisions.md §1 says.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_MEMORYMODEL_H
#define MPQ_ANALYSIS_MEMORYMODEL_H

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::mpq {

/// What a step of the schedule is. Only Conv, Depthwise and FullyConnected
/// carry weights and per-channel parameters.
enum class StepKind { Conv, Depthwise, FullyConnected, Add, Concat, Other };

/// True for the kinds that are "layers" in the paper's sense.
bool hasWeights(StepKind kind);
const char *stepKindName(StepKind kind);

/// Quantization schemes of docs/paper.md §1-2; they differ only in the
/// per-channel parameters they store (docs/paper.md §3 table).
enum class QuantScheme { PC_ICN, PL_ICN, PL_FB };

const char *quantSchemeName(QuantScheme scheme);

struct ActivationTensor {
  std::string name;
  std::vector<int64_t> shape;
  /// Index of the bit-width variable this tensor belongs to.
  int variable = 0;
  /// Returned by the function: live until the last step even when a step
  /// reads it earlier.
  bool isOutput = false;
};

struct GraphStep {
  std::string name;
  StepKind kind = StepKind::Other;
  /// Stored weight shape (see the layouts above); empty for weightless steps.
  std::vector<int64_t> weightShape;
  /// Output channels: the C of the per-channel parameter table.
  int64_t outChannels = 0;
  /// Indices into GraphDesc::tensors. Weight layers read exactly one tensor.
  std::vector<int> inputs;
  int output = -1;
  /// The network's final layer (its own parameter row, 8-bit output). A
  /// multi-output network may mark several layers.
  bool isLast = false;
  /// For a weightless one-input step computed by lookup tables (an
  /// element-wise function, an affine op with constants): how many tables
  /// (1, or one per channel), each of one byte per code of its input in
  /// flash, counted with the parameters (lookupTableBytes); 0 otherwise.
  int64_t lookupTables = 0;
  /// A step whose kernel writes its NHWC output row by row, reading input
  /// rows from r * stride - pad up (conv, depthwise, pooling: the window
  /// contract of mpq/Analysis/BufferPlanner.h): its vertical stride (0: not
  /// such a step, never in place) and top padding. `windowPointwise` marks a
  /// 1x1, stride-1, unpadded conv, whose kernel works on pairs of pixels.
  int64_t windowStride = 0;
  int64_t windowPadTop = 0;
  /// The window's height with dilation: (kernel - 1) * dilation + 1.
  int64_t windowExtent = 1;
  bool windowPointwise = false;
  /// The DSP product kernel runs this step (set by a client that compiles
  /// for it, on a one-group conv): it widens pixel pairs into
  /// pointwiseWideningBytes (`windowPointwise`) or windowWideningBytes of
  /// scratch at its input's width
  /// (below), which the planned arena counts.
  bool widensInput = false;
  /// A pad of an NHWC tensor's channels only: each output pixel from the
  /// same input pixel (a member of row groups, RowGroups.h).
  bool channelPad = false;
  /// A step whose kernel reads each operand's element at the output
  /// element's index and no other (a sum, product, max or min of tensors,
  /// an element-wise table): its output may take the buffer of an operand of
  /// its shape and at least its width that dies there (the in-place rule of
  /// mpq/Analysis/ArenaBuffers.h for element-wise ops).
  bool elementwise = false;
};

/// Bytes of scratch the DSP kernel of a 1x1 convolution (stride 1, no
/// padding, one group) widens its input into: two pixels of `inChannels`
/// codes as 16-bit lanes (2 * 2 * inChannels bytes, whatever the codes'
/// width), when the kernel takes pixels two at a time (at least two), whole
/// steps of eight codes (2-bit rows that are not whole words, 8 or 24
/// codes, are unpacked byte by byte), and at least four blocks of two
/// output channels (below, widening a pixel pair costs about what it
/// saves); 0 otherwise, and at widths other than 8, 4 and 2 bits.
int64_t pointwiseWideningBytes(int64_t pixels, int64_t inChannels,
                               int64_t outChannels, unsigned inputBits);

/// Bytes of scratch the DSP kernel of a one-group convolution with a window
/// (not 1x1 stride 1 unpadded) gathers its input into: the windows of two
/// output pixels, kh * kw * inChannels 8-bit codes each rounded up to a
/// step of eight, as 16-bit lanes (2 * 2 * that), when there are two or
/// more output pixels and four or more pairs of output channels, and the
/// window's channels come in words of four (else at most 64 codes: each
/// is gathered on its own); 0 otherwise.
int64_t windowWideningBytes(int64_t outPixels, int64_t kh, int64_t kw,
                            int64_t inChannels, int64_t outChannels,
                            unsigned inputBits);

struct GraphDesc {
  std::vector<ActivationTensor> tensors;
  std::vector<GraphStep> steps;

  /// One more than the largest variable index used by any tensor.
  int numVariables() const;
  /// Index of the step named `name`, or -1.
  int findStep(const std::string &name) const;
  /// Index of the step that writes tensor `tensor`, or -1.
  int producerOf(int tensor) const;
  /// A readable name for a variable: the tensor a step writes with it, or
  /// the first tensor that has it.
  std::string variableName(int variable) const;

  /// Builders returning the new index, for hand-written graphs.
  int addTensor(std::string name, std::vector<int64_t> shape, int variable);
  int addLayer(std::string name, StepKind kind,
               std::vector<int64_t> weightShape, int64_t outChannels, int input,
               int output, bool isLast = false);
  int addStep(std::string name, StepKind kind, std::vector<int> inputs,
              int output);
};

/// For each variable, the first step that creates it: writes a tensor of it
/// without reading one (a pass-through step does not create). -1 marks a
/// graph input variable such as the image. Requires in-range tensor indices.
std::vector<int> variableCreators(const GraphDesc &graph);

/// Returns an empty string if `graph` is well formed, else what is wrong:
/// indices in range, positive dimensions, one producer per tensor, inputs
/// produced before they are read, weights exactly on weight layers, one
/// input per weight layer, isLast only on weight layers.
std::string validateGraph(const GraphDesc &graph);

/// Bit-widths for a graph: one per step (0 for weightless steps) and one per
/// activation variable.
struct BitAssignment {
  std::vector<unsigned> weightBits;
  std::vector<unsigned> activationBits;
  /// Steps whose weights are quantized per layer (one grid for the tensor,
  /// batch norm folded into the weights: the PL+FB row of the parameter
  /// table) whatever the scheme; empty, or one flag per step. Only the
  /// search sets it (strategy=search with per-layer sensitivity rows).
  std::vector<bool> perLayerWeights;

  bool isPerLayer(size_t step) const {
    return step < perLayerWeights.size() && perLayerWeights[step];
  }
};

/// Every weight layer and every variable at `bits`.
BitAssignment uniformAssignment(const GraphDesc &graph, unsigned bits);

/// Empty if `assignment` has the right sizes for `graph` and every width is
/// in 1..8 (0 for weightless steps), else what is wrong.
std::string validateAssignment(const GraphDesc &graph,
                               const BitAssignment &assignment);

/// Per-channel parameter bytes of one layer (docs/paper.md §3 table). The last
/// layer uses the "last layer, PL" row under PL_FB and PL_ICN and the "last
/// layer, PC" row under PC_ICN.
int64_t layerParamBytes(QuantScheme scheme, int64_t outChannels, bool isLast);

/// Flash bytes of the lookup table of an element-wise function whose input
/// has `inputBits` bits: one byte per input code, 2^bits (256 at 8 bits, 16
/// at 4, 4 at 2), as code generation stores it.
int64_t lookupTableBytes(unsigned inputBits);

/// Per-step parameter bytes: the per-channel parameters of a weight layer,
/// the table of a lookup-table step (at the width of its input under
/// `assignment`), 0 otherwise.
int64_t stepParamBytes(const GraphDesc &graph, size_t step,
                       const BitAssignment &assignment, QuantScheme scheme);

/// Number of weight elements of a step (0 for weightless steps).
int64_t weightElements(const GraphStep &step);

struct LiveRange {
  int first = 0; ///< First step at which the tensor occupies memory.
  int last = 0;  ///< Last step at which it does.
};

/// Live range of every tensor (see "Liveness" above). Requires a valid graph.
std::vector<LiveRange> computeLiveRanges(const GraphDesc &graph);

struct StepFootprint {
  int64_t weightBytes = 0;
  int64_t paramBytes = 0;
  int64_t inputBytes = 0; ///< Sum over the tensors the step reads.
  int64_t outputBytes = 0;
  int64_t liveBytes = 0; ///< All tensors live at this step.
  /// In place (computeFootprint with inPlace): how far below its input the
  /// output starts, or -1 when the step does not run in place.
  int64_t inPlaceShift = -1;
  /// That shift is the one from the last pixel (the output's end above the
  /// input's end), not the one in order.
  bool inPlaceFromLast = false;
  int64_t ioBytes() const { return inputBytes + outputBytes; }
  /// The bytes input and output take together: in + out, or in place their
  /// union, max(in + shift, out).
  int64_t heldBytes() const {
    return inPlaceShift < 0 ? ioBytes()
                            : std::max(inputBytes + inPlaceShift, outputBytes);
  }
};

struct Footprint {
  std::vector<StepFootprint> steps; ///< One per GraphDesc step.
  int64_t weightBytes = 0;
  int64_t paramBytes = 0;
  int64_t flashBytes = 0; ///< weights + params (the paper's M_RO use).
  /// Paper model: max over weight layers of input + output bytes.
  int64_t ramBytes = 0;
  int ramStep = -1; ///< The weight layer that attains ramBytes.
  /// Max over all steps of the bytes of the tensors live there.
  int64_t peakLiveBytes = 0;
  int peakLiveStep = -1;
};

/// The footprint of `graph` at `assignment` under `scheme`. Requires a valid
/// graph and an assignment that passes validateAssignment.
/// With `inPlace`, a step that may run in place (stepInPlaceShift) holds its
/// input and output as their union: the layer's RAM (the paper's in + out)
/// and the live bytes at that step count it.
Footprint computeFootprint(const GraphDesc &graph,
                           const BitAssignment &assignment, QuantScheme scheme,
                           bool inPlace = false);

/// How far below its input step `s` may start its output at `assignment`'s
/// widths (windowInPlaceShift over rows of packed pixels, or the descending
/// shift when smaller: the union is max(in + shift, out) either way), or -1
/// when it
/// cannot run in place: not a window step, more than one input, an input
/// whose live range (`ranges`, from computeLiveRanges) does not end at `s`,
/// or a shift that saves nothing. The integer graph's planner decides the
/// same way (mpq/Analysis/ArenaBuffers.h).
int64_t stepInPlaceShift(const GraphDesc &graph,
                         const std::vector<LiveRange> &ranges, size_t s,
                         const BitAssignment &assignment);

/// Both shifts of step `s`: rows in order (the output starting `first` bytes
/// below the input) and from the last (its end `second` bytes above the
/// input's); -1 for one that saves nothing or when the step cannot run in
/// place. stepInPlaceShift is the smaller of those that save.
std::pair<int64_t, int64_t>
stepInPlaceShifts(const GraphDesc &graph, const std::vector<LiveRange> &ranges,
                  size_t s, const BitAssignment &assignment);

/// MobileNetV1 (Howard et al. 2017) with width multiplier `alpha` at input
/// `resolution`: conv0 3x3/2 with int(32a) channels, 13 depthwise-separable
/// blocks (dw 3x3 with strides 1,2,1,2,1,2,1,1,1,1,1,2,1, then pw 1x1) of
/// int(c*a) channels for c = 64,128,128,256,256,512 x6,1024,1024, TF SAME
/// padding (spatial = ceil(in / stride)), global average pooling (an Other
/// step whose output [1, 1024a] keeps pw13's variable), fc 1024a -> 1000
/// (the last layer). The image is [1, R, R, 3]. Steps: conv0, dw1, pw1, ...,
/// dw13, pw13, pool, fc; variables: 0 is the image, then one per layer
/// output in layer order (29 in all). Returns an empty graph if alpha or
/// resolution is not positive.
GraphDesc buildMobileNetV1(double alpha, int resolution);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_MEMORYMODEL_H
