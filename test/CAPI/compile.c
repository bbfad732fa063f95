/*===- compile.c - The C API's test program -------------------------------===*\
|*                                                                            *|
|* Part of the mpq project.                                                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 *   mpq-capi-test MODEL.onnx OUTDIR
 *
 * Compiles MODEL through mpq-c/Compiler.h for the Cortex-M7 under 64 kB of
 * flash and 32 kB of RAM (mpqc --flash=64kB --ram=32kB), writes the object and
 * the report to OUTDIR/<name>.o and OUTDIR/<name>.report.json for capi.test
 * to compare with mpqc's, and prints
 *
 *   arena <bytes> flash <bytes> bits <bits>
 *
 * Then the same model from memory, twice at once on two threads, must give
 * the same object; and each error path must fail with its message: a missing
 * file, a bad target, size, scheme, output kind, pin, an impossible flash
 * budget, a pin on a layer the model lacks. Every failed check prints
 * "FAIL: ..."; the exit status is 0 only if there was none.
 */

#include "mpq-c/Compiler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      printf("FAIL: line %d: %s: ", __LINE__, #cond);                          \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  } while (0)

static bool contains(MpqStringRef text, const char *part) {
  return text.data && strstr(text.data, part) != NULL;
}

static bool equals(MpqStringRef a, MpqStringRef b) {
  return a.length == b.length && memcmp(a.data, b.data, a.length) == 0;
}

static bool writeFile(const char *dir, MpqStringRef name, const char *suffix,
                      MpqStringRef bytes) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%.*s%s", dir, (int)name.length, name.data,
           suffix);
  FILE *file = fopen(path, "wb");
  if (!file)
    return false;
  bool ok = fwrite(bytes.data, 1, bytes.length, file) == bytes.length;
  return fclose(file) == 0 && ok;
}

static char *readFile(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  fseek(file, 0, SEEK_END);
  long length = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *data = malloc(length > 0 ? (size_t)length : 1);
  *size = data ? fread(data, 1, (size_t)length, file) : 0;
  fclose(file);
  return data;
}

/* The options of the main compile: mpqc --flash=64kB --ram=32kB. */
static MpqCompileOptions budgetOptions(void) {
  MpqCompileOptions options = mpqCompileOptionsCreate();
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetTarget(options, "cortex-m7")),
        "%s", mpqCompileOptionsGetError(options).data);
  CHECK(mpqLogicalResultIsSuccess(mpqCompileOptionsSetFlash(options, "64kB")),
        "%s", mpqCompileOptionsGetError(options).data);
  CHECK(mpqLogicalResultIsSuccess(mpqCompileOptionsSetRamBytes(options, 32000)),
        "%s", mpqCompileOptionsGetError(options).data);
  return options;
}

struct Job {
  MpqCompileOptions options;
  const char *data;
  size_t size;
  MpqCompileResult result;
};

static void *compileJob(void *arg) {
  struct Job *job = arg;
  job->result = mpqCompileBuffer(job->options, job->data, job->size,
                                 "fashion_mnist_cnn.onnx");
  return NULL;
}

/* A setter that must fail with `message`. */
#define CHECK_SETTER_FAILS(call, options, message)                             \
  do {                                                                         \
    CHECK(mpqLogicalResultIsFailure(call), "succeeded");                       \
    CHECK(strcmp(mpqCompileOptionsGetError(options).data, message) == 0,       \
          "message: %s", mpqCompileOptionsGetError(options).data);             \
  } while (0)

/* A compile that must fail with `part` in its error text; every getter then
 * gives nothing. Prints the error text's first line and, given `file`,
 * writes the text to OUTDIR/<file> (capi.test compares it with mpqc's). */
static void checkCompileFails(MpqCompileResult result, const char *part,
                              const char *outDir, const char *file) {
  MpqStringRef error = mpqCompileResultGetError(result);
  CHECK(!mpqCompileResultSucceeded(result), "succeeded");
  CHECK(contains(error, part), "the error text lacks '%s': %s", part,
        error.data);
  CHECK(mpqCompileResultGetArenaBytes(result) == 0 &&
            mpqCompileResultGetObject(result).length == 0 &&
            mpqCompileResultGetNumLayers(result) == 0 &&
            mpqCompileResultGetStackBytes(result) == -1,
        "a failed result has values");
  printf("error %.*s\n", (int)strcspn(error.data, "\n"), error.data);
  if (file) {
    MpqStringRef name = {file, strlen(file)};
    CHECK(writeFile(outDir, name, "", error), "cannot write %s", file);
  }
  mpqCompileResultDestroy(result);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.onnx OUTDIR\n", argv[0]);
    return 2;
  }
  const char *model = argv[1], *outDir = argv[2];
  MpqStringRef version = mpqGetVersion();
  CHECK(strncmp(version.data, "mpq version ", 12) == 0, "%s", version.data);

  /* The compile itself, with everything mpqc writes. */
  MpqCompileOptions options = budgetOptions();
  MpqCompileResult result = mpqCompileFile(options, model);
  if (!mpqCompileResultSucceeded(result)) {
    printf("FAIL: the compile failed:\n%s",
           mpqCompileResultGetError(result).data);
    return 1;
  }
  MpqStringRef name = mpqCompileResultGetName(result);
  printf("name %s target %s goal %s\n", name.data,
         mpqCompileResultGetTarget(result).data,
         mpqCompileResultGetCodeGoal(result).data);
  printf("arena %lld flash %lld bits %s\n",
         (long long)mpqCompileResultGetArenaBytes(result),
         (long long)mpqCompileResultGetFlashBytes(result),
         mpqCompileResultGetBits(result).data);
  printf("rodata %lld code %lld model %lld lower-bound %lld stack %lld "
         "macs %lld\n",
         (long long)mpqCompileResultGetRodataBytes(result),
         (long long)mpqCompileResultGetCodeBytes(result),
         (long long)mpqCompileResultGetModelFlashBytes(result),
         (long long)mpqCompileResultGetArenaLowerBoundBytes(result),
         (long long)mpqCompileResultGetStackBytes(result),
         (long long)mpqCompileResultGetMacs(result));
  for (intptr_t i = 0, e = mpqCompileResultGetNumLayers(result); i < e; ++i)
    printf("layer %s %s w%u in%u out%u %lld+%lld B\n",
           mpqCompileResultGetLayerName(result, i).data,
           mpqCompileResultGetLayerKind(result, i).data,
           mpqCompileResultGetLayerWeightBits(result, i),
           mpqCompileResultGetLayerInputBits(result, i),
           mpqCompileResultGetLayerOutputBits(result, i),
           (long long)mpqCompileResultGetLayerWeightBytes(result, i),
           (long long)mpqCompileResultGetLayerParamBytes(result, i));
  for (intptr_t i = 0, e = mpqCompileResultGetNumSummaryLines(result); i < e;
       ++i)
    printf("summary %s\n", mpqCompileResultGetSummaryLine(result, i).data);
  CHECK(mpqCompileResultGetFlashBytes(result) ==
            mpqCompileResultGetRodataBytes(result) +
                mpqCompileResultGetCodeBytes(result),
        "flash is not rodata + code");
  /* A success has warnings at most: here the one on synthetic calibration. */
  CHECK(strstr(mpqCompileResultGetError(result).data, "error:") == NULL &&
            strstr(mpqCompileResultGetError(result).data,
                   "warning: calibrated on 4 synthetic inputs") != NULL,
        "errors: %s", mpqCompileResultGetError(result).data);
  CHECK(mpqCompileResultGetHeader(result).length > 0 &&
            mpqCompileResultGetSvg(result).length > 0,
        "no header or svg");
  CHECK(mpqCompileResultGetMlir(result).length == 0 &&
            mpqCompileResultGetLLVMIR(result).length == 0,
        "mlir or llvm-ir without being asked for");
  CHECK(writeFile(outDir, name, ".o", mpqCompileResultGetObject(result)) &&
            writeFile(outDir, name, ".report.json",
                      mpqCompileResultGetReport(result)) &&
            writeFile(outDir, name, ".report.md",
                      mpqCompileResultGetReportMarkdown(result)) &&
            writeFile(outDir, name, ".h", mpqCompileResultGetHeader(result)),
        "cannot write to %s", outDir);

  /* The same model from memory, on two threads at once, asking for the MLIR
   * and the LLVM IR too: the same object. */
  size_t size = 0;
  char *data = readFile(model, &size);
  CHECK(data && size > 0, "cannot read %s", model);
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetEmit(options, "obj, mlir,LLVM_IR")),
        "%s", mpqCompileOptionsGetError(options).data);
  struct Job jobs[2];
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i) {
    jobs[i] = (struct Job){options, data, size, {NULL}};
    CHECK(pthread_create(&threads[i], NULL, compileJob, &jobs[i]) == 0,
          "pthread_create");
  }
  for (int i = 0; i < 2; ++i) {
    pthread_join(threads[i], NULL);
    MpqCompileResult copy = jobs[i].result;
    CHECK(mpqCompileResultSucceeded(copy), "thread %d: %s", i,
          mpqCompileResultGetError(copy).data);
    CHECK(equals(mpqCompileResultGetObject(copy),
                 mpqCompileResultGetObject(result)),
          "thread %d: another object", i);
    CHECK(contains(mpqCompileResultGetMlir(copy), "mpq.qconv2d") &&
              contains(mpqCompileResultGetLLVMIR(copy), "define"),
          "thread %d: no MLIR or LLVM IR", i);
    CHECK(mpqCompileResultGetReport(copy).length == 0 &&
              mpqCompileResultGetHeader(copy).length == 0,
          "thread %d: outputs not asked for", i);
    mpqCompileResultDestroy(copy);
  }
  free(data);
  mpqCompileResultDestroy(result);
  mpqCompileOptionsDestroy(options);

  /* A missing file: the error names it. */
  options = budgetOptions();
  char missing[4096];
  snprintf(missing, sizeof(missing), "%s/missing.onnx", outDir);
  checkCompileFails(mpqCompileFile(options, missing), missing, outDir,
                    "missing.err");
  /* Not a model. */
  checkCompileFails(mpqCompileBuffer(options, "junk", 4, "junk.onnx"),
                    "junk.onnx", outDir, NULL);
  /* A float ABI for a target that has none, and the hard-float ABI on a
   * core without an FPU: the compile fails before importing. */
  MpqCompileOptions abiOptions = budgetOptions();
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetTarget(abiOptions, "x86_64")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetFloatAbi(abiOptions, "hard")),
        "%s", mpqCompileOptionsGetError(abiOptions).data);
  checkCompileFails(mpqCompileFile(abiOptions, model),
                    "--float-abi=hard is for Arm targets", outDir, NULL);
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetTarget(abiOptions, "cortex-m3")),
        "%s", mpqCompileOptionsGetError(abiOptions).data);
  checkCompileFails(mpqCompileFile(abiOptions, model),
                    "--float-abi=hard needs an FPU", outDir, NULL);
  mpqCompileOptionsDestroy(abiOptions);

  /* Bad names and sizes: the setter fails, with mpqc's message, and the
   * option keeps its value. */
  CHECK_SETTER_FAILS(mpqCompileOptionsSetTarget(options, "riscv"), options,
                     "'riscv' is not a valid target (expected one of "
                     "cortex-m0plus, cortex-m3, cortex-m4, cortex-m7, "
                     "cortex-m33, cortex-m55, x86_64)");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetFloatAbi(options, "double"), options,
                     "'double' is not a valid float ABI (expected one of "
                     "soft, softfp, hard)");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetScheme(options, "pc"), options,
                     "'pc' is not a valid quantization scheme (expected one "
                     "of pc-icn, pl-icn, pl-fb)");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetEmit(options, "obj,exe"), options,
                     "'exe' is not a valid output kind (expected one of obj, "
                     "header, report, svg, mlir, llvm-ir)");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetFlash(options, "12XB"), options,
                     "the flash budget '12XB' has an unknown unit 'XB' "
                     "(expected B, kB, KiB, MB or MiB)");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetRamBytes(options, -5), options,
                     "the RAM budget must be at least 0 bytes, not -5");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetName(options, "9lives"), options,
                     "'9lives' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)");
  CHECK_SETTER_FAILS(mpqCompileOptionsAddPin(options, "conv0:8"), options,
                     "'conv0:8' is not layer:wbits:abits (0 leaves a width "
                     "free)");
  CHECK_SETTER_FAILS(mpqCompileOptionsAddInputShape(options, "x:1x0"), options,
                     "dimension '0' in 'x:1x0' is not a positive integer");
  CHECK_SETTER_FAILS(mpqCompileOptionsSetStrategy(options, "rl"), options,
                     "'rl' is not a valid precision strategy (expected one "
                     "of rule, search)");
  CHECK_SETTER_FAILS(
      mpqCompileOptionsSetActivationRounding(options, "up"), options,
      "'up' is not a valid activation rounding (expected one of nearest, "
      "floor)");
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetActivationRounding(options, "floor")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetActivationRounding(options, "nearest")),
        "%s", mpqCompileOptionsGetError(options).data);
  CHECK_SETTER_FAILS(mpqCompileOptionsSetCalibrationRange(options, "kl"),
                     options,
                     "'kl' is not a valid range estimator (expected one of "
                     "minmax, percentile, mse, auto)");
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetCalibrationRange(options, "auto")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetCalibrationRange(options, "minmax")),
        "%s", mpqCompileOptionsGetError(options).data);
  CHECK_SETTER_FAILS(mpqCompileOptionsSetSensitivityFile(options, NULL),
                     options, "no sensitivity file (a null string)");
  /* Any case, '_' for '-': the spellings mpqc takes. */
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetScheme(options, "PC_ICN")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetInputLayout(options, "model")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetOptimize(options, "Auto")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetWeightBudget(options, "none")),
        "%s", mpqCompileOptionsGetError(options).data);

  /* strategy=search with a sensitivity table that cannot be read: the
   * pass's error. */
  MpqCompileOptions searching = budgetOptions();
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetStrategy(searching, "search")) &&
            mpqLogicalResultIsSuccess(mpqCompileOptionsSetSensitivityFile(
                searching, "no-such-table.json")),
        "%s", mpqCompileOptionsGetError(searching).data);
  checkCompileFails(mpqCompileFile(searching, model),
                    "option 'sensitivity': cannot read 'no-such-table.json'",
                    outDir, NULL);
  mpqCompileOptionsDestroy(searching);

  /* strategy=search where the parameters bind (2,530 B of weights and
   * parameters; per channel the model needs at least 2,650 B): the two
   * convolutions get per-layer weights (test/QAT/qat-report.test), the fully
   * connected layer keeps its channels. */
  MpqCompileOptions tight = budgetOptions();
  mpqCompileOptionsSetSyntheticInputs(tight, 4);
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetStrategy(tight, "search")) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetWeightBudget(tight, "2530")),
        "%s", mpqCompileOptionsGetError(tight).data);
  MpqCompileResult perLayer = mpqCompileFile(tight, model);
  CHECK(mpqCompileResultSucceeded(perLayer) &&
            mpqCompileResultGetNumLayers(perLayer) == 3 &&
            mpqCompileResultGetLayerPerLayerWeights(perLayer, 0) &&
            mpqCompileResultGetLayerPerLayerWeights(perLayer, 1) &&
            !mpqCompileResultGetLayerPerLayerWeights(perLayer, 2) &&
            !mpqCompileResultGetLayerPerLayerWeights(perLayer, 3) &&
            mpqCompileResultGetModelFlashBytes(perLayer) <= 2530,
        "per-layer weights at 2530 B: %s (%s)",
        mpqCompileResultGetBits(perLayer).data,
        mpqCompileResultGetError(perLayer).data);
  mpqCompileResultDestroy(perLayer);
  mpqCompileOptionsDestroy(tight);

  /* In place (the default) against out of place. Out of place the 8-bit
   * arena is the first max pool's input + output, 6,272 + 1,568 = 7,840 B.
   * In place the pool's 14x14x8 output starts one output row (112 B) below
   * its input: 6,272 + 112 = 6,384 B; the first convolution writes its
   * 6,272 B output over its 28x28x1 input from the last row, two input rows
   * (56 B) beyond it, and gathers two pixels' windows (9 codes, 16 lanes of
   * 2 B each) into 64 B of scratch beside them: 6,272 + 56 + 64 = 6,392 B,
   * the lower bound. The arena is smaller than out of place. */
  MpqCompileOptions inPlaceOptions = budgetOptions();
  MpqCompileResult overlapped = mpqCompileFile(inPlaceOptions, model);
  MpqCompileOptions outOfPlace = budgetOptions();
  mpqCompileOptionsSetInPlace(outOfPlace, 0);
  MpqCompileResult separate = mpqCompileFile(outOfPlace, model);
  CHECK(mpqCompileResultSucceeded(separate) &&
            mpqCompileResultGetArenaBytes(separate) == 7840 &&
            mpqCompileResultGetArenaLowerBoundBytes(separate) == 7840,
        "out of place: arena %lld, bound %lld (%s)",
        (long long)mpqCompileResultGetArenaBytes(separate),
        (long long)mpqCompileResultGetArenaLowerBoundBytes(separate),
        mpqCompileResultGetError(separate).data);
  CHECK(mpqCompileResultSucceeded(overlapped) &&
            mpqCompileResultGetArenaLowerBoundBytes(overlapped) == 6392 &&
            mpqCompileResultGetArenaBytes(overlapped) <
                mpqCompileResultGetArenaBytes(separate),
        "in place: arena %lld, bound %lld",
        (long long)mpqCompileResultGetArenaBytes(overlapped),
        (long long)mpqCompileResultGetArenaLowerBoundBytes(overlapped));
  /* Row groups: conv1, its max pool, conv2 and its pool are one group
   * (docs/design.md, "Row groups"): the 28x28 image (784 B) whole, the 7x7x16
   * output (784 B) in place over it, and the lines: two rows of conv1's
   * output for the 2x2 pool (2 x 28 x 8 = 448 B), three of the pool's for
   * conv2's 3x3 window (3 x 14 x 8 = 336 B), two of conv2's (2 x 14 x 16 =
   * 448 B): 784 + 1,232 = 2,016 B, where in place needs 6,384 B. */
  MpqCompileOptions rowOptions = budgetOptions();
  mpqCompileOptionsSetFuseRows(rowOptions, 1);
  MpqCompileResult rowResult = mpqCompileFile(rowOptions, model);
  CHECK(mpqCompileResultSucceeded(rowResult) &&
            mpqCompileResultGetArenaBytes(rowResult) == 2016,
        "fuse rows: arena %lld, in place %lld (%s)",
        (long long)mpqCompileResultGetArenaBytes(rowResult),
        (long long)mpqCompileResultGetArenaBytes(overlapped),
        mpqCompileResultGetError(rowResult).data);
  mpqCompileResultDestroy(rowResult);
  mpqCompileOptionsDestroy(rowOptions);
  mpqCompileResultDestroy(overlapped);
  mpqCompileOptionsDestroy(inPlaceOptions);
  mpqCompileResultDestroy(separate);
  mpqCompileOptionsDestroy(outOfPlace);

  /* A shape for an input the model does not have. */
  MpqCompileOptions shaped = budgetOptions();
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsAddInputShape(shaped, "nope:1x2")),
        "%s", mpqCompileOptionsGetError(shaped).data);
  checkCompileFails(mpqCompileFile(shaped, model),
                    "--input-shape names 'nope', which is not an input of the "
                    "model",
                    outDir, NULL);
  mpqCompileOptionsDestroy(shaped);

  /* A RAM reserve that leaves the model 1000 B: it does not fit. */
  MpqCompileOptions reserved = budgetOptions();
  CHECK(mpqLogicalResultIsSuccess(
            mpqCompileOptionsSetReserveRamBytes(reserved, 31000)) &&
            mpqLogicalResultIsSuccess(
                mpqCompileOptionsSetReserveFlashBytes(reserved, 0)),
        "%s", mpqCompileOptionsGetError(reserved).data);
  CHECK_SETTER_FAILS(mpqCompileOptionsSetReserveRamBytes(reserved, -1),
                     reserved,
                     "the RAM reserve budget must be at least 0 bytes, not -1");
  checkCompileFails(mpqCompileFile(reserved, model),
                    "RAM budget of 1000 B cannot be met", outDir, NULL);
  mpqCompileOptionsDestroy(reserved);

  /* A pin on a layer the model does not have: the compile names them. */
  MpqCompileOptions pinned = budgetOptions();
  CHECK(mpqLogicalResultIsSuccess(mpqCompileOptionsAddPin(pinned, "conv9:8:8")),
        "%s", mpqCompileOptionsGetError(pinned).data);
  checkCompileFails(mpqCompileFile(pinned, model), "no layer named 'conv9'",
                    outDir, NULL);
  mpqCompileOptionsDestroy(pinned);

  /* An impossible budget. */
  CHECK(
      mpqLogicalResultIsSuccess(mpqCompileOptionsSetFlashBytes(options, 1000)),
      "%s", mpqCompileOptionsGetError(options).data);
  checkCompileFails(mpqCompileFile(options, model),
                    "flash budget of 1000 B cannot be met", outDir,
                    "flash-1000.err");
  mpqCompileOptionsDestroy(options);

  /* A null options handle means the defaults (2 MiB, 512 KiB: it fits). */
  MpqCompileOptions none = {NULL};
  result = mpqCompileFile(none, model);
  CHECK(mpqCompileResultSucceeded(result), "%s",
        mpqCompileResultGetError(result).data);
  mpqCompileResultDestroy(result);

  if (failures) {
    printf("%d checks failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
