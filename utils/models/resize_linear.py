#!/usr/bin/python3
"""Small ONNX models for linear (bilinear) Resize of activations, in every coordinate
transformation mode mpq supports, and models whose attributes the importer must refuse.

Every model computes on a [1, 3, 8, 8] input: conv1 (3x3, 3 -> 8, pad 1) and relu1 first, so
the Resize reads a computed activation, and conv2 (3x3, 8 -> 4) after it, He-initialised
(fixed seeds). `--out DIR` writes:
  rl_half_pixel.onnx     x2 by scales, half_pixel (ONNX's default)
  rl_pytorch.onnx        x2 by scales, pytorch_half_pixel (torch's F.interpolate(bilinear,
                         align_corners=False) export)
  rl_align.onnx          to sizes [1, 8, 15, 15], align_corners (torch's align_corners=True)
  rl_asymmetric.onnx     x3 by scales, asymmetric
  rl_sizes.onnx          to sizes [1, 8, 12, 20] (x1.5 rows, x2.5 columns), half_pixel
  rl_down.onnx           to sizes [1, 8, 5, 6] (downsampling, no antialias), half_pixel
  rl_upsample.onnx       Upsample x2, mode linear (opset 9: asymmetric)
  rl_fpn.onnx            an FPN level: conv1 -> down (stride 2) -> bilinear x2 -> Add with
                         relu1 -> conv2
  rl_calib.npy / rl_inputs.npy   32 / 4 inputs [., 3, 8, 8], uniform [-1, 1)
  err_<name>.onnx        one unsupported use each:
    cubic                 mode cubic
    crop                  linear with tf_crop_and_resize
    channels              linear over the channels too (scales [1, 2, 2, 2])
    antialias             linear downsampling with antialias 1 (opset 18)
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import onnx_graph  # noqa: E402


class Graph(onnx_graph.Graph):
    def stem(self):
        return self.node("Relu", [self.conv("x", "conv1", 3, 8)], "relu1")

    def resize(self, x, scales=None, sizes=None, **attrs):
        inputs = [x, self.const("roi", np.zeros(0, np.float32)) if self.opset >= 11 else ""]
        inputs.append(self.const("scales", np.array(scales, np.float32)) if scales else "")
        if sizes:
            inputs.append(self.const("sizes", np.array(sizes, np.int64)))
        return self.node("Resize", inputs, "resize", **attrs)


def head(g, h, hw):
    return g.model(g.conv(h, "conv2", 8, 4), [1, 4] + hw)


def rl_half_pixel():
    g = Graph("rl_half_pixel", 1)
    return head(g, g.resize(g.stem(), scales=[1, 1, 2, 2], mode="linear"), [16, 16])


def rl_pytorch():
    g = Graph("rl_pytorch", 2)
    return head(g, g.resize(g.stem(), scales=[1, 1, 2, 2], mode="linear",
                            coordinate_transformation_mode="pytorch_half_pixel"), [16, 16])


def rl_align():
    g = Graph("rl_align", 3)
    return head(g, g.resize(g.stem(), sizes=[1, 8, 15, 15], mode="linear",
                            coordinate_transformation_mode="align_corners"), [15, 15])


def rl_asymmetric():
    g = Graph("rl_asymmetric", 4)
    return head(g, g.resize(g.stem(), scales=[1, 1, 3, 3], mode="linear",
                            coordinate_transformation_mode="asymmetric"), [24, 24])


def rl_sizes():
    g = Graph("rl_sizes", 5)
    return head(g, g.resize(g.stem(), sizes=[1, 8, 12, 20], mode="linear"), [12, 20])


def rl_down():
    g = Graph("rl_down", 6)
    return head(g, g.resize(g.stem(), sizes=[1, 8, 5, 6], mode="linear"), [5, 6])


def rl_upsample():
    g = Graph("rl_upsample", 7, opset=9)
    h = g.node("Upsample", [g.stem(), g.const("scales", np.array([1, 1, 2, 2], np.float32))],
               "upsample", mode="linear")
    return head(g, h, [16, 16])


def rl_fpn():
    g = Graph("rl_fpn", 8)
    h = g.stem()
    d = g.node("Relu", [g.conv(h, "down", 8, 8, stride=2)], "down_relu")
    u = g.resize(d, scales=[1, 1, 2, 2], mode="linear",
                 coordinate_transformation_mode="pytorch_half_pixel")
    return head(g, g.node("Add", [u, h], "skip"), [8, 8])


def errors():
    out = {}
    g = Graph("err_cubic", 1)
    out["cubic"] = head(g, g.resize(g.stem(), scales=[1, 1, 2, 2], mode="cubic"), [16, 16])
    g = Graph("err_crop", 1)
    out["crop"] = head(g, g.resize(g.stem(), scales=[1, 1, 2, 2], mode="linear",
                                   coordinate_transformation_mode="tf_crop_and_resize"),
                       [16, 16])
    g = Graph("err_channels", 1)
    out["channels"] = g.model(g.resize(g.stem(), scales=[1, 2, 2, 2], mode="linear"),
                              [1, 16, 16, 16])
    g = Graph("err_antialias", 1, opset=18)
    out["antialias"] = head(g, g.resize(g.stem(), sizes=[1, 8, 4, 4], mode="linear",
                                        antialias=1), [4, 4])
    return out


MODELS = [rl_half_pixel, rl_pytorch, rl_align, rl_asymmetric, rl_sizes, rl_down, rl_upsample,
          rl_fpn]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    onnx_graph.write_all(args.out, MODELS, errors(), 17, [("rl", (3, 8, 8))])


if __name__ == "__main__":
    main()
