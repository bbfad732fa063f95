#!/usr/bin/python3
"""Regenerates docs/cortex-m.md: each model compiled by mpqc for cortex-m7,
linked into the STM32H743 memory map (the fit check), sized with
arm-none-eabi-size, and run once under QEMU's Cortex-M7 (mps2-an500) with
-icount shift=0, where SysTick counts instructions deterministically.

  benchmarks/cortex_m.py [--build build] [--out docs/cortex-m.md] [--models mbv1,fmnist,blazeface,rows,int8]
  benchmarks/cortex_m.py --cores-only   # only the section on the other cores
  benchmarks/cortex_m.py --models mbv1 --fuse-rows --out /tmp/rows.md
                                        # the MobileNetV1 table with row groups

The last section runs the Fashion-MNIST CNN and MobileNetV1 0.25_128 on every
Cortex-M core mpqc targets, each under its QEMU machine, through the Cortex-M
tests' driver (test/Cortex-M/Inputs/run_on_target.py); --cores-only
regenerates that section alone in the existing file.

Budgets: the paper's 2,048,000 B flash and 512,000 B RAM for MobileNetV1 and
BlazeFace; 64 kB / 32 kB for the Fashion-MNIST CNN.

The int8 section (model "int8") compiles MobileNetV1 1.0_224 and 0.25_128
with every weight and activation at 8 bits and runs them with the weights in
the mps2-an500's PSRAM (run-qemu.sh --psram-weights), beside CMSIS-NN's
instruction counts for the same networks.

The row-groups section (model "rows") compiles MobileNetV1 1.0_224 and 0.25_128
with every activation at 8 bits (2,048,000 B flash, 2 MB RAM: the weights fit
QEMU's 4 MB of code; NHWC input) without and with --fuse-rows, and compares
the arenas and the instructions of the two.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "utils", "firmware", "run-qemu.sh")


def sizes(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], check=True,
                         capture_output=True, text=True).stdout
    s = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            s[parts[0]] = int(parts[1])
    return s


def object_sizes(obj):
    """Code (.text) and weights and parameters (.rodata.mpq.*) of a model's
    object, in bytes."""
    out = subprocess.run(["arm-none-eabi-size", "-A", obj], check=True,
                         capture_output=True, text=True).stdout
    code = weights = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            if parts[0] == ".text":
                code += int(parts[1])
            elif parts[0].startswith(".rodata.mpq"):
                weights += int(parts[1])
    return code, weights


def measure(name, onnx, outdir, flash, ram, calibration, sample, options=(), run_options=()):
    cmd = [os.path.join(ARGS.build, "bin", "mpqc"), onnx, "-o", outdir,
           "--target=cortex-m7", f"--flash={flash}", f"--ram={ram}",
           f"--name={name}", "--emit=obj,header,report,mlir", "--quiet"] + list(options)
    if calibration:
        cmd.append(f"--calibration={calibration}")
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return {"name": name, "error": res.stderr.strip().splitlines()[-1]}
    with open(os.path.join(outdir, name + ".report.json")) as f:
        report = json.load(f)
    summary = report["summary"]
    row = {"name": name, "bits": summary["bits"], "macs": summary["macs"],
           "arena": summary["ram"]["arena"],
           "lower_bound": summary["ram"]["arena_lower_bound"]}
    fit = subprocess.run([FIRMWARE, "--fit-stm32h743", outdir, name],
                         capture_output=True, text=True)
    row["fits"] = fit.returncode == 0
    if not row["fits"]:
        overflow = [l for l in fit.stderr.splitlines() if "overflow" in l]
        row["fit_error"] = overflow[0].split(": ", 1)[-1] if overflow else "link failed"
    else:
        s = sizes(os.path.join(outdir, name + ".stm32h743.elf"))
        row["flash"] = s.get(".isr_vector", 0) + s.get(".text", 0) + s.get(".ARM.exidx", 0) + s.get(".data", 0)
        row["ram"] = s.get(".data", 0) + s.get(".bss", 0) + s.get(".heap", 0) + s.get(".stack", 0)
    sample.tofile(os.path.join(outdir, "x.f32"))
    outs = " ".join(f"y{k}.i32" for k in range(4))
    nout = int(re.search(r"_NUM_OUTPUTS (\d+)", open(os.path.join(outdir, name + ".h")).read()).group(1))
    row["code"], row["weights"] = object_sizes(os.path.join(outdir, name + ".o"))
    run = subprocess.run([FIRMWARE] + list(run_options) + [outdir, name, "x.f32"] +
                         [f"y{k}.i32" for k in range(nout)],
                         cwd=outdir, capture_output=True, text=True)
    # The reference evaluator on the same integer graph and input.
    np.save(os.path.join(outdir, "x.npy"), sample)
    subprocess.run([os.path.join(ARGS.build, "bin", "mpq-eval"), os.path.join(outdir, name + ".mlir"),
                    "--input", os.path.join(outdir, "x.npy"), "--output-codes",
                    "--output-dir", os.path.join(outdir, "ref")], check=True)
    same = total = 0
    for k in range(nout):
        qemu = np.fromfile(os.path.join(outdir, f"y{k}.i32"), dtype=np.int32)
        ref = np.load(os.path.join(outdir, "ref", f"output_{k}.npy")).ravel()
        same += int(np.sum(qemu == ref)) if qemu.size == ref.size else 0
        total += ref.size
    row["exact"] = f"{same}/{total}"
    # The same model for x86-64: the weight budget the cortex-m7 assignment
    # used (mpqc's code-size retry is target-dependent), run on the host.
    x86 = os.path.join(outdir, "x86")
    cmd = [os.path.join(ARGS.build, "bin", "mpqc"), onnx, "-o", x86, "--target=x86_64",
           f"--weight-budget={report['precision']['flash_budget']}", "--flash=64MB", f"--ram={ram}",
           f"--name={name}", "--quiet"] + list(options)
    if calibration:
        cmd.append(f"--calibration={calibration}")
    subprocess.run(cmd, check=True)
    runner = os.path.join(x86, "runner")
    subprocess.run(["cc", "-O2", "-std=c99", "-I", x86, f"-DMPQ_MODEL={name}",
                    f"-DMPQ_UPPER={name.upper()}", os.path.join(ROOT, "utils/runtime/host_runner.c"),
                    os.path.join(x86, name + ".o"), "-o", runner], check=True)
    subprocess.run([runner, os.path.join(outdir, "x.f32")] +
                   [os.path.join(x86, f"h{k}.i32") for k in range(nout)], check=True)
    host = b"".join(open(os.path.join(x86, f"h{k}.i32"), "rb").read() for k in range(nout))
    qemu = b"".join(open(os.path.join(outdir, f"y{k}.i32"), "rb").read() for k in range(nout))
    row["x86"] = "identical" if host == qemu else "DIFFERENT"
    m = re.search(r"instructions: (\d+)", run.stdout)
    st = re.search(r"stack: (\d+)", run.stdout)
    row["instructions"] = int(m.group(1)) if m else None
    row["stack"] = int(st.group(1)) if st else None
    return row


CORES = [("cortex-m0plus", "microbit", "Armv6-M, no DSP, no FPU"),
         ("cortex-m3", "mps2-an385", "Armv7-M, no DSP, no FPU"),
         ("cortex-m4", "mps2-an386", "Armv7E-M, DSP, FPv4-SP"),
         ("cortex-m7", "mps2-an500", "Armv7E-M, DSP, FPv5-D16"),
         ("cortex-m33", "mps2-an505", "Armv8-M Mainline, DSP, FPv5-SP"),
         ("cortex-m55", "mps3-an547", "Armv8.1-M Mainline, DSP, MVE, FP")]
CORES_TITLE = "## The other Cortex-M cores"


def cores_section(tmp):
    """The Fashion-MNIST CNN and MobileNetV1 0.25_128 (sub-byte, as the QEMU
    tests compile it) on each core, as markdown lines."""
    driver = os.path.join(ROOT, "test", "Cortex-M", "Inputs", "run_on_target.py")
    env = dict(os.environ, PATH=os.path.join(ARGS.build, "bin") + os.pathsep + os.environ["PATH"])
    x = np.load(os.path.join(ARGS.build, "models/fmnist/fmnist_test_images.npy")).astype(np.float32) / 255.0
    np.save(os.path.join(tmp, "fm_calib.npy"), x[1000:1064].reshape(64, 1, 28, 28))
    np.save(os.path.join(tmp, "fm_x.npy"), x[0:3].reshape(3, 1, 28, 28))
    subprocess.run([sys.executable, os.path.join(ROOT, "utils/models/mobilenet_v1.py"), "--resolution", "128",
                    "--save-calibration", tmp, "--quiet"], check=True)
    mb = np.load(os.path.join(tmp, "mbv1_calib_128_nchw.npy"))
    np.save(os.path.join(tmp, "mb_x.npy"), mb[[0, 5]])
    models = [("fmnist", os.path.join(ARGS.build, "models/fmnist/fashion_mnist_cnn.onnx"), "fm_calib.npy",
               "fm_x.npy", "64kB", "32kB"),
              ("mbv1", os.path.join(ARGS.build, "models/mbv1/mbv1_0.25_128.onnx"), "mbv1_calib_128_nchw.npy",
               "mb_x.npy", "300kB", "128kB")]
    lines = [CORES_TITLE, "",
             "Each model compiled by `mpqc --target=<core>` (default float ABI: hard with",
             "an FPU, soft without) and run under the core's QEMU machine",
             "(`utils/firmware/run-qemu.sh` picks it from the object's attributes) on a few",
             "inputs (Fashion-MNIST: 3 test images, 64 kB / 32 kB; MobileNetV1 0.25_128:",
             "2 calibration images, 300 kB / 128 kB, sub-byte), compared code for code with",
             "the same model compiled for x86-64 and with the reference evaluator. Code is",
             "the object's `.text`, optimized for speed unless only the smaller code fits",
             "(`--optimize=auto`; size code has no SMLAD); instructions and stack are the",
             "first input's. The",
             "MPS2/MPS3 boards give every model room; the micro:bit (16 kB of RAM) cannot",
             "hold MobileNetV1's 49,152 B input.",
             "",
             "| model | core | QEMU machine | architecture | bits | code (B) | code for | stack (B) | instructions | MACs / instruction | SMLAD in code | QEMU = x86 | QEMU = evaluator |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, onnx, calib, inputs, flash, ram in models:
        for core, machine, arch in CORES:
            if name == "mbv1" and core == "cortex-m0plus":
                lines.append(f"| {name} | {core} | {machine} | {arch} | — | — | — | — | — | — | — | "
                             "does not fit (16 kB RAM) | — |")
                continue
            work = os.path.join(tmp, f"{name}-{core}")
            done = subprocess.run([sys.executable, driver, "--target", core, "--model", onnx, "--name", name,
                                   "--calibration", os.path.join(tmp, calib), "--inputs", os.path.join(tmp, inputs),
                                   f"--flash={flash}", f"--ram={ram}", "--work", work],
                                  capture_output=True, text=True, env=env)
            m = re.search(r": (w=\S+ a=\S+), \d+ inputs, QEMU = x86 (\d+/\d+), QEMU = evaluator (\d+/\d+).*"
                          r"smlad (\d+)\ninstructions (\d+) stack (\d+)", done.stdout)
            if not m:
                lines.append(f"| {name} | {core} | {machine} | {arch} | failed: {done.stdout.strip()[:80]} "
                             "| | | | | | | | |")
                continue
            report = json.load(open(os.path.join(work, "arm", name + ".report.json")))
            count = int(m.group(5))
            lines.append(f"| {name} | {core} | {machine} | {arch} | `{m.group(1)}` | {report['summary']['flash']['code']:,} "
                         f"| {report['summary']['code_optimized_for']} | {m.group(6)} | {count:,} | {report['summary']['macs'] / count:.3f} | {m.group(4)} "
                         f"| {m.group(2)} | {m.group(3)} |")
            print(lines[-1], flush=True)
    return lines


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "cortex-m.md"))
    p.add_argument("--models", default="mbv1,fmnist,blazeface,rows,int8")
    p.add_argument("--fuse-rows", action="store_true",
                   help="compile the models of the main table with mpqc --fuse-rows")
    p.add_argument("--cores-only", action="store_true",
                   help="regenerate only the section on the other cores in --out")
    ARGS = p.parse_args()
    if ARGS.cores_only:
        text = open(ARGS.out).read()
        head = text.split(CORES_TITLE)[0].rstrip("\n")
        with tempfile.TemporaryDirectory() as tmp:
            lines = cores_section(tmp)
        with open(ARGS.out, "w") as f:
            f.write(head + "\n\n" + "\n".join(lines) + "\n")
        return 0
    models = ARGS.models.split(",")
    rows = []
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        if "fmnist" in models:
            x = np.load(os.path.join(ARGS.build, "models/fmnist/fmnist_test_images.npy")).astype(np.float32) / 255.0
            np.save(os.path.join(tmp, "fm_calib.npy"), x[1000:1064].reshape(64, 1, 28, 28))
            d = os.path.join(tmp, "fmnist")
            rows.append(measure("fmnist", os.path.join(ARGS.build, "models/fmnist/fashion_mnist_cnn.onnx"),
                                d, 64000, 32000, os.path.join(tmp, "fm_calib.npy"), x[0].reshape(1, 1, 28, 28)))
        if "mbv1" in models:
            for alpha in ["0.25", "0.5", "0.75", "1.0"]:
                for res in [128, 160, 192, 224]:
                    name = f"mbv1_{alpha.replace('.', '')}_{res}"
                    onnx = os.path.join(ARGS.build, "models/mbv1", f"mbv1_{alpha}_{res}.onnx")
                    d = os.path.join(tmp, name)
                    sample = rng.random((1, 3, res, res), dtype=np.float32)
                    rows.append(measure(name, onnx, d, 2048000, 512000, None, sample,
                                        ("--fuse-rows",) if ARGS.fuse_rows else ()))
                    print(rows[-1], flush=True)
        if "blazeface" in models:
            cache = os.environ.get("MPQ_MODEL_CACHE", os.path.expanduser("~/.cache/mpq/models"))
            onnx = os.path.join(cache, "face_detection_front_128x128_barracuda.onnx")
            if os.path.exists(onnx):
                d = os.path.join(tmp, "blazeface")
                rows.append(measure("blazeface", onnx, d, 2048000, 512000, None,
                                    rng.random((1, 128, 128, 3), dtype=np.float32) * 2 - 1))
        int8_rows = []
        if "int8" in models:
            # Every weight and activation at 8 bits (budgets that need no
            # narrower code), the weights in the mps2-an500's PSRAM: 4.3 MB
            # for 1.0_224, beyond QEMU's 4 MB of code RAM.
            for alpha, res, peer in (("1.0", 224, 1065123096), ("0.25", 128, 43530231)):
                name = f"mbv1_{alpha.replace('.', '')}_{res}"
                onnx = os.path.join(ARGS.build, "models/mbv1", f"mbv1_{alpha}_{res}.onnx")
                sample = np.random.default_rng(2).random((1, 3, res, res), dtype=np.float32)
                row = measure(name, onnx, os.path.join(tmp, name + "_int8"), "8MB", "2MB", None, sample,
                              run_options=("--psram-weights",))
                row["peer"] = peer
                int8_rows.append(row)
                print(row, flush=True)
        fused_rows = []
        if "rows" in models:
            for alpha, res in (("1.0", 224), ("0.25", 128)):
                name = f"mbv1_{alpha.replace('.', '')}_{res}"
                onnx = os.path.join(ARGS.build, "models/mbv1", f"mbv1_{alpha}_{res}.onnx")
                # NHWC input: the image is the group's input, not a
                # transposed copy.
                sample = np.random.default_rng(1).random((1, res, res, 3), dtype=np.float32)
                pair = []
                for options in (("--input-layout=nhwc",), ("--input-layout=nhwc", "--fuse-rows")):
                    d = os.path.join(tmp, name + "_rows" + str(len(options) - 1))
                    pair.append(measure(name, onnx, d, 2048000, 2000000, None, sample, options))
                    print(pair[-1], flush=True)
                fused_rows.append(pair)
    lines = ["# Running on a Cortex-M7",
             "",
             "Generated by `benchmarks/cortex_m.py` (do not edit by hand). Each model is",
             "compiled by `mpqc --target=cortex-m7`, linked with `utils/firmware` into the",
             "STM32H743 map (2 MB flash at 0x08000000, 512 kB AXI SRAM at 0x24000000; the",
             "fit check) and run once under QEMU's Cortex-M7 (`mps2-an500`, `-icount",
             "shift=0`). Flash = vectors + text (code, weights and parameters in",
             "`.rodata.mpq.*`) + data; RAM = data + bss (the arena) + 32 kB heap + 16 kB",
             "stack of the firmware. Instructions are QEMU instructions, repeatable run to",
             "run, not STM32H7 cycles; stack is the model's measured use below `main`.",
             "Budgets: 2,048,000 B / 512,000 B (the paper's), 64 kB / 32 kB for Fashion-MNIST."
             + (" MobileNetV1 compiled with `--fuse-rows` (row groups)." if ARGS.fuse_rows else ""),
             "",
             "The last two columns compare the output codes QEMU returned with those of",
             "the reference evaluator (`mpq-eval --output-codes`) on the same integer graph",
             "(`mpqc --emit=mlir`) and input, and with the same model compiled for x86-64",
             "(`mpqc --target=x86_64 --weight-budget=<the budget the cortex-m7 assignment",
             "used>`, so both targets have the same bits) run on the host, byte for byte.",
             "",
             "| model | bits | fits STM32H743 | flash (B) | RAM (B) | arena (B) | lower bound (B) | stack (B) | MACs | instructions | MACs / instruction | QEMU = evaluator | QEMU = x86 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | — | mpqc: {r['error']} | | | | | | | | | | |")
            continue
        ratio = f"{r['macs'] / r['instructions']:.3f}" if r.get("instructions") else "—"
        fits = "yes" if r["fits"] else f"no: {r.get('fit_error', '')}"
        lines.append(f"| {r['name']} | `{r['bits']}` | {fits} | {r.get('flash', '—'):,} | {r.get('ram', '—'):,} "
                     f"| {r['arena']:,} | {r['lower_bound']:,} | {r.get('stack') or '—'} | {r['macs']:,} "
                     f"| {r['instructions']:,} | {ratio} | {r.get('exact', '—')} | {r.get('x86', '—')} |" if r["fits"] and r.get("instructions") else
                     f"| {r['name']} | `{r['bits']}` | {fits} | {r.get('flash', '—')} | {r.get('ram', '—')} "
                     f"| {r['arena']:,} | {r['lower_bound']:,} | {r.get('stack') or '—'} | {r['macs']:,} "
                     f"| {r.get('instructions') or '—'} | {ratio} | {r.get('exact', '—')} | {r.get('x86', '—')} |")
    if int8_rows:
        lines += ["", "## MobileNetV1 at 8 bits against CMSIS-NN",
                  "",
                  "Every weight and activation at 8 bits (`--flash=8MB --ram=2MB`: no budget",
                  "narrows a layer), run with the weights and parameters in the mps2-an500's",
                  "16 MB of PSRAM (`utils/firmware/run-qemu.sh --psram-weights`; 1.0_224's",
                  "4.3 MB do not fit QEMU's 4 MB of code RAM, nor the STM32H743). CMSIS-NN:",
                  "TFLM's int8 MobileNetV1 with CMSIS-NN v7 kernels on the same QEMU, the",
                  "project's comparison (`../shared/docs/peers-cortex-m.md`). Code is the",
                  "model object's `.text`, weights its `.rodata.mpq.*`.",
                  "",
                  "| model | bits | code (B) | weights and parameters (B) | arena (B) | instructions | CMSIS-NN instructions | mpq / CMSIS-NN | QEMU = evaluator | QEMU = x86 |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
        for r in int8_rows:
            if "error" in r or not r.get("instructions"):
                lines.append(f"| {r['name']} | failed: {r.get('error', 'no instruction count')} | | | | | | | | |")
                continue
            lines.append(f"| {r['name']} | `{r['bits']}` | {r['code']:,} | {r['weights']:,} | {r['arena']:,} "
                         f"| {r['instructions']:,} | {r['peer']:,} | {r['instructions'] / r['peer']:.3f} "
                         f"| {r['exact']} | {r['x86']} |")
    if fused_rows:
        lines += ["", "## Row groups",
                  "",
                  "MobileNetV1 with every activation at 8 bits (`--flash=2048000 --ram=2MB",
                  "--input-layout=nhwc`: the weights are cut to fit QEMU's 4 MB of code),",
                  "compiled without and with",
                  "`--fuse-rows` (docs/design.md, \"Row groups\": groups of layers run",
                  "row by row, the tensors between them in line buffers), on the same input.",
                  "",
                  "| model | bits | arena (B) | fused arena (B) | instructions | fused instructions | fused / unfused | fused QEMU = evaluator | fused QEMU = x86 |",
                  "|---|---|---:|---:|---:|---:|---:|---|---|"]
        for plain, fused in fused_rows:
            if "error" in plain or "error" in fused or not plain.get("instructions") \
                    or not fused.get("instructions"):
                lines.append(f"| {plain['name']} | failed: {plain.get('error', '')} {fused.get('error', '')} | | | | | | | |")
                continue
            lines.append(f"| {plain['name']} | `{fused['bits']}` | {plain['arena']:,} | {fused['arena']:,} "
                         f"| {plain['instructions']:,} | {fused['instructions']:,} "
                         f"| {fused['instructions'] / plain['instructions']:.3f} | {fused['exact']} | {fused['x86']} |")
    lines += ["", "The kernels are loops generated by `--mpq-lower-to-loops` (code for speed),",
              "each layer in a function of its own: 8-bit pointwise and fully connected",
              "layers are a product of rows with 32-bit loads, two pixels by two channels",
              "per block and weights laid out in the order the kernel reads them, the",
              "reduction walking two pointers (1.4-2.1 instructions per MAC from 24 input",
              "channels up, docs/kernels.md); other 8-bit layers load each input",
              "word once for four output channels and multiply two 16-bit pairs per",
              "`SMLAD`; the weight zero point is factored out of the products, windows",
              "inside the image skip the padding tests, and index arithmetic is 32-bit;",
              "under floor rounding the requantization works on the product's high word.",
              "The paper's CMSIS-NN-style INT8 MobileNetV1 0.25_160 reached 0.32",
              "MAC/cycle."]
    with tempfile.TemporaryDirectory() as tmp:
        lines += cores_section(tmp)
    with open(ARGS.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
