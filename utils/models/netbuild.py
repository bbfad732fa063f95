"""netbuild: shared helpers for mpq's random-weight test-model generators.

`Net` builds an ONNX graph node by node and, at the same time, evaluates every node
with npref on a batch of calibration inputs.  That lets `conv_bn_act` set each
BatchNormalization's mean/var to the batch statistics of its conv output (and draw
gamma/beta so that after ReLU a good fraction of each channel is positive), so that
random-weight models have healthy activations (docs/decisions.md §5,
"Test models").  `Net.health` holds, per layer, the fraction of positive outputs
and the number of distinct codes after an 8-bit quantization of the layer's range.

`smooth_fields` makes the deterministic synthetic calibration images: each image is
a sum of three bilinearly upsampled Gaussian white-noise grids (3x3, 9x9 and 33x33
points, amplitudes 1, 1/2, 1/4), each a shared "luminance" field plus a weaker
per-channel field, min-max scaled to [-1, 1] per image (MobileNet's input range).
"""

import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npref  # noqa: E402

BN_EPS = 1e-3  # TensorFlow/Keras MobileNet default


# --------------------------------------------------------------------------- inputs


def _upsample_bilinear(a, size):
    """Bilinear (align-corners) upsampling of the last two dims of `a` to size x size."""
    def axis_interp(arr, axis):
        n = arr.shape[axis]
        pos = np.linspace(0.0, n - 1, size)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        frac = pos - lo
        shp = [1] * arr.ndim
        shp[axis] = size
        frac = frac.reshape(shp)
        return np.take(arr, lo, axis=axis) * (1 - frac) + np.take(arr, hi, axis=axis) * frac

    return axis_interp(axis_interp(a, a.ndim - 2), a.ndim - 1)


def smooth_fields(n, channels, size, seed):
    """n deterministic smooth random images, NCHW float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, channels, size, size))
    for grid, amp in ((3, 1.0), (9, 0.5), (33, 0.25)):
        g = min(grid, size)
        shared = rng.standard_normal((n, 1, g, g))
        own = rng.standard_normal((n, channels, g, g))
        imgs += amp * _upsample_bilinear(shared + 0.5 * own, size)
    lo = imgs.min(axis=(1, 2, 3), keepdims=True)
    hi = imgs.max(axis=(1, 2, 3), keepdims=True)
    return (2.0 * (imgs - lo) / (hi - lo) - 1.0).astype(np.float32)


def same_pads(in_hw, k, stride, dilation=1):
    """TensorFlow 'SAME' padding as explicit ONNX pads [top, left, bottom, right]."""
    begin, end = [], []
    for n in in_hw:
        out = -(-n // stride)
        eff = (k - 1) * dilation + 1
        total = max((out - 1) * stride + eff - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin + end


# --------------------------------------------------------------------------- health


def tensor_health(x, unsigned, sat_value=None):
    """Health of an NC... activation batch: positives, distinct 8-bit codes, dead channels."""
    x = x.astype(np.float64)
    c = x.shape[1]
    per_chan = np.moveaxis(x, 1, 0).reshape(c, -1)
    if unsigned:
        hi = float(x.max())
        codes = np.floor(np.clip(x, 0, hi) * 255.0 / hi) if hi > 0 else np.zeros_like(x)
    else:
        lo, hi = float(x.min()), float(x.max())
        codes = np.round((x - lo) * 255.0 / (hi - lo)) if hi > lo else np.zeros_like(x)
    h = {
        "frac_pos": float((x > 0).mean()),
        "min_chan_frac_pos": float((per_chan > 0).mean(axis=1).min()),
        "const_channels": int((per_chan.max(axis=1) == per_chan.min(axis=1)).sum()),
        "distinct_codes": int(np.unique(codes).size),
        "min": float(x.min()),
        "max": float(x.max()),
    }
    if sat_value is not None:
        h["frac_saturated"] = float((x >= sat_value).mean())
    return h


def health_problems(h):
    """List of reasons a layer's health entry is degenerate (empty when healthy)."""
    bad = []
    if h["unsigned"] and h["frac_pos"] < 0.02:
        bad.append("almost all zeros")
    if h["unsigned"] and h["frac_pos"] > 0.995:
        bad.append("ReLU never clips")
    if h.get("frac_saturated", 0.0) > 0.5:
        bad.append("saturated")
    if h["const_channels"]:
        bad.append("%d constant channels" % h["const_channels"])
    if h["distinct_codes"] < 16:
        bad.append("only %d distinct codes" % h["distinct_codes"])
    return bad


def format_health(health):
    lines = ["%-12s %-9s %8s %9s %6s %7s %9s %7s" % ("layer", "kind", "frac_pos", "min_ch_fp", "const", "codes", "max", "sat")]
    for h in health:
        lines.append(
            "%-12s %-9s %8.3f %9.3f %6d %7d %9.3f %7s%s"
            % (h["layer"], h["kind"], h["frac_pos"], h["min_chan_frac_pos"], h["const_channels"],
               h["distinct_codes"], h["max"], "%.4f" % h["frac_saturated"] if "frac_saturated" in h else "-", "" if not health_problems(h) else "  <-- " + ", ".join(health_problems(h)))
        )
    hidden = [h for h in health if h["unsigned"]]
    if hidden:
        lines.append(
            "summary: %d layers, min frac_pos %.3f, min per-channel frac_pos %.3f, min distinct codes %d, problems %d"
            % (len(health), min(h["frac_pos"] for h in hidden), min(h["min_chan_frac_pos"] for h in hidden),
               min(h["distinct_codes"] for h in health), sum(1 for h in health if health_problems(h)))
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- builder


class Net:
    """Builds an ONNX graph while evaluating it on a calibration batch."""

    def __init__(self, name, seed, opset=13):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.opset = opset
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []
        self.vals = {}
        self.health = []
        self.extra_opsets = []

    # -- graph plumbing
    def input(self, name, calib, shape=None, elem_type=TensorProto.FLOAT):
        """Graph input; calib is the calibration batch (its first dim is the batch)."""
        shape = shape if shape is not None else [1] + list(calib.shape[1:])
        self.inputs.append(helper.make_tensor_value_info(name, elem_type, shape))
        self.vals[name] = calib
        return name

    def init(self, name, arr):
        arr = np.asarray(arr)
        self.inits.append(numpy_helper.from_array(arr, name))
        self.vals[name] = arr
        return name

    def node(self, op, inputs, name, outputs=None, domain="", **attrs):
        outputs = outputs or [name]
        n = helper.make_node(op, inputs, outputs, name=name, domain=domain, **attrs)
        self.nodes.append(n)
        vals = npref.run_node(n, [self.vals[i] if i else None for i in inputs], self.opset)
        for o, v in zip(outputs, vals):
            self.vals[o] = v
        return outputs[0] if len(outputs) == 1 else outputs

    def output(self, name, elem_type=TensorProto.FLOAT):
        v = self.vals[name]
        self.outputs.append(helper.make_tensor_value_info(name, elem_type, [1] + list(v.shape[1:])))

    def shape(self, name):
        return list(self.vals[name].shape)

    # -- layers
    def he(self, shape, fan_in):
        return (self.rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def conv_bn_act(self, x, cout, k, stride=1, group=1, act="relu", name="conv", pads="same", beta_over_gamma=(-0.3, 1.0),
                    dilation=1):
        """Conv (no bias) + BatchNormalization (stats from the calibration batch) + act.

        act: "relu", "relu6" (Clip 0..6), or None (linear, e.g. a MobileNetV2 projection).
        """
        cin = self.shape(x)[1]
        w = self.he((cout, cin // group, k, k), fan_in=(cin // group) * k * k)
        if pads == "same":
            pads = same_pads(self.shape(x)[2:], k, stride, dilation)
        self.init(name + ".weight", w)
        y = self.node("Conv", [x, name + ".weight"], name, kernel_shape=[k, k], strides=[stride, stride],
                      pads=list(pads), group=group, dilations=[dilation, dilation])
        return self.bn_act(y, name, act, beta_over_gamma)

    def bn_act(self, y, name, act, beta_over_gamma=(-0.3, 1.0)):
        yv = self.vals[y].astype(np.float64)
        c = yv.shape[1]
        axes = (0,) + tuple(range(2, yv.ndim))
        mean = yv.mean(axis=axes)
        var = yv.var(axis=axes)
        gamma = self.rng.uniform(0.5, 1.5, c)
        if act is None:
            beta_over_gamma = (-0.2, 0.2)
        beta = gamma * self.rng.uniform(beta_over_gamma[0], beta_over_gamma[1], c)
        bn = name + "_bn"
        self.init(bn + ".scale", gamma.astype(np.float32))
        self.init(bn + ".bias", beta.astype(np.float32))
        self.init(bn + ".mean", mean.astype(np.float32))
        # Variance minus eps would make the batch std exactly gamma; keep var (close enough).
        self.init(bn + ".var", var.astype(np.float32))
        out = self.node("BatchNormalization", [y, bn + ".scale", bn + ".bias", bn + ".mean", bn + ".var"], bn, epsilon=BN_EPS)
        kind = "linear"
        sat = None
        if act == "relu":
            out = self.node("Relu", [out], name + "_relu")
            kind = "relu"
        elif act == "relu6":
            self._relu6_consts()
            out = self.node("Clip", [out, "relu6.min", "relu6.max"], name + "_relu6")
            kind, sat = "relu6", 6.0
        self.record(name, out, kind, unsigned=act is not None, sat=sat)
        return out

    def _relu6_consts(self):
        if "relu6.min" not in self.vals:
            self.init("relu6.min", np.array(0.0, dtype=np.float32))
            self.init("relu6.max", np.array(6.0, dtype=np.float32))

    def record(self, layer, tensor, kind, unsigned, sat=None):
        h = tensor_health(self.vals[tensor], unsigned, sat)
        h.update(layer=layer, tensor=tensor, kind=kind, unsigned=unsigned)
        self.health.append(h)

    def add(self, a, b, name):
        out = self.node("Add", [a, b], name)
        self.record(name, out, "add", unsigned=False)
        return out

    def gap_flatten(self, x, name="gap"):
        g = self.node("GlobalAveragePool", [x], name)
        return self.node("Flatten", [g], "flatten", axis=1)

    def fc(self, x, cout, name="fc", out="logits"):
        """Gemm (transB=1, with bias) named `name`, output tensor `out`."""
        cin = self.shape(x)[1]
        self.init(name + ".weight", self.he((cout, cin), fan_in=cin))
        self.init(name + ".bias", (self.rng.standard_normal(cout) * 0.1).astype(np.float32))
        out = self.node("Gemm", [x, name + ".weight", name + ".bias"], name, outputs=[out], transB=1)
        self.record(name, out, "fc", unsigned=False)
        return out

    # -- finishing
    def model(self, doc=""):
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, initializer=self.inits)
        opsets = [helper.make_opsetid("", self.opset)] + list(self.extra_opsets)
        m = helper.make_model(graph, opset_imports=opsets, producer_name="mpq-utils-models", producer_version="1")
        m.ir_version = 8  # readable by onnx 1.12 and every runtime of its time
        if doc:
            m.doc_string = doc
        return m

    def verify(self, model, check=True):
        """Checker + shape inference, then rerun the whole graph on image 0 and compare."""
        if check:
            check_model(model)
        feeds = {i.name: self.vals[i.name][:1] for i in self.inputs}
        outs = npref.run(model, feeds)
        for name, v in outs.items():
            ref = self.vals[name][:1]
            if not np.allclose(v, ref, rtol=1e-4, atol=1e-5):
                raise AssertionError("%s: whole-graph run differs from layer-by-layer build (max diff %g)"
                                     % (name, float(np.abs(v - ref).max())))


def check_model(model):
    onnx.checker.check_model(model)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    onnx.checker.check_model(inferred)
    return inferred


def save(model, path):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
