#!/usr/bin/python3
"""Eager-mode quantization (post-training, or QAT) with torch.ao.quantization, exported to QDQ ONNX.

The export patterns of torch.onnx (python3-torch 1.13, opset 13) that ONNX Runtime runs: every
QuantizeLinear is followed by a no-op Cast (uint8 to uint8) before its DequantizeLinear, the
scales and zero points are Constant nodes, and each bias is DequantizeLinear(int32 bias, scale,
Cast(ConstantOfShape(...))). One small CNN (conv 1->4 3x3, conv 4->8 3x3 stride 2, global average
pool, fc 8->5; input [1, 1, 16, 16]) in several variants:
  fused       conv+relu fused (QuantStub ... DeQuantStub around everything)
  unfused     ReLUs left as modules: DequantizeLinear -> Relu -> QuantizeLinear
  float-ends  a float Pad before the QuantStub and a float fc after the DeQuantStub: the first
              and the last op are outside the Q/DQ region
  float-first the first conv+ReLU in float, the QuantStub after it
  qat         quantization-aware training instead (prepare_qat, 5 SGD steps on random data
              towards small outputs, convert): the same export form as fused
Calibrated on 16 deterministic random batches; weights He-initialised (fixed seed).

  torch_ptq.py VARIANT -o FILE [--inputs N --inputs-file X.npy]
"""

import argparse
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.ao.quantization as tq  # noqa: E402

VARIANTS = ("fused", "unfused", "float-ends", "float-first", "qat")


class Net(torch.nn.Module):
    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.conv1, self.relu1 = torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU()
        self.conv2, self.relu2 = torch.nn.Conv2d(4, 8, 3, stride=2, padding=1), torch.nn.ReLU()
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(8, 5)
        for m in self.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                torch.nn.init.kaiming_normal_(m.weight)
                torch.nn.init.uniform_(m.bias, -0.1, 0.1)

    def forward(self, x):
        if self.variant == "float-ends":
            x = torch.nn.functional.pad(x, (1, 1, 1, 1))
        if self.variant == "float-first":
            x = self.quant(self.relu1(self.conv1(x)))
        else:
            x = self.relu1(self.conv1(self.quant(x)))
        x = self.relu2(self.conv2(x))
        x = self.pool(x).flatten(1)
        if self.variant == "float-ends":
            return self.fc(self.dequant(x))
        return self.dequant(self.fc(x))


def build_qat():
    model = Net("qat").train()
    model.qconfig = tq.get_default_qat_qconfig("fbgemm")
    tq.fuse_modules_qat(model, [["conv1", "relu1"], ["conv2", "relu2"]], inplace=True)
    tq.prepare_qat(model, inplace=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(5):
        loss = model(torch.rand(8, 1, 16, 16) * 2 - 0.5).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    tq.convert(model, inplace=True)
    return model


def build(variant):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    if variant == "qat":
        return build_qat()
    model = Net(variant).eval()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    if variant == "float-ends":
        model.fc.qconfig = None
    if variant == "float-first":
        model.conv1.qconfig = None
    if variant == "float-first":
        tq.fuse_modules(model, [["conv2", "relu2"]], inplace=True)
    elif variant != "unfused":
        tq.fuse_modules(model, [["conv1", "relu1"], ["conv2", "relu2"]], inplace=True)
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(16):
            model(torch.rand(8, 1, 16, 16) * 2 - 0.5)
    tq.convert(model, inplace=True)
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variant", choices=VARIANTS)
    ap.add_argument("-o", "--output", required=True, help="output .onnx file")
    ap.add_argument("--inputs", type=int, default=0, help="also write N random inputs [N, 1, 16, 16]")
    ap.add_argument("--inputs-file", help="where to write them (.npy)")
    args = ap.parse_args(argv)
    model = build(args.variant)
    shape = (1, 1, 16, 16)
    torch.onnx.export(model, torch.rand(*shape), args.output, opset_version=13, input_names=["x"],
                      output_names=["y"])
    if args.inputs:
        rng = np.random.default_rng(1)
        np.save(args.inputs_file, (rng.random((args.inputs,) + shape[1:]) * 2 - 0.5).astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())
