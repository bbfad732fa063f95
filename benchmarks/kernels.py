#!/usr/bin/python3
"""Regenerates docs/kernels.md: instructions per MAC of single layers at the
shapes of the CMSIS-NN / CMix-NN comparison (../shared peer table, reproduced
in PEERS below), compiled by mpqc for cortex-m7 and run under QEMU's
Cortex-M7 (mps2-an500, -icount shift=0).

  benchmarks/kernels.py [--build build] [--out docs/kernels.md]
      [--shapes pw128,dw112,...] [--widths w8a8,w4a4,...] [--cases pw128:w4a4,...]
      [--keep DIR] [--json rows.json]

Each case is a small ONNX model: the image, a depthwise 1x1 layer `pre`
(with BatchNorm and ReLU) that gives the measured layer its input at the
activation width of the case (8, 4 or 2 bits, unsigned, zero point 0, as
inside a network), then the measured layer `layer` (conv + BatchNorm + ReLU,
or Gemm for the fully connected shape) at the weight width of the case;
widths are pinned (`--pins`). The first convolution reads the image itself
(8-bit, as in a network). Every layer of the generated code is its own
function `<name>_step<k>` (--mpq-lower-to-loops), so the layer's own
instructions are counted exactly: a QEMU TCG plugin of the project's own
(utils/firmware/icount_range.c) counts the instructions executed inside that
function's address range. Instructions per MAC = that count / the layer's
MACs (requantization and stores included, copies of the model's input and
output not).

Every case is checked three ways: the output codes QEMU returned equal the
reference evaluator's (`mpq-eval --output-codes` on `mpqc --emit=mlir`) and
those of the same model compiled for x86-64 and run on the host, byte for
byte.
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
FIRMWARE = os.path.join(ROOT, "utils", "firmware")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "utils", "models"))
import netbuild  # noqa: E402

# key: (label, kind, cin, cout, input hw, kernel, stride)
SHAPES = {
    "conv0": ("conv 3×3 s2, 3→32, 224×224 in", "first", 3, 32, 224, 3, 2),
    "dw112": ("depthwise 3×3 s1, 32 ch @112", "dw", 32, 32, 112, 3, 1),
    "dw112s2": ("depthwise 3×3 s2, 64 ch @112", "dw", 64, 64, 112, 3, 2),
    "dw14": ("depthwise 3×3 s1, 512 ch @14", "dw", 512, 512, 14, 3, 1),
    "pw8": ("pointwise 8→16 @64", "pw", 8, 16, 64, 1, 1),
    # MobileNetV1 0.75's first pointwise layer (no peer figure): a reduction
    # of three steps, below the product kernel's loop threshold.
    "pw24": ("pointwise 24→48 @64", "pw", 24, 48, 64, 1, 1),
    # MobileNetV1 0.75_128's next pointwise layers (no peer figures).
    "pw48": ("pointwise 48→96 @32", "pw", 48, 96, 32, 1, 1),
    "pw96": ("pointwise 96→96 @16", "pw", 96, 96, 16, 1, 1),
    "pw192": ("pointwise 192→192 @16", "pw", 192, 192, 16, 1, 1),
    "pw32": ("pointwise 32→64 @112", "pw", 32, 64, 112, 1, 1),
    "pw64": ("pointwise 64→128 @56", "pw", 64, 128, 56, 1, 1),
    "pw128": ("pointwise 128→128 @56", "pw", 128, 128, 56, 1, 1),
    "pw512": ("pointwise 512→512 @14", "pw", 512, 512, 14, 1, 1),
    "pw1024": ("pointwise 1024→1024 @7", "pw", 1024, 1024, 7, 1, 1),
    "fc": ("fully connected 1024→1000", "fc", 1024, 1000, 1, 1, 1),
}
# Peer figures (instructions per MAC, same QEMU): (shape, wbits, abits) ->
# (peer, value). CMSIS-NN v7 s8/s4, CMix-NN u8/u4/u2.
PEERS = {
    ("conv0", 8, 8): [("CMSIS-NN s8", 4.175)],
    ("dw112", 8, 8): [("CMSIS-NN s8", 8.857)],
    ("dw112s2", 8, 8): [("CMSIS-NN s8", 8.687)],
    ("dw14", 8, 8): [("CMSIS-NN s8", 8.285)],
    ("pw8", 8, 8): [("CMSIS-NN s8", 6.690)],
    ("pw32", 8, 8): [("CMSIS-NN s8", 2.649), ("CMix-NN u8", 2.673)],
    ("pw64", 8, 8): [("CMSIS-NN s8", 2.021)],
    ("pw128", 8, 8): [("CMSIS-NN s8", 1.706), ("CMix-NN u8", 2.171)],
    ("pw512", 8, 8): [("CMSIS-NN s8", 1.485), ("CMix-NN u8", 2.042)],
    ("pw1024", 8, 8): [("CMSIS-NN s8", 1.500), ("CMix-NN u8", 2.047)],
    ("fc", 8, 8): [("CMSIS-NN s8", 1.923)],
    ("pw128", 4, 8): [("CMSIS-NN s4", 3.407)],
    ("pw128", 4, 4): [("CMix-NN u4", 2.557)],
    ("pw128", 2, 2): [("CMix-NN u2", 2.805)],
    ("dw112", 4, 8): [("CMSIS-NN s4", 16.68)],
}
WIDTHS = ["w8a8", "w4a8", "w2a8", "w8a4", "w8a2", "w4a4", "w2a2"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def build_model(key, path):
    """The ONNX model of a case and its calibration batch."""
    _, kind, cin, cout, hw, k, stride = SHAPES[key]
    net = netbuild.Net("kernel_" + key, seed=7)
    if hw == 1:
        calib = np.random.default_rng(11).uniform(-1, 1, (8, cin, 1, 1)).astype(np.float32)
    else:
        calib = netbuild.smooth_fields(4, cin, hw, seed=11)
    x = net.input("input", calib)
    if kind != "first":
        x = net.conv_bn_act(x, cin, 1, group=cin, name="pre")
    if kind == "fc":
        x = net.node("Flatten", [x], "flatten", axis=1)
        x = net.fc(x, cout, name="layer", out="y")
    else:
        x = net.conv_bn_act(x, cout, k, stride=stride, group=cin if kind == "dw" else 1, name="layer")
        # Channels-last output, as the layer stores it: no transpose step.
        x = net.node("Transpose", [x], "to_nhwc", perm=[0, 2, 3, 1])
    net.output(x)
    model = net.model("mpq kernel benchmark: " + SHAPES[key][0])
    net.verify(model)
    netbuild.save(model, path)
    return calib


def macs(key):
    _, kind, cin, cout, hw, k, stride = SHAPES[key]
    if kind == "fc":
        return cin * cout
    pad = (k - 1) // 2 if stride == 1 else 0
    out = (hw + 2 * pad - k) // stride + 1 if stride == 1 else (hw + stride - 1) // stride
    per = k * k * (1 if kind == "dw" else cin)
    return out * out * cout * per


def symbols(elf):
    """name -> (address, size) of the ELF's functions."""
    out = {}
    for line in run(["arm-none-eabi-nm", "-S", elf]).stdout.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tT":
            out[p[3]] = (int(p[0], 16) & ~1, int(p[1], 16))
    return out


def plugin(tmp):
    so = os.path.join(tmp, "icount_range.so")
    if not os.path.exists(so):
        run(["cc", "-O2", "-shared", "-fPIC", "-o", so, os.path.join(FIRMWARE, "icount_range.c")])
    return so


def measure(key, width, tmp, build):
    wbits, abits = int(width[1]), int(width[3])
    kind = SHAPES[key][1]
    name = f"k_{key}_{width}"
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    onnx = os.path.join(d, "model.onnx")
    calib = build_model(key, onnx)
    mpqc = os.path.join(build, "bin", "mpqc")
    # Channels-last input (no transpose step before the layers).
    common = ["--flash=64MB", "--ram=64MB", f"--name={name}", "--quiet", "--input-layout=nhwc"]
    # Layer names as the compiler reports them (the rows with weights: the
    # report also lists the input's quantize and data movement).
    probe = os.path.join(d, "probe")
    run([mpqc, onnx, "-o", probe, "--target=cortex-m7", "--emit=report"] + common)
    layers = [l["name"] for l in json.load(open(os.path.join(probe, name + ".report.json")))["layers"]
              if l.get("weight_bits") is not None]
    pins = [f"{layers[-1]}:{wbits}:8"]
    if kind != "first":
        pins.insert(0, f"{layers[0]}:8:{abits}")
    pins = "--pins=" + ",".join(pins)
    m7 = os.path.join(d, "m7")
    run([mpqc, onnx, "-o", m7, "--target=cortex-m7", "--emit=obj,header,report,mlir", pins] + common)
    report = json.load(open(os.path.join(m7, name + ".report.json")))
    sample = np.ascontiguousarray(calib[:1].transpose(0, 2, 3, 1))
    sample.tofile(os.path.join(m7, "x.f32"))
    runtime = os.path.join(ROOT, "utils", "runtime")
    defs = [f"-DMPQ_MODEL={name}", f"-DMPQ_UPPER={name.upper()}"]
    # The input codes, quantized on the host by the header's helper: the
    # firmware takes codes (a large layer's float input and output would not
    # fit QEMU's 4 MB of RAM beside the arena).
    quantize = os.path.join(m7, "quantize_input")
    run(["cc", "-O2", "-std=c99", "-I", m7, "-I", runtime] + defs +
        [os.path.join(runtime, "quantize_input.c"), "-o", quantize])
    run([quantize, os.path.join(m7, "x.f32"), os.path.join(m7, "x.codes")])
    # Firmware, as utils/firmware/run-qemu.sh builds it for cortex-m7 (the
    # mps2 memory map, SysTick at 25 MHz), codes only.
    elf = os.path.join(m7, name + ".qemu.elf")
    memory_map = next(os.path.join(FIRMWARE, m) for m in ("mps2.ld", "mps2-an500.ld")
                      if os.path.exists(os.path.join(FIRMWARE, m)))
    run(["arm-none-eabi-gcc", "-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard", "-O2",
         "-ffunction-sections", "-fdata-sections", "--specs=rdimon.specs", "-I", m7,
         "-I", runtime, "-DMPQ_CODES_ONLY", "-DMPQ_SYSTICK_HZ=25000000u", "-DMPQ_STACK_WINDOW=12288"] + defs +
        ["-L", FIRMWARE, "-T", memory_map, "-Wl,--gc-sections",
         os.path.join(FIRMWARE, "startup.c"), os.path.join(FIRMWARE, "main.c"),
         os.path.join(m7, name + ".o"), "-o", elf])
    syms = symbols(elf)
    steps = sorted((s for s in syms if re.fullmatch(re.escape(name) + r"_step\d+", s)),
                   key=lambda s: int(s.rsplit("step", 1)[1]))
    # The steps: the layer `pre` (except for the first convolution), then the
    # measured layer; nothing else has code (the fully connected layer's
    # flatten is a view).
    if len(steps) != (1 if kind == "first" else 2):
        raise SystemExit(f"{name}: expected the layer steps only, found {steps}")
    lo, size = syms[steps[-1]]
    counts = os.path.join(m7, "counts.txt")
    qemu = subprocess.run(
        ["qemu-system-arm", "-M", "mps2-an500", "-cpu", "cortex-m7", "-nographic", "-monitor", "none",
         "-serial", "none", "-icount", "shift=0,sleep=off",
         "-plugin", f"{plugin(tmp)},range=0x{lo:x}:0x{lo + size:x},out={counts}",
         "-semihosting-config", f"enable=on,target=native,arg={name}.qemu.elf,arg=--codes,arg=x.codes,arg=y.i32",
         "-kernel", elf], cwd=m7, capture_output=True, text=True)
    if qemu.returncode != 0:
        raise SystemExit(f"{name}: QEMU run failed: {qemu.stdout}{qemu.stderr}")
    layer_instr = int(open(counts).read().split()[2])
    total = int(re.search(r"instructions: (\d+)", qemu.stdout).group(1))
    got = np.fromfile(os.path.join(m7, "y.i32"), dtype=np.int32)
    # Reference evaluator.
    np.save(os.path.join(m7, "x.npy"), sample)
    run([os.path.join(build, "bin", "mpq-eval"), os.path.join(m7, name + ".mlir"), "--input",
         os.path.join(m7, "x.npy"), "--output-codes", "--output-dir", os.path.join(m7, "ref")])
    ref = np.load(os.path.join(m7, "ref", "output_0.npy")).ravel()
    # x86-64, same pins.
    x86 = os.path.join(d, "x86")
    run([mpqc, onnx, "-o", x86, "--target=x86_64", pins] + common)
    runner = os.path.join(x86, "runner")
    run(["cc", "-O2", "-std=c99", "-I", x86, f"-DMPQ_MODEL={name}", f"-DMPQ_UPPER={name.upper()}",
         os.path.join(ROOT, "utils", "runtime", "host_runner.c"), os.path.join(x86, name + ".o"), "-o", runner])
    run([runner, os.path.join(m7, "x.f32"), os.path.join(x86, "h.i32")])
    host = np.fromfile(os.path.join(x86, "h.i32"), dtype=np.int32)
    n = macs(key)
    return {"key": key, "width": width, "bits": report["summary"]["bits"], "macs": n, "instructions": layer_instr,
            "total": total, "per_mac": layer_instr / n, "code": size,
            "evaluator": bool(got.size == ref.size and (got == ref).all()),
            "x86": bool(got.size == host.size and (got == host).all()),
            "codes": int(len(np.unique(got)))}


def table(rows, before=None):
    """Markdown rows; `before`: {(key, width): instr/MAC} of an earlier run."""
    before = before or {}
    lines = ["| shape | w/a bits | MACs | layer instructions | instr/MAC | before | code (B) | peer "
             "| peer instr/MAC | mpq / peer | vs mpq 8-bit | QEMU = evaluator = x86 |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|"]
    base = {r["key"]: r["per_mac"] for r in rows if r["width"] == "w8a8"}
    for r in rows:
        wbits, abits = r["width"][1], r["width"][3]
        peers = PEERS.get((r["key"], int(wbits), int(abits)), [])
        rel = f"{r['per_mac'] / base[r['key']]:.2f}" if r["key"] in base and r["width"] != "w8a8" else ""
        exact = "yes" if r["evaluator"] and r["x86"] else \
            f"NO (evaluator {r['evaluator']}, x86 {r['x86']})"
        exact += f" ({r['codes']} codes)"
        first = True
        for peer, value in peers or [("", None)]:
            ratio = f"{r['per_mac'] / value:.2f}" if value else ""
            shown = value if value else ""
            if first:
                label = SHAPES[r["key"]][0]
                a = abits if SHAPES[r["key"]][1] != "first" else "8"
                old = before.get((r["key"], r["width"]))
                was = f"{old:.3f}" if old else ""
                lines.append(f"| {label} | {wbits}/{a} | {r['macs']:,} | {r['instructions']:,} "
                             f"| {r['per_mac']:.3f} | {was} | {r['code']:,} | {peer} | {shown} | {ratio} "
                             f"| {rel} | {exact} |")
            else:
                lines.append(f"| | | | | | | | {peer} | {shown} | {ratio} | | |")
            first = False
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "kernels.md"))
    p.add_argument("--shapes", default=",".join(SHAPES))
    p.add_argument("--widths", default=",".join(WIDTHS))
    p.add_argument("--cases", help="shape:width pairs (e.g. pw128:w4a4,dw112:w8a8) instead of "
                   "--shapes x --widths")
    p.add_argument("--keep", help="keep the generated files in this directory")
    p.add_argument("--json", help="also write the rows as JSON")
    p.add_argument("--before", help="rows of an earlier run (its --json) for the before column")
    p.add_argument("--before-label", default="the kernels before the pointwise/fully connected reduction "
                   "walked LLVM pointers (commit b15c12a; no figure for shapes added since)",
                   help="what the before column measured, for the text")
    p.add_argument("--from-json", help="only write the table from rows of an earlier run (its --json)")
    args = p.parse_args()
    rows = []
    before = {}
    if args.before:
        before = {(r["key"], r["width"]): r["per_mac"] for r in json.load(open(args.before))}
    if args.from_json:
        rows = json.load(open(args.from_json))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or tmp
        os.makedirs(work, exist_ok=True)
        if args.from_json:
            cases = []
        elif args.cases:
            cases = [tuple(c.split(":")) for c in args.cases.split(",")]
        else:
            cases = [(k, w) for k in args.shapes.split(",") for w in args.widths.split(",")]
        for key, width in cases:
            if SHAPES[key][1] == "first" and width[3] != "8":
                continue  # the image is always 8-bit
            row = measure(key, width, work, args.build)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    lines = ["# Kernels: instructions per MAC on the Cortex-M7",
             "",
             "Generated by `benchmarks/kernels.py` (do not edit by hand). Each row is one layer",
             "compiled by `mpqc --target=cortex-m7` inside a small model (a depthwise 1×1 layer",
             "before it gives it its input at the activation width of the row, unsigned with",
             "zero point 0 as inside a network; the first convolution reads the 8-bit image),",
             "run under QEMU's Cortex-M7 (`mps2-an500`, `-icount shift=0`). Every layer of the",
             "generated code is its own function, and a QEMU plugin of the project's own",
             "(`utils/firmware/icount_range.c`) counts the instructions executed inside the",
             "measured layer's function: requantization and stores included, the model's input",
             "and output copies not. Instructions are QEMU instructions, not cycles. Peer",
             "figures (CMSIS-NN v7 s8/s4 and CMix-NN u8/u4/u2 kernels, measured the same way",
             "on the same QEMU) are those of the project's comparison; \"vs mpq 8-bit\" is the",
             "row's instructions per MAC over the same shape's 8/8 row. The last column",
             "compares the output codes of QEMU, the reference evaluator (`mpq-eval",
             "--output-codes`) and the same model compiled for x86-64, byte for byte, and",
             "gives the number of distinct output codes (a degenerate layer proves nothing).",
             "\"before\" is the same measure with %s." % args.before_label,
             ""] + table(rows, before)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    bad = [r for r in rows if not (r["evaluator"] and r["x86"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
