#!/usr/bin/env bash
# Builds the firmware for a model compiled by `mpqc --target=cortex-m7` and
# runs it under QEMU's Cortex-M7 (mps2-an500), or only links it against the
# STM32H743 memory map (the fit check).
#
#   utils/firmware/run-qemu.sh OUTDIR NAME input.f32 output0.i32 [...]
#   utils/firmware/run-qemu.sh --fit-stm32h743 OUTDIR NAME
#
# Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm
# (utils/install-deps.sh). Prints the firmware's output (the instruction
# count) and exits with its status. Semihosting hands the firmware its
# command line through a small buffer: with several long absolute paths the
# firmware no longer sees its arguments, so pass paths relative to the
# working directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fit=0
if [ "${1:-}" = "--fit-stm32h743" ]; then fit=1; shift; fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [--fit-stm32h743] OUTDIR NAME [input.f32 output.i32...]" >&2
  exit 2
fi
outdir="$1" name="$2"; shift 2
upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (run utils/install-deps.sh)" >&2; exit 1; }
done
map="$here/mps2-an500.ld"; elf="$outdir/$name.qemu.elf"; defs=""
if [ "$fit" = 1 ]; then
  map="$here/stm32h743.ld"; elf="$outdir/$name.stm32h743.elf"; defs="-DMPQ_FIT_CHECK"
fi
arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard -O2 \
  -ffunction-sections -fdata-sections --specs=rdimon.specs \
  -I "$outdir" -I "$here/../runtime" -DMPQ_MODEL="$name" -DMPQ_UPPER="$upper" $defs \
  -L "$here" -T "$map" -Wl,--gc-sections \
  "$here/startup.c" "$here/main.c" "$outdir/$name.o" -o "$elf.$$"
# Atomically: runs of one OUTDIR may overlap (a test's two runs in a pipe).
mv -f "$elf.$$" "$elf"
if [ "$fit" = 1 ]; then
  arm-none-eabi-size -A "$elf" | awk '$1 ~ /^\.(isr_vector|text|ARM|data|bss|heap|stack)/ && $2 > 0 {print}'
  echo "fits the STM32H743 map (2 MB flash, 512 kB AXI SRAM): $elf"
  exit 0
fi
args="arg=$name.qemu.elf"
for a in "$@"; do args="$args,arg=$a"; done
exec qemu-system-arm -M mps2-an500 -cpu cortex-m7 -nographic -monitor none \
  -serial none -icount shift=0,sleep=off \
  -semihosting-config "enable=on,target=native,$args" -kernel "$elf"
