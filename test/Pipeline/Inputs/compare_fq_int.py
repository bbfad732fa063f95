"""Runs the fake-quant graph and the integer graph of a model with mpq-eval
on test images and checks that they agree: at least `--min-identical` of the
output codes identical, none more than one output step apart, and the same
top-1 class. Prints the figures; exits non-zero when a check fails."""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--eval", required=True, help="path to mpq-eval")
parser.add_argument("--fake-quant", required=True)
parser.add_argument("--integer", required=True)
parser.add_argument("--images", required=True, help=".npy of uint8 images")
parser.add_argument("--labels", required=True)
parser.add_argument("--count", type=int, default=20)
parser.add_argument("--step", type=float, required=True,
                    help="the output scale: one code step")
parser.add_argument("--min-identical", type=float, default=0.99)
args = parser.parse_args()

images = np.load(args.images)[: args.count].astype(np.float32) / 255.0
labels = np.load(args.labels)[: args.count]
identical = total = agree = correct_fq = correct_int = 0
worst = 0.0
with tempfile.TemporaryDirectory() as tmp:
    x, a, b = (os.path.join(tmp, n) for n in ("x.npy", "a.npy", "b.npy"))
    for i in range(len(images)):
        np.save(x, images[i].reshape(1, 1, 28, 28))
        subprocess.run([args.eval, args.fake_quant, "--input", x, "-o", a], check=True)
        subprocess.run([args.eval, args.integer, "--input", x, "-o", b], check=True)
        fq, it = np.load(a), np.load(b)
        steps = np.abs(fq.astype(np.float64) - it) / args.step
        identical += int(np.sum(steps < 1e-3))
        total += fq.size
        worst = max(worst, float(np.max(steps)))
        agree += int(fq.argmax() == it.argmax())
        correct_fq += int(fq.argmax() == labels[i])
        correct_int += int(it.argmax() == labels[i])

print(f"identical output codes: {identical}/{total}; largest difference: "
      f"{worst:.3f} steps; top-1 agreement {agree}/{len(images)}; "
      f"correct: fake-quant {correct_fq}, integer {correct_int}")
ok = identical >= args.min_identical * total and worst <= 1.0 + 1e-6 and agree == len(images)
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
