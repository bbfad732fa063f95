#!/usr/bin/env bash
# The hostile-input check of CI (docs/reliability.md): builds mpq with
# AddressSanitizer + UndefinedBehaviorSanitizer and the libFuzzer targets
# (clang-22) in build-san, then runs its ctest: every lit and unit test under
# the sanitizers, and each fuzz target for MPQ_FUZZ_SECONDS (default 60) on a
# corpus seeded from the tests. Any sanitizer report fails the test it
# happens in. ctest's closing line is this step's summary.
#
#   utils/sanitize.sh [BUILD_DIR]     (default build-san)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build-san}"

# Debian's LLVM/MLIR libraries are not instrumented, while the LLVM headers
# mpq compiles poison memory by hand under ASan (BumpPtrAllocator): the two
# would disagree, so hand poisoning is off. Leaks are reported.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DMPQ_ENABLE_SANITIZERS=ON -DMPQ_ENABLE_FUZZERS=ON \
  -DMPQ_FUZZ_SECONDS="${MPQ_FUZZ_SECONDS:-60}" "${launcher[@]}"
ninja -C "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2
