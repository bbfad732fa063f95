/* batch_runner.c - runs a one-input, one-output model compiled by
 * `mpqc --target=x86_64` on many samples in one process.
 *
 *   cc -O2 -I OUTDIR -I utils/runtime -DMPQ_MODEL=NAME -DMPQ_UPPER=UPPER \
 *      utils/runtime/batch_runner.c OUTDIR/NAME.o -o batch_runner
 *   ./batch_runner inputs.f32 outputs.i32
 *
 * inputs.f32 holds N samples back to back, each the input's real values as
 * raw little-endian float32 in the model's layout (INPUT0_ELEMENTS each);
 * outputs.i32 gets N times OUTPUT0_ELEMENTS int32 codes, as host_runner.c
 * writes one. Exit status 0 on success.
 */
#include "mpq_runner.h"

#include <stdlib.h>

#if UPPER(_NUM_INPUTS) != 1 || UPPER(_NUM_OUTPUTS) != 1
#error "batch_runner.c runs models with one input and one output"
#endif

static uint8_t arena[UPPER(_ARENA_BYTES)] __attribute__((aligned(16)));
static uint8_t in0[UPPER(_INPUT0_BYTES)];
static uint8_t out0[UPPER(_OUTPUT0_BYTES)];
static float x[UPPER(_INPUT0_ELEMENTS)];

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s inputs.f32 outputs.i32\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  FILE *out = fopen(argv[2], "wb");
  if (!in || !out)
    return 1;
  const int64_t inner = MPQ_INNER(UPPER(_OUTPUT0_SHAPE));
  int64_t samples = 0;
  while (fread(x, sizeof(float), UPPER(_INPUT0_ELEMENTS), in) ==
         (size_t)UPPER(_INPUT0_ELEMENTS)) {
    MODEL(_quantize_input0)(x, in0);
    if (MODEL(_run)(in0, out0, arena) != 0)
      return 1;
    for (int64_t i = 0; i < UPPER(_OUTPUT0_ELEMENTS); ++i) {
      int32_t v = MODEL(_get)(out0, inner, UPPER(_OUTPUT0_BITS),
                              UPPER(_OUTPUT0_SIGNED), i);
      if (fwrite(&v, sizeof v, 1, out) != 1)
        return 1;
    }
    ++samples;
  }
  fclose(in);
  if (fclose(out) != 0 || samples == 0)
    return 1;
  fprintf(stderr, "%lld samples\n", (long long)samples);
  return 0;
}
