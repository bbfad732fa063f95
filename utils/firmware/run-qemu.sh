#!/usr/bin/env bash
# Builds the firmware for a model compiled by `mpqc --target=cortex-m*` and
# runs it under the QEMU machine of its core, or only links it against the
# STM32H743 memory map (the fit check).
#
#   utils/firmware/run-qemu.sh [--float-abi=ABI] [--psram-weights] OUTDIR NAME input.f32 output0.i32 [...]
#   utils/firmware/run-qemu.sh --fit-stm32h743 OUTDIR NAME
#
# The core and the float ABI are read off the object's build attributes
# (Tag_CPU_name; Tag_ABI_VFP_args for hard, Tag_FP_arch for softfp), and the
# firmware is built the same way:
#
#   core           machine      memory map        SysTick clock
#   cortex-m0plus  microbit     microbit.ld       16 MHz (an nRF51's Cortex-M0)
#   cortex-m3      mps2-an385   mps2.ld           25 MHz
#   cortex-m4      mps2-an386   mps2.ld           25 MHz
#   cortex-m7      mps2-an500   mps2.ld           25 MHz
#   cortex-m33     mps2-an505   mps2-an505.ld     20 MHz
#   cortex-m55     mps3-an547   mps3-an547.ld     32 MHz
#
# --float-abi builds the firmware with another ABI than the object's (to
# show that the link refuses a mismatch). --psram-weights links the model's
# weights and parameters into the mps2-an500's 16 MB of PSRAM
# (mps2-an500-psram.ld), for weights beyond the 4 MB of code RAM (cortex-m7
# only). The fit check is for a Cortex-M7.
#
# Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm
# (utils/install-deps.sh). Prints the firmware's output (the instruction
# count) and exits with its status. Semihosting hands the firmware its
# command line through a small buffer: with several long absolute paths the
# firmware no longer sees its arguments, so pass paths relative to the
# working directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fit=0 abi="" psram=0
while [ $# -gt 0 ]; do
  case "$1" in
    --fit-stm32h743) fit=1; shift ;;
    --psram-weights) psram=1; shift ;;
    --float-abi=*) abi="${1#--float-abi=}"; shift ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "usage: $0 [--fit-stm32h743] [--float-abi=soft|softfp|hard] [--psram-weights] OUTDIR NAME [input.f32 output.i32...]" >&2
  exit 2
fi
outdir="$1" name="$2"; shift 2
upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
for tool in arm-none-eabi-gcc arm-none-eabi-readelf qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (run utils/install-deps.sh)" >&2; exit 1; }
done
[ -f "$outdir/$name.o" ] || { echo "$0: $outdir/$name.o not found" >&2; exit 1; }

attributes="$(arm-none-eabi-readelf -A "$outdir/$name.o" 2>/dev/null || true)"
core="$(sed -n 's/^ *Tag_CPU_name: "\(.*\)"/\1/p' <<<"$attributes")"
if [ -z "$abi" ]; then
  if grep -q 'Tag_ABI_VFP_args: VFP registers' <<<"$attributes"; then abi=hard
  elif grep -q 'Tag_FP_arch:' <<<"$attributes"; then abi=softfp
  else abi=soft; fi
fi
fpu="" machine="" map="" hz=25000000 window=12288
case "$core" in
  cortex-m0plus) machine=microbit map=microbit.ld hz=16000000 window=768 ;;
  cortex-m3) machine=mps2-an385 map=mps2.ld ;;
  cortex-m4) machine=mps2-an386 map=mps2.ld fpu=fpv4-sp-d16 ;;
  cortex-m7) machine="mps2-an500 -cpu cortex-m7" map=mps2.ld fpu=fpv5-d16 ;;
  cortex-m33) machine=mps2-an505 map=mps2-an505.ld hz=20000000 fpu=fpv5-sp-d16 ;;
  cortex-m55) machine=mps3-an547 map=mps3-an547.ld hz=32000000 fpu=auto ;;
  *) echo "$0: $outdir/$name.o is not for a Cortex-M core mpqc targets (Tag_CPU_name '${core}'; compile with --target=cortex-m...)" >&2
     exit 1 ;;
esac
if [ "$psram" = 1 ]; then
  [ "$core" = cortex-m7 ] || { echo "$0: --psram-weights is for the mps2-an500 (cortex-m7), not $core" >&2; exit 1; }
  map=mps2-an500-psram.ld
fi
cflags=(-mcpu="$core" -mthumb -mfloat-abi="$abi")
if [ "$abi" != soft ]; then
  [ -n "$fpu" ] || { echo "$0: $core has no FPU: --float-abi=$abi cannot be built" >&2; exit 1; }
  cflags+=(-mfpu="$fpu")
fi

elf="$outdir/$name.qemu.elf" defs=(-DMPQ_SYSTICK_HZ="$hz"u -DMPQ_STACK_WINDOW="$window")
if [ "$fit" = 1 ]; then
  [ "$core" = cortex-m7 ] || { echo "$0: the STM32H743 fit check is for cortex-m7 objects, not $core" >&2; exit 1; }
  map="stm32h743.ld"; elf="$outdir/$name.stm32h743.elf"; defs+=(-DMPQ_FIT_CHECK)
fi
arm-none-eabi-gcc "${cflags[@]}" -O2 \
  -ffunction-sections -fdata-sections --specs=rdimon.specs \
  -I "$outdir" -I "$here/../runtime" -DMPQ_MODEL="$name" -DMPQ_UPPER="$upper" "${defs[@]}" \
  -L "$here" -T "$here/$map" -Wl,--gc-sections \
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
# $machine may carry a -cpu option: split on purpose.
# shellcheck disable=SC2086
exec qemu-system-arm -M $machine -nographic -monitor none \
  -serial none -icount shift=0,sleep=off \
  -semihosting-config "enable=on,target=native,$args" -kernel "$elf"
