#!/usr/bin/python3
"""Small ONNX models for the row normalizations mpq computes with integers:
LayerNormalization (as one node, and as the subgraph torch writes for it
below opset 17) and Softmax inside the graph (not the final one, which is
left to the caller), plus models whose attributes the importer or the
compiler must refuse.

MLP models take x [1, 16]: fc1 (Gemm 16 -> 32) first, so the op under test
reads a computed activation, and fc2 (32 -> 10) after it. Image models take
x [1, 3, 8, 8]: conv1 (3x3, 3 -> 8, pad 1) first, conv2 (3x3, 8 -> 4) after.
He-initialised weights, layer-norm scales around 1 and biases around 0
(fixed seeds). `--out DIR` writes:
  rn_ln_op.onnx          fc1 -> LayerNormalization (opset 17) -> Relu -> fc2
  rn_ln_pattern.onnx     the same, as torch.onnx.export writes LayerNorm at
                         opset 13: ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div
                         then Mul by the scale and Add of the bias (Constant
                         nodes for 2 and epsilon)
  rn_ln_plain.onnx       the pattern without scale and bias
                         (elementwise_affine=False), eps 1e-3
  rn_softmax_mid.onnx    fc1 -> Softmax -> fc2 (a softmax inside the graph)
  rn_softmax_channels.onnx  conv1 -> Softmax over the channels (axis 1) ->
                         conv2
  rn_softmax_qdq.onnx    fc1 -> Softmax -> QuantizeLinear/DequantizeLinear
                         (1/256, 0: the output grid of integer runtimes) ->
                         fc2
  rn_mlp_calib.npy / rn_mlp_inputs.npy   32 / 4 inputs [., 16], uniform [-1, 1)
  rn_img_calib.npy / rn_img_inputs.npy   32 / 4 inputs [., 3, 8, 8]
  err_<name>.onnx        one unsupported use each:
    ln_axis               LayerNormalization over axes 2..3 of conv1's output
    ln_mean_output        LayerNormalization whose Mean output is used
    ln_epsilon            LayerNormalization with a negative epsilon
    softmax_axis          Softmax over the rows (axis 2) of conv1's output,
                          inside the graph: imports, but has no integer form
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

import onnx_graph  # noqa: E402


class Graph(onnx_graph.Graph):
    def __init__(self, name, seed, opset=13, image=False):
        super().__init__(name, seed, opset, (1, 3, 8, 8) if image else (1, 16))

    def constant_node(self, name, value):
        """A Constant node, as torch writes scalars."""
        self.nodes.append(helper.make_node(
            "Constant", [], [name], name=name,
            value=numpy_helper.from_array(np.asarray(value, np.float32), name)))
        return name

    def affine(self, n):
        scale = (1.0 + 0.3 * self.rng.standard_normal(n)).astype(np.float32)
        bias = (0.2 * self.rng.standard_normal(n)).astype(np.float32)
        return scale, bias

    def layer_norm_pattern(self, x, prefix, eps, scale=None, bias=None):
        """torch.onnx.export's LayerNorm below opset 17."""
        m = self.node("ReduceMean", [x], prefix + "/ReduceMean", axes=[-1])
        d = self.node("Sub", [x, m], prefix + "/Sub")
        p = self.node("Pow", [d, self.constant_node(prefix + "/Constant", 2.0)], prefix + "/Pow")
        v = self.node("ReduceMean", [p], prefix + "/ReduceMean_1", axes=[-1])
        a = self.node("Add", [v, self.constant_node(prefix + "/Constant_1", eps)], prefix + "/Add")
        s = self.node("Sqrt", [a], prefix + "/Sqrt")
        y = self.node("Div", [d, s], prefix + "/Div")
        if scale is not None:
            y = self.node("Mul", [y, self.const(prefix + ".weight", scale)], prefix + "/Mul")
            y = self.node("Add", [y, self.const(prefix + ".bias", bias)], prefix + "/Add_1")
        return y


def rn_ln_op():
    g = Graph("rn_ln_op", 1, opset=17)
    h = g.fc("x", "fc1", 16, 32)
    scale, bias = g.affine(32)
    h = g.node("LayerNormalization", [h, g.const("ln.weight", scale), g.const("ln.bias", bias)],
               "ln", axis=-1, epsilon=1e-5)
    h = g.node("Relu", [h], "relu")
    return g.model(g.fc(h, "fc2", 32, 10), [1, 10])


def rn_ln_pattern():
    g = Graph("rn_ln_pattern", 1, opset=13)
    h = g.fc("x", "fc1", 16, 32)
    scale, bias = g.affine(32)
    h = g.layer_norm_pattern(h, "/ln", 1e-5, scale, bias)
    h = g.node("Relu", [h], "relu")
    return g.model(g.fc(h, "fc2", 32, 10), [1, 10])


def rn_ln_plain():
    g = Graph("rn_ln_plain", 2, opset=13)
    h = g.fc("x", "fc1", 16, 32)
    h = g.layer_norm_pattern(h, "/norm", 1e-3)
    return g.model(g.fc(h, "fc2", 32, 10), [1, 10])


def rn_softmax_mid():
    g = Graph("rn_softmax_mid", 3)
    h = g.fc("x", "fc1", 16, 32)
    h = g.node("Softmax", [h], "softmax", axis=-1)
    return g.model(g.fc(h, "fc2", 32, 10), [1, 10])


def rn_softmax_channels():
    g = Graph("rn_softmax_channels", 4, image=True)
    h = g.conv("x", "conv1", 3, 8)
    h = g.node("Softmax", [h], "softmax", axis=1)
    return g.model(g.conv(h, "conv2", 8, 4), [1, 4, 8, 8])


def rn_softmax_qdq():
    g = Graph("rn_softmax_qdq", 3)
    h = g.fc("x", "fc1", 16, 32)
    h = g.node("Softmax", [h], "softmax", axis=-1)
    s, z = g.const("sm.scale", np.float32(1.0 / 256)), g.const("sm.zp", np.uint8(0))
    h = g.node("QuantizeLinear", [h, s, z], "sm_q")
    h = g.node("DequantizeLinear", [h, s, z], "sm_dq")
    return g.model(g.fc(h, "fc2", 32, 10), [1, 10])


def errors():
    out = {}
    g = Graph("err_ln_axis", 5, opset=17, image=True)
    h = g.conv("x", "conv1", 3, 8)
    out["ln_axis"] = g.model(g.node("LayerNormalization", [h, g.const("w", np.ones((8, 8), np.float32))],
                                    "ln", axis=2), [1, 8, 8, 8])
    g = Graph("err_ln_mean_output", 5, opset=17)
    h = g.fc("x", "fc1", 16, 32)
    g.node("LayerNormalization", [h, g.const("w", np.ones(32, np.float32))], "ln",
           outputs=["ln", "ln_mean"], axis=-1)
    out["ln_mean_output"] = g.model("ln_mean", [1, 1])
    g = Graph("err_ln_epsilon", 5, opset=17)
    h = g.fc("x", "fc1", 16, 32)
    out["ln_epsilon"] = g.model(g.node("LayerNormalization", [h, g.const("w", np.ones(32, np.float32))],
                                       "ln", axis=-1, epsilon=-1e-5), [1, 32])
    g = Graph("err_softmax_axis", 5, image=True)
    h = g.conv("x", "conv1", 3, 8)
    h = g.node("Softmax", [h], "softmax", axis=2)
    out["softmax_axis"] = g.model(g.conv(h, "conv2", 8, 4), [1, 4, 8, 8])
    return out


MODELS = [rn_ln_op, rn_ln_pattern, rn_ln_plain, rn_softmax_mid, rn_softmax_channels,
          rn_softmax_qdq]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    onnx_graph.write_all(args.out, MODELS, errors(), 11, [("rn_mlp", (16,)), ("rn_img", (3, 8, 8))])


if __name__ == "__main__":
    main()
