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

int main(int argc, char **argv) {
  int first = mpq_parse_options(argc, argv);
  if (argc - first != UPPER(_NUM_INPUTS) + UPPER(_NUM_OUTPUTS)) {
    fprintf(stderr,
            "usage: %s [--codes] [--float] input0 ... output0 ... "
            "(%d inputs, %d outputs)\n",
            argv[0], UPPER(_NUM_INPUTS), UPPER(_NUM_OUTPUTS));
    return 2;
  }
  if (mpq_read_inputs(argv + first))
    return 1;
  if (MPQ_RUN() != 0)
    return 1;
  return mpq_write_outputs(argv + first + UPPER(_NUM_INPUTS)) ? 1 : 0;
}
