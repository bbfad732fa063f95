/* host_runner.c - runs a model compiled by `mpqc --target=x86_64` on the host.
 *
 *   cc -O2 -I OUTDIR -DMPQ_MODEL=NAME -DMPQ_UPPER=UPPERCASE_NAME \
 *      utils/runtime/host_runner.c OUTDIR/NAME.o -o runner
 *   ./runner input.f32 output0.i32 [output1.i32 ...]
 *
 * input.f32: the model's input as raw little-endian float32 in the model's
 * own layout (the header's INPUT0_SHAPE). It is quantized with the header's
 * helper, the model runs, and each output is written as raw int32 codes,
 * one per element (the packed buffer unpacked with the header's helper).
 * Exit status 0 on success. Models with one input and up to four outputs.
 */
#include "mpq_runner.h"

#include <stdlib.h>

static uint8_t arena[UPPER(_ARENA_BYTES)] __attribute__((aligned(16)));

#define OUTPUT_BUFFER(k) static uint8_t out##k[UPPER(_OUTPUT##k##_BYTES)]

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

int main(int argc, char **argv) {
  if (argc != 2 + UPPER(_NUM_OUTPUTS)) {
    fprintf(stderr, "usage: %s input.f32 output0.i32 ... (%d outputs)\n",
            argv[0], UPPER(_NUM_OUTPUTS));
    return 2;
  }
  static float x[UPPER(_INPUT0_ELEMENTS)];
  static uint8_t in0[UPPER(_INPUT0_BYTES)];
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(x, sizeof(float), UPPER(_INPUT0_ELEMENTS), f) !=
                UPPER(_INPUT0_ELEMENTS)) {
    fprintf(stderr, "%s: cannot read %d floats\n", argv[1],
            UPPER(_INPUT0_ELEMENTS));
    return 1;
  }
  fclose(f);
  MODEL(_quantize_input0)(x, in0);
  int status = MPQ_RUN();
  if (status != 0)
    return 1;
  if (mpq_write_outputs(argv + 2))
    return 1;
  return 0;
}
