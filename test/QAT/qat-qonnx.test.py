"""qat-qonnx.test: the compiled model's logit codes against the exported
fake-quant model's, and the widths mpqc kept."""
import json
import os
import re
import sys

import numpy as np
import onnx

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
report = json.load(open(os.path.join(d, "out", "q.report.json")))
origins = {l["weight_origin"] for l in report["layers"] if l.get("weight_bits")}
origins |= {l["output_origin"] for l in report["layers"] if l.get("weight_bits") and l["output_origin"] != "io"}
print("widths from the model: %s, origins %s" % (report["summary"]["bits"], ",".join(sorted(origins))))
print("granularity " + ", ".join("%s %s %d B" % (l["name"].split("/")[1], l["weight_granularity"], l["param_bytes"])
                                 for l in report["layers"] if l.get("weight_bits")))
