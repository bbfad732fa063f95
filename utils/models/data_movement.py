#!/usr/bin/python3
"""Small ONNX models for the data-movement ops of real exports that mpq
imports as copies (Slice, Split, nearest Resize / Upsample), the mean over
the spatial axes (ReduceMean), and Max/Min with a constant (ReLU6 written as
Min(Max(x, 0), 6)), plus models whose attributes the importer must refuse.

Every model computes on a [1, 3, 8, 8] input: conv1 (3x3, 3 -> 8, pad 1) and
relu1 first, so the op under test reads a computed activation, and a layer
after it (conv2, or fc for the means), with He-initialised weights (fixed
seeds). `--out DIR` writes:
  mv_slice.onnx          Slice channels 1:7 and rows 0:8:2 (opset 13 inputs)
  mv_slice_reverse.onnx  Slice of the columns backwards (step -1, ends
                         INT64_MIN as torch writes it) and the channels
                         0:8:3 (opset 10)
  mv_split_shuffle.onnx  Split of the channels into [3, 5], concatenated the
                         other way round (a channel shuffle)
  mv_split_equal.onnx    Split into two equal parts (no sizes; opset 18
                         num_outputs), each to its own 1x1 conv, then Add
  mv_resize_torch.onnx   Resize x2 as torch.onnx writes F.interpolate
                         (scales input, asymmetric, nearest_mode floor)
  mv_resize_sizes.onnx   Resize to sizes [1, 8, 24, 16] (x3 rows, x2
                         columns) with ONNX's default modes (half_pixel,
                         round_prefer_floor)
  mv_upsample.onnx       Upsample x2 (opset 9)
  mv_reducemean.onnx     ReduceMean over axes [2, 3] with keepdims 0 -> Gemm
  mv_reducemean18.onnx   ReduceMean over axes input [-1, -2] (opset 18),
                         keepdims 1 -> Flatten -> Gemm
  mv_relu6.onnx          Max(x, 0) then Min(., 6) after conv1 (no Relu)
  mv_clamp.onnx          Min(x, 0.8) then Max(., -0.3) after conv1
  mv_fpn.onnx            an FPN/U-Net decoder level: conv1 -> relu1 ->
                         down (3x3 stride 2) -> relu -> Resize x2 -> Concat
                         with relu1 -> conv2
  mv_max2.onnx           Max of two activations of one shape: relu1 and a
                         second conv of x (signed)
  mv_min_bcast.onnx      Min of the per-channel mean of relu1 ([1, 8, 1, 1],
                         broadcast) and conv1b (signed), the mean first
  mv_maxmin.onnx         both: Min(Max(relu1, conv1b), mean of relu1)
  mv_gather.onnx         Gather of the channels at [5, 0, 1, 2, 7, 7] (runs:
                         slices, concatenated) -> conv2
  mv_gather_row.onnx     Gather of row -1 (a scalar index: the axis goes)
                         -> Flatten -> Gemm
  mv_all.onnx            everything in one graph (the QEMU test's model):
                         Split/Concat shuffle, Min(Max(., 0), 6), Slice,
                         stride-2 conv, Resize x2, Concat, ReduceMean, Gemm
  mv_calib.npy           32 calibration inputs [32, 3, 8, 8], uniform [-1, 1)
  mv_inputs.npy          4 test inputs [4, 3, 8, 8]
  err_<name>.onnx        one unsupported use each:
    resize_linear         Resize mode linear
    resize_fraction       Resize by 1.5
    resize_downsample     Resize by 0.5
    resize_crop           coordinate_transformation_mode tf_crop_and_resize
    reducemean_channels   ReduceMean over the channels
    max_three             Max of three activations
    max_vector            Max of an activation and a per-channel constant
    gather_dynamic        Gather at indices that are a graph input
    gather_range          Gather at index 8 of 8 channels
    gather_2d             Gather at a 2-D index tensor
    slice_empty           Slice with starts = ends
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from onnx import TensorProto, helper  # noqa: E402

from onnx_graph import Graph, write_all  # noqa: E402


def i64(v):
    return np.array(v, np.int64)


def f32(v):
    return np.array(v, np.float32)


def stem(g):
    return g.relu(g.conv("x", "conv1", 3, 8), "relu1")


def mv_slice():
    g = Graph("mv_slice", 1)
    h = stem(g)
    s = g.node("Slice", [h, g.const("starts", i64([1, 0])), g.const("ends", i64([7, 8])),
                         g.const("axes", i64([1, 2])), g.const("steps", i64([1, 2]))], "slice")
    return g.model(g.conv(s, "conv2", 6, 4), [1, 4, 4, 8])


def mv_slice_reverse():
    g = Graph("mv_slice_reverse", 2, opset=10)
    h = stem(g)
    s = g.node("Slice", [h, g.const("starts", i64([-1, 0])),
                         g.const("ends", i64([-(2 ** 63), 8])),
                         g.const("axes", i64([3, 1])), g.const("steps", i64([-1, 3]))], "slice")
    return g.model(g.conv(s, "conv2", 3, 4), [1, 4, 8, 8])


def mv_split_shuffle():
    g = Graph("mv_split_shuffle", 3)
    h = stem(g)
    a, b = g.node("Split", [h, g.const("split", i64([3, 5]))], "split",
                  outputs=["part0", "part1"], axis=1)
    c = g.node("Concat", [b, a], "shuffle", axis=1)
    return g.model(g.conv(c, "conv2", 8, 4), [1, 4, 8, 8])


def mv_split_equal():
    g = Graph("mv_split_equal", 4, opset=18)
    h = stem(g)
    a, b = g.node("Split", [h], "split", outputs=["part0", "part1"], axis=1, num_outputs=2)
    pa = g.conv(a, "pw_a", 4, 4, k=1)
    pb = g.conv(b, "pw_b", 4, 4, k=1)
    return g.model(g.node("Add", [pa, pb], "add"), [1, 4, 8, 8])


def mv_resize_torch():
    g = Graph("mv_resize_torch", 5)
    h = stem(g)
    r = g.node("Resize", [h, "", g.const("scales", f32([1, 1, 2, 2]))], "resize",
               coordinate_transformation_mode="asymmetric", mode="nearest",
               nearest_mode="floor")
    return g.model(g.conv(r, "conv2", 8, 4), [1, 4, 16, 16])


def mv_resize_sizes():
    g = Graph("mv_resize_sizes", 6)
    h = stem(g)
    r = g.node("Resize", [h, "", "", g.const("sizes", i64([1, 8, 24, 16]))], "resize")
    return g.model(g.conv(r, "conv2", 8, 4), [1, 4, 24, 16])


def mv_upsample():
    g = Graph("mv_upsample", 7, opset=9)
    h = stem(g)
    r = g.node("Upsample", [h, g.const("scales", f32([1, 1, 2, 2]))], "upsample", mode="nearest")
    return g.model(g.conv(r, "conv2", 8, 4), [1, 4, 16, 16])


def mv_reducemean():
    g = Graph("mv_reducemean", 8)
    h = stem(g)
    m = g.node("ReduceMean", [h], "mean", axes=[2, 3], keepdims=0)
    return g.model(g.fc(m, "fc", 8, 5), [1, 5])


def mv_reducemean18():
    g = Graph("mv_reducemean18", 9, opset=18)
    h = stem(g)
    m = g.node("ReduceMean", [h, g.const("axes", i64([-1, -2]))], "mean")
    f = g.node("Flatten", [m], "flatten")
    return g.model(g.fc(f, "fc", 8, 5), [1, 5])


def mv_relu6():
    g = Graph("mv_relu6", 10)
    c = g.conv("x", "conv1", 3, 8)
    a = g.node("Max", [c, g.const("zero", f32(0.0))], "max0")
    b = g.node("Min", [a, g.const("six", f32(6.0))], "min6")
    return g.model(g.conv(b, "conv2", 8, 4), [1, 4, 8, 8])


def mv_clamp():
    g = Graph("mv_clamp", 11)
    c = g.conv("x", "conv1", 3, 8)
    a = g.node("Min", [g.const("hi", f32([0.8])), c], "min")
    b = g.node("Max", [a, g.const("lo", f32(-0.3))], "max")
    return g.model(g.conv(b, "conv2", 8, 4), [1, 4, 8, 8])


def mv_fpn():
    g = Graph("mv_fpn", 12)
    h = stem(g)
    d = g.relu(g.conv(h, "down", 8, 8, stride=2), "down_relu")
    u = g.node("Resize", [d, "", g.const("scales", f32([1, 1, 2, 2]))], "up",
               coordinate_transformation_mode="asymmetric", mode="nearest",
               nearest_mode="floor")
    c = g.node("Concat", [h, u], "merge", axis=1)
    return g.model(g.conv(c, "conv2", 16, 4), [1, 4, 8, 8])


def mv_max2():
    g = Graph("mv_max2", 14)
    h = stem(g)
    b = g.conv("x", "conv1b", 3, 8)
    m = g.node("Max", [h, b], "max")
    return g.model(g.conv(m, "conv2", 8, 4), [1, 4, 8, 8])


def mv_min_bcast():
    g = Graph("mv_min_bcast", 15)
    h = stem(g)
    mean = g.node("ReduceMean", [h], "mean", axes=[2, 3], keepdims=1)
    b = g.conv("x", "conv1b", 3, 8)
    m = g.node("Min", [mean, b], "min")
    return g.model(g.conv(m, "conv2", 8, 4), [1, 4, 8, 8])


def mv_maxmin():
    g = Graph("mv_maxmin", 16)
    h = stem(g)
    b = g.conv("x", "conv1b", 3, 8)
    mx = g.node("Max", [h, b], "max")
    mean = g.node("ReduceMean", [h], "mean", axes=[2, 3], keepdims=1)
    mn = g.node("Min", [mx, mean], "min")
    return g.model(g.conv(mn, "conv2", 8, 4), [1, 4, 8, 8])


def mv_gather():
    g = Graph("mv_gather", 17)
    h = stem(g)
    s = g.node("Gather", [h, g.const("idx", i64([5, 0, 1, 2, 7, 7]))], "gather", axis=1)
    return g.model(g.conv(s, "conv2", 6, 4), [1, 4, 8, 8])


def mv_gather_row():
    g = Graph("mv_gather_row", 18)
    h = stem(g)
    s = g.node("Gather", [h, g.const("row", i64(-1))], "gather", axis=2)
    f = g.node("Flatten", [s], "flatten")
    return g.model(g.fc(f, "fc", 64, 5), [1, 5])


def mv_all():
    g = Graph("mv_all", 13)
    c = g.conv("x", "conv1", 3, 8)
    r = g.node("Min", [g.node("Max", [c, g.const("zero", f32(0.0))], "max0"),
                       g.const("six", f32(6.0))], "min6")
    a, b = g.node("Split", [r, g.const("split", i64([3, 5]))], "split",
                  outputs=["part0", "part1"], axis=1)
    sh = g.node("Concat", [b, a], "shuffle", axis=1)
    s = g.node("Slice", [sh, g.const("starts", i64([0])), g.const("ends", i64([6])),
                         g.const("axes", i64([1]))], "slice")
    d = g.relu(g.conv(s, "down", 6, 8, stride=2), "down_relu")
    u = g.node("Resize", [d, "", g.const("scales", f32([1, 1, 2, 2]))], "up",
               coordinate_transformation_mode="asymmetric", mode="nearest",
               nearest_mode="floor")
    m = g.node("Concat", [s, u], "merge", axis=1)
    h = g.relu(g.conv(m, "conv2", 14, 8), "relu2")
    mean = g.node("ReduceMean", [h], "mean", axes=[2, 3], keepdims=0)
    return g.model(g.fc(mean, "fc", 8, 5), [1, 5])


def errors():
    out = {}
    g = Graph("err_resize_linear", 1)
    h = stem(g)
    out["resize_linear"] = g.model(g.node("Resize", [h, "", g.const("scales", f32([1, 1, 2, 2]))],
                                          "resize", mode="linear"), [1, 8, 16, 16])
    g = Graph("err_resize_fraction", 1)
    h = stem(g)
    out["resize_fraction"] = g.model(g.node("Resize", [h, "", g.const("scales", f32([1, 1, 1.5, 1.5]))],
                                            "resize", mode="nearest"), [1, 8, 12, 12])
    g = Graph("err_resize_downsample", 1)
    h = stem(g)
    out["resize_downsample"] = g.model(g.node("Resize", [h, "", g.const("scales", f32([1, 1, 0.5, 0.5]))],
                                              "resize", mode="nearest"), [1, 8, 4, 4])
    g = Graph("err_resize_crop", 1)
    h = stem(g)
    out["resize_crop"] = g.model(g.node("Resize", [h, "", g.const("scales", f32([1, 1, 2, 2]))],
                                        "resize", mode="nearest",
                                        coordinate_transformation_mode="tf_crop_and_resize"),
                                 [1, 8, 16, 16])
    g = Graph("err_reducemean_channels", 1)
    h = stem(g)
    out["reducemean_channels"] = g.model(g.node("ReduceMean", [h], "mean", axes=[1]), [1, 1, 8, 8])
    g = Graph("err_max_three", 1)
    c = g.conv("x", "conv1", 3, 8)
    d = g.conv("x", "conv1b", 3, 8)
    e = g.conv("x", "conv1c", 3, 8)
    out["max_three"] = g.model(g.node("Max", [c, d, e], "max"), [1, 8, 8, 8])
    g = Graph("err_max_vector", 1)
    c = g.conv("x", "conv1", 3, 8)
    out["max_vector"] = g.model(g.node("Max", [c, g.const("lo", f32(np.zeros((1, 8, 1, 1))))], "max"),
                                [1, 8, 8, 8])
    g = Graph("err_gather_range", 1)
    h = stem(g)
    out["gather_range"] = g.model(g.node("Gather", [h, g.const("idx", i64([0, 8]))], "gather", axis=1),
                                  [1, 2, 8, 8])
    g = Graph("err_gather_2d", 1)
    h = stem(g)
    out["gather_2d"] = g.model(g.node("Gather", [h, g.const("idx", i64([[0, 1], [2, 3]]))], "gather", axis=1),
                               [1, 2, 2, 8, 8])
    g = Graph("err_gather_dynamic", 1)
    h = stem(g)
    m = g.model(g.node("Gather", [h, "idx"], "gather", axis=1), [1, 2, 8, 8])
    m.graph.input.append(helper.make_tensor_value_info("idx", TensorProto.INT64, [2]))
    out["gather_dynamic"] = m
    g = Graph("err_slice_empty", 1)
    h = stem(g)
    out["slice_empty"] = g.model(g.node("Slice", [h, g.const("starts", i64([2])), g.const("ends", i64([2])),
                                                  g.const("axes", i64([1]))], "slice"), [1, 0, 8, 8])
    return out


MODELS = [mv_slice, mv_slice_reverse, mv_split_shuffle, mv_split_equal, mv_resize_torch,
          mv_resize_sizes, mv_upsample, mv_reducemean, mv_reducemean18, mv_relu6, mv_clamp,
          mv_fpn, mv_max2, mv_min_bcast, mv_maxmin, mv_gather, mv_gather_row, mv_all]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    write_all(args.out, MODELS, errors(), 7, [("mv", (3, 8, 8))])


if __name__ == "__main__":
    main()
