//===- ArenaBuffers.h - Arena buffers of an integer mpq function -*- C++
//-*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The MLIR side of buffer planning (`--mpq-plan-buffers`): which values of an
// integer-only mpq function occupy the activation arena, their sizes, the
// steps that execute, their lifetimes for a schedule, and the annotations
// code generation reads. The placement itself is BufferPlanner.h, the order
// Schedule.h; both are MLIR-free.
//
// What occupies the arena (one buffer per "arena tensor")
// -------------------------------------------------------
// - The model input codes: the result of `mpq.quantize` (the caller writes
//   them there; docs/decisions.md §1 puts inputs and outputs in the arena).
// - Every stored activation: the results of `mpq.requantize`, `mpq.qadd`,
//   `mpq.qavg_pool2d`, `mpq.max_pool2d`, `mpq.pad`, `mpq.concat`,
//   `mpq.transpose`, and of an `mpq.reshape` that is a copy (below).
// - The model outputs: the values `mpq.dequantize` (or `func.return`) reads;
//   they stay live to the last step.
// Not in the arena: `mpq.qconstant` (flash), values computed only from
// constants by view reshapes, and the int32 accumulator of `mpq.qconv2d` /
// `mpq.qfully_connected`: the accumulator must have exactly one use, an
// `mpq.requantize`, and the pair is ONE step (code generation fuses them);
// the step's result is the requantize's.
//
// Views. An `mpq.reshape` whose packed bytes are identical to its input's is
// a view: its result shares the input's buffer (same offset) and extends its
// lifetime to the view's last use. That holds when the innermost dimension is
// unchanged (then the rows, and hence the innermost row size in bytes, are the
// same), or when both innermost rows are a whole number of bytes (no row
// padding on either side: both are the dense row-major stream). Any other
// reshape is a copy: a step with its own buffer. (Equal row size in bytes
// alone is not enough: at 4 bits [4, 3] and [3, 4] both have 2-byte rows,
// but the first pads every row.)
//
// Steps. Step s executes the s-th step op in program order: a fused
// qconv2d/qfully_connected + requantize, or one of the ops above that
// produce an arena tensor (views are not steps). `mpq.quantize`,
// `mpq.dequantize`, `mpq.qconstant` and views are not steps. Lifetimes
// follow Schedule.h: a step's result is live from its step to its last
// reader's step; model inputs from step 0; outputs to the last step.
//
// Sizes. mlir::mpq::packedTensorBytes(shape, width) with the storage width of
// the `!mpq.uniform` element type, so sub-byte tensors count as stored. A size
// that does not fit int64 is an error.
//
// Scratch. kernelScratchBytes(op, dspKernels) gives the scratch a step's
// kernel needs (live during its step only); it is the one place code
// generation fills in. Today one kernel has scratch: the DSP product
// kernel's widened pair of input pixels (pointwiseWideningBytes) or of
// gathered windows (windowWideningBytes), planned when the
// graph is read for DSP code (extractArenaGraph's `dspKernels`), and read back
// from the step's `mpq.scratch_size` once planned.
//
// In place. With in-place allowed, a step's result may reuse the buffer of
// an operand that dies at this step and is not a model output, in two ways
// (the hints of BufferPlanner.h):
// - Elementwise, at the operand's offset (shift 0): the step is an
//   elementwise `mpq.requantize` on a quantized input (not one fused with a
//   conv), an `mpq.qadd` or an `mpq.table` (each reads element k, then
//   writes element k); the operand has the result's shape and a storage
//   width at least the result's (so, walking elements forward, output
//   element k is written at or below input element k's bit position, after
//   that element was read: the output never overwrites unread input).
//   `mpq.qadd` tries lhs, then rhs.
// - Window, shifted below the operand: a fused `mpq.qconv2d` (any kernel:
//   depthwise, grouped, dense; the SMLAD product kernel for 1x1), an
//   `mpq.max_pool2d` or an `mpq.qavg_pool2d` on a 4-d NHWC input. Their
//   kernels write output rows in order, and while they write row r read no
//   input row below r * stride - pad: the result starts
//   windowInPlaceShift bytes below the input (rows of packed pixels, so
//   sub-byte tensors too). A 1x1, stride-1, unpadded conv works on pairs of
//   pixels across rows and images (the product kernel), so its rows are
//   pairs of pixels. No hint when the shift is at least the result's size.
// Pad, concat, transpose and copies are never in place.
//
// Row groups (RowGroups.h). The layers of a row group are ONE step: op =
// the first member's op, epilogue = the op writing the last member's result
// (a requantize, or the qadd or pooling itself); it reads the first
// member's arena operands (the group's input), and
// its scratch is the group's line buffers (RowSchedule::scratchBytes). The
// other members' results are not arena tensors. In place, a row group's
// output may start RowSchedule::inPlaceShift bytes below its input when the
// input dies there (the group reads input rows in order and writes output
// rows in order).
//
// Annotations (the interface with code generation)
// -------------------------------------------------
// After planning, the function's ops are in schedule order (program order IS
// the schedule) and:
// - every op whose result occupies the arena (including view reshapes, which
//   repeat their input's offset) has `mpq.offset = <i64>`, the byte offset of
//   its result from the arena base (an op with several results would get
//   `mpq.offsets = array<i64: ...>`, -1 for results not in the arena; no mpq
//   op has several results today);
// - a step op whose kernel needs scratch gets `mpq.scratch_offset = <i64>`
//   and `mpq.scratch_size = <i64>` (the main op: qconv2d for a fused layer);
// - the function gets `mpq.arena_size = <i64>` (bytes, a multiple of the
//   alignment) and `mpq.arena_align = <i64>` (every offset is a multiple; the
//   caller aligns the arena base to it).
// An `mpq.offset` on an op whose result is a model input means the caller
// writes the input codes there before the first step; on one read by
// `mpq.dequantize` the output codes are there after the last step. The mpq
// dialect declares these attributes and has their typed accessors
// (getArenaOffset, setArenaSize, ... in mpq/Dialect/MPQ/IR/MPQDialect.h).
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_ARENABUFFERS_H
#define MPQ_ANALYSIS_ARENABUFFERS_H

#include "mpq/Analysis/BufferPlanner.h"
#include "mpq/Analysis/Schedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <string>
#include <vector>

namespace mlir::mpq {

/// Bytes of scratch the kernel of step op `op` needs during its step: the
/// one definition code generation follows. A step planned with scratch
/// (`mpq.scratch_size`, not a row group's member) keeps it; otherwise, with
/// `dspKernels` (code for a core with the DSP extension, optimized for
/// speed: mpq-lower-to-loops arm-dsp=true), a one-group qconv2d's
/// pointwiseWideningBytes (1x1, stride 1, unpadded, and an input without
/// zero point, unsigned below 8 bits) or windowWideningBytes
/// (mpq/Analysis/MemoryModel.h); 0 for every other kernel.
int64_t kernelScratchBytes(Operation *op, bool dspKernels);

enum class ArenaTensorKind { Input, Activation, Output };
const char *stringifyArenaTensorKind(ArenaTensorKind kind);

/// One step of the schedule.
struct ArenaStep {
  /// The op that runs (qconv2d / qfully_connected for a fused layer).
  Operation *op = nullptr;
  /// The requantize fused after a qconv2d / qfully_connected, else null.
  Operation *epilogue = nullptr;
  int64_t scratchBytes = 0;
  /// For a row group: the shift of its output below its input in place
  /// (RowSchedule::inPlaceShift); -1 for other steps.
  int64_t rowGroupShift = -1;
  /// For a row group: its members' ops in program order (each member's op
  /// and, for a qconv2d, its requantize), `op` and `epilogue` among them.
  SmallVector<Operation *> groupOps;
};

/// One buffer-holding tensor.
struct ArenaTensor {
  /// The value that owns the buffer (a quantize or step result).
  Value value;
  /// View reshapes sharing the buffer.
  SmallVector<Value> views;
  ArenaTensorKind kind = ArenaTensorKind::Activation;
};

struct ArenaGraph {
  func::FuncOp func;
  /// Tensors (sizes in bytes) and steps, in program order; op k of the graph
  /// is steps[k], tensor t is tensors[t].
  OpGraph graph;
  std::vector<ArenaStep> steps;
  std::vector<ArenaTensor> tensors;
  /// The arena tensor of every value in the arena (views included).
  llvm::DenseMap<Value, int> tensorOf;
};

/// Reads `func` (see the file comment). Emits an error on the offending op
/// and fails on anything that is not an integer-only graph, a dynamic shape,
/// an unsupported storage width or a size beyond int64.
/// With `rowGroups` false, the layers of row groups are steps of their own
/// (the layer-by-layer graph, for the classical bound).
/// `dspKernels` gives the steps the scratch of the DSP kernels
/// (kernelScratchBytes).
FailureOr<ArenaGraph> extractArenaGraph(func::FuncOp func,
                                        bool rowGroups = true,
                                        bool dspKernels = false);

/// The buffers to plan for the step order `order`: one per arena tensor
/// (same index), then one per step with scratch.
struct ArenaBufferSet {
  std::vector<Buffer> buffers;
  /// For each step, the index of its scratch buffer, or -1.
  std::vector<int> scratchBuffer;
};

/// Lifetimes for `order` (a topological order of the steps), with in-place
/// hints where the file comment allows them if `inPlace`.
ArenaBufferSet collectArenaBuffers(const ArenaGraph &graph,
                                   const std::vector<int> &order, bool inPlace);

/// Moves the ops of the function so that the steps run in `order`: every
/// other op (constants, quantize, views, dequantize) goes right before its
/// first user, or keeps its relative place at the end. Updates nothing in
/// `graph` but the op positions.
void applyStepOrder(const ArenaGraph &graph, const std::vector<int> &order);

/// Writes the annotations of the file comment for `plan` of `buffers`, which
/// must come from collectArenaBuffers on the function's current order.
/// Removes annotations of an earlier run first.
void annotateArenaPlan(const ArenaGraph &graph, const ArenaBufferSet &buffers,
                       const Plan &plan);

/// Independent check of an annotated function as code generation will read
/// it: extracts the buffers again in program order, reads every offset, size
/// and the arena from the attributes, and runs checkPlan. Returns the empty
/// string or what is wrong.
std::string verifyArenaAnnotations(func::FuncOp func);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_ARENABUFFERS_H
