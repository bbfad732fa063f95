/* startup.c - the vector table and the reset handler: enable the FPU if the
 * firmware uses one, copy .data's initial values from flash, then enter
 * newlib's crt0 (_start), which clears .bss, sets up semihosting and calls
 * main. */
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
  for (uint32_t *from = &__data_load__, *to = &__data_start__;
       to < &__data_end__;)
    *to++ = *from++;
  _start();
  for (;;) {
  }
}

static void Default_Handler(void) {
  for (;;) {
  }
}

__attribute__((section(".isr_vector"),
               used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&__StackTop),
    Reset_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    0,
    0,
    0,
    0,
    Default_Handler,
    Default_Handler,
    0,
    Default_Handler,
    Default_Handler,
};
