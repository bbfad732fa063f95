#!/usr/bin/python3
"""A static QDQ quantizer that does what ONNX Runtime's Python quantization tool does with

    quantize_static(model, out, reader, quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)

(no extra_options), for the op types of mpq's model zoo.  ONNX Runtime's Python package is not
installable here (no PyPI), so docs/models.md and benchmarks/models.py use this file to get
"ONNX Runtime's own int8 QDQ execution" of a float model that torch's eager PTQ cannot export
(LayerNorm, HardSwish, squeeze-excite Mul).  The calibration runs ONNX Runtime itself
(utils/ort/run_onnx.js, onnxruntime-node), and the file it writes is run by ONNX Runtime.

What it mirrors (onnxruntime/python/tools/quantization: quantize.py, calibrate.py,
qdq_quantizer.py, base_quantizer.py, quant_utils.py, registry.py, operators/*.py, as of
ONNX Runtime 1.18-1.20; the runtime here is onnxruntime-node 1.30):

- Ops quantized: the default op list of quantize_static, the union of QLinearOpsRegistry and
  QDQRegistry (ORT_OPS below).  HardSwish, HardSigmoid, Flatten, Sub, Div, Pow, Sqrt and
  ReduceMean are not in it: they stay float and get Q/DQ only where a neighbouring quantized op
  asks for their input or output, as in ONNX Runtime.
- Calibration (MinMaxCalibrater): every float, non-initializer input and output of a node whose
  type is in the list is added as a graph output; the model runs with graph optimizations off on
  each calibration input (one at a time); a tensor's range is [min over inputs of its min, max
  over inputs of its max].  Then (BaseQuantizer.adjust_tensor_ranges) the input of a Relu/Clip
  with a single consumer takes the Relu/Clip output's range, and a Softmax output gets [0, 1].
- Activations: uint8, asymmetric (compute_scale_zp): rmin = min(rmin, 0), rmax = max(rmax, 0),
  scale = (rmax - rmin) / 255 (float64, stored as float32), zero point = round(0 - rmin /
  scale) (half to even); scale 1, zero point 0 for an empty range.
- Weights (Conv input 1 per channel on axis 0, Gemm B per channel on axis 0 when transB = 1,
  else 1, MatMul B on axis 1): int8, symmetric on [-127, 127]: scale = max|w| / 127 per channel,
  zero point 0, codes round(float32(w) / scale) (half to even).  A weight that is not per
  channel (a LayerNormalization's 1-D gamma: is_tensor_per_channel finds axis 1 out of range
  for rank 1) is quantized per tensor the same way.
- Biases (Conv input 2, Gemm C times beta, LayerNormalization B): int32, zero point 0, scale
  s_input * s_weight (per channel), codes round(float32(b) / scale); Gemm's beta then set to 1.
- A float initializer that is an activation input of another quantized op (the gamma of Mul and
  beta of Add in the opset-13 LayerNorm pattern) is quantized as the activation type with the
  weight symmetry (quantize_initializer: uint8, symmetric, zero point 128, scale 2 max|v| / 255).
- Relu and Clip after a quantized tensor with a single consumer are removed and the producer's
  output takes their output's name and range (QDQRemovableActivation,
  try_replacing_upstream_output): a Conv + Relu shares one Q/DQ pair on [0, max].
- Reshape, Transpose, Squeeze, Unsqueeze, Slice, AveragePool, MaxPool, Resize, TopK, and Pad
  (reflect/edge mode or constant 0) give their output the Q/DQ parameters of their input when the
  input is quantized (QDQDirect8BitOp, QDQMaxPool, QDQResize, QDQPad); every other listed op
  (Add, Mul, Concat, GlobalAveragePool, Sigmoid, Softmax, Where, ...) quantizes each float input
  and its output with their own ranges (QDQOperatorBase).
- One Q/DQ pair per tensor, shared by all consumers (DedicatedQDQPair off); a graph output is
  produced by its DequantizeLinear under the original name; weights are stored quantized with a
  DequantizeLinear only (AddQDQPairToWeight off).

Where it differs: it supports only the op handlers above (an op in ONNX Runtime's list with a
special handler not written here -- Split, Gather, Where, ArgMax, InstanceNormalization, ... --
is refused with an error naming the node, rather than mis-quantized); the newer releases'
enlargement of a weight scale whose int32 bias would overflow is not implemented (no zoo bias
comes near it); it does not run ONNX
Runtime's optional pre-processing (quant_pre_process, which the user runs separately) or shape
inference beyond onnx's; tensor overrides, reduce_range, 16-bit and float8 types are not
implemented; the nodes are written in topological order (ONNX Runtime appends the Q/DQ nodes at
the end); the scales of constants that are Constant nodes (not initializers) come from
calibration as for any activation, as in ONNX Runtime.

  ort_static_qdq.py MODEL.onnx CALIB.npy -o OUT.onnx [--node node] [--ranges RANGES.json]

Library: quantize(model_path, calib_npy, out_path, node="node") -> summary dict.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_ONNX = os.path.join(ROOT, "utils", "ort", "run_onnx.js")

# quantize_static's default op_types_to_quantize: QLinearOpsRegistry | QDQRegistry.
ORT_OPS = {
    "ArgMax", "Conv", "Gemm", "MatMul", "Add", "Mul", "Relu", "Clip", "LeakyRelu", "Sigmoid", "MaxPool",
    "GlobalAveragePool", "Split", "Pad", "Reshape", "Squeeze", "Unsqueeze", "Resize", "AveragePool", "Concat",
    "Softmax", "Where", "Gather", "Transpose", "EmbedLayerNormalization", "ConvTranspose", "Slice",
    "GatherElements", "InstanceNormalization", "LayerNormalization", "BatchNormalization", "TopK", "CumSum",
}
# Ops whose output takes the input's quantization parameters (when the input is quantized).
SAME_AS_INPUT = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice", "AveragePool", "MaxPool", "Resize", "TopK"}
# Ops quantized by QDQOperatorBase (every input, every output, own ranges).
GENERIC = {"Add", "Mul", "Concat", "GlobalAveragePool", "Sigmoid", "LeakyRelu", "Softmax", "CumSum"}
FLOATS = (TensorProto.FLOAT, TensorProto.FLOAT16)


def run(cmd):
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(map(str, cmd)), done.returncode, done.stdout,
                                                      done.stderr))
    return done.stdout


def scale_zp_activation(rmin, rmax, qmin=0, qmax=255):
    """quant_utils.compute_scale_zp, asymmetric."""
    rmin = np.minimum(np.float32(rmin), np.float32(0))
    rmax = np.maximum(np.float32(rmax), np.float32(0))
    scale = np.array(np.float64(rmax - rmin) / (np.float64(qmax) - np.float64(qmin)))
    if scale < np.finfo(np.float32).tiny:
        return np.float32(1.0), 0
    zero_point = int(np.round(qmin - rmin / scale))
    return np.float32(scale), zero_point


def scale_zp_symmetric(data, qmin, qmax):
    """quant_utils.quantize_data(symmetric=True): absmax over the data (and 0)."""
    rmin = np.minimum(data.min() if data.size else np.float32(0), np.float32(0))
    rmax = np.maximum(data.max() if data.size else np.float32(0), np.float32(0))
    absmax = np.maximum(np.abs(rmin), np.abs(rmax))
    scale = np.array(np.float64(2 * absmax) / (np.float64(qmax) - np.float64(qmin)))
    if scale < np.finfo(np.float32).tiny:
        return np.float32(1.0), 0
    return np.float32(scale), int(np.round((qmin + qmax) / 2.0))


def quantize_array(data, scale, zero_point, qmin, qmax):
    """quant_utils.quantize_nparray."""
    q = (data.astype(np.float32) / np.float32(scale)).round() + zero_point
    return np.clip(q, qmin, qmax)


def toposort(nodes, graph_inputs, initializers):
    ready = set(graph_inputs) | set(initializers) | {""}
    out, pending = [], list(nodes)
    while pending:
        rest = []
        for n in pending:
            if all(i in ready for i in n.input):
                out.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise RuntimeError("ort_static_qdq: the graph has a cycle or a dangling input near node '%s'"
                               % rest[0].name)
        pending = rest
    return out


def calibrate(model, tensors, calib_npy, node, work):
    """Run ONNX Runtime (no graph optimizations, one input at a time) with `tensors` as extra graph
    outputs; return {name: (min, max)} (float32) over all calibration inputs."""
    x = np.load(calib_npy)
    ranges = {}
    graph_inputs = {i.name for i in model.graph.input}
    wanted = [t for t in tensors if t not in graph_inputs]
    for t in tensors:
        if t in graph_inputs:  # an input is not an output: its range is the data's
            ranges[t] = (np.float32(x.min()), np.float32(x.max()))
    if not wanted:
        return ranges
    aug = onnx.ModelProto()
    aug.CopyFrom(model)
    existing = [o.name for o in aug.graph.output]
    for t in wanted:
        if t not in existing:
            aug.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    path = os.path.join(work, "augmented.onnx")
    onnx.save(aug, path)
    outdir = os.path.join(work, "calib_out")
    run([node, RUN_ONNX, path, "--input", calib_npy, "--output-dir", outdir, "--no-optimize"])
    names = [o.name for o in aug.graph.output]
    for i, name in enumerate(names):
        if name in wanted:
            v = np.load(os.path.join(outdir, "output_%d.npy" % i))
            ranges[name] = (np.float32(v.min()), np.float32(v.max()))
    return ranges


class Quantizer:
    def __init__(self, model):
        self.model = model
        g = model.graph
        self.inits = {i.name: i for i in g.initializer}
        inferred = onnx.shape_inference.infer_shapes(model)
        self.types = {}
        for vi in list(inferred.graph.value_info) + list(g.output) + list(g.input):
            if vi.type.HasField("tensor_type"):
                self.types[vi.name] = vi.type.tensor_type.elem_type
        self.graph_inputs = {i.name for i in g.input}
        self.graph_outputs = {o.name for o in g.output}
        self.opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0]
        if self.opset < 13:
            raise RuntimeError("ort_static_qdq: per-channel QDQ needs opset >= 13, the model has %d" % self.opset)
        self.nodes = list(g.node)
        self.to_quantize = {}  # name -> dict(kind="act"|"weight", axis, provider)
        self.bias = {}  # name -> (node, input, weight, beta)
        self.removed = []

    def consumers(self, name):
        """ONNXModel.input_name_to_nodes: every node of the graph, removed Relus included (ONNX
        Runtime removes them only at the end)."""
        return [n for n in self.nodes if name in n.input]

    def is_float(self, name):
        if name in self.inits:
            return self.inits[name].data_type in FLOATS
        return self.types.get(name) in FLOATS

    def calibration_tensors(self):
        out = []
        for n in self.nodes:
            if n.op_type in ORT_OPS:
                for t in list(n.input) + list(n.output):
                    if t and t not in self.inits and self.types.get(t) in FLOATS and t not in out:
                        out.append(t)
        return out

    # -- marking (the op quantizers) --
    def act(self, name):
        if name and self.is_float(name) and name not in self.to_quantize:
            self.to_quantize[name] = {"kind": "act"}

    def same_as(self, out, inp):
        if out and self.is_float(out):
            self.to_quantize[out] = {"kind": "act", "provider": inp}

    def weight(self, name, axis=None):
        if name not in self.inits:
            raise RuntimeError("ort_static_qdq: weight '%s' is not an initializer" % name)
        if axis is not None and not (-len(self.inits[name].dims) <= axis < len(self.inits[name].dims)):
            axis = None  # is_tensor_per_channel: axis out of range -> per tensor
        if axis is not None and axis < 0:
            axis += len(self.inits[name].dims)
        self.to_quantize[name] = {"kind": "weight", "axis": axis}

    def mark(self, n, params):
        op = n.op_type
        if op in ("Conv", "ConvTranspose"):
            self.act(n.input[0])
            self.act(n.output[0])
            self.weight(n.input[1], 0 if op == "Conv" else 1)
            if len(n.input) > 2 and n.input[2]:
                self.bias[n.input[2]] = (n, n.input[0], n.input[1], 1.0)
        elif op == "Gemm":
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            self.act(n.input[0])
            self.act(n.output[0])
            if n.input[1] in self.inits:
                self.weight(n.input[1], 0 if attrs.get("transB", 0) else 1)
            else:
                self.act(n.input[1])
            if len(n.input) > 2 and n.input[2] in self.inits:
                self.bias[n.input[2]] = (n, n.input[0], n.input[1], float(attrs.get("beta", 1.0)))
                for a in n.attribute:
                    if a.name == "beta":
                        a.f = 1.0
        elif op == "MatMul":
            for t in list(n.input) + list(n.output):
                if t in self.inits:
                    self.weight(t, 1)
                else:
                    self.act(t)
        elif op in ("Relu", "Clip"):
            if n.input[0] not in self.to_quantize:
                return
            up, out = n.input[0], n.output[0]
            if (out in params and len(self.consumers(up)) == 1 and up not in self.graph_outputs
                    and up not in self.graph_inputs):
                for m in self.nodes:
                    for i, o in enumerate(m.output):
                        if o == up:
                            m.output[i] = out
                self.to_quantize.pop(up, None)
                self.removed.append(n)
            else:
                self.act(up)
            self.act(out)
        elif op in SAME_AS_INPUT:
            if n.input[0] in self.to_quantize:
                self.same_as(n.output[0], n.input[0])
        elif op == "Pad":
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            mode = attrs.get("mode", b"constant")
            value = 0.0
            if len(n.input) > 2 and n.input[2]:
                value = None
                if n.input[2] in self.inits:
                    value = float(numpy_helper.to_array(self.inits[n.input[2]]).reshape(-1)[0])
            quantized = n.input[0] in self.to_quantize
            self.act(n.input[0])
            if len(n.input) > 2 and n.input[2]:
                self.act(n.input[2])
            if quantized and (mode in (b"reflect", b"edge", b"wrap") or value == 0.0):
                self.same_as(n.output[0], n.input[0])
            else:
                self.act(n.output[0])
        elif op in ("LayerNormalization", "BatchNormalization"):
            self.act(n.input[0])
            if n.input[1] in self.inits:
                self.weight(n.input[1], 1)
            else:
                self.act(n.input[1])
            if len(n.input) > 2 and n.input[2]:
                self.bias[n.input[2]] = (n, n.input[0], n.input[1], 1.0)
            for o in n.output:
                self.act(o)
        elif op in GENERIC:
            for t in list(n.input) + list(n.output):
                self.act(t)
        else:
            raise RuntimeError("ort_static_qdq: node '%s': ONNX Runtime quantizes %s with a handler this "
                               "script does not mirror" % (n.name, op))

    # -- writing --
    def build(self, ranges):
        g = self.model.graph
        # adjust_tensor_ranges
        for n in self.nodes:
            if n.op_type in ("Relu", "Clip") and len(self.consumers(n.input[0])) == 1 \
                    and n.input[0] in ranges and n.output[0] in ranges:
                ranges[n.input[0]] = ranges[n.output[0]]
            elif n.op_type == "Softmax":
                ranges[n.output[0]] = (np.float32(0.0), np.float32(1.0))
        params = {t: scale_zp_activation(*r) for t, r in ranges.items()}
        for n in self.nodes:
            if n.op_type in ORT_OPS:
                self.mark(n, params)
        new_nodes, new_inits = [], []
        qparams = {}  # activation tensor -> (scale name, zp name, scale, zp)
        renames = {}  # tensor -> name its consumers read

        def add_const(name, array):
            new_inits.append(numpy_helper.from_array(array, name))

        def qdq_activation(t, sname, zname):
            q_out, dq_out = t + "_QuantizeLinear_Output", t + "_DequantizeLinear_Output"
            q_in = t
            if t in self.graph_outputs:
                q_in, dq_out = t + "_QuantizeLinear_Input", t
                for m in self.nodes:
                    for i, o in enumerate(m.output):
                        if o == t:
                            m.output[i] = q_in
            else:
                renames[t] = dq_out
            new_nodes.append(helper.make_node("QuantizeLinear", [q_in, sname, zname], [q_out], t + "_QuantizeLinear"))
            new_nodes.append(helper.make_node("DequantizeLinear", [q_out, sname, zname], [dq_out],
                                              t + "_DequantizeLinear"))

        weight_scales = {}
        for t, info in list(self.to_quantize.items()):
            if info.get("provider"):
                continue
            if t in self.inits:
                w = numpy_helper.to_array(self.inits[t]).astype(np.float32)
                if info["kind"] == "weight" and info.get("axis") is not None:
                    axis = info["axis"]
                    scales, codes = [], []
                    for c in range(w.shape[axis]):
                        ch = w.take(c, axis)
                        s, z = scale_zp_symmetric(ch.reshape(-1), -127, 127)
                        scales.append(s)
                        codes.append(np.expand_dims(quantize_array(ch, s, z, -128, 127), axis))
                    q = np.concatenate(codes, axis).astype(np.int8)
                    scale = np.array(scales, dtype=np.float32)
                    zp = np.zeros(len(scales), dtype=np.int8)
                    kw = {"axis": axis}
                elif info["kind"] == "weight":
                    s, z = scale_zp_symmetric(w.reshape(-1), -127, 127)
                    q = quantize_array(w, s, z, -128, 127).astype(np.int8)
                    scale, zp, kw = np.array(s, dtype=np.float32), np.array(z, dtype=np.int8), {}
                else:  # a float initializer quantized as an activation (uint8, weight symmetry)
                    s, z = scale_zp_symmetric(w.reshape(-1), 0, 255)
                    q = quantize_array(w, s, z, 0, 255).astype(np.uint8)
                    scale, zp, kw = np.array(s, dtype=np.float32), np.array(z, dtype=np.uint8), {}
                add_const(t + "_quantized", q)
                add_const(t + "_scale", scale)
                add_const(t + "_zero_point", zp)
                weight_scales[t] = scale
                renames[t] = t + "_DequantizeLinear_Output"
                new_nodes.append(helper.make_node("DequantizeLinear", [t + "_quantized", t + "_scale",
                                                                       t + "_zero_point"],
                                                  [t + "_DequantizeLinear_Output"], t + "_DequantizeLinear", **kw))
            else:
                if t not in params:
                    raise RuntimeError("ort_static_qdq: no calibrated range for tensor '%s'" % t)
                s, z = params[t]
                sname, zname = t + "_scale", t + "_zero_point"
                add_const(sname, np.array(s, dtype=np.float32))
                add_const(zname, np.array(z, dtype=np.uint8))
                qparams[t] = (sname, zname, s, z)
                qdq_activation(t, sname, zname)
        # tensors sharing an upstream tensor's parameters (in dependency order)
        pending = {t: i["provider"] for t, i in self.to_quantize.items() if i.get("provider")}
        while pending:
            progress = False
            for t, p in list(pending.items()):
                if p in qparams:
                    qparams[t] = qparams[p]
                    qdq_activation(t, qparams[p][0], qparams[p][1])
                    del pending[t]
                    progress = True
            if not progress:
                raise RuntimeError("ort_static_qdq: cannot share parameters for %s" % sorted(pending))
        for b, (n, inp, w, beta) in self.bias.items():
            data = numpy_helper.to_array(self.inits[b]).astype(np.float32)
            s_in = np.float32(qparams[inp][2])
            s_w = weight_scales[w]
            bscale = (s_in * s_w * np.float32(beta)).astype(np.float32)
            q = (data / bscale).round().astype(np.int32)
            add_const(b + "_quantized", q)
            add_const(b + "_quantized_scale", np.asarray(bscale, dtype=np.float32).reshape(-1)
                      if bscale.size > 1 else np.array(bscale.reshape(-1)[0], dtype=np.float32))
            add_const(b + "_quantized_zero_point", np.zeros(bscale.size, dtype=np.int32)
                      if bscale.size > 1 else np.array(0, dtype=np.int32))
            kw = {"axis": 0} if bscale.size > 1 else {}
            new_nodes.append(helper.make_node("DequantizeLinear", [b + "_quantized", b + "_quantized_scale",
                                                                   b + "_quantized_zero_point"], [b],
                                              b + "_DequantizeLinear", **kw))
        # consumers read the dequantized tensors (the Q nodes read the originals)
        kept = [n for n in self.nodes if n not in self.removed]
        for n in kept:
            for i, t in enumerate(n.input):
                if t in renames:
                    n.input[i] = renames[t]
        for o in g.output:
            if o.name in renames:  # a graph output read by a quantized consumer keeps its float producer
                pass
        dropped = set(self.to_quantize) | set(self.bias)
        inits = [i for i in g.initializer if i.name not in dropped] + new_inits
        graph_inputs = [i.name for i in g.input]
        nodes = toposort(kept + new_nodes, graph_inputs, [i.name for i in inits])
        del g.node[:]
        g.node.extend(nodes)
        del g.initializer[:]
        g.initializer.extend(inits)
        del g.value_info[:]
        return qparams


def quantize(model_path, calib_npy, out_path, node="node", ranges_json=None):
    model = onnx.load(model_path)
    qz = Quantizer(model)
    with tempfile.TemporaryDirectory(prefix="ort-static-qdq-") as work:
        ranges = calibrate(model, qz.calibration_tensors(), calib_npy, node, work)
    qparams = qz.build(dict(ranges))
    model.producer_name = "mpq ort_static_qdq.py (ONNX Runtime quantize_static mirror)"
    onnx.checker.check_model(model)
    tmp = out_path + ".part"
    onnx.save(model, tmp)
    os.replace(tmp, out_path)
    summary = {"activations": {t: {"scale": float(v[2]), "zero_point": int(v[3])} for t, v in qparams.items()},
               "ranges": {t: [float(a), float(b)] for t, (a, b) in ranges.items()},
               "removed": [n.name for n in qz.removed],
               "weights": sorted(t for t, i in qz.to_quantize.items() if i["kind"] == "weight"),
               "biases": sorted(qz.bias)}
    if ranges_json:
        with open(ranges_json, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
            f.write("\n")
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("calibration", help=".npy of calibration inputs [N, ...] (the model's only input)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--node", default="node")
    ap.add_argument("--ranges", metavar="JSON", help="write the ranges and grids chosen here")
    args = ap.parse_args(argv)
    s = quantize(args.model, args.calibration, args.output, args.node, args.ranges)
    print("%s: %d activation grids, %d weights, %d biases, removed %s" % (
        args.output, len(s["activations"]), len(s["weights"]), len(s["biases"]), ", ".join(s["removed"]) or "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
