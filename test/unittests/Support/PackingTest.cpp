//===- PackingTest.cpp - Tests for Packing.h ------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Hand-packed bytes (bit layouts worked in the comments), and randomized
// comparison against a reference packer written here as an explicit bit
// stream, one bit at a time.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/Packing.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <random>
#include <vector>

using namespace mlir::mpq;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes pack(const std::vector<int32_t> &codes, unsigned bits) {
  Bytes out(static_cast<size_t>(packedRowBytes(codes.size(), bits)), 0xCD);
  EXPECT_TRUE(packRow(codes.data(), codes.size(), bits, out.data()));
  return out;
}

std::vector<int32_t> unpack(const Bytes &in, int64_t n, unsigned bits,
                            bool isSigned) {
  std::vector<int32_t> codes(static_cast<size_t>(n), 0x5A5A5A5A);
  EXPECT_TRUE(unpackRow(in.data(), n, bits, isSigned, codes.data()));
  return codes;
}

/// Reference: bit j of element k is bit (k * bits + j) of the stream, and
/// stream bit i is bit (i % 8) of byte i / 8.
Bytes refPack(const std::vector<int32_t> &codes, unsigned bits) {
  size_t nbits = codes.size() * bits;
  Bytes out((nbits + 7) / 8, 0);
  for (size_t k = 0; k < codes.size(); ++k)
    for (unsigned j = 0; j < bits; ++j) {
      size_t i = k * bits + j;
      if ((static_cast<uint32_t>(codes[k]) >> j) & 1)
        out[i / 8] = static_cast<uint8_t>(out[i / 8] | (1u << (i % 8)));
    }
  return out;
}

/// Random codes within the storage range of (bits, isSigned).
std::vector<int32_t> randomCodes(std::mt19937_64 &rng, size_t n, unsigned bits,
                                 bool isSigned) {
  int64_t lo = isSigned ? -(int64_t(1) << (bits - 1)) : 0;
  int64_t span = int64_t(1) << bits; // number of distinct codes
  std::vector<int32_t> codes(n);
  for (int32_t &c : codes) {
    int64_t v = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
    // At 32 bits unsigned codes above INT32_MAX only exist as bit patterns.
    if (v > INT32_MAX)
      v -= int64_t(1) << 32;
    c = static_cast<int32_t>(v);
  }
  return codes;
}

TEST(PackingTest, CmsisNnInt4Example) {
  // CMSIS-NN: int4 [1, 2, 3, 4] -> 0x21, 0x43 (element 0 in the low nibble).
  EXPECT_EQ(pack({1, 2, 3, 4}, 4), (Bytes{0x21, 0x43}));
  EXPECT_EQ(unpack({0x21, 0x43}, 4, 4, true),
            (std::vector<int32_t>{1, 2, 3, 4}));
}

TEST(PackingTest, FourBitOddLengthPadsWithZero) {
  // [0xA, 0xB, 0xC]: byte 0 = 0xB << 4 | 0xA = 0xBA; byte 1 = 0xC, high
  // nibble padding 0.
  EXPECT_EQ(pack({0xA, 0xB, 0xC}, 4), (Bytes{0xBA, 0x0C}));
  // Signed: -1 -> 0xF, -8 -> 0x8, 7 -> 0x7: 0x8F, 0x07.
  EXPECT_EQ(pack({-1, -8, 7}, 4), (Bytes{0x8F, 0x07}));
  EXPECT_EQ(unpack({0x8F, 0x07}, 3, 4, true),
            (std::vector<int32_t>{-1, -8, 7}));
  EXPECT_EQ(unpack({0x8F, 0x07}, 3, 4, false),
            (std::vector<int32_t>{15, 8, 7}));
}

TEST(PackingTest, TwoBitExamples) {
  // [1, 2, 3, 0]: 1 | 2 << 2 | 3 << 4 | 0 << 6 = 1 + 8 + 48 = 57 = 0x39.
  EXPECT_EQ(pack({1, 2, 3, 0}, 2), (Bytes{0x39}));
  // [3, 0, 1, 2, 1]: 3 | 0 | 1 << 4 | 2 << 6 = 3 + 16 + 128 = 0x93; the fifth
  // element alone in byte 1 (0x01), six padding bits zero.
  EXPECT_EQ(pack({3, 0, 1, 2, 1}, 2), (Bytes{0x93, 0x01}));
  // Signed [-2, -1, 0, 1] -> 0b10, 0b11, 0b00, 0b01:
  // 2 | 3 << 2 | 0 << 4 | 1 << 6 = 2 + 12 + 64 = 78 = 0x4E.
  EXPECT_EQ(pack({-2, -1, 0, 1}, 2), (Bytes{0x4E}));
  EXPECT_EQ(unpack({0x4E}, 4, 2, true), (std::vector<int32_t>{-2, -1, 0, 1}));
  EXPECT_EQ(unpack({0x4E}, 4, 2, false), (std::vector<int32_t>{2, 3, 0, 1}));
}

TEST(PackingTest, OneBitExamples) {
  // [1,0,1,1,0,0,0,1 | 1]: byte 0 bits 0, 2, 3, 7 set = 1 + 4 + 8 + 128 =
  // 141 = 0x8D; byte 1 = 0x01.
  EXPECT_EQ(pack({1, 0, 1, 1, 0, 0, 0, 1, 1}, 1), (Bytes{0x8D, 0x01}));
  // Signed 1-bit codes are {-1, 0}: 0x8D reads back with -1 for set bits.
  EXPECT_EQ(unpack({0x8D}, 8, 1, true),
            (std::vector<int32_t>{-1, 0, -1, -1, 0, 0, 0, -1}));
  EXPECT_EQ(pack({-1, 0, -1}, 1), (Bytes{0x05}));
}

TEST(PackingTest, ThreeBitElementsStraddleBytes) {
  // [5, 3, 7] at 3 bits: bits 0-2 = 101, bits 3-5 = 011, bits 6-8 = 111.
  // byte 0 = 5 | 3 << 3 | (7 & 3) << 6 = 5 + 24 + 192 = 0xDD; byte 1 = 7 >> 2
  // = 0x01.
  EXPECT_EQ(pack({5, 3, 7}, 3), (Bytes{0xDD, 0x01}));
  EXPECT_EQ(unpack({0xDD, 0x01}, 3, 3, false), (std::vector<int32_t>{5, 3, 7}));
  // Signed: 5 = 0b101 -> -3, 3 -> 3, 7 = 0b111 -> -1.
  EXPECT_EQ(unpack({0xDD, 0x01}, 3, 3, true),
            (std::vector<int32_t>{-3, 3, -1}));
}

TEST(PackingTest, ByteAndWiderStorageIsLittleEndian) {
  EXPECT_EQ(pack({-1, 127, -128, 200}, 8), (Bytes{0xFF, 0x7F, 0x80, 0xC8}));
  EXPECT_EQ(unpack({0xFF, 0x7F, 0x80, 0xC8}, 4, 8, true),
            (std::vector<int32_t>{-1, 127, -128, -56}));
  EXPECT_EQ(unpack({0xFF, 0x7F, 0x80, 0xC8}, 4, 8, false),
            (std::vector<int32_t>{255, 127, 128, 200}));
  // int16: 0x1234 -> 34 12; -2 = 0xFFFE -> FE FF.
  EXPECT_EQ(pack({0x1234, -2}, 16), (Bytes{0x34, 0x12, 0xFE, 0xFF}));
  EXPECT_EQ(unpack({0x34, 0x12, 0xFE, 0xFF}, 2, 16, true),
            (std::vector<int32_t>{0x1234, -2}));
  EXPECT_EQ(unpack({0x34, 0x12, 0xFE, 0xFF}, 2, 16, false),
            (std::vector<int32_t>{0x1234, 0xFFFE}));
  // int32: 0x12345678 -> 78 56 34 12; INT32_MIN -> 00 00 00 80.
  EXPECT_EQ(pack({0x12345678, INT32_MIN}, 32),
            (Bytes{0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x80}));
  // At 32 bits the bit pattern is returned whatever isSigned says.
  for (bool isSigned : {false, true})
    EXPECT_EQ(unpack({0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x80}, 2, 32,
                     isSigned),
              (std::vector<int32_t>{0x12345678, INT32_MIN}));
}

TEST(PackingTest, OutOfRangeCodesAreMasked) {
  // 0x1F at 4 bits keeps its low nibble 0xF; 16 keeps 0x0; -9 = ...10111
  // keeps 0x7.
  EXPECT_EQ(pack({0x1F, 16}, 4), (Bytes{0x0F}));
  EXPECT_EQ(pack({-9, 0}, 4), (Bytes{0x07}));
  // 4 at 2 bits is 0b100 -> 0; 5 -> 1. Neighbours are not disturbed.
  EXPECT_EQ(pack({3, 4, 3, 5}, 2), (Bytes{0x73}));
}

TEST(PackingTest, WritesExactlyTheRowBytes) {
  // packRow clears the row itself (the buffer starts as garbage) and must
  // not touch the byte after it.
  std::vector<int32_t> codes = {1, 1, 1};
  Bytes out(3, 0xEE);
  ASSERT_TRUE(packRow(codes.data(), 3, 3, out.data())); // 9 bits: 2 bytes
  EXPECT_EQ(out, (Bytes{0x49, 0x00, 0xEE}));            // 1 | 1<<3 | 1<<6
  ASSERT_TRUE(packRow(codes.data(), 0, 4, out.data()));
  EXPECT_EQ(out, (Bytes{0x49, 0x00, 0xEE}));
}

TEST(PackingTest, UnpackIgnoresPaddingBits) {
  // Row [1, 2, 3] at 4 bits with garbage in the padding nibble.
  EXPECT_EQ(unpack({0x21, 0xF3}, 3, 4, false), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(unpack({0xFF}, 1, 2, false), (std::vector<int32_t>{3}));
}

TEST(PackingTest, RejectsBadArguments) {
  int32_t codes[2] = {1, 2};
  uint8_t out[8] = {0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB};
  EXPECT_FALSE(packRow(codes, 2, 0, out));
  EXPECT_FALSE(packRow(codes, 2, 33, out));
  EXPECT_FALSE(packRow(codes, -1, 4, out));
  EXPECT_EQ(out[0], 0xAB);
  EXPECT_FALSE(unpackRow(out, 2, 0, true, codes));
  EXPECT_FALSE(unpackRow(out, -2, 4, true, codes));
  EXPECT_EQ(codes[0], 1);
  EXPECT_FALSE(packTensor(codes, {2, -1}, 4, out));
  EXPECT_FALSE(packTensor(codes, {-1, 2}, 4, out));
  EXPECT_FALSE(packTensor(codes, {2}, 40, out));
  EXPECT_FALSE(unpackTensor(out, {-2}, 4, false, codes));
  EXPECT_EQ(out[0], 0xAB);
  EXPECT_TRUE(isPackableBits(1));
  EXPECT_TRUE(isPackableBits(32));
  EXPECT_FALSE(isPackableBits(0));
}

TEST(PackingTest, RandomRowsAgainstReferenceEveryWidth) {
  std::mt19937_64 rng(1234);
  for (unsigned bits = 1; bits <= 32; ++bits) {
    for (bool isSigned : {false, true}) {
      for (int trial = 0; trial < 200; ++trial) {
        size_t n = static_cast<size_t>(rng() % 70);
        std::vector<int32_t> codes = randomCodes(rng, n, bits, isSigned);
        Bytes packed = pack(codes, bits);
        ASSERT_EQ(packed.size(), static_cast<size_t>(packedRowBytes(n, bits)));
        ASSERT_EQ(packed, refPack(codes, bits))
            << bits << " bits, n=" << n << ", signed=" << isSigned;
        ASSERT_EQ(unpack(packed, n, bits, isSigned), codes)
            << bits << " bits, n=" << n << ", signed=" << isSigned;
      }
    }
  }
}

TEST(PackingTest, SignedRoundTripEveryCodeOneToEightBits) {
  // Every code of every width, in every position of a row (so each code
  // meets every bit offset within a byte).
  for (unsigned bits = 1; bits <= 8; ++bits) {
    for (bool isSigned : {false, true}) {
      int32_t lo = isSigned ? -(1 << (bits - 1)) : 0;
      int32_t hi = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
      std::vector<int32_t> codes;
      for (int rep = 0; rep < 9; ++rep)
        for (int32_t c = lo; c <= hi; ++c)
          codes.push_back(c);
      codes.push_back(hi); // odd length, so the last byte has padding
      Bytes packed = pack(codes, bits);
      EXPECT_EQ(unpack(packed, codes.size(), bits, isSigned), codes)
          << bits << " bits, signed=" << isSigned;
    }
  }
}

TEST(PackingTest, TensorRowsAreByteAligned) {
  // Shape [2, 3, 5] at 4 bits: 6 rows of 5 nibbles = 2.5 bytes, padded to 3
  // bytes each: 2 * 3 * 3 = 18 bytes.
  std::vector<int64_t> shape = {2, 3, 5};
  ASSERT_EQ(packedTensorBytes(shape, 4), 18);
  std::vector<int32_t> codes(30);
  for (int i = 0; i < 30; ++i)
    codes[i] = (i % 16) - 8; // signed int4, -8..7
  Bytes out(18, 0xEE);
  ASSERT_TRUE(packTensor(codes.data(), shape, 4, out.data()));
  for (int row = 0; row < 6; ++row) {
    SCOPED_TRACE(row);
    std::vector<int32_t> rowCodes(codes.begin() + row * 5,
                                  codes.begin() + row * 5 + 5);
    Bytes expected = refPack(rowCodes, 4);
    ASSERT_EQ(expected.size(), 3u);
    EXPECT_EQ(Bytes(out.begin() + row * 3, out.begin() + row * 3 + 3),
              expected);
    EXPECT_EQ(out[row * 3 + 2] & 0xF0, 0); // padding nibble
  }
  // Row 0 by hand: codes -8 -7 -6 -5 -4 = 0x8 0x9 0xA 0xB 0xC ->
  // 0x98, 0xBA, 0x0C.
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 3), (Bytes{0x98, 0xBA, 0x0C}));
  // Row 1 starts at byte 3 with element 5, not mid-byte: -3 -2 -1 0 1 =
  // 0xD 0xE 0xF 0x0 0x1 -> 0xED, 0x0F, 0x01.
  EXPECT_EQ(Bytes(out.begin() + 3, out.begin() + 6), (Bytes{0xED, 0x0F, 0x01}));

  std::vector<int32_t> back(30, 99);
  ASSERT_TRUE(unpackTensor(out.data(), shape, 4, true, back.data()));
  EXPECT_EQ(back, codes);
}

TEST(PackingTest, TensorEdgeShapes) {
  // Rank 0: one element, one byte at 2 bits.
  int32_t scalar = -2;
  uint8_t byte = 0xFF;
  ASSERT_TRUE(packTensor(&scalar, {}, 2, &byte));
  EXPECT_EQ(byte, 0x02);
  int32_t back = 0;
  ASSERT_TRUE(unpackTensor(&byte, {}, 2, true, &back));
  EXPECT_EQ(back, -2);
  // A zero-sized dimension writes nothing.
  uint8_t untouched = 0x77;
  ASSERT_TRUE(packTensor(&scalar, {4, 0}, 4, &untouched));
  ASSERT_TRUE(packTensor(&scalar, {0, 4}, 4, &untouched));
  EXPECT_EQ(untouched, 0x77);
}

TEST(PackingTest, RandomTensorsAgainstRowReference) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    unsigned bits = 1 + static_cast<unsigned>(rng() % 8);
    bool isSigned = rng() % 2;
    std::vector<int64_t> shape;
    size_t rank = rng() % 4;
    int64_t numel = 1;
    for (size_t d = 0; d < rank; ++d) {
      shape.push_back(static_cast<int64_t>(rng() % 7));
      numel *= shape.back();
    }
    std::vector<int32_t> codes =
        randomCodes(rng, static_cast<size_t>(numel), bits, isSigned);
    Bytes out(static_cast<size_t>(packedTensorBytes(shape, bits)) + 1, 0xEE);
    ASSERT_TRUE(packTensor(codes.data(), shape, bits, out.data()));
    EXPECT_EQ(out.back(), 0xEE); // nothing past packedTensorBytes
    // Expected: the reference row packing, rows concatenated.
    int64_t inner = shape.empty() ? 1 : shape.back();
    int64_t rows = inner == 0 ? 0 : numel / inner;
    Bytes expected;
    for (int64_t r = 0; r < rows; ++r) {
      Bytes row = refPack(std::vector<int32_t>(codes.begin() + r * inner,
                                               codes.begin() + (r + 1) * inner),
                          bits);
      expected.insert(expected.end(), row.begin(), row.end());
    }
    out.pop_back();
    ASSERT_EQ(out, expected);
    std::vector<int32_t> back(codes.size(), 12345);
    ASSERT_TRUE(unpackTensor(out.data(), shape, bits, isSigned, back.data()));
    ASSERT_EQ(back, codes);
  }
}

} // namespace
