#!/usr/bin/python3
"""Two DAG-shaped CNNs for the model zoo, in PyTorch, exported to ONNX three ways.

The MLPerf-Tiny nets (mlperf_tiny.py) are chains with at most a residual Add; these two have the
joins real MCU models have: a Concat of computed branches on their own grids (SqueezeNet's fire
module) and a decoder that upsamples with nearest Resize and joins the encoder's features with an
Add (FPN lateral connection) and a Concat (U-Net skip).  Written the way a PyTorch user writes
them for eager-mode quantization: the joins are nn.quantized.FloatFunctional (cat, add_relu),
the upsampling is F.interpolate(scale_factor=2, mode="nearest").

  squeezenet_fire  SqueezeNet-style classifier: input [1,3,32,32]; conv 3x3 16ch + BN + ReLU,
                   MaxPool 2; fire1 (squeeze 1x1 16->8, expand 1x1 8->16 and 3x3 8->16, each
                   conv + BN + ReLU, Concat -> 32ch), fire2 (32 -> 8 -> 16+16); MaxPool 2;
                   fire3 (32 -> 16 -> 32+32 = 64ch); AdaptiveAvgPool2d(1), fc 64->10.
  unet_decoder     encoder-decoder with a per-pixel head: input [1,3,32,32]; encoder enc0 conv
                   3x3 16ch @32x32, enc1 conv 3x3/2 32ch @16x16, enc2 conv 3x3/2 48ch @8x8 (each
                   + BN + ReLU); FPN level: reduce 1x1 48->32 + BN, nearest x2 upsample to 16x16,
                   lateral 1x1 32->32 + BN on enc1, Add + ReLU, smooth conv 3x3 32 + BN + ReLU;
                   U-Net level: nearest x2 upsample to 32x32, Concat with enc0 (32+16 = 48ch),
                   conv 3x3 48->8 + BN + ReLU; head 1x1 8->4 (output [1,4,32,32], per-pixel
                   class logits, no Softmax).

Exports (opset 13, input "input", output "output"; one set of float weights for all three), as
mlperf_tiny.py makes them (its build_ptq / build_qat, onednn qconfig, QNNPACK engine):

  <arch>_float.onnx  the float model (BatchNormalization folded by the eval-mode export).
  <arch>_ptq.onnx    eager-mode post-training quantization: fuse conv+bn(+relu), prepare,
                     calibrate on the calibration inputs, convert, export (QDQ form: the Concat
                     is DequantizeLinear x2 -> Concat -> QuantizeLinear, the Resize
                     DequantizeLinear -> Resize -> QuantizeLinear).
  <arch>_qat.onnx    quantization-aware training (8 distillation steps), convert, export.

Weights: healthy random weights as mlperf_tiny.py makes them (He-normal, every BN's statistics
re-estimated on the calibration inputs in forward order, gamma ~ U(0.5, 1.5), beta = gamma *
U(-0.3, 1.0) before a ReLU and gamma * U(-0.2, 0.2) before the Add); the last layer (fc, or the
decoder's per-pixel head) standardized so every output channel has zero mean and unit variance
over the calibration inputs.  The health of every ReLU output is printed and generation fails on
a degenerate layer.  Inputs: smooth random fields in [-1, 1] (netbuild.smooth_fields).  Writes,
per architecture, <arch>_calib.npy (32), <arch>_inputs.npy (16, another seed),
<arch>_<export>.in.npy / .out.npy (test input 0 and torch's output), and zoo_dag.json.
Deterministic (one torch thread, fixed seeds).

  zoo_dag.py --all OUTDIR [--arch squeezenet_fire|unet_decoder ...] [--calib N --test N --quiet]
"""

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import mlperf_tiny  # noqa: E402
import netbuild  # noqa: E402
from mlperf_tiny import ConvBnRelu, Quantizable  # noqa: E402

nn = torch.nn
ARCHS = ("squeezenet_fire", "unet_decoder")
EXPORTS = mlperf_tiny.EXPORTS
CALIB = mlperf_tiny.CALIB
TEST = mlperf_tiny.TEST


# --------------------------------------------------------------------------- architectures


class Fire(nn.Module):
    """SqueezeNet's fire module: squeeze 1x1, then expand 1x1 and expand 3x3 side by side,
    concatenated along the channels (each branch ends in its own ReLU)."""

    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = ConvBnRelu(cin, squeeze, 1)
        self.expand1 = ConvBnRelu(squeeze, expand, 1)
        self.expand3 = ConvBnRelu(squeeze, expand, 3, padding=1)
        self.cat = nn.quantized.FloatFunctional()

    def forward(self, x):
        s = self.squeeze(x)
        return self.cat.cat([self.expand1(s), self.expand3(s)], dim=1)


class SqueezeFire(Quantizable):
    def __init__(self, classes=10):
        super().__init__()
        self.conv0 = ConvBnRelu(3, 16, 3, padding=1)
        self.pool0 = nn.MaxPool2d(2)
        self.fire1 = Fire(16, 8, 16)
        self.fire2 = Fire(32, 8, 16)
        self.pool1 = nn.MaxPool2d(2)
        self.fire3 = Fire(32, 16, 32)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def body(self, x):
        x = self.fire2(self.fire1(self.pool0(self.conv0(x))))
        x = self.fire3(self.pool1(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class UNetDecoder(Quantizable):
    def __init__(self, classes=4):
        super().__init__()
        self.enc0 = ConvBnRelu(3, 16, 3, padding=1)
        self.enc1 = ConvBnRelu(16, 32, 3, stride=2, padding=1)
        self.enc2 = ConvBnRelu(32, 48, 3, stride=2, padding=1)
        self.reduce = ConvBnRelu(48, 32, 1, relu=False)
        self.lateral = ConvBnRelu(32, 32, 1, relu=False)
        self.add_relu = nn.quantized.FloatFunctional()
        self.smooth = ConvBnRelu(32, 32, 3, padding=1)
        self.cat = nn.quantized.FloatFunctional()
        self.dec0 = ConvBnRelu(48, 8, 3, padding=1)
        self.head = nn.Conv2d(8, classes, 1)

    def body(self, x):
        e0 = self.enc0(x)
        e1 = self.enc1(e0)
        e2 = self.enc2(e1)
        up = F.interpolate(self.reduce(e2), scale_factor=2, mode="nearest")
        d1 = self.smooth(self.add_relu.add_relu(up, self.lateral(e1)))
        up = F.interpolate(d1, scale_factor=2, mode="nearest")
        d0 = self.dec0(self.cat.cat([up, e0], dim=1))
        return self.head(d0)


SPECS = {
    # name: (class, input shape without batch, weight seed, input seed)
    "squeezenet_fire": (SqueezeFire, (3, 32, 32), 1311, 2311),
    "unet_decoder": (UNetDecoder, (3, 32, 32), 1312, 2312),
}


def make_inputs(arch, n, seed):
    shape = SPECS[arch][1]
    return netbuild.smooth_fields(n, shape[0], shape[1], seed)


def last_layer(model):
    return model.fc if hasattr(model, "fc") else model.head


def standardize_last(model, calib):
    """mlperf_tiny.standardize_classifier for a Linear or a 1x1 conv head: every output channel
    zero mean, unit variance over the calibration inputs (and, for the head, every pixel)."""
    layer = last_layer(model)
    got = []
    h = layer.register_forward_hook(lambda _m, _i, out: got.append(out.detach().double()))
    with torch.no_grad():
        model(torch.from_numpy(calib))
    h.remove()
    y = got[0]
    axes = [0] + list(range(2, y.dim()))
    mean, std = y.mean(dim=axes), y.std(dim=axes, unbiased=False)
    with torch.no_grad():
        w = layer.weight.double()
        scale = (1 / std).reshape([-1] + [1] * (w.dim() - 1))
        layer.weight.copy_((w * scale).float())
        layer.bias.copy_(((layer.bias.double() - mean) / std).float())


def build_float(arch, calib):
    cls, _shape, wseed, _ = SPECS[arch]
    torch.manual_seed(wseed)
    model = cls()
    mlperf_tiny.he_init(model)
    mlperf_tiny.reestimate_bn(model, calib, np.random.default_rng(wseed))
    standardize_last(model, calib)
    model.eval()
    return model


def generate(arch, outdir, n_calib=CALIB, n_test=TEST, quiet=False):
    _, shape, _, iseed = SPECS[arch]
    calib = make_inputs(arch, n_calib, iseed)
    test = make_inputs(arch, n_test, iseed + 1000)
    fmodel = build_float(arch, calib)
    hl = mlperf_tiny.health(fmodel, calib)
    bad = [(h["layer"], netbuild.health_problems(h)) for h in hl if netbuild.health_problems(h)]
    if not quiet:
        print("== %s: %d parameters" % (arch, sum(p.numel() for p in fmodel.parameters())))
        print(netbuild.format_health(hl))
    if bad:
        raise SystemExit("zoo_dag: %s is degenerate: %s" % (arch, bad))
    np.save(os.path.join(outdir, arch + "_calib.npy"), calib)
    np.save(os.path.join(outdir, arch + "_inputs.npy"), test)
    xt = torch.from_numpy(test)
    with torch.no_grad():
        ref = fmodel(xt).numpy()
    info = {"input_shape": [1] + list(shape), "parameters": int(sum(p.numel() for p in fmodel.parameters())),
            "exports": {}}
    for kind in EXPORTS:
        t0 = time.time()
        if kind == "float":
            model = fmodel
        elif kind == "ptq":
            model = mlperf_tiny.build_ptq(fmodel, calib)
        else:
            model = mlperf_tiny.build_qat(fmodel, calib)
        name = "%s_%s" % (arch, kind)
        with torch.no_grad():
            out = model(xt).numpy()
        mlperf_tiny.export(model, os.path.join(outdir, name + ".onnx"), xt[:1])
        np.save(os.path.join(outdir, name + ".in.npy"), test[:1])
        np.save(os.path.join(outdir, name + ".out.npy"), out[:1])
        info["exports"][kind] = {"file": name + ".onnx", "torch_vs_float": mlperf_tiny.agreement(ref, out),
                                 "seconds": round(time.time() - t0, 2)}
        if not quiet:
            print("%-22s torch vs float on %d test inputs: %s"
                  % (name, n_test, info["exports"][kind]["torch_vs_float"]))
    info["health"] = {"min_distinct_codes": min(h["distinct_codes"] for h in hl),
                      "min_frac_pos": min(h["frac_pos"] for h in hl if h["unsigned"])}
    return info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", metavar="OUTDIR", required=True, help="write every model into OUTDIR")
    ap.add_argument("--arch", action="append", choices=ARCHS, help="only these architectures (repeatable)")
    ap.add_argument("--calib", type=int, default=CALIB, help="calibration inputs per architecture")
    ap.add_argument("--test", type=int, default=TEST, help="test inputs per architecture")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.backends.quantized.engine = "qnnpack"  # as mlperf_tiny.py (oneDNN corrupts the heap)
    os.makedirs(args.all, exist_ok=True)
    summary = {"calibration_inputs": args.calib, "test_inputs": args.test, "models": {}}
    for arch in args.arch or ARCHS:
        summary["models"][arch] = generate(arch, args.all, args.calib, args.test, args.quiet)
    for arch in summary["models"]:
        for e in summary["models"][arch]["exports"].values():
            e.pop("seconds")  # keep the JSON byte-identical across runs
    with open(os.path.join(args.all, "zoo_dag.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
