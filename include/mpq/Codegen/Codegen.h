//===- Codegen.h - From loops to object code and a C header -----*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The back end: the loops of --mpq-lower-to-loops go through the upstream
// conversions to the LLVM dialect, LLVM IR, LLVM's optimizer and a
// TargetMachine in process, for x86-64 (host tests) or a Cortex-M core
// (M0+, M3, M4, M7, M33, M55; docs/design.md, "Targets"). The interface a
// user compiles against is described from the integer graph, before it
// becomes loops.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_CODEGEN_CODEGEN_H
#define MPQ_CODEGEN_CODEGEN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::mpq {

enum class CodegenTarget {
  X86_64,
  CortexM7,
  CortexM0Plus,
  CortexM3,
  CortexM4,
  CortexM33,
  CortexM55
};

/// The floating-point ABI an Arm object declares (its ELF attributes) and
/// would pass float arguments with. The generated code has no floating point;
/// the ABI only has to match the firmware's for the link: soft (no FPU use at
/// all), softfp (FPU allowed, arguments in core registers), hard (arguments
/// in FPU registers, `Tag_ABI_VFP_args`).
enum class FloatABI { Soft, SoftFP, Hard };

/// What code generation needs to know about a target.
struct TargetInfo {
  CodegenTarget target;
  /// The --target spelling ("cortex-m4"; Compiler.h parses it).
  const char *name;
  /// The LLVM triple with the soft-float (base AAPCS) environment, and the
  /// CPU; the hard-float ABI uses the triple's "eabihf" variant.
  const char *triple, *cpu;
  bool isArm;
  /// A floating-point unit (M4, M7, M33, M55), and the DSP extension's SIMD
  /// multiply-accumulates (SMLAD; M4, M7, M33, M55).
  bool hasFPU, hasDSP;
  /// The pointer width, the width of index arithmetic.
  unsigned pointerBits;
};

const TargetInfo &getTargetInfo(CodegenTarget target);

/// Every target, in the order --help lists them.
ArrayRef<TargetInfo> allTargets();

/// The --target spelling of `target` ("x86_64", "cortex-m7", ...).
StringRef codegenTargetName(CodegenTarget target);

/// The pointer width of `target`: 64 for x86_64, 32 for the Cortex-M cores.
unsigned codegenIndexBitwidth(CodegenTarget target);

/// The float ABI an Arm target uses when none is asked for: hard where the
/// core has an FPU (what its vendors' toolchains default to), soft otherwise.
FloatABI defaultFloatABI(CodegenTarget target);

/// Why `abi` cannot be used for `target` (x86_64 takes none; hard and softfp
/// need an FPU), or nullopt if it can. No ABI asked for is always fine.
std::optional<std::string> checkFloatABI(CodegenTarget target,
                                         std::optional<FloatABI> abi);

/// "soft", "softfp" or "hard".
StringRef floatABIName(FloatABI abi);

/// What LLVM optimizes generated code for: speed (O2) or size (Os).
enum class CodegenGoal { Speed, Size };

/// Translates an LLVM-dialect module to LLVM IR, optimizes it for `target`
/// and `goal`, places every constant global in `.rodata.mpq.<model>` and
/// writes an object file to `os` (and the optimized LLVM IR to `llvmIR` if
/// given). An Arm object declares `floatAbi` (default: defaultFloatABI); a
/// combination checkFloatABI rejects is an error.
LogicalResult emitObject(ModuleOp module, CodegenTarget target,
                         StringRef modelName, llvm::raw_pwrite_stream &os,
                         std::string *llvmIR = nullptr,
                         CodegenGoal goal = CodegenGoal::Speed,
                         std::optional<FloatABI> floatAbi = std::nullopt);

/// emitObject's objects for a compile that keeps only their sizes (mpqc's
/// size probe): the module's functions dealt into `parts` modules, each
/// optimized and emitted on a thread of its own, one object each. A call to
/// a function of another part calls a declaration, so the parts' code and
/// data add up to one object's within a few bytes.
FailureOr<std::vector<std::string>>
emitObjectParts(ModuleOp module, CodegenTarget target, StringRef modelName,
                unsigned parts, CodegenGoal goal = CodegenGoal::Speed,
                std::optional<FloatABI> floatAbi = std::nullopt);

/// One model input or output as the generated code exchanges it.
struct TensorInterface {
  std::vector<int64_t> shape;
  unsigned bits = 8;
  bool isSigned = false;
  double scale = 1.0;
  int64_t zeroPoint = 0;
  /// Per-axis quantization: the axis (in the model's dimension order) and
  /// one scale and zero point per index along it; axis < 0 is per tensor.
  int64_t axis = -1;
  std::vector<double> scales;
  std::vector<int64_t> zeroPoints;
  int64_t bytes = 0; ///< Packed size (rows along the innermost dimension).
  /// Where the planned arena holds it (-1 if the graph was not planned): a
  /// caller may pass arena + offset as the buffer and skip the copy.
  int64_t arenaOffset = -1;
};

struct ModelInterface {
  std::string name;
  std::vector<TensorInterface> inputs, outputs;
  int64_t arenaBytes = 0;
  int64_t arenaAlign = 16;
  /// Free-form lines for the header's memory summary comment.
  std::vector<std::string> summary;
};

/// Reads the interface off an integer graph (--mpq-lower-fake-quant output):
/// inputs are the mpq.quantize results, outputs the values mpq.dequantize
/// reads.
FailureOr<ModelInterface> describeModel(func::FuncOp integerGraph,
                                        StringRef name);

/// The C header of a compiled model: entry point, sizes, shapes, layouts,
/// bit-widths, scales and zero points, and host-side helpers that quantize
/// float inputs and dequantize outputs.
void emitHeader(const ModelInterface &model, llvm::raw_ostream &os);

} // namespace mlir::mpq

#endif // MPQ_CODEGEN_CODEGEN_H
