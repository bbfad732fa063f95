#!/usr/bin/python3
"""Quantization-aware training at the widths mpq chose, exported as QONNX.

  utils/qat/train.py OUT.onnx --model fmnist-cnn (--report R.json | --widths conv1:4:4,...)
                     [--epochs 1 --float-epochs 0 --steps N --batch 256 --lr 2e-3 ...]
  torchrun --nproc_per_node=2 utils/qat/train.py ...   (DistributedDataParallel:
                     gloo on CPUs, NCCL on GPUs; the same script on several machines)

Widths come from an mpqc report (its layers' weight_bits and output_bits:
compile the float model with mpqc under the budget first) or from --widths
(module:weight_bits:output_bits, as mpqc's --pins). The fake-quant model is
utils/qat/mpq_qat.py's: PACT activations, per-channel symmetric weights,
batch norm kept for ICN, biases on their int32 grids. The export compiles
with `mpqc` at exactly these widths and grids.

Data: Debian's dataset-fashion-mnist. Deterministic for a given process
count and thread count (seed 0). Writes OUT.onnx and OUT.json (widths, test
accuracy of the fake-quant model in torch, training settings).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "models"))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch import nn  # noqa: E402

import mpq_qat as Q  # noqa: E402


class FmnistCnn(nn.Module):
    """utils/models/fashion_mnist.py's CNN, quantized: the image on the 1/255
    grid, conv1/conv2 (BN, PACT) and the fc with 8-bit logits."""

    def __init__(self, widths):
        super().__init__()
        w = lambda name: widths.get(name, (8, 8, False))  # noqa: E731
        self.input_quant = Q.FixedQuant(8, signed=False, scale=1.0 / 255)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv1 = Q.QConv2d(1, 8, 3, padding=1, bias=False).setup(w("conv1")[0], self.input_quant, self.bn1,
                                                                     w("conv1")[2])
        self.act1 = Q.PactQuant(w("conv1")[1])
        self.bn2 = nn.BatchNorm2d(16)
        self.conv2 = Q.QConv2d(8, 16, 3, padding=1, bias=False).setup(w("conv2")[0], self.act1, self.bn2,
                                                                      w("conv2")[2])
        self.act2 = Q.PactQuant(w("conv2")[1])
        self.fc = Q.QLinear(16 * 7 * 7, 10).setup(w("fc")[0], self.act2, w("fc")[2])
        self.logits_quant = Q.FixedQuant(8, signed=True)

    def forward(self, x):
        f = nn.functional
        x = self.input_quant(x)
        x = f.max_pool2d(self.act1(Q.conv_bn(self.conv1, x)), 2)
        x = f.max_pool2d(self.act2(Q.conv_bn(self.conv2, x)), 2)
        return self.logits_quant(self.fc(torch.flatten(x, 1)))


class DwBlock(nn.Module):
    def __init__(self, name, cin, cout, stride, widths, input_quant):
        super().__init__()
        dw, pw = widths.get(name + ".dw", (8, 8, False)), widths.get(name + ".pw", (8, 8, False))
        self.dw_bn = nn.BatchNorm2d(cin)
        self.dw = Q.QConv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False).setup(
            dw[0], input_quant, self.dw_bn, dw[2])
        self.dw_act = Q.PactQuant(dw[1])
        self.pw_bn = nn.BatchNorm2d(cout)
        self.pw = Q.QConv2d(cin, cout, 1, bias=False).setup(pw[0], self.dw_act, self.pw_bn, pw[2])
        self.pw_act = Q.PactQuant(pw[1])

    def forward(self, x):
        return self.pw_act(Q.conv_bn(self.pw, self.dw_act(Q.conv_bn(self.dw, x))))


class MobileNetFmnist(nn.Module):
    """A MobileNetV1-style net for 28x28 Fashion-MNIST (depthwise separable,
    270 k parameters and 5.6 M multiply-accumulates at width 1.0): conv0
    3x3/2 -> 32a (14x14), then blocks (32a->64a), (64a->128a, /2),
    (128a->128a), (128a->256a, /2), (256a->256a), (256a->512a), global
    average pool, fc."""

    def __init__(self, widths, alpha=1.0):
        super().__init__()
        c = lambda n: max(8, int(round(n * alpha)))  # noqa: E731
        self.input_quant = Q.FixedQuant(8, signed=False, scale=1.0 / 255)
        w0 = widths.get("conv0", (8, 8, False))
        self.bn0 = nn.BatchNorm2d(c(32))
        self.conv0 = Q.QConv2d(1, c(32), 3, stride=2, padding=1, bias=False).setup(w0[0], self.input_quant,
                                                                                   self.bn0, w0[2])
        self.act0 = Q.PactQuant(w0[1])
        plan = [(c(32), c(64), 1), (c(64), c(128), 2), (c(128), c(128), 1), (c(128), c(256), 2),
                (c(256), c(256), 1), (c(256), c(512), 1)]
        blocks, prev = [], self.act0
        for i, (cin, cout, stride) in enumerate(plan):
            b = DwBlock("blocks.%d" % i, cin, cout, stride, widths, prev)
            blocks.append(b)
            prev = b.pw_act
        self.blocks = nn.ModuleList(blocks)
        # mpq's integer global average pool rounds to its input's grid.
        self.pool_quant = Q.GridQuant(prev)
        wf = widths.get("fc", (8, 8, False))
        self.fc = Q.QLinear(c(512), 10).setup(wf[0], self.pool_quant, wf[2])
        self.logits_quant = Q.FixedQuant(8, signed=True)

    def forward(self, x):
        x = self.act0(Q.conv_bn(self.conv0, self.input_quant(x)))
        for b in self.blocks:
            x = b(x)
        x = self.pool_quant(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return self.logits_quant(self.fc(x))


MODELS = {"fmnist-cnn": FmnistCnn, "mbv1-fmnist": MobileNetFmnist}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output", help="the QONNX model to write (.onnx)")
    ap.add_argument("--model", choices=sorted(MODELS), default="fmnist-cnn")
    ap.add_argument("--alpha", type=float, default=1.0, help="width multiplier (mbv1-fmnist)")
    ap.add_argument("--report", help="mpqc report whose widths to train at")
    ap.add_argument("--widths", default="",
                    help="module:wbits:abits,... with torch's module names, e.g. conv1 or blocks.3.pw "
                    "(overrides --report)")
    ap.add_argument("--float", action="store_true",
                    help="train and export the float model (no quantization; for mpqc's post-training flow)")
    ap.add_argument("--init", help="start from this state (a --save-state file, e.g. the float model's)")
    ap.add_argument("--save-state", help="write the trained state_dict here (.pt)")
    ap.add_argument("--epochs", type=int, default=1, help="QAT epochs (training epochs with --float)")
    ap.add_argument("--float-epochs", type=int, default=0, help="float epochs before QAT")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps in all (0: no limit)")
    ap.add_argument("--batch", type=int, default=256, help="global batch (split over the processes)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-images", type=int, default=0, help="use the first N training images (0: all)")
    ap.add_argument("--test-images", type=int, default=10000)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--save-test", help="write the test images (.npy, [N,1,28,28] float) and labels here")
    args = ap.parse_args(argv)

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if torch.cuda.is_available() \
        else torch.device("cpu")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    import fashion_mnist as fm  # utils/models: the IDX reader

    tr_x, tr_y = fm.load_idx("train", args.data)
    te_x, te_y = fm.load_idx("t10k", args.data)
    if args.train_images:
        tr_x, tr_y = tr_x[:args.train_images], tr_y[:args.train_images]
    te_x, te_y = te_x[:args.test_images], te_y[:args.test_images]
    xtr = torch.from_numpy(tr_x.astype(np.float32) / 255.0).unsqueeze(1)
    ytr = torch.from_numpy(tr_y.astype(np.int64))
    xte = torch.from_numpy(te_x.astype(np.float32) / 255.0).unsqueeze(1)

    widths = Q.widths_from_report(args.report) if args.report else {}
    widths.update(Q.parse_widths(args.widths))
    kwargs = {"alpha": args.alpha} if args.model == "mbv1-fmnist" else {}
    net = MODELS[args.model](widths, **kwargs)
    layers = {name for name, m in net.named_modules() if isinstance(m, (Q.QConv2d, Q.QLinear))}
    unknown = sorted(set(widths) - layers)
    if unknown:
        ap.error("widths for layers the %s model does not have: %s (it has %s)"
                 % (args.model, ", ".join(unknown), ", ".join(sorted(layers))))
    if args.init:
        # The float state has the same parameters; the PACT clips are set
        # again from data below. A state saved after QAT holds each batch
        # norm's shift in its layer's bias (snap_batch_norms): give those
        # layers the bias to load it into.
        state = torch.load(args.init)
        for name, m in net.named_modules():
            if isinstance(m, nn.Conv2d) and m.bias is None and name + ".bias" in state:
                m.bias = nn.Parameter(torch.zeros(m.out_channels))
        net.load_state_dict(state, strict=False)
    net = net.to(device)
    model = nn.parallel.DistributedDataParallel(net) if distributed else net

    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    total_epochs = args.float_epochs + args.epochs
    total_steps = total_epochs * steps_per_epoch
    if args.steps:
        total_steps = min(total_steps, args.steps)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(total_steps, 1))
    gen = torch.Generator().manual_seed(0)
    t0 = time.time()
    step = 0
    if args.float:
        Q.set_quantization(net, False, weights=False)
    else:
        Q.set_quantization(net, args.float_epochs == 0)
    for epoch in range(total_epochs):
        if not args.float and epoch == args.float_epochs:
            # QAT starts: each PACT clip from what the float net produces.
            Q.calibrate_pact(net, [xtr[i:i + 256].to(device) for i in range(0, 2048, 256)])
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total, seen = 0.0, 0
        for i in range(steps_per_epoch):
            if step >= total_steps:
                break
            # The global batch, split over the processes.
            idx = perm[i * args.batch:(i + 1) * args.batch][rank::world]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xtr[idx].to(device)), ytr[idx].to(device))
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
            seen += len(idx)
            step += 1
        if rank == 0:
            print("epoch %d (%s): train loss %.4f, %d steps (%.1f s)"
                  % (epoch + 1, "QAT" if epoch >= args.float_epochs and not args.float else "float",
                     total / max(seen, 1), step,
                     time.time() - t0), flush=True)
        if step >= total_steps:
            break

    if distributed:
        dist.barrier()
    if rank == 0:
        net.eval()
        if not args.float:
            Q.snap_batch_norms(net)
        with torch.no_grad():
            logits = torch.cat([net(xte[i:i + 1000].to(device)).cpu() for i in range(0, len(xte), 1000)])
        acc = float((logits.argmax(1).numpy() == te_y).mean())
        net.cpu()
        if args.save_state:
            torch.save(net.state_dict(), args.save_state)
        Q.export_qonnx(net, xte[:1], args.output)
        if args.save_test:
            np.save(args.save_test + ".images.npy", xte.numpy())
            np.save(args.save_test + ".labels.npy", te_y.astype(np.int64))
            np.save(args.save_test + ".logits.npy", logits.numpy())
        info = {
            "model": args.model, "alpha": args.alpha, "widths": {k: list(v) for k, v in sorted(widths.items())},
            "float": bool(args.float), ("float_test_accuracy" if args.float else "fake_quant_test_accuracy"): acc, "test_images": len(te_y), "steps": step,
            "processes": world, "batch": args.batch, "lr": args.lr, "epochs": args.epochs,
            "float_epochs": args.float_epochs, "torch": torch.__version__,
        }
        with open(os.path.splitext(args.output)[0] + ".json", "w") as f:
            f.write(json.dumps(info, indent=1, sort_keys=True) + "\n")
        print("%s test accuracy (torch, %d images): %.4f; wrote %s"
              % ("float" if args.float else "fake-quant", len(te_y), acc, args.output))
    if distributed:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
