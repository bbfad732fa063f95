#!/usr/bin/python3
"""Every op the ONNX importer supports, with the wrong number of inputs and
outputs (none, empty names, one to three graph inputs, one to three constants,
no output). The fuzzer found a Gather without inputs reading past its input
list; this sweep checks that no op does.

  arity_sweep.py MPQ_TRANSLATE WORKDIR

The supported ops come from mpq-translate itself (the note listing them
under an "unsupported op" error), so a new op is swept without editing this
file. Each case must either import (exit 0, an output file) or fail with
exit 1, an "error:" line naming the node or the graph output, no sanitizer report and no output
file. Prints one line per failing case and "N cases, N failed"; exits 1 if
any failed.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

TRANSLATE, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
F32 = TensorProto.FLOAT
QONNX = "qonnx.custom_op.general"


def model(op, domain, inputs, outputs, graph_inputs, inits):
    node = helper.make_node(op, inputs, outputs, name="n", domain=domain or None)
    graph = helper.make_graph(
        [node], "sweep", [helper.make_tensor_value_info(x, F32, [1, 4]) for x in graph_inputs],
        [helper.make_tensor_value_info("y", F32, None)],
        [numpy_helper.from_array(np.array([0.5, 2.0], np.float32), c) for c in inits])
    opsets = [helper.make_opsetid("", 13), helper.make_opsetid(QONNX, 1)]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="mpq-arity-sweep")
    m.ir_version = 8
    return m


def run(args):
    return subprocess.run([TRANSLATE, "--import-onnx"] + args, capture_output=True, text=True)


def supported_ops():
    path = os.path.join(WORK, "unknown.onnx")
    with open(path, "wb") as f:
        f.write(model("NoSuchOp", "", ["x"], ["y"], ["x"], []).SerializeToString())
    note = re.search(r"note: supported: (.*)", run([path]).stderr)
    if not note:
        sys.exit("arity_sweep: mpq-translate printed no list of supported ops")
    ops = []
    text = note.group(1)
    folded = ""
    if "; on constants only (folded at import): " in text:
        text, folded = text.split("; on constants only (folded at import): ")
    for part in text.split(", and "):
        domain = ""
        m = re.match(r"(.*) \(domain (.*)\)$", part)
        if m:
            part, domain = m.group(1), m.group(2)
        ops += [(op, domain) for op in part.split(", ") if op]
    ops += [(op, "") for op in folded.split(", ") if op]
    return ops


def cases(ops):
    for op, domain in ops:
        tag = op + ("_" + domain.split(".")[0] if domain else "")
        yield tag + "_no_inputs", model(op, domain, [], ["y"], [], [])
        yield tag + "_empty_input", model(op, domain, [""], ["y"], [], [])
        yield tag + "_no_outputs", model(op, domain, ["x"], [], ["x"], [])
        for k in (1, 2, 3):
            yield f"{tag}_{k}_graph_inputs", model(op, domain, ["x"] * k, ["y"], ["x"], [])
            yield f"{tag}_{k}_constants", model(op, domain, ["c"] * k, ["y"], [], ["c"])


def check(case):
    name, m = case
    path = os.path.join(WORK, name + ".onnx")
    out = os.path.join(WORK, name + ".mlir")
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    r = run([path, "-o", out])
    problems = []
    if r.returncode not in (0, 1):
        problems.append(f"exit {r.returncode}")
    if re.search(r"runtime error|Sanitizer|Stack dump|PLEASE submit", r.stderr):
        problems.append("a crash or sanitizer report")
    if r.returncode == 1:
        if not re.search(r"error: .*'(n|y)'", r.stderr):
            problems.append("no error naming node 'n' or graph output 'y'")
        if os.path.exists(out):
            problems.append("an output file after the error")
    if r.returncode == 0 and not os.path.exists(out):
        problems.append("success without an output file")
    if not problems:
        os.remove(path)
    return name, problems, r.stderr


def main():
    ops = supported_ops()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, cases(ops)))
    failed = [(n, p, e) for n, p, e in results if p]
    for name, problems, stderr in failed:
        print(f"FAIL {name}: {', '.join(problems)}")
        print("  " + "\n  ".join(stderr.strip().splitlines()[:8]))
    print(f"{len(ops)} ops, {len(results)} cases, {len(results) - len(failed)} passed, "
          f"{len(failed)} failed")
    sys.exit(1 if failed else 0)


main()
