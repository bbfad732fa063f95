#!/usr/bin/python3
"""A small CNN with a LayerNorm MLP head, in PyTorch, exported to ONNX at opsets 17 and 13.

  ln_mlp   input [1,3,32,32]; conv 3x3/2 3->16 + BN + ReLU (16x16), conv 3x3/2 16->32 + BN +
           ReLU (8x8), AdaptiveAvgPool2d(1), flatten; head: Linear 32->64, LayerNorm(64),
           ReLU, Linear 64->10 (logits).  The _softmax variants end in Softmax(dim=1).

The head is what transformer-style and MLP-Mixer-style classifiers put after a CNN trunk.  Each
model is exported twice from the same weights, because the two opsets give the importer two
different graphs for the same LayerNorm:

  ln_mlp_opset17.onnx          one LayerNormalization node (axis -1, epsilon 1e-5)
  ln_mlp_opset13.onnx          the pattern torch writes below opset 17: ReduceMean -> Sub ->
                               Pow(2) -> ReduceMean -> Add(eps) -> Sqrt -> Div -> Mul(gamma) ->
                               Add(beta)
  ln_mlp_softmax_opset17.onnx, ln_mlp_softmax_opset13.onnx   the same with the final Softmax

Weights: healthy random weights as mlperf_tiny.py makes them (He-normal, BN statistics
re-estimated on the calibration inputs, gamma ~ U(0.5, 1.5), beta = gamma * U(-0.3, 1.0)); the
LayerNorm's gamma and beta likewise, after taking out each normalized feature's mean and
standard deviation over the calibration inputs (with random weights a feature normalized over
the features of one input is still nearly constant from input to input); the last Linear is
standardized (every logit zero mean, unit variance over the calibration inputs).  The health of
every ReLU output is printed and generation fails on a degenerate layer.  After export, the
generator checks with onnx that each file holds the expected nodes (fails otherwise).

Writes ln_mlp_calib.npy (32 calibration inputs), ln_mlp_inputs.npy (16 test inputs, another
seed), <model>.in.npy / .out.npy (test input 0 and torch's output) and layernorm_head.json (node
lists, torch's outputs' agreement).  Deterministic (one torch thread, fixed seeds).

  layernorm_head.py --all OUTDIR [--calib N --test N --quiet]
"""

import argparse
import json
import os
import sys
import warnings

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

import mlperf_tiny  # noqa: E402
import netbuild  # noqa: E402
from mlperf_tiny import ConvBnRelu  # noqa: E402

nn = torch.nn
CALIB = mlperf_tiny.CALIB
TEST = mlperf_tiny.TEST
WEIGHT_SEED, INPUT_SEED = 1321, 2321
INPUT_SHAPE = (3, 32, 32)
OPSETS = (17, 13)
# The nodes torch 1.13 writes for nn.LayerNorm below opset 17, in order.
DECOMPOSED = ["ReduceMean", "Sub", "Pow", "ReduceMean", "Add", "Sqrt", "Div", "Mul", "Add"]


class LnMlp(nn.Module):
    def __init__(self, classes=10, hidden=64, softmax=False):
        super().__init__()
        self.conv0 = ConvBnRelu(3, 16, 3, stride=2, padding=1)
        self.conv1 = ConvBnRelu(16, 32, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(32, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(hidden, classes)
        self.softmax = nn.Softmax(dim=1) if softmax else None

    def forward(self, x):
        x = torch.flatten(self.pool(self.conv1(self.conv0(x))), 1)
        x = self.fc(self.relu(self.norm(self.fc1(x))))
        return self.softmax(x) if self.softmax is not None else x


def make_inputs(n, seed):
    return netbuild.smooth_fields(n, INPUT_SHAPE[0], INPUT_SHAPE[1], seed)


def build_float(calib):
    torch.manual_seed(WEIGHT_SEED)
    model = LnMlp()
    mlperf_tiny.he_init(model)
    rng = np.random.default_rng(WEIGHT_SEED)
    mlperf_tiny.reestimate_bn(model, calib, rng)
    # The LayerNorm's affine part, set as a BN's would be: normalized over the features of each
    # input, a feature is still offset and scaled from input to input, so gamma and beta take
    # each normalized feature's statistics z_j over the calibration inputs out first
    # (gamma_j = g_j / std(z_j), beta_j = b_j - g_j mean(z_j) / std(z_j)).
    got = []
    h = model.norm.register_forward_hook(lambda _m, i, _o: got.append(i[0].detach().double()))
    with torch.no_grad():
        model(torch.from_numpy(calib))
    h.remove()
    x = got[0]
    z = (x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, unbiased=False, keepdim=True) + model.norm.eps)
    zm, zs = z.mean(0).numpy(), z.std(0, unbiased=False).numpy()
    g = rng.uniform(0.5, 1.5, len(zm))
    b = g * rng.uniform(-0.3, 1.0, len(zm))
    with torch.no_grad():
        model.norm.weight.copy_(torch.from_numpy(g / zs).float())
        model.norm.bias.copy_(torch.from_numpy(b - g * zm / zs).float())
    mlperf_tiny.standardize_classifier(model, calib)
    model.eval()
    return model


def with_softmax(model):
    out = LnMlp(softmax=True)
    out.load_state_dict(model.state_dict())
    return out.eval()


def op_types(path):
    return [n.op_type for n in onnx.load(path).graph.node if n.op_type != "Constant"]


def check_export(path, opset):
    """The nodes the file must hold: one LayerNormalization at opset 17, torch's decomposition
    (DECOMPOSED, in order) below it."""
    model = onnx.load(path)
    onnx.checker.check_model(model)
    ops = op_types(path)
    got_opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if got_opset != [opset]:
        raise SystemExit("layernorm_head: %s: opset %s, expected %d" % (path, got_opset, opset))
    if opset >= 17:
        if ops.count("LayerNormalization") != 1 or "ReduceMean" in ops:
            raise SystemExit("layernorm_head: %s: expected one LayerNormalization node, got %s" % (path, ops))
    else:
        i = ops.index("ReduceMean") if "ReduceMean" in ops else -1
        if "LayerNormalization" in ops or i < 0 or ops[i:i + len(DECOMPOSED)] != DECOMPOSED:
            raise SystemExit("layernorm_head: %s: expected the pattern %s, got %s" % (path, DECOMPOSED, ops))
    return ops


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", metavar="OUTDIR", required=True, help="write every model into OUTDIR")
    ap.add_argument("--calib", type=int, default=CALIB, help="calibration inputs")
    ap.add_argument("--test", type=int, default=TEST, help="test inputs")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(args.all, exist_ok=True)
    calib = make_inputs(args.calib, INPUT_SEED)
    test = make_inputs(args.test, INPUT_SEED + 1000)
    model = build_float(calib)
    hl = mlperf_tiny.health(model, calib)
    bad = [(h["layer"], netbuild.health_problems(h)) for h in hl if netbuild.health_problems(h)]
    if not args.quiet:
        print("== ln_mlp: %d parameters" % sum(p.numel() for p in model.parameters()))
        print(netbuild.format_health(hl))
    if bad:
        raise SystemExit("layernorm_head: ln_mlp is degenerate: %s" % bad)
    np.save(os.path.join(args.all, "ln_mlp_calib.npy"), calib)
    np.save(os.path.join(args.all, "ln_mlp_inputs.npy"), test)
    xt = torch.from_numpy(test)
    summary = {"calibration_inputs": args.calib, "test_inputs": args.test,
               "parameters": int(sum(p.numel() for p in model.parameters())), "models": {}}
    for variant, net in (("ln_mlp", model), ("ln_mlp_softmax", with_softmax(model))):
        with torch.no_grad():
            out = net(xt).numpy()
        for opset in OPSETS:
            name = "%s_opset%d" % (variant, opset)
            path = os.path.join(args.all, name + ".onnx")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(net, xt[:1], path, opset_version=opset, input_names=["input"],
                                  output_names=["output"])
            ops = check_export(path, opset)
            np.save(os.path.join(args.all, name + ".in.npy"), test[:1])
            np.save(os.path.join(args.all, name + ".out.npy"), out[:1])
            summary["models"][name] = {"file": name + ".onnx", "opset": opset, "nodes": ops}
            if not args.quiet:
                print("%-26s %s" % (name, " ".join(ops)))
    with open(os.path.join(args.all, "layernorm_head.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
