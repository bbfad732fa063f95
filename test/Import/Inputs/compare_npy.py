#!/usr/bin/python3
"""compare_npy.py ACTUAL.npy EXPECTED.npy [--atol A]: same shape, and every element within atol.

Prints "match: N elements, largest difference D" and exits 0, or says what differs and exits 1.
"""

import argparse
import sys

import numpy as np

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("actual")
ap.add_argument("expected")
ap.add_argument("--atol", type=float, default=1e-5)
args = ap.parse_args()
a, b = np.load(args.actual), np.load(args.expected)
if a.shape != b.shape:
    sys.exit("shape %s, expected %s" % (a.shape, b.shape))
d = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if a.size else 0.0
if not d <= args.atol:
    sys.exit("largest difference %g > %g" % (d, args.atol))
print("match: %d elements, largest difference %g" % (a.size, d))
