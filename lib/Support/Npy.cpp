//===- Npy.cpp - Reading and writing NumPy .npy arrays --------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/Npy.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace mlir::mpq;

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// The value of `key` in the header dict, e.g. 'descr': '<f4' -> <f4.
static bool findField(const std::string &header, const std::string &key,
                      std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at = header.find(':', at);
  if (at == std::string::npos)
    return false;
  ++at;
  while (at < header.size() && header[at] == ' ')
    ++at;
  if (at >= header.size())
    return false;
  char open = header[at];
  char close = open == '(' ? ')' : open;
  if (open != '\'' && open != '(') {
    size_t end = header.find_first_of(",}", at);
    value = header.substr(at, end - at);
    return true;
  }
  size_t end = header.find(close, at + 1);
  if (end == std::string::npos)
    return false;
  value = header.substr(at + 1, end - at - 1);
  return true;
}

bool mlir::mpq::parseNpy(const std::string &bytes, NpyArray &array,
                         std::string &error) {
  static const char magic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, magic, 6) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    error = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (bytes.size() < headerStart + headerLen) {
    error = "truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(headerStart, headerLen);
  std::string descr, order, shape;
  if (!findField(header, "descr", descr) ||
      !findField(header, "fortran_order", order) ||
      !findField(header, "shape", shape)) {
    error = "malformed .npy header: " + header;
    return false;
  }
  if (order.rfind("False", 0) != 0) {
    error = "Fortran-ordered arrays are not supported";
    return false;
  }
  array.shape.clear();
  std::stringstream dims(shape);
  std::string dim;
  while (std::getline(dims, dim, ',')) {
    size_t first = dim.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    char *end = nullptr;
    errno = 0;
    long long value = std::strtoll(dim.c_str() + first, &end, 10);
    if (value < 0 || end == dim.c_str() + first || errno == ERANGE ||
        dim.find_first_not_of(' ', end - dim.c_str()) != std::string::npos) {
      error = "malformed .npy shape (" + shape + "): dimension '" +
              dim.substr(first) + "'";
      return false;
    }
    array.shape.push_back(value);
  }
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|')) {
    error = "unsupported dtype '" + descr + "' (little-endian only)";
    return false;
  }
  char kind = descr[1];
  int width = std::atoi(descr.c_str() + 2);
  bool supported = (kind == 'f' && (width == 4 || width == 8)) ||
                   ((kind == 'i' || kind == 'u') &&
                    (width == 1 || width == 2 || width == 4 || width == 8));
  if (!supported) {
    error = "unsupported dtype '" + descr + "'";
    return false;
  }
  array.dtype = descr;
  // The shape is data from the file: count it with overflow checks, and the
  // data must be exactly what it describes.
  int64_t count = 1, expected = 0;
  bool overflow = false;
  for (int64_t d : array.shape)
    overflow |= __builtin_mul_overflow(count, d, &count);
  if (overflow || __builtin_mul_overflow(count, int64_t(width), &expected)) {
    error = "the .npy shape (" + shape + ") of " + descr +
            " elements overflows int64 bytes";
    return false;
  }
  const char *data = bytes.data() + headerStart + headerLen;
  int64_t available =
      static_cast<int64_t>(bytes.size() - headerStart - headerLen);
  if (available != expected) {
    error = std::string(available < expected ? "truncated" : "oversized") +
            " .npy data: the shape (" + shape + ") of " + descr + " needs " +
            std::to_string(expected) + " bytes, the file has " +
            std::to_string(available);
    return false;
  }
  array.reals.clear();
  array.ints.clear();
  for (int64_t i = 0; i < count; ++i) {
    const char *p = data + i * width;
    if (kind == 'f') {
      if (width == 4) {
        float v;
        std::memcpy(&v, p, 4);
        array.reals.push_back(v);
      } else {
        double v;
        std::memcpy(&v, p, 8);
        array.reals.push_back(v);
      }
      continue;
    }
    uint64_t raw = 0;
    std::memcpy(&raw, p, width); // little-endian host
    int64_t v;
    if (kind == 'u' || width == 8) {
      v = static_cast<int64_t>(raw);
    } else {
      uint64_t sign = uint64_t(1) << (8 * width - 1);
      v = static_cast<int64_t>((raw ^ sign) - sign);
    }
    array.ints.push_back(v);
  }
  return true;
}

bool mlir::mpq::readNpy(const std::string &path, NpyArray &array,
                        std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!parseNpy(buffer.str(), array, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

std::string mlir::mpq::serializeNpy(const NpyArray &array) {
  std::string shape = "(";
  for (int64_t d : array.shape)
    shape += std::to_string(d) + ", ";
  if (array.shape.size() > 1)
    shape.resize(shape.size() - 1), shape.back() = ')';
  else if (array.shape.size() == 1)
    shape.resize(shape.size() - 1), shape.back() = ',', shape += ")";
  else
    shape += ")";
  std::string header = "{'descr': '" + array.dtype +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so the data starts on a 64-byte boundary, ending with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  int width = std::atoi(array.dtype.c_str() + 2);
  if (array.isFloat()) {
    for (double v : array.reals) {
      if (width == 4) {
        float f = static_cast<float>(v);
        out.append(reinterpret_cast<const char *>(&f), 4);
      } else {
        out.append(reinterpret_cast<const char *>(&v), 8);
      }
    }
  } else {
    for (int64_t v : array.ints)
      out.append(reinterpret_cast<const char *>(&v), width);
  }
  return out;
}
