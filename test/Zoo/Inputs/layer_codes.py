"""Health of a compiled model's integer layers: runs `mpq-eval --dump-dir` on
the integer graph mpqc wrote (NAME.mlir) for a batch of inputs and counts,
for every stored activation (the result of each quantize, requantize, conv,
fully-connected, pooling and add op: int32 dumps whose codes fit in 8 bits;
weights, accumulators and layout-only ops are skipped), how many distinct
codes it produced over the batch (layers with fewer than 64 codes over the
batch, such as a classifier's logits or the AutoEncoder's 8-wide bottleneck,
are counted but not held to --min). A layer stuck at one or a few codes would
make a bit-exactness test prove nothing (docs/decisions.md, test models).

Prints `tensors N, min distinct codes D (TENSOR), outputs O distinct` and exits
non-zero if D is below --min.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--eval", required=True)
p.add_argument("--mlir", required=True)
p.add_argument("--inputs", required=True)
p.add_argument("--count", type=int, default=0, help="0: all")
p.add_argument("--min", type=int, default=16)
args = p.parse_args()

SKIP = ("DequantizeLinear", "transpose", "reshape", "Flatten", "Pad", "pad", "dequantize", "offset")
batch = np.load(args.inputs).astype(np.float32)
if args.count:
    batch = batch[: args.count]
distinct, sizes = {}, {}
with tempfile.TemporaryDirectory() as tmp:
    for n, x in enumerate(batch):
        np.save(os.path.join(tmp, "x.npy"), x[None])
        dump = os.path.join(tmp, "dump%d" % n)
        subprocess.run([args.eval, args.mlir, "--input", os.path.join(tmp, "x.npy"), "-o",
                        os.path.join(tmp, "y.npy"), "--dump-dir", dump], check=True,
                       stdout=subprocess.DEVNULL)
        for f in os.listdir(dump):
            a = np.load(os.path.join(dump, f))
            if a.dtype != np.int32 or a.min() < -128 or a.max() > 255 or any(s in f for s in SKIP):
                continue
            distinct.setdefault(f[:-4], set()).update(np.unique(a).tolist())
            sizes[f[:-4]] = sizes.get(f[:-4], 0) + a.size
layers = sorted(distinct, key=lambda f: int(f.split("_")[0]))
worst = min((f for f in layers if sizes[f] >= 64), key=lambda f: len(distinct[f]))
print("tensors %d, min distinct codes %d (%s), outputs %d distinct"
      % (len(layers), len(distinct[worst]), worst, len(distinct[layers[-1]])))
sys.exit(0 if len(distinct[worst]) >= args.min else 1)
