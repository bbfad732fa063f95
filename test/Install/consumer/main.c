/*===- main.c - A C program built against an installed mpq ----------------===*\
|*                                                                            *|
|* Part of the mpq project.                                                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 *   mpq-consumer-c MODEL.onnx OBJECT ARENA FLASH BITS
 *
 * Uses mpq from C through the installed <mpq-c/Compiler.h> and MPQ::MPQCAPI
 * alone: compiles MODEL for the Cortex-M7 under 64 kB of flash and 32 kB of
 * RAM, writes the object to OBJECT and checks the arena, the flash total and
 * the bits against ARENA, FLASH and BITS, which check-c.cmake reads from the
 * report.json of the installed mpqc run on the same model with the same
 * budgets. Exits 1 on any difference.
 */

#include <mpq-c/Compiler.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s MODEL.onnx OBJECT ARENA FLASH BITS\n", argv[0]);
    return 2;
  }
  MpqStringRef version = mpqGetVersion();
  printf("built against %.*s\n", (int)version.length, version.data);

  MpqCompileOptions options = mpqCompileOptionsCreate();
  if (mpqLogicalResultIsFailure(
          mpqCompileOptionsSetTarget(options, "cortex-m7")) ||
      mpqLogicalResultIsFailure(mpqCompileOptionsSetFlash(options, "64kB")) ||
      mpqLogicalResultIsFailure(mpqCompileOptionsSetRam(options, "32kB"))) {
    fprintf(stderr, "error: %s\n", mpqCompileOptionsGetError(options).data);
    return 1;
  }
  MpqCompileResult result = mpqCompileFile(options, argv[1]);
  mpqCompileOptionsDestroy(options);
  if (!mpqCompileResultSucceeded(result)) {
    fprintf(stderr, "%s", mpqCompileResultGetError(result).data);
    mpqCompileResultDestroy(result);
    return 1;
  }

  long long arena = mpqCompileResultGetArenaBytes(result);
  long long flash = mpqCompileResultGetFlashBytes(result);
  const char *bits = mpqCompileResultGetBits(result).data;
  printf("arena %lld flash %lld bits %s\n", arena, flash, bits);
  int status = 0;
  if (arena != atoll(argv[3]) || flash != atoll(argv[4]) ||
      strcmp(bits, argv[5]) != 0) {
    fprintf(stderr, "error: mpqc's report says arena %s flash %s bits %s\n",
            argv[3], argv[4], argv[5]);
    status = 1;
  }

  MpqStringRef object = mpqCompileResultGetObject(result);
  FILE *file = fopen(argv[2], "wb");
  if (!file || fwrite(object.data, 1, object.length, file) != object.length ||
      fclose(file) != 0) {
    fprintf(stderr, "error: cannot write %s\n", argv[2]);
    status = 1;
  }
  mpqCompileResultDestroy(result);
  if (status == 0)
    printf("as mpqc\n");
  return status;
}
