/* main.c - runs the model mpqc compiled (model.o, model.h) once on the
 * sample in sample_image.h and prints its outputs.
 *
 * One static arena holds everything the model touches: its activations,
 * the input and the output (at the header's *_ARENA_OFFSET), so nothing is
 * copied and nothing is allocated. The float input is quantized with the
 * header's helper; the output codes are printed as they are and dequantized
 * to scores.
 */
#include <stdio.h>

#include "model.h"
#include "sample_image.h"

#if MODEL_NUM_INPUTS != 1 || MODEL_NUM_OUTPUTS != 1 ||                         \
    MODEL_INPUT0_ELEMENTS != 28 * 28
#error "this example feeds one 28x28 image: adapt main.c to your model"
#endif

static uint8_t arena[MODEL_ARENA_BYTES]
    __attribute__((aligned(MODEL_ARENA_ALIGN)));
static float input[MODEL_INPUT0_ELEMENTS];
static float scores[MODEL_OUTPUT0_ELEMENTS];

/* Fashion-MNIST's classes. */
static const char *const names[] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

int main(void) {
  uint8_t *in = arena + MODEL_INPUT0_ARENA_OFFSET;
  uint8_t *out = arena + MODEL_OUTPUT0_ARENA_OFFSET;

  /* The model was trained on grey levels scaled to [0, 1]. */
  for (int i = 0; i < MODEL_INPUT0_ELEMENTS; ++i)
    input[i] = sample_image[i] / 255.0f;
  model_quantize_input0(input, in);

  if (model_run(in, out, arena) != 0) {
    printf("model_run failed\n");
    return 1;
  }

  model_dequantize_output0(out, scores);
  printf("output codes:");
  int best = 0;
  for (int i = 0; i < MODEL_OUTPUT0_ELEMENTS; ++i) {
    printf(" %ld",
           (long)model_get(out, MODEL_OUTPUT0_ELEMENTS, MODEL_OUTPUT0_BITS,
                           MODEL_OUTPUT0_SIGNED, i));
    if (scores[i] > scores[best])
      best = i;
  }
  printf("\nscores:");
  for (int i = 0; i < MODEL_OUTPUT0_ELEMENTS; ++i)
    printf(" %.3f", (double)scores[i]);
  printf("\npredicted class: %d (%s); the sample is class %d (%s)\n", best,
         best < 10 ? names[best] : "?", SAMPLE_IMAGE_CLASS,
         names[SAMPLE_IMAGE_CLASS]);
  return 0;
}
