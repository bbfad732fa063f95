"""Bit-exactness of compiled code against the reference evaluator.

For each input of a batch (.npy, float32, the model's own layout with the
batch along dimension 0), runs the host runner linked with the compiled
object and `mpq-eval --output-codes` on the integer graph mpqc wrote
(NAME.mlir), and compares every output code. Prints a summary line and the
number of distinct codes per output (a test that only saw one code would
prove nothing); exits non-zero on any difference.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--runner", required=True)
p.add_argument("--eval", required=True)
p.add_argument("--mlir", required=True)
p.add_argument("--inputs", required=True)
p.add_argument("--count", type=int, default=0, help="0: all")
p.add_argument("--outputs", type=int, default=1)
args = p.parse_args()

batch = np.load(args.inputs).astype(np.float32)
if args.count:
    batch = batch[: args.count]
equal = total = 0
distinct = [set() for _ in range(args.outputs)]
with tempfile.TemporaryDirectory() as tmp:
    for n, x in enumerate(batch):
        x = x[None]
        x.tofile(os.path.join(tmp, "x.f32"))
        np.save(os.path.join(tmp, "x.npy"), x)
        outs = [os.path.join(tmp, f"y{k}.i32") for k in range(args.outputs)]
        subprocess.run([args.runner, os.path.join(tmp, "x.f32")] + outs, check=True)
        subprocess.run([args.eval, args.mlir, "--input", os.path.join(tmp, "x.npy"),
                        "--output-codes", "--output-dir", os.path.join(tmp, "ref")],
                       check=True)
        for k in range(args.outputs):
            got = np.fromfile(outs[k], dtype=np.int32)
            ref = np.load(os.path.join(tmp, "ref", f"output_{k}.npy")).ravel()
            equal += int(np.sum(got == ref))
            total += ref.size
            distinct[k].update(ref.tolist())
            if not np.array_equal(got, ref):
                bad = np.nonzero(got != ref)[0][:5]
                print(f"input {n} output {k}: differs at {bad.tolist()}: "
                      f"got {got[bad].tolist()}, reference {ref[bad].tolist()}")
print(f"bit-exact codes: {equal}/{total} over {len(batch)} inputs; distinct "
      f"reference codes per output: {[len(d) for d in distinct]}")
sys.exit(0 if equal == total else 1)
