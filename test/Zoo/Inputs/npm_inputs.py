"""Calibration and test inputs for the public npm models of the zoo (utils/fetch-models.sh):
deterministic smooth random fields (utils/models/netbuild.py) shaped and scaled like each
model's real input. Writes OUT/calib.npy (8) and OUT/inputs.npy (4, another seed).

  npm_inputs.py MODEL OUT     MODEL: oww_embedding | oww_hello_deepa | ppocr_cls
  npm_inputs.py --bind IN.onnx OUT.onnx NAME:DxDx...   a copy of IN with input NAME's shape fixed
                                                         (for tools without mpqc's --input-shape)
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "utils", "models"))

import numpy as np  # noqa: E402

import netbuild  # noqa: E402


def make(model, n, seed):
    if model == "oww_embedding":
        # openWakeWord's speech embedding: 76 frames x 32 mel bins, NHWC [N,76,32,1]; its
        # melspectrogram front end feeds log-mel / 10 + 2, about [0, 4].
        f = netbuild.smooth_fields(n, 1, 76, seed)[:, 0, :, :32]
        return (2.0 + 1.5 * f[..., None]).astype(np.float32)
    if model == "oww_hello_deepa":
        # An openWakeWord wake-word classifier: 25 frames of the 96 speech-embedding features
        # (the embedding CNN's outputs, about [-3, 3]), [N, 25, 96].
        f = netbuild.smooth_fields(n, 1, 96, seed)[:, 0, :25, :]
        return (1.5 * f).astype(np.float32)
    if model == "ppocr_cls":
        # PaddleOCR's text-direction classifier: a 48x192 RGB crop normalized to [-1, 1], NCHW.
        return np.ascontiguousarray(netbuild.smooth_fields(n, 3, 192, seed)[:, :, :48, :])
    raise SystemExit("npm_inputs: unknown model %r" % model)


def bind(src, dst, spec):
    import onnx
    name, dims = spec.split(":")
    dims = [int(d) for d in dims.split("x")]
    model = onnx.load(src)
    inputs = [i for i in model.graph.input if i.name == name]
    if not inputs or len(inputs[0].type.tensor_type.shape.dim) != len(dims):
        raise SystemExit("npm_inputs: %s has no input %r of rank %d" % (src, name, len(dims)))
    for d, v in zip(inputs[0].type.tensor_type.shape.dim, dims):
        d.Clear()
        d.dim_value = v
    onnx.save(model, dst)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--bind":
        return bind(*sys.argv[2:])
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    model, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "calib.npy"), make(model, 8, 41))
    np.save(os.path.join(out, "inputs.npy"), make(model, 4, 1041))


if __name__ == "__main__":
    main()
