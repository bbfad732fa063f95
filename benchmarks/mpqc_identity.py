#!/usr/bin/python3
"""Checks that two mpqc builds write byte-identical outputs (object, header,
report, plan SVG, integer IR) on the models of docs/cortex-m.md, the
Fashion-MNIST CNN and BlazeFace, for both targets: the check a refactoring
of the compiler must pass.

  benchmarks/mpqc_identity.py --before OLD/bin/mpqc [--after build/bin/mpqc]
      [--build build] [--models mbv1,fmnist,blazeface,integer] [--jobs 2]

Save the old tools before rebuilding (`cp -r build/bin /tmp/bin-before`).
Prints one line per compile and ends with `N passed, N failed`; exits
non-zero if any output differs, or if one build fails where the other does not.
Budgets are those of benchmarks/cortex_m.py (the paper's 2,048,000 B /
512,000 B; 64 kB / 32 kB for Fashion-MNIST); the x86-64 builds use the same
budgets, so they also exercise the flash retry with a different code size.
"""
import argparse
import concurrent.futures
import filecmp
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUTS = [".o", ".h", ".report.json", ".report.md", ".plan.svg", ".mlir"]


def cases(build, models, tmp):
    """(name, onnx, flags) for every compile to compare."""
    out = []
    if "fmnist" in models:
        x = np.load(os.path.join(build, "models/fmnist/fmnist_test_images.npy")).astype(np.float32) / 255.0
        calib = os.path.join(tmp, "fm_calib.npy")
        np.save(calib, x[1000:1064].reshape(64, 1, 28, 28))
        onnx = os.path.join(build, "models/fmnist/fashion_mnist_cnn.onnx")
        for scheme in ["pc-icn", "pl-icn", "pl-fb"]:
            out.append((f"fmnist_{scheme.replace('-', '')}", onnx,
                        ["--flash=64kB", "--ram=32kB", f"--calibration={calib}", f"--scheme={scheme}"]))
        # The flash retry and the auto code-size fallback.
        out.append(("fmnist_retry", onnx, ["--flash=12000", "--ram=32000", "--optimize=size"]))
        out.append(("fmnist_auto", onnx, ["--flash=16000", "--ram=32000"]))
        out.append(("fmnist_pins", onnx, ["--flash=64kB", "--ram=32kB", "--pins=/conv1/Conv_1:4:4"]))
        out.append(("fmnist_nhwc", onnx, ["--flash=64kB", "--ram=32kB", "--input-layout=nhwc"]))
    if "mbv1" in models:
        for alpha in ["0.25", "0.5", "0.75", "1.0"]:
            for res in [128, 160, 192, 224]:
                name = f"mbv1_{alpha.replace('.', '')}_{res}"
                out.append((name, os.path.join(build, "models/mbv1", f"mbv1_{alpha}_{res}.onnx"),
                            ["--flash=2048000", "--ram=512000"]))
    if "blazeface" in models:
        cache = os.environ.get("MPQ_MODEL_CACHE", os.path.expanduser("~/.cache/mpq/models"))
        onnx = os.path.join(cache, "face_detection_front_128x128_barracuda.onnx")
        if os.path.exists(onnx):
            out.append(("blazeface", onnx, ["--flash=2048000", "--ram=512000"]))
        else:
            print(f"mpqc_identity: {onnx} is missing (utils/fetch-models.sh): BlazeFace skipped")
    if "integer" in models:
        integer = os.path.join(build, "models/integer")
        if os.path.isdir(integer):
            for f in sorted(os.listdir(integer)):
                if f.endswith(".onnx"):
                    out.append((f[:-5].replace("-", "_"), os.path.join(integer, f), []))
    return out


def compile_with(mpqc, onnx, outdir, name, target, flags):
    cmd = [mpqc, onnx, "-o", outdir, f"--target={target}", f"--name={name}",
           "--emit=obj,header,report,svg,mlir", "--quiet"] + flags
    res = subprocess.run(cmd, capture_output=True, text=True)
    return res.returncode, res.stderr.strip()


def compare(args, tmp, case, target):
    name, onnx, flags = case
    dirs = [os.path.join(tmp, which, target, name) for which in ("before", "after")]
    results = [compile_with(mpqc, onnx, d, name, target, flags)
               for mpqc, d in zip((args.before, args.after), dirs)]
    label = f"{name} {target}"
    (rc0, err0), (rc1, err1) = results
    if rc0 != 0 or rc1 != 0:
        if rc0 != 0 and rc1 != 0:
            return True, f"{label}: both fail ({err1.splitlines()[-1] if err1 else ''})"
        return False, f"{label}: before exit {rc0}, after exit {rc1}: {err0 or err1}"
    diffs = [suffix for suffix in OUTPUTS
             if not filecmp.cmp(os.path.join(dirs[0], name + suffix),
                                os.path.join(dirs[1], name + suffix), shallow=False)]
    if diffs:
        return False, f"{label}: DIFFERENT {' '.join(diffs)}"
    size = os.path.getsize(os.path.join(dirs[1], name + ".o"))
    return True, f"{label}: identical ({len(OUTPUTS)} files, object {size} B)"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--before", required=True, help="the old mpqc")
    p.add_argument("--after", default=os.path.join(ROOT, "build", "bin", "mpqc"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", default="mbv1,fmnist,blazeface,integer")
    p.add_argument("--targets", default="cortex-m7,x86_64")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = [(c, t) for c in cases(args.build, args.models.split(","), tmp)
                for t in args.targets.split(",")]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for ok, line in pool.map(lambda w: compare(args, tmp, *w), work):
                print(line, flush=True)
                passed += ok
                failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
