/* mpq_runner_io.h - the options, the input reading, the run and the output
 * writing shared by the host runner and the Cortex-M firmware. Include it
 * after mpq_runner.h and after defining the buffers in0..in(N-1),
 * out0..out(M-1) and arena.
 */
#ifndef MPQ_RUNNER_IO_H
#define MPQ_RUNNER_IO_H

#include <string.h>

/* Calls the model's entry point with the buffers in0..in(N-1),
 * out0..out(M-1) and arena. */
#if UPPER(_NUM_INPUTS) == 1
#define MPQ_INPUT_ARGS in0
#elif UPPER(_NUM_INPUTS) == 2
#define MPQ_INPUT_ARGS in0, in1
#elif UPPER(_NUM_INPUTS) == 3
#define MPQ_INPUT_ARGS in0, in1, in2
#else
#define MPQ_INPUT_ARGS in0, in1, in2, in3
#endif
#if UPPER(_NUM_OUTPUTS) == 1
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, arena)
#elif UPPER(_NUM_OUTPUTS) == 2
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, out1, arena)
#elif UPPER(_NUM_OUTPUTS) == 3
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, out1, out2, arena)
#else
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, out1, out2, out3, arena)
#endif

/* Options both runners take before their files: --codes (inputs are packed
 * code bytes, passed as they are) and --float (outputs are written as
 * float32 real values). Returns the index of the first file argument. */
static int mpq_codes_in, mpq_floats_out;
static inline int mpq_parse_options(int argc, char **argv) {
  int first = 1;
  for (; first < argc; ++first) {
    if (!strcmp(argv[first], "--codes"))
      mpq_codes_in = 1;
    else if (!strcmp(argv[first], "--float"))
      mpq_floats_out = 1;
    else
      break;
  }
  return first;
}

/* Reads exactly `bytes` bytes of `path` into `to`; non-zero on failure. */
static inline int mpq_read_exactly(const char *path, void *to, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("%s: cannot open\n", path);
    return 1;
  }
  size_t got = fread(to, 1, bytes, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != bytes || extra) {
    printf("%s: expected exactly %u bytes\n", path, (unsigned)bytes);
    return 1;
  }
  return 0;
}

#ifdef MPQ_CODES_ONLY
/* Codes in, int32 codes out, no float buffers: a large layer's float input
 * and output do not fit QEMU's 4 MB of RAM beside its arena
 * (benchmarks/kernels.py). */
#define MPQ_READ_INPUT_(k, path)                                               \
  mpq_read_exactly(path, in##k, UPPER(_INPUT##k##_BYTES))
#else
/* Input k from `path` into in##k: codes as they are, or float32 values
 * quantized with the header's helper; non-zero on failure. */
#define MPQ_READ_INPUT_(k, path)                                               \
  (mpq_codes_in ? mpq_read_exactly(path, in##k, UPPER(_INPUT##k##_BYTES))      \
                : mpq_read_floats_##k(path))
/* Where input k's float values are read before they are quantized: a
 * static buffer, unless the runner declares `x` itself (the firmware puts it
 * in a part of the arena the codes do not use). */
#ifndef MPQ_FLOAT_INPUT_DECL
#define MPQ_FLOAT_INPUT_DECL(k) static float x[UPPER(_INPUT##k##_ELEMENTS)]
#endif
#define MPQ_DEFINE_FLOAT_READER_(k)                                            \
  static inline int mpq_read_floats_##k(const char *path) {                    \
    MPQ_FLOAT_INPUT_DECL(k);                                                   \
    if (mpq_read_exactly(path, x,                                              \
                         sizeof(float) * UPPER(_INPUT##k##_ELEMENTS)))         \
      return 1;                                                                \
    MODEL(_quantize_input##k)(x, in##k);                                       \
    return 0;                                                                  \
  }
MPQ_DEFINE_FLOAT_READER_(0)
#if UPPER(_NUM_INPUTS) > 1
MPQ_DEFINE_FLOAT_READER_(1)
#endif
#if UPPER(_NUM_INPUTS) > 2
MPQ_DEFINE_FLOAT_READER_(2)
#endif
#if UPPER(_NUM_INPUTS) > 3
MPQ_DEFINE_FLOAT_READER_(3)
#endif
#endif /* MPQ_CODES_ONLY */

/* Reads every input from paths[k]; non-zero on failure. */
static inline int mpq_read_inputs(char **paths) {
  if (MPQ_READ_INPUT_(0, paths[0]))
    return 1;
#if UPPER(_NUM_INPUTS) > 1
  if (MPQ_READ_INPUT_(1, paths[1]))
    return 1;
#endif
#if UPPER(_NUM_INPUTS) > 2
  if (MPQ_READ_INPUT_(2, paths[2]))
    return 1;
#endif
#if UPPER(_NUM_INPUTS) > 3
  if (MPQ_READ_INPUT_(3, paths[3]))
    return 1;
#endif
  return 0;
}

#ifndef MPQ_CODES_ONLY
/* Output k (out##k) to `path` as float32 real values; non-zero on failure. */
#define MPQ_DEFINE_FLOAT_WRITER_(k)                                            \
  static inline int mpq_write_floats_##k(const char *path) {                   \
    static float y[UPPER(_OUTPUT##k##_ELEMENTS)];                              \
    MODEL(_dequantize_output##k)(out##k, y);                                   \
    FILE *f = fopen(path, "wb");                                               \
    if (!f)                                                                    \
      return 1;                                                                \
    int bad = fwrite(y, sizeof y, 1, f) != 1;                                  \
    return fclose(f) != 0 || bad;                                              \
  }
MPQ_DEFINE_FLOAT_WRITER_(0)
#if UPPER(_NUM_OUTPUTS) > 1
MPQ_DEFINE_FLOAT_WRITER_(1)
#endif
#if UPPER(_NUM_OUTPUTS) > 2
MPQ_DEFINE_FLOAT_WRITER_(2)
#endif
#if UPPER(_NUM_OUTPUTS) > 3
MPQ_DEFINE_FLOAT_WRITER_(3)
#endif
#endif /* MPQ_CODES_ONLY */

/* Writes output k to paths[k] as int32 codes (or, with --float, as float32
 * real values); non-zero on failure. */
static int mpq_write_outputs(char **paths) {
#ifdef MPQ_CODES_ONLY
#define MPQ_WRITE_ONE_(k)                                                      \
  if (MPQ_WRITE_OUTPUT(paths[k], k, out##k))                                   \
    return 1;
#else
#define MPQ_WRITE_ONE_(k)                                                      \
  if (mpq_floats_out ? mpq_write_floats_##k(paths[k])                          \
                     : MPQ_WRITE_OUTPUT(paths[k], k, out##k))                  \
    return 1;
#endif
  MPQ_WRITE_ONE_(0)
#if UPPER(_NUM_OUTPUTS) > 1
  MPQ_WRITE_ONE_(1)
#endif
#if UPPER(_NUM_OUTPUTS) > 2
  MPQ_WRITE_ONE_(2)
#endif
#if UPPER(_NUM_OUTPUTS) > 3
  MPQ_WRITE_ONE_(3)
#endif
#undef MPQ_WRITE_ONE_
  return 0;
}

#endif /* MPQ_RUNNER_IO_H */
