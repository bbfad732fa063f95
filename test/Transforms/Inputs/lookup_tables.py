#!/usr/bin/env python3
"""Checks the lookup tables of the element-wise functions code for code.

For every function (sigmoid, tanh, hard_sigmoid, hard_swish, leaky_relu,
add / mul by a constant, and prelu with one slope per channel: two channels,
one table each) and
every pair of input/output widths in {2, 4, 8}, writes a function

    x -> fake_quant (input grid) -> f -> fake_quant (output grid)

into one .mlir file, an input holding every code of the input grid (as its
real value), lowers the file with --mpq-lower-fake-quant and runs both graphs
with mpq-eval. It then compares, for every input code, three codes:

- the fake-quant graph's (its output real value, divided by the output scale,
  plus the zero point: exact, the value is on the grid);
- the integer graph's (mpq.table, --output-codes);
- an independent reference computed here from ONNX's formula of f with
  Python's math module (C's libm, as the compiler's std::exp/std::tanh) and
  the rounding rule of the output fake_quant, written out below.

Prints one line per case, e.g.

    sigmoid i8->u8 floor: 256/256 codes equal (fake-quant = table =
    reference), 143 distinct

and exits non-zero if any code differs.
"""
import argparse
import math
import os
import subprocess
import sys

import numpy as np

# name, mlir op text (operand and attributes), f, input range, output range,
# output signed
FUNCTIONS = [
    ("sigmoid", "mpq.sigmoid %a : {t}", lambda x: 1.0 / (1.0 + math.exp(-x)),
     (-6.0, 6.0), (0.0, 1.0), False),
    ("tanh", "mpq.tanh %a : {t}", math.tanh, (-3.0, 3.0), (-1.0, 1.0), True),
    ("hard_sigmoid", "mpq.hard_sigmoid %a {alpha = 0.25 : f32, beta = 0.5 : f32} : {t}",
     lambda x: max(0.0, min(1.0, 0.25 * x + 0.5)), (-3.0, 3.0), (0.0, 1.0),
     False),
    ("hard_swish", "mpq.hard_swish %a : {t}",
     lambda x: x * max(0.0, min(1.0, x / 6.0 + 0.5)), (-4.0, 4.0),
     (-0.375, 4.0), True),
    ("leaky_relu", "mpq.leaky_relu %a {alpha = 0.125 : f32} : {t}",
     lambda x: x if x >= 0.0 else 0.125 * x, (-2.0, 2.0), (-0.25, 2.0), True),
    # mpq.add / mpq.mul by a constant (-0.4375 and 2.5, exact in f32).
    ("add_constant", "mpq.add %k, %a : (tensor<f32>, {t}) -> {t}",
     lambda x: x + -0.4375, (-1.0, 1.0), (-1.5, 0.6), True),
    ("mul_constant", "mpq.mul %a, %k : ({t}, tensor<f32>) -> {t}",
     lambda x: x * 2.5, (-1.0, 1.0), (-2.5, 2.5), True),
    # mpq.prelu with a slope per channel (0.125 and -0.5): every code in
    # both channels, a table each.
    ("prelu", "mpq.prelu %a, %k : ({t}, tensor<1x1x1x2xf32>) -> {t}",
     [lambda x: x if x >= 0.0 else 0.125 * x,
      lambda x: x if x >= 0.0 else -0.5 * x], (-2.0, 2.0), (-0.25, 2.0),
     True),
]
CONSTANTS = {"add_constant": "dense<-0.4375> : tensor<f32>",
             "mul_constant": "dense<2.5> : tensor<f32>",
             "prelu": "dense<[[[[0.125, -0.5]]]]> : tensor<1x1x1x2xf32>"}
WIDTHS = [(2, 2), (4, 4), (8, 8), (8, 2), (2, 8), (4, 8)]


def grid(bits, signed, lo, hi):
    """Scale, zero point and code range of [lo, hi] (as calibration makes
    them: mpq::getUniformForRange)."""
    qmin = -(1 << (bits - 1)) if signed else 0
    qmax = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / (qmax - qmin)
    zp = min(max(qmin - int(np.rint(lo / scale)), qmin), qmax)
    return scale, zp, qmin, qmax


def round_code(v, mode):
    """The rounding of mpq's fake_quant on v = x / scale (ties exact in
    double; a value within 1e-9 of a multiple of 1/2 is that multiple, as
    the fake-quant graph restores boundaries of computed values)."""
    half = round(v * 2) / 2
    if abs(v - half) < 1e-9:
        v = half
    if mode == "floor":
        return math.floor(v)
    # half_to_even
    return int(round(v))


def reference(f, x, scale, zp, qmin, qmax, mode):
    y = f(x)
    return min(max(round_code(y / scale, mode) + zp, qmin), qmax)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)

    cases = []
    text = []
    for name, op, f, (ilo, ihi), (olo, ohi), osigned in FUNCTIONS:
        fs = f if isinstance(f, list) else [f]  # one per channel
        channels = len(fs)
        for bin_, bout in WIDTHS:
            for mode in (["floor", "half_to_even"] if (bin_, bout) == (8, 8)
                         else ["floor"]):
                iscale, izp, imin, imax = grid(bin_, True, ilo, ihi)
                oscale, ozp, omin, omax = grid(bout, osigned, olo, ohi)
                n = imax - imin + 1
                fn = f"{name}_{bin_}_{bout}_{mode}"
                t = (f"tensor<1x1x1x{n}xf32>" if channels == 1 else
                     f"tensor<1x1x{n}x{channels}xf32>")
                it = f"!mpq.uniform<i{bin_}, {iscale!r}:{izp}>"
                ot = (f"!mpq.uniform<{'i' if osigned else 'u'}{bout}, "
                      f"{oscale!r}:{ozp}>")
                k = (f"  %k = arith.constant {CONSTANTS[name]}\n"
                     if name in CONSTANTS else "")
                text.append(
                    f"func.func @{fn}(%x: {t}) -> {t} {{\n" + k +
                    f"  %a = mpq.fake_quant %x to {it} "
                    f"{{rounding = #mpq.rounding<half_to_even>}} : {t}\n"
                    f"  %y = {op.replace('{t}', t)}\n"
                    f"  %b = mpq.fake_quant %y to {ot} "
                    f"{{rounding = #mpq.rounding<{mode}>}} : {t}\n"
                    f"  return %b : {t}\n}}\n")
                codes = list(range(imin, imax + 1))
                xs = np.array([[(c - izp) * iscale] * channels
                               for c in codes], dtype=np.float32)
                xs = xs.reshape(1, 1, 1, n) if channels == 1 else \
                    xs.reshape(1, 1, n, channels)
                np.save(os.path.join(args.work, fn + ".npy"), xs)
                # The reference reads the input grid's real values, which
                # the input fake_quant restores exactly from the float32
                # inputs (they round to their own codes).
                ref = [reference(fc, (c - izp) * iscale, oscale, ozp, omin,
                                 omax, mode) for c in codes for fc in fs]
                cases.append((fn, name, bin_, bout, osigned, mode, oscale,
                              ozp, ref))
    source = os.path.join(args.work, "cases.mlir")
    lowered = os.path.join(args.work, "tables.mlir")
    with open(source, "w") as out:
        out.write("\n".join(text))
    subprocess.run(["mpq-opt", source, "-mpq-lower-fake-quant", "-o",
                    lowered], check=True)

    ok = True
    for fn, name, bin_, bout, osigned, mode, oscale, ozp, ref in cases:
        x = os.path.join(args.work, fn + ".npy")
        fq_dir = os.path.join(args.work, fn + "_fq")
        int_dir = os.path.join(args.work, fn + "_int")
        subprocess.run(["mpq-eval", source, f"--func={fn}", "--input", x,
                        "--output-dir", fq_dir], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["mpq-eval", lowered, f"--func={fn}", "--input", x,
                        "--output-codes", "--output-dir", int_dir],
                       check=True, stdout=subprocess.DEVNULL)
        fq = np.load(os.path.join(fq_dir, "output_0.npy")).reshape(-1)
        fq_codes = [int(np.rint(v / oscale)) + ozp for v in fq]
        table = [int(v) for v in
                 np.load(os.path.join(int_dir, "output_0.npy")).reshape(-1)]
        same = sum(1 for a, b, c in zip(fq_codes, table, ref) if a == b == c)
        if same != len(ref):
            ok = False
            for i, (a, b, c) in enumerate(zip(fq_codes, table, ref)):
                if not a == b == c:
                    print(f"  {fn}: input #{i}: fake-quant {a} table {b} "
                          f"reference {c}")
                    break
        print(f"{name} i{bin_}->{'i' if osigned else 'u'}{bout} {mode}: "
              f"{same}/{len(ref)} codes equal (fake-quant = table = "
              f"reference), {len(set(ref))} distinct")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
