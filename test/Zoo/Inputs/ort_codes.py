"""mpq against ONNX Runtime on the same QDQ file, in output codes.

Runs ONNX Runtime (utils/ort/run_onnx.js, default optimizations, one thread)
on the QDQ model and `mpq-eval` on the integer graph mpqc compiled from it
(NAME.mlir, dequantized outputs), on the same inputs, and turns both outputs
into codes of the output grid mpqc kept from the model (NAME.h: OUTPUT0_SCALE;
ONNX Runtime's output is a DequantizeLinear, (q - zp) * scale in float32, so
rounding recovers q). Prints

  output: identical I/N codes, largest difference D

With --layer Q_NODE=DUMP (repeatable), also compares one activation: the
codes of the ONNX QuantizeLinear node Q_NODE (added as an extra output of a
copy of the model) against mpq-eval's dump whose file name ends in DUMP
(`<index>_DUMP.npy`, NHWC; the last such op, e.g. a conv's requantize rather
than its accumulator), and prints

  Q_NODE: identical I/N codes, largest difference D
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--eval", required=True)
p.add_argument("--mlir", required=True)
p.add_argument("--header", required=True)
p.add_argument("--inputs", required=True)
p.add_argument("--count", type=int, default=0, help="0: all")
p.add_argument("--layer", action="append", default=[])
p.add_argument("--node", default="node")
args = p.parse_args()

header = open(args.header).read()
scale = float(re.search(r"_OUTPUT0_SCALE ([0-9.eE+-]+)f", header).group(1))
zero_point = int(re.search(r"_OUTPUT0_ZERO_POINT (-?\d+)", header).group(1))

with tempfile.TemporaryDirectory() as tmp:
    x = np.load(args.inputs).astype(np.float32)
    if args.count:
        x = x[: args.count]
    xin = os.path.join(tmp, "x.npy")
    np.save(xin, x)
    model = onnx.load(args.model)
    layers = [spec.split("=", 1) for spec in args.layer]
    by_name = {n.name: n for n in model.graph.node}
    for q, _ in layers:
        model.graph.output.append(
            onnx.helper.make_tensor_value_info(by_name[q].output[0], onnx.TensorProto.UINT8, None))
    probed = os.path.join(tmp, "probed.onnx")
    onnx.save(model, probed)
    subprocess.run([args.node, os.path.join(ROOT, "utils", "ort", "run_onnx.js"), probed, "--input", xin,
                    "--output-dir", os.path.join(tmp, "ort")], check=True)
    ort = np.load(os.path.join(tmp, "ort", "output_0.npy"))
    mpq, dumps = [], {}
    for n in range(len(x)):
        np.save(os.path.join(tmp, "x1.npy"), x[n:n + 1])
        dump = os.path.join(tmp, "dump")
        subprocess.run([args.eval, args.mlir, "--input", os.path.join(tmp, "x1.npy"), "-o",
                        os.path.join(tmp, "y.npy")] + (["--dump-dir", dump] if layers else []),
                       check=True, stdout=subprocess.DEVNULL)
        mpq.append(np.load(os.path.join(tmp, "y.npy")).reshape(ort.shape[1:]))
        for q, suffix in layers:
            files = sorted((f for f in os.listdir(dump) if f.endswith("_" + suffix + ".npy")),
                           key=lambda f: int(f.split("_")[0]))
            if not files:
                sys.exit("ort_codes: no dump ends in %s: %s" % (suffix, sorted(os.listdir(dump))))
            # The last op of the node (a conv's requantize after its accumulator).
            dumps.setdefault(q, []).append(np.load(os.path.join(dump, files[-1])))
    mpq = np.stack(mpq)
    figures = [("output", np.round(mpq.astype(np.float64) / scale), np.round(ort.astype(np.float64) / scale))]
    for i, (q, _) in enumerate(layers):
        theirs = np.load(os.path.join(tmp, "ort", "output_%d.npy" % (i + 1)))
        if theirs.ndim == 4:
            theirs = theirs.transpose(0, 2, 3, 1)
        figures.append((q, np.concatenate(dumps[q]).reshape(theirs.shape), theirs))

for name, a, b in figures:
    d = a.astype(np.int64) - b.astype(np.int64)
    print("%s: identical %d/%d codes, largest difference %d" % (name, int(np.sum(d == 0)), d.size, int(np.abs(d).max())))
