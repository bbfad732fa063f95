/* mpq_runner.h - what the host runner (utils/runtime/host_runner.c) and the
 * Cortex-M firmware (utils/firmware/main.c) share: naming the compiled
 * model's header and symbols from -DMPQ_MODEL=name -DMPQ_UPPER=NAME, and
 * writing an output as int32 codes, the file format both produce so their
 * outputs compare byte for byte.
 */
#ifndef MPQ_RUNNER_H
#define MPQ_RUNNER_H

#include <stdint.h>
#include <stdio.h>

#define MPQ_STR_(x) #x
#define MPQ_STR(x) MPQ_STR_(x)
#define MPQ_CAT_(a, b) a##b
#define MPQ_CAT(a, b) MPQ_CAT_(a, b)
#define MODEL(x) MPQ_CAT(MPQ_MODEL, x)
#define UPPER(x) MPQ_CAT(MPQ_UPPER, x)

#include MPQ_STR(MPQ_MODEL.h)

/* The innermost dimension of a SHAPE macro ({d0, d1, ...}). */
#define MPQ_INNER(shape)                                                       \
  (((int64_t[])shape)[sizeof((int64_t[])shape) / sizeof(int64_t) - 1])

/* Writes output `k`'s packed codes (`codes`) to `path` as int32, one per
 * element; non-zero on failure. */
static int mpq_write_codes(const char *path, const uint8_t *codes,
                           int64_t inner, int bits, int is_signed,
                           int64_t elements) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return 1;
  for (int64_t i = 0; i < elements; ++i) {
    int32_t v = MODEL(_get)(codes, inner, bits, is_signed, i);
    if (fwrite(&v, sizeof v, 1, f) != 1) {
      fclose(f);
      return 1;
    }
  }
  return fclose(f) != 0;
}

#define MPQ_WRITE_OUTPUT(path, k, codes)                                       \
  mpq_write_codes(path, codes, MPQ_INNER(UPPER(_OUTPUT##k##_SHAPE)),           \
                  UPPER(_OUTPUT##k##_BITS), UPPER(_OUTPUT##k##_SIGNED),        \
                  UPPER(_OUTPUT##k##_ELEMENTS))

#endif /* MPQ_RUNNER_H */
