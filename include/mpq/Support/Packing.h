//===- Packing.h - Size and layout of packed sub-byte tensors ---*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The one function every part of mpq uses to size a stored tensor: the memory
// model, the buffer planner and the code generator must agree byte for byte.
// The pack/unpack functions below are likewise the one definition of the
// bytes themselves (constant weights, reference evaluator, tests), so the
// generated kernels have a single layout to match.
//
// Packing (docs/decisions.md §2): elements are packed along the innermost
// dimension, element 0 in the low bits of a byte; each innermost row starts on
// a byte boundary, so a tensor of `rows` rows of `inner` elements at `bits`
// bits takes rows * ceil(inner * bits / 8) bytes.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_PACKING_H
#define MPQ_SUPPORT_PACKING_H

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace mlir::mpq {

/// Bytes taken by one innermost row of `inner` elements at `bits` bits.
constexpr int64_t packedRowBytes(int64_t inner, unsigned bits) {
  return (inner * static_cast<int64_t>(bits) + 7) / 8;
}

/// Bytes taken by a tensor of `shape` stored at `bits` bits per element,
/// packed along its innermost dimension with byte-aligned rows. A rank-0
/// tensor is one element.
inline int64_t packedTensorBytes(const std::vector<int64_t> &shape,
                                 unsigned bits) {
  if (shape.empty())
    return packedRowBytes(1, bits);
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i)
    rows *= shape[i];
  return rows * packedRowBytes(shape.back(), bits);
}

/// packedTensorBytes, or std::nullopt if a dimension is negative or the size
/// overflows int64. Shapes that come from outside (a model, a user's IR) are
/// sized with this first.
inline std::optional<int64_t>
checkedPackedTensorBytes(const std::vector<int64_t> &shape, unsigned bits) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i)
    if (shape[i] < 0 || __builtin_mul_overflow(rows, shape[i], &rows))
      return std::nullopt;
  int64_t inner = shape.empty() ? 1 : shape.back();
  int64_t rowBits = 0, total = 0;
  if (inner < 0 ||
      __builtin_mul_overflow(inner, static_cast<int64_t>(bits), &rowBits) ||
      __builtin_add_overflow(rowBits, int64_t(7), &rowBits) ||
      __builtin_mul_overflow(rows, rowBits / 8, &total))
    return std::nullopt;
  return packedTensorBytes(shape, bits);
}

/// Widths packRow/unpackRow accept. The stream layout is the same for all of
/// them, so 16 and 32 bits come out as plain little-endian int16/int32
/// storage, and 1..8 as the sub-byte packing of the contract (CMSIS-NN and
/// CMix-NN order: element 0 in the low bits of byte 0).
constexpr bool isPackableBits(unsigned bits) { return bits >= 1 && bits <= 32; }

/// Pack `n` codes at `bits` bits each into `out`, which receives exactly
/// packedRowBytes(n, bits) bytes: element k occupies bits [k*bits, (k+1)*bits)
/// of the little-endian bit stream, and the unused high bits of the last byte
/// are zero. Each code is masked to its low `bits` bits, so a signed code is
/// stored in two's complement and an out-of-range code wraps modulo 2^bits
/// (range checking is the caller's job: the round trip is then not the
/// identity). Returns false, writing nothing, if bits is not packable or n is
/// negative.
inline bool packRow(const int32_t *codes, int64_t n, unsigned bits,
                    uint8_t *out) {
  if (!isPackableBits(bits) || n < 0)
    return false;
  int64_t bytes = packedRowBytes(n, bits);
  if (bytes == 0)
    return true;
  // Clearing first lets every element be OR-ed in, and zeroes the padding.
  std::memset(out, 0, static_cast<size_t>(bytes));
  uint64_t mask = (uint64_t(1) << bits) - 1;
  for (int64_t k = 0; k < n; ++k) {
    uint64_t value =
        static_cast<uint64_t>(static_cast<uint32_t>(codes[k])) & mask;
    int64_t bitPos = k * static_cast<int64_t>(bits);
    unsigned remaining = bits;
    // An element may straddle bytes (e.g. 3 bits, or any width > 8).
    while (remaining > 0) {
      unsigned offset = static_cast<unsigned>(bitPos & 7);
      unsigned take = 8 - offset < remaining ? 8 - offset : remaining;
      uint64_t chunk = value & ((uint64_t(1) << take) - 1);
      out[bitPos >> 3] |= static_cast<uint8_t>(chunk << offset);
      value >>= take;
      bitPos += take;
      remaining -= take;
    }
  }
  return true;
}

/// Inverse of packRow: read `n` codes of `bits` bits from `in` (which must
/// hold packedRowBytes(n, bits) bytes; padding bits are ignored), sign-
/// extending them if `isSigned`. At 32 bits a code is the int32 with that bit
/// pattern whatever `isSigned` says, since int32 cannot hold larger unsigned
/// values. Returns false, writing nothing, if bits is not packable or n is
/// negative.
inline bool unpackRow(const uint8_t *in, int64_t n, unsigned bits,
                      bool isSigned, int32_t *codes) {
  if (!isPackableBits(bits) || n < 0)
    return false;
  for (int64_t k = 0; k < n; ++k) {
    int64_t bitPos = k * static_cast<int64_t>(bits);
    uint64_t value = 0;
    unsigned got = 0;
    while (got < bits) {
      unsigned offset = static_cast<unsigned>(bitPos & 7);
      unsigned take = 8 - offset < bits - got ? 8 - offset : bits - got;
      uint64_t chunk = (static_cast<uint64_t>(in[bitPos >> 3]) >> offset) &
                       ((uint64_t(1) << take) - 1);
      value |= chunk << got;
      bitPos += take;
      got += take;
    }
    // Sign-extend arithmetically in int64 rather than through an
    // implementation-defined unsigned-to-signed conversion.
    int64_t code = static_cast<int64_t>(value);
    bool negative = (isSigned || bits == 32) && (value >> (bits - 1)) != 0;
    if (negative)
      code -= int64_t(1) << bits;
    codes[k] = static_cast<int32_t>(code);
  }
  return true;
}

namespace detail {
/// Split a shape into (rows, inner) as packedTensorBytes does; false for a
/// negative dimension.
inline bool splitRows(const std::vector<int64_t> &shape, int64_t &rows,
                      int64_t &inner) {
  rows = 1;
  inner = shape.empty() ? 1 : shape.back();
  if (inner < 0)
    return false;
  for (size_t i = 0; i + 1 < shape.size(); ++i) {
    if (shape[i] < 0)
      return false;
    rows *= shape[i];
  }
  return true;
}
} // namespace detail

/// Pack a row-major tensor of `shape` (rank 0 is one element) row by row
/// along its innermost dimension, each row starting on a byte boundary; `out`
/// receives exactly packedTensorBytes(shape, bits) bytes. Masking as in
/// packRow. Returns false, writing nothing, on an unpackable width or a
/// negative dimension.
inline bool packTensor(const int32_t *codes, const std::vector<int64_t> &shape,
                       unsigned bits, uint8_t *out) {
  int64_t rows = 0, inner = 0;
  if (!isPackableBits(bits) || !detail::splitRows(shape, rows, inner))
    return false;
  int64_t rowBytes = packedRowBytes(inner, bits);
  for (int64_t r = 0; r < rows; ++r)
    packRow(codes + r * inner, inner, bits, out + r * rowBytes);
  return true;
}

/// Inverse of packTensor, with unpackRow's sign extension.
inline bool unpackTensor(const uint8_t *in, const std::vector<int64_t> &shape,
                         unsigned bits, bool isSigned, int32_t *codes) {
  int64_t rows = 0, inner = 0;
  if (!isPackableBits(bits) || !detail::splitRows(shape, rows, inner))
    return false;
  int64_t rowBytes = packedRowBytes(inner, bits);
  for (int64_t r = 0; r < rows; ++r)
    unpackRow(in + r * rowBytes, inner, bits, isSigned, codes + r * inner);
  return true;
}

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_PACKING_H
