#!/usr/bin/env bash
# Installs every Debian package mpq needs to build and test. Idempotent and
# non-interactive; safe to run on a fresh Debian 12 (bookworm) machine as root
# (or with sudo available).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(
  # Build tools.
  cmake ninja-build g++ pkg-config
  # LLVM/MLIR 22 (libmlir-22-dev does not pull in mlir-tblgen or LLVMConfig).
  llvm-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools lld-22
  # The sanitizer build and the libFuzzer targets (utils/sanitize.sh).
  clang-22 libclang-rt-22-dev
  # ONNX through protobuf.
  libprotobuf-dev protobuf-compiler libonnx-dev
  # The MILP solver of the precision search (strategy=search).
  libglpk-dev
  # ONNX's backend node tests (test/OnnxNode compiles the integer-op cases).
  libonnx-testdata
  # Cortex-M: cross toolchain, newlib (semihosting) and QEMU's Cortex-M
  # machines (microbit, mps2-an385/386/500/505, mps3-an547); the firmware
  # example (examples/firmware) needs nothing more.
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  # Unit tests.
  libgtest-dev libgmock-dev
  # Model generators and test scripts (run with /usr/bin/python3);
  # python3-torch and the dataset train the Fashion-MNIST test model.
  # python3-jsonschema checks mpqc's report against docs/report-schema.json.
  python3 python3-onnx python3-numpy python3-torch dataset-fashion-mnist
  python3-jsonschema
)
# utils/fetch-models.sh uses npm; a machine may already have it from another
# source (NodeSource's nodejs bundles it), so add Debian's only when missing.
if ! command -v npm >/dev/null 2>&1; then PKGS+=(npm); fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
