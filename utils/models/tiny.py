#!/usr/bin/python3
"""Generate tiny ONNX CNNs for mpq's fast tests (healthy random weights, opset 13).

Models (--name):
  chain      conv0-bn-relu, conv1-bn-relu (stride 2), GAP, Flatten, fc; input [1,3,8,8]
  residual   conv0-bn-relu, conv1-bn-relu, conv2-bn, Add(conv0, conv2), Relu, GAP, fc
  pools      conv-bn-relu, MaxPool 2x2/2, conv-bn-relu, AveragePool 3x3/1 pads 1
             (count_include_pad=0), conv-bn-relu, AveragePool 2x2/2 (count_include_pad=1
             irrelevant: no pads), GAP, fc; input [1,3,16,16]
  nhwc       BlazeFace-like: NHWC input [1,8,8,3], Transpose to NCHW, conv-bn-relu ×2,
             two heads (1x1 convs) each Transposed back to NHWC and Reshaped to
             [1,-1,4] ("boxes") and [1,-1,1] ("scores") with Reshape shape [0,-1,C]
  depthwise  conv 3x3/2, then dw 3x3 + pw 1x1 twice (second dw stride 2), GAP, fc;
             input [1,3,16,16]
  qdq        hand-built QDQ int8: QuantizeLinear/DequantizeLinear (uint8) on the input,
             conv with per-axis int8 weights (DequantizeLinear axis 0) and int32 bias,
             Relu, QDQ uint8 (zero point 0), a second such conv, QDQ uint8 output
  qonnx      QONNX `Quant` nodes (domain qonnx.custom_op.general; inputs x, scale,
             zero_point, bitwidth; attributes signed, narrow, rounding_mode): 8-bit input,
             4-bit weights / 4-bit activations on conv0, 2-bit weights / 2-bit activations
             on conv1, 4-bit fc weights.  Not checkable by onnx.checker (unknown domain),
             still a valid protobuf.

Next to each model `tiny_<name>.onnx` the generator writes `tiny_<name>.in.npy` (the first
calibration image) and `tiny_<name>.out.npy` (npref's output; `.out1.npy`... for further
outputs).
"""

import argparse
import json
import os
import sys

import numpy as np
from onnx import helper

sys.dont_write_bytecode = True  # never write __pycache__ into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netbuild  # noqa: E402
import npref  # noqa: E402

NAMES = ("chain", "residual", "pools", "nhwc", "depthwise", "qdq", "qonnx")
QONNX_DOMAIN = "qonnx.custom_op.general"
N_CALIB = 8


def _calib(size, seed, nhwc=False):
    x = netbuild.smooth_fields(N_CALIB, 3, size, seed)
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if nhwc else x


def build_chain():
    n = netbuild.Net("tiny_chain", seed=11)
    x = n.input("input", _calib(8, 111))
    x = n.conv_bn_act(x, 8, 3, name="conv0")
    x = n.conv_bn_act(x, 16, 3, stride=2, name="conv1")
    n.output(n.fc(n.gap_flatten(x), 10))
    return n


def build_residual():
    n = netbuild.Net("tiny_residual", seed=12)
    x = n.input("input", _calib(8, 112))
    a = n.conv_bn_act(x, 8, 3, name="conv0")
    b = n.conv_bn_act(a, 8, 3, name="conv1")
    b = n.conv_bn_act(b, 8, 3, act=None, name="conv2")
    s = n.add(a, b, "add")
    s = n.node("Relu", [s], "add_relu")
    n.record("add_relu", s, "relu", unsigned=True)
    n.output(n.fc(n.gap_flatten(s), 10))
    return n


def build_pools():
    n = netbuild.Net("tiny_pools", seed=13)
    x = n.input("input", _calib(16, 113))
    x = n.conv_bn_act(x, 8, 3, name="conv0")
    x = n.node("MaxPool", [x], "maxpool", kernel_shape=[2, 2], strides=[2, 2])
    x = n.conv_bn_act(x, 8, 3, name="conv1")
    x = n.node("AveragePool", [x], "avgpool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
               count_include_pad=0)
    x = n.conv_bn_act(x, 16, 3, name="conv2")
    x = n.node("AveragePool", [x], "avgpool2", kernel_shape=[2, 2], strides=[2, 2], count_include_pad=1)
    n.output(n.fc(n.gap_flatten(x), 10))
    return n


def build_nhwc():
    n = netbuild.Net("tiny_nhwc", seed=14)
    x = n.input("input", _calib(8, 114, nhwc=True))
    x = n.node("Transpose", [x], "to_nchw", perm=[0, 3, 1, 2])
    x = n.conv_bn_act(x, 8, 3, name="conv0")
    x = n.conv_bn_act(x, 16, 3, stride=2, name="conv1")
    outs = []
    for head, ch in (("boxes", 4), ("scores", 1)):
        h = n.conv_bn_act(x, ch, 1, act=None, name=head + "_conv")
        h = n.node("Transpose", [h], head + "_to_nhwc", perm=[0, 2, 3, 1])
        n.init(head + ".shape", np.array([0, -1, ch], dtype=np.int64))
        outs.append(n.node("Reshape", [h, head + ".shape"], head))
    for o in outs:
        n.output(o)
    return n


def build_depthwise():
    n = netbuild.Net("tiny_depthwise", seed=15)
    x = n.input("input", _calib(16, 115))
    x = n.conv_bn_act(x, 8, 3, stride=2, name="conv0")
    for i, (s, c) in enumerate(((1, 16), (2, 32)), start=1):
        x = n.conv_bn_act(x, n.shape(x)[1], 3, stride=s, group=n.shape(x)[1], name="dw%d" % i)
        x = n.conv_bn_act(x, c, 1, name="pw%d" % i)
    n.output(n.fc(n.gap_flatten(x), 10))
    return n


def _qdq(n, x, name, scale, zp):
    n.init(name + ".scale", np.array(scale, dtype=np.float32))
    n.init(name + ".zero_point", np.array(zp, dtype=np.uint8))
    q = n.node("QuantizeLinear", [x, name + ".scale", name + ".zero_point"], name + "_q")
    return n.node("DequantizeLinear", [q, name + ".scale", name + ".zero_point"], name + "_dq")


def _qdq_conv(n, x, cout, name, in_scale):
    """Conv with per-axis int8 weights and int32 bias (QDQ), bias chosen for ~60% positives."""
    cin = n.shape(x)[1]
    w = n.he((cout, cin, 3, 3), cin * 9)
    w_scale = (np.abs(w).reshape(cout, -1).max(axis=1) / 127.0).astype(np.float32)
    w_q = np.clip(np.round(w / w_scale[:, None, None, None]), -127, 127).astype(np.int8)
    # Float pre-activation on the calibration batch, to put the bias where ReLU keeps ~60%.
    pre = npref.conv(n.vals[x], (w_q * w_scale[:, None, None, None]).astype(np.float32), None, {"pads": [1, 1, 1, 1]})
    m = pre.astype(np.float64).mean(axis=(0, 2, 3))
    sd = pre.astype(np.float64).std(axis=(0, 2, 3))
    bias = -m + 0.25 * sd
    b_scale = (in_scale * w_scale).astype(np.float32)
    b_q = np.round(bias / b_scale).astype(np.int32)
    n.init(name + ".weight_q", w_q)
    n.init(name + ".weight_scale", w_scale)
    n.init(name + ".weight_zero_point", np.zeros(cout, dtype=np.int8))
    wd = n.node("DequantizeLinear", [name + ".weight_q", name + ".weight_scale", name + ".weight_zero_point"],
                name + ".weight_dq", axis=0)
    n.init(name + ".bias_q", b_q)
    n.init(name + ".bias_scale", b_scale)
    n.init(name + ".bias_zero_point", np.zeros(cout, dtype=np.int32))
    bd = n.node("DequantizeLinear", [name + ".bias_q", name + ".bias_scale", name + ".bias_zero_point"],
                name + ".bias_dq", axis=0)
    y = n.node("Conv", [x, wd, bd], name, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    y = n.node("Relu", [y], name + "_relu")
    n.record(name, y, "relu", unsigned=True)
    out_scale = float(n.vals[y].max()) / 255.0
    return _qdq(n, y, name + "_out", out_scale, 0), out_scale


def build_qdq():
    n = netbuild.Net("tiny_qdq", seed=16)
    x = n.input("input", _calib(8, 116))
    in_scale = 2.0 / 255.0
    x = _qdq(n, x, "input_qdq", in_scale, 128)
    x, s = _qdq_conv(n, x, 8, "conv0", in_scale)
    x, s = _qdq_conv(n, x, 8, "conv1", s)
    n.output(x)
    return n


def _quant(n, x, name, scale, bits, signed, narrow, zp=0.0):
    n.init(name + ".scale", np.asarray(scale, dtype=np.float32))
    n.init(name + ".zero_point", np.array(zp, dtype=np.float32))
    n.init(name + ".bitwidth", np.array(float(bits), dtype=np.float32))
    return n.node("Quant", [x, name + ".scale", name + ".zero_point", name + ".bitwidth"], name,
                  domain=QONNX_DOMAIN, signed=int(signed), narrow=int(narrow), rounding_mode="ROUND")


def _qonnx_conv(n, x, cout, name, wbits, abits):
    cin = n.shape(x)[1]
    w = n.he((cout, cin, 3, 3), cin * 9)
    qmax = 2 ** (wbits - 1) - 1
    w_scale = (np.abs(w).reshape(cout, -1).max(axis=1) / qmax).reshape(cout, 1, 1, 1)
    n.init(name + ".weight", w)
    wq = _quant(n, name + ".weight", name + "_wquant", w_scale, wbits, signed=True, narrow=True)
    pre = npref.conv(n.vals[x], n.vals[wq], None, {"pads": [1, 1, 1, 1]}).astype(np.float64)
    bias = -pre.mean(axis=(0, 2, 3)) + 0.25 * pre.std(axis=(0, 2, 3))
    n.init(name + ".bias", bias.astype(np.float32))
    y = n.node("Conv", [x, wq, name + ".bias"], name, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    y = n.node("Relu", [y], name + "_relu")
    a_scale = float(np.percentile(n.vals[y], 99)) / (2**abits - 1)
    y = _quant(n, y, name + "_aquant", np.float32(a_scale), abits, signed=False, narrow=False)
    n.record(name, y, "relu", unsigned=True)
    return y


def build_qonnx():
    n = netbuild.Net("tiny_qonnx", seed=17)
    n.extra_opsets.append(helper.make_opsetid(QONNX_DOMAIN, 1))
    x = n.input("input", _calib(8, 117))
    x = _quant(n, x, "input_quant", np.float32(1.0 / 127), 8, signed=True, narrow=False)
    x = _qonnx_conv(n, x, 8, "conv0", wbits=4, abits=4)
    x = _qonnx_conv(n, x, 16, "conv1", wbits=2, abits=2)
    x = n.gap_flatten(x)
    w = n.he((10, 16), 16)
    n.init("fc.weight", w)
    wq = _quant(n, "fc.weight", "fc_wquant", np.float32(np.abs(w).max() / 7), 4, signed=True, narrow=True)
    n.init("fc.bias", np.zeros(10, dtype=np.float32))
    y = n.node("Gemm", [x, wq, "fc.bias"], "fc", outputs=["logits"], transB=1)
    n.record("fc", y, "fc", unsigned=False)
    n.output(y)
    return n


BUILDERS = {
    "chain": build_chain,
    "residual": build_residual,
    "pools": build_pools,
    "nhwc": build_nhwc,
    "depthwise": build_depthwise,
    "qdq": build_qdq,
    "qonnx": build_qonnx,
}


def generate(name, path, quiet=False):
    n = BUILDERS[name]()
    model = n.model("tiny test CNN '%s' generated by utils/models/tiny.py" % name)
    n.verify(model, check=(name != "qonnx"))
    netbuild.save(model, path)
    stem = path[:-5] if path.endswith(".onnx") else path
    inp = n.vals[n.inputs[0].name][:1]
    np.save(stem + ".in.npy", inp)
    outs = npref.run(model, {n.inputs[0].name: inp})
    for k, o in enumerate(model.graph.output):
        np.save(stem + (".out.npy" if k == 0 else ".out%d.npy" % k), outs[o.name])
    bad = [(h["layer"], netbuild.health_problems(h)) for h in n.health if netbuild.health_problems(h)]
    # 2-bit activations have at most 4 codes: judge those on positives only.
    bad = [b for b in bad if not (name == "qonnx" and all("distinct codes" in p for p in b[1]))]
    if not quiet:
        print("%s: %d nodes, ops %s" % (path, len(model.graph.node), json.dumps(npref.op_counts(model))))
        print(netbuild.format_health(n.health))
    if bad:
        raise SystemExit("degenerate layers in %s: %s" % (path, bad))
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", choices=NAMES)
    ap.add_argument("-o", "--output", help="output .onnx file (with --name)")
    ap.add_argument("--all", metavar="OUTDIR", help="write every model as OUTDIR/tiny_<name>.onnx")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.all:
        for name in NAMES:
            generate(name, os.path.join(args.all, "tiny_%s.onnx" % name), args.quiet)
    elif args.name and args.output:
        generate(args.name, args.output, args.quiet)
    else:
        ap.error("give --name NAME -o FILE, or --all OUTDIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
