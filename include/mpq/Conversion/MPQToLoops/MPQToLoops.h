//===- MPQToLoops.h - Integer mpq ops to loops over packed bytes -*- C++
//-*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The conversion behind --mpq-lower-to-loops. The model function's integer
// ops become loop nests (scf + arith + memref, and the Arm DSP intrinsics of
// the LLVM dialect) in one entry function on byte buffers:
//
//   func.func @<model>_run(%in0: memref<I0xi8>, ..., %out0: memref<O0xi8>,
//                          ..., %arena: memref<Axi8>) -> i32
//
// `MPQToLoopsLowering` owns the model boundary (the entry function, the copies
// of the inputs into the arena and of the outputs out of it) and where every
// tensor's codes live; `populateMPQToLoopsPatterns` gives one rewrite pattern
// per op (per kernel strategy for the layers), which emits its loops into a
// function of its own, `<model>_step<k>(%arena)` (internal, never inlined),
// called from the entry function, and erases the op. Patterns run in program
// order (the planned schedule), so the entry function's calls are the
// schedule. A step in its own function is compiled the same whatever its
// neighbours are, and its instructions can be counted by address.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_CONVERSION_MPQTOLOOPS_MPQTOLOOPS_H
#define MPQ_CONVERSION_MPQTOLOOPS_MPQTOLOOPS_H

#include "mpq/Analysis/RowGroups.h"
#include "mpq/Conversion/MPQToLoops/PackedCodes.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir {
class ConversionTarget;
} // namespace mlir

namespace mlir::mpq {

/// The kernel choices of the lowering (the options of --mpq-lower-to-loops).
struct MPQToLoopsOptions {
  /// Output channels a conv/fc computes together, sharing each input load
  /// (1, 2 or 4).
  unsigned channelBlock = 4;
  /// Armv7E-M DSP kernels (SMLAD) for 8-bit layers, and for 1x1 and fully
  /// connected layers at 8, 4 and 2 bits.
  bool armDsp = false;
};

/// The state the patterns share while one model function is lowered: the
/// entry function, the arena, each stored value's place, the constant
/// globals. Every method that creates IR does so through the given builder
/// (the pattern's rewriter).
class MPQToLoopsLowering {
public:
  /// Symbols are named `<prefix>_...`.
  MPQToLoopsLowering(func::FuncOp model, StringRef prefix);

  /// Checks the model boundary (each argument read by one mpq.quantize, each
  /// result an mpq.dequantize), creates the entry function before the model
  /// function and copies the inputs into the arena.
  LogicalResult begin(OpBuilder &b);
  /// Where the model's outputs are (at its return, before it is erased).
  LogicalResult collectOutputs(func::ReturnOp ret);
  /// Copies the outputs out of the arena, returns 0, gives the arena its
  /// size; the model function is then dead.
  void end(OpBuilder &b);

  /// Declares ops directly in the model function illegal: each must be
  /// lowered (erased) by a pattern.
  void configureTarget(ConversionTarget &target) const;

  func::FuncOp getModelFunction() const { return model; }

  /// Starts the function of the next step, `<prefix>_step<k>(%arena)`, for
  /// `op`; the builder appends to its body until endStep, which calls it
  /// from the entry function (or drops it if it has no code: a view).
  /// A member of a row group (mpq/Analysis/RowGroups.h) gets
  /// `<prefix>_step<k>(%arena, %row, %out_shift, %in_shift...)` (one input
  /// shift per tensor it reads) and computes output row %row only, its line
  /// buffers moved by the shifts (bytes);
  /// the group's driver loop in the entry function calls its members once
  /// the last one is done.
  void beginStep(OpBuilder &b, Operation *op);
  void endStep(RewriterBase &b);

  /// In a step of a row group, the output image row to compute (an index),
  /// and records that the kernel computes that row only; null elsewhere.
  /// endStep fails a row group's step whose kernel did not ask.
  Value rowGroupRow();

  /// The storage of `value`, or an error at `user` if it has none. Buffers
  /// read the arena of the current step.
  FailureOr<PackedBuffer> bufferFor(Value value, Operation *user) const;
  /// The storage of `value` if it has one (no diagnostic).
  std::optional<PackedBuffer> lookupBuffer(Value value) const;
  /// Gives the stored result of `op` its place in the arena.
  LogicalResult assignStorage(Operation *op);

  /// A constant i32 global `<prefix>_<kind><n>` and its address in the
  /// current step.
  Value global(OpBuilder &b, StringRef kind, ArrayRef<int32_t> values);
  /// `words` i32 of stack in the current step (an alloca at its start, so
  /// that loops do not grow the stack).
  Value stackWords(OpBuilder &b, int64_t words);
  /// A constant global of `values` as `bits`-bit signed integers (8, 16 or
  /// 32; every value must fit) and its address in the current step.
  Value global(OpBuilder &b, StringRef kind, ArrayRef<int32_t> values,
               unsigned bits);
  /// A constant byte global `<prefix>_<kind><n>` (weights, tables) and its
  /// address in the current step.
  Value byteGlobal(OpBuilder &b, Location loc, StringRef kind,
                   ArrayRef<uint8_t> bytes);
  /// The codes of `constant`, in its element order.
  static std::vector<int32_t> codesOf(QConstantOp constant);
  /// The packed bytes of `constant` in the layout of `layout`, as a constant
  /// global.
  Value weightBytes(OpBuilder &b, QConstantOp constant,
                    const PackedBuffer &layout);
  /// A per-channel parameter table as the kernels read it, stored as
  /// compactly as its values allow (docs/design.md, "Parameter storage"):
  /// - every entry zero: nothing stored, the kernels use the constant 0;
  /// - every entry equal: one entry, read for every channel;
  /// - otherwise one entry per channel;
  /// each entry in the narrowest of i8, i16 and i32 that holds every value.
  struct ParamTable {
    /// Null when every entry is zero; one element when all are equal.
    Value global;
    /// Channel `c`'s entry (an index), sign-extended to i32.
    Value at(LoopEmitter &e, Value c) const;
  };
  /// The table of `values` (one per channel) as a ParamTable, its global
  /// named `<prefix>_<kind><n>`.
  ParamTable paramTable(OpBuilder &b, StringRef kind, ArrayRef<int32_t> values);
  /// Per-channel requantization parameters of `rq` (multiplier M0, right
  /// shift 31 - N0, bias) as parameter tables of `channels` entries. For an
  /// accumulator that carries 2^accScaleLog2 times the sum (a kernel that
  /// widens sub-byte codes at the top of their bytes), the bias is scaled
  /// the same and the shift is that much longer: the requantized value is
  /// the same, exactly (the caller checks that the scaled values fit).
  struct ChannelParams {
    ParamTable multipliers, shifts, biases;
  };
  ChannelParams requantParams(OpBuilder &b, RequantizeOp rq, int64_t channels,
                              int64_t accScaleLog2 = 0);
  /// The values of requantParams' tables, one per channel (for kernels that
  /// lay their parameters out as they read them).
  struct ChannelValues {
    SmallVector<int32_t> multipliers, shifts, biases;
  };
  static ChannelValues requantValues(RequantizeOp rq, int64_t channels,
                                     int64_t accScaleLog2 = 0);
  /// Moves `bytes` arena bytes from `from` to `to` (lower or
  /// non-overlapping), in the entry function.
  void moveBytes(OpBuilder &b, int64_t from, int64_t to, int64_t bytes);
  /// A byte copy loop.
  void copyBytes(OpBuilder &b, Value from, int64_t fromOffset, Value to,
                 int64_t toOffset, int64_t bytes);

  /// After an error, the remaining ops are erased without code: the pass
  /// fails with the first error only.
  bool hasFailed() const { return hadError; }
  void setFailed() { hadError = true; }

private:
  func::FuncOp model;
  std::string prefix;
  func::FuncOp entry;
  /// The entry function's arena argument.
  Value arena;
  /// The current step's function and arena argument (null between steps).
  func::FuncOp step;
  Value stepArena;
  SmallVector<func::FuncOp> steps;
  int64_t arenaSize = 0;

  /// Row groups: their layout, and their members' step functions so far.
  struct RowGroupState {
    RowGroup group;
    int64_t lineBase = -1;
    SmallVector<func::FuncOp> stepFunctions;
  };
  std::vector<RowGroupState> rowGroups;
  /// The op writing each member's result (RowGroupMember::writer): its
  /// group and place in it.
  llvm::DenseMap<Operation *, std::pair<size_t, size_t>> rowMembers;
  /// Results kept in line buffers: the group and the producer's place.
  llvm::DenseMap<Value, std::pair<size_t, size_t>> lineBuffers;
  /// The current step's place in a row group, its arguments, whether its
  /// kernel asked for the row.
  std::optional<std::pair<size_t, size_t>> stepMember;
  Value stepRow, stepOutShift;
  /// One shift per tensor the member reads (RowGroupMember::inputs).
  SmallVector<Value, 2> stepInShifts;
  bool stepRowUsed = false;
  /// The byte offset of row group g's line buffers in the arena.
  int64_t lineBase(size_t g);
  /// The driver loop of row group g, at the end of the entry function.
  void emitRowGroupDriver(OpBuilder &b, size_t g);

  unsigned globals = 0;
  bool hadError = false;
  SmallVector<QuantizeOp> inputs;
  SmallVector<Value> results;
  SmallVector<PackedBuffer> outputs;
  llvm::DenseMap<Value, PackedBuffer> buffers;
};

/// The patterns of the fused layers (qconv2d / qfully_connected with their
/// requantize), one per kernel strategy; the SMLAD kernels only with
/// `options.armDsp`.
void populateMPQLayerToLoopsPatterns(RewritePatternSet &patterns,
                                     MPQToLoopsLowering &lowering,
                                     const MPQToLoopsOptions &options);

/// Every pattern of the lowering: the layers, requantize, qadd, the pools,
/// data movement, the model boundary, and an error for any other op.
void populateMPQToLoopsPatterns(RewritePatternSet &patterns,
                                MPQToLoopsLowering &lowering,
                                const MPQToLoopsOptions &options);

/// Lowers the model function `model` (erased on success) into
/// `<prefix>_run`.
LogicalResult lowerModelToLoops(func::FuncOp model, StringRef prefix,
                                const MPQToLoopsOptions &options);

} // namespace mlir::mpq

#endif // MPQ_CONVERSION_MPQTOLOOPS_MPQTOLOOPS_H
