# mpqc-validate.test's independent check of `mpqc --validate`: the float
# model in PyTorch (weights read from the ONNX file), the integer model as
# the compiled x86-64 object, the agreement computed with numpy.
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

model_path, inputs_path, runner, printed_path, report_path, schema_path = sys.argv[1:]
model = onnx.load(model_path)
w = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}


def run_float(x):
    values = {model.graph.input[0].name: torch.from_numpy(x)}
    for n in model.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        ins = [values[i] if i in values else w[i] for i in n.input]
        if n.op_type == "Conv":
            y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                         stride=a["strides"], padding=a["pads"][:2], groups=a.get("group", 1))
        elif n.op_type == "BatchNormalization":
            y = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], eps=a["epsilon"])
        elif n.op_type == "Relu":
            y = F.relu(ins[0])
        elif n.op_type == "MaxPool":
            y = F.max_pool2d(ins[0], a["kernel_shape"], a["strides"])
        elif n.op_type == "Flatten":
            y = torch.flatten(ins[0], a.get("axis", 1))
        elif n.op_type == "Gemm":
            y = F.linear(ins[0], ins[1] if a.get("transB", 0) else ins[1].t(), ins[2])
        else:
            sys.exit("unexpected op " + n.op_type)
        values[n.output[0]] = y
    return values[model.graph.output[0].name].double().numpy().reshape(-1)


xs = np.load(inputs_path).astype(np.float32)
ref, got = [], []
with tempfile.TemporaryDirectory() as tmp:
    for i, x in enumerate(xs):
        x = x.reshape(1, *x.shape)
        ref.append(run_float(x))
        inp, out = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
        x.astype("<f4").tofile(inp)
        subprocess.run([runner, "--float", inp, out], check=True)
        got.append(np.fromfile(out, dtype="<f4").astype(np.float64))
ref, got = np.array(ref), np.array(got)
sqnr = 10 * np.log10((ref ** 2).sum() / ((ref - got) ** 2).sum())
cosine = (ref * got).sum() / np.sqrt((ref ** 2).sum() * (got ** 2).sum())
top1 = int((ref.argmax(1) == got.argmax(1)).sum())

printed = open(printed_path).read()
m = re.search(r"output 0: SQNR ([0-9.]+) dB, cosine ([0-9.]+), .* top-1 agreement (\d+)/(\d+)", printed)
print("top-1 agreement: mpqc %s/%s, independent %d/%d" % (m.group(3), m.group(4), top1, len(xs)))
if abs(float(m.group(1)) - sqnr) <= 0.01:
    print("SQNR agrees within 0.01 dB")
else:
    print("SQNR differs: mpqc %s, independent %.4f" % (m.group(1), sqnr))
if abs(float(m.group(2)) - cosine) <= 1e-4:
    print("cosine agrees within 1e-4")
else:
    print("cosine differs: mpqc %s, independent %.6f" % (m.group(2), cosine))

report = json.load(open(report_path))
jsonschema.validate(report, json.load(open(schema_path)))
v = report["validation"]
assert v["samples"] == len(xs)
assert abs(v["outputs"][0]["sqnr_db"] - sqnr) <= 0.01
assert v["outputs"][0]["top1_agree"] == top1
assert abs(v["outputs"][0]["max_abs_error"] - np.abs(ref - got).max()) <= 1e-3
print("report validation ok")
