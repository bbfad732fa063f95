#!/usr/bin/python3
"""Train a small CNN on Fashion-MNIST with PyTorch and export it as float ONNX (opset 13).

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*-ubyte.gz, IDX
format).  Net (input [1,1,28,28] float = pixel/255, NCHW):
    conv1 3x3 1->8 pad 1, BN, ReLU, MaxPool 2x2   (14x14)
    conv2 3x3 8->16 pad 1, BN, ReLU, MaxPool 2x2  (7x7)
    Flatten (NCHW order, 784), fc 784->10 (logits; no Softmax)
Deterministic (seed 0, fixed torch thread count, deterministic algorithms), Adam with a
one-cycle schedule, --epochs epochs (default 2), batch 256.  Torch uses 1 thread by
default: the trained bits depend on the thread count, and on a busy 2-core machine two
OpenMP threads were 3-5x slower than one (spin-waiting); --threads 2 is faster only on
an idle machine.  BatchNormalization is kept as its own ONNX node (export in
PRESERVE mode after model.eval()).

Writes into OUTDIR:
    fashion_mnist_cnn.onnx          the float model
    fmnist_test_images.npy          uint8 [10000,28,28] (raw pixels; input = pixels/255)
    fmnist_test_labels.npy          uint8 [10000]
    fashion_mnist.json              float test accuracy (torch and npref), settings, timings
and checks with npref that the ONNX model reproduces torch's logits on test images.
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def load_idx(kind, data_dir=DATA):
    with gzip.open(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % kind)) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % kind)) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    assert len(images) == len(labels)
    return images, labels


def build_net(torch):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(16)
            self.fc = nn.Linear(16 * 7 * 7, 10)

        def forward(self, x):
            f = torch.nn.functional
            x = f.max_pool2d(f.relu(self.bn1(self.conv1(x))), 2)
            x = f.max_pool2d(f.relu(self.bn2(self.conv2(x))), 2)
            return self.fc(torch.flatten(x, 1))

    return Net()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir", help="directory for the model, test set and JSON")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the result depends on it)")
    ap.add_argument("--data", default=DATA, help="directory with the *-ubyte.gz files")
    ap.add_argument("--check-images", type=int, default=1000, help="test images npref runs to compare with torch")
    args = ap.parse_args(argv)

    import torch  # only this generator needs torch (Debian python3-torch)
    import onnx

    sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import npref

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.outdir, exist_ok=True)

    tr_x, tr_y = load_idx("train", args.data)
    te_x, te_y = load_idx("t10k", args.data)
    xtr = torch.from_numpy(tr_x.astype(np.float32) / 255.0).unsqueeze(1)
    ytr = torch.from_numpy(tr_y.astype(np.int64))
    xte = torch.from_numpy(te_x.astype(np.float32) / 255.0).unsqueeze(1)

    net = build_net(torch)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(0)
    t0 = time.time()
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch:(i + 1) * args.batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print("epoch %d: train loss %.4f (%.1f s)" % (epoch + 1, total / len(xtr), time.time() - t0))
    train_s = time.time() - t0

    net.eval()
    with torch.no_grad():
        logits = torch.cat([net(xte[i:i + 1000]) for i in range(0, len(xte), 1000)]).numpy()
    acc = float((logits.argmax(1) == te_y).mean())
    print("float test accuracy (torch): %.4f" % acc)

    path = os.path.join(args.outdir, "fashion_mnist_cnn.onnx")
    import warnings

    with warnings.catch_warnings():
        # PRESERVE keeps BatchNormalization as a node; the net is in eval mode, so the
        # warning about constant folding in training-amenable mode does not apply.
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(net, xte[:1], path, opset_version=13, input_names=["input"], output_names=["logits"],
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)

    n = min(args.check_images, len(te_x))
    ref = npref.run(model, {"input": xte[:n].numpy()})["logits"]
    max_diff = float(np.abs(ref - logits[:n]).max())
    agree = float((ref.argmax(1) == logits[:n].argmax(1)).mean())
    npref_acc = float((ref.argmax(1) == te_y[:n]).mean())
    print("npref vs torch on %d test images: max |logit diff| %.2e, argmax agreement %.4f, npref accuracy %.4f"
          % (n, max_diff, agree, npref_acc))
    if max_diff > 1e-3 or agree < 1.0:
        raise SystemExit("ONNX model does not reproduce torch")

    np.save(os.path.join(args.outdir, "fmnist_test_images.npy"), np.ascontiguousarray(te_x))
    np.save(os.path.join(args.outdir, "fmnist_test_labels.npy"), np.ascontiguousarray(te_y))
    info = {
        "model": "fashion_mnist_cnn.onnx",
        "input": {"name": "input", "shape": [1, 1, 28, 28], "preprocessing": "float32 pixels / 255 (range [0,1])"},
        "output": {"name": "logits", "shape": [1, 10]},
        "classes": list(CLASSES),
        "float_test_accuracy": acc,
        "test_images": len(te_x),
        "npref_check": {"images": n, "max_abs_logit_diff": max_diff, "argmax_agreement": agree, "accuracy": npref_acc},
        "ops": npref.op_counts(model),
        "train": {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "optimizer": "Adam+OneCycle",
                  "seed": 0, "torch_threads": args.threads, "torch": torch.__version__},
    }
    with open(os.path.join(args.outdir, "fashion_mnist.json"), "w") as f:
        f.write(json.dumps(info, indent=1, sort_keys=True) + "\n")
    print(json.dumps({k: info[k] for k in ("float_test_accuracy", "ops")}))
    print("training took %.1f s (not stored: the JSON stays byte-identical across runs)" % train_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
