#!/usr/bin/python3
"""Runs an ONNX model with ONNX Runtime and its mpqc-compiled integer IR with mpq-eval on the same
inputs, and compares the outputs.

  qdq_vs_ort.py MODEL.onnx MPQC.mlir INPUTS.npy --eval mpq-eval --ort utils/ort/run_onnx.js
               [--max-codes 1 --min-identical 0.95 | --max-rel 0.05]

If the model's output comes out of a DequantizeLinear (a QDQ model quantized to the end), both
outputs are compared as codes of that grid: at most --max-codes apart and at least
--min-identical of them identical. Otherwise (a float op after the quantized region) the largest
difference relative to the output's range must be at most --max-rel. Prints the figures and
PASS, or FAIL and exits 1.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper


def output_grid(model):
    """(scale, zero point) of the DequantizeLinear producing the first graph output, or None."""
    consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    for n in model.graph.node:
        if n.output[0] == model.graph.output[0].name and n.op_type == "DequantizeLinear":
            scale = float(consts[n.input[1]].reshape(-1)[0])
            zp = int(consts[n.input[2]].reshape(-1)[0]) if len(n.input) > 2 and n.input[2] else 0
            return scale, zp
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("mlir")
    ap.add_argument("inputs")
    ap.add_argument("--eval", required=True)
    ap.add_argument("--ort", required=True)
    ap.add_argument("--max-codes", type=int, default=1)
    ap.add_argument("--min-identical", type=float, default=0.95)
    ap.add_argument("--max-rel", type=float, default=0.05)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="imp-qdq-") as tmp:
        mpq, ort = os.path.join(tmp, "mpq.npy"), os.path.join(tmp, "ort.npy")
        for cmd in ([args.eval, args.mlir, "--input", args.inputs, "-o", mpq],
                    ["node", args.ort, args.model, "--input", args.inputs, "-o", ort]):
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                sys.exit("FAIL: %s: %s" % (" ".join(cmd), done.stderr))
        a, b = np.load(mpq).astype(np.float64), np.load(ort).astype(np.float64)
    if a.shape != b.shape:
        sys.exit("FAIL: shapes %s (mpq) and %s (ort)" % (a.shape, b.shape))
    grid = output_grid(onnx.load(args.model))
    if grid:
        codes = np.abs(np.round(a / grid[0]) - np.round(b / grid[0]))
        identical = float(np.mean(codes == 0))
        ok = codes.max() <= args.max_codes and identical >= args.min_identical
        print("output codes, mpq vs ort: %d values, %.1f%% identical, largest difference %d code(s), "
              "%d distinct codes from ort" % (codes.size, 100 * identical, codes.max(),
                                              len(np.unique(np.round(b / grid[0])))))
    else:
        rel = float(np.abs(a - b).max() / max(np.ptp(b), 1e-12))
        ok = rel <= args.max_rel
        print("float output, mpq vs ort: %d values, largest difference %.4f of the output's range" % (a.size, rel))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
