/* main.c - runs a model compiled by mpqc on a Cortex-M core under QEMU.
 *
 *   fw.elf [--codes] [--float] input0.f32 [...] output0.i32 [...]
 *
 * The same files and options as utils/runtime/host_runner.c, so QEMU's
 * outputs compare byte for byte with the host's: the float inputs (model
 * layout) are read through semihosting and quantized with the header's
 * helper (or, with --codes, read as packed codes), the model
 * runs, each output is written as int32 codes, and the number of
 * instructions the model took is printed: with QEMU's -icount shift=0 one
 * instruction is one ns of virtual time, and SysTick, on the processor clock
 * (MPQ_SYSTICK_HZ, the machine's: 25 MHz on the MPS2 boards, one tick per 40
 * instructions), counts it.
 *
 * Built by run-qemu.sh with -DMPQ_SYSTICK_HZ and -DMPQ_STACK_WINDOW for the
 * machine.
 */
#include "mpq_runner.h"

/* The input and the outputs live in the arena (the header's offsets), as
 * on a real device: no extra RAM for them. */
static uint8_t arena[UPPER(_ARENA_BYTES)] __attribute__((aligned(16)));
#define in0 (arena + UPPER(_INPUT0_ARENA_OFFSET))
#define in1 (arena + UPPER(_INPUT1_ARENA_OFFSET))
#define in2 (arena + UPPER(_INPUT2_ARENA_OFFSET))
#define in3 (arena + UPPER(_INPUT3_ARENA_OFFSET))
#define out0 (arena + UPPER(_OUTPUT0_ARENA_OFFSET))
#define out1 (arena + UPPER(_OUTPUT1_ARENA_OFFSET))
#define out2 (arena + UPPER(_OUTPUT2_ARENA_OFFSET))
#define out3 (arena + UPPER(_OUTPUT3_ARENA_OFFSET))

/* A one-input model's float input is read into the part of the arena its
 * codes do not use (the run overwrites it afterwards): a small RAM (the
 * micro:bit's 16 kB) then holds the arena and not a second copy of the
 * input. */
#define MPQ_FLOAT_BYTES_ (4 * UPPER(_INPUT0_ELEMENTS))
#define MPQ_CODES_END_                                                         \
  ((UPPER(_INPUT0_ARENA_OFFSET) + UPPER(_INPUT0_BYTES) + 3) / 4 * 4)
#if UPPER(_NUM_INPUTS) == 1 && UPPER(_INPUT0_ARENA_OFFSET) >= 0
#if UPPER(_INPUT0_ARENA_OFFSET) >= MPQ_FLOAT_BYTES_
#define MPQ_FLOAT_INPUT_DECL(k) float *x = (float *)arena
#elif UPPER(_ARENA_BYTES) - MPQ_CODES_END_ >= MPQ_FLOAT_BYTES_
#define MPQ_FLOAT_INPUT_DECL(k) float *x = (float *)(arena + MPQ_CODES_END_)
#endif
#endif

#ifndef MPQ_SYSTICK_HZ
#define MPQ_SYSTICK_HZ 25000000u
#endif
#ifndef MPQ_STACK_WINDOW
#define MPQ_STACK_WINDOW (12 * 1024)
#endif

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
static volatile uint32_t wraps;

/* Stack high-water mark of the model: paint a window below the current
 * stack pointer before the run and find the deepest word it overwrote.
 * (newlib's crt0 places the stack where the semihosting host says, so the
 * window is relative to the live SP, not to the linker script's stack; the
 * window, 12 KB by default, fits inside the map's .stack: 16 KB by default,
 * 1 KB on the micro:bit.) */
#define PAINT 0xA5A5A5A5u
#define WINDOW (MPQ_STACK_WINDOW / 4)
static volatile uint32_t *window;
/* Paints the WINDOW words below `top` (main's stack pointer): the calls that
 * follow in main run there. always_inline: no frame of its own below top. */
static inline __attribute__((always_inline)) void paintStack(uintptr_t top) {
  /* volatile: the compiler must not drop stores below the live frame. */
  window = (volatile uint32_t *)(top & ~(uintptr_t)3) - WINDOW;
  for (uint32_t i = 0; i < WINDOW; ++i)
    window[i] = PAINT;
}
static uint32_t stackUsed(void) {
  uint32_t i = 0;
  while (i < WINDOW && window[i] == PAINT)
    ++i;
  return (WINDOW - i) * 4;
}

void SysTick_Handler(void) { ++wraps; }

static uint64_t ticks(void) {
  uint32_t w, v;
  do {
    w = wraps;
    v = SYST_CVR;
  } while (w != wraps);
  return (uint64_t)w * 0x1000000u + (0xFFFFFFu - v);
}

#include "mpq_runner_io.h"

int main(int argc, char **argv) {
  int first = mpq_parse_options(argc, argv);
  if (argc - first != UPPER(_NUM_INPUTS) + UPPER(_NUM_OUTPUTS)) {
    printf("usage: fw.elf [--codes] [--float] input... output... "
           "(%d inputs, %d outputs)\n",
           UPPER(_NUM_INPUTS), UPPER(_NUM_OUTPUTS));
    return 2;
  }
#ifdef MPQ_FIT_CHECK
  (void)argv; /* Linked, not run: input codes would come from a sensor. */
#else
  /* The float inputs exist only in the QEMU build (4 MB of RAM); the fit
   * check links what a device needs. */
  if (mpq_read_inputs(argv + first))
    return 1;
#endif
  uintptr_t sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  paintStack(sp);
  SYST_RVR = 0xFFFFFF;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt, enable */
  /* The counter holds 0 until its first reload from RVR. */
  while (SYST_CVR == 0) {
  }
  uint64_t start = ticks();
  int status = MPQ_RUN();
  uint64_t elapsed = ticks() - start;
  SYST_CSR = 0;
  /* Before any file output, whose newlib calls use deep stacks. */
  uint32_t stack = stackUsed();
  if (status != 0)
    return 1;
#ifndef MPQ_FIT_CHECK
  /* Not in the fit check: its float buffers are no part of a device. */
  if (mpq_write_outputs(argv + first + UPPER(_NUM_INPUTS)))
    return 1;
#endif
  /* With -icount shift=0 an instruction takes 1 ns: 1e9 / MPQ_SYSTICK_HZ
   * instructions per tick (40 at 25 MHz). */
  printf("instructions: %llu\n",
         (unsigned long long)(elapsed * 1000000000ull / MPQ_SYSTICK_HZ));
  /* Bytes of stack below main's frame used by the run (the model and the
   * SysTick interrupt's frame). */
  printf("stack: %lu\n", (unsigned long)stack);
  return 0;
}
