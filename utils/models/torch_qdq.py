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

  torch_qdq.py -o FILE
"""

import argparse
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree

import torch  # noqa: E402

W_SCALES = [0.01, 0.02, 0.03, 0.04]


class QdqNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(4, 5)
        self.register_buffer("w_scale", torch.tensor(W_SCALES))
        self.register_buffer("w_zero_point", torch.zeros(4, dtype=torch.int32))

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, 1.0 / 64, 3, -128, 127)
        w = torch.fake_quantize_per_channel_affine(self.conv.weight, self.w_scale, self.w_zero_point, 0, -128, 127)
        y = torch.relu(torch.nn.functional.conv2d(x, w, self.conv.bias, padding=1))
        y = torch.fake_quantize_per_tensor_affine(y, 0.05, 0, 0, 255)
        return self.fc(torch.flatten(self.pool(y), 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True, help="output .onnx file")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = QdqNet().eval()
    torch.onnx.export(model, torch.randn(1, 3, 8, 8), args.output, opset_version=13, input_names=["input"],
                      output_names=["logits"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
