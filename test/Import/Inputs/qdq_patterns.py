#!/usr/bin/python3
"""Small QDQ models, one per export pattern PyTorch writes and ONNX Runtime runs (issue #13):

  qdq_cast       a no-op Cast (uint8 -> uint8) between every QuantizeLinear and its
                 DequantizeLinear, and the bias's DequantizeLinear with a one-element 1-D scale,
                 axis 0 and a zero point Cast(ConstantOfShape([C])) of int32 zeros
  qdq_relu_q     DequantizeLinear -> Relu -> QuantizeLinear (an unfused ReLU, same grid)
  qdq_relu_conv  a Relu between a QDQ pair and the next Conv (no QuantizeLinear after it)
  qdq_pad_first  a zero Pad before the first QuantizeLinear (a float op before the QDQ region)
  err_cast_int8  a Cast of uint8 codes to int8 (not a no-op: an error)
  err_bias_zp    a one-element bias scale with zero points that differ (an error)

  qdq_patterns.py OUTDIR [--inputs N]   also writes NAME.x.npy, N random inputs per model

Conv weights int8 per output channel (He-initialised, fixed seed), activations uint8; input
[1, 2, 8, 8] uniform in [-1, 1).
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


class Graph:
    def __init__(self, name, seed):
        self.name, self.nodes, self.inits = name, [], []
        self.rng = np.random.default_rng(seed)

    def init(self, value, dtype):
        name = "k%d" % len(self.inits)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def op(self, op_type, inputs, name=None, **attrs):
        name = name or "%s_%d" % (op_type.lower(), len(self.nodes))
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def q(self, x, scale, zp=0, cast=False):
        """QuantizeLinear -> [Cast to uint8] -> DequantizeLinear on a uint8 grid."""
        s, z = self.init(scale, np.float32), self.init(zp, np.uint8)
        codes = self.op("QuantizeLinear", [x, s, z])
        if cast:
            codes = self.op("Cast", [codes], to=TensorProto.UINT8)
        return self.op("DequantizeLinear", [codes, s, z])

    def conv(self, x, cin, cout, in_scale, bias_pattern="per-channel"):
        w = self.rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (9 * cin))
        w_scale = np.abs(w).reshape(cout, -1).max(1) / 127
        wq = np.round(w / w_scale[:, None, None, None]).astype(np.int8)
        wd = self.op("DequantizeLinear", [self.init(wq, np.int8), self.init(w_scale, np.float32),
                                          self.init(np.zeros(cout), np.int8)], axis=0)
        bias = self.rng.uniform(-0.1, 0.1, cout)
        if bias_pattern == "one-scale":
            # A per-tensor bias scale written per axis: scale [1], axis 0, zero point
            # Cast(ConstantOfShape([1])) to int32, for a bias of C values.
            b_scale = float(in_scale * w_scale.max())
            zeros = self.op("Cast", [self.op("ConstantOfShape", [self.init([1], np.int64)])], to=TensorProto.INT32)
            bd = self.op("DequantizeLinear", [self.init(np.round(bias / b_scale), np.int32),
                                              self.init([b_scale], np.float32), zeros], axis=0)
        elif bias_pattern == "bad-zp":
            bd = self.op("DequantizeLinear", [self.init(np.zeros(cout), np.int32), self.init([0.01], np.float32),
                                              self.init(np.arange(cout), np.int32)], axis=0)
        else:
            b_scale = in_scale * w_scale
            bd = self.op("DequantizeLinear", [self.init(np.round(bias / b_scale), np.int32),
                                              self.init(b_scale, np.float32), self.init(np.zeros(cout), np.int32)],
                         axis=0)
        return self.op("Conv", [x, wd, bd], pads=[1, 1, 1, 1])

    def model(self, out):
        g = helper.make_graph(self.nodes, self.name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="mpq-test")
        m.ir_version = 8
        return m


IN, MID, OUT = 1 / 128, 0.02, 0.04  # input, hidden and output scales


def models():
    ms = {}
    g = Graph("qdq_cast", 1)
    x = g.q("x", IN, 128, cast=True)
    y = g.q(g.op("Relu", [g.conv(x, 2, 4, IN, "one-scale")]), MID, cast=True)
    ms["qdq_cast"] = g.model(g.q(g.conv(y, 4, 3, MID, "one-scale"), OUT, 128, cast=True))

    g = Graph("qdq_relu_q", 2)
    c = g.q(g.conv(g.q("x", IN, 128), 2, 4, IN), MID, 100)        # conv output on a grid with zp 100
    r = g.q(g.op("Relu", [c]), MID, 100)                          # DQ -> Relu -> Q on the same grid
    ms["qdq_relu_q"] = g.model(g.q(g.conv(r, 4, 3, MID), OUT, 128))

    g = Graph("qdq_relu_conv", 3)
    c = g.q(g.conv(g.q("x", IN, 128), 2, 4, IN), MID, 100)
    ms["qdq_relu_conv"] = g.model(g.q(g.conv(g.op("Relu", [c]), 4, 3, MID), OUT, 128))

    g = Graph("qdq_pad_first", 4)
    p = g.op("Pad", ["x", g.init([0, 0, 1, 1, 0, 0, 1, 1], np.int64)])
    x = g.q(p, IN, 128)
    ms["qdq_pad_first"] = g.model(g.q(g.conv(g.q(g.op("Relu", [g.conv(x, 2, 4, IN)]), MID), 4, 3, MID), OUT, 128))

    g = Graph("err", 5)
    s, z = g.init(IN, np.float32), g.init(128, np.uint8)
    codes = g.op("Cast", [g.op("QuantizeLinear", ["x", s, z])], name="to_int8", to=TensorProto.INT8)
    ms["err_cast_int8"] = g.model(g.op("DequantizeLinear", [codes, g.init(IN, np.float32), g.init(0, np.int8)]))

    g = Graph("err", 6)
    ms["err_bias_zp"] = g.model(g.conv(g.q("x", IN, 128), 2, 4, IN, "bad-zp"))
    return ms


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--inputs", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, m in models().items():
        with open(os.path.join(args.outdir, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
        if args.inputs and not name.startswith("err_"):
            np.save(os.path.join(args.outdir, name + ".x.npy"),
                    rng.uniform(-1, 1, (args.inputs, 2, 8, 8)).astype(np.float32))


if __name__ == "__main__":
    main()
