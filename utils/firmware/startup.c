/* startup.c - vector table and reset handler for a Cortex-M core running a
 * model compiled by mpqc, under QEMU (run-qemu.sh picks the machine) or on an
 * STM32H7.
 *
 * The reset handler enables the FPU when the firmware is built to use one
 * (newlib's hard- or softfp-float code needs it, even though the model's
 * integer path has no FP instruction), copies .data's initial values, then
 * enters
 * newlib's crt0 (_start from rdimon.specs), which clears .bss, sets up
 * semihosting and calls main; main's return value becomes QEMU's exit code.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern uint32_t __StackTop;
extern uint32_t __data_start__, __data_end__, __data_load__;
extern void _start(void);

void Reset_Handler(void) {
#ifdef __ARM_FP
  /* CPACR: full access to CP10 and CP11. */
  *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
  __asm volatile("dsb\n isb" ::: "memory");
#endif
  /* .data's initial values from where the image stores them (flash on an
   * STM32; on QEMU's loader the two places are the same). crt0 clears
   * .bss but does not copy .data. */
  for (uint32_t *from = &__data_load__, *to = &__data_start__;
       to < &__data_end__;)
    *to++ = *from++;
  _start();
  for (;;) {
  }
}

/* malloc's memory (newlib's stdio buffers): the .heap section the memory
 * map reserves, and not a byte more. newlib's own _sbrk grows from there up
 * to the stack pointer, which crt0 takes from the semihosting host: on the
 * mps3-an547 that is the top of the ITCM, below the data RAM, so every
 * allocation failed. */
extern char __end__, __HeapLimit;
void *_sbrk(ptrdiff_t increment) {
  static char *top = &__end__;
  if (increment > &__HeapLimit - top) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *old = top;
  top += increment;
  return old;
}

static void Default_Handler(void) {
  for (;;) {
  }
}

/* SysTick counts time for the instruction measurement (main.c). */
void SysTick_Handler(void);

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(
    void) = {
    (void (*)(void))(&__StackTop), Reset_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, 0, 0,
    0, 0, Default_Handler, Default_Handler, 0, Default_Handler, SysTick_Handler,
};
