#!/usr/bin/python3
"""mpq against ONNX Runtime on a QDQ int8 model exported by PyTorch (docs/decisions.md §6).

The model is utils/models/torch_qdq.py --int8 (conv with per-channel int8 weights, ReLU,
global average pool, fc, every tensor on an int8/uint8 QDQ grid). ONNX Runtime
(utils/ort/run_onnx.js, installed by utils/fetch-ort.sh) runs the .onnx; mpq imports it
(mpq-translate --import-onnx: the QDQ pairs become !mpq.uniform fake_quants), lowers it
directly (mpq-opt --mpq-lower-fake-quant --mpq-check-integer-only: no calibration) and
runs the integer model with mpq-eval. Both outputs are dequantized logits; they are
compared as codes of the output grid. ONNX Runtime runs twice: with its default graph
optimizations (QDQ fused into QLinearConv / QGemm kernels, its own requantization) and
with none (every Q/DQ/Conv node as written, in float32). To say where codes differ, the
ONNX Runtime copy of the model also outputs the ReLU's and the pool's dequantized codes
(extra graph outputs; the logits stay bit-identical) and mpq-eval dumps its intermediates:
conv+ReLU codes, pooled codes (and how many pooled sums are exact ties, sum/64 = k + 1/2)
and logit codes are compared separately.

  benchmarks/ort_qdq.py [--build build] [--count 200] [--min-identical 0.99]

Prints the figures and PASS/FAIL (identical >= --min-identical of the codes and none
more than one code apart, against the optimized session); exits 1 on FAIL.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("ort_qdq: %s failed:\n%s" % (" ".join(map(str, cmd)), done.stderr))
    return done.stdout


RELU_SCALE = np.float32(0.05)  # torch_qdq.py: the ReLU output and the pooled vector


def add_probes(src, dst):
    """A copy of the model that also outputs the DequantizeLinear feeding the pool and the one
    feeding the fc (the ReLU's and the pool's codes, dequantized)."""
    import onnx
    model = onnx.load(src)
    producers = {o: n for n in model.graph.node for o in n.output}
    probes = []
    for node in model.graph.node:
        if node.op_type in ("GlobalAveragePool", "Gemm"):
            if producers[node.input[0]].op_type != "DequantizeLinear":
                sys.exit("ort_qdq: expected a DequantizeLinear before " + node.name)
            probes.append(node.input[0])
    for name in probes:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    onnx.save(model, dst)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--count", type=int, default=200, help="random inputs (seed 0)")
    ap.add_argument("--min-identical", type=float, default=0.99)
    ap.add_argument("--node", default="node")
    args = ap.parse_args(argv)
    bin_dir = os.path.join(args.build, "bin")
    runner = os.path.join(ROOT, "utils", "ort", "run_onnx.js")
    with tempfile.TemporaryDirectory(prefix="mpq-ort-") as tmp:
        onnx = os.path.join(tmp, "qdq.onnx")
        run([sys.executable, os.path.join(ROOT, "utils", "models", "torch_qdq.py"), "--int8", "-o", onnx])
        x = os.path.join(tmp, "x.npy")
        # Normal inputs: the input grid (scale 1/64, zero point 3) spans [-2.05, 1.94], so a few
        # saturate, as real data would.
        np.save(x, np.random.default_rng(0).standard_normal((args.count, 3, 8, 8)).astype(np.float32))
        mlir, integer = os.path.join(tmp, "qdq.mlir"), os.path.join(tmp, "int.mlir")
        run([os.path.join(bin_dir, "mpq-translate"), "--import-onnx", onnx, "-o", mlir])
        run([os.path.join(bin_dir, "mpq-opt"), mlir, "--mpq-lower-fake-quant", "--mpq-check-integer-only",
             "-o", integer])
        text = open(integer).read()
        grid = re.findall(r"mpq\.dequantize %\S+ : tensor<[0-9x]+x!mpq\.uniform<i8, ([0-9.e+-]+)(?::(-?\d+))?>>",
                          text)
        if not grid:
            sys.exit("ort_qdq: the integer model does not end in a dequantize of int8 logits")
        scale, zero_point = float(grid[-1][0]), int(grid[-1][1] or 0)
        probed = os.path.join(tmp, "probed.onnx")
        add_probes(onnx, probed)
        dump = os.path.join(tmp, "dump")
        outputs, relu, pooled = {}, {}, {}
        run([os.path.join(bin_dir, "mpq-eval"), integer, "--input", x, "-o", os.path.join(tmp, "mpq.npy"),
             "--dump-dir", dump])
        outputs["mpq"] = np.load(os.path.join(tmp, "mpq.npy"))
        dumped = sorted(os.listdir(dump), key=lambda f: int(f.split("_")[0]))
        relu["mpq"] = np.load(os.path.join(dump, [f for f in dumped if "requantize" in f][0]))
        sums = np.load(os.path.join(dump, [f for f in dumped if "qavg_pool2d" in f][0]))
        pooled["mpq"] = sums.reshape(len(sums), -1)
        for name, extra in (("ort", []), ("ort-noopt", ["--no-optimize"])):
            out = os.path.join(tmp, name)
            run([args.node, runner, probed, "--input", x, "--output-dir", out] + extra)
            outputs[name] = np.load(os.path.join(out, "output_0.npy"))
            # NCHW -> NHWC codes on the ReLU's grid; the pooled vector on the same grid.
            relu[name] = np.round(np.load(os.path.join(out, "output_1.npy")) / RELU_SCALE).astype(np.int64)
            relu[name] = relu[name].transpose(0, 2, 3, 1)
            pooled[name] = np.round(np.load(os.path.join(out, "output_2.npy")) / RELU_SCALE).astype(np.int64)
            pooled[name] = pooled[name].reshape(len(pooled[name]), -1)

    # Back to codes: every output is (q - zp) * scale in float32, so rounding recovers q.
    codes = {k: np.round(v.astype(np.float64) / scale).astype(np.int64) + zero_point for k, v in outputs.items()}
    total = codes["mpq"].size
    print("model: torch_qdq.py --int8, %d random inputs, %d logit codes (int8, scale %.6g, zero point %d)"
          % (args.count, total, scale, zero_point))
    figures = {}
    for a, b in (("mpq", "ort"), ("mpq", "ort-noopt"), ("ort", "ort-noopt")):
        diff = codes[a] - codes[b]
        figures[(a, b)] = (int(np.sum(diff == 0)), int(np.abs(diff).max()))
        print("%-4s vs %-9s: identical %d/%d (%.2f%%), largest difference %d, %s higher on %d, lower on %d; "
              "top-1 agreement %.2f%%"
              % (a, b, figures[(a, b)][0], total, 100.0 * figures[(a, b)][0] / total, figures[(a, b)][1], a,
                 int(np.sum(diff > 0)), int(np.sum(diff < 0)),
                 100.0 * np.mean(codes[a].argmax(1) == codes[b].argmax(1))))
    for stage, values in (("conv+relu", relu), ("pooled", pooled)):
        diff = values["mpq"].astype(np.int64) - values["ort"]
        print("%-9s codes, mpq vs ort: identical %d/%d (%.3f%%), largest difference %d"
              % (stage, int(np.sum(diff == 0)), diff.size, 100.0 * np.mean(diff == 0), int(np.abs(diff).max())))
    # mpq's pooled codes are round-half-to-even of the exact mean; the ties are where float32 arithmetic
    # (ORT) can land on either side.
    window = relu["mpq"].shape[1] * relu["mpq"].shape[2]
    sums = relu["mpq"].astype(np.int64).sum(axis=(1, 2))
    ties = (sums % window) * 2 == window
    differs = pooled["mpq"] != pooled["ort"]
    print("pooled sums that are exact ties (mean = k + 1/2): %d; pooled codes that differ: %d, of them ties: %d; "
          "inputs whose logits differ: %d, of them with a differing pooled code: %d"
          % (int(ties.sum()), int(differs.sum()), int((differs & ties).sum()),
             int((codes["mpq"] != codes["ort"]).any(1).sum()),
             int(((codes["mpq"] != codes["ort"]).any(1) & differs.any(1)).sum())))
    distinct = len(np.unique(codes["mpq"]))
    print("distinct logit codes (mpq): %d" % distinct)
    identical, worst = figures[("mpq", "ort")]
    ok = identical >= args.min_identical * total and worst <= 1 and distinct > 10
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
