#!/usr/bin/env bash
# Installs ONNX Runtime for Node (npm onnxruntime-node, x86-64 Linux build of
# libonnxruntime.so.1) into a cache directory; mpq's tests and benchmarks use
# it as the reference for QDQ models (utils/ort/run_onnx.js).
#
#   utils/fetch-ort.sh [CACHE_DIR]
#
# CACHE_DIR defaults to $MPQ_ORT_CACHE, then $HOME/.cache/mpq/ort; the package
# lands in CACHE_DIR/node_modules/onnxruntime-node. --onnxruntime-node-install=skip
# skips the package's optional CUDA download (the CPU library ships in the
# tarball). Idempotent: an installed package of the pinned version whose
# library loads is kept. Exits non-zero with a clear message when node/npm are
# missing, the registry cannot be reached or the library does not load.
set -euo pipefail

VERSION="1.30.0"
CACHE="${1:-${MPQ_ORT_CACHE:-$HOME/.cache/mpq/ort}}"

die() { echo "fetch-ort: error: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 ||
  die "node not found: install it (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 ||
  die "npm not found: install it (Debian: apt-get install npm)"

# Prints the installed version if the package loads, fails otherwise.
check() {
  (cd "$CACHE" && node -e '
    const ort = require("onnxruntime-node");
    const v = require("onnxruntime-node/package.json").version;
    if (typeof ort.InferenceSession.create !== "function") process.exit(1);
    console.log(v);') 2>/dev/null
}

mkdir -p "$CACHE" || die "cannot create cache directory $CACHE"
# A package.json of its own keeps npm from installing into a parent project.
[ -f "$CACHE/package.json" ] ||
  echo '{"private": true, "description": "mpq: ONNX Runtime cache"}' >"$CACHE/package.json"
if have="$(check)" && [ "$have" = "$VERSION" ]; then
  echo "fetch-ort: onnxruntime-node $VERSION present in $CACHE"
  exit 0
fi

echo "fetch-ort: npm install onnxruntime-node@$VERSION into $CACHE"
log="$CACHE/npm-install.log"
if ! (cd "$CACHE" && npm install --no-save --no-audit --no-fund \
        "onnxruntime-node@$VERSION" --onnxruntime-node-install=skip >"$log" 2>&1); then
  tail -n 20 "$log" >&2 || true
  die "'npm install onnxruntime-node@$VERSION' failed (no network or npm registry unreachable?); log: $log"
fi
have="$(check)" || die "onnxruntime-node installed but does not load (see $log)"
[ "$have" = "$VERSION" ] || die "installed version $have, expected $VERSION"
echo "fetch-ort: onnxruntime-node $VERSION ready in $CACHE"
