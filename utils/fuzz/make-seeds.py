#!/usr/bin/python3
"""Seed corpora for mpq's libFuzzer targets (docs/reliability.md).

  make-seeds.py onnx SRC_ROOT OUTDIR    the small test models: utils/models/onnx_ops.py,
                                        utils/models/data_movement.py,
                                        test/Import/Inputs/*.py, test/Hostile/Inputs/*.py,
                                        the reproducers in test/Hostile/Inputs/fuzz
  make-seeds.py types SRC_ROOT OUTDIR   every !mpq.* type and #mpq.* attribute written in
                                        the .mlir tests, one per file
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
PY = "/usr/bin/python3"


def save(out, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def onnx_seeds(src, out):
    with tempfile.TemporaryDirectory() as tmp:
        gens = [[os.path.join(src, "utils/models/onnx_ops.py"), "--all", os.path.join(tmp, "ops"), "--quiet"],
                [os.path.join(src, "test/Import/Inputs/handmade_models.py"), os.path.join(tmp, "hand")],
                [os.path.join(src, "test/Import/Inputs/integer_models.py"), os.path.join(tmp, "int")],
                [os.path.join(src, "test/Hostile/Inputs/hostile_models.py"), os.path.join(tmp, "hostile")],
                [os.path.join(src, "utils/models/data_movement.py"), "--out", os.path.join(tmp, "movement")]]
        for g in gens:
            subprocess.run([PY] + g, check=True, stdout=subprocess.DEVNULL)
        # Reproducers of what the fuzzers found, kept as they were found.
        shutil.copytree(os.path.join(src, "test/Hostile/Inputs/fuzz"), os.path.join(tmp, "found"))
        for root, _, files in os.walk(tmp):
            for f in files:
                if f.endswith(".onnx"):
                    with open(os.path.join(root, f), "rb") as fh:
                        save(out, fh.read())


def type_seeds(src, out):
    # A type or attribute: !mpq.name or #mpq.name, then a balanced <...>.
    start = re.compile(r"[!#]mpq\.[a-z_]+")
    for root, _, files in os.walk(os.path.join(src, "test")):
        for f in files:
            if not f.endswith(".mlir"):
                continue
            text = open(os.path.join(root, f), encoding="utf-8").read()
            for m in start.finditer(text):
                i, depth = m.end(), 0
                while i < len(text):
                    depth += {"<": 1, ">": -1}.get(text[i], 0)
                    i += 1
                    if depth <= 0:
                        break
                if depth == 0:
                    save(out, text[m.start():i].encode())


def main():
    kind, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    (onnx_seeds if kind == "onnx" else type_seeds)(src, out)
    print(f"{len(os.listdir(out))} seeds in {out}")


if __name__ == "__main__":
    main()
