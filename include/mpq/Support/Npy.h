//===- Npy.h - Reading and writing NumPy .npy arrays ------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The .npy format (version 1.0/2.0/3.0) for the dtypes mpq exchanges with its
// tools and scripts: float32/64 and 8/16/32/64-bit signed and unsigned
// integers, little-endian, C order. Values come back widened to double or
// int64 so callers handle one representation.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_NPY_H
#define MPQ_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::mpq {

struct NpyArray {
  std::vector<int64_t> shape;
  /// The numpy dtype descriptor, e.g. "<f4", "|u1", "<i4".
  std::string dtype;
  /// Exactly one of these holds the data, by dtype kind ('f' or 'i'/'u').
  std::vector<double> reals;
  std::vector<int64_t> ints;

  bool isFloat() const { return !dtype.empty() && dtype[1] == 'f'; }
  int64_t numElements() const;
};

/// Parses `bytes` as a .npy file. On failure returns false and sets `error`
/// to what is wrong (naming no file: the caller knows it).
bool parseNpy(const std::string &bytes, NpyArray &array, std::string &error);

/// Reads the .npy file at `path`; `error` names the file on failure.
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// Serializes `array` as .npy (version 1.0) with its dtype: reals are
/// narrowed to float32 for "<f4", ints to the integer dtype's width.
std::string serializeNpy(const NpyArray &array);

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_NPY_H
