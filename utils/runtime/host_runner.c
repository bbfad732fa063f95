/* host_runner.c - runs a model compiled by `mpqc --target=x86_64` on the host.
 *
 *   cc -O2 -I OUTDIR -DMPQ_MODEL=NAME -DMPQ_UPPER=UPPERCASE_NAME \
 *      utils/runtime/host_runner.c OUTDIR/NAME.o -o runner
 *   ./runner [--codes] [--float] input0 [input1 ...] output0 [output1 ...]
 *
 * Each input file holds the input's real values as raw little-endian
 * float32 in the model's own layout (the header's INPUTk_SHAPE); they are
 * quantized with the header's helper. With --codes, each input file holds
 * the packed codes themselves (INPUTk_BYTES bytes), passed as they are.
 * The model runs, and each output is written as raw int32 codes, one per
 * element (the packed buffer unpacked with the header's helper), or with
 * --float as float32 real values (the header's dequantize helper).
 * Exit status 0 on success. Models with up to four inputs and outputs.
 */
#include "mpq_runner.h"

#include <stdlib.h>
#include <string.h>

static uint8_t arena[UPPER(_ARENA_BYTES)] __attribute__((aligned(16)));

#define INPUT_BUFFER(k) static uint8_t in##k[UPPER(_INPUT##k##_BYTES)]
#define OUTPUT_BUFFER(k) static uint8_t out##k[UPPER(_OUTPUT##k##_BYTES)]

INPUT_BUFFER(0);
#if UPPER(_NUM_INPUTS) > 1
INPUT_BUFFER(1);
#endif
#if UPPER(_NUM_INPUTS) > 2
INPUT_BUFFER(2);
#endif
#if UPPER(_NUM_INPUTS) > 3
INPUT_BUFFER(3);
#endif
OUTPUT_BUFFER(0);
#if UPPER(_NUM_OUTPUTS) > 1
OUTPUT_BUFFER(1);
#endif
#if UPPER(_NUM_OUTPUTS) > 2
OUTPUT_BUFFER(2);
#endif
#if UPPER(_NUM_OUTPUTS) > 3
OUTPUT_BUFFER(3);
#endif

#include "mpq_runner_io.h"

/* Reads exactly `bytes` bytes of `path` into `to`; non-zero on failure. */
static int read_exactly(const char *path, void *to, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: cannot open\n", path);
    return 1;
  }
  size_t got = fread(to, 1, bytes, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != bytes || extra) {
    fprintf(stderr, "%s: expected exactly %zu bytes\n", path, bytes);
    return 1;
  }
  return 0;
}

/* Input k from `path`: codes as they are, or float32 values quantized. */
#define READ_INPUT(k, path)                                                    \
  do {                                                                         \
    if (codes) {                                                               \
      if (read_exactly(path, in##k, sizeof in##k))                             \
        return 1;                                                              \
    } else {                                                                   \
      static float x[UPPER(_INPUT##k##_ELEMENTS)];                             \
      if (read_exactly(path, x, sizeof x))                                     \
        return 1;                                                              \
      MODEL(_quantize_input##k)(x, in##k);                                     \
    }                                                                          \
  } while (0)

/* Output k to `path` as float32 real values. */
#define WRITE_FLOAT_OUTPUT(k, path)                                            \
  do {                                                                         \
    static float y[UPPER(_OUTPUT##k##_ELEMENTS)];                              \
    MODEL(_dequantize_output##k)(out##k, y);                                   \
    FILE *f = fopen(path, "wb");                                               \
    if (!f || fwrite(y, sizeof y, 1, f) != 1 || fclose(f) != 0)                \
      return 1;                                                                \
  } while (0)

int main(int argc, char **argv) {
  int codes = 0, floats = 0;
  int first = 1;
  for (; first < argc && argv[first][0] == '-' && argv[first][1] == '-';
       ++first) {
    if (!strcmp(argv[first], "--codes"))
      codes = 1;
    else if (!strcmp(argv[first], "--float"))
      floats = 1;
    else
      break;
  }
  if (argc - first != UPPER(_NUM_INPUTS) + UPPER(_NUM_OUTPUTS)) {
    fprintf(stderr,
            "usage: %s [--codes] [--float] input0 ... output0 ... "
            "(%d inputs, %d outputs)\n",
            argv[0], UPPER(_NUM_INPUTS), UPPER(_NUM_OUTPUTS));
    return 2;
  }
  char **in = argv + first, **out = in + UPPER(_NUM_INPUTS);
  READ_INPUT(0, in[0]);
#if UPPER(_NUM_INPUTS) > 1
  READ_INPUT(1, in[1]);
#endif
#if UPPER(_NUM_INPUTS) > 2
  READ_INPUT(2, in[2]);
#endif
#if UPPER(_NUM_INPUTS) > 3
  READ_INPUT(3, in[3]);
#endif
  int status = MPQ_RUN();
  if (status != 0)
    return 1;
  if (!floats)
    return mpq_write_outputs(out) ? 1 : 0;
  WRITE_FLOAT_OUTPUT(0, out[0]);
#if UPPER(_NUM_OUTPUTS) > 1
  WRITE_FLOAT_OUTPUT(1, out[1]);
#endif
#if UPPER(_NUM_OUTPUTS) > 2
  WRITE_FLOAT_OUTPUT(2, out[2]);
#endif
#if UPPER(_NUM_OUTPUTS) > 3
  WRITE_FLOAT_OUTPUT(3, out[3]);
#endif
  return 0;
}
