#!/usr/bin/python3
"""The paper's claim in miniature: mixed precision under a flash budget
against the best all-8-bit model that fits, on Fashion-MNIST.

  benchmarks/accuracy.py [--build build] [--work DIR] [--out docs/accuracy.md]
                         [--train-images 60000] [--float-epochs 3] [--qat-epochs 1]
                         [--budgets 0.6,0.5,0.4,0.35] [--alphas 0.75,0.5,0.35,0.25]

The model is utils/qat/train.py's mbv1-fmnist (MobileNetV1-style, depthwise
separable, 270 k parameters at width 1.0). For each flash budget (a fraction
of the width-1.0 model's 8-bit weights + per-channel parameters, as mpq's
memory model counts them):

- the best all-8-bit model that fits: the largest width multiplier whose
  8-bit size fits the budget, trained the same way (float, then QAT at 8
  bits);
- mixed precision by the rule and by the search (mpqc --strategy), each
  post-training (mpqc's calibration on 64 training images) and after QAT at
  the widths mpqc chose (utils/qat/train.py --report, from the float model);
- the float model.

Accuracy is top-1 on the test set through the compiled integer code (x86-64
object, utils/runtime/batch_runner.c) and, for the QAT models, through the
fake-quant model in torch; the logit codes of the two are compared.
Writes the table to --out.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = os.path.join(ROOT, "utils", "qat", "train.py")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "utils", "models"))
sys.path.insert(0, os.path.join(ROOT, "utils", "qat"))
import fashion_mnist as fm  # noqa: E402


def logit_scale(onnx_path):
    """The scale of the QAT export's logits Quant (its second input)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(onnx_path)
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            values[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    node = next(n for n in model.graph.node if n.name == "/logits_quant/Quant")
    return float(values[node.input[1]])


def onnx_agreement(onnx_path, images, codes):
    """Percent of the compiled logit codes equal to the exported model's,
    run with ONNX semantics in double (utils/models/npref.py)."""
    import onnx
    import npref

    logits = npref.run(onnx.load(onnx_path), {"input": images})["logits"].reshape(len(images), -1)
    return float((np.round(logits / logit_scale(onnx_path)) == codes).mean()) * 100


def double_agreement(build, onnx_path, images, codes, work):
    """Percent of the compiled logit codes equal to the exported model's run
    in double: mpq-translate imports the QONNX file unchanged and mpq-eval
    runs that graph (Quant as ONNX defines it, every op in double)."""
    imported = os.path.join(work, "imported.mlir")
    run([os.path.join(build, "bin", "mpq-translate"), "--import-onnx", onnx_path, "-o", imported])
    np.save(os.path.join(work, "x.npy"), images)
    out = os.path.join(work, "y.npy")
    run([os.path.join(build, "bin", "mpq-eval"), imported, "--input", os.path.join(work, "x.npy"), "-o", out],
        stdout=subprocess.DEVNULL)
    logits = np.load(out).reshape(len(images), -1)
    return float((np.round(logits / logit_scale(onnx_path)) == codes).mean()) * 100


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.mpqc = os.path.join(args.build, "bin", "mpqc")
        self.train_seconds = 0.0
        os.makedirs(self.work, exist_ok=True)
        te_x, te_y = fm.load_idx("t10k")
        tr_x, _ = fm.load_idx("train")
        n = args.test_images
        self.test_x = (te_x[:n].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
        self.test_y = te_y[:n].astype(np.int64)
        self.test_x.tofile(self.path("test.f32"))
        np.save(self.path("calib.npy"), (tr_x[-64:].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28))

    def path(self, name):
        return os.path.join(self.work, name)

    def train(self, name, *extra, report=None):
        """utils/qat/train.py into <work>/<name>.onnx; returns its JSON. A
        cached model trained at other widths than `report` gives (an mpqc
        report) is trained again."""
        out = self.path(name + ".onnx")
        seconds = self.path(name + ".seconds")
        if report and os.path.exists(self.path(name + ".json")):
            import mpq_qat

            want = {k: [v[0], v[1], bool(v[2])] for k, v in mpq_qat.widths_from_report(report).items()}
            had = json.load(open(self.path(name + ".json"))).get("widths", {})
            had = {k: [v[0], v[1], bool(v[2]) if len(v) > 2 else False] for k, v in had.items()}
            if want != had:
                os.remove(self.path(name + ".json"))
        if not os.path.exists(self.path(name + ".json")):
            t0 = time.time()
            run([sys.executable, TRAIN, out, "--model", "mbv1-fmnist", "--threads", str(self.args.threads),
                 "--train-images", str(self.args.train_images), "--test-images", str(self.args.test_images),
                 "--save-test", self.path(name)] + list(extra), stdout=subprocess.DEVNULL)
            with open(seconds, "w") as f:
                f.write("%.1f\n" % (time.time() - t0))
            print("  trained %s in %.0f s" % (name, time.time() - t0), flush=True)
        if os.path.exists(seconds):
            self.train_seconds += float(open(seconds).read())
        return json.load(open(self.path(name + ".json")))

    def compile(self, onnx_path, name, budget=None, strategy="rule"):
        """mpqc for x86-64: the report, and the test accuracy of the object."""
        out = self.path("c_" + name)
        cmd = [self.mpqc, onnx_path, "-o", out, "--target=x86_64", "--name=m", "--ram=512KiB",
               "--calibration=" + self.path("calib.npy"), "--strategy=" + strategy,
               "--emit=obj,header,report", "--quiet"]
        if budget:
            cmd.append("--weight-budget=%d" % budget)
        run(cmd)
        report = json.load(open(os.path.join(out, "m.report.json")))
        runner = os.path.join(out, "runner")
        run(["cc", "-O2", "-I", out, "-I", os.path.join(ROOT, "utils", "runtime"), "-DMPQ_MODEL=m",
             "-DMPQ_UPPER=M", os.path.join(ROOT, "utils", "runtime", "batch_runner.c"), os.path.join(out, "m.o"),
             "-o", runner])
        run([runner, self.path("test.f32"), os.path.join(out, "codes.i32")], stderr=subprocess.DEVNULL)
        codes = np.fromfile(os.path.join(out, "codes.i32"), dtype=np.int32).reshape(len(self.test_y), -1)
        acc = float((codes.argmax(1) == self.test_y).mean()) * 100
        p = report["precision"]
        # The widths with per-layer weights marked (8L: 8 bits, one grid).
        marked = "w=" + "".join("%d%s" % (l["weight_bits"], "L" if l.get("weight_granularity") == "layer" else "")
                                for l in report["layers"] if l.get("weight_bits"))
        return {"acc": acc, "bits": p["bits"], "flash": p["flash_bytes"], "codes": codes,
                "report": os.path.join(out, "m.report.json"), "search": p.get("search"),
                "marked": marked + " " + p["bits"].split(" ")[1], "params": p["params_bytes"],
                "stored": report["summary"]["flash"]["rodata"]}

    def size8(self, onnx_path, name):
        return self.compile(onnx_path, name, strategy="rule")["flash"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default="/tmp/mpq-accuracy")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "accuracy.md"))
    ap.add_argument("--train-images", type=int, default=60000)
    ap.add_argument("--test-images", type=int, default=10000)
    ap.add_argument("--float-epochs", type=int, default=3)
    ap.add_argument("--qat-epochs", type=int, default=1)
    ap.add_argument("--budgets", default="0.6,0.5,0.4,0.35")
    ap.add_argument("--alphas", default="0.75,0.5,0.35,0.25", help="smaller widths for the all-8-bit baseline")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--onnx-images", type=int, default=1000,
                    help="test images the exported QAT models also run on with ONNX semantics (npref)")
    args = ap.parse_args()
    b = Bench(args)
    epochs = ["--epochs", str(args.float_epochs)]
    qat = ["--epochs", str(args.qat_epochs), "--lr", "5e-4"]

    print("float model, width 1.0", flush=True)
    f1 = b.train("float_1.0", "--float", "--alpha", "1.0", "--save-state", b.path("float_1.0.pt"), *epochs)
    s8 = b.size8(b.path("float_1.0.onnx"), "s8_1.0")
    budgets = [float(x) for x in args.budgets.split(",")]
    alphas = [float(x) for x in args.alphas.split(",")]

    # The all-8-bit baselines: the largest width that fits each budget.
    sizes = {}
    for a in alphas:
        if a not in sizes:
            b.train("float_%g" % a, "--float", "--alpha", str(a), "--save-state", b.path("float_%g.pt" % a), *epochs)
            sizes[a] = b.size8(b.path("float_%g.onnx" % a), "s8_%g" % a)
    rows = []
    for frac in budgets:
        budget = int(frac * s8)
        print("budget %.0f%% = %d B" % (frac * 100, budget), flush=True)
        row = {"frac": frac, "budget": budget}
        fitting = [a for a in alphas if sizes[a] <= budget]
        if fitting:
            a = max(fitting)
            name = "qat8_%g" % a
            info = b.train(name, "--init", b.path("float_%g.pt" % a), "--alpha", str(a), *qat)
            c = b.compile(b.path(name + ".onnx"), name)
            row["base"] = {"alpha": a, "size": sizes[a], "acc": c["acc"], "fq": info["fake_quant_test_accuracy"] * 100}
        for strategy in ("rule", "search"):
            ptq = b.compile(b.path("float_1.0.onnx"), "ptq_%s_%g" % (strategy, frac), budget, strategy)
            name = "qat_%s_%g" % (strategy, frac)
            info = b.train(name, "--init", b.path("float_1.0.pt"), "--alpha", "1.0", "--report", ptq["report"], *qat,
                           report=ptq["report"])
            c = b.compile(b.path(name + ".onnx"), name, budget)
            torch_logits = np.load(b.path(name + ".logits.npy")).reshape(len(b.test_y), -1)
            torch_codes = np.round(torch_logits / logit_scale(b.path(name + ".onnx")))
            row[strategy] = {"bits": ptq["marked"], "params": ptq["params"], "ptq": ptq["acc"], "qat": c["acc"],
                             "qat_fq": info["fake_quant_test_accuracy"] * 100, "qat_bits": c["bits"],
                             "objective": (ptq["search"] or {}).get("objective"),
                             "rule_objective": (ptq["search"] or {}).get("rule_objective"),
                             "agree": float((c["codes"] == torch_codes).mean()) * 100,
                             "agree_onnx": onnx_agreement(b.path(name + ".onnx"), b.test_x[:args.onnx_images],
                                                          c["codes"][:args.onnx_images]),
                             "agree_double": double_agreement(args.build, b.path(name + ".onnx"),
                                                              b.test_x[:args.onnx_images],
                                                              c["codes"][:args.onnx_images], b.work)}
            print("  %s: %s" % (strategy, json.dumps(row[strategy])), flush=True)
        rows.append(row)

    lines = [
        "# Accuracy under a flash budget: mixed precision against a smaller 8-bit network",
        "",
        "Generated by `benchmarks/accuracy.py` (do not edit by hand) with "
        "`--train-images %d --float-epochs %d --qat-epochs %d` (seed 0, one process, %d torch threads). "
        "Training every model took %.0f minutes on this 2-core machine; the script keeps the trained models "
        "in `--work` and trains only what is missing."
        % (args.train_images, args.float_epochs, args.qat_epochs, args.threads, b.train_seconds / 60),
        "",
        "Model: `utils/qat/train.py --model mbv1-fmnist` (MobileNetV1-style, width 1.0: 270 k parameters), "
        "float accuracy %.2f%% (torch, %d test images). Its 8-bit weights + per-channel parameters (PC+ICN, "
        "mpq's memory model): %d B. Budgets are fractions of that." % (f1["float_test_accuracy"] * 100,
                                                                        args.test_images, s8),
        "",
        "Top-1 on the Fashion-MNIST test set through the compiled x86-64 integer code; in brackets, the QAT "
        "model's fake-quant accuracy in torch. PTQ: mpqc's calibration on 64 training images. QAT: "
        "utils/qat/train.py from the float weights at the widths mpqc chose for the float model. "
        "Baseline: the largest width multiplier whose all-8-bit model fits, trained the same way (float, "
        "then QAT at 8 bits). Agreement: the QAT models' logit codes, compiled against the exported fake-quant "
        "model (rule / search): in torch (float32) on every test image; on the first %d, with ONNX's float32 "
        "tensors between ops (npref) and in double throughout (the QONNX file imported unchanged and run by "
        "mpq-eval). In double, the export's arithmetic is the integer code's: every scale of the QAT flow is "
        "short enough (utils/qat/mpq_qat.py, SCALE_BITS) that a layer's accumulator scale s_x s_w,c is a "
        "float32 exactly, and each bias is an int32 Quant on that grid, so the export adds the very bias the "
        "integer code adds. Float32 evaluations round the layers' sums and products, and values within that "
        "rounding of a floor boundary (some exactly on one) flip and propagate." % args.onnx_images,
        "",
        "Widths: one digit per weight layer, `L` where the search chose per-layer weights (one grid, batch "
        "norm folded: PL+FB parameters, 4 C + 20 B instead of 10 C + 8; the QAT flow trains those layers per "
        "layer too); parameters as the memory model counts them.",
        "",
        "| budget | all-8-bit baseline | rule widths | rule PTQ | rule QAT | search widths (parameters) | "
        "search PTQ | search QAT | search objective (rule's) | logit codes equal, % (rule / search) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = r.get("base")
        base_txt = ("α %g (%d B): %.2f%% (%.2f%%)" % (base["alpha"], base["size"], base["acc"], base["fq"])
                    if base else "none fits")
        ru, se = r["rule"], r["search"]
        obj = ("%.3g (%.3g)" % (se["objective"], se["rule_objective"])
               if se.get("objective") is not None and se.get("rule_objective") is not None else "-")
        lines.append("| %.0f%% (%d B) | %s | `%s` | %.2f%% | %.2f%% (%.2f%%) | `%s` (%d B) | %.2f%% | %.2f%% (%.2f%%) "
                     "| %s | torch %.2f / %.2f, ONNX f32 %.2f / %.2f, double %.2f / %.2f |"
                     % (r["frac"] * 100, r["budget"], base_txt, ru["bits"], ru["ptq"], ru["qat"], ru["qat_fq"],
                        se["bits"], se["params"], se["ptq"], se["qat"], se["qat_fq"], obj, ru["agree"], se["agree"],
                        ru["agree_onnx"], se["agree_onnx"], ru["agree_double"], se["agree_double"]))
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
