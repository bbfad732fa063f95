#!/usr/bin/python3
"""strategy=search against the paper's rule on the model zoo, under flash and RAM budgets both.

For every float export of the zoo (utils/models: the four MLPerf-Tiny architectures, the
SqueezeNet-style fire net, the U-Net/FPN decoder, the MobileNetV3-style block, the LayerNorm MLP
head), at each flash fraction given (a fraction of the all-8-bit weights + parameters, passed as
mpqc --weight-budget) and the tightest RAM fraction (of the all-8-bit arena + stack, mpqc --ram)
at which the rule still fits (plus 256 B of stack), mpqc compiles the model with --strategy=rule and with
--strategy=search (sensitivity measured on the zoo's calibration inputs) for cortex-m7.

Checked for every case (exit 1 otherwise), from mpqc's reports:
  - the search fits where the rule fits, within both budgets: the memory model's weights +
    parameters <= --weight-budget, and mpqc's arena + stack <= --ram;
  - the search's objective (its total measured sensitivity) <= the rule's widths priced with the
    same table (the report's rule_objective);
and printed: both bit strings and objectives, and the validation SQNR against the float model on
the zoo's test inputs (which knows nothing of the table) for both.

  benchmarks/search_zoo.py --bin build/bin [--work DIR] [--flash 0.6,0.4] [--ram 0.7,0.85,1.0]
                           [--models kws_dscnn,...] [--calib 16] [--write docs/search.md]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "utils", "models")

import numpy as np  # noqa: E402

# name -> (generator command, float export, calibration, test inputs)
ZOO = {
    "kws_dscnn": (["mlperf_tiny.py", "--arch", "kws_dscnn"], "kws_dscnn_float.onnx",
                  "kws_dscnn_calib.npy", "kws_dscnn_inputs.npy"),
    "vww_mbv1": (["mlperf_tiny.py", "--arch", "vww_mbv1"], "vww_mbv1_float.onnx",
                 "vww_mbv1_calib.npy", "vww_mbv1_inputs.npy"),
    "ic_resnet8": (["mlperf_tiny.py", "--arch", "ic_resnet8"], "ic_resnet8_float.onnx",
                   "ic_resnet8_calib.npy", "ic_resnet8_inputs.npy"),
    "ad_autoencoder": (["mlperf_tiny.py", "--arch", "ad_autoencoder"],
                       "ad_autoencoder_float.onnx", "ad_autoencoder_calib.npy",
                       "ad_autoencoder_inputs.npy"),
    "squeezenet_fire": (["zoo_dag.py", "--arch", "squeezenet_fire"], "squeezenet_fire_float.onnx",
                        "squeezenet_fire_calib.npy", "squeezenet_fire_inputs.npy"),
    "unet_decoder": (["zoo_dag.py", "--arch", "unet_decoder"], "unet_decoder_float.onnx",
                     "unet_decoder_calib.npy", "unet_decoder_inputs.npy"),
    "ln_mlp": (["layernorm_head.py"], "ln_mlp_opset13.onnx", "ln_mlp_calib.npy",
               "ln_mlp_inputs.npy"),
}


def generate(name, work):
    gen, onnx_file, calib, inputs = ZOO[name]
    if not os.path.exists(os.path.join(work, onnx_file)):
        subprocess.run([sys.executable, os.path.join(MODELS, gen[0]), "--all", work, "--quiet"]
                       + gen[1:], check=True, stdout=subprocess.DEVNULL)
    return [os.path.join(work, f) for f in (onnx_file, calib, inputs)]


def mpqc(args, binary, out, model, extra):
    cmd = [os.path.join(binary, "mpqc"), model, "-o", out, "--target=cortex-m7",
           "--emit=report", "--quiet"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    report = None
    for f in os.listdir(out) if os.path.isdir(out) else []:
        if f.endswith(".report.json") and p.returncode == 0:
            report = json.load(open(os.path.join(out, f)))
    return p.returncode, report, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--flash", default="0.6,0.4")
    ap.add_argument("--ram", default="0.7,0.85,1.0")
    ap.add_argument("--models", default=",".join(ZOO))
    ap.add_argument("--calib", type=int, default=16, help="calibration inputs (the sensitivity's)")
    ap.add_argument("--write", default=None, help="write the table (markdown) here")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="mpq-search-zoo-")
    os.makedirs(work, exist_ok=True)
    rows, failures = [], 0
    for name in args.models.split(","):
        model, calib_all, inputs = generate(name, work)
        calib = os.path.join(work, name + "_calib%d.npy" % args.calib)
        np.save(calib, np.load(calib_all)[: args.calib])
        common = ["--calibration=" + calib, "--validate=" + inputs]
        rc, base, err = mpqc(args, args.bin, os.path.join(work, name + "_8"), model, common)
        if rc != 0:
            print("%s: the all-8-bit compile failed: %s" % (name, err.strip()))
            failures += 1
            continue
        w8 = base["summary"]["flash"]["weights"] + base["summary"]["flash"]["parameters"]
        r8 = base["summary"]["ram"]["total"]
        for ff in [float(f) for f in args.flash.split(",")]:
            weight_budget = int(w8 * ff)
            chosen = None
            for rf in [float(f) for f in args.ram.split(",")]:
                # (256 B more for the generated code's stack, which depends on the
                # widths: at exactly the all-8-bit total, widths whose kernels
                # need a few bytes more stack than the all-8-bit ones fail.)
                ram = int(r8 * rf) + 256
                budgets = ["--weight-budget=%d" % weight_budget, "--ram=%d" % ram]
                out = os.path.join(work, "%s_%g_%g" % (name, ff, rf))
                rc, rule, _ = mpqc(args, args.bin, out + "_rule", model, common + budgets)
                if rc == 0:
                    chosen = (rf, ram, budgets, out, rule)
                    break
            if chosen is None:
                print("%s at %g of the weights: the rule fits none of the RAM budgets %s"
                      % (name, ff, args.ram))
                continue
            rf, ram, budgets, out, rule = chosen
            rc, search, err = mpqc(args, args.bin, out + "_search", model,
                                   common + budgets + ["--strategy=search"])
            problems = []
            if rc != 0:
                problems.append("the search failed where the rule fits: " + err.strip())
            else:
                p, s = search["precision"], search["precision"]["search"]
                used = p["weights_bytes"] + p["params_bytes"]
                if used > weight_budget:
                    problems.append("weights + parameters %d B > %d B" % (used, weight_budget))
                if search["summary"]["ram"]["total"] > ram:
                    problems.append("RAM %d B > %d B" % (search["summary"]["ram"]["total"], ram))
                if not s["rule_fits"]:
                    problems.append("the rule did not fit inside the search's request")
                elif s["objective"] > s["rule_objective"] * (1 + 1e-9) + 1e-12:
                    problems.append("objective %.6g > the rule's %.6g"
                                    % (s["objective"], s["rule_objective"]))

            def sqnr(report):
                return report["validation"]["outputs"][0]["sqnr_db"]

            row = {"model": name, "flash": ff, "ram": rf, "weight_budget": weight_budget,
                   "ram_budget": ram, "rule_bits": rule["precision"]["bits"],
                   "rule_sqnr": sqnr(rule)}
            if rc == 0:
                row.update({"search_bits": search["precision"]["bits"],
                            "solver": search["precision"]["search"]["solver"],
                            "objective": search["precision"]["search"]["objective"],
                            "rule_objective": search["precision"]["search"]["rule_objective"],
                            "search_sqnr": sqnr(search),
                            "search_ram": search["summary"]["ram"]["total"],
                            "search_weights": used})
            rows.append(row)
            status = "ok" if not problems else "FAIL: " + "; ".join(problems)
            print("%s flash %g ram %g: rule %s (%.2f dB), search %s [%s] objective %s <= %s "
                  "(%.2f dB): %s" % (name, ff, rf, row["rule_bits"], row["rule_sqnr"],
                                     row.get("search_bits"), row.get("solver"),
                                     "%.4g" % row["objective"] if "objective" in row else "-",
                                     "%.4g" % row["rule_objective"] if "rule_objective" in row
                                     else "-", row.get("search_sqnr", float("nan")), status))
            failures += bool(problems)
    print("%d cases, %d failed" % (len(rows), failures))
    if args.write:
        with open(args.write, "w") as f:
            f.write("# strategy=search against the rule on the model zoo\n\n")
            f.write("Generated by `benchmarks/search_zoo.py --write %s` (%d calibration inputs; "
                    "cortex-m7).\nBudgets: weights + parameters at the fraction given of the "
                    "all-8-bit figure (`--weight-budget`), RAM (arena + stack, `--ram`) at the "
                    "tightest fraction of the all-8-bit figure where the rule still fits. "
                    "Objective: the total measured sensitivity (relative output error) of the "
                    "widths; SQNR: the compiled model against the float model on the zoo's test "
                    "inputs.\n\n" % (os.path.relpath(args.write, ROOT), args.calib))
            f.write("| model | flash | RAM | rule | search | solver | objective rule -> search "
                    "| SQNR rule -> search |\n|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                f.write("| %s | %d%% | %d%% | `%s` | `%s` | %s | %.4g -> %.4g | %.1f -> %.1f dB |\n"
                        % (r["model"], round(100 * r["flash"]), round(100 * r["ram"]),
                           r["rule_bits"], r.get("search_bits", "-"), r.get("solver", "-"),
                           r.get("rule_objective", float("nan")), r.get("objective", float("nan")),
                           r["rule_sqnr"], r.get("search_sqnr", float("nan"))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
