#!/usr/bin/env bash
# Runs one of mpq's libFuzzer targets for a fixed time on a fresh corpus
# seeded from the tests (docs/reliability.md). Exits non-zero on any crash,
# sanitizer report, timeout or out-of-memory, and prints libFuzzer's final
# statistics (the number of executions is `stat::number_of_executed_units`).
#
#   run-fuzzer.sh FUZZER SECONDS WORKDIR [extra libFuzzer flags...]
#
# FUZZER is a path to mpq-import-fuzzer, mpq-compile-fuzzer or
# mpq-type-fuzzer; WORKDIR receives the corpus and any crash reproducer.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
fuzzer="$1"; seconds="$2"; work="$3"; shift 3
name="$(basename "$fuzzer")"

# Debian's LLVM/MLIR are not instrumented, while the LLVM headers mpq
# compiles poison memory by hand when they see ASan (BumpPtrAllocator):
# that poisoning would not match the uninstrumented library code.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

rm -rf "$work" && mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
case "$name" in
  mpq-type-fuzzer)
    /usr/bin/python3 "$here/make-seeds.py" types "$src" "$work/seeds"
    dict="$here/mpq-types.dict"; maxlen=256 ;;
  *)
    /usr/bin/python3 "$here/make-seeds.py" onnx "$src" "$work/seeds"
    dict="$here/onnx.dict"; maxlen=65536 ;;
esac

"$fuzzer" "$work/corpus" "$work/seeds" \
  -dict="$dict" -max_len="$maxlen" -max_total_time="$seconds" \
  -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" 2>&1 | tee "$work/log" |
  grep -E "^(INFO: (Running with|Loaded|seed corpus)|Done|stat::|==[0-9]+==ERROR|SUMMARY|.*runtime error)" || true
status=${PIPESTATUS[0]}
# slow-unit-* files only note inputs above -report_slow_units: not failures.
if [ "$status" -ne 0 ] || ls "$work/artifacts" | grep -qE "^(crash|leak|timeout|oom)-"; then
  echo "$name: FAILED (exit $status); the log and reproducers are in $work" >&2
  tail -n 60 "$work/log" >&2
  exit 1
fi
echo "$name: no reports in $seconds s"
