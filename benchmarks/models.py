#!/usr/bin/python3
"""The model zoo at all-8-bit: mpq against ONNX Runtime (docs/models.md).

The zoo is utils/models/mlperf_tiny.py: DS-CNN (KWS), MobileNetV1 0.25 (VWW), ResNet-8 (IC) and the
FC AutoEncoder (AD), and utils/models/zoo_dag.py: a SqueezeNet-style classifier (fire modules,
Concat) and a U-Net/FPN-style decoder (nearest Resize, Add and Concat skips, per-pixel head), each
exported by python3-torch three ways from one set of float weights (float, eager-mode PTQ QDQ,
QAT QDQ); and, float export only (torch's eager PTQ cannot quantize them), the LayerNorm MLP
head of utils/models/layernorm_head.py at opsets 17 and 13 and the MobileNetV3-style block of
utils/models/mobilenet_v3_block.py (HardSwish, squeeze-excite HardSigmoid and Mul, residual
Add).  Inputs are calibration-matched: drawn by the generator's own input function (smooth
random fields, the distribution the BN statistics and every calibration come from) with the
seed of its test inputs, --count of them (the first 16 are the zoo's <arch>_inputs.npy; the
first 4 the MobileNetV3 block's test inputs).

For every model, mpqc compiles the export for x86-64 under the STM32H743's default budgets (2 MiB
flash, 512 KiB RAM; every width comes out at 8 bits, checked), calibrating on the zoo's 32
calibration inputs (<arch>_calib.npy; a QDQ export keeps its own grids), and the object runs on
the host (utils/runtime/host_runner.c --float: dequantized outputs; host_runner without --float
for the output codes).  ONNX Runtime (utils/ort/run_onnx.js, utils/fetch-ort.sh; one thread)
runs every .onnx file with its default graph optimizations (QDQ fused into integer kernels) and,
for the QDQ files, also with none (each node in float32).

Figures (per output tensor, over all inputs):
  SQNR      10 log10(sum ref^2 / sum (out - ref)^2), in dB, against the reference named
  max|err|  the largest absolute difference
  top-1     share of inputs whose arg max agrees (the classifiers); for the decoder, share of
            pixels whose arg max over the classes agrees
  codes     share of output codes identical (QDQ files: in the output grid the file gives), and
            the largest difference in codes

Table 1 asks the question of issue #13: on the float export, does mpq at all-8-bit agree with the
float model (ONNX Runtime, float) at least as well as ONNX Runtime's own int8 execution does?
ONNX Runtime's Python quantization tool is not available here (no PyPI), so ONNX Runtime's int8
execution of the same architecture and weights is given two ways, both run by ONNX Runtime:
the PTQ QDQ export (torch's eager-mode PTQ with the onednn qconfig: per-channel symmetric int8
weights, uint8 activations from HistogramObserver ranges, same calibration inputs), where torch
can export one, and the float export quantized by utils/models/ort_static_qdq.py, a mirror of
ONNX Runtime's quantize_static(QDQ, per_channel=True, QUInt8 activations, QInt8 weights, MinMax
calibration run by ONNX Runtime on the same calibration inputs mpq calibrates on), for every
model.  Table 2 compares mpq and ONNX Runtime on
the same QDQ file, beside ONNX Runtime against itself (optimized vs unoptimized).

Table 5 (--compare-ranges minmax,percentile,mse,auto) repeats Table 1's mpq column for each range
estimator of mpqc --calibration-range (how calibration chooses an activation's clip range from
the values it observed; the other tables use --calibration-range, default mpqc's own default).

  benchmarks/models.py [--bin build/bin] [--count 64] [--write docs/models.md] [--work DIR]
                       [--calibration-range R] [--compare-ranges R,R,...]

Exits 1 if a model fails to compile or to run.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "utils", "models"))

import numpy as np  # noqa: E402

import layernorm_head  # noqa: E402
import mlperf_tiny  # noqa: E402
import netbuild  # noqa: E402
import ort_static_qdq  # noqa: E402
import zoo_dag  # noqa: E402

TITLES = {
    "kws_dscnn": "DS-CNN (KWS)",
    "vww_mbv1": "MobileNetV1 0.25 (VWW)",
    "ic_resnet8": "ResNet-8 (IC)",
    "ad_autoencoder": "FC AutoEncoder (AD)",
    "squeezenet_fire": "SqueezeNet fire (IC)",
    "unet_decoder": "U-Net/FPN decoder (seg.)",
    "ln_mlp_opset17": "LayerNorm MLP head, opset 17 (IC)",
    "ln_mlp_opset13": "LayerNorm MLP head, opset 13 (IC)",
    "mbv3_block": "MobileNetV3-style block (IC)",
}
# (generator module, architecture), in table order.
ZOO = [(mlperf_tiny, a) for a in mlperf_tiny.ARCHS] + [(zoo_dag, a) for a in zoo_dag.ARCHS]
# Float-only models (torch's eager PTQ cannot export them): name -> (float .onnx in the zoo,
# calibration .npy in the zoo, the calibration-matched evaluation inputs: n -> array), in table order.
FLOAT_ONLY = {
    "ln_mlp_opset17": ("ln_mlp_opset17.onnx", "ln_mlp_calib.npy",
                       lambda n: layernorm_head.make_inputs(n, layernorm_head.INPUT_SEED + 1000)),
    "ln_mlp_opset13": ("ln_mlp_opset13.onnx", "ln_mlp_calib.npy",
                       lambda n: layernorm_head.make_inputs(n, layernorm_head.INPUT_SEED + 1000)),
    # mobilenet_v3_block.py: calibration images smooth_fields(16, 3, 64, seed=5), test seed 7.
    "mbv3_block": ("mbv3_block.onnx", "mbv3_calib.npy",
                   lambda n: netbuild.smooth_fields(n, 3, 64, seed=7).astype(np.float32)),
}
# What "top-1" means for each architecture: per input (classifier), per pixel (segmentation), none.
KIND = {"ad_autoencoder": None, "unet_decoder": "segmentation"}


def run(cmd, **kw):
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(map(str, cmd)), done.returncode, done.stdout,
                                                      done.stderr))
    return done.stdout


def agreement(ref, got, classifier):
    """classifier: True / "classifier" (arg max per input), "segmentation" (arg max over the
    classes, axis 1 of an NCHW output, per pixel), or None / False."""
    shape = ref.shape
    ref, got = ref.astype(np.float64).reshape(len(ref), -1), got.astype(np.float64).reshape(len(ref), -1)
    err = got - ref
    out = {"sqnr": float(10 * np.log10(np.sum(ref ** 2) / max(np.sum(err ** 2), 1e-30))),
           "max": float(np.abs(err).max())}
    if classifier == "segmentation":
        per_class = (len(ref), shape[1], -1)
        out["top1"] = float(np.mean(ref.reshape(per_class).argmax(1) == got.reshape(per_class).argmax(1)))
    elif classifier:
        out["top1"] = float(np.mean(ref.argmax(1) == got.argmax(1)))
    return out


def code_agreement(a, b):
    d = a.astype(np.int64) - b.astype(np.int64)
    return {"identical": float(np.mean(d == 0)), "max": int(np.abs(d).max())}


def compile_and_run(bin_dir, model, calib, name, work, batch, target="x86_64", calibration_range=None):
    out = os.path.join(work, name + "_" + target + ("_" + calibration_range if calibration_range else ""))
    cmd = [os.path.join(bin_dir, "mpqc"), model, "-o", out, "--target=" + target, "--calibration=" + calib,
           "--name=" + name, "--emit=obj,header,report", "--quiet"]
    if calibration_range:
        cmd.append("--calibration-range=" + calibration_range)
    run(cmd)
    report = json.load(open(os.path.join(out, name + ".report.json")))["summary"]
    if target != "x86_64":
        return report, None, None, None
    header = open(os.path.join(out, name + ".h")).read()
    upper = name.upper()
    runner = os.path.join(out, "runner")
    run(["cc", "-O2", "-std=c99", "-I", out, "-DMPQ_MODEL=" + name, "-DMPQ_UPPER=" + upper,
         os.path.join(ROOT, "utils", "runtime", "host_runner.c"), os.path.join(out, name + ".o"), "-o", runner])
    reals, codes = [], []
    x, y = os.path.join(out, "x.f32"), os.path.join(out, "y.bin")
    for sample in batch:
        sample.astype(np.float32).tofile(x)
        run([runner, "--float", x, y])
        reals.append(np.fromfile(y, dtype=np.float32))
        run([runner, x, y])
        codes.append(np.fromfile(y, dtype=np.int32))
    scale = float(re.search(r"_OUTPUT0_SCALE ([0-9.eE+-]+)f", header).group(1))
    zero_point = int(re.search(r"_OUTPUT0_ZERO_POINT (-?\d+)", header).group(1))
    return report, np.stack(reals), np.stack(codes), (scale, zero_point)


def ort(node, model, inputs, out, optimize=True):
    run([node, os.path.join(ROOT, "utils", "ort", "run_onnx.js"), model, "--input", inputs, "-o", out]
        + ([] if optimize else ["--no-optimize"]))
    return np.load(out)


def simulate(arch, calib, batch, rounding):
    """The float model in torch with every tensor on the grid mpq's float-model path gives it
    (docs/paper.md §1): weights per output channel, asymmetric 8-bit, rounded half to even (ICN:
    the raw conv weights, batch norm applied after); the input signed 8-bit over its calibrated
    range; every ReLU output (and the residual Add + ReLU) unsigned 8-bit on [0, max over the
    calibration inputs]; every other conv output (a ResNet block's second conv, its shortcut)
    and the last layer signed 8-bit over [min, max]; the average pool on its input's grid.
    Activations are rounded by `rounding` ("floor", as PACT grids and `mpqc --activation-rounding=floor` do, or "nearest", half
    to even); the input and the last layer always to nearest.  Not mpq: a model of it, to say
    how much of mpq's distance from the float model the rounding accounts for."""
    import copy
    import torch
    nn = torch.nn
    torch.set_num_threads(1)
    model = copy.deepcopy(mlperf_tiny.build_float(arch, calib)).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                w = m.weight.double()
                flat = w.reshape(w.shape[0], -1)
                lo = torch.clamp(flat.min(1).values, max=0)
                hi = torch.clamp(flat.max(1).values, min=0)
                s = ((hi - lo) / 255).clamp(min=1e-12)
                z = torch.round(-lo / s) - 128
                q = torch.clamp(torch.round(flat / s[:, None]) + z[:, None], -128, 127)
                m.weight.copy_(((q - z[:, None]) * s[:, None]).reshape(w.shape).float())
    points = [(model.quant, "input", False)]
    for name, m in model.named_modules():
        if isinstance(m, nn.ReLU):
            points.append((m, name, True))
        elif isinstance(m, mlperf_tiny.ConvBnRelu) and len(m) == 2:
            points.append((m, name, False))
        elif isinstance(m, nn.Conv2d) and name.endswith("shortcut"):
            points.append((m, name, False))
        elif isinstance(m, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
            points.append((m, name, "pool"))
    points.append((model.fc if hasattr(model, "fc") else model.out, "last", False))
    adds = [m for m in model.modules() if isinstance(m, nn.quantized.FloatFunctional)]
    ranges, state = {}, {"last_unsigned": None}

    def quantize(key, y, unsigned, observe):
        if unsigned == "pool":  # the grid of its input
            key, unsigned = state["last_unsigned"], True
        elif unsigned:
            state["last_unsigned"] = key
        if observe:
            lo, hi = ranges.get(key, (0.0, 0.0))
            ranges[key] = (min(lo, float(y.min())), max(hi, float(y.max())))
            return y
        lo, hi = ranges[key]
        if unsigned:
            s = hi / 255
            c = torch.clamp(y, 0, hi) / s
            return (torch.floor(c) if rounding == "floor" else torch.round(c)) * s
        s = (hi - lo) / 255
        z = float(np.round(-lo / s)) - 128
        c = y / s
        near = key in ("input", "last") or rounding != "floor"
        return (torch.clamp((torch.round(c) if near else torch.floor(c)) + z, -128, 127) - z) * s

    def forward(x, observe):
        hooks = [m.register_forward_hook(lambda _m, _i, o, k=k, u=u: quantize(k, o, u, observe))
                 for m, k, u in points]
        for i, a in enumerate(adds):
            a.add_relu = (lambda p, q, i=i: quantize("add%d" % i, torch.relu(p + q), True, observe))
        with torch.no_grad():
            y = model(torch.from_numpy(x)).numpy()
        for h in hooks:
            h.remove()
        for a in adds:
            del a.add_relu
        return y

    forward(calib, True)
    return forward(batch, False)


def fmt_agree(a):
    s = "%.1f dB, %.3f" % (a["sqnr"], a["max"])
    if "top1" in a:
        s += ", %.0f%%" % (100 * a["top1"])
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"), help="where mpqc is")
    ap.add_argument("--count", type=int, default=64, help="calibration-matched evaluation inputs per model")
    ap.add_argument("--node", default="node")
    ap.add_argument("--work", help="keep the models and outputs here (default: a temporary directory)")
    ap.add_argument("--write", metavar="MD", help="also write the tables into this markdown file")
    ap.add_argument("--calibration-range", help="mpqc --calibration-range for every compile (default: mpqc's)")
    ap.add_argument("--compare-ranges", default="",
                    help="comma-separated range estimators for Table 5 (float exports, x86)")
    args = ap.parse_args(argv)
    work = args.work or tempfile.mkdtemp(prefix="mpq-models-")
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    zoo = os.path.join(work, "zoo")
    for gen in ("mlperf_tiny.py", "zoo_dag.py", "layernorm_head.py"):
        run([sys.executable, os.path.join(ROOT, "utils", "models", gen), "--all", zoo, "--quiet"])
    run([sys.executable, os.path.join(ROOT, "utils", "models", "mobilenet_v3_block.py"), "-o",
         os.path.join(zoo, "mbv3_block.onnx"), "--calibration", os.path.join(zoo, "mbv3_calib.npy")])
    rows1, rows2, rows3, rows4, rows5, failures = [], [], [], [], [], []
    compare = [r for r in args.compare_ranges.split(",") if r]
    cr = args.calibration_range

    def compare_ranges(name, model, calib, batch, ref, classifier, ort_int8):
        """Table 5: the float export compiled with each range estimator."""
        if not compare:
            return
        cells = []
        for estimator in compare:
            try:
                _, reals, _, _ = compile_and_run(args.bin, model, calib, name, work, batch,
                                                 calibration_range=estimator)
            except RuntimeError as e:
                failures.append((name, "float --calibration-range=" + estimator, str(e)))
                cells.append(None)
                continue
            cells.append(agreement(ref, reals.reshape(ref.shape), classifier))
        rows5.append((name, cells, ort_int8))
        # Unrounded, for ties in the table.
        print("Table 5, %s: %s; ONNX Runtime int8 %s" % (
            name, ", ".join("%s %.3f dB" % (e, c["sqnr"]) for e, c in zip(compare, cells) if c),
            " / ".join("%.3f dB" % r["sqnr"] for r in ort_int8 if r is not None)), flush=True)

    def static_qdq(name, model, calib, inputs):
        """ONNX Runtime's int8 execution of the float export quantized by ort_static_qdq.py."""
        out = os.path.join(work, name + "_static_qdq.onnx")
        ort_static_qdq.quantize(model, calib, out, node=args.node)
        return ort(args.node, out, inputs, os.path.join(work, name + "_static_qdq_ort.npy"))
    for module, arch in ZOO:
        classifier = KIND.get(arch, "classifier")
        calib = os.path.join(zoo, arch + "_calib.npy")
        batch = module.make_inputs(arch, args.count, module.SPECS[arch][3] + 1000)
        inputs = os.path.join(work, arch + "_eval.npy")
        np.save(inputs, batch)
        ref = {}
        mpq = {}
        for export in module.EXPORTS:
            model = os.path.join(zoo, "%s_%s.onnx" % (arch, export))
            ref[export] = ort(args.node, model, inputs, os.path.join(work, "%s_%s_ort.npy" % (arch, export)))
            if export != "float":
                ref[export + "-noopt"] = ort(args.node, model, inputs,
                                             os.path.join(work, "%s_%s_ort_noopt.npy" % (arch, export)), False)
            try:
                report, reals, codes, grid = compile_and_run(args.bin, model, calib, arch + "_" + export, work, batch,
                                                             calibration_range=cr)
                m7, _, _, _ = compile_and_run(args.bin, model, calib, arch + "_" + export, work, batch, "cortex-m7",
                                              calibration_range=cr)
            except RuntimeError as e:
                failures.append((arch, export, str(e)))
                print("FAIL %s %s: %s" % (arch, export, e), file=sys.stderr)
                continue
            widths = set(re.sub(r"[wa=\s]", "", report["bits"]))
            if widths != {"8"}:
                failures.append((arch, export, "not all 8-bit: " + report["bits"]))
            mpq[export] = (reals.reshape(ref[export].shape), codes, grid)
            rows3.append((arch, export, report, m7))
        if "float" in mpq:
            static = static_qdq(arch, os.path.join(zoo, arch + "_float.onnx"), calib, inputs)
            rows1.append((arch, agreement(ref["float"], mpq["float"][0], classifier),
                          agreement(ref["float"], ref["ptq"], classifier),
                          agreement(ref["float"], static, classifier)))
            compare_ranges(arch + "_float", os.path.join(zoo, arch + "_float.onnx"), calib, batch, ref["float"],
                           classifier, [agreement(ref["float"], ref["ptq"], classifier),
                                        agreement(ref["float"], static, classifier)])
        if "float" in mpq and module is mlperf_tiny:  # simulate() models the MLPerf-Tiny nets only
            calib_x = np.load(calib)
            rows4.append((arch, agreement(ref["float"], mpq["float"][0], classifier),
                          agreement(ref["float"], simulate(arch, calib_x, batch, "floor"), classifier),
                          agreement(ref["float"], simulate(arch, calib_x, batch, "nearest"), classifier),
                          agreement(ref["float"], ref["ptq"], classifier)))
        for export in ("ptq", "qat"):
            if export not in mpq:
                continue
            reals, codes, (scale, zero_point) = mpq[export]
            to_codes = lambda v: np.round(v.astype(np.float64).reshape(len(v), -1) / scale) + zero_point  # noqa: E731
            rows2.append((arch, export,
                          code_agreement(codes.reshape(len(codes), -1), to_codes(ref[export])),
                          agreement(ref[export], reals, classifier),
                          code_agreement(to_codes(ref[export]), to_codes(ref[export + "-noopt"])),
                          code_agreement(codes.reshape(len(codes), -1), to_codes(ref[export + "-noopt"])),
                          agreement(ref["float"], reals, classifier),
                          agreement(ref["float"], ref[export], classifier)))

    for name, (onnx_file, calib_file, make) in FLOAT_ONLY.items():
        model, calib = os.path.join(zoo, onnx_file), os.path.join(zoo, calib_file)
        batch = make(args.count)
        inputs = os.path.join(work, name + "_eval.npy")
        np.save(inputs, batch)
        ref = ort(args.node, model, inputs, os.path.join(work, name + "_float_ort.npy"))
        try:
            static = static_qdq(name, model, calib, inputs)
            report, reals, _, _ = compile_and_run(args.bin, model, calib, name, work, batch, calibration_range=cr)
            m7, _, _, _ = compile_and_run(args.bin, model, calib, name, work, batch, "cortex-m7",
                                          calibration_range=cr)
        except RuntimeError as e:
            failures.append((name, "float", str(e)))
            print("FAIL %s float: %s" % (name, e), file=sys.stderr)
            continue
        widths = set(re.sub(r"[wa=\s]", "", report["bits"]))
        if widths != {"8"}:
            failures.append((name, "float", "not all 8-bit: " + report["bits"]))
        rows3.append((name, "float", report, m7))
        rows1.append((name, agreement(ref, reals.reshape(ref.shape), "classifier"), None,
                      agreement(ref, static, "classifier")))
        compare_ranges(name, model, calib, batch, ref, "classifier", [None, agreement(ref, static, "classifier")])

    lines = []
    lines.append("Table 1. Float export, all-8-bit: agreement with the float model (ONNX Runtime, float), "
                 "%d calibration-matched inputs per model. Cells: SQNR, max|err|, top-1 agreement "
                 "(the decoder: per pixel)." % args.count)
    lines.append("")
    lines.append("| model | mpq, float export (mpq calibrates, x86 object) | ONNX Runtime int8: torch PTQ QDQ export "
                 "| ONNX Runtime int8: static QDQ by ort_static_qdq.py | mpq at least as good (SQNR) |")
    lines.append("|---|---|---|---|---|")
    for arch, a, b, c in rows1:
        others = [("PTQ", b), ("static QDQ", c)] if b is not None else [("static QDQ", c)]
        verdict = "yes" if all(a["sqnr"] >= o["sqnr"] for _, o in others) else "**no**"
        lines.append("| %s | %s | %s | %s | %s (%s) |" % (
            TITLES[arch], fmt_agree(a), fmt_agree(b) if b is not None else "(torch cannot export it)", fmt_agree(c),
            verdict, ", ".join("%+.1f dB vs %s" % (a["sqnr"] - o["sqnr"], k) for k, o in others)))
    lines.append("")
    lines.append("Table 2. QDQ exports: mpq (x86 object) against ONNX Runtime running the same file. "
                 "Codes: identical share, largest difference (output grid of the file).")
    lines.append("")
    lines.append("| model | export | mpq vs ORT: codes | mpq vs ORT: SQNR, max\\|err\\|, top-1 "
                 "| ORT vs ORT unoptimized: codes | mpq vs ORT unoptimized: codes "
                 "| vs float (ORT float): mpq | vs float: ORT |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for arch, export, c, a, oo, mo, mf, of in rows2:
        lines.append("| %s | %s | %.2f%%, %d | %s | %.2f%%, %d | %.2f%%, %d | %.1f dB | %.1f dB |"
                     % (TITLES[arch], export.upper(), 100 * c["identical"], c["max"], fmt_agree(a),
                        100 * oo["identical"], oo["max"], 100 * mo["identical"], mo["max"], mf["sqnr"], of["sqnr"]))
    lines.append("")
    lines.append("Table 3. What mpqc built (all-8-bit, STM32H743 default budgets): flash = weights + parameters "
                 "+ code, RAM = arena + stack, bytes.")
    lines.append("")
    lines.append("| model | export | bits | MACs | cortex-m7 flash | cortex-m7 RAM | x86-64 flash | x86-64 RAM |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for arch, export, rep, m7 in rows3:
        lines.append("| %s | %s | `%s` | %s | %s | %s | %s | %s |"
                     % (TITLES[arch], export, rep["bits"], "{:,}".format(rep["macs"]),
                        "{:,}".format(m7["flash"]["total"]), "{:,}".format(m7["ram"]["total"]),
                        "{:,}".format(rep["flash"]["total"]), "{:,}".format(rep["ram"]["total"])))
    lines.append("")
    lines.append("Table 4. Where Table 1's gap comes from (the MLPerf-Tiny models): the float model in torch with "
                 "every tensor on the "
                 "grid mpq's float-model path gives it (simulate() in this script: 8-bit per-channel weights, "
                 "max-calibrated activations, the pool on its input's grid), activations rounded down (PACT, "
                 "`mpqc --activation-rounding=floor`) or to nearest (mpqc's default). SQNR against the float "
                 "model (ONNX Runtime, float), top-1.")
    lines.append("")
    lines.append("| model | mpq (Table 1) | simulation, floor | simulation, round to nearest | ONNX Runtime int8 |")
    lines.append("|---|---|---|---|---|")
    for arch, a, fl, ne, o in rows4:
        short = lambda v: "%.1f dB" % v["sqnr"] + (", %.0f%%" % (100 * v["top1"]) if "top1" in v else "")  # noqa: E731
        lines.append("| %s | %s | %s | %s | %s |" % (TITLES[arch], short(a), short(fl), short(ne), short(o)))
    if compare:
        lines.append("")
        lines.append("Table 5. Table 1's mpq column by calibration range estimator (`mpqc --calibration-range`): "
                     "minmax (the observed range), percentile (0.01 %/99.99 % quantiles), mse (the clip range of "
                     "least quantization MSE at the activation's width), auto (per activation, the one of those "
                     "three ranges that gives the compiled model's output the least error on the calibration "
                     "inputs). SQNR against the float model, top-1; "
                     "**bold**: below either ONNX Runtime int8 figure.")
        lines.append("")
        lines.append("| model | " + " | ".join("mpq, %s" % r for r in compare)
                     + " | ONNX Runtime int8: torch PTQ | ONNX Runtime int8: static QDQ |")
        lines.append("|---|" + "---|" * (len(compare) + 2))

        def short(v):
            return "%.1f dB" % v["sqnr"] + (", %.0f%%" % (100 * v["top1"]) if "top1" in v else "")
        for name, cells, refs in rows5:
            worst = max(r["sqnr"] for r in refs if r is not None)

            def cell(v):
                if v is None:
                    return "failed"
                return "**%s**" % short(v) if v["sqnr"] < worst - 0.05 else short(v)
            lines.append("| %s | %s | %s |" % (
                TITLES.get(name.replace("_float", ""), name), " | ".join(cell(c) for c in cells),
                " | ".join(short(r) if r is not None else "-" for r in refs)))
    for arch, export, err in failures:
        lines.append("")
        lines.append("FAILED: %s %s: %s" % (arch, export, err.strip().splitlines()[-1] if err.strip() else err))
    table = "\n".join(lines)
    command = "benchmarks/models.py --count %d" % args.count
    if cr:
        command += " --calibration-range " + cr
    if compare:
        command += " --compare-ranges " + ",".join(compare)
    print("%s (mpq tools: %s), %.0f s" % (command, args.bin, time.time() - t0))
    print()
    print(table)
    if args.write:
        write_doc(args.write, table, command)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


def write_doc(path, table, command):
    text = open(path).read() if os.path.exists(path) else ""
    begin, end = "<!-- models.py: begin -->", "<!-- models.py: end -->"
    block = "%s\n_Generated by `%s` on %s._\n\n%s\n%s" % (
        begin, command, datetime.date.today().isoformat(), table, end)
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
