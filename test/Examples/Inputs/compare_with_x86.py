#!/usr/bin/env python3
"""Compares the output codes the firmware example printed with those of the
same model compiled for x86-64 (the weight budget the example's compile used,
so both have the same bit-widths) and run on the host on the same input.

  compare_with_x86.py BUILD_DIR INPUT.f32 CALIBRATION.npy MODEL.onnx RUN_OUTPUT
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def main():
    build, x, calibration, model, output = sys.argv[1:6]
    report = json.load(open(os.path.join(build, "model", "model.report.json")))
    x86 = os.path.join(build, "x86")
    subprocess.run(["mpqc", model, "-o", x86, "--target=x86_64", "--name=model",
                    "--flash=64MB", f"--weight-budget={report['precision']['flash_budget']}",
                    f"--ram={report['precision']['ram_budget']}",
                    f"--calibration={calibration}", "--quiet"], check=True)
    runner = os.path.join(x86, "runner")
    subprocess.run(["cc", "-O2", "-std=c99", "-I", x86, "-DMPQ_MODEL=model",
                    "-DMPQ_UPPER=MODEL", os.path.join(ROOT, "utils/runtime/host_runner.c"),
                    os.path.join(x86, "model.o"), "-o", runner], check=True)
    subprocess.run([runner, x, os.path.join(x86, "y.i32")], check=True)
    host = np.fromfile(os.path.join(x86, "y.i32"), dtype=np.int32)
    printed = re.search(r"output codes: (.*)", open(output).read()).group(1)
    firmware = np.array([int(v) for v in printed.split()], dtype=np.int32)
    same = int(np.sum(firmware == host)) if firmware.shape == host.shape else 0
    print(f"firmware = x86: {same}/{host.size} output codes")
    return 0 if same == host.size else 1


if __name__ == "__main__":
    sys.exit(main())
