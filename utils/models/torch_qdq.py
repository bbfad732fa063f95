#!/usr/bin/python3
"""Export a small QDQ-quantized CNN from PyTorch (python3-torch 1.13) to ONNX.

The model uses torch's fake-quantization functions, which export as
QuantizeLinear/DequantizeLinear pairs whose scales and zero points are Constant
nodes (the form real PyTorch QDQ exports have):
  input   per tensor, int8, scale 1/64, zero point 3
  conv    weights per output channel (axis 0), int8, scales 0.01 0.02 0.03 0.04, zero points 0
  relu    output per tensor, uint8, scale 0.05, zero point 0
  global average pool, flatten, fc (Gemm)
Deterministic (fixed seed, one thread). Input "input" [1,3,8,8], output "logits" [1,5].

With --int8 the model is quantized end to end, as an integer deployment needs it (the
ONNX Runtime comparison, benchmarks/ort_qdq.py, uses this form):
  pooled  per tensor, uint8, scale 0.05, zero point 0 (the pool's output on the relu grid)
  fc      weights per tensor, int8, scale max|w|/127, zero point 0
  logits  per tensor, int8, scale max|logit|/127 over 64 random inputs, zero point 0

  torch_qdq.py [--int8] -o FILE
"""

import argparse
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree

import torch  # noqa: E402

W_SCALES = [0.01, 0.02, 0.03, 0.04]


class QdqNet(torch.nn.Module):
    def __init__(self, int8=False):
        super().__init__()
        self.int8 = int8
        self.logit_scale = None
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(4, 5)
        self.fc_w_scale = float(self.fc.weight.abs().max()) / 127
        self.register_buffer("w_scale", torch.tensor(W_SCALES))
        self.register_buffer("w_zero_point", torch.zeros(4, dtype=torch.int32))

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, 1.0 / 64, 3, -128, 127)
        w = torch.fake_quantize_per_channel_affine(self.conv.weight, self.w_scale, self.w_zero_point, 0, -128, 127)
        y = torch.relu(torch.nn.functional.conv2d(x, w, self.conv.bias, padding=1))
        y = torch.fake_quantize_per_tensor_affine(y, 0.05, 0, 0, 255)
        y = torch.flatten(self.pool(y), 1)
        if not self.int8:
            return self.fc(y)
        y = torch.fake_quantize_per_tensor_affine(y, 0.05, 0, 0, 255)
        w = torch.fake_quantize_per_tensor_affine(self.fc.weight, self.fc_w_scale, 0, -128, 127)
        logits = torch.nn.functional.linear(y, w, self.fc.bias)
        if self.logit_scale is None:
            return logits
        return torch.fake_quantize_per_tensor_affine(logits, self.logit_scale, 0, -128, 127)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True, help="output .onnx file")
    ap.add_argument("--int8", action="store_true", help="quantize the fc and the logits too")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = QdqNet(args.int8).eval()
    if args.int8:
        with torch.no_grad():
            model.logit_scale = float(model(torch.randn(64, 3, 8, 8)).abs().max()) / 127
    torch.onnx.export(model, torch.randn(1, 3, 8, 8), args.output, opset_version=13, input_names=["input"],
                      output_names=["logits"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
