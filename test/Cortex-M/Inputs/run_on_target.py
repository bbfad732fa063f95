#!/usr/bin/env python3
"""Compiles an ONNX model with mpqc for one Cortex-M target, runs it under
that core's QEMU machine (utils/firmware/run-qemu.sh) on a few inputs, and
compares the output codes with two independent references:

- the same model compiled for x86-64 with the same bit-widths (mpqc
  --target=x86_64 --weight-budget=<the budget the Cortex-M assignment used>:
  the flash retry depends on the target's code size) and run on the host
  (utils/runtime/host_runner.c);
- the reference evaluator (mpq-eval --output-codes) on the Cortex-M compile's
  own integer graph (--emit=mlir).

It also reads the object's build attributes (core, float ABI) and counts the
DSP multiply-accumulates (SMLAD) in its code.

Prints one line per target, e.g.

  cortex-m4 soft: w=888 a=8888, 3 inputs, QEMU = x86 30/30, QEMU = evaluator
  30/30 codes (17 distinct); attributes cortex-m4 soft; smlad 12

and a line `instructions I stack S` for the first input, and exits non-zero
if anything differs.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIRMWARE = os.path.join(ROOT, "utils", "firmware", "run-qemu.sh")
RUNNER = os.path.join(ROOT, "utils", "runtime", "host_runner.c")


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def attributes(obj):
    text = subprocess.run(["arm-none-eabi-readelf", "-A", obj], check=True,
                          capture_output=True, text=True).stdout
    core = re.search(r'Tag_CPU_name: "(.*)"', text)
    if "Tag_ABI_VFP_args: VFP registers" in text:
        abi = "hard"
    elif "Tag_FP_arch:" in text:
        abi = "softfp"
    else:
        abi = "soft"
    return (core.group(1) if core else "?"), abi


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True)
    p.add_argument("--float-abi")
    p.add_argument("--model", required=True, help="the ONNX model")
    p.add_argument("--name", required=True)
    p.add_argument("--calibration", required=True, help=".npy calibration batch")
    p.add_argument("--inputs", required=True,
                   help=".npy batch; each sample is one run")
    p.add_argument("--work", required=True)
    p.add_argument("--flash", required=True)
    p.add_argument("--ram", required=True)
    p.add_argument("--pins", help="mpqc --pins for both compiles")
    p.add_argument("--mpqc-option", action="append", default=[],
                   help="another mpqc option for both compiles (repeatable)")
    args = p.parse_args()

    work = os.path.abspath(args.work)
    arm, x86 = os.path.join(work, "arm"), os.path.join(work, "x86")
    os.makedirs(work, exist_ok=True)
    common = [f"--name={args.name}", f"--calibration={args.calibration}",
              f"--ram={args.ram}", "--quiet"]
    if args.pins:
        common.append(f"--pins={args.pins}")
    common += args.mpqc_option
    cmd = ["mpqc", args.model, "-o", arm, f"--target={args.target}",
           f"--flash={args.flash}", "--emit=obj,header,report,mlir"] + common
    if args.float_abi:
        cmd.append(f"--float-abi={args.float_abi}")
    run(cmd)
    report = json.load(open(os.path.join(arm, args.name + ".report.json")))
    run(["mpqc", args.model, "-o", x86, "--target=x86_64", "--flash=64MB",
         f"--weight-budget={report['precision']['flash_budget']}", "--emit=obj,header,report"]
        + common)
    x86_report = json.load(open(os.path.join(x86, args.name + ".report.json")))
    if x86_report["summary"]["bits"] != report["summary"]["bits"]:
        print(f"FAIL: x86 bits {x86_report['summary']['bits']} != {report['summary']['bits']}")
        return 1

    # Inputs as the firmware and the host runner read them.
    batch = np.load(args.inputs).astype(np.float32)
    for i, sample in enumerate(batch):
        sample.tofile(os.path.join(work, f"x{i}.f32"))
    header = open(os.path.join(arm, args.name + ".h")).read()
    nout = int(re.search(r"_NUM_OUTPUTS (\d+)", header).group(1))

    runner = os.path.join(x86, "runner")
    run(["cc", "-O2", "-std=c99", "-I", x86, f"-DMPQ_MODEL={args.name}",
         f"-DMPQ_UPPER={args.name.upper()}", RUNNER,
         os.path.join(x86, args.name + ".o"), "-o", runner])
    first = None
    qemu, host = [], []
    for i in range(len(batch)):
        outs = [f"q{i}_{k}.i32" for k in range(nout)]
        # Relative paths: semihosting's command line buffer is small.
        done = subprocess.run([FIRMWARE, "arm", args.name, f"x{i}.f32"] + outs,
                              cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"FAIL: QEMU run {i} exited {done.returncode}:\n"
                  f"{done.stdout}{done.stderr}")
            return 1
        if first is None:
            first = done.stdout
        run([runner, os.path.join(work, f"x{i}.f32")] +
            [os.path.join(work, f"h{i}_{k}.i32") for k in range(nout)])
        qemu.append(np.concatenate([np.fromfile(os.path.join(work, o), np.int32)
                                    for o in outs]))
        host.append(np.concatenate([
            np.fromfile(os.path.join(work, f"h{i}_{k}.i32"), np.int32)
            for k in range(nout)]))
    qemu, host = np.stack(qemu), np.stack(host)

    run(["mpq-eval", os.path.join(arm, args.name + ".mlir"), "--input",
         args.inputs, "--output-codes", "--output-dir", os.path.join(work, "ref")],
        stdout=subprocess.DEVNULL)
    ref = np.concatenate([
        np.load(os.path.join(work, "ref", f"output_{k}.npy")).reshape(len(batch), -1)
        for k in range(nout)], axis=1)

    core, abi = attributes(os.path.join(arm, args.name + ".o"))
    disassembly = subprocess.run(
        ["arm-none-eabi-objdump", "-d", os.path.join(arm, args.name + ".o")],
        check=True, capture_output=True, text=True).stdout
    smlad = len(re.findall(r"\tsmlad\b", disassembly))
    same_x86 = int(np.sum(qemu == host)) if qemu.shape == host.shape else 0
    same_ref = int(np.sum(qemu == ref)) if qemu.shape == ref.shape else 0
    print(f"{args.target}: {report['summary']['bits']}, {len(batch)} inputs, "
          f"QEMU = x86 {same_x86}/{host.size}, QEMU = evaluator "
          f"{same_ref}/{ref.size} codes ({len(np.unique(qemu))} distinct); "
          f"attributes {core} {abi}; smlad {smlad}")
    count = re.search(r"instructions: (\d+)", first)
    stack = re.search(r"stack: (\d+)", first)
    print(f"instructions {count.group(1) if count else '?'} "
          f"stack {stack.group(1) if stack else '?'}")
    return 0 if same_x86 == host.size == same_ref == ref.size else 1


if __name__ == "__main__":
    sys.exit(main())
