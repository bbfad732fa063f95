#!/usr/bin/env python3
"""Small models for the DSP kernels at every width they take
(test/Cortex-M/dsp-subbyte-qemu.test pins the widths):

- subbyte_pw.onnx: a depthwise 1x1 layer (so the next layer's input is an
  activation of the pinned width, unsigned with zero point 0), then two 1x1
  convolutions 32 -> 16 -> 16 on a 5x5 image (25 pixels: pairs and an odd
  last one), output channels last;
- subbyte_pwk.onnx: the same depthwise 1x1 layer on 8 channels, then 1x1
  convolutions 8 -> 24 -> 16 on a 5x5 image: at 2-bit inputs, rows of 8
  and 24 codes are not whole words (unpacked byte by byte);
- subbyte_fc.onnx: the same depthwise layer on a 1x1 image, then two fully
  connected layers 32 -> 16 (ReLU) -> 8;
- subbyte_dw.onnx: the same depthwise 1x1 layer, then two depthwise 3x3
  layers (stride 1 and 2, padding "same") on a 7x7 image with 16 channels:
  windows inside the image and across its border;
- subbyte_dwx.onnx: the same depthwise 1x1 layer, then a depthwise 5x5
  layer dilated by 2 (padding 4) and a 3x3 stride-2 one with TensorFlow's
  SAME padding on a 10x10 image (bottom and right only), 16 channels;
- subbyte_rows.onnx: the same depthwise 1x1 layer, then a MobileNet-style
  chain on a 12x12 image with 8 channels (depthwise 3x3, pointwise 8 -> 32,
  depthwise 3x3 stride 2, pointwise 32 -> 16) for row groups
  (test/Cortex-M/row-groups-qemu.test);
- subbyte_residual.onnx: the same depthwise 1x1 layer, then BlazeFace's two
  residual blocks on a 12x12 image with 8 channels: depthwise 3x3,
  pointwise 8 -> 8 (linear), the sum with the block's input and ReLU; then
  a 2x2 max pool of that, its channels padded to 12, beside depthwise 3x3
  stride 2 and pointwise 8 -> 12, their sum and ReLU (row groups over
  sums, pools and channel pads).

Writes the models, a calibration batch and four test inputs per model into
--out.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "utils", "models"))
import netbuild  # noqa: E402


def build(out, name, calib, seed, doc, layers):
    """A model named subbyte_<name>: the input, a depthwise 1x1 layer (its
    output is the next layer's input, at the pinned width), `layers(net, x)`;
    written to <out>/subbyte_<name>.onnx. Returns the calibration batch."""
    net = netbuild.Net("subbyte_" + name, seed=seed)
    x = net.input("input", calib)
    x = net.conv_bn_act(x, calib.shape[1], 1, group=calib.shape[1], name="pre")
    net.output(layers(net, x))
    model = net.model(doc)
    net.verify(model)
    netbuild.save(model, os.path.join(out, f"subbyte_{name}.onnx"))
    return calib


def to_nhwc(net, x):
    return net.node("Transpose", [x], "to_nhwc", perm=[0, 2, 3, 1])


def two_pointwise(out, name, channels, mid, seeds, doc):
    """Two 1x1 convolutions channels -> mid -> 16 on a 5x5 image."""
    def layers(net, x):
        x = net.conv_bn_act(x, mid, 1, name="pw1")
        return to_nhwc(net, net.conv_bn_act(x, 16, 1, name="pw2"))
    return build(out, name, netbuild.smooth_fields(16, channels, 5, seed=seeds[0]), seeds[1],
                 doc, layers)


def pointwise(out):
    return two_pointwise(out, "pw", 32, 16, (5, 3), "1x1 convolutions for the SMLAD product kernel")


def pointwise_short_rows(out):
    return two_pointwise(out, "pwk", 8, 24, (10, 8), "1x1 convolutions on rows of 8 and 24 codes")


def fully_connected(out):
    def layers(net, x):
        x = net.node("Flatten", [x], "flatten", axis=1)
        x = net.node("Relu", [net.fc(x, 16, name="fc1", out="fc1_out")], "fc1_relu")
        return net.fc(x, 8, name="fc2", out="y")
    calib = np.random.default_rng(9).uniform(-1, 1, (16, 32, 1, 1)).astype(np.float32)
    return build(out, "fc", calib, 4, "fully connected layers for the SMLAD product kernel", layers)


def depthwise(out):
    def layers(net, x):
        x = net.conv_bn_act(x, 16, 3, group=16, name="dw1")
        return to_nhwc(net, net.conv_bn_act(x, 16, 3, stride=2, group=16, name="dw2"))
    return build(out, "dw", netbuild.smooth_fields(16, 16, 7, seed=6), 5,
                 "depthwise 3x3 layers for the SMLAxy kernel", layers)


def depthwise_windows(out):
    def layers(net, x):
        # 5x5 dilated by 2 (a 9x9 reach, padding 4: most windows cross the
        # border), then 3x3 stride 2 with TensorFlow's SAME padding on an
        # even size (only at the bottom and right: pads 0, 0, 1, 1).
        x = net.conv_bn_act(x, 16, 5, group=16, dilation=2, name="dw1")
        return to_nhwc(net, net.conv_bn_act(x, 16, 3, stride=2, group=16, name="dw2"))
    return build(out, "dwx", netbuild.smooth_fields(16, 16, 10, seed=9), 6,
                 "dilated and asymmetrically padded depthwise layers for the SMLAxy kernel", layers)


def rows(out):
    def layers(net, x):
        x = net.conv_bn_act(x, 8, 3, group=8, name="dw1")
        x = net.conv_bn_act(x, 32, 1, name="pw1")
        x = net.conv_bn_act(x, 32, 3, stride=2, group=32, name="dw2")
        return to_nhwc(net, net.conv_bn_act(x, 16, 1, name="pw2"))
    return build(out, "rows", netbuild.smooth_fields(16, 8, 12, seed=7), 6,
                 "a depthwise-separable chain for row groups", layers)


def residual(out):
    def layers(net, x):
        y = net.conv_bn_act(x, 8, 3, group=8, act=None, name="dw1")
        y = net.conv_bn_act(y, 8, 1, act=None, name="pw1")
        x = net.node("Relu", [net.add(x, y, "add1")], "relu1")
        pool = net.node("MaxPool", [x], "pool", kernel_shape=[2, 2], strides=[2, 2])
        net.init("pad.pads", np.array([0, 0, 0, 0, 0, 4, 0, 0], dtype=np.int64))
        pool = net.node("Pad", [pool, "pad.pads"], "pad")
        y = net.conv_bn_act(x, 8, 3, stride=2, group=8, act=None, name="dw2")
        y = net.conv_bn_act(y, 12, 1, act=None, name="pw2")
        return to_nhwc(net, net.node("Relu", [net.add(pool, y, "add2")], "relu2"))
    return build(out, "residual", netbuild.smooth_fields(16, 8, 12, seed=8), 7,
                 "residual and downsampling blocks for row groups", layers)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, build in (("pw", pointwise), ("pwk", pointwise_short_rows),
                        ("fc", fully_connected), ("dw", depthwise),
                        ("dwx", depthwise_windows), ("rows", rows), ("residual", residual)):
        calib = build(args.out)
        np.save(os.path.join(args.out, name + "_calib.npy"), calib)
        # Test inputs other than the calibration batch.
        rng = np.random.default_rng(17)
        inputs = calib[:4] * rng.uniform(0.7, 1.3, calib[:4].shape).astype(np.float32)
        np.save(os.path.join(args.out, name + "_inputs.npy"), inputs.astype(np.float32))


if __name__ == "__main__":
    main()
