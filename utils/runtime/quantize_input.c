/* quantize_input.c - writes a model's input codes, quantized from float32
 * values with the header's own helper.
 *
 *   cc -I OUTDIR -I utils/runtime -DMPQ_MODEL=name -DMPQ_UPPER=NAME \
 *      utils/runtime/quantize_input.c -o quantize_input
 *   quantize_input input0.f32 input0.codes
 *
 * The codes file is what `fw.elf --codes` reads (utils/firmware/main.c built
 * with -DMPQ_CODES_ONLY, benchmarks/kernels.py). Model input 0 only. */
#include "mpq_runner.h"

int main(int argc, char **argv) {
  static float x[UPPER(_INPUT0_ELEMENTS)];
  static uint8_t codes[UPPER(_INPUT0_BYTES)];
  if (argc != 3) {
    fprintf(stderr, "usage: quantize_input input.f32 input.codes\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  if (!in || fread(x, sizeof x, 1, in) != 1)
    return 1;
  fclose(in);
  MODEL(_quantize_input0)(x, codes);
  FILE *out = fopen(argv[2], "wb");
  if (!out || fwrite(codes, sizeof codes, 1, out) != 1)
    return 1;
  return fclose(out) != 0;
}
