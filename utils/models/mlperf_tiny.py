#!/usr/bin/python3
"""The four MLPerf-Tiny reference architectures in PyTorch, exported to ONNX three ways.

Architectures (as the MLPerf Tiny v1.x reference models in tensorflow's Keras define them, written
the way a PyTorch user ports them: symmetric Conv2d padding, torch.flatten, logits without the
final Softmax, Dropout as modules that vanish in eval mode):

  kws_dscnn      DS-CNN (small) keyword spotting: input [1,1,49,10] (MFCC frames x coefficients);
                 conv 10x4 stride 2 (padding 5,1) 64ch + BN + ReLU, 4 depthwise-separable blocks
                 (dw 3x3 + BN + ReLU, pw 1x1 64ch + BN + ReLU), AvgPool 25x5, fc 64->12.
  vww_mbv1       MobileNetV1 alpha=0.25 visual wake words: input [1,3,96,96]; conv 3x3 stride 2
                 8ch, 13 depthwise-separable blocks (16, 32/2, 32, 64/2, 64, 128/2, 128 x5,
                 256/2, 256), BN + ReLU after every conv, AdaptiveAvgPool2d(1), fc 256->2.
  ic_resnet8     ResNet-8 CIFAR-10: input [1,3,32,32]; conv 3x3 16ch + BN + ReLU; three residual
                 stages (16, 32/2, 64/2) of conv3x3+BN+ReLU, conv3x3+BN, shortcut (identity, or
                 a 1x1 stride-2 conv with bias and no BN as the reference has), Add, ReLU;
                 AvgPool 8x8, fc 64->10.  The Add+ReLU is a nn.quantized.FloatFunctional
                 (add_relu), as torchvision's quantizable ResNets write it: eager-mode
                 quantization cannot quantize a bare `+` (the converted model fails at run
                 time: "Could not run 'aten::add.out' with arguments from the 'QuantizedCPU'
                 backend").
  ad_autoencoder FC AutoEncoder anomaly detection: input [1,640] (5 frames x 128 log-mel);
                 Linear 640->128 + BN + ReLU x4, Linear 128->8 + BN + ReLU, Linear 8->128 + BN +
                 ReLU x4, Linear 128->640 (output [1,640]).

Exports (opset 13, input "input", output "output"; one set of float weights for all three):

  <arch>_float.onnx  the float model (BatchNormalization folded into the convs by the exporter's
                     eval-mode export).
  <arch>_ptq.onnx    eager-mode post-training quantization (torch.ao.quantization, the onednn
                     qconfig: per-channel symmetric int8 weights, uint8 activations on 0..255
                     from HistogramObserver ranges): QuantStub/DeQuantStub around everything,
                     conv+bn+relu / conv+bn / linear+bn fused (torch 1.13 has no linear+bn+relu
                     fusion, so the AutoEncoder's ReLUs stay quantized modules
                     between Q/DQ pairs, as eager-mode users get them), calibrated on the
                     calibration inputs, converted, exported (torch writes the QDQ form).
  <arch>_qat.onnx    quantization-aware training: the same fusions with fuse_modules_qat,
                     prepare_qat (onednn QAT qconfig), QAT_STEPS SGD steps that distil the float
                     model's outputs on the calibration inputs, eval, convert, export.

torch's quantized modules run on the QNNPACK engine: oneDNN, the default of Debian's torch (which
has no FBGEMM), corrupts the heap running the converted MobileNetV1; the exported files do not
depend on the engine.

Weights are healthy random weights (no public data set for these tasks ships in Debian): He-normal
conv/linear weights (fixed seeds), and every BatchNorm's running mean/var set to the statistics of
its input on the calibration inputs (one forward pass in order, each BN's pre-hook measuring the
input the earlier, already re-estimated layers give it), gamma ~ U(0.5, 1.5), beta =
gamma * U(-0.3, 1.0) before a ReLU and gamma * U(-0.2, 0.2) before a residual Add, as netbuild.py
does for the ONNX-built nets (utils/models/README.md).  Random deep nets give nearly the same
logits for every input (the fc's bias wins), so each classifier's fc is then standardized: rows
scaled and bias set so every logit has zero mean and unit variance over the calibration inputs
(standardize_classifier).  The health of every ReLU output on the
calibration inputs is printed (netbuild.format_health) and generation fails if a layer is
degenerate.

Inputs: deterministic smooth random fields in [-1, 1] (netbuild.smooth_fields; cropped to 49x10
for KWS, 5x128 flattened to 640 for the AutoEncoder).  Writes, per architecture:

  <arch>_calib.npy   [CALIB, ...] float32 calibration inputs (BN statistics, PTQ calibration, QAT)
  <arch>_inputs.npy  [TEST, ...] float32 test inputs (another seed)
  <arch>_<export>.in.npy / .out.npy   test input 0 and torch's output for it ([1, ...])

plus mlperf_tiny.json (architectures, files, parameter counts, torch's own agreement between the
float and the quantized modules).  Deterministic: byte-identical files on a rerun (one torch
thread, fixed seeds).

  mlperf_tiny.py --all OUTDIR [--arch NAME ...] [--calib N --test N --quiet]
"""

import argparse
import copy
import json
import os
import sys
import time
import warnings

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.ao.quantization as tq  # noqa: E402

import netbuild  # noqa: E402

nn = torch.nn
# torch 1.13's default qconfigs pass reduce_range to their observers, which warns on every use.
warnings.filterwarnings("ignore", message="Please use quant_min and quant_max")
ARCHS = ("kws_dscnn", "vww_mbv1", "ic_resnet8", "ad_autoencoder")
EXPORTS = ("float", "ptq", "qat")
CALIB = 32
TEST = 16
QAT_STEPS = 8
# The default qconfig of this torch build's default engine (Debian's torch has no FBGEMM):
# per-channel symmetric int8 weights, full-range uint8 activations (fbgemm's and x86's
# qconfigs reduce activations to 7 bits, which would handicap the int8 baseline).
QCONFIG = "onednn"
QAT_LR = 1e-4


# --------------------------------------------------------------------------- architectures


class ConvBnRelu(nn.Sequential):
    """conv (no bias) + BN (+ ReLU): the unit eager-mode fusion works on."""

    def __init__(self, cin, cout, k, stride=1, padding=0, groups=1, relu=True):
        layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups, bias=False),
                  nn.BatchNorm2d(cout)]
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)

    def fuse_list(self, prefix):
        return [[prefix + "." + str(i) for i in range(len(self))]]


class LinearBnRelu(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Linear(cin, cout), nn.BatchNorm1d(cout), nn.ReLU())

    def fuse_list(self, prefix):
        # torch 1.13 fuses (Linear, BatchNorm1d) and (Linear, ReLU), not all three.
        return [[prefix + ".0", prefix + ".1"]]


class Quantizable(nn.Module):
    """QuantStub -> body -> DeQuantStub; the stubs are identities in float."""

    def __init__(self):
        super().__init__()
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))

    def fuse_lists(self):
        out = []
        for name, m in self.named_modules():
            if isinstance(m, (ConvBnRelu, LinearBnRelu)):
                out += m.fuse_list(name)
        return out


class DsCnn(Quantizable):
    """MLPerf Tiny KWS reference, DS-CNN small (64 filters)."""

    def __init__(self, filters=64, classes=12):
        super().__init__()
        self.conv0 = ConvBnRelu(1, filters, (10, 4), stride=2, padding=(5, 1))
        self.drop0 = nn.Dropout(0.2)
        for i in range(1, 5):
            setattr(self, "dw%d" % i, ConvBnRelu(filters, filters, 3, padding=1, groups=filters))
            setattr(self, "pw%d" % i, ConvBnRelu(filters, filters, 1))
        self.drop1 = nn.Dropout(0.4)
        self.pool = nn.AvgPool2d((25, 5))
        self.fc = nn.Linear(filters, classes)

    def body(self, x):
        x = self.drop0(self.conv0(x))
        for i in range(1, 5):
            x = getattr(self, "pw%d" % i)(getattr(self, "dw%d" % i)(x))
        x = torch.flatten(self.pool(self.drop1(x)), 1)
        return self.fc(x)


class MobileNetV1(Quantizable):
    """MLPerf Tiny VWW reference: MobileNetV1 alpha=0.25, 96x96, 2 classes."""

    STRIDES = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1)
    WIDTHS = (64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024)

    def __init__(self, alpha=0.25, classes=2):
        super().__init__()
        c = int(32 * alpha)
        self.conv0 = ConvBnRelu(3, c, 3, stride=2, padding=1)
        for i, (s, w) in enumerate(zip(self.STRIDES, self.WIDTHS), start=1):
            setattr(self, "dw%d" % i, ConvBnRelu(c, c, 3, stride=s, padding=1, groups=c))
            setattr(self, "pw%d" % i, ConvBnRelu(c, int(w * alpha), 1))
            c = int(w * alpha)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, classes)

    def body(self, x):
        x = self.conv0(x)
        for i in range(1, 14):
            x = getattr(self, "pw%d" % i)(getattr(self, "dw%d" % i)(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = ConvBnRelu(cin, cout, 3, stride=stride, padding=1)
        self.conv2 = ConvBnRelu(cout, cout, 3, padding=1, relu=False)
        # The reference's projection shortcut: a 1x1 conv (with bias), no BN.
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride) if stride != 1 or cin != cout else None
        self.add_relu = nn.quantized.FloatFunctional()

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        s = self.shortcut(x) if self.shortcut is not None else x
        return self.add_relu.add_relu(y, s)


class ResNet8(Quantizable):
    """MLPerf Tiny image-classification reference: ResNet-8 for CIFAR-10."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv0 = ConvBnRelu(3, 16, 3, padding=1)
        self.stage1 = ResBlock(16, 16, 1)
        self.stage2 = ResBlock(16, 32, 2)
        self.stage3 = ResBlock(32, 64, 2)
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, classes)

    def body(self, x):
        x = self.stage3(self.stage2(self.stage1(self.conv0(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


class AutoEncoder(Quantizable):
    """MLPerf Tiny anomaly-detection reference: the FC AutoEncoder (ToyADMOS)."""

    def __init__(self, inputs=640, hidden=128, code=8):
        super().__init__()
        dims = [inputs, hidden, hidden, hidden, hidden, code, hidden, hidden, hidden, hidden]
        for i in range(9):
            setattr(self, "fc%d" % i, LinearBnRelu(dims[i], dims[i + 1]))
        self.out = nn.Linear(hidden, inputs)

    def body(self, x):
        for i in range(9):
            x = getattr(self, "fc%d" % i)(x)
        return self.out(x)


SPECS = {
    # name: (class, input shape without batch, weight seed, input seed)
    "kws_dscnn": (DsCnn, (1, 49, 10), 1301, 2301),
    "vww_mbv1": (MobileNetV1, (3, 96, 96), 1302, 2302),
    "ic_resnet8": (ResNet8, (3, 32, 32), 1303, 2303),
    "ad_autoencoder": (AutoEncoder, (640,), 1304, 2304),
}


# --------------------------------------------------------------------------- inputs


def make_inputs(arch, n, seed):
    shape = SPECS[arch][1]
    if arch == "kws_dscnn":  # 49 frames x 10 MFCCs: the top-left corner of a 49x49 field
        return np.ascontiguousarray(netbuild.smooth_fields(n, 1, 49, seed)[:, :, :, :10])
    if arch == "ad_autoencoder":  # 5 frames x 128 log-mel bins, flattened frame by frame
        return np.ascontiguousarray(netbuild.smooth_fields(n, 1, 128, seed)[:, 0, :5, :].reshape(n, 640))
    return netbuild.smooth_fields(n, shape[0], shape[1], seed)


# --------------------------------------------------------------------------- healthy weights


def he_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.uniform_(m.bias, -0.1, 0.1)


def relu_follows(model):
    """BN modules followed by a ReLU (directly, or through add_relu after the residual Add)."""
    out = {}
    for m in model.modules():
        if isinstance(m, (ConvBnRelu, LinearBnRelu)):
            out[m[1]] = len(m) == 3
    return out


def reestimate_bn(model, calib, rng):
    """Sets each BN's running statistics to those of its input on `calib` (in forward order)."""
    before_relu = relu_follows(model)
    hooks = []

    def pre_hook(bn, inputs):
        x = inputs[0].detach().double()
        axes = [0] + list(range(2, x.dim()))
        c = x.shape[1]
        bn.running_mean.copy_(x.mean(dim=axes).float())
        bn.running_var.copy_(x.var(dim=axes, unbiased=False).float())
        gamma = rng.uniform(0.5, 1.5, c)
        lo, hi = (-0.3, 1.0) if before_relu[bn] else (-0.2, 0.2)
        beta = gamma * rng.uniform(lo, hi, c)
        bn.weight.copy_(torch.from_numpy(gamma).float())
        bn.bias.copy_(torch.from_numpy(beta).float())

    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            hooks.append(m.register_forward_pre_hook(pre_hook))
    model.eval()
    with torch.no_grad():
        model(torch.from_numpy(calib))
    for h in hooks:
        h.remove()


def standardize_classifier(model, calib):
    """Scales the classifier's rows and sets its bias so every logit has zero mean and unit
    standard deviation over the calibration inputs.  With random weights the pooled features
    vary little from input to input, and the raw logits are mostly the fc's bias (the same
    class wins for every input); the BN re-estimation of the classifier, so to speak."""
    fc = model.fc
    got = []
    h = fc.register_forward_hook(lambda _m, _i, out: got.append(out.detach().double()))
    with torch.no_grad():
        model(torch.from_numpy(calib))
    h.remove()
    y = got[0]
    mean, std = y.mean(dim=0), y.std(dim=0, unbiased=False)
    with torch.no_grad():
        fc.weight.copy_((fc.weight.double() / std[:, None]).float())
        fc.bias.copy_(((fc.bias.double() - mean) / std).float())


def health(model, calib):
    """netbuild health entries of every ReLU output (and the final output) on `calib`."""
    entries, hooks = [], []

    def hook(name, unsigned):
        def fn(_m, _inp, out):
            h = netbuild.tensor_health(out.detach().numpy(), unsigned)
            h.update(layer=name, tensor=name, kind="relu" if unsigned else "out", unsigned=unsigned)
            entries.append(h)
        return fn

    for name, m in model.named_modules():
        if isinstance(m, nn.ReLU):
            hooks.append(m.register_forward_hook(hook(name.rsplit(".", 1)[0], True)))
        elif isinstance(m, nn.quantized.FloatFunctional):
            # add_relu is a method call, not a module call: wrap it.
            orig = m.add_relu

            def wrapped(a, b, _orig=orig, _name=name):
                y = _orig(a, b)
                hook(_name, True)(None, None, y)
                return y
            m.add_relu = wrapped
    with torch.no_grad():
        y = model(torch.from_numpy(calib))
    hook("output", False)(None, None, y)
    for h in hooks:
        h.remove()
    for m in model.modules():
        if isinstance(m, nn.quantized.FloatFunctional) and "add_relu" in m.__dict__:
            del m.add_relu
    return entries


def build_float(arch, calib):
    cls, _shape, wseed, _ = SPECS[arch]
    torch.manual_seed(wseed)
    model = cls()
    he_init(model)
    reestimate_bn(model, calib, np.random.default_rng(wseed))
    if hasattr(model, "fc"):
        standardize_classifier(model, calib)
    model.eval()
    return model


# --------------------------------------------------------------------------- quantization


def build_ptq(fmodel, calib):
    model = copy.deepcopy(fmodel).eval()
    model.qconfig = tq.get_default_qconfig(QCONFIG)
    tq.fuse_modules(model, model.fuse_lists(), inplace=True)
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for i in range(0, len(calib), 8):
            model(torch.from_numpy(calib[i:i + 8]))
    tq.convert(model, inplace=True)
    return model


def build_qat(fmodel, calib, steps=QAT_STEPS):
    model = copy.deepcopy(fmodel).train()
    model.qconfig = tq.get_default_qat_qconfig(QCONFIG)
    tq.fuse_modules_qat(model, model.fuse_lists(), inplace=True)
    tq.prepare_qat(model, inplace=True)
    x = torch.from_numpy(calib)
    with torch.no_grad():
        target = fmodel(x)
    opt = torch.optim.SGD(model.parameters(), lr=QAT_LR, momentum=0.9)
    g = torch.Generator().manual_seed(7)
    for _ in range(steps):
        idx = torch.randperm(len(x), generator=g)[:16]
        loss = (model(x[idx]) - target[idx]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    tq.convert(model, inplace=True)
    return model


def agreement(ref, got):
    ref, got = ref.astype(np.float64), got.astype(np.float64)
    err = got - ref
    sqnr = 10 * np.log10(np.sum(ref ** 2) / max(np.sum(err ** 2), 1e-30))
    out = {"sqnr_db": round(float(sqnr), 2), "max_abs_err": float(np.abs(err).max())}
    if ref.ndim == 2 and ref.shape[1] <= 16:
        out["top1_agreement"] = float(np.mean(ref.argmax(1) == got.argmax(1)))
    return out


def export(model, path, example):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, path, opset_version=13, input_names=["input"],
                          output_names=["output"])


def generate(arch, outdir, n_calib=CALIB, n_test=TEST, quiet=False):
    _, shape, _, iseed = SPECS[arch]
    calib = make_inputs(arch, n_calib, iseed)
    test = make_inputs(arch, n_test, iseed + 1000)
    fmodel = build_float(arch, calib)
    hl = health(fmodel, calib)
    bad = [(h["layer"], netbuild.health_problems(h)) for h in hl if netbuild.health_problems(h)]
    if not quiet:
        print("== %s: %d parameters" % (arch, sum(p.numel() for p in fmodel.parameters())))
        print(netbuild.format_health(hl))
    if bad:
        raise SystemExit("mlperf_tiny: %s is degenerate: %s" % (arch, bad))
    np.save(os.path.join(outdir, arch + "_calib.npy"), calib)
    np.save(os.path.join(outdir, arch + "_inputs.npy"), test)
    xt = torch.from_numpy(test)
    with torch.no_grad():
        ref = fmodel(xt).numpy()
    info = {"input_shape": [1] + list(shape), "parameters": int(sum(p.numel() for p in fmodel.parameters())),
            "exports": {}}
    for kind in EXPORTS:
        t0 = time.time()
        model = fmodel if kind == "float" else build_ptq(fmodel, calib) if kind == "ptq" else build_qat(fmodel, calib)
        name = "%s_%s" % (arch, kind)
        with torch.no_grad():
            out = model(xt).numpy()
        export(model, os.path.join(outdir, name + ".onnx"), xt[:1])
        np.save(os.path.join(outdir, name + ".in.npy"), test[:1])
        np.save(os.path.join(outdir, name + ".out.npy"), out[:1])
        info["exports"][kind] = {"file": name + ".onnx", "torch_vs_float": agreement(ref, out),
                                 "seconds": round(time.time() - t0, 2)}
        if not quiet:
            print("%-22s torch vs float on %d test inputs: %s" % (name, n_test, info["exports"][kind]["torch_vs_float"]))
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
    # oneDNN, the default engine of Debian's torch, corrupts the heap running the converted
    # MobileNetV1 ("double free or corruption"). QNNPACK runs the same per-channel modules;
    # the exported QDQ files do not depend on the engine.
    torch.backends.quantized.engine = "qnnpack"
    os.makedirs(args.all, exist_ok=True)
    summary = {"calibration_inputs": args.calib, "test_inputs": args.test, "qat_steps": QAT_STEPS, "models": {}}
    for arch in args.arch or ARCHS:
        summary["models"][arch] = generate(arch, args.all, args.calib, args.test, args.quiet)
    for arch in summary["models"]:
        for e in summary["models"][arch]["exports"].values():
            e.pop("seconds")  # keep the JSON byte-identical across runs
    with open(os.path.join(args.all, "mlperf_tiny.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
