"""A small ONNX graph builder for the op test models (data_movement.py, row_norms.py,
resize_linear.py): He-initialised Conv and Gemm layers from a seeded generator, nodes named
after their output, one float input `x`; and the writer of a generator's models, its error
models and its calibration / test inputs."""

import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper


class Graph:
    def __init__(self, name, seed, opset=13, input_shape=(1, 3, 8, 8)):
        self.name, self.opset, self.input_shape = name, opset, list(input_shape)
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []

    def const(self, name, value):
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def conv(self, x, name, cin, cout, k=3, stride=1):
        w = self.rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))
        b = self.rng.standard_normal(cout) * 0.1
        self.nodes.append(helper.make_node(
            "Conv", [x, self.const(name + ".w", w.astype(np.float32)),
                     self.const(name + ".b", b.astype(np.float32))],
            [name], name=name, kernel_shape=[k, k], strides=[stride, stride],
            pads=[k // 2] * 4))
        return name

    def relu(self, x, name):
        return self.node("Relu", [x], name)

    def fc(self, x, name, cin, cout):
        w = self.rng.standard_normal((cout, cin)) * np.sqrt(2.0 / cin)
        b = self.rng.standard_normal(cout) * 0.1
        return self.node("Gemm", [x, self.const(name + ".w", w.astype(np.float32)),
                                  self.const(name + ".b", b.astype(np.float32))],
                         name, transB=1)

    def node(self, op, inputs, name, outputs=None, **attrs):
        outs = outputs or [name]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def model(self, output, shape):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.input_shape)],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, shape)],
            initializer=self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        m.ir_version = 8
        return m


def write_all(out, models, errors, seed, datasets):
    """Writes OUT/<make.__name__>.onnx for each of `models`, OUT/err_<name>.onnx for each of
    `errors` (name -> model), and for each (prefix, sample shape) of `datasets`, in order from
    one generator seeded `seed`: <prefix>_calib.npy (32) and <prefix>_inputs.npy (4), uniform
    in [-1, 1)."""
    os.makedirs(out, exist_ok=True)
    for make in models:
        with open(os.path.join(out, make.__name__ + ".onnx"), "wb") as f:
            f.write(make().SerializeToString())
    for name, m in errors.items():
        with open(os.path.join(out, f"err_{name}.onnx"), "wb") as f:
            f.write(m.SerializeToString())
    rng = np.random.default_rng(seed)
    for prefix, shape in datasets:
        for kind, n in (("calib", 32), ("inputs", 4)):
            np.save(os.path.join(out, "%s_%s.npy" % (prefix, kind)),
                    rng.uniform(-1.0, 1.0, (n,) + tuple(shape)).astype(np.float32))
