#!/usr/bin/env python3
"""Compiles one ONNX backend node test (libonnx-testdata) with mpqc for
x86-64, runs it with utils/runtime/host_runner.c on the test's inputs, and
compares every output element with the test's expected output, exactly.

The node tests feed weights, scales and zero points as graph inputs; a
compiler needs them as constants, so every input except the data inputs
(input 0, or all inputs of an elementwise op) becomes an initializer with the
test's value. Integer data inputs are passed to the compiled model as their
codes (`--codes`); float data inputs as float32 values, quantized by the
generated header's helper. Float outputs are read back through the header's
dequantize helper (`--float`), integer outputs as codes.

The reference evaluator (mpq-eval) runs the same integer graph (mpqc's
--emit=mlir) on the same inputs: the compiled code and the evaluator must both
equal ONNX's expected outputs.

Prints `CASE: compiled N/N, evaluator N/N elements identical` (and the first
differences) and exits non-zero unless every element matches.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# Ops whose every input is data; for the others only input 0 is.
ALL_DATA = {"Add", "Sub", "Mul", "Div", "Max", "Min"}


def load_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", required=True, help="node test directory")
    p.add_argument("--work", required=True)
    p.add_argument("--mpqc", default="mpqc")
    p.add_argument("--eval", default="mpq-eval")
    p.add_argument("--runner-src", required=True)
    p.add_argument("--cc", default="cc")
    p.add_argument("--target", default="x86_64", choices=["x86_64", "cortex-m7"],
                   help="cortex-m7 runs the object under QEMU (utils/firmware/run-qemu.sh)")
    args = p.parse_args()

    name = os.path.basename(os.path.normpath(args.case))
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    model = onnx.load(os.path.join(args.case, "model.onnx"))
    data_dir = os.path.join(args.case, "test_data_set_0")
    inputs = [load_tensor(os.path.join(data_dir, f"input_{i}.pb"))
              for i in range(len(model.graph.input))]
    expected = [load_tensor(os.path.join(data_dir, f"output_{i}.pb"))
                for i in range(len(model.graph.output))]

    ops = {n.op_type for n in model.graph.node}
    data = list(range(len(inputs))) if ops <= ALL_DATA else [0]
    graph_inputs = list(model.graph.input)
    del model.graph.input[:]
    for i, vi in enumerate(graph_inputs):
        if i in data:
            model.graph.input.append(vi)
        else:
            model.graph.initializer.append(numpy_helper.from_array(inputs[i], vi.name))
    model_path = os.path.join(args.work, "model.onnx")
    onnx.save(model, model_path)

    out = os.path.join(args.work, "out")
    subprocess.run([args.mpqc, model_path, "-o", out, f"--target={args.target}",
                    "--name=node", "--emit=obj,header,mlir", "--quiet"], check=True)
    if args.target == "x86_64":
        runner = [os.path.join(args.work, "runner")]
        subprocess.run([args.cc, "-O2", "-std=c99", "-Wall", "-Werror", "-I", out,
                        "-DMPQ_MODEL=node", "-DMPQ_UPPER=NODE", args.runner_src,
                        os.path.join(out, "node.o"), "-o", runner[0]], check=True)
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(args.runner_src)))
        runner = [os.path.join(root, "firmware", "run-qemu.sh"), out, "node"]

    codes = all(inputs[i].dtype != np.float32 for i in data)
    if not codes and any(inputs[i].dtype != np.float32 for i in data):
        sys.exit(f"{name}: mixed float and integer data inputs")
    floats = all(e.dtype == np.float32 for e in expected)
    cmd = runner + (["--codes"] if codes else []) + (["--float"] if floats else [])
    # File names relative to the work directory: QEMU's semihosting command
    # line is short.
    for k, i in enumerate(data):
        inputs[i].astype(inputs[i].dtype if codes else np.float32).tofile(
            os.path.join(args.work, f"in{k}.bin"))
        cmd.append(f"in{k}.bin")
    outs = [f"out{k}.bin" for k in range(len(expected))]
    subprocess.run(cmd + outs, check=True, stdout=subprocess.DEVNULL, cwd=args.work)
    outs = [os.path.join(args.work, o) for o in outs]

    # The evaluator takes real values: codes become s * (q - z), which its
    # mpq.quantize turns back into q exactly.
    header = open(os.path.join(out, "node.h")).read()
    eval_cmd = [args.eval, os.path.join(out, "node.mlir"), "--output-dir",
                os.path.join(args.work, "eval")] + ([] if floats else ["--output-codes"])
    os.makedirs(os.path.join(args.work, "eval"), exist_ok=True)
    for k, i in enumerate(data):
        x = inputs[i]
        if codes:
            x = real_values(header, k, x)
        path = os.path.join(args.work, f"eval_in{k}.npy")
        np.save(path, x.astype(np.float32))
        eval_cmd += ["--input", path]
    subprocess.run(eval_cmd, check=True)

    failed = False
    report = []
    compiled = "compiled" if args.target == "x86_64" else "QEMU"
    for who, read in ((compiled, lambda k: np.fromfile(outs[k], dtype=np.float32 if floats else np.int32)),
                      ("evaluator", lambda k: np.load(os.path.join(args.work, "eval", f"output_{k}.npy")))):
        total = same = 0
        for k, e in enumerate(expected):
            got = np.asarray(read(k)).ravel()
            want = e.astype(np.float32 if floats else np.int64).ravel()
            if got.size != want.size:
                sys.exit(f"{name}: {who} output {k} has {got.size} elements, expected {want.size}")
            equal = got == want
            total += want.size
            same += int(equal.sum())
            for j in np.flatnonzero(~equal)[:5]:
                print(f"  {who} output {k}[{j}]: got {got[j]}, expected {want[j]}")
        failed |= same != total
        report.append(f"{who} {same}/{total}")
    print(f"{name}: {', '.join(report)} elements identical")
    sys.exit(1 if failed else 0)


def real_values(header, k, codes):
    """Real values of input k's codes, by the grid the generated header gives."""
    def macro(suffix):
        m = re.search(rf"#define NODE_INPUT{k}_{suffix} (.*)", header)
        return m.group(1) if m else None
    def numbers(text):
        return [float(v.rstrip("f")) for v in text.strip("{}").split(",")]
    q = codes.astype(np.float64)
    if macro("AXIS") is None:
        return numbers(macro("SCALE"))[0] * (q - numbers(macro("ZERO_POINT"))[0])
    axis = int(macro("AXIS"))
    shape = [1] * q.ndim
    shape[axis] = -1
    scales = np.array(numbers(macro("SCALES"))).reshape(shape)
    zps = np.array(numbers(macro("ZERO_POINTS"))).reshape(shape)
    return scales * (q - zps)


if __name__ == "__main__":
    main()
