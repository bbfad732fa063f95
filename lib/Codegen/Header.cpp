//===- Header.cpp - The C interface of a compiled model -------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Codegen/Codegen.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/Support/Packing.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::mpq;

static FailureOr<TensorInterface> describeTensor(Value value, Operation *at) {
  auto type = cast<RankedTensorType>(value.getType());
  auto uniform = dyn_cast<UniformType>(type.getElementType());
  if (!uniform)
    return at->emitError() << "model inputs and outputs must be quantized, got "
                           << type;
  TensorInterface t;
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  t.bits = uniform.getWidth();
  t.isSigned = uniform.getIsSigned();
  if (uniform.isPerAxis()) {
    t.axis = uniform.getAxis();
    t.scales.assign(uniform.getScales().asArrayRef().begin(),
                    uniform.getScales().asArrayRef().end());
    t.zeroPoints.assign(uniform.getZeroPoints().begin(),
                        uniform.getZeroPoints().end());
  } else {
    t.scale = uniform.getScale();
    t.zeroPoint = uniform.getZeroPoint();
  }
  t.bytes = packedTensorBytes(t.shape, t.bits);
  if (Operation *def = value.getDefiningOp())
    if (std::optional<int64_t> offset = getArenaOffset(def))
      t.arenaOffset = *offset;
  return t;
}

FailureOr<ModelInterface> mlir::mpq::describeModel(func::FuncOp func,
                                                   StringRef name) {
  ModelInterface model;
  model.name = name.str();
  for (BlockArgument arg : func.getArguments()) {
    QuantizeOp quantize;
    for (Operation *user : arg.getUsers())
      quantize = dyn_cast<QuantizeOp>(user);
    if (!quantize)
      return func.emitError() << "input #" << arg.getArgNumber()
                              << " is not quantized by mpq.quantize";
    auto t = describeTensor(quantize.getResult(), quantize);
    if (failed(t))
      return failure();
    model.inputs.push_back(*t);
  }
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (Value v : ret.getOperands()) {
    auto dq = v.getDefiningOp<DequantizeOp>();
    if (!dq)
      return ret.emitError() << "every model output must be an mpq.dequantize";
    auto t = describeTensor(dq.getInput(), dq);
    if (failed(t))
      return failure();
    model.outputs.push_back(*t);
  }
  return model;
}

/// A C float literal for `v` as a float (what mpq.quantize divides by):
/// "%.9g" round-trips a float, but not a double, whose 9 digits may lie
/// nearer another float (2/255 printed as 0.00784313725f is one float below
/// (float)(2/255), and flipped input codes at ties); "1" needs a ".0" before
/// its "f".
static std::string floatLiteral(double v) {
  std::string text =
      llvm::formatv("{0}", llvm::format("%.9g", double(float(v)))).str();
  if (text.find_first_of(".eEni") == std::string::npos)
    text += ".0";
  return text + "f";
}

static void emitTensorMacros(llvm::raw_ostream &os, StringRef prefix,
                             const TensorInterface &t) {
  os << "#define " << prefix << "_BYTES " << t.bytes << "\n";
  os << "#define " << prefix << "_RANK " << t.shape.size() << "\n";
  os << "#define " << prefix << "_SHAPE {";
  llvm::interleaveComma(t.shape, os);
  os << "}\n";
  int64_t elements = 1;
  for (int64_t d : t.shape)
    elements *= d;
  os << "#define " << prefix << "_ELEMENTS " << elements << "\n";
  os << "#define " << prefix << "_BITS " << t.bits << "\n";
  os << "#define " << prefix << "_SIGNED " << (t.isSigned ? 1 : 0) << "\n";
  if (t.axis < 0) {
    os << "#define " << prefix << "_SCALE " << floatLiteral(t.scale) << "\n";
    os << "#define " << prefix << "_ZERO_POINT " << t.zeroPoint << "\n";
  } else {
    // Per axis: no single SCALE/ZERO_POINT, so code assuming one fails to
    // compile rather than silently using the first channel's.
    os << "#define " << prefix << "_AXIS " << t.axis << "\n";
    os << "#define " << prefix << "_SCALES {";
    llvm::interleaveComma(t.scales, os,
                          [&](double v) { os << floatLiteral(v); });
    os << "}\n";
    os << "#define " << prefix << "_ZERO_POINTS {";
    llvm::interleaveComma(t.zeroPoints, os);
    os << "}\n";
  }
  if (t.arenaOffset >= 0)
    os << "#define " << prefix << "_ARENA_OFFSET " << t.arenaOffset << "\n";
}

/// For the helpers of a per-axis tensor: the tables, and the stride that
/// turns a flat element index into an index along the axis.
static void emitGridLookup(llvm::raw_ostream &os, StringRef prefix,
                           const TensorInterface &t) {
  if (t.axis < 0)
    return;
  int64_t stride = 1;
  for (size_t d = t.axis + 1; d < t.shape.size(); ++d)
    stride *= t.shape[d];
  os << "  static const float scales[] = " << prefix << "_SCALES;\n"
     << "  static const int32_t zero_points[] = " << prefix << "_ZERO_POINTS;\n"
     << "  const int64_t stride = " << stride << ", size = " << t.shape[t.axis]
     << ";\n";
}
static std::string gridScale(StringRef prefix, const TensorInterface &t) {
  return t.axis < 0 ? (prefix + "_SCALE").str()
                    : std::string("scales[(i / stride) % size]");
}
static std::string gridZeroPoint(StringRef prefix, const TensorInterface &t) {
  return t.axis < 0 ? (prefix + "_ZERO_POINT").str()
                    : std::string("zero_points[(i / stride) % size]");
}

void mlir::mpq::emitHeader(const ModelInterface &model, llvm::raw_ostream &os) {
  std::string upper = llvm::StringRef(model.name).upper();
  const std::string &n = model.name;
  os << "/* " << n << ".h - generated by mpqc; do not edit.\n"
     << " *\n"
     << " * Link " << n << ".o and call " << n << "_run(...). Tensors are\n"
     << " * quantized integer codes, packed along the innermost dimension\n"
     << " * (element 0 in the low bits of a byte, each innermost row starting\n"
     << " * on a byte boundary), in the model's own dimension order (the\n"
     << " * SHAPE macros). real = SCALE * (code - ZERO_POINT), or per index\n"
     << " * along AXIS with SCALES and ZERO_POINTS. 32-bit outputs are\n"
     << " * whole little-endian integers.\n"
     << " * The arena holds every activation, the input and the outputs; pass\n"
     << " * " << upper << "_ARENA_BYTES bytes\n"
     << " * aligned to " << upper << "_ARENA_ALIGN. Nothing is allocated at "
     << "run time.\n"
     << " * The input is copied into the arena and the outputs out of it; to\n"
     << " * avoid the copies (and their RAM), pass arena + *_ARENA_OFFSET as "
        "the\n"
     << " * input and output buffers.\n";
  if (!model.summary.empty()) {
    os << " *\n * Memory summary:\n";
    for (const std::string &line : model.summary)
      os << " *   " << line << "\n";
  }
  os << " */\n";
  os << "#ifndef " << upper << "_H\n#define " << upper << "_H\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "#define " << upper << "_ARENA_BYTES " << model.arenaBytes << "\n";
  os << "#define " << upper << "_ARENA_ALIGN " << model.arenaAlign << "\n";
  os << "#define " << upper << "_NUM_INPUTS " << model.inputs.size() << "\n";
  os << "#define " << upper << "_NUM_OUTPUTS " << model.outputs.size()
     << "\n\n";
  for (auto [i, t] : llvm::enumerate(model.inputs))
    emitTensorMacros(os, upper + "_INPUT" + std::to_string(i), t);
  for (auto [i, t] : llvm::enumerate(model.outputs))
    emitTensorMacros(os, upper + "_OUTPUT" + std::to_string(i), t);

  os << "\n/* Runs the model; returns 0. */\nint32_t " << n << "_run(";
  for (size_t i = 0; i < model.inputs.size(); ++i)
    os << "const void *input" << i << ", ";
  for (size_t i = 0; i < model.outputs.size(); ++i)
    os << "void *output" << i << ", ";
  os << "void *arena);\n\n";

  // Host-side helpers: the float boundary stays out of the integer code.
  // They follow mpq.quantize: x / scale in float, round half to even,
  // saturate; then packing.
  os << "static inline int32_t " << n
     << "_round_half_even(float v) {\n"
        "  /* Saturate first: the caller clamps to the code range (NaN to "
        "lo). */\n"
        "  if (!(v > -2147483520.0f)) return INT32_MIN;\n"
        "  if (v > 2147483520.0f) return INT32_MAX;\n"
        "  float t = (float)(int32_t)v; /* toward zero */\n"
        "  float r = v - t;\n"
        "  if (r > 0.5f || (r == 0.5f && ((int32_t)t & 1))) return (int32_t)t "
        "+ 1;\n"
        "  if (r < -0.5f || (r == -0.5f && ((int32_t)t & 1))) return "
        "(int32_t)t - 1;\n"
        "  return (int32_t)t;\n}\n\n";
  os << "static inline void " << n
     << "_put(uint8_t *buf, int64_t inner, int bits, int64_t i, int32_t "
        "code) {\n"
        "  int64_t row = i / inner, col = i % inner;\n"
        "  int64_t at = row * ((inner * bits + 7) / 8) * 8 + col * bits;\n"
        "  uint8_t mask = (uint8_t)(((1u << bits) - 1u) << (at % 8));\n"
        "  buf[at / 8] = (uint8_t)((buf[at / 8] & ~mask) | "
        "(((uint32_t)code << (at % 8)) & mask));\n}\n\n";
  os << "static inline int32_t " << n
     << "_get(const uint8_t *buf, int64_t inner, int bits, int is_signed, "
        "int64_t i) {\n"
        "  int64_t row = i / inner, col = i % inner;\n"
        "  int64_t at = row * ((inner * bits + 7) / 8) * 8 + col * bits;\n"
        "  uint32_t v = 0;\n"
        "  if (bits > 8) /* 32 bits: whole little-endian bytes */\n"
        "    for (int k = 0; k < bits / 8; ++k)\n"
        "      v |= (uint32_t)buf[at / 8 + k] << (8 * k);\n"
        "  else\n"
        "    v = (uint32_t)(buf[at / 8] >> (at % 8)) & ((1u << bits) - "
        "1u);\n"
        "  if (is_signed && bits < 32 && ((v >> (bits - 1)) & 1u))\n"
        "    v |= ~((1u << bits) - 1u);\n"
        "  return (int32_t)v;\n}\n\n";
  for (auto [i, t] : llvm::enumerate(model.inputs)) {
    std::string p = upper + "_INPUT" + std::to_string(i);
    int64_t lo = t.isSigned ? -(int64_t(1) << (t.bits - 1)) : 0;
    int64_t hi = t.isSigned ? (int64_t(1) << (t.bits - 1)) - 1
                            : (int64_t(1) << t.bits) - 1;
    os << "/* float input (model layout) -> packed codes of input " << i
       << ". */\nstatic inline void " << n << "_quantize_input" << i
       << "(const float *x, void *codes) {\n";
    emitGridLookup(os, p, t);
    os << "  for (int64_t i = 0; i < " << p << "_ELEMENTS; ++i) {\n"
       << "    int32_t q = " << n << "_round_half_even(x[i] / "
       << gridScale(p, t) << ") + " << gridZeroPoint(p, t) << ";\n"
       << "    q = q < " << lo << " ? " << lo << " : q > " << hi << " ? " << hi
       << " : q;\n"
       << "    " << n << "_put((uint8_t *)codes, " << t.shape.back() << ", "
       << t.bits << ", i, q);\n  }\n}\n\n";
  }
  for (auto [i, t] : llvm::enumerate(model.outputs)) {
    std::string p = upper + "_OUTPUT" + std::to_string(i);
    os << "/* packed codes of output " << i
       << " -> float (model layout). */\nstatic inline void " << n
       << "_dequantize_output" << i << "(const void *codes, float *y) {\n";
    emitGridLookup(os, p, t);
    os << "  for (int64_t i = 0; i < " << p << "_ELEMENTS; ++i)\n"
       << "    y[i] = " << gridScale(p, t) << " * (float)(" << n
       << "_get((const uint8_t *)codes, " << t.shape.back() << ", " << t.bits
       << ", " << p << "_SIGNED, i) - " << gridZeroPoint(p, t) << ");\n}\n\n";
  }
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << upper << "_H */\n";
}
