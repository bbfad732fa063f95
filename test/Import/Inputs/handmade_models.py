#!/usr/bin/python3
"""Hand-computable ONNX models (and error cases) for mpq's import tests.

  handmade_models.py OUTDIR   writes every model below into OUTDIR
"""

import os
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

QONNX = "qonnx.custom_op.general"


def model(name, nodes, inputs, outputs, inits, qonnx=False):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
                          [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
                          initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    opsets = [helper.make_opsetid("", 13)] + ([helper.make_opsetid(QONNX, 1)] if qonnx else [])
    m = helper.make_model(g, opset_imports=opsets, producer_name="mpq-test")
    m.ir_version = 8
    return m


def quant(x, name, scale, zp, bits, **attrs):
    return helper.make_node("Quant", [x, name + ".s", name + ".z", name + ".b"], [name], name=name, domain=QONNX,
                            **attrs), {name + ".s": np.asarray(scale, np.float32),
                                       name + ".z": np.asarray(zp, np.float32),
                                       name + ".b": np.asarray(bits, np.float32)}


def models():
    ms = {}
    # Conv with W[o, i, h, w] = 8o + 4i + 2h + w: OHWI order is 0 4 1 5 2 6 3 7 | 8 12 9 13 ...
    w = np.arange(16, dtype=np.float32).reshape(2, 2, 2, 2)
    ms["hand_conv"] = model("hand_conv", [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
                            [("x", [1, 2, 3, 3])], ["y"], {"w": w})
    # Gemm: y = 0.5 x B^T + 2 C with B = [[1,2,3],[4,5,6]], C = [1, -1].
    ms["hand_gemm"] = model("hand_gemm", [helper.make_node("Gemm", ["x", "b", "c"], ["y"], name="fc", transB=1,
                                                           alpha=0.5, beta=2.0)],
                            [("x", [1, 3])], ["y"], {"b": np.array([[1, 2, 3], [4, 5, 6]], np.float32),
                                                     "c": np.array([1, -1], np.float32)})
    # Gemm without transB: W = B^T.
    ms["hand_gemm_notrans"] = model("hand_gemm_notrans", [helper.make_node("Gemm", ["x", "b"], ["y"], name="fc")],
                                    [("x", [1, 3])], ["y"], {"b": np.array([[1, 2], [3, 4], [5, 6]], np.float32)})
    # Sub and Div by per-channel constants after a conv (NHWC inside): x - [2, 4] -> add [-2, -4];
    # then / [2, 4] -> mul [0.5, 0.25], both reshaped to [1, 1, 1, 2].
    ms["hand_sub_div"] = model("hand_sub_div", [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Sub", ["c", "k"], ["s"], name="sub"),
        helper.make_node("Div", ["s", "k"], ["y"], name="div")],
        [("x", [1, 2, 3, 3])], ["y"], {"w": w[:, :, :1, :1].copy(), "k": np.array([2, 4], np.float32).reshape(1, 2, 1, 1)})
    # Quantized weights: int8 [-3, 5] with scales [0.5, 0.25], zero points [1, -1] on axis 0 dequantize to
    # [-2, 1.5]; the int32 bias [8, -4] with scales [0.125, 0.25] to [1, -1].
    ms["hand_dq_weights"] = model("hand_dq_weights", [
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], name="w_dq", axis=0),
        helper.make_node("DequantizeLinear", ["bq", "bs", "bz"], ["bd"], name="b_dq", axis=0),
        helper.make_node("Conv", ["x", "wd", "bd"], ["y"], name="conv")],
        [("x", [1, 1, 2, 2])], ["y"], {
            "wq": np.array([-3, 5], np.int8).reshape(2, 1, 1, 1), "ws": np.array([0.5, 0.25], np.float32),
            "wz": np.array([1, -1], np.int8), "bq": np.array([8, -4], np.int32),
            "bs": np.array([0.125, 0.25], np.float32), "bz": np.zeros(2, np.int32)})
    # QONNX: per-channel 3-bit weights (scale [C,1,1,1] -> axis 0), FLOOR rounding, unsigned 2-bit acts.
    nq, iq = quant("w", "wq", np.array([0.5, 0.25], np.float32).reshape(2, 1, 1, 1), 0.0, 3, signed=1, narrow=1,
                   rounding_mode="ROUND")
    na, ia = quant("c", "aq", 0.125, 1.0, 2, signed=0, narrow=0, rounding_mode="FLOOR")
    ms["hand_qonnx"] = model("hand_qonnx", [nq, helper.make_node("Conv", ["x", "wq"], ["c"], name="conv"), na],
                             [("x", [1, 2, 3, 3])], ["aq"], dict(w=w, **iq, **ia), qonnx=True)
    # QONNX Gemm whose bias is a 32-bit Quant (a QAT export's int32 bias): [1.5, -0.75] on the grid
    # [0.5, 0.25] (codes 3, -3); the bias operand is that fake_quant.
    nb, ib = quant("b", "bq", np.array([0.5, 0.25], np.float32), 0.0, 32, signed=1, narrow=0, rounding_mode="ROUND")
    ms["hand_qonnx_bias"] = model("hand_qonnx_bias", [nb, helper.make_node("Gemm", ["x", "w", "bq"], ["y"],
                                                                           name="fc", transB=1)],
                                  [("x", [1, 3])], ["y"], dict(w=np.ones((2, 3), np.float32),
                                                               b=np.array([1.5, -0.75], np.float32), **ib),
                                  qonnx=True)

    # Errors.
    nb, ib = quant("x", "q", 0.1, 0.0, 4, rounding_mode="CEIL")
    ms["err_qonnx_rounding"] = model("err", [nb], [("x", [1, 4])], ["q"], ib, qonnx=True)
    nb, ib = quant("x", "q", 0.1, 0.5, 4)
    ms["err_qonnx_zero_point"] = model("err", [nb], [("x", [1, 4])], ["q"], ib, qonnx=True)
    nb, ib = quant("x", "q", 0.1, 0.0, 2.5)
    ms["err_qonnx_bitwidth"] = model("err", [nb], [("x", [1, 4])], ["q"], ib, qonnx=True)
    # 32 bits is a bias's int32 grid: on a constant only.
    nb, ib = quant("x", "q", 0.1, 0.0, 32)
    ms["err_qonnx_bits32"] = model("err", [nb], [("x", [1, 4])], ["q"], ib, qonnx=True)
    ms["err_avgpool_ceil"] = model("err", [helper.make_node("AveragePool", ["x"], ["y"], name="pool",
                                                            kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)],
                                   [("x", [1, 2, 5, 5])], ["y"], {})
    ms["err_requantize"] = model("err", [
        helper.make_node("QuantizeLinear", ["x", "s1"], ["q"], name="q"),
        helper.make_node("DequantizeLinear", ["q", "s2"], ["y"], name="dq")],
        [("x", [1, 4])], ["y"], {"s1": np.array(0.1, np.float32), "s2": np.array(0.2, np.float32)})
    ms["err_pad_reflect"] = model("err", [helper.make_node("Pad", ["x", "p"], ["y"], name="pad", mode="reflect")],
                                  [("x", [1, 4])], ["y"], {"p": np.array([0, 1, 0, 1], np.int64)})
    # Several unsupported op types, one of them used twice and one in a custom domain, and a Conv whose
    # weight is missing: the one error lists every unsupported op before anything is imported.
    g = helper.make_graph([
        helper.make_node("Erf", ["x"], ["e1"], name="erf1"),
        helper.make_node("Einsum", ["e1"], ["m"], name="mix", equation="ij->ij"),
        helper.make_node("Conv", ["m", "missing_weight"], ["c"], name="conv"),
        helper.make_node("Erf", ["c"], ["e2"], name="erf2"),
        helper.make_node("MyOp", ["e2"], ["custom_out"], domain="com.example")],
        "err", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("custom_out", TensorProto.FLOAT, None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    m.ir_version = 8
    ms["err_unsupported_many"] = m
    # An activation op on a constant that the constant folder does not
    # evaluate: Softmax, and Pad (whose check follows its mode's).
    ms["err_constant_softmax"] = model("err_constant_softmax", [
        helper.make_node("Softmax", ["k"], ["s"], name="softmax"),
        helper.make_node("Add", ["x", "s"], ["y"], name="add")],
        [("x", [1, 4])], ["y"], {"k": np.array([[1, 2, 3, 4]], np.float32)})
    ms["err_constant_pad"] = model("err_constant_pad", [
        helper.make_node("Pad", ["k", "pads"], ["p"], name="pad"),
        helper.make_node("Add", ["x", "p"], ["y"], name="add")],
        [("x", [1, 6])], ["y"], {"k": np.array([[1, 2, 3, 4]], np.float32),
                                 "pads": np.array([0, 1, 0, 1], np.int64)})
    # Symbolic dimensions for --input-shape: a tf2onnx-style name with a ':' and a symbolic time axis
    # (a keyword-spotting input, 49 frames of 10 features), and in sym_kws a second input with a
    # symbolic width (mpqc compiles sym_kws1, which has the first input only).
    for name, aux in (("sym_kws", True), ("sym_kws1", False)):
        nodes = [helper.make_node("Conv", ["input_1:0", "kw"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                 helper.make_node("Relu", ["c"], ["r"], name="relu"),
                 helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
                 helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
                 helper.make_node("Gemm", ["f", "fw"], ["y"], name="fc", transB=1)]
        inputs = [helper.make_tensor_value_info("input_1:0", TensorProto.FLOAT, ["batch", 1, "time", 10])]
        outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
        if aux:
            nodes.append(helper.make_node("Relu", ["aux"], ["z"], name="aux_relu"))
            inputs.append(helper.make_tensor_value_info("aux", TensorProto.FLOAT, [1, "width"]))
            outputs.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, None))
        g = helper.make_graph(nodes, name, inputs, outputs, initializer=[
            numpy_helper.from_array(np.linspace(-1, 1, 36, dtype=np.float32).reshape(4, 1, 3, 3), "kw"),
            numpy_helper.from_array(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4), "fw")])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        ms[name] = m
    return ms


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, m in models().items():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
