#!/usr/bin/python3
"""Models whose constant subgraphs the importer must fold, with hand-computed results.

  fold_models.py OUTDIR   writes every model below into OUTDIR, plus for each model NAME
                          NAME.in.npy (its input) and NAME.expected.npy (the output, computed
                          here with numpy from hand-written values, not by evaluating the graph)

Each model feeds the folded constants into one op on the input "x", so the folded values show in
the imported IR (test/Import/fold.test checks them with FileCheck) and in the output (compared with
mpq-eval here and with ONNX Runtime in fold-ort.test). Models whose name starts with err_ must fail.
"""

import os
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import torch  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

INT64_MAX = 2**63 - 1


class Graph:
    def __init__(self, name, x_shape, opset=13):
        self.name, self.x_shape, self.opset = name, list(x_shape), opset
        self.nodes, self.inits = [], []

    def const(self, value, dtype=np.int64):
        """A Constant node (as exporters write them), returning its output name."""
        out = "c%d" % len(self.nodes)
        self.nodes.append(helper.make_node("Constant", [], [out], name=out,
                                           value=numpy_helper.from_array(np.asarray(value, dtype))))
        return out

    def init(self, value, dtype=np.int64):
        out = "i%d" % len(self.inits)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), out))
        return out

    def op(self, op_type, inputs, n_out=1, **attrs):
        name = "%s_%d" % (op_type.lower(), len(self.nodes))
        outs = [name if n_out == 1 else "%s_%d" % (name, i) for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def model(self, output):
        g = helper.make_graph(self.nodes, self.name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.x_shape)],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)], initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)], producer_name="mpq-test")
        m.ir_version = 8
        return m


def pad_chain():
    """tf2onnx-style SAME padding of a 7x9 image to 12x12: pads from Shape/Slice/Sub/Div/Concat/Cast."""
    g = Graph("fold_pad_chain", [1, 3, 7, 9])
    hw = g.op("Slice", [g.op("Shape", ["x"]), g.const([2]), g.const([4]), g.const([0])])   # [7, 9]
    total = g.op("Sub", [g.const([12, 12]), hw])                                          # [5, 3]
    begin = g.op("Div", [total, g.const(2)])                                              # [2, 1]
    end = g.op("Sub", [total, begin])                                                     # [3, 2]
    zeros = g.op("ConstantOfShape", [g.const([2])], value=numpy_helper.from_array(np.zeros(1, np.int64)))
    pads = g.op("Cast", [g.op("Concat", [zeros, begin, zeros, end], axis=0)], to=TensorProto.INT64)
    y = g.op("Pad", ["x", pads])
    return g.model(y), lambda x: np.pad(x, ((0, 0), (0, 0), (2, 3), (1, 2)))


def torch_pad_pattern():
    """torch.onnx's F.pad(x, (1, 2, 3, 4)) pattern (opset 13, no constant folding): pads reversed by
    Reshape / Slice with step -1 from INT64_MAX / Transpose / Reshape."""
    g = Graph("fold_torch_pad", [1, 2, 5, 6])
    pad = g.const([1, 2, 3, 4])
    n = g.op("Sub", [g.op("Mul", [g.const(4), g.const(2)]),
                     g.op("Gather", [g.op("Shape", [pad]), g.const(0)])])                 # 8 - 4
    full = g.op("Concat", [pad, g.op("ConstantOfShape", [g.op("Unsqueeze", [n, g.const([0])])],
                                     value=numpy_helper.from_array(np.zeros(1, np.int64)))], axis=0)
    pairs = g.op("Reshape", [full, g.const([-1, 2])])
    rev = g.op("Slice", [pairs, g.const([-1]), g.const([-INT64_MAX]), g.const([0]), g.const([-1])])
    flat = g.op("Reshape", [g.op("Transpose", [rev], perm=[1, 0]), g.const([-1])])
    y = g.op("Pad", ["x", g.op("Cast", [flat], to=TensorProto.INT64)])
    return g.model(y), lambda x: np.pad(x, ((0, 0), (0, 0), (3, 4), (1, 2)))


def reshape_chain():
    """x.view(N, -1) written out: Shape/Gather/Slice/ReduceProd/Unsqueeze/Concat -> Reshape [1, 60]."""
    g = Graph("fold_reshape_chain", [1, 4, 3, 5])
    shape = g.op("Shape", ["x"])
    batch = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(0)]), g.const([0])])
    rest = g.op("ReduceProd", [g.op("Slice", [shape, g.const([1]), g.const([INT64_MAX])])], keepdims=1)
    y = g.op("Reshape", ["x", g.op("Concat", [batch, rest], axis=0)])
    return g.model(y), lambda x: x.reshape(1, 60)


def arithmetic():
    """Range/Cast/Mul/Pow/Sqrt/Neg/Abs/Mod/Equal/Where/Expand on constants, added to x [1, 2, 6]:
    r = 0..5, |-sqrt((0.5 r)^2)| = 0.5 r, where r is even else 10: [0, 10, 1, 10, 2, 10]."""
    g = Graph("fold_arithmetic", [1, 2, 6])
    r = g.op("Range", [g.const(0), g.const(6), g.const(1)])
    half = g.op("Mul", [g.op("Cast", [r], to=TensorProto.FLOAT), g.const(0.5, np.float32)])
    back = g.op("Abs", [g.op("Neg", [g.op("Sqrt", [g.op("Pow", [half, g.const(2.0, np.float32)])])])])
    even = g.op("Equal", [g.op("Mod", [r, g.const(2)]), g.const(0)])
    k = g.op("Where", [even, back, g.const(10.0, np.float32)])
    y = g.op("Add", ["x", g.op("Expand", [k, g.const([2, 6])])])
    return g.model(y), lambda x: x + np.array([0, 10, 1, 10, 2, 10], np.float32)


def integers():
    """Split/Squeeze/ReduceSum/Min/Max/Div/Tile/Transpose/Identity/Not/Less on integer constants.
    s = [3, -7, 4, 10, 2, 6] splits into a = [3, -7], b = [4, 10, 2, 6];
    sum(b) = 22, Div(a, 2) = [1, -3] (truncation), Min(a, [0, 0]) = [0, -7], Max(-7, 0) = 0,
    Less(a, 0) = [F, T], Not -> [T, F], Where(., 100, -100) = [100, -100];
    Concat [22, 1, -3, 0, -7, 100, -100] ... Tile x2 of [22, 1, -3] = [22, 1, -3, 22, 1, -3]."""
    g = Graph("fold_integers", [1, 6])
    a, b = g.op("Split", [g.init([3, -7, 4, 10, 2, 6]), g.const([2, 4])], n_out=2, axis=0)
    total = g.op("ReduceSum", [b, g.const([0])], keepdims=1)                              # [22]
    half = g.op("Div", [a, g.const(2)])                                                   # [1, -3]
    lo = g.op("Min", [a, g.const([0, 0])])                                                # [0, -7]
    hi = g.op("Max", [g.op("Squeeze", [g.op("Slice", [lo, g.const([1]), g.const([2])]), g.const([0])]),
                      g.const(0)])                                                        # 0
    sel = g.op("Where", [g.op("Not", [g.op("Less", [a, g.const(0)])]), g.const([100, 100]), g.const(-100)])
    first = g.op("Tile", [g.op("Concat", [total, half], axis=0), g.const([2])])           # [22,1,-3,22,1,-3]
    row = g.op("Identity", [g.op("Transpose", [g.op("Unsqueeze", [first, g.const([1])])], perm=[1, 0])])
    bias = g.op("Add", [row, g.op("Unsqueeze", [hi, g.const([0])])])                      # + 0
    mul = g.op("Mul", [g.op("Cast", [bias], to=TensorProto.FLOAT),
                       g.op("Cast", [g.op("ReduceMax", [sel], keepdims=0)], to=TensorProto.FLOAT)])
    y = g.op("Add", ["x", mul])
    return g.model(y), lambda x: x + 100 * np.array([[22, 1, -3, 22, 1, -3]], np.float32)


def more_ops():
    """The other evaluators on constants, each result one entry of a vector added to x [1, 16]:
    v = [-2.5, -0.5, 0.5, 2.5]; Floor/Ceil/Round(v) = [-3,-1,0,2] / [-2,0,1,3] / [-2,-0,0,2] (halves to
    even); ReduceMean/Min/Max(v) = 0, -2.5, 2.5; Sign(v) sums to 0; Reciprocal(0.5) = 2; Exp(Log(4)) = 4;
    Sum(v, 1) and Mean(v, 1) at index 3 = 3.5, 1.75; Clip(v, -1, 1) sums to 0 and at index 0 is -1;
    Greater(v, 0) And LessOrEqual(v, 0.5) = [F,F,T,F], Or/Xor with Less(v,-1) = [T,F,T,F] / [T,F,T,F]
    (counted: 2, 2); Size(x) = 16; Pow(3, 4) = 81 (int); Mod(-7, 3) = 2 (int, divisor's sign),
    fmod(-7.5, 2) = -1.5; Range(0.5, 2, 0.5) = [0.5, 1, 1.5] sums to 3; Tile([1, 2], 3) sums to 9."""
    g = Graph("fold_more", [1, 16])
    f = np.float32
    v = g.const([-2.5, -0.5, 0.5, 2.5], f)
    pick = lambda t, i: g.op("Gather", [t, g.const([i])])                                  # noqa: E731
    tofloat = lambda t: g.op("Cast", [t], to=TensorProto.FLOAT)                            # noqa: E731
    count = lambda t: g.op("ReduceSum", [tofloat(t), g.const([0])], keepdims=1)           # noqa: E731
    parts = [
        pick(g.op("Floor", [v]), 0), pick(g.op("Ceil", [v]), 1), pick(g.op("Round", [v]), 3),
        g.op("ReduceMean", [v], keepdims=1), g.op("ReduceMin", [v], keepdims=1), g.op("ReduceMax", [v], keepdims=1),
        count(g.op("Sign", [v])), pick(g.op("Reciprocal", [v]), 2),
        g.op("Exp", [g.op("Log", [g.const([4.0], f)])]),
        pick(g.op("Sum", [v, g.const(1.0, f)]), 3), pick(g.op("Mean", [v, g.const(1.0, f)]), 3),
        pick(g.op("Clip", [v, g.const(-1.0, f), g.const(1.0, f)]), 0),
    ]
    sel = g.op("And", [g.op("Greater", [v, g.const(0.0, f)]), g.op("LessOrEqual", [v, g.const(0.5, f)])])
    less = g.op("Less", [v, g.const(-1.0, f)])
    parts.append(g.op("Add", [count(g.op("Or", [sel, less])), count(g.op("Xor", [sel, less]))]))  # 2 + 2
    parts.append(tofloat(g.op("Unsqueeze", [g.op("Size", ["x"]), g.const([0])])))
    ints = g.op("Add", [g.op("Pow", [g.const([3]), g.const(4)]), g.op("Mod", [g.const([-7]), g.const(3)])])  # 81 + 2
    parts.append(g.op("Add", [tofloat(ints), g.op("Mod", [g.const([-7.5], f), g.const(2.0, f)], fmod=1)]))  # 81.5
    rng = g.op("Range", [g.const(0.5, f), g.const(2.0, f), g.const(0.5, f)])
    tile = g.op("Tile", [g.const([1, 2]), g.const([3])])
    parts.append(g.op("Add", [g.op("ReduceSum", [rng, g.const([0])], keepdims=1), count(tile)]))  # 3 + 9
    y = g.op("Add", ["x", g.op("Unsqueeze", [g.op("Concat", parts, axis=0), g.const([0])])])
    expected = [-3, 0, 2, 0, -2.5, 2.5, 0, 2, 4, 3.5, 1.75, -1, 4, 16, 81.5, 12]
    return g.model(y), lambda x: x + np.array([expected], np.float32)


def torch_export():
    """A real torch.onnx.export without constant folding: F.pad and x.view(x.size(0), -1) write
    Shape/Gather/Mul/Sub/ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast/Unsqueeze chains."""
    class Net(torch.nn.Module):
        def forward(self, x):
            y = torch.nn.functional.pad(x, (1, 2, 3, 4))
            return y.view(y.size(0), -1) * 2.0
    import io
    buf = io.BytesIO()
    torch.onnx.export(Net().eval(), torch.randn(1, 2, 5, 6), buf, opset_version=13, do_constant_folding=False,
                      input_names=["x"], output_names=["y"])
    import onnx
    m = onnx.load_from_string(buf.getvalue())
    return m, lambda x: 2.0 * np.pad(x, ((0, 0), (0, 0), (3, 4), (1, 2))).reshape(1, -1)


def errors():
    ms = {}
    g = Graph("err", [1, 2])  # Where is folded only: a computed operand is an error
    ms["err_where_computed"] = g.model(g.op("Where", [g.const([True, False], np.bool_), "x", g.const(0.0, np.float32)]))
    g = Graph("err", [1, 2])
    ms["err_div_zero"] = g.model(g.op("Add", ["x", g.op("Cast", [g.op("Div", [g.const([7, 8]), g.const([1, 0])])],
                                                        to=TensorProto.FLOAT)]))
    g = Graph("err", [1, 2])
    ms["err_mul_overflow"] = g.model(g.op("Reshape", ["x", g.op("Mul", [g.const([INT64_MAX, 1]), g.const(2)])]))
    g = Graph("err", [1, 2])
    ms["err_range_huge"] = g.model(g.op("Reshape", ["x", g.op("Range", [g.const(0), g.const(10**12), g.const(1)])]))
    g = Graph("err", [1, 2])
    ms["err_expand_huge"] = g.model(g.op("Add", ["x", g.op("Expand", [g.const(1.0, np.float32),
                                                                      g.const([1, 100000, 100000])])]))
    g = Graph("err", [1, 2])
    ms["err_slice_step0"] = g.model(g.op("Reshape", ["x", g.op("Slice", [g.const([1, 2]), g.const([0]), g.const([2]),
                                                                         g.const([0]), g.const([0])])]))
    g = Graph("err", [1, 2])
    ms["err_split_sizes"] = g.model(g.op("Reshape", ["x", g.op("Split", [g.const([1, 2, 3]), g.const([1, 1])],
                                                               n_out=2)[0]]))
    g = Graph("err", [1, 2])
    ms["err_mixed_types"] = g.model(g.op("Add", ["x", g.op("Add", [g.const([1.0, 2.0], np.float32), g.const(1)])]))
    g = Graph("limit", [1, 2])  # imports, but not with a limit of 100 elements
    ms["limit_expand"] = g.model(g.op("Add", ["x", g.op("ReduceSum", [g.op("Expand", [g.const(1.0, np.float32),
                                                                                     g.const([1000])])],
                                                        keepdims=0)]))
    return ms


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(13)
    for fn in (pad_chain, torch_pad_pattern, reshape_chain, arithmetic, integers, more_ops, torch_export):
        m, expected = fn()
        name = m.graph.name if m.graph.name.startswith("fold_") else "fold_torch_export"
        m.graph.name = name
        shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
        x = rng.standard_normal(shape).astype(np.float32)
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
        np.save(os.path.join(out, name + ".in.npy"), x)
        np.save(os.path.join(out, name + ".expected.npy"), expected(x).astype(np.float32))
    for name, m in errors().items():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
