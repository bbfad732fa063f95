//===- PackedCodes.h - Loops over packed integer codes ----------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The building blocks every kernel of the lowering to loops shares: where a
// quantized tensor lives (`PackedBuffer`), and a builder of scf/arith/memref
// IR (`LoopEmitter`) for loop nests, loads and stores of packed codes (element
// 0 in the low bits, rows byte-aligned: docs/decisions.md §2), the Arm DSP
// intrinsics, and the integer requantization of
// mpq/Support/IntegerSemantics.h.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_CONVERSION_MPQTOLOOPS_PACKEDCODES_H
#define MPQ_CONVERSION_MPQTOLOOPS_PACKEDCODES_H

#include "mpq/Support/IntegerSemantics.h"
#include "mpq/Support/Packing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

#include <utility>

namespace mlir::mpq {

/// A quantized tensor in memory: bytes of `memref` from `offset` on, packed
/// along the innermost dimension with byte-aligned rows.
struct PackedBuffer {
  Value memref;
  int64_t offset = 0;
  SmallVector<int64_t> shape;
  unsigned bits = 8;
  bool isSigned = false;
  /// Bytes (index) added to `offset` at run time, or null: a row group's
  /// line buffer, where image row r of the tensor sits at a place that
  /// moves as rows come and go (mpq/Analysis/RowSchedule.h). Addresses of
  /// rows outside the buffer are meaningless.
  Value dynamicOffset;

  int64_t inner() const { return shape.empty() ? 1 : shape.back(); }
  int64_t rows() const {
    int64_t r = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i)
      r *= shape[i];
    return r;
  }
  int64_t rowBytes() const { return packedRowBytes(inner(), bits); }
  int64_t bytes() const { return rows() * rowBytes(); }
};

/// Builds the IR of the kernels at the builder's insertion point. Codes are
/// i32 values (sign- or zero-extended), indices `index` values; nothing is
/// folded here, LLVM does that.
class LoopEmitter {
public:
  LoopEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v);
  Value i32(int64_t v);
  Value i64(int64_t v);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value select(Value c, Value x, Value y);
  Value cmp(arith::CmpIPredicate p, Value x, Value y);
  Value toI64(Value v);
  Value toI32(Value v);
  Value indexToI32(Value v);

  /// The byte index of `buf`'s first code: its offset, plus its dynamic
  /// offset if it has one.
  Value start(const PackedBuffer &buf);

  /// Loops over [0, ubs[i]) nested in order; `body` gets the induction
  /// variables.
  void loopNest(ArrayRef<int64_t> ubs,
                function_ref<void(ArrayRef<Value>)> body);

  /// Nested loops threading one i32 value: the body returns the next value.
  Value reduceNest(ArrayRef<int64_t> ubs, Value init,
                   function_ref<Value(ArrayRef<Value>, Value)> body);

  /// Nested loops threading several i32 values (one accumulator per output
  /// channel of a block): the body returns the next values.
  SmallVector<Value> reduceNest(
      ArrayRef<int64_t> ubs, ValueRange inits,
      function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body);

  /// The code at (row, col), sign- or zero-extended to i32.
  Value load(const PackedBuffer &buf, Value row, Value col);

  /// The code `k` places after a byte-aligned column of `row`, given as
  /// that column's byte offset `colBytes` in the row: with `k` a constant,
  /// a sub-byte code is a field at a constant shift (one UBFX/SBFX).
  Value loadAfter(const PackedBuffer &buf, Value row, Value colBytes,
                  int64_t k);

  /// Four consecutive 8-bit codes from (row, col) as one little-endian i32
  /// (LLVM combines the byte loads into one word load).
  Value loadWord(const PackedBuffer &buf, Value row, Value col);

  /// Stores the low `bits` of `code` (i32) at (row, col), keeping the other
  /// fields of its byte.
  void store(const PackedBuffer &buf, Value row, Value col, Value code);

  /// An Arm intrinsic on i32 values (DSP extension).
  Value armIntrinsic(StringRef name, ValueRange args);

  /// The even and odd bytes of `word` widened to two 16-bit halves each
  /// (SXTB16/UXTB16, the odd ones after a rotation by 8). With `plus`, each
  /// pair of halves is added lane by lane to plus.first and plus.second
  /// (SXTAB16/UXTAB16: the widening and the addition in one instruction;
  /// each lane wraps at 16 bits).
  std::pair<Value, Value> halves(Value word, bool isSigned,
                                 std::pair<Value, Value> plus = {});

  /// Field `field` (bits field * bits and up) of every byte of `word`,
  /// ready for halves(): moved to the top of their bytes (`top`: 2^(8 -
  /// bits) times their values once SXTB16/UXTB16 widens them; signed codes
  /// need it, for their sign bit) or to the bottom (their values; unsigned
  /// codes only). 8-bit codes are the word itself.
  Value byteField(Value word, unsigned bits, int64_t field, bool top);

  /// shift_round(x, s) of IntegerSemantics.h for s in [0, 63] (the range
  /// mpq.requantize's verifier allows), on i64.
  Value shiftRound(Value x, Value s, RoundingMode mode);

  /// requantize() of IntegerSemantics.h: clamp(zp + shift_round(acc * m0,
  /// 31 - n0), lo, hi) with the product in int64; `acc`, `m0` and `shift`
  /// (= 31 - n0) are i64, the result i32.
  Value requantize(Value acc, Value m0, Value shift, int64_t zp, int64_t lo,
                   int64_t hi, RoundingMode mode);

  /// requantize() under Floor or HalfUp when every shift is at least 32,
  /// the total fits in int32 and the output range is narrow: the same value
  /// from the product's high word, floor(x / 2^s) = floor(floor(x / 2^32) /
  /// 2^(s - 32)), all in i32 after the product (|x| < 2^62, so the quotient
  /// is below 2^30 in magnitude). HalfUp, for shifts of at least 33, is
  /// floor((floor(x / 2^(s-1)) + 1) / 2): one add and one shift more, no tie
  /// test. `shift` is i32.
  Value requantizeHigh(Value acc, Value m0, Value shift, int64_t zp, int64_t lo,
                       int64_t hi, RoundingMode mode);

  OpBuilder &b;
  Location loc;

private:
  void storeWide(const PackedBuffer &buf, Value rowStart, Value col,
                 Value code);
  std::pair<Value, Value> locate(const PackedBuffer &buf, Value rowStart,
                                 Value col);
  void buildNest(ArrayRef<int64_t> ubs, SmallVectorImpl<Value> &ivs,
                 function_ref<void(ArrayRef<Value>)> body);
  SmallVector<Value> buildReduce(
      ArrayRef<int64_t> ubs, SmallVectorImpl<Value> &ivs, ValueRange inits,
      function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body);
};

/// Flat row of an NHWC-like index (all dimensions but the last).
Value flatRow(LoopEmitter &e, ArrayRef<int64_t> shape, ArrayRef<Value> idx);

/// One tap (ky, kx) of the window of output (oy, ox) over the NHWC input of
/// `shape`: whether it falls inside the image, and the row to read when it
/// does not (a valid address whose value the caller discards): pixel (0, 0)
/// of the image, or with `nearest` the image pixel nearest the tap, which
/// lies in the rows the window reads (all a row group's line buffer holds,
/// mpq/Analysis/RowSchedule.h; it costs a few instructions more).
struct WindowTap {
  Value inside, row;
};
WindowTap windowTap(LoopEmitter &e, ArrayRef<int64_t> shape, Value n, Value oy,
                    Value ox, Value ky, Value kx, ArrayRef<int64_t> strides,
                    ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                    bool checked = true, bool nearest = false);

} // namespace mlir::mpq

#endif // MPQ_CONVERSION_MPQTOLOOPS_PACKEDCODES_H
