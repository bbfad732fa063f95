#!/usr/bin/python3
"""Fidelity of mpq's integer lowering (docs/decisions.md §6): regenerates docs/fidelity.md.

For each model, precision assignment and scheme (pc-icn, pl-icn, pl-fb), runs the real tools:
mpq-translate --import-onnx, mpq-opt --mpq-assign-precision (budgets below), --mpq-calibrate,
--mpq-lower-fake-quant --mpq-check-integer-only, then
  per layer:   mpq-eval fq.mlir --compare-layers: every integer layer and its fake-quant layer
               get the same integer input; identical output codes and the largest difference;
               also for the model calibrated with snap-bias=false (the float bias), to show what
               bias snapping removes;
  end to end:  mpq-eval on the float, fake-quant and integer models (batch mode): top-1
               agreement of the integer model with the fake-quant model, accuracy where there
               are labels, identical output codes.
Models:
  Fashion-MNIST CNN (trained, build/models/fmnist): all-8-bit and a mixed 8/4 assignment;
    calibration on the first --calib images of the TRAIN split, evaluation on all 10,000 test
    images (per layer and end to end).
  MobileNetV1 0.25_128 (random He weights, build/models/mbv1): a budget below its all-8-bit
    footprint (498,180 B flash / 98,304 B RAM) that forces mixed 8/4/2; calibration on the 8
    smooth-random-field images the model's batch-norm statistics come from (seed 20328),
    evaluation on --mbv1-images other fields (seed 7); no labels, so top-1 agreement only.

It also runs benchmarks/ort_qdq.py --count 5000 (mpq against ONNX Runtime on a torch QDQ model)
when ONNX Runtime is installed (utils/fetch-ort.sh) and quotes its output.

  benchmarks/fidelity.py [--build build] [--out docs/fidelity.md] [--fmnist-images 10000]
                         [--json raw.json] [--from-json raw.json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "utils", "models"))
import netbuild  # noqa: E402
from fashion_mnist import load_idx  # noqa: E402

SCHEMES = ("pc-icn", "pl-icn", "pl-fb")
MBV1_BUDGET = ("300000", "64000")  # flash, RAM in bytes: mixed 8/4/2
FMNIST_ASSIGNMENTS = (("8-bit", "1MB", "1MB"), ("mixed 8/4", "6kB", "8kB"))


class Tools:
    def __init__(self, build):
        self.bin = os.path.join(build, "bin")

    def run(self, tool, *args):
        cmd = [os.path.join(self.bin, tool)] + [str(a) for a in args]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit("fidelity: %s failed:\n%s" % (" ".join(cmd), done.stderr))
        return done.stdout

    def eval(self, model, inputs, tmp, name):
        out = os.path.join(tmp, name + ".npy")
        self.run("mpq-eval", model, "--input", inputs, "-o", out)
        return np.load(out)

    def compare(self, fq, inputs, tmp, name):
        report = os.path.join(tmp, name + ".json")
        self.run("mpq-eval", fq, "--input", inputs, "--compare-layers", "--report", report)
        with open(report) as f:
            return json.load(f)


def prepare(tools, onnx, tmp, tag, flash, ram, scheme, calib):
    """float.mlir, fake-quant and integer models, the assignment report, and the fake-quant model
    calibrated without bias snapping (snap-bias=false: the float bias, as before it existed)."""
    dbg = "--mlir-print-debuginfo"  # keeps the ONNX node names for the layer table
    float_mlir = os.path.join(tmp, tag + "-float.mlir")
    bits, fq, fq_unsnapped, integer = (os.path.join(tmp, "%s-%s-%s.mlir" % (tag, scheme, k))
                                       for k in ("bits", "fq", "fq-unsnapped", "int"))
    report = os.path.join(tmp, "%s-%s-assign.json" % (tag, scheme))
    if not os.path.exists(float_mlir):
        tools.run("mpq-translate", "--import-onnx", onnx, dbg, "-o", float_mlir)
    tools.run("mpq-opt", float_mlir, dbg,
              "--mpq-assign-precision=flash=%s ram=%s scheme=%s report=%s" % (flash, ram, scheme, report),
              "-o", bits)
    tools.run("mpq-opt", bits, dbg, "--mpq-calibrate=inputs=%s scheme=%s" % (calib, scheme), "-o", fq)
    tools.run("mpq-opt", bits, dbg, "--mpq-calibrate=inputs=%s scheme=%s snap-bias=false" % (calib, scheme),
              "-o", fq_unsnapped)
    tools.run("mpq-opt", fq, dbg, "--mpq-lower-fake-quant", "--mpq-check-integer-only", "-o", integer)
    with open(report) as f:
        assignment = json.load(f)
    return float_mlir, fq, fq_unsnapped, integer, assignment


def output_step(integer_mlir):
    """Scale of the logits' grid: what one output code is worth."""
    import re
    text = open(integer_mlir).read()
    m = re.findall(r"mpq\.dequantize %\S+ : tensor<[0-9x]+x!mpq\.uniform<[iu]\d+, ([0-9.e+-]+)(?::-?\d+)?>>", text)
    if not m:
        sys.exit("fidelity: no dequantize of the logits in " + integer_mlir)
    return float(m[-1])


def measure(tools, onnx, tmp, tag, flash, ram, scheme, calib, inputs, labels, float_logits):
    float_mlir, fq, fq_unsnapped, integer, assignment = prepare(tools, onnx, tmp, tag, flash, ram, scheme, calib)
    t0 = time.time()
    layers = tools.compare(fq, inputs, tmp, "%s-%s-layers" % (tag, scheme))
    layers_unsnapped = tools.compare(fq_unsnapped, inputs, tmp, "%s-%s-layers-unsnapped" % (tag, scheme))
    fq_logits = tools.eval(fq, inputs, tmp, "%s-%s-fq" % (tag, scheme))
    int_logits = tools.eval(integer, inputs, tmp, "%s-%s-int" % (tag, scheme))
    step = output_step(integer)
    steps = np.abs(fq_logits.astype(np.float64) - int_logits) / step
    row = {
        "scheme": scheme,
        "bits": assignment["bits"],
        "flash": assignment["flash_bytes"],
        "ram": assignment["ram_bytes"],
        "layers": layers,
        "layers_unsnapped": layers_unsnapped,
        "samples": int(len(fq_logits)),
        "agree": float(np.mean(fq_logits.argmax(1) == int_logits.argmax(1))),
        "agree_float": float(np.mean(float_logits.argmax(1) == int_logits.argmax(1))),
        "logits_identical": float(np.mean(np.round(steps) == 0)),
        "logits_max": int(np.round(steps.max())),
        "seconds": time.time() - t0,
    }
    if labels is not None:
        row["acc_float"] = float(np.mean(float_logits.argmax(1) == labels))
        row["acc_fq"] = float(np.mean(fq_logits.argmax(1) == labels))
        row["acc_int"] = float(np.mean(int_logits.argmax(1) == labels))
    return row


def fmnist(tools, args, tmp):
    models = os.path.join(args.build, "models", "fmnist")
    onnx = os.path.join(models, "fashion_mnist_cnn.onnx")
    train, _ = load_idx("train")
    calib = os.path.join(tmp, "fmnist-calib.npy")
    np.save(calib, (train[: args.calib].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28))
    images = np.load(os.path.join(models, "fmnist_test_images.npy"))[: args.fmnist_images]
    labels = np.load(os.path.join(models, "fmnist_test_labels.npy"))[: args.fmnist_images].astype(np.int64)
    inputs = os.path.join(tmp, "fmnist-test.npy")
    np.save(inputs, (images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28))
    float_mlir = os.path.join(tmp, "fmnist-float.mlir")
    tools.run("mpq-translate", "--import-onnx", onnx, "--mlir-print-debuginfo", "-o", float_mlir)
    float_logits = tools.eval(float_mlir, inputs, tmp, "fmnist-float-out")
    rows = []
    for name, flash, ram in FMNIST_ASSIGNMENTS:
        for scheme in SCHEMES:
            row = measure(tools, onnx, tmp, "fmnist", flash, ram, scheme, calib, inputs, labels, float_logits)
            row.update(model="Fashion-MNIST CNN", assignment="%s (flash=%s ram=%s)" % (name, flash, ram))
            rows.append(row)
            print_row(row)
    return rows


def mbv1(tools, args, tmp):
    onnx = os.path.join(args.build, "models", "mbv1", "mbv1_0.25_128.onnx")
    calib = os.path.join(tmp, "mbv1-calib.npy")
    np.save(calib, netbuild.smooth_fields(8, 3, 128, seed=20328).astype(np.float32))
    inputs = os.path.join(tmp, "mbv1-eval.npy")
    np.save(inputs, netbuild.smooth_fields(args.mbv1_images, 3, 128, seed=7).astype(np.float32))
    float_mlir = os.path.join(tmp, "mbv1-float.mlir")
    tools.run("mpq-translate", "--import-onnx", onnx, "--mlir-print-debuginfo", "-o", float_mlir)
    float_logits = tools.eval(float_mlir, inputs, tmp, "mbv1-float-out")
    rows = []
    flash, ram = MBV1_BUDGET
    for scheme in SCHEMES:
        row = measure(tools, onnx, tmp, "mbv1", flash, ram, scheme, calib, inputs, None, float_logits)
        row.update(model="MobileNetV1 0.25_128", assignment="mixed 8/4/2 (flash=%s ram=%s)" % (flash, ram))
        rows.append(row)
        print_row(row)
    return rows


def layer_summary(row, key="layers"):
    worst = min(row[key], key=lambda l: l["identical"] / l["codes"])
    codes = sum(l["codes"] for l in row[key])
    identical = sum(l["identical"] for l in row[key])
    return {
        "worst": worst,
        "worst_pct": 100.0 * worst["identical"] / worst["codes"],
        "all_pct": 100.0 * identical / codes,
        "max": max(l["max_difference"] for l in row[key]),
        "met": all(l["identical"] >= 0.999 * l["codes"] and l["max_difference"] <= 1 for l in row[key]),
    }


def print_row(row):
    s = layer_summary(row)
    acc = ""
    if "acc_int" in row:
        acc = "; accuracy float %.2f%% fq %.2f%% int %.2f%%" % (100 * row["acc_float"], 100 * row["acc_fq"],
                                                               100 * row["acc_int"])
    print("%s, %s, %s: layers %.3f%% identical (worst %s %.3f%%), max diff %d; top-1 agreement %.2f%%%s"
          % (row["model"], row["assignment"], row["scheme"], s["all_pct"], s["worst"]["name"], s["worst_pct"],
             s["max"], 100 * row["agree"], acc), flush=True)


def unsnapped(row):
    """Summary of the comparison without bias snapping, if the row has one (older --json files do not)."""
    return layer_summary(row, "layers_unsnapped") if "layers_unsnapped" in row else None


def write_markdown(rows, args, path, ort):
    out = []
    w = out.append
    w("# Fidelity of the integer lowering\n")
    w("Generated by `benchmarks/fidelity.py` (rerun: `/usr/bin/python3 benchmarks/fidelity.py`, after "
      "`ninja -C build`; %s). Do not edit by hand.\n" % time.strftime("%Y-%m-%d"))
    w("**Per layer** (docs/decisions.md §6): `mpq-eval fq.mlir --compare-layers` lowers a copy of the fake-quant model, runs "
      "both graphs, and feeds every fake-quant layer the integer layer's input (its dequantized codes), so a "
      "layer's figure is its own residue, not the sum of the ones before it. *Identical* is the share of output "
      "codes that match; *max* the largest difference in codes; *distinct* how many distinct codes the integer "
      "layer produced (a layer stuck at one code proves nothing). The fake-quant models are calibrated with "
      "bias snapping (`--mpq-calibrate`'s default, docs/design.md): each layer's effective bias sits on its "
      "int32 grid s_x s_w, so the fake-quant layer adds the integer layer's B. *Without snapping* is the same "
      "comparison on the model calibrated with `snap-bias=false` (the fake-quant layer keeps the float bias), "
      "and *B-pred* the share of codes the rounding of the ICN bias B = round(b / (s_x s_w)) is then expected "
      "to flip (M_c/4 per code, M_c = M0_c 2^(N0_c-31); 0 where the bias is snapped). *E[flips]* measures "
      "how far apart the two layers are before rounding: the sum over codes of the distance, in output steps, "
      "between the integer layer's M0 2^(N0-31) (acc + B) and the fake-quant layer's x / s_y, the number of "
      "codes expected to differ if rounding boundaries fall anywhere (see `include/mpq/Eval/LayerFidelity.h`)."
      "\n")
    w("**End to end**: the float, fake-quant and integer models run whole (`mpq-eval` batch mode). "
      "*Agreement* is top-1 agreement of the integer model with the fake-quant model (and with the float "
      "model); *logits identical* the share of identical output codes.\n")
    w("Data: Fashion-MNIST calibrates on the first %d images of the TRAIN split and is evaluated on the first "
      "%d images of the test split (all of it at 10,000); MobileNetV1 0.25_128 has random He weights and no "
      "labels, calibrates on the 8 smooth random fields its batch-norm statistics come from and is evaluated "
      "on %d other fields.\n" % (args.calib, args.fmnist_images, args.mbv1_images))

    w("## Summary\n")
    w("| model | assignment | scheme | widths (w= weights, a= outputs, per layer) | layers: identical (all) | "
      "worst layer | max diff | ≥99.9% and ≤1 per layer | without snapping: worst layer, max diff | "
      "top-1 agreement int/fq | int/float | logits identical | accuracy float / fq / int |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s = layer_summary(r)
        u = unsnapped(r)
        acc = "—"
        if "acc_int" in r:
            acc = "%.2f / %.2f / %.2f %%" % (100 * r["acc_float"], 100 * r["acc_fq"], 100 * r["acc_int"])
        was = "—" if u is None else "%s %.3f%%, %d" % (u["worst"]["name"], u["worst_pct"], u["max"])
        w("| %s | %s | %s | `%s` | %.3f%% | %s (%s) %.3f%% | %d | %s | %s | %.2f%% | %.2f%% | %.3f%% (max %d) | %s |"
          % (r["model"], r["assignment"], r["scheme"], r["bits"], s["all_pct"], s["worst"]["name"],
             s["worst"]["kind"], s["worst_pct"], s["max"], "yes" if s["met"] else "**no**", was,
             100 * r["agree"], 100 * r["agree_float"], 100 * r["logits_identical"], r["logits_max"], acc))
    w("")

    # The residue left in the layers that compute (everything but the input quantize).
    computed = [l for r in rows for l in r["layers"] if l["kind"] != "quantize"]
    codes = sum(l["codes"] for l in computed)
    differ = sum(l["codes"] - l["identical"] for l in computed)
    expected = sum(l.get("expected_flips", 0.0) for l in computed)
    w("## Reading the figures\n")
    w("- With bias snapping, %d of the %s codes of all convolution, fully-connected and pooling layers above "
      "differ from the fake-quant layer's. What is left between the two is the multiplier: M0 is a Q1.31 "
      "mantissa, off from the real multiplier M_c by at most 2^-31 relative (about 1.6e-10 on average), which "
      "moves an output of y steps by at most 2^-31 (|y| + 1) steps, 1.2e-7 for 8-bit codes. Measured, the "
      "integer and fake-quant layers are %.3g output steps apart in total over all these codes (*E[flips]*, "
      "summed): %.2g codes are expected to flip, and none does. The bias B contributes nothing: the "
      "fake-quant layer adds the same int32 B (docs/design.md, \"Bias snapping\")."
      % (differ, "{:,}".format(codes), expected, expected))
    w("- Without snapping (`snap-bias=false`) the fake-quant layer adds the float bias and the integer layer "
      "the rounded B, which moves outputs by up to M_c/2 steps, M_c = gain_c s_x s_w,c / s_y: a few codes in "
      "10,000 where the accumulator is much finer than the output, several percent where it is coarse (a "
      "depthwise layer reading 4-bit activations, a batch-norm gain above 1), as the *B-pred* column predicts. "
      "Snapping moves that rounding into the fake-quant graph, where QAT and QDQ graphs have it too (docs/paper.md "
      "§1: the bias is int32).")
    w("- The fake-quant graph runs in double. Where a layer's real output sits exactly on a rounding boundary, "
      "double arithmetic lands a few ulps to either side; the evaluator's fake_quant restores a boundary within "
      "1e-9 steps (`snapToBoundary`, docs/design.md). This matters for the logits (no ReLU, floor): an output "
      "with Phi + B = 0 is exactly 0, and before this MobileNetV1's fc had 25-41 of its 32,000 codes one step "
      "below the integer layer's, every one of them at output 0.")
    w("- The `quantize` row is the model input: the fake-quant graph divides by the scale in double, "
      "`mpq.quantize` in float32 as ONNX Runtime does (docs/design.md), so an input exactly on a rounding "
      "boundary can differ by one code.")
    w("- End to end, Fashion-MNIST's integer model gives the fake-quant model's logits code for code. On "
      "MobileNetV1 two differences between the whole graphs remain that are not layer residues: the input "
      "codes above, and the global average pool, which the integer graph rounds to its input's grid while the "
      "fake-quant graph hands the float mean to the fc (docs/design.md). 28 layers, 2- and 4-bit ones among "
      "them, carry such one-code differences on. MobileNetV1 with random weights has near-uniform logits, so "
      "its top-1 agreement is a harsh measure (a one-code change in a logit can change the arg max) and it has "
      "no accuracy.\n")
    if ort:
        w("## ONNX Runtime on a QDQ model\n")
        w("`benchmarks/ort_qdq.py --count 5000` (the ctest `Pipeline/ort-qdq.test` runs 200 inputs): the "
          "torch-exported QDQ int8 model `utils/models/torch_qdq.py --int8`, lowered by mpq without "
          "calibration and run by `mpq-eval`, against onnxruntime-node 1.30.0 with its default optimizations "
          "(`ort`: QDQ fused into integer kernels) and with none (`ort-noopt`: every node in float32).\n")
        w("```\n" + ort.strip() + "\n```\n")
        w("The conv+ReLU layer (per-channel int8 weights, int32 bias, requantized to uint8) matches ONNX Runtime "
          "code for code. Every difference starts at the global average pool: where the mean of 64 codes is "
          "exactly k + 1/2, mpq rounds it half to even in integers (the QuantizeLinear that follows asks for "
          "that), while ONNX Runtime averages the dequantized values in float32 and lands on either side of "
          "the tie. The fc multiplies a one-code difference of the pooled vector by its weights, so the logits "
          "then differ by up to 7 codes; on 200 inputs no tie is hit and all codes agree. ONNX Runtime itself "
          "differs between its optimized and unoptimized sessions by as much.\n")
    w("## Per layer\n")
    for r in rows:
        w("### %s, %s, %s\n" % (r["model"], r["assignment"], r["scheme"]))
        w("| layer | kind | bits | codes | identical | max | int>fq | int<fq | E[flips] | distinct | without "
          "snapping: identical | max | B-pred |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        before = r.get("layers_unsnapped", [None] * len(r["layers"]))
        for l, u in zip(r["layers"], before):
            bits = ("i" if l["signed"] else "u") + str(l["bits"])
            was = "— | — | —"
            if u is not None:
                was = "%.3f%% | %d | %.3f%%" % (100.0 * u["identical"] / u["codes"], u["max_difference"],
                                                100.0 * u["expected_bias_flips"] / u["codes"])
            w("| %s | %s | %s | %d | %.3f%% | %d | %d | %d | %.2g | %d | %s |" % (
                l["name"], l["kind"], bits, l["codes"], 100.0 * l["identical"] / l["codes"], l["max_difference"],
                l["higher"], l["lower"], l.get("expected_flips", 0.0), l["distinct_codes"], was))
        w("")
    with open(path, "w") as f:
        f.write("\n".join(out))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "fidelity.md"))
    ap.add_argument("--json", help="also write the raw figures here")
    ap.add_argument("--from-json", help="render the figures of an earlier --json run instead of measuring")
    ap.add_argument("--calib", type=int, default=512, help="Fashion-MNIST calibration images (train split)")
    ap.add_argument("--fmnist-images", type=int, default=10000, help="Fashion-MNIST test images")
    ap.add_argument("--mbv1-images", type=int, default=32, help="MobileNetV1 evaluation images")
    ap.add_argument("--models", default="fmnist,mbv1")
    args = ap.parse_args(argv)
    tools = Tools(args.build)
    rows = []
    if args.from_json:
        with open(args.from_json) as f:
            rows = json.load(f)
    else:
        with tempfile.TemporaryDirectory(prefix="mpq-fidelity-") as tmp:
            if "fmnist" in args.models.split(","):
                rows += fmnist(tools, args, tmp)
            if "mbv1" in args.models.split(","):
                rows += mbv1(tools, args, tmp)
    ort = None
    done = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "ort_qdq.py"), "--build", args.build,
                           "--count", "5000"], capture_output=True, text=True)
    if "PASS" in done.stdout or "FAIL" in done.stdout:
        ort = done.stdout
        print(ort)
    else:
        print("fidelity: ONNX Runtime comparison skipped:\n" + done.stderr)
    write_markdown(rows, args, args.out, ort)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print("wrote " + args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
