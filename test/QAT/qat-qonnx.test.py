"""qat-qonnx.test: the compiled model's logit codes against the exported
fake-quant model's, and the widths mpqc kept."""
import json
import os
import re
import sys

import numpy as np
import onnx
import onnx.numpy_helper

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "utils", "models"))
import npref  # noqa: E402

d = sys.argv[1]
images = np.load(os.path.join(d, "t.images.npy"))
torch_logits = np.load(os.path.join(d, "t.logits.npy")).reshape(len(images), -1)
model = onnx.load(os.path.join(d, "q.onnx"))
onnx_logits = npref.run(model, {"input": images})["logits"].reshape(len(images), -1)
mlir = open(os.path.join(d, "out", "q.mlir")).read()
scale = float(re.search(r"mpq.dequantize .*uniform<i8, ([0-9.e+-]+):0>", mlir).group(1))
codes = np.load(os.path.join(d, "codes.npy")).reshape(len(images), -1)
torch_codes = np.round(torch_logits / scale)
onnx_codes = np.round(onnx_logits / scale)
# The fake-quant logits are on the grid: their codes are whole numbers.
assert np.abs(onnx_logits / scale - onnx_codes).max() < 1e-3
print("torch = ONNX %d/%d, compiled = ONNX %d/%d logit codes"
      % ((torch_codes == onnx_codes).sum(), codes.size, (codes == onnx_codes).sum(), codes.size))
# Each layer's bias is an int32 Quant whose grid, a float32, is exactly the
# product s_x s_w,c of its input's and weights' grids (in double): what the
# integer code divides the bias by, so double arithmetic on the export adds
# the very bias the integer code adds.
values = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
values.update({n.output[0]: onnx.numpy_helper.to_array(n.attribute[0].t)
               for n in model.graph.node if n.op_type == "Constant"})
producer = {o: n for n in model.graph.node for o in n.output}


def grid(name):
    """The Quant a tensor comes from (through pools, flatten, relu)."""
    n = producer[name]
    while n.op_type != "Quant":
        n = producer[n.input[0]]
    return np.float64(values[n.input[1]]).ravel(), float(values[n.input[3]])


layers = [n for n in model.graph.node if n.op_type in ("Conv", "Gemm")]
exact = 0
for n in layers:
    (sx, _), (sw, _), (sb, bits) = grid(n.input[0]), grid(n.input[1]), grid(n.input[2])
    exact += bits == 32 and np.array_equal(sx * sw, sb)
print("int32 bias grids equal to s_x s_w exactly: %d of %d layers" % (exact, len(layers)))
report = json.load(open(os.path.join(d, "out", "q.report.json")))
origins = {l["weight_origin"] for l in report["layers"] if l.get("weight_bits")}
origins |= {l["output_origin"] for l in report["layers"] if l.get("weight_bits") and l["output_origin"] != "io"}
print("widths from the model: %s, origins %s" % (report["summary"]["bits"], ",".join(sorted(origins))))
print("granularity " + ", ".join("%s %s %d B" % (l["name"].split("/")[1], l["weight_granularity"], l["param_bytes"])
                                 for l in report["layers"] if l.get("weight_bits")))
