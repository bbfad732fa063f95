/*===- mpq-c/Compiler.h - mpq's compiler from C -------------------*- C -*-===*\
|*                                                                            *|
|* Part of the mpq project.                                                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * The C API over mpq/Compiler/Compiler.h, in the style of MLIR's C API
 * (mlir-c/IR.h): opaque handles holding a pointer, created and destroyed in
 * pairs, strings passed back as MpqStringRef.
 *
 *   MpqCompileOptions options = mpqCompileOptionsCreate();
 *   if (mpqLogicalResultIsFailure(
 *           mpqCompileOptionsSetTarget(options, "cortex-m7")))
 *     puts(mpqCompileOptionsGetError(options).data);
 *   mpqCompileOptionsSetFlash(options, "64kB");
 *   mpqCompileOptionsSetRamBytes(options, 32000);
 *   MpqCompileResult result = mpqCompileFile(options, "model.onnx");
 *   if (mpqCompileResultSucceeded(result))
 *     fwrite(mpqCompileResultGetObject(result).data, 1,
 *            mpqCompileResultGetObject(result).length, file);
 *   else
 *     fputs(mpqCompileResultGetError(result).data, stderr);
 *   mpqCompileResultDestroy(result);
 *   mpqCompileOptionsDestroy(options);
 *
 * Errors are values: nothing here exits, aborts or prints. A setter given a
 * bad value returns failure, leaves the option as it was and keeps a message
 * (mpqCompileOptionsGetError); a compile always returns a result, whose error
 * text holds every diagnostic as mpqc prints it. Names are the ones mpqc and
 * the passes accept (any case, '_' for '-').
 *
 * Every compile runs in an MLIR context of its own: separate results may be
 * made on separate threads at once, and several compiles may read the same
 * options handle at once; an options handle must not be modified while a
 * compile reads it.
 *
 * Every MpqStringRef returned points into the handle it came from, stays valid
 * until that handle is destroyed (for options: until it is next modified) and
 * is followed by a NUL byte, so `data` is also a C string (binary outputs such
 * as the object file may contain NULs themselves: use `length`).
 */

#ifndef MPQ_C_COMPILER_H
#define MPQ_C_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) || defined(__CYGWIN__)
#define MPQ_CAPI_EXPORTED
#else
#define MPQ_CAPI_EXPORTED __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MPQ_DEFINE_C_API_STRUCT(name, storage)                                 \
  struct name {                                                                \
    storage *ptr;                                                              \
  };                                                                           \
  typedef struct name name

/** What to compile and under which budgets (mlir::mpq::CompileOptions). */
MPQ_DEFINE_C_API_STRUCT(MpqCompileOptions, void);
/** What a compile produced, or why it failed (mlir::mpq::CompileResult). */
MPQ_DEFINE_C_API_STRUCT(MpqCompileResult, void);

#undef MPQ_DEFINE_C_API_STRUCT

/*===----------------------------------------------------------------------===*
 * Strings and results
 *===----------------------------------------------------------------------===*/

/** A string owned by someone else: `length` bytes at `data`. */
struct MpqStringRef {
  const char *data;
  size_t length;
};
typedef struct MpqStringRef MpqStringRef;

/** Success or failure; inspect with the functions below. */
struct MpqLogicalResult {
  int8_t value;
};
typedef struct MpqLogicalResult MpqLogicalResult;

static inline bool mpqLogicalResultIsSuccess(MpqLogicalResult result) {
  return result.value != 0;
}

static inline bool mpqLogicalResultIsFailure(MpqLogicalResult result) {
  return result.value == 0;
}

/** "mpq version 0.3.0 (git b5de723)": what every mpq tool's --version prints
 * first. Static storage. */
MPQ_CAPI_EXPORTED MpqStringRef mpqGetVersion(void);

/*===----------------------------------------------------------------------===*
 * Options
 *===----------------------------------------------------------------------===*/

/** The defaults of mpqc: cortex-m7, 2 MiB of flash, 512 KiB of RAM, pc-icn,
 * optimize auto, 4 synthetic calibration inputs, emit obj,header,report,svg. */
MPQ_CAPI_EXPORTED MpqCompileOptions mpqCompileOptionsCreate(void);

MPQ_CAPI_EXPORTED void mpqCompileOptionsDestroy(MpqCompileOptions options);

/** The message of the last setter that failed (empty if none has), e.g.
 * "'riscv' is not a valid target (expected one of cortex-m0plus, cortex-m3,
 * cortex-m4, cortex-m7, cortex-m33, cortex-m55, x86_64)". */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileOptionsGetError(MpqCompileOptions options);

/** cortex-m0plus, cortex-m3, cortex-m4, cortex-m7, cortex-m33, cortex-m55
 * or x86_64. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetTarget(MpqCompileOptions options, const char *target);

/** The float ABI of a Cortex-M object: soft, softfp or hard (default: hard
 * on cores with an FPU, soft on the others). A compile for x86_64, or with
 * softfp/hard for a core without an FPU, fails with mpqc's message. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetFloatAbi(MpqCompileOptions options, const char *abi);

/** pc-icn, pl-icn or pl-fb. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetScheme(MpqCompileOptions options, const char *scheme);

/** The precision assignment strategy: rule (docs/paper.md §4) or search
 * (least total sensitivity under both budgets, solved exactly). */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetStrategy(MpqCompileOptions options, const char *strategy);

/** How the activations the assignment quantizes round: "nearest" (default,
 * post-training quantization) or "floor" (PACT, for a model trained with
 * it); a model's own fake-quants keep their rounding. */
MPQ_CAPI_EXPORTED MpqLogicalResult mpqCompileOptionsSetActivationRounding(
    MpqCompileOptions options, const char *rounding);

/** How calibration chooses each activation's range from the values it
 * observed: "minmax" (default), "percentile", "mse" (the clip range of
 * least quantization error at the activation's width) or "auto" (per
 * activation, the one of those three whose range gives the model's output
 * the least error against the float model on the calibration inputs). */
MPQ_CAPI_EXPORTED MpqLogicalResult mpqCompileOptionsSetCalibrationRange(
    MpqCompileOptions options, const char *range);

/** strategy=search: a JSON table of each layer's sensitivity per width
 * (the `sensitivity=` file of --mpq-assign-precision); "" for the proxy. */
MPQ_CAPI_EXPORTED MpqLogicalResult mpqCompileOptionsSetSensitivityFile(
    MpqCompileOptions options, const char *path);

/** auto, speed or size. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetOptimize(MpqCompileOptions options, const char *goal);

/** model (the ONNX graph's NCHW) or nhwc. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetInputLayout(MpqCompileOptions options, const char *layout);

/** The flash budget (weights + parameters + code) in bytes; fails below 0. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetFlashBytes(MpqCompileOptions options, int64_t bytes);

/** The RAM budget (the arena and the generated code's stack) in bytes;
 * fails below 0. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetRamBytes(MpqCompileOptions options, int64_t bytes);

/** What the application keeps beside the model (mpqc's --reserve-flash and
 * --reserve-ram), counted in the fit, in bytes; fail below 0. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetReserveFlashBytes(MpqCompileOptions options, int64_t bytes);
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetReserveRamBytes(MpqCompileOptions options, int64_t bytes);

/** The flash for weights and parameters during precision assignment, in
 * bytes; -1 unsets it (the default: the flash budget, less the code if the
 * total misses it). */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetWeightBudgetBytes(MpqCompileOptions options, int64_t bytes);

/** The same budgets from a size as mpqc takes it: "65536", "64kB", "2MiB"
 * (B, kB, KiB, MB, MiB); the weight budget also takes "none". */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetFlash(MpqCompileOptions options, const char *size);
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetRam(MpqCompileOptions options, const char *size);
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetWeightBudget(MpqCompileOptions options, const char *size);

/** The prefix of every generated symbol: a C identifier, or "" for one made
 * from the file name (the default). */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetName(MpqCompileOptions options, const char *name);

/** Holds a layer's widths fixed: "layer:wbits:abits", 0 leaving a width free.
 * Whether the layer exists is checked by the compile. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsAddPin(MpqCompileOptions options, const char *pin);

/** Binds an input's symbolic dimensions: "name:1x49x10x1" (the name is
 * everything before the last ':'). Whether the input exists and the shape
 * agrees with it is checked by the compile. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsAddInputShape(MpqCompileOptions options, const char *shape);

/** A calibration input (.npy: one input, or a batch along dim 0). */
MPQ_CAPI_EXPORTED void
mpqCompileOptionsAddCalibrationFile(MpqCompileOptions options,
                                    const char *path);

/** How many synthetic calibration inputs to use when no file is given. */
MPQ_CAPI_EXPORTED void
mpqCompileOptionsSetSyntheticInputs(MpqCompileOptions options, unsigned count);

/** Whether a layer may write its output over an input that dies there
 * (mpqc's --in-place; the default: nonzero). */
MPQ_CAPI_EXPORTED void mpqCompileOptionsSetInPlace(MpqCompileOptions options,
                                                   int enabled);

/** Whether groups of layers (chains of convolutions, residual blocks) may
 * run row by row, the tensors between them in line buffers of a few rows, where
 * that lowers the arena (mpqc's
 * --fuse-rows; the default: 0). */
MPQ_CAPI_EXPORTED void mpqCompileOptionsSetFuseRows(MpqCompileOptions options,
                                                    int enabled);

/** The outputs to produce, a comma-separated list of obj, header, report,
 * svg, mlir, llvm-ir (the default: obj,header,report,svg). The object is
 * always generated, since its sizes are checked, but returned only if asked
 * for. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsSetEmit(MpqCompileOptions options, const char *kinds);

/** Adds one output kind to those already asked for. */
MPQ_CAPI_EXPORTED MpqLogicalResult
mpqCompileOptionsAddEmit(MpqCompileOptions options, const char *kind);

/*===----------------------------------------------------------------------===*
 * Compiling
 *===----------------------------------------------------------------------===*/

/** Compiles the ONNX model at `path`. A null `options` handle means the
 * defaults. Always returns a result (destroy it); check it succeeded. */
MPQ_CAPI_EXPORTED MpqCompileResult mpqCompileFile(MpqCompileOptions options,
                                                  const char *path);

/** Compiles an ONNX model held in memory; `fileName` names it in messages
 * and gives the default model name. */
MPQ_CAPI_EXPORTED MpqCompileResult mpqCompileBuffer(MpqCompileOptions options,
                                                    const void *data,
                                                    size_t size,
                                                    const char *fileName);

MPQ_CAPI_EXPORTED void mpqCompileResultDestroy(MpqCompileResult result);

MPQ_CAPI_EXPORTED bool mpqCompileResultSucceeded(MpqCompileResult result);

/** Every error and warning with its location and notes, one per line as mpqc
 * prints them ("<file>:0:0: error: cannot open: ...", "error: the arena does
 * not fit ..."); empty if the compile succeeded without warnings. */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetError(MpqCompileResult result);

/** The remarks on what the compiler decided (a retry with code optimized for
 * size, a smaller weight budget), "note: ..." lines as mpqc prints them. */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetNotes(MpqCompileResult result);

/* Everything below is zero or empty if the compile failed. */

/** The model name (the symbol prefix). */
MPQ_CAPI_EXPORTED MpqStringRef mpqCompileResultGetName(MpqCompileResult result);

/** The target's name as mpqCompileOptionsSetTarget takes it ("cortex-m7"). */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetTarget(MpqCompileResult result);

/** What the code was optimized for in the end: "speed" or "size". */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetCodeGoal(MpqCompileResult result);

/** Whether the model came with integer ops (its widths are its own). */
MPQ_CAPI_EXPORTED bool mpqCompileResultIsIntegerModel(MpqCompileResult result);

/** "w=<one digit per weight layer> a=<one per activation>", or "as imported
 * (integer model)". */
MPQ_CAPI_EXPORTED MpqStringRef mpqCompileResultGetBits(MpqCompileResult result);

/** Flash: .rodata (weights + parameters as stored) + .text (code). */
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetFlashBytes(MpqCompileResult result);
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetRodataBytes(MpqCompileResult result);
MPQ_CAPI_EXPORTED int64_t mpqCompileResultGetCodeBytes(MpqCompileResult result);
/** Weights + parameters as the memory model counts them. */
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetModelFlashBytes(MpqCompileResult result);
/** The budget precision assignment ran with in the end. */
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetWeightBudgetBytes(MpqCompileResult result);
/** The arena (activations, inputs, outputs) and the planner's lower bound. */
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetArenaBytes(MpqCompileResult result);
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetArenaLowerBoundBytes(MpqCompileResult result);
/** The generated code's frames (.stack_sizes); -1 if the object does not
 * record them. */
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetStackBytes(MpqCompileResult result);
/** Multiply-accumulates per inference. */
MPQ_CAPI_EXPORTED int64_t mpqCompileResultGetMacs(MpqCompileResult result);

/** The weight layers, in program order, with their widths and sizes. An
 * index out of range gives "" and 0. */
MPQ_CAPI_EXPORTED intptr_t
mpqCompileResultGetNumLayers(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetLayerName(MpqCompileResult result, intptr_t index);
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetLayerKind(MpqCompileResult result, intptr_t index);
MPQ_CAPI_EXPORTED unsigned
mpqCompileResultGetLayerWeightBits(MpqCompileResult result, intptr_t index);
MPQ_CAPI_EXPORTED unsigned
mpqCompileResultGetLayerInputBits(MpqCompileResult result, intptr_t index);
MPQ_CAPI_EXPORTED unsigned
mpqCompileResultGetLayerOutputBits(MpqCompileResult result, intptr_t index);
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetLayerWeightBytes(MpqCompileResult result, intptr_t index);
MPQ_CAPI_EXPORTED int64_t
mpqCompileResultGetLayerParamBytes(MpqCompileResult result, intptr_t index);
/** True if the layer's weights have one grid (and its batch norm is folded
 * into them): one requantization multiplier, the PL+FB parameters. */
MPQ_CAPI_EXPORTED bool
mpqCompileResultGetLayerPerLayerWeights(MpqCompileResult result,
                                        intptr_t index);

/** The outputs asked for (mpqCompileOptionsSetEmit; the others are empty):
 * the object file, the C header, report.json, the arena plan as SVG, the
 * integer-level MLIR and the LLVM IR. */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetObject(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetHeader(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetReport(MpqCompileResult result);
/** The report for a person (NAME.report.md). */
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetReportMarkdown(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef mpqCompileResultGetSvg(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef mpqCompileResultGetMlir(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetLLVMIR(MpqCompileResult result);

/** The summary mpqc prints (flash, RAM, MACs, bits), one line each. */
MPQ_CAPI_EXPORTED intptr_t
mpqCompileResultGetNumSummaryLines(MpqCompileResult result);
MPQ_CAPI_EXPORTED MpqStringRef
mpqCompileResultGetSummaryLine(MpqCompileResult result, intptr_t index);

#ifdef __cplusplus
}
#endif

#endif /* MPQ_C_COMPILER_H */
