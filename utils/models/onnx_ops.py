#!/usr/bin/python3
"""Write one small ONNX model per importer feature, with npref expected outputs, plus error cases.

`--all OUTDIR` writes, for every feature case NAME, `op_NAME.onnx`, `op_NAME.in.npy` (a
fixed deterministic input, float32 standard normal) and `op_NAME.out.npy` (npref's
output for it), and the models an importer must reject with a clear message:
  err_unsupported_op.onnx       an LSTM node (valid ONNX, not a CNN op mpq supports)
  err_missing_initializer.onnx  Conv whose weight input no initializer/input/node provides
  err_dynamic_shape.onnx        input [1,3,height,width] with symbolic spatial dims
  err_bad_attr.onnx             Conv with auto_pad="FOO"
  err_truncated.onnx            op_conv_basic.onnx cut in half (protobuf parse fails)
  err_not_onnx.onnx             plain text
It prints a JSON manifest of everything written (also saved as OUTDIR/manifest.json).
`--only NAME[,NAME...] --out OUTDIR` writes just those models (NAME as in the file names,
e.g. op_conv_depthwise or err_truncated, with or without .onnx): what a lit RUN line uses.
Models are opset 13 unless the case says otherwise (op_clip_attr_opset6 is opset 6,
op_unsqueeze_opset11 and op_softmax_opset11 are opset 11).
"""

import argparse
import json
import os
import sys
import zlib

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netbuild  # noqa: E402
import npref  # noqa: E402

_NP_TO_ONNX = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
               np.dtype(np.int32): TensorProto.INT32, np.dtype(np.uint8): TensorProto.UINT8,
               np.dtype(np.int8): TensorProto.INT8, np.dtype(np.bool_): TensorProto.BOOL}


class Case:
    """One feature model: nodes over graph input "x" and initializers, output(s) named."""

    def __init__(self, name, in_shape, opset=13, doc=""):
        self.name = name
        self.in_shape = list(in_shape)
        self.opset = opset
        self.doc = doc
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes = []
        self.inits = []
        self.outputs = []

    def w(self, name, shape, scale=None, dtype=np.float32):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
        scale = np.sqrt(2.0 / max(fan_in, 1)) if scale is None else scale
        return self.const(name, (self.rng.standard_normal(shape) * scale).astype(dtype))

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(self, op, inputs, outputs, name=None, **attrs):
        outputs = [outputs] if isinstance(outputs, str) else outputs
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name or outputs[0], **attrs))
        return outputs[0]

    def out(self, *names):
        self.outputs.extend(names)
        return self

    def build(self, x):
        """Finish the model: output value_infos get npref's shapes and dtypes."""
        tmp_outputs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in self.outputs]
        g = helper.make_graph(self.nodes, self.name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.in_shape)],
                              tmp_outputs, initializer=self.inits)
        m = _model(g, self.opset)
        res = npref.run(m, {"x": x})
        del g.output[:]
        for o in self.outputs:
            g.output.append(helper.make_tensor_value_info(o, _NP_TO_ONNX[res[o].dtype], list(res[o].shape)))
        m = _model(g, self.opset)
        if self.doc:
            m.doc_string = self.doc
        return m


def _model(graph, opset):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="mpq-utils-models",
                          producer_version="1")
    m.ir_version = 8 if opset >= 13 else 7
    return m


# --------------------------------------------------------------------------- cases

X4 = [1, 4, 8, 8]


def _conv(name, w_shape, in_shape=X4, bias=True, **attrs):
    c = Case(name, in_shape, doc="Conv %s" % attrs)
    ins = ["x", c.w("w", w_shape)]
    if bias:
        ins.append(c.w("b", [w_shape[0]], scale=0.1))
    c.node("Conv", ins, "y", name="conv", **attrs)
    return c.out("y")


def _unary(name, op, in_shape=X4, opset=13, **attrs):
    c = Case(name, in_shape, opset)
    c.node(op, ["x"], "y", name=op.lower(), **attrs)
    return c.out("y")


def _binary(name, op, other_shape, positive=False):
    c = Case(name, X4)
    v = c.rng.standard_normal(other_shape).astype(np.float32)
    c.const("k", np.abs(v) + 0.5 if positive else v)
    c.node(op, ["x", "k"], "y", name=op.lower())
    return c.out("y")


def cases():
    cs = []
    # Conv variants.
    cs.append(_conv("conv_basic", [6, 4, 3, 3], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    cs.append(_conv("conv_nobias_1x1", [6, 4, 1, 1], bias=False))
    cs.append(_conv("conv_stride2_asym_pads", [6, 4, 3, 3], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]))
    cs.append(_conv("conv_dilation2", [6, 4, 3, 3], dilations=[2, 2], pads=[2, 2, 2, 2]))
    cs.append(_conv("conv_rect_kernel", [6, 4, 3, 1], kernel_shape=[3, 1], strides=[2, 1], pads=[1, 0, 1, 0]))
    cs.append(_conv("conv_depthwise", [4, 1, 3, 3], group=4, pads=[1, 1, 1, 1]))
    cs.append(_conv("conv_depthwise_stride2", [4, 1, 3, 3], group=4, strides=[2, 2], pads=[0, 0, 1, 1]))
    cs.append(_conv("conv_depthwise_multiplier2", [8, 1, 3, 3], group=4, pads=[1, 1, 1, 1]))
    cs.append(_conv("conv_grouped", [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1]))
    cs.append(_conv("conv_auto_pad_same_upper", [6, 4, 3, 3], auto_pad="SAME_UPPER", strides=[2, 2]))
    cs.append(_conv("conv_auto_pad_same_lower", [6, 4, 3, 3], auto_pad="SAME_LOWER", strides=[2, 2]))
    cs.append(_conv("conv_auto_pad_same_upper_even_kernel", [6, 4, 2, 2], auto_pad="SAME_UPPER"))
    cs.append(_conv("conv_auto_pad_valid", [6, 4, 3, 3], auto_pad="VALID"))
    cs.append(_conv("conv_input_1ch", [6, 1, 3, 3], in_shape=[1, 1, 8, 8], pads=[1, 1, 1, 1]))

    # Conv + BN + activation patterns the importer fuses.
    for act in ("relu", "relu6"):
        c = Case("conv_bn_" + act, X4)
        c.node("Conv", ["x", c.w("w", [6, 4, 3, 3])], "c", pads=[1, 1, 1, 1])
        bn = [c.const("scale", c.rng.uniform(0.5, 1.5, 6).astype(np.float32)),
              c.const("bias", c.rng.uniform(-0.5, 0.5, 6).astype(np.float32)),
              c.const("mean", c.rng.uniform(-0.5, 0.5, 6).astype(np.float32)),
              c.const("var", c.rng.uniform(0.5, 2.0, 6).astype(np.float32))]
        c.node("BatchNormalization", ["c"] + bn, "bn", epsilon=1e-3)
        if act == "relu":
            c.node("Relu", ["bn"], "y")
        else:
            c.node("Clip", ["bn", c.const("lo", np.array(0, np.float32)), c.const("hi", np.array(6, np.float32))], "y")
        cs.append(c.out("y"))

    # Gemm / MatMul.
    c = Case("gemm_transB", [1, 16])
    c.node("Gemm", ["x", c.w("w", [8, 16]), c.w("b", [8], 0.1)], "y", transB=1)
    cs.append(c.out("y"))
    c = Case("gemm_alpha_beta", [1, 16])
    c.node("Gemm", ["x", c.w("w", [16, 8]), c.w("b", [1, 8], 0.1)], "y", alpha=0.5, beta=2.0)
    cs.append(c.out("y"))
    c = Case("gemm_no_bias", [1, 16])
    c.node("Gemm", ["x", c.w("w", [8, 16])], "y", transB=1)
    cs.append(c.out("y"))
    c = Case("matmul", [1, 16])
    c.node("MatMul", ["x", c.w("w", [16, 8])], "y")
    cs.append(c.out("y"))
    c = Case("matmul_add", [1, 16])  # the Linear pattern of older PyTorch exports
    c.node("MatMul", ["x", c.w("w", [16, 8])], "mm")
    c.node("Add", ["mm", c.w("b", [8], 0.1)], "y")
    cs.append(c.out("y"))

    # BN and activations.
    c = Case("batchnorm", X4)
    bn = [c.const("scale", c.rng.uniform(0.5, 1.5, 4).astype(np.float32)),
          c.const("bias", c.rng.uniform(-0.5, 0.5, 4).astype(np.float32)),
          c.const("mean", c.rng.uniform(-0.5, 0.5, 4).astype(np.float32)),
          c.const("var", c.rng.uniform(0.5, 2.0, 4).astype(np.float32))]
    c.node("BatchNormalization", ["x"] + bn, "y", epsilon=1e-5)
    cs.append(c.out("y"))
    cs.append(_unary("relu", "Relu"))
    cs.append(_unary("clip_attr_opset6", "Clip", opset=6, min=0.0, max=1.0))
    c = Case("clip_inputs", X4)
    c.node("Clip", ["x", c.const("lo", np.array(-0.5, np.float32)), c.const("hi", np.array(1.0, np.float32))], "y")
    cs.append(c.out("y"))
    c = Case("clip_min_only", X4)
    c.node("Clip", ["x", c.const("lo", np.array(0.0, np.float32))], "y")
    cs.append(c.out("y"))
    c = Case("clip_max_only", X4)
    c.node("Clip", ["x", "", c.const("hi", np.array(0.5, np.float32))], "y")
    cs.append(c.out("y"))

    # Elementwise with broadcasting constants.
    cs.append(_binary("add_channel", "Add", [1, 4, 1, 1]))
    cs.append(_binary("add_same_shape", "Add", X4))
    cs.append(_binary("add_scalar", "Add", []))
    cs.append(_binary("mul_channel", "Mul", [1, 4, 1, 1]))
    cs.append(_binary("sub_channel", "Sub", [4, 1, 1]))
    cs.append(_binary("div_channel", "Div", [1, 4, 1, 1], positive=True))
    c = Case("add_two_branches", X4)  # residual-style Add of two computed tensors
    c.node("Conv", ["x", c.w("w1", [4, 4, 1, 1])], "a")
    c.node("Conv", ["x", c.w("w2", [4, 4, 3, 3])], "b", pads=[1, 1, 1, 1])
    c.node("Add", ["a", "b"], "y")
    cs.append(c.out("y"))

    # Pools.
    cs.append(_unary("maxpool_2x2", "MaxPool", kernel_shape=[2, 2], strides=[2, 2]))
    cs.append(_unary("maxpool_3x3_s2_pads", "MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    cs.append(_unary("maxpool_same_upper", "MaxPool", in_shape=[1, 4, 7, 7], kernel_shape=[2, 2], strides=[2, 2],
                     auto_pad="SAME_UPPER"))
    cs.append(_unary("maxpool_ceil_mode", "MaxPool", in_shape=[1, 4, 7, 7], kernel_shape=[2, 2], strides=[2, 2],
                     ceil_mode=1))
    cs.append(_unary("avgpool_2x2", "AveragePool", kernel_shape=[2, 2], strides=[2, 2]))
    cs.append(_unary("avgpool_pads_exclude", "AveragePool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
                     count_include_pad=0))
    cs.append(_unary("avgpool_pads_include", "AveragePool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
                     count_include_pad=1))
    cs.append(_unary("globalavgpool", "GlobalAveragePool"))

    # Shape ops.
    cs.append(_unary("flatten", "Flatten", axis=1))
    cs.append(_unary("flatten_axis0", "Flatten", axis=0))
    for nm, shp in (("reshape_minus1", [1, -1]), ("reshape_zero", [0, -1, 4]), ("reshape_zero_zero", [0, 0, -1])):
        c = Case(nm, X4)
        c.node("Reshape", ["x", c.const("shape", np.array(shp, np.int64))], "y")
        cs.append(c.out("y"))
    cs.append(_unary("transpose_nhwc", "Transpose", perm=[0, 2, 3, 1]))
    cs.append(_unary("transpose_default", "Transpose"))
    c = Case("pad_constant", X4)
    c.node("Pad", ["x", c.const("pads", np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64)),
                   c.const("value", np.array(0.5, np.float32))], "y", mode="constant")
    cs.append(c.out("y"))
    c = Case("pad_channels_zero", X4)  # BlazeFace-style channel padding without a value
    c.node("Pad", ["x", c.const("pads", np.array([0, 0, 0, 0, 0, 4, 0, 0], np.int64))], "y")
    cs.append(c.out("y"))
    c = Case("concat_channels", X4)
    c.node("Conv", ["x", c.w("w", [2, 4, 1, 1])], "a")
    c.node("Concat", ["x", "a", c.w("k", [1, 3, 8, 8], 1.0)], "y", axis=1)
    cs.append(c.out("y"))
    cs.append(_unary("softmax", "Softmax", in_shape=[1, 10]))
    cs.append(_unary("softmax_opset11", "Softmax", in_shape=[1, 10], opset=11, axis=1))
    cs.append(_unary("identity", "Identity"))
    cs.append(_unary("dropout", "Dropout"))

    # Constant subgraphs.
    c = Case("constant_node", X4)
    c.node("Constant", [], "k", value=numpy_helper.from_array(
        c.rng.standard_normal([1, 4, 1, 1]).astype(np.float32), "k"))
    c.node("Add", ["x", "k"], "y")
    cs.append(c.out("y"))
    c = Case("shape_gather_unsqueeze_concat_reshape", X4, doc="x.view(x.size(0), -1) as PyTorch exports it")
    c.node("Shape", ["x"], "shape")
    c.node("Constant", [], "zero", value=numpy_helper.from_array(np.array(0, np.int64), "zero"))
    c.node("Gather", ["shape", "zero"], "batch", axis=0)
    c.node("Unsqueeze", ["batch", c.const("axes0", np.array([0], np.int64))], "batch1")
    c.node("Constant", [], "minus1", value=numpy_helper.from_array(np.array([-1], np.int64), "minus1"))
    c.node("Concat", ["batch1", "minus1"], "newshape", axis=0)
    c.node("Reshape", ["x", "newshape"], "y")
    cs.append(c.out("y"))
    c = Case("constantofshape_concat", X4, doc="BlazeFace-style channel padding with zeros")
    c.node("Constant", [], "padshape", value=numpy_helper.from_array(np.array([1, 3, 8, 8], np.int64), "padshape"))
    c.node("ConstantOfShape", ["padshape"], "zeros", value=numpy_helper.from_array(np.array([0.0], np.float32), "v"))
    c.node("Concat", ["x", "zeros"], "y", axis=1)
    cs.append(c.out("y"))
    c = Case("shape_cast_mul", X4, doc="a constant computed from Shape and Cast")
    c.node("Shape", ["x"], "shape")
    c.node("Gather", ["shape", c.const("idx1", np.array(1, np.int64))], "channels", axis=0)
    c.node("Cast", ["channels"], "channels_f", to=TensorProto.FLOAT)
    c.node("Div", ["x", "channels_f"], "y")
    cs.append(c.out("y"))
    c = Case("unsqueeze", [1, 16])
    c.node("Unsqueeze", ["x", c.const("axes", np.array([2, 3], np.int64))], "y")
    cs.append(c.out("y"))
    c = Case("unsqueeze_opset11", [1, 16], opset=11)
    c.node("Unsqueeze", ["x"], "y", axes=[2, 3])
    cs.append(c.out("y"))

    # A small end-to-end net mixing the above.
    c = Case("small_net", [1, 3, 16, 16])
    c.node("Conv", ["x", c.w("w0", [8, 3, 3, 3]), c.w("b0", [8], 0.1)], "c0", strides=[2, 2], pads=[0, 0, 1, 1])
    c.node("Relu", ["c0"], "r0")
    c.node("Conv", ["r0", c.w("w1", [8, 1, 3, 3]), c.w("b1", [8], 0.1)], "c1", group=8, pads=[1, 1, 1, 1])
    c.node("Clip", ["c1", c.const("lo", np.array(0, np.float32)), c.const("hi", np.array(6, np.float32))], "r1")
    c.node("MaxPool", ["r1"], "p", kernel_shape=[2, 2], strides=[2, 2])
    c.node("GlobalAveragePool", ["p"], "g")
    c.node("Flatten", ["g"], "f")
    c.node("Gemm", ["f", c.w("wf", [5, 8]), c.w("bf", [5], 0.1)], "logits", transB=1)
    c.node("Softmax", ["logits"], "y", axis=1)
    cs.append(c.out("y"))
    return cs


# --------------------------------------------------------------------------- errors


ERROR_FILES = ("err_unsupported_op.onnx", "err_missing_initializer.onnx", "err_dynamic_shape.onnx",
               "err_bad_attr.onnx", "err_truncated.onnx", "err_not_onnx.onnx")


def error_models(conv_basic_bytes):
    errs = {}
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 8])
    rng = np.random.default_rng(7)
    w = numpy_helper.from_array(rng.standard_normal([1, 32, 8]).astype(np.float32), "W")
    r = numpy_helper.from_array(rng.standard_normal([1, 32, 8]).astype(np.float32), "R")
    g = helper.make_graph([helper.make_node("LSTM", ["x", "W", "R"], ["y"], name="lstm", hidden_size=8)],
                          "err_unsupported_op", [x], [y], initializer=[w, r])
    m = _model(g, 13)
    onnx.checker.check_model(m)
    errs["err_unsupported_op.onnx"] = (m.SerializeToString(), "unsupported ops: LSTM (node 'lstm')")

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, X4)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 8, 8])
    g = helper.make_graph([helper.make_node("Conv", ["x", "conv.weight"], ["y"], name="conv", pads=[1, 1, 1, 1])],
                          "err_missing_initializer", [x], [y])
    errs["err_missing_initializer.onnx"] = (_model(g, 13).SerializeToString(),
                                            "input 'conv.weight' of node 'conv' is not an initializer, graph input or node output")

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "height", "width"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, "height", "width"])
    wt = numpy_helper.from_array(rng.standard_normal([4, 3, 3, 3]).astype(np.float32), "conv.weight")
    g = helper.make_graph([helper.make_node("Conv", ["x", "conv.weight"], ["y"], name="conv", pads=[1, 1, 1, 1])],
                          "err_dynamic_shape", [x], [y], initializer=[wt])
    m = _model(g, 13)
    onnx.checker.check_model(m)
    errs["err_dynamic_shape.onnx"] = (m.SerializeToString(), "input 'x' has symbolic dimension 'height' (only the batch may be dynamic)")

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, X4)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 8, 8])
    wt = numpy_helper.from_array(rng.standard_normal([6, 4, 3, 3]).astype(np.float32), "conv.weight")
    g = helper.make_graph([helper.make_node("Conv", ["x", "conv.weight"], ["y"], name="conv", auto_pad="FOO")],
                          "err_bad_attr", [x], [y], initializer=[wt])
    errs["err_bad_attr.onnx"] = (_model(g, 13).SerializeToString(), "Conv 'conv': unsupported auto_pad value 'FOO'")

    if conv_basic_bytes is not None:
        errs["err_truncated.onnx"] = (conv_basic_bytes[: len(conv_basic_bytes) // 2], "cannot parse: truncated protobuf")
    errs["err_not_onnx.onnx"] = (b"// This is not an ONNX model: plain text from utils/models/onnx_ops.py.\n",
                                 "cannot parse: not an ONNX ModelProto")
    return errs


def _parses(data):
    """True when protobuf accepts the bytes (warnings about leftover data count as errors)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            onnx.ModelProto().ParseFromString(data)
        return True
    except Exception:
        return False


def write_all(outdir, only=None):
    """Writes every model, or only the stems in `only` (a set, e.g. {"op_relu"})."""
    os.makedirs(outdir, exist_ok=True)
    manifest = {"models": [], "errors": []}
    conv_basic = None
    all_cases = cases()
    if only is not None:
        known = {"op_" + c.name for c in all_cases} | {fn[:-5] for fn in ERROR_FILES}
        unknown = sorted(only - known)
        if unknown:
            raise SystemExit("onnx_ops.py: unknown model(s) %s" % ", ".join(unknown))
    for c in all_cases:
        base = "op_" + c.name
        wanted = only is None or base in only
        if not wanted and not (c.name == "conv_basic" and "err_truncated" in only):
            continue
        x = c.rng.standard_normal(c.in_shape).astype(np.float32)
        m = c.build(x)
        netbuild.check_model(m)
        data = m.SerializeToString()
        if c.name == "conv_basic":
            conv_basic = data
        if not wanted:
            continue
        with open(os.path.join(outdir, base + ".onnx"), "wb") as f:
            f.write(data)
        res = npref.run(m, {"x": x})
        np.save(os.path.join(outdir, base + ".in.npy"), x)
        outs = []
        for k, o in enumerate(c.outputs):
            fn = base + (".out.npy" if k == 0 else ".out%d.npy" % k)
            np.save(os.path.join(outdir, fn), res[o])
            outs.append({"file": fn, "name": o, "shape": list(res[o].shape), "dtype": str(res[o].dtype)})
        manifest["models"].append({"file": base + ".onnx", "opset": c.opset, "ops": npref.op_counts(m),
                                   "input": {"file": base + ".in.npy", "name": "x", "shape": c.in_shape},
                                   "outputs": outs, "doc": c.doc})
    for fn, (data, expect) in error_models(conv_basic).items():
        if only is not None and fn[:-5] not in only:
            continue
        if fn in ("err_truncated.onnx", "err_not_onnx.onnx") and _parses(data):
            raise AssertionError("%s unexpectedly parses as a model" % fn)
        with open(os.path.join(outdir, fn), "wb") as f:
            f.write(data)
        manifest["errors"].append({"file": fn, "reason": expect})
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        f.write(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", metavar="OUTDIR", help="write every model into OUTDIR")
    ap.add_argument("--only", metavar="NAMES", help="comma-separated model names (op_relu,err_truncated,...)")
    ap.add_argument("--out", metavar="OUTDIR", help="directory for --only")
    ap.add_argument("--quiet", action="store_true", help="do not print the manifest")
    args = ap.parse_args(argv)
    if args.all:
        manifest = write_all(args.all)
    elif args.only and args.out:
        names = {n[:-5] if n.endswith(".onnx") else n for n in args.only.split(",") if n}
        manifest = write_all(args.out, names)
        args.quiet = True
    else:
        ap.error("give --all OUTDIR, or --only NAMES --out OUTDIR")
    if not args.quiet:
        print(json.dumps(manifest, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
