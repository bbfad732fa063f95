#!/usr/bin/python3
"""Fashion-MNIST test accuracy through the compiled x86 code against the
reference evaluator on the same integer graph (mpqc --emit=mlir), image by
image: prints both accuracies and how many output codes differ.

  benchmarks/compiled_accuracy.py [--build build] [--count 9936] [--flash 10kB]

Calibration uses the last 64 test images; the first --count are evaluated.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--count", type=int, default=9936)
    p.add_argument("--flash", default="10kB")
    args = p.parse_args()
    models = os.path.join(args.build, "models", "fmnist")
    x = np.load(os.path.join(models, "fmnist_test_images.npy")).astype(np.float32) / 255.0
    y = np.load(os.path.join(models, "fmnist_test_labels.npy"))
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "calib.npy"), x[-64:].reshape(64, 1, 28, 28))
        out = os.path.join(tmp, "out")
        summary = subprocess.run(
            [os.path.join(args.build, "bin", "mpqc"), os.path.join(models, "fashion_mnist_cnn.onnx"),
             "-o", out, "--target=x86_64", f"--flash={args.flash}", "--ram=32kB",
             "--calibration=" + os.path.join(tmp, "calib.npy"), "--name=fmnist",
             "--emit=obj,header,mlir"], check=True, capture_output=True, text=True).stdout
        runner = os.path.join(tmp, "runner")
        subprocess.run(["cc", "-O2", "-std=c99", "-I", out, "-DMPQ_MODEL=fmnist", "-DMPQ_UPPER=FMNIST",
                        os.path.join(ROOT, "utils/runtime/host_runner.c"), os.path.join(out, "fmnist.o"),
                        "-o", runner], check=True)
        batch = x[: args.count].reshape(-1, 1, 28, 28)
        np.save(os.path.join(tmp, "batch.npy"), batch)
        subprocess.run([os.path.join(args.build, "bin", "mpq-eval"), os.path.join(out, "fmnist.mlir"),
                        "--input", os.path.join(tmp, "batch.npy"), "--output-codes",
                        "-o", os.path.join(tmp, "ref.npy")], check=True)
        ref = np.load(os.path.join(tmp, "ref.npy")).reshape(len(batch), -1)
        compiled = np.empty_like(ref)
        for i in range(len(batch)):
            batch[i].tofile(os.path.join(tmp, "x.f32"))
            subprocess.run([runner, os.path.join(tmp, "x.f32"), os.path.join(tmp, "y.i32")], check=True)
            compiled[i] = np.fromfile(os.path.join(tmp, "y.i32"), dtype=np.int32)
    labels = y[: args.count]
    acc_c = float(np.mean(compiled.argmax(1) == labels)) * 100
    acc_r = float(np.mean(ref.argmax(1) == labels)) * 100
    bits = [l for l in summary.splitlines() if "bits:" in l]
    print(f"Fashion-MNIST, {len(labels)} test images, {bits[0].strip() if bits else ''}")
    print(f"accuracy: compiled x86 {acc_c:.2f}%, reference evaluator {acc_r:.2f}%")
    print(f"output codes differing: {int(np.sum(compiled != ref))} of {ref.size}")
    return 0 if np.array_equal(compiled, ref) else 1


if __name__ == "__main__":
    sys.exit(main())
