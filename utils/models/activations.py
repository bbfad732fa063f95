#!/usr/bin/python3
"""Small ONNX models for the element-wise nonlinearities mpq lowers to
lookup tables (Sigmoid, Tanh, HardSigmoid, HardSwish, LeakyRelu), and models
whose attributes the importer must refuse.

`--out DIR` writes:
  act_<op>.onnx      conv 3x3 (3 -> 8) -> <op> -> conv 3x3 (8 -> 4) on a
                     [1, 3, 8, 8] input, He-initialised weights and a bias
                     that centres the first conv's output, so the op sees
                     negative and positive inputs (node names conv1, <op>,
                     conv2); <op> is sigmoid, tanh, hardsigmoid (alpha 0.3,
                     beta 0.4), hardswish, leakyrelu (alpha 0.2), prelu
                     (one slope 0.15, given as [8, 1, 1]), prelu_channel
                     (slopes -0.25 .. 0.5, one per channel, [8, 1, 1])
  act_sigmoid_out.onnx  conv 3x3 (3 -> 8) -> Sigmoid as the model's output
  act_normalize.onnx (x - mean) / std per channel (Sub and Div by [1, 3, 1,
                     1] constants, as input normalization) -> conv 3x3
                     (3 -> 8) -> Relu -> Mul by the scalar 1.7 -> conv 3x3
                     (8 -> 4)
  act_calib.npy      32 calibration inputs [32, 3, 8, 8], uniform in [-1, 1)
  act_inputs.npy     4 test inputs [4, 3, 8, 8] from the same distribution
  err_<name>.onnx    one bad attribute each:
                       hardsigmoid_alpha_nan   HardSigmoid alpha = NaN
                       hardsigmoid_beta_inf    HardSigmoid beta = +inf
                       leakyrelu_alpha_inf     LeakyRelu alpha = -inf
                       leakyrelu_alpha_string  LeakyRelu alpha = "0.1"
                       sigmoid_attr            Sigmoid with an attribute
                                               'alpha' it does not define
                       hardswish_attr          HardSwish with 'beta'
                       prelu_axes              PRelu with a slope varying
                                               along two axes
                       prelu_inf               PRelu with an infinite slope
"""

import argparse
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPS = {
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "hardsigmoid": ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}),
    "hardswish": ("HardSwish", {}),
    "leakyrelu": ("LeakyRelu", {"alpha": 0.2}),
    # One slope for all channels, broadcast from [8, 1, 1]: LeakyRelu.
    "prelu": ("PRelu", {"slope": np.full((8, 1, 1), 0.15, np.float32)}),
    # A slope per channel [8, 1, 1], negative ones too: a table per channel.
    "prelu_channel": ("PRelu", {"slope": np.linspace(-0.25, 0.5, 8).astype(
        np.float32).reshape(8, 1, 1)}),
}

ERRORS = {
    "hardsigmoid_alpha_nan": ("HardSigmoid", {"alpha": float("nan")}),
    "hardsigmoid_beta_inf": ("HardSigmoid", {"beta": float("inf")}),
    "leakyrelu_alpha_inf": ("LeakyRelu", {"alpha": float("-inf")}),
    "leakyrelu_alpha_string": ("LeakyRelu", {"alpha": "0.1"}),
    "sigmoid_attr": ("Sigmoid", {"alpha": 1.0}),
    "hardswish_attr": ("HardSwish", {"beta": 0.5}),
    "prelu_axes": ("PRelu", {"slope": np.linspace(0.1, 0.3, 64).astype(
        np.float32).reshape(8, 1, 8)}),
    "prelu_inf": ("PRelu", {"slope": np.array([0.1, np.inf] * 4, np.float32).reshape(8, 1, 1)}),
}


def model(op_type, attrs, seed, at_output=False):
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((8, 3, 3, 3)) * np.sqrt(2.0 / 27)).astype(np.float32)
    # Centre conv1's output near zero: the op sees both signs.
    b1 = (rng.standard_normal(8) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((4, 8, 3, 3)) * np.sqrt(2.0 / 72)).astype(np.float32)
    b2 = (rng.standard_normal(4) * 0.1).astype(np.float32)
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["h"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    ]
    inputs = ["h"]
    if "slope" in attrs:
        inits.append(numpy_helper.from_array(attrs["slope"], "slope"))
        inputs.append("slope")
        attrs = {}
    nodes.append(helper.make_node(op_type, inputs, ["y" if at_output else "a"],
                                  name=op_type.lower(), **attrs))
    if at_output:
        inits = [t for t in inits if t.name not in ("w2", "b2")]
    else:
        nodes.append(helper.make_node("Conv", ["a", "w2", "b2"], ["y"],
                                      name="conv2", kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1]))
    channels = 8 if at_output else 4
    graph = helper.make_graph(
        nodes, "act_" + op_type.lower(),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [1, channels, 8, 8])],
        initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    return m


def normalize_model(seed):
    rng = np.random.default_rng(seed)
    mean = np.array([0.2, -0.1, 0.05], np.float32).reshape(1, 3, 1, 1)
    std = np.array([0.5, 0.25, 0.4], np.float32).reshape(1, 3, 1, 1)
    w1 = (rng.standard_normal((8, 3, 3, 3)) * np.sqrt(2.0 / 27)).astype(np.float32)
    b1 = (rng.standard_normal(8) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((4, 8, 3, 3)) * np.sqrt(2.0 / 72)).astype(np.float32)
    inits = [numpy_helper.from_array(mean, "mean"),
             numpy_helper.from_array(std, "std"),
             numpy_helper.from_array(np.array(1.7, np.float32), "k"),
             numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2")]
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["xc"], name="sub_mean"),
        helper.make_node("Div", ["xc", "std"], ["xn"], name="div_std"),
        helper.make_node("Conv", ["xn", "w1", "b1"], ["h"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Mul", ["r", "k"], ["m"], name="scale"),
        helper.make_node("Conv", ["m", "w2"], ["y"], name="conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    ]
    graph = helper.make_graph(
        nodes, "act_normalize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seeds = {"hardsigmoid": 10, "hardswish": 11, "leakyrelu": 12,
             "sigmoid": 13, "tanh": 14, "prelu": 15, "prelu_channel": 16}
    for name, (op_type, attrs) in OPS.items():
        with open(os.path.join(args.out, f"act_{name}.onnx"), "wb") as f:
            f.write(model(op_type, attrs, seeds[name]).SerializeToString())
    with open(os.path.join(args.out, "act_sigmoid_out.onnx"), "wb") as f:
        f.write(model("Sigmoid", {}, 20, at_output=True).SerializeToString())
    with open(os.path.join(args.out, "act_normalize.onnx"), "wb") as f:
        f.write(normalize_model(30).SerializeToString())
    for name, (op_type, attrs) in ERRORS.items():
        with open(os.path.join(args.out, f"err_{name}.onnx"), "wb") as f:
            f.write(model(op_type, attrs, 1).SerializeToString())
    rng = np.random.default_rng(7)
    np.save(os.path.join(args.out, "act_calib.npy"),
            rng.uniform(-1.0, 1.0, (32, 3, 8, 8)).astype(np.float32))
    np.save(os.path.join(args.out, "act_inputs.npy"),
            rng.uniform(-1.0, 1.0, (4, 3, 8, 8)).astype(np.float32))


if __name__ == "__main__":
    main()
