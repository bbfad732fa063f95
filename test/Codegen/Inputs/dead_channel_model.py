"""A conv whose output channel 2 a training run left dead: its weights are
around 1e-19 (as in trained detectors), its bias is 0.5. Writes the model
and 16 inputs: `dead_channel_model.py OUT.onnx INPUTS.npy`."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
w = rng.normal(0.0, 0.3, (4, 3, 3, 3)).astype(np.float32)
w[2] = rng.normal(0.0, 1e-19, (3, 3, 3)).astype(np.float32)
b = np.array([0.1, -0.2, 0.5, 0.05], np.float32)
w2 = rng.normal(0.0, 0.3, (2, 4, 1, 1)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv",
                      pads=[1, 1, 1, 1]),
     helper.make_node("Relu", ["c"], ["r"], name="relu"),
     helper.make_node("Conv", ["r", "w2"], ["y"], name="head")],
    "dead_channel",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 8, 8])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
     numpy_helper.from_array(w2, "w2")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
np.save(sys.argv[2], rng.uniform(0.0, 1.0, (16, 3, 8, 8)).astype(np.float32))
