#!/usr/bin/python3
"""npref: a small numpy float reference evaluator for ONNX graphs.

It covers the op subset mpq supports (Conv incl. grouped/depthwise, Gemm, MatMul,
BatchNormalization, Relu, Clip, Add/Mul/Sub/Div, MaxPool, AveragePool,
GlobalAveragePool, Flatten, Reshape, Transpose, Pad, Concat, Softmax, Identity,
Dropout, Constant, Shape, Gather, ConstantOfShape, Cast, Unsqueeze, Squeeze, Slice)
plus QuantizeLinear/DequantizeLinear and QONNX `Quant`, so the C++ compiler's tests
have an independent float reference.  Everything is written for clarity, not speed:
convolutions accumulate in float64, one kernel tap at a time.

Library use:
    import npref
    outs = npref.run("model.onnx", {"input": x})                # graph outputs
    every = npref.run("model.onnx", x, return_all=True)          # every tensor by name
    y = npref.run_node(node, [x, w], opset=13)                   # one NodeProto

Command line:
    npref.py model.onnx [--input in.npy] [--output out.npy] [--summary]
"""

import argparse
import math
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# ONNX TensorProto data type -> numpy dtype (onnx.mapping exists in 1.12).
_ONNX_TO_NP = {
    onnx.TensorProto.FLOAT: np.float32,
    onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.FLOAT16: np.float16,
    onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.UINT8: np.uint8,
    onnx.TensorProto.INT16: np.int16,
    onnx.TensorProto.UINT16: np.uint16,
    onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.UINT32: np.uint32,
    onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.UINT64: np.uint64,
    onnx.TensorProto.BOOL: np.bool_,
}

QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general")


class UnsupportedOp(NotImplementedError):
    """Raised for an op type (or attribute value) npref does not implement."""


# --------------------------------------------------------------------------- helpers


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _opt(inputs, i):
    """Optional input i (None when absent or given as the empty name)."""
    return inputs[i] if i < len(inputs) else None


def _spatial_pads(attrs, in_spatial, kernel, strides, dilations, ceil_mode=False):
    """Return (begin_pads, end_pads, out_spatial) for Conv/pool style ops."""
    nd = len(in_spatial)
    auto_pad = _s(attrs.get("auto_pad", "NOTSET"))
    eff_k = [(kernel[i] - 1) * dilations[i] + 1 for i in range(nd)]
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = [int(math.ceil(in_spatial[i] / strides[i])) for i in range(nd)]
        begin, end = [], []
        for i in range(nd):
            total = max((out[i] - 1) * strides[i] + eff_k[i] - in_spatial[i], 0)
            small = total // 2
            if auto_pad == "SAME_UPPER":
                begin.append(small)
                end.append(total - small)
            else:
                begin.append(total - small)
                end.append(small)
        return begin, end, out
    if auto_pad == "VALID":
        begin = [0] * nd
        end = [0] * nd
    elif auto_pad == "NOTSET":
        pads = list(attrs.get("pads", [0] * (2 * nd)))
        begin, end = pads[:nd], pads[nd:]
    else:
        raise UnsupportedOp("unsupported auto_pad value %r" % auto_pad)
    out = []
    for i in range(nd):
        span = in_spatial[i] + begin[i] + end[i] - eff_k[i]
        if ceil_mode:
            o = int(math.ceil(span / strides[i])) + 1
            # PyTorch/ONNX rule: the last window must start inside input or begin pad.
            if (o - 1) * strides[i] >= in_spatial[i] + begin[i]:
                o -= 1
        else:
            o = span // strides[i] + 1
        out.append(o)
    return begin, end, out


def _pad_for_windows(x, begin, end, out, kernel, strides, dilations, value):
    """Pad the spatial dims of NC... tensor x so every window fits."""
    nd = len(begin)
    widths = [(0, 0), (0, 0)]
    for i in range(nd):
        need = (out[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1
        have = x.shape[2 + i] + begin[i] + end[i]
        widths.append((begin[i], end[i] + max(need - have, 0)))
    return np.pad(x, widths, mode="constant", constant_values=value)


def _taps(kernel):
    return list(np.ndindex(*kernel))


def _tap_view(xp, tap, strides, dilations, out):
    sl = [slice(None), slice(None)]
    for i, k in enumerate(tap):
        start = k * dilations[i]
        sl.append(slice(start, start + strides[i] * (out[i] - 1) + 1, strides[i]))
    return xp[tuple(sl)]


# --------------------------------------------------------------------------- ops


def conv(x, w, b=None, attrs=None):
    """ONNX Conv (any number of spatial dims, groups, pads, strides, dilations)."""
    attrs = attrs or {}
    n, cin = x.shape[:2]
    cout, cin_g = w.shape[:2]
    kernel = list(w.shape[2:])
    nd = len(kernel)
    group = int(attrs.get("group", 1))
    strides = list(attrs.get("strides", [1] * nd))
    dilations = list(attrs.get("dilations", [1] * nd))
    if "kernel_shape" in attrs and list(attrs["kernel_shape"]) != kernel:
        raise ValueError("Conv kernel_shape %s does not match weights %s" % (attrs["kernel_shape"], kernel))
    if cin != cin_g * group or cout % group:
        raise ValueError("Conv channels: input %d, weight %s, group %d" % (cin, w.shape, group))
    begin, end, out = _spatial_pads(attrs, x.shape[2:], kernel, strides, dilations)
    xp = _pad_for_windows(x.astype(np.float64), begin, end, out, kernel, strides, dilations, 0.0)
    w64 = w.astype(np.float64)
    y = np.zeros([n, cout] + out, dtype=np.float64)
    cout_g = cout // group
    if cin_g == 1:
        # Depthwise (possibly with a channel multiplier): output o reads input o // cout_g.
        src = np.arange(cout) // cout_g
        for tap in _taps(kernel):
            xs = _tap_view(xp, tap, strides, dilations, out)[:, src]
            wt = w64[(slice(None), 0) + tap].reshape([1, cout] + [1] * nd)
            y += xs * wt
    else:
        for g in range(group):
            ci = slice(g * cin_g, (g + 1) * cin_g)
            co = slice(g * cout_g, (g + 1) * cout_g)
            for tap in _taps(kernel):
                xs = _tap_view(xp, tap, strides, dilations, out)[:, ci]  # [N, Cg, *out]
                wt = w64[(co, slice(None)) + tap]  # [Cog, Cg]
                y[:, co] += np.einsum("oc,nc...->no...", wt, xs, optimize=True)
    if b is not None:
        y += b.astype(np.float64).reshape([1, cout] + [1] * nd)
    return y.astype(x.dtype)


def _pool(x, attrs, kind):
    kernel = list(attrs["kernel_shape"])
    nd = len(kernel)
    strides = list(attrs.get("strides", [1] * nd))
    dilations = list(attrs.get("dilations", [1] * nd))
    ceil_mode = bool(attrs.get("ceil_mode", 0))
    begin, end, out = _spatial_pads(attrs, x.shape[2:], kernel, strides, dilations, ceil_mode)
    if kind == "max":
        if int(attrs.get("storage_order", 0)) != 0:
            raise UnsupportedOp("MaxPool storage_order=1")
        xp = _pad_for_windows(x.astype(np.float64), begin, end, out, kernel, strides, dilations, -np.inf)
        y = np.full(list(x.shape[:2]) + out, -np.inf)
        for tap in _taps(kernel):
            y = np.maximum(y, _tap_view(xp, tap, strides, dilations, out))
        return y.astype(x.dtype)
    # Average: divisor = number of window elements that are input (or explicit pad
    # when count_include_pad=1); the extra ceil_mode overhang never counts.
    include_pad = bool(attrs.get("count_include_pad", 0))
    xp = _pad_for_windows(x.astype(np.float64), begin, end, out, kernel, strides, dilations, 0.0)
    ones = np.ones((1, 1) + tuple(x.shape[2:]))
    mask = _pad_for_windows(ones, begin, end, out, kernel, strides, dilations, 0.0)
    if include_pad:
        padded = np.ones((1, 1) + tuple(x.shape[2 + i] + begin[i] + end[i] for i in range(nd)))
        mask = _pad_for_windows(padded, [0] * nd, [0] * nd, out, kernel, strides, dilations, 0.0)
    total = np.zeros(list(x.shape[:2]) + out)
    count = np.zeros([1, 1] + out)
    for tap in _taps(kernel):
        total += _tap_view(xp, tap, strides, dilations, out)
        count += _tap_view(mask, tap, strides, dilations, out)
    return (total / count).astype(x.dtype)


def _binary(fn):
    def op(inputs, attrs, opset):
        a, b = inputs
        r = fn(a, b)
        return [np.asarray(r).astype(np.result_type(a, b))]

    return op


def _div(a, b):
    if np.issubdtype(a.dtype, np.integer):
        return np.trunc(a / b).astype(a.dtype)  # C-style integer division
    return a / b


def _op_conv(inputs, attrs, opset):
    return [conv(inputs[0], inputs[1], _opt(inputs, 2), attrs)]


def _op_gemm(inputs, attrs, opset):
    a, b = inputs[0].astype(np.float64), inputs[1].astype(np.float64)
    c = _opt(inputs, 2)
    if attrs.get("transA", 0):
        a = a.T
    if attrs.get("transB", 0):
        b = b.T
    y = float(attrs.get("alpha", 1.0)) * (a @ b)
    if c is not None:
        y = y + float(attrs.get("beta", 1.0)) * c.astype(np.float64)
    return [y.astype(inputs[0].dtype)]


def _op_matmul(inputs, attrs, opset):
    a, b = inputs
    return [np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)]


def _op_bn(inputs, attrs, opset):
    x, scale, bias, mean, var = inputs[:5]
    if attrs.get("training_mode", 0):
        raise UnsupportedOp("BatchNormalization training_mode=1")
    eps = float(attrs.get("epsilon", 1e-5))
    shape = [1, x.shape[1]] + [1] * (x.ndim - 2)
    r = lambda t: t.astype(np.float64).reshape(shape)  # noqa: E731
    y = (x.astype(np.float64) - r(mean)) / np.sqrt(r(var) + eps) * r(scale) + r(bias)
    return [y.astype(x.dtype)]


def _op_relu(inputs, attrs, opset):
    x = inputs[0]
    return [np.maximum(x, 0).astype(x.dtype)]


def _op_clip(inputs, attrs, opset):
    x = inputs[0]
    if opset < 11:
        lo = attrs.get("min", -3.4028234663852886e38)
        hi = attrs.get("max", 3.4028234663852886e38)
    else:
        lo = _opt(inputs, 1)
        hi = _opt(inputs, 2)
    y = x
    if lo is not None:
        y = np.maximum(y, np.asarray(lo, dtype=x.dtype))
    if hi is not None:
        y = np.minimum(y, np.asarray(hi, dtype=x.dtype))
    return [y.astype(x.dtype)]


def _op_gap(inputs, attrs, opset):
    x = inputs[0]
    axes = tuple(range(2, x.ndim))
    return [x.astype(np.float64).mean(axis=axes, keepdims=True).astype(x.dtype)]


def _op_flatten(inputs, attrs, opset):
    x = inputs[0]
    axis = int(attrs.get("axis", 1))
    if axis < 0:
        axis += x.ndim
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    return [x.reshape(outer, -1) if x.size else x.reshape(outer, 0)]


def _op_reshape(inputs, attrs, opset):
    x, shape = inputs
    shape = [int(s) for s in shape]
    allowzero = int(attrs.get("allowzero", 0))
    if not allowzero:
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def _op_transpose(inputs, attrs, opset):
    x = inputs[0]
    perm = attrs.get("perm", list(range(x.ndim))[::-1])
    return [np.ascontiguousarray(np.transpose(x, perm))]


def _op_pad(inputs, attrs, opset):
    x = inputs[0]
    if opset < 11:
        pads = list(attrs["pads"])
        value = float(attrs.get("value", 0.0))
        axes = list(range(x.ndim))
    else:
        pads = [int(p) for p in inputs[1]]
        cv = _opt(inputs, 2)
        value = cv.item() if cv is not None and cv.size else 0
        ax = _opt(inputs, 3)
        axes = [int(a) % x.ndim for a in ax] if ax is not None else list(range(x.ndim))
    mode = _s(attrs.get("mode", "constant"))
    k = len(axes)
    widths = [(0, 0)] * x.ndim
    for i, a in enumerate(axes):
        widths[a] = (pads[i], pads[i + k])
    # Negative pads crop.
    crop = tuple(slice(max(-b, 0), x.shape[d] - max(-e, 0)) for d, (b, e) in enumerate(widths))
    x = x[crop]
    widths = [(max(b, 0), max(e, 0)) for b, e in widths]
    if mode == "constant":
        return [np.pad(x, widths, mode="constant", constant_values=value).astype(x.dtype)]
    if mode in ("reflect", "edge"):
        return [np.pad(x, widths, mode=mode)]
    raise UnsupportedOp("Pad mode %r" % mode)


def _op_concat(inputs, attrs, opset):
    return [np.concatenate(inputs, axis=int(attrs["axis"]))]


def _op_softmax(inputs, attrs, opset):
    x = inputs[0].astype(np.float64)
    if opset < 13:
        axis = int(attrs.get("axis", 1)) % x.ndim
        shp = x.shape
        x2 = x.reshape(int(np.prod(shp[:axis], dtype=np.int64)), -1)
        e = np.exp(x2 - x2.max(axis=1, keepdims=True))
        return [(e / e.sum(axis=1, keepdims=True)).reshape(shp).astype(inputs[0].dtype)]
    axis = int(attrs.get("axis", -1))
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return [(e / e.sum(axis=axis, keepdims=True)).astype(inputs[0].dtype)]


def _op_identity(inputs, attrs, opset):
    return [inputs[0]]


def _op_dropout(inputs, attrs, opset):
    training = _opt(inputs, 2)
    if (training is not None and bool(np.asarray(training).reshape(-1)[0])) or attrs.get("is_test", 1) == 0:
        raise UnsupportedOp("Dropout in training mode")
    return [inputs[0], np.ones(inputs[0].shape, dtype=np.bool_)]


def _op_constant(inputs, attrs, opset):
    if "value" in attrs:
        return [numpy_helper.to_array(attrs["value"])]
    if "value_float" in attrs:
        return [np.array(attrs["value_float"], dtype=np.float32)]
    if "value_floats" in attrs:
        return [np.array(attrs["value_floats"], dtype=np.float32)]
    if "value_int" in attrs:
        return [np.array(attrs["value_int"], dtype=np.int64)]
    if "value_ints" in attrs:
        return [np.array(attrs["value_ints"], dtype=np.int64)]
    raise UnsupportedOp("Constant without value/value_float(s)/value_int(s)")


def _op_shape(inputs, attrs, opset):
    shp = np.array(inputs[0].shape, dtype=np.int64)
    start = int(attrs.get("start", 0))
    end = attrs.get("end", None)
    return [shp[start:end]]


def _op_gather(inputs, attrs, opset):
    x, idx = inputs
    axis = int(attrs.get("axis", 0)) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    return [np.take(x, idx, axis=axis)]


def _op_constant_of_shape(inputs, attrs, opset):
    shape = [int(s) for s in inputs[0]]
    if "value" in attrs:
        v = numpy_helper.to_array(attrs["value"])
        return [np.full(shape, v.reshape(-1)[0], dtype=v.dtype)]
    return [np.zeros(shape, dtype=np.float32)]


def _op_cast(inputs, attrs, opset):
    to = int(attrs["to"])
    if to not in _ONNX_TO_NP:
        raise UnsupportedOp("Cast to ONNX type %d" % to)
    return [inputs[0].astype(_ONNX_TO_NP[to])]


def _axes_from(inputs, attrs, opset, since):
    if opset >= since:
        a = _opt(inputs, 1)
        return None if a is None else [int(v) for v in a]
    return list(attrs["axes"]) if "axes" in attrs else None


def _op_unsqueeze(inputs, attrs, opset):
    x = inputs[0]
    axes = _axes_from(inputs, attrs, opset, 13)
    rank = x.ndim + len(axes)
    y = x
    for a in sorted(a % rank for a in axes):
        y = np.expand_dims(y, a)
    return [y]


def _op_squeeze(inputs, attrs, opset):
    x = inputs[0]
    axes = _axes_from(inputs, attrs, opset, 13)
    if axes is None:
        return [np.squeeze(x)]
    return [np.squeeze(x, axis=tuple(a % x.ndim for a in axes))]


def _op_slice(inputs, attrs, opset):
    x = inputs[0]
    if opset < 10:
        starts, ends = attrs["starts"], attrs["ends"]
        axes = attrs.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = [int(v) for v in inputs[1]], [int(v) for v in inputs[2]]
        a = _opt(inputs, 3)
        axes = [int(v) for v in a] if a is not None else list(range(len(starts)))
        s = _opt(inputs, 4)
        steps = [int(v) for v in s] if s is not None else [1] * len(starts)
    sl = [slice(None)] * x.ndim
    for st, en, ax, sp in zip(starts, ends, axes, steps):
        sl[ax % x.ndim] = slice(st, en, sp)  # python slicing clamps like ONNX
    return [x[tuple(sl)]]


def _op_sigmoid(inputs, attrs, opset):
    x = inputs[0]
    return [(1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(x.dtype)]


def _axis_shape(x, scale, axis):
    if scale.ndim == 0 or scale.size == 1:
        return scale.reshape(())
    shp = [1] * x.ndim
    shp[axis % x.ndim] = scale.size
    return scale.reshape(shp)


def _op_quantize_linear(inputs, attrs, opset):
    x, s = inputs[0], inputs[1]
    zp = _opt(inputs, 2)
    axis = int(attrs.get("axis", 1))
    dtype = zp.dtype if zp is not None else np.uint8
    info = np.iinfo(dtype)
    zpv = _axis_shape(x, zp.astype(np.float64), axis) if zp is not None else 0.0
    q = np.round(x.astype(np.float64) / _axis_shape(x, s.astype(np.float64), axis)) + zpv  # half to even
    return [np.clip(q, info.min, info.max).astype(dtype)]


def _op_dequantize_linear(inputs, attrs, opset):
    q, s = inputs[0], inputs[1]
    zp = _opt(inputs, 2)
    axis = int(attrs.get("axis", 1))
    zpv = _axis_shape(q, zp.astype(np.float64), axis) if zp is not None else 0.0
    y = (q.astype(np.float64) - zpv) * _axis_shape(q, s.astype(np.float64), axis)
    return [y.astype(s.dtype)]


_ROUNDING = {
    "ROUND": np.round,  # half to even, as QONNX
    "HALF_EVEN": np.round,
    "CEIL": np.ceil,
    "FLOOR": np.floor,
    "ROUND_TO_ZERO": np.trunc,
    "HALF_UP": lambda v: np.floor(v + 0.5),
    "HALF_DOWN": lambda v: np.ceil(v - 0.5),
}


def qonnx_quant(x, scale, zero_point, bitwidth, signed=1, narrow=0, rounding_mode="ROUND"):
    """QONNX Quant: fake-quantize x to `bitwidth` bits and dequantize again."""
    b = float(np.asarray(bitwidth).reshape(-1)[0])
    if signed:
        lo = -(2.0 ** (b - 1)) + (1 if narrow else 0)
        hi = 2.0 ** (b - 1) - 1
    else:
        lo = 0.0
        hi = 2.0**b - 1 - (1 if narrow else 0)
    mode = _s(rounding_mode).upper()
    if mode not in _ROUNDING:
        raise UnsupportedOp("Quant rounding_mode %r" % mode)
    s = np.asarray(scale, dtype=np.float64)
    z = np.asarray(zero_point, dtype=np.float64)
    q = _ROUNDING[mode](x.astype(np.float64) / s + z)
    q = np.clip(q, lo, hi)
    return ((q - z) * s).astype(x.dtype)


def _op_qonnx_quant(inputs, attrs, opset):
    x, s, z, b = inputs[:4]
    return [
        qonnx_quant(
            x, s, z, b,
            signed=int(attrs.get("signed", 1)),
            narrow=int(attrs.get("narrow", 0)),
            rounding_mode=attrs.get("rounding_mode", "ROUND"),
        )
    ]


OPS = {
    "Conv": _op_conv,
    "Gemm": _op_gemm,
    "MatMul": _op_matmul,
    "BatchNormalization": _op_bn,
    "Relu": _op_relu,
    "Clip": _op_clip,
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": _binary(_div),
    "MaxPool": lambda i, a, o: [_pool(i[0], a, "max")],
    "AveragePool": lambda i, a, o: [_pool(i[0], a, "avg")],
    "GlobalAveragePool": _op_gap,
    "Flatten": _op_flatten,
    "Reshape": _op_reshape,
    "Transpose": _op_transpose,
    "Pad": _op_pad,
    "Concat": _op_concat,
    "Softmax": _op_softmax,
    "Identity": _op_identity,
    "Dropout": _op_dropout,
    "Constant": _op_constant,
    "Shape": _op_shape,
    "Gather": _op_gather,
    "ConstantOfShape": _op_constant_of_shape,
    "Cast": _op_cast,
    "Unsqueeze": _op_unsqueeze,
    "Squeeze": _op_squeeze,
    "Slice": _op_slice,
    "Sigmoid": _op_sigmoid,
    "QuantizeLinear": _op_quantize_linear,
    "DequantizeLinear": _op_dequantize_linear,
}
QONNX_OPS = {"Quant": _op_qonnx_quant}


# --------------------------------------------------------------------------- graph


def load(model):
    if isinstance(model, onnx.ModelProto):
        return model
    return onnx.load(model)


def default_opset(model):
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return 1


def run_node(node, inputs, opset=13):
    """Evaluate one NodeProto on a list of numpy inputs (None for omitted optional ones)."""
    if node.domain in QONNX_DOMAINS:
        fn = QONNX_OPS.get(node.op_type)
    elif node.domain in ("", "ai.onnx"):
        fn = OPS.get(node.op_type)
    else:
        fn = None
    if fn is None:
        dom = (node.domain + ".") if node.domain else ""
        raise UnsupportedOp("npref: unsupported op %s%s (node %r)" % (dom, node.op_type, node.name))
    outs = fn(inputs, _attrs(node), opset)
    return outs[: len(node.output)]


def run(model, feeds, return_all=False):
    """Run a model.  feeds: dict name->array, or one array for a single-input model.

    Returns dict output-name -> array, or (return_all) every tensor computed, including
    initializers and inputs, by name.
    """
    model = load(model)
    g = model.graph
    opset = default_opset(model)
    env = {}
    for init in g.initializer:
        env[init.name] = numpy_helper.to_array(init)
    init_names = set(env)
    real_inputs = [i for i in g.input if i.name not in init_names]
    if not isinstance(feeds, dict):
        if len(real_inputs) != 1:
            raise ValueError("model has %d inputs; pass a dict" % len(real_inputs))
        feeds = {real_inputs[0].name: feeds}
    for i in real_inputs:
        if i.name not in feeds:
            raise ValueError("missing input %r" % i.name)
    for k, v in feeds.items():
        env[k] = np.asarray(v)
    for node in g.node:
        args = []
        for name in node.input:
            if name == "":
                args.append(None)
            elif name in env:
                args.append(env[name])
            else:
                raise ValueError("node %r (%s): input %r is not produced by anything" % (node.name, node.op_type, name))
        outs = run_node(node, args, opset)
        for name, val in zip(node.output, outs):
            if name:
                env[name] = val
    if return_all:
        return env
    return {o.name: env[o.name] for o in g.output}


def op_counts(model):
    model = load(model)
    counts = {}
    for n in model.graph.node:
        key = n.op_type if n.domain in ("", "ai.onnx") else "%s.%s" % (n.domain, n.op_type)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def input_shapes(model):
    model = load(model)
    inits = {i.name for i in model.graph.initializer}
    res = {}
    for i in model.graph.input:
        if i.name in inits:
            continue
        dims = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in i.type.tensor_type.shape.dim]
        res[i.name] = (dims, _ONNX_TO_NP.get(i.type.tensor_type.elem_type, np.float32))
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--input", help=".npy input (single-input models); default: deterministic random normal")
    ap.add_argument("--output", help="write the first output here as .npy")
    ap.add_argument("--summary", action="store_true", help="print op counts and output stats")
    args = ap.parse_args(argv)
    model = load(args.model)
    shapes = input_shapes(model)
    feeds = {}
    if args.input:
        feeds[next(iter(shapes))] = np.load(args.input)
    else:
        rng = np.random.default_rng(0)
        for name, (dims, dt) in shapes.items():
            dims = [d if isinstance(d, int) and d > 0 else 1 for d in dims]
            feeds[name] = rng.standard_normal(dims).astype(dt)
    outs = run(model, feeds)
    if args.summary or not args.output:
        print("ops:", op_counts(model))
        for k, v in outs.items():
            print("%s: shape %s dtype %s min %.6g max %.6g mean %.6g" % (k, list(v.shape), v.dtype, v.min(), v.max(), v.mean()))
    if args.output:
        np.save(args.output, next(iter(outs.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
