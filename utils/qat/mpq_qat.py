"""Quantization-aware training that mpq compiles unchanged.

The fake-quant model the paper trains (Rusci et al. 2020, docs/paper.md), with
exactly the grids mpq's integer code uses, so that the QONNX export compiles
with its trained widths and grids and the integer model reproduces the
fake-quant model code for code:

- weights: per output channel, symmetric, signed, narrow range
  (codes -(2^(b-1)-1) .. 2^(b-1)-1; at 2 bits -1, 0, 1), scale
  max|w_c| / (2^(b-1)-1), rounded half to even (QONNX ROUND, torch.round);
  or, where mpqc's search chose per-layer weights (report granularity
  "layer", the PL+FB scheme for that layer), one scale max|w| / (2^(b-1)-1)
  for the tensor, with the batch norm folded into the weights first (its
  running statistics, kept current on the layer's float output while
  training) and no batch norm after;
- activations: PACT (Choi et al. 2018): unsigned, clipped at a learned alpha,
  scale alpha / (2^b-1), rounded down (QONNX FLOOR), as mpq stores
  activations; the straight-through estimator passes the gradient where
  0 < x < alpha and gives alpha the gradient of the clipped part;
- the image: unsigned 8 bits on the grid 1/255 (the pixels exactly);
- the logits: signed 8 bits, scale from the running maximum of |logit|;
- a layer's bias on its int32 grid (input scale x weight scale), as mpq's
  calibration snaps it, exported through a 32-bit Quant; batch norm is kept
  (mpq folds it into the per-channel integer normalization, ICN), its shift
  moved into the bias (snap_batch_norms);
- activation scales with SCALE_BITS significant bits, weight scales
  (rounded up) with 24 less their input scale's, so that s_x s_w is a
  float32 and the export, evaluated in double, adds the bias the integer
  code adds.

Layers are drop-in subclasses of torch.nn.Conv2d / Linear, so a model keeps
its module names and its ONNX node names (/conv1/Conv, ...), which is how an
mpqc report's widths are matched to modules (`widths_from_report`).

Export (`export_qonnx`) writes QONNX `Quant` nodes
(domain qonnx.custom_op.general) through torch.onnx with a symbolic function;
the exported grids are the ones the forward pass used.
"""

import json
import math

import torch
from torch import nn

QONNX_DOMAIN = "qonnx.custom_op.general"

# Significant bits of every learned activation scale (PACT, the logits).
# A layer's weight scales get the rest of float32's 24 (24 - SCALE_BITS; the
# image's 1/255 has all 24, so the first layer's are powers of two). Then a
# layer's accumulator scale s_x s_w,c is a float32 exactly, so the export's
# int32 bias grid (a float32) is the very product the integer code divides
# by, and the exported model evaluated in double adds the bias the integer
# code adds (see `bias_grid`). 16 keeps an 8-bit code times its scale exact
# in float32, and leaves the ratio s_x s_w / s_y a long odd part: with
# shorter scales, a layer without batch norm (PL+FB) lands exactly on a
# floor boundary so often that torch's float32 rounding, which decides such
# ties by noise, flips a few percent of the logit codes (12 bits: 4.7% on
# docs/accuracy.md's 35% search model; 16 bits: 0.9%).
SCALE_BITS = 16


def significant_bits(s):
    """How many significant bits the float32 number s has (1 for a power of
    two, 24 for 1/255)."""
    m, _ = math.frexp(float(torch.tensor(float(s), dtype=torch.float32)))
    n = int(m * (1 << 24))
    return 25 - (n & -n).bit_length() if n else 0


def short_scale(s, bits, up=False):
    """A scale tensor rounded (to nearest, or up) to `bits` significant bits;
    0 bits: a power of two (up: the next one)."""
    m, e = torch.frexp(s)
    r = torch.ceil if up else torch.round
    return torch.ldexp(r(m * 2.0**bits) / 2.0**bits, e)


def input_scale_bits(input_quant):
    """The significant bits of a layer's input scale: a learned one keeps
    SCALE_BITS, a fixed one (the image's 1/255) what it has."""
    if input_quant is None or getattr(input_quant, "learn", True):
        return SCALE_BITS
    return significant_bits(input_quant.scale())


class QuantFn(torch.autograd.Function):
    """QONNX Quant: q = clamp(round(x / scale + zp)), y = (q - zp) * scale.

    Used for export only (training uses the straight-through forms below,
    which compute the same values)."""

    @staticmethod
    def forward(ctx, x, scale, zero_point, bitwidth, signed, narrow, rounding):
        bits = int(bitwidth.item())
        if signed:
            lo, hi = -(2 ** (bits - 1)) + (1 if narrow else 0), 2 ** (bits - 1) - 1
        else:
            lo, hi = 0, 2**bits - 1 - (1 if narrow else 0)
        t = x / scale + zero_point
        q = torch.floor(t) if rounding == "FLOOR" else torch.round(t)
        return (torch.clamp(q, lo, hi) - zero_point) * scale

    @staticmethod
    def symbolic(g, x, scale, zero_point, bitwidth, signed, narrow, rounding):
        return g.op(QONNX_DOMAIN + "::Quant", x, scale, zero_point, bitwidth, signed_i=int(signed),
                    narrow_i=int(narrow), rounding_mode_s=rounding)


class _Exporting:
    """Set while export_qonnx traces: the quantizers emit Quant nodes."""

    on = False


def _quant_node(x, scale, bits, signed, narrow, rounding):
    return QuantFn.apply(x, scale.to(torch.float32), torch.zeros((), dtype=torch.float32),
                         torch.tensor(float(bits)), signed, narrow, rounding)


class WeightQuant(nn.Module):
    """Symmetric signed narrow-range weights, a scale per output channel or
    (per_layer) one for the tensor, rounded up to `scale_bits` significant
    bits (24 less the input scale's: their product is a float32)."""

    def __init__(self, bits, per_layer=False, scale_bits=SCALE_BITS):
        super().__init__()
        self.bits = bits
        self.per_layer = per_layer
        self.scale_bits = scale_bits
        self.enabled = True

    def scale(self, w):
        qmax = 2 ** (self.bits - 1) - 1
        if self.per_layer:
            s = (w.detach().abs().max().clamp(min=1e-12) / qmax).reshape([1] * w.dim())
        else:
            m = w.detach().abs().flatten(1).amax(1)
            # A dead channel (all zero) gets the layer's scale: its codes are 0.
            m = torch.where(m > 0, m, m.max().clamp(min=1e-12))
            s = (m / qmax).reshape([-1] + [1] * (w.dim() - 1))
        # Up: the largest weight's code stays within qmax.
        return short_scale(s, self.scale_bits, up=True)

    def freeze(self, w):
        """The export's scale: per channel, or one number."""
        s = self.scale(w).detach().clone().to(torch.float32)
        return s.reshape(()) if self.per_layer else s

    def forward(self, w):
        if not self.enabled:
            return w
        if _Exporting.on:
            return _quant_node(w, self.frozen, self.bits, True, True, "ROUND")
        s = self.scale(w)
        qmax = 2 ** (self.bits - 1) - 1
        q = torch.clamp(torch.round(w / s), -qmax, qmax)
        return w + (q * s - w).detach()


class PactQuant(nn.Module):
    """Unsigned activations clipped at a learned alpha, rounded down."""

    def __init__(self, bits, alpha=4.0):
        super().__init__()
        self.bits = bits
        self.alpha = nn.Parameter(torch.tensor(float(alpha)))
        self.enabled = True

    def scale(self):
        return short_scale(self.alpha.detach().abs() / (2**self.bits - 1), SCALE_BITS)

    def forward(self, x):
        if not self.enabled:
            return torch.relu(x)
        if _Exporting.on:
            return _quant_node(torch.relu(x), self.frozen, self.bits, False, False, "FLOOR")
        levels = 2**self.bits - 1
        alpha = self.alpha.abs()
        y = torch.minimum(torch.relu(x), alpha)
        s = self.scale()
        # The codes as QONNX Quant computes them: floor, then clamp. (The
        # floor of the clipped y would give levels - 1 where alpha / s rounds
        # just below levels.)
        q = torch.clamp(torch.floor(torch.relu(x).detach() / s), 0, levels)
        return y + (q * s - y).detach()


class FixedQuant(nn.Module):
    """A fixed grid: the image (unsigned, 1/255) or the logits (signed 8 bits,
    scale from the running max of |x| while training)."""

    def __init__(self, bits, signed, scale=None, momentum=0.01):
        super().__init__()
        self.bits, self.signed, self.momentum = bits, signed, momentum
        self.learn = scale is None
        self.register_buffer("running_max", torch.tensor(1.0 if scale is None else scale * self._hi()))
        self.enabled = True

    def _hi(self):
        return 2 ** (self.bits - 1) - 1 if self.signed else 2**self.bits - 1

    def scale(self):
        s = self.running_max / self._hi()
        return short_scale(s, SCALE_BITS) if self.learn else s

    def forward(self, x):
        if self.learn and self.training:
            with torch.no_grad():
                m = x.detach().abs().max()
                self.running_max.mul_(1 - self.momentum).add_(self.momentum * m)
        if not self.enabled:
            return x
        if _Exporting.on:
            return _quant_node(x, self.frozen, self.bits, self.signed, False, "ROUND")
        s = self.scale()
        lo, hi = (-(2 ** (self.bits - 1)), self._hi()) if self.signed else (0, self._hi())
        q = torch.clamp(torch.round(x / s), lo, hi)
        return x + (q * s - x).detach()


class GridQuant(nn.Module):
    """Rounds to another quantizer's grid (half to even): what mpq's integer
    average pooling does to its result (docs/design.md: the pool is
    requantized to its input's grid), modelled so the fake-quant model sees
    the same values. Put it after an average pool, with the quantizer of the
    pool's input."""

    def __init__(self, source):
        super().__init__()
        self.source = [source]  # a list: not a submodule

    @property
    def enabled(self):
        return self.source[0].enabled

    def scale(self):
        return self.source[0].scale()

    def forward(self, x):
        src = self.source[0]
        if not src.enabled:
            return x
        if _Exporting.on:
            return _quant_node(x, self.frozen, src.bits, False, False, "ROUND")
        s = src.scale()
        q = torch.clamp(torch.round(x / s), 0, 2**src.bits - 1)
        return x + (q * s - x).detach()


class QConv2d(nn.Conv2d):
    """Conv2d with quantized weights (and a bias on the int32 grid). With
    per-layer weights the batch norm after it is folded into them while the
    weights are quantized: call the pair through conv_bn."""

    def setup(self, wbits, input_quant, batch_norm=None, per_layer=False):
        self.wq = WeightQuant(wbits, per_layer, 24 - input_scale_bits(input_quant))
        self.input_quant = [input_quant]  # lists: not submodules
        self.batch_norm = [batch_norm]
        self.folded = None  # the export's folded weights and bias
        self.bias_grid = None  # the export's int32 bias grid
        return self

    def folds_batch_norm(self):
        return self.wq.per_layer and self.wq.enabled and self.batch_norm[0] is not None

    def folded_parameters(self):
        """Weights and bias with the batch norm folded in (PL+FB), from its
        running statistics."""
        bn = self.batch_norm[0]
        gain = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        w = self.weight * gain.reshape([-1] + [1] * (self.weight.dim() - 1))
        b = bn.bias - bn.running_mean * gain
        if self.bias is not None:
            b = b + self.bias * gain
        return w, b

    def forward(self, x):
        if self.folds_batch_norm():
            w, b = self.folded if _Exporting.on else self.folded_parameters()
            return self._conv_forward(x, self.wq(w), snap_bias(b, self.wq.scale(w), self.input_quant[0],
                                                               self.bias_grid))
        w = self.wq(self.weight)
        return self._conv_forward(x, w, snap_bias(self.bias, self.wq.scale(self.weight), self.input_quant[0],
                                                  self.bias_grid))


def conv_bn(conv, x):
    """A QConv2d and the batch norm after it: the batch norm runs on the
    layer's output, unless the layer folds it into its weights. A folding
    layer still keeps the batch norm's running statistics current while
    training (on its float output, without gradients), so the fold follows
    the weights it is applied to, also without a float warm-up."""
    bn = conv.batch_norm[0]
    if bn is None or not conv.folds_batch_norm():
        y = conv(x)
        return y if bn is None else bn(y)
    if bn.training:
        with torch.no_grad():
            bn(conv._conv_forward(x, conv.weight, conv.bias))
    return conv(x)


class QLinear(nn.Linear):
    def setup(self, wbits, input_quant, per_layer=False):
        self.wq = WeightQuant(wbits, per_layer, 24 - input_scale_bits(input_quant))
        self.input_quant = [input_quant]
        self.bias_grid = None
        return self

    def forward(self, x):
        w = self.wq(self.weight)
        return nn.functional.linear(x, w, snap_bias(self.bias, self.wq.scale(self.weight), self.input_quant[0],
                                                    self.bias_grid))


def bias_grid(input_quant, weight_scale):
    """A layer's int32 bias grid, input scale x weight scale (per channel; a
    float32 exactly, see SCALE_BITS), or None where the input is not
    quantized."""
    if input_quant is None or not getattr(input_quant, "enabled", True):
        return None
    return (input_quant.scale() * weight_scale.flatten()).detach()


def snap_bias(bias, weight_scale, input_quant, export_grid=None):
    """The bias on the grid input scale x weight scale (per channel), as
    mpq's calibration puts it; the straight-through estimator trains it.
    While exporting, a Quant node to `export_grid` (int32 codes) if the
    layer has one: the export says where the bias is rounded, and its grid,
    s_x s_w,c exactly (SCALE_BITS), is the integer code's."""
    if _Exporting.on:
        if bias is None or export_grid is None:
            return bias
        return _quant_node(bias, export_grid, 32, True, False, "ROUND")
    grid = None if bias is None else bias_grid(input_quant, weight_scale)
    if grid is None:
        return bias
    return bias + (torch.round(bias / grid) * grid - bias).detach()


@torch.no_grad()
def snap_batch_norms(model):
    """Moves each batch norm's shift into its layer's bias, on the layer's
    int32 grid, as mpq's calibration does (docs/design.md, "Bias
    snapping"): the layer's bias b and the batch norm's shift together are
    b + (beta - mu gain) / gain in accumulator units (gain = gamma /
    sqrt(var + eps)), rounded half to even to a multiple of s_x s_w,c; that
    is the layer's bias, and the batch norm keeps only its gain (mean 0,
    beta 0). Equal in real arithmetic to what mpq computes in integers, so
    its snapping changes nothing; and in the export the bias is an int32
    Quant (snap_bias), which double arithmetic evaluates exactly (a beta
    would be a float32 rounding of gain x the bias). A channel with gain 0
    keeps its shift in the batch norm (its output is the shift anyway).
    Call on the trained model before the final evaluation and the export."""
    for m in model.modules():
        if not isinstance(m, QConv2d) or m.batch_norm[0] is None or m.input_quant[0] is None \
                or not m.wq.enabled or not getattr(m.input_quant[0], "enabled", True) or m.folds_batch_norm():
            continue
        bn = m.batch_norm[0]
        gain = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        live = gain != 0
        offset = (bn.bias - bn.running_mean * gain) / torch.where(live, gain, torch.ones_like(gain))
        if m.bias is None:
            m.bias = nn.Parameter(torch.zeros(m.out_channels, device=m.weight.device))
        grid = bias_grid(m.input_quant[0], m.wq.scale(m.weight))
        m.bias.copy_(torch.where(live, torch.round((m.bias + offset) / grid) * grid, m.bias))
        bn.bias.copy_(torch.where(live, torch.zeros_like(bn.bias), bn.bias - bn.running_mean * gain))
        bn.running_mean.zero_()


def set_quantization(model, enabled, weights=None):
    """Turns the activation, image and logit quantizers on or off, and the
    weight quantizers too if `weights` is given (False: the float model)."""
    for m in model.modules():
        if isinstance(m, (PactQuant, FixedQuant)):
            m.enabled = enabled
        elif isinstance(m, WeightQuant) and weights is not None:
            m.enabled = weights


@torch.no_grad()
def calibrate_pact(model, batches):
    """Sets each PACT alpha to the 99.9th percentile of what it sees on
    `batches` (with quantization off), the start QAT then trains from."""
    acts = [m for m in model.modules() if isinstance(m, PactQuant)]
    seen = {id(m): [] for m in acts}
    hooks = [m.register_forward_hook(lambda m, i, o: seen[id(m)].append(i[0].detach().flatten())) for m in acts]
    set_quantization(model, False)
    model.eval()
    for x in batches:
        model(x)
    for h in hooks:
        h.remove()
    for m in acts:
        v = torch.relu(torch.cat(seen[id(m)]))
        m.alpha.fill_(float(torch.quantile(v[:1_000_000], 0.999)) if v.numel() else 1.0)
    set_quantization(model, True)


def parse_widths(text):
    """'conv1:4:8,fc:2L:8' -> {'conv1': (4, 8, False), 'fc': (2, 8, True)}:
    weight bits (L: per layer) and output bits per module, as mpqc's --pins
    writes them."""
    widths = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, w, a = item.split(":")
        per_layer = w.upper().endswith("L")
        widths[name] = (int(w.rstrip("lL")), int(a), per_layer)
    return widths


def module_name(node):
    """The module an exported node belongs to, as torch names it
    (named_modules): '/conv1/Conv' -> 'conv1', '/blocks.5/pw/Conv' ->
    'blocks.5.pw'."""
    parts = [p for p in node.split("/") if p]
    return ".".join(parts[:-1]) if len(parts) >= 2 else parts[0]


def widths_from_report(path):
    """Weight and output widths per module from an mpqc report (its layers'
    weight_bits and output_bits), and whether the weights are per layer
    (weight_granularity "layer")."""
    with open(path) as f:
        report = json.load(f)
    widths = {}
    for layer in report["layers"]:
        if layer.get("weight_bits"):
            widths[module_name(layer["name"])] = (int(layer["weight_bits"]), int(layer["output_bits"]),
                                                  layer.get("weight_granularity") == "layer")
    return widths


def export_qonnx(model, example, path, input_names=("input",), output_names=("logits",)):
    """Writes the trained fake-quant model as ONNX with QONNX Quant nodes
    (batch norm kept as its own node; each bias through a 32-bit Quant to
    its int32 grid)."""
    import warnings

    model.eval()
    # Every grid as a constant, computed here rather than traced (the export
    # then holds the numbers, not the ops that computed them).
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (QConv2d, QLinear)):
                m.bias_grid = None
            if isinstance(m, QConv2d) and m.folds_batch_norm():
                # PL+FB: the folded weights on one grid, the folded bias on
                # the int32 grid, and no batch norm in the export.
                w, b = m.folded_parameters()
                m.wq.frozen = m.wq.freeze(w)
                m.bias_grid = bias_grid(m.input_quant[0], m.wq.frozen)
                if m.bias_grid is not None:
                    b = torch.round(b / m.bias_grid) * m.bias_grid
                m.folded = (w.detach().clone(), b.detach().clone())
            elif isinstance(m, (QConv2d, QLinear)) and m.wq.enabled:
                m.wq.frozen = m.wq.freeze(m.weight)
                if m.bias is not None:
                    m.bias_grid = bias_grid(m.input_quant[0], m.wq.frozen)
                if m.bias_grid is not None:
                    m.bias.copy_(torch.round(m.bias / m.bias_grid) * m.bias_grid)
            elif isinstance(m, (PactQuant, FixedQuant, GridQuant)):
                m.frozen = m.scale().detach().clone().to(torch.float32)
    _Exporting.on = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, example, path, opset_version=13, input_names=list(input_names),
                              output_names=list(output_names), training=torch.onnx.TrainingMode.PRESERVE,
                              do_constant_folding=True, custom_opsets={QONNX_DOMAIN: 1})
    finally:
        _Exporting.on = False
