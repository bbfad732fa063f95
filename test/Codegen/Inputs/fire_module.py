"""A SqueezeNet fire module between two convs, healthy random weights (He
initialisation): the two expand branches end in their own ReLU, so
calibration gives each its own grid before the Concat joins them. Writes
the model and 16 inputs: `fire_module.py OUT.onnx INPUTS.npy`."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)


def conv(name, cin, cout, k, scale=1.0):
    w = rng.normal(0.0, scale * np.sqrt(2.0 / (cin * k * k)),
                   (cout, cin, k, k)).astype(np.float32)
    b = rng.normal(0.0, 0.1, cout).astype(np.float32)
    return [numpy_helper.from_array(w, name + "_w"),
            numpy_helper.from_array(b, name + "_b")]


inits = (conv("stem", 3, 16, 3) + conv("squeeze", 16, 8, 1) +
         conv("expand1", 8, 16, 1) + conv("expand3", 8, 16, 3, scale=3.0) +
         conv("head", 32, 4, 1))
nodes = [
    helper.make_node("Conv", ["x", "stem_w", "stem_b"], ["s"], name="stem",
                     pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["s"], ["sr"], name="stem_relu"),
    helper.make_node("Conv", ["sr", "squeeze_w", "squeeze_b"], ["q"],
                     name="squeeze"),
    helper.make_node("Relu", ["q"], ["qr"], name="squeeze_relu"),
    helper.make_node("Conv", ["qr", "expand1_w", "expand1_b"], ["e1"],
                     name="expand1"),
    helper.make_node("Relu", ["e1"], ["e1r"], name="expand1_relu"),
    helper.make_node("Conv", ["qr", "expand3_w", "expand3_b"], ["e3"],
                     name="expand3", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["e3"], ["e3r"], name="expand3_relu"),
    helper.make_node("Concat", ["e1r", "e3r"], ["cat"], name="fire_concat",
                     axis=1),
    helper.make_node("Conv", ["cat", "head_w", "head_b"], ["y"], name="head"),
]
graph = helper.make_graph(
    nodes, "fire",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 12, 12])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
np.save(sys.argv[2], rng.uniform(0.0, 1.0, (16, 3, 12, 12)).astype(np.float32))
