#!/usr/bin/python3
"""A MobileNetV3-style network exported by torch.onnx (python3-torch 1.13,
opset 14), for the model zoo: HardSwish activations, inverted residual
blocks with squeeze-and-excite (global average pool -> 1x1 conv -> ReLU ->
1x1 conv -> HardSigmoid -> Mul with the block's features), a residual Add,
and a classifier head.

  stem     conv 3x3/2, 3 -> 16, BN, HardSwish                      [1,16,32,32]
  block1   expand 1x1 16 -> 48, BN, HardSwish; depthwise 3x3, BN,
           HardSwish; SE (48 -> 12 -> 48); project 1x1 48 -> 16, BN;
           + the block's input (residual Add)                       [1,16,32,32]
  block2   expand 1x1 16 -> 64, BN, ReLU; depthwise 3x3/2, BN, ReLU;
           SE (64 -> 16 -> 64); project 1x1 64 -> 24, BN           [1,24,16,16]
  head     1x1 24 -> 96, BN, HardSwish; global average pool; fc 96 -> 10

Input "input" [1, 3, 64, 64], output "logits" [1, 10]. Weights are
He-initialised with a fixed seed; the batch-norm statistics are the batch
statistics of deterministic calibration images (smooth random fields in
[-1, 1], utils/models/netbuild.py), with gamma ~ U(0.5, 1.5) and beta
chosen so activations are neither dead nor saturated: a healthy network
(docs/decisions.md §5), not a trained one.

  mobilenet_v3_block.py -o FILE [--calibration CAL.npy --inputs IN.npy]
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import netbuild  # noqa: E402


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class SqueezeExcite(nn.Module):
    def __init__(self, channels, squeezed):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.relu = nn.ReLU()
        self.expand = nn.Conv2d(squeezed, channels, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        s = self.gate(self.expand(self.relu(self.reduce(self.pool(x)))))
        return x * s


class Block(nn.Module):
    def __init__(self, cin, hidden, cout, stride, act):
        super().__init__()
        self.expand = conv_bn(cin, hidden, 1)
        self.act1 = act()
        self.dw = conv_bn(hidden, hidden, 3, stride, groups=hidden)
        self.act2 = act()
        self.se = SqueezeExcite(hidden, hidden // 4)
        self.project = conv_bn(hidden, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(self.se(self.act2(self.dw(self.act1(self.expand(x))))))
        return x + y if self.residual else y


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, 2)
        self.stem_act = nn.Hardswish()
        self.block1 = Block(16, 48, 16, 1, nn.Hardswish)
        self.block2 = Block(16, 64, 24, 2, nn.ReLU)
        self.head = conv_bn(24, 96, 1)
        self.head_act = nn.Hardswish()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        x = self.block2(self.block1(self.stem_act(self.stem(x))))
        x = self.pool(self.head_act(self.head(x)))
        return self.fc(torch.flatten(x, 1))


def calibrate_bn(net, images):
    """Each batch norm normalizes its input's batch statistics, then scales
    by gamma ~ U(0.5, 1.5) and shifts by beta = gamma * U(-0.3, 1.0), in
    forward order, so every activation sees a healthy input."""
    rng = np.random.default_rng(1)
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        stats = {}

        def hook(_, inputs, __, stats=stats):
            x = inputs[0]
            stats["mean"] = x.mean(dim=(0, 2, 3))
            stats["var"] = x.var(dim=(0, 2, 3), unbiased=False)

        h = bn.register_forward_hook(hook)
        with torch.no_grad():
            net(images)
        h.remove()
        c = bn.num_features
        gamma = torch.tensor(rng.uniform(0.5, 1.5, c), dtype=torch.float32)
        bn.running_mean.copy_(stats["mean"])
        bn.running_var.copy_(stats["var"])
        bn.weight.data.copy_(gamma)
        bn.bias.data.copy_(gamma * torch.tensor(rng.uniform(-0.3, 1.0, c), dtype=torch.float32))


def build(seed=0):
    torch.manual_seed(seed)
    net = Net()
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.uniform_(m.bias, -0.1, 0.1)
    net.eval()
    images = torch.tensor(netbuild.smooth_fields(16, 3, 64, seed=3), dtype=torch.float32)
    calibrate_bn(net, images)
    return net


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--calibration", help="write 16 calibration images [16,3,64,64] here")
    p.add_argument("--inputs", help="write 4 test images [4,3,64,64] here")
    args = p.parse_args()
    torch.set_num_threads(1)
    net = build()
    x = torch.zeros(1, 3, 64, 64)
    torch.onnx.export(net, x, args.output, input_names=["input"], output_names=["logits"],
                      opset_version=14, do_constant_folding=True)
    if args.calibration:
        np.save(args.calibration, netbuild.smooth_fields(16, 3, 64, seed=5).astype(np.float32))
    if args.inputs:
        np.save(args.inputs, netbuild.smooth_fields(4, 3, 64, seed=7).astype(np.float32))


if __name__ == "__main__":
    main()
