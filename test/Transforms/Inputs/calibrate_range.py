#!/usr/bin/python3
"""Checks --mpq-calibrate range=mse|percentile|auto against numpy on the raw values.

  calibrate_range.py gen DIR            writes DIR/x.npy and DIR/x10.npy
  calibrate_range.py check DIR KIND IR  checks the grids in the IR file
  calibrate_range.py auto DIR AUTO MINMAX PERCENTILE MSE
                                        checks range=auto's grids (on x10.npy)

The model (calibrate-range.test) fake-quantizes its input x to i4 (half to
even) and relu(x) to u4 (floor). x.npy is one input: 4000 normal values and
two outliers (+30, -12); x10.npy is ten inputs, 40000 values, the same two
outliers in the first. For mse (on x.npy), an independent brute force over
clip ranges (every [lo, hi] on a fine grid, the fake-quant computed on the
raw values, not on a histogram) gives the least MSE; mpq's grid must come
within 1 % of it and beat the min/max grid by far. For percentile (on
x10.npy: 0.01 % is 4 values), each end of the grid's range must lie between
the sorted values around the 0.01 %/99.99 % rank, give or take a bin of
mpq's histogram (a 2048th of the range).

For auto, the model is simulated in numpy on x10.npy (the fake-quant of x,
its ReLU, the fake-quant of that) with the grids of each IR file, and its
output compared with the float model's, relu(x): auto's grid for each
fake_quant must be one of the three estimators' grids for it, and auto's
output error must be the least of the nine combinations' (auto measures the
error with mpq's evaluator, on the fake-quant graph here: a ReLU between two
fake_quants does not lower as it stands; this recomputes it independently).
"""

import re
import sys

import numpy as np


def values(inputs=1):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((inputs, 4000))
    x[0, 17] = 30.0
    x[0, 2345] = -12.0
    return x.astype(np.float32)


def grid(lo, hi, bits, signed):
    qlo, qhi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / (qhi - qlo)
    zp = int(np.clip(qlo - np.rint(lo / scale), qlo, qhi))
    return scale, zp, qlo, qhi


def mse(x, scale, zp, qlo, qhi, floor):
    steps = x / scale
    q = np.clip((np.floor(steps) if floor else np.rint(steps)) + zp, qlo, qhi)
    return float(np.mean((x - (q - zp) * scale) ** 2))


def grids_of(path):
    found = re.findall(r"!mpq\.uniform<([iu])(\d), ([0-9.e+-]+):(-?\d+)>", open(path).read())
    assert len(found) == 2, found
    return [(float(scale), int(zp)) for _, _, scale, zp in found]


def fake_quant(x, scale, zp, bits, signed, floor):
    _, _, qlo, qhi = grid(0, 1, bits, signed)
    steps = x / scale
    q = np.clip((np.floor(steps) if floor else np.rint(steps)) + zp, qlo, qhi)
    return (q - zp) * scale


def output_error(x, gx, gr):
    """The model's squared output error against relu(x), over its energy."""
    xq = fake_quant(x, *gx, 4, True, False)
    out = fake_quant(np.maximum(xq, 0), *gr, 4, False, True)
    ref = np.maximum(x, 0)
    return float(np.sum((out - ref) ** 2) / np.sum(ref ** 2))


def check_auto(auto_ir, single_irs):
    # float32 as the evaluator reads the input, then double.
    x = values(10).astype(np.float64).ravel()
    auto = grids_of(auto_ir)
    singles = [grids_of(p) for p in single_irs]
    for i in range(2):
        assert any(np.isclose(auto[i][0], g[i][0], rtol=1e-6) and auto[i][1] == g[i][1]
                   for g in singles), ("auto's grid is no estimator's", i, auto[i], singles)
    got = output_error(x, *auto)
    combos = {(a, b): output_error(x, singles[a][0], singles[b][1])
              for a in range(3) for b in range(3)}
    best = min(combos.values())
    uniform = min(combos[(k, k)] for k in range(3))
    print("auto %.6g, best combination %.6g, best single estimator %.6g, minmax %.6g"
          % (got, best, uniform, combos[(0, 0)]))
    assert got <= best * (1 + 1e-9), (got, combos)
    assert got < combos[(0, 0)], "auto no better than minmax"
    print("ok")


def main():
    if sys.argv[1] == "auto":
        check_auto(sys.argv[3], sys.argv[4:7])
        return
    if sys.argv[1] == "gen":
        np.save(sys.argv[2] + "/x.npy", values())
        np.save(sys.argv[2] + "/x10.npy", values(10))
        return
    kind, ir = sys.argv[3], open(sys.argv[4]).read()
    found = re.findall(r"!mpq\.uniform<([iu])(\d), ([0-9.e+-]+):(-?\d+)>", ir)
    assert len(found) == 2, found
    x = values(1 if kind == "mse" else 10).astype(np.float64).ravel()
    cases = [(x, 4, True, False), (np.maximum(x, 0), 4, False, True)]
    for (data, bits, signed, floor), (sign, width, scale, zp) in zip(cases, found):
        assert (sign == "i") == signed and int(width) == bits
        scale, zp = float(scale), int(zp)
        _, _, qlo, qhi = grid(0, 1, bits, signed)
        got = mse(data, scale, zp, qlo, qhi, floor)
        minmax = mse(data, *grid(data.min(), data.max(), bits, signed), floor)
        if kind == "mse":
            los = [0.0] if data.min() >= 0 else np.linspace(data.min(), 0, 241)[:-1]
            his = np.linspace(0, data.max(), 1201)[1:]
            best = min(mse(data, *grid(lo, hi, bits, signed), floor) for lo in los for hi in his)
            print("%s%d: mpq %.6g, brute force %.6g, minmax %.6g" % (sign, bits, got, best, minmax))
            assert got <= best * 1.01, (got, best)
            assert got < 0.5 * minmax, (got, minmax)
        else:
            s, n = np.sort(data), len(data)
            bin_width = (s[-1] - s[0]) / 2048

            def bracket(q):  # where the q-quantile of n values lies
                return (s[max(int(np.floor(q * (n - 1))) - 1, 0)] - bin_width,
                        s[min(int(np.ceil(q * n)), n - 1)] + bin_width)
            lo = bracket(1e-4) if s[0] < 0 else (0.0, 0.0)
            hi = bracket(1 - 1e-4)
            # The grid spans hi - lo exactly: scale * (qhi - qlo).
            span = scale * (qhi - qlo)
            print("%s%d: range %.6g, quantiles between [%.6g, %.6g] and [%.6g, %.6g]" %
                  (sign, bits, span, lo[0], lo[1], hi[0], hi[1]))
            assert hi[0] - lo[1] <= span <= hi[1] - lo[0], (span, lo, hi)
            assert hi[1] < 20 and lo[0] > -10, "the bracket holds an outlier"
    print("ok")


if __name__ == "__main__":
    main()
