"""Small ONNX models with the integer ops (QLinearConv, ConvInteger,
QLinearMatMul, MatMulInteger, integer Add/MaxPool, QuantizeLinear and
DequantizeLinear at the boundary), and the integer-op errors; written to the
directory given as the only argument."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
U8, I8, F32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.FLOAT


def init(name, value, dtype):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def save(name, nodes, inputs, outputs, inits, opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def qconv_params(prefix, xs, xz, ws, wz, ys, yz, w, bias=None):
    inits = [init(prefix + "xs", xs, np.float32), init(prefix + "xz", xz, np.uint8),
             init(prefix + "w", w, np.int8), init(prefix + "ws", ws, np.float32),
             init(prefix + "wz", wz, np.int8), init(prefix + "ys", ys, np.float32),
             init(prefix + "yz", yz, np.uint8)]
    names = [prefix + n for n in ("xs", "xz", "w", "ws", "wz", "ys", "yz")]
    if bias is not None:
        inits.append(init(prefix + "b", bias, np.int32))
        names.append(prefix + "b")
    return inits, names


rng = np.random.default_rng(7)
w1 = rng.integers(-8, 8, (3, 2, 3, 3))
w2 = rng.integers(-8, 8, (2, 3, 1, 1))
i1, n1 = qconv_params("a_", 0.05, 10, [0.01, 0.02, 0.03], [0, 0, 0], 0.1, 3, w1, [5, -7, 100])
i2, n2 = qconv_params("b_", 0.1, 3, 0.02, 0, 0.02, 128, w2)
save("qconv_chain",
     [helper.make_node("QLinearConv", ["x", n1[0], n1[1], n1[2], n1[3], n1[4], n1[5], n1[6], n1[7]],
                       ["h"], name="conv1", pads=[1, 1, 1, 1]),
      helper.make_node("QLinearConv", ["h"] + n2, ["y"], name="conv2")],
     [vi("x", U8, [1, 2, 5, 5])], [vi("y", U8, [1, 2, 5, 5])], i1 + i2)

save("matmul_integer",
     [helper.make_node("MatMulInteger", ["a", "b", "az"], ["y"], name="mm")],
     [vi("a", U8, [2, 3, 4])], [vi("y", TensorProto.INT32, [2, 3, 5])],
     [init("b", rng.integers(0, 255, (4, 5)), np.uint8), init("az", 7, np.uint8)], opset=10)

save("quantize_boundary",
     [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
      helper.make_node("MaxPool", ["q"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2])],
     [vi("x", F32, [1, 3, 4, 4])], [vi("y", U8, [1, 3, 2, 2])],
     [init("s", 0.5, np.float32), init("z", 0, np.uint8)])

# Errors.
i3, n3 = qconv_params("c_", 0.07, 10, 0.01, 0, 0.1, 3, rng.integers(-8, 8, (1, 2, 1, 1)))
save("err_grid_conflict",
     [helper.make_node("QLinearConv", ["x"] + n1[:7], ["y1"], name="conv1", pads=[1, 1, 1, 1]),
      helper.make_node("QLinearConv", ["x"] + n3, ["y2"], name="conv3")],
     [vi("x", U8, [1, 2, 5, 5])], [vi("y1", U8, [1, 3, 5, 5]), vi("y2", U8, [1, 1, 5, 5])],
     i1[:7] + i3)
i4, n4 = qconv_params("d_", 0.5, 3, 0.02, 0, 0.2, 128, w2)
save("err_grid_mismatch",
     [helper.make_node("QLinearConv", ["x"] + n1, ["h"], name="conv1", pads=[1, 1, 1, 1]),
      helper.make_node("QLinearConv", ["h"] + n4, ["y"], name="conv4")],
     [vi("x", U8, [1, 2, 5, 5])], [vi("y", U8, [1, 2, 5, 5])], i1 + i4)
save("err_integer_mul",
     [helper.make_node("Mul", ["x", "x"], ["y"], name="square")],
     [vi("x", U8, [2, 3])], [vi("y", U8, [2, 3])], [])
save("err_quantize_computed",
     [helper.make_node("Relu", ["x"], ["r"], name="relu"),
      helper.make_node("QuantizeLinear", ["r", n1[0], n1[1]], ["q"], name="quant"),
      helper.make_node("QLinearConv", ["q"] + n1, ["y"], name="conv1", pads=[1, 1, 1, 1])],
     [vi("x", F32, [1, 2, 5, 5])], [vi("y", U8, [1, 3, 5, 5])], i1)
save("err_weight_input",
     [helper.make_node("ConvInteger", ["x", "w"], ["y"], name="convint")],
     [vi("x", U8, [1, 1, 3, 3]), vi("w", U8, [1, 1, 2, 2])],
     [vi("y", TensorProto.INT32, [1, 1, 2, 2])], [], opset=10)
save("err_int32_input",
     [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [vi("x", TensorProto.INT32, [4])], [vi("y", TensorProto.INT32, [4])], [])
save("err_integer_relu",
     [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
      helper.make_node("Relu", ["q"], ["y"], name="relu")],
     [vi("x", F32, [4])], [vi("y", U8, [4])],
     [init("s", 0.5, np.float32), init("z", 0, np.uint8)])
save("err_integer_avgpool",
     [helper.make_node("AveragePool", ["x"], ["y"], name="avg", kernel_shape=[2, 2])],
     [vi("x", U8, [1, 1, 4, 4])], [vi("y", U8, [1, 1, 3, 3])], [])
save("add_saturates",
     [helper.make_node("Add", ["x", "y"], ["s"], name="sum")],
     [vi("x", U8, [2, 3]), vi("y", U8, [2, 3])], [vi("s", U8, [2, 3])], [])
# Tiny scales: a factor below 2^-63 is an exact zero multiplier; a huge one
# cannot be represented.
i5, n5 = qconv_params("e_", 1e-6, 0, 1e-6, 0, 1.0, 0, rng.integers(-8, 8, (1, 2, 1, 1)))
save("qconv_tiny_factor",
     [helper.make_node("QLinearConv", ["x"] + n5, ["y"], name="tiny")],
     [vi("x", U8, [1, 2, 3, 3])], [vi("y", U8, [1, 1, 3, 3])], i5)
i6, n6 = qconv_params("f_", 1e6, 0, 1e6, 0, 1e-6, 0, rng.integers(-8, 8, (1, 2, 1, 1)))
save("err_qconv_huge_factor",
     [helper.make_node("QLinearConv", ["x"] + n6, ["y"], name="huge")],
     [vi("x", U8, [1, 2, 3, 3])], [vi("y", U8, [1, 1, 3, 3])], i6)

# For the DSP kernels: 3x3 padded convolutions with 8 input channels (two
# words) and 4 outputs (one channel block), inputs without zero point.
def dsp_conv(name, x_type, w_type, w_zp):
    np_x = np.uint8 if x_type == U8 else np.int8
    np_w = np.uint8 if w_type == U8 else np.int8
    lo, hi = (0, 256) if w_type == U8 else (-128, 128)
    w = rng.integers(lo, hi, (4, 8, 3, 3))
    inits = [init(name + "_xs", 0.02, np.float32), init(name + "_xz", 0, np_x),
             init(name + "_w", w, np_w), init(name + "_ws", [0.003, 0.004, 0.005, 0.006], np.float32),
             init(name + "_wz", [w_zp] * 4, np_w), init(name + "_ys", 0.05, np.float32),
             init(name + "_yz", 128, np.uint8)]
    save(name, [helper.make_node("QLinearConv", ["x"] + [i.name for i in inits], ["y"],
                                 name=name, pads=[1, 1, 1, 1])],
         [vi("x", x_type, [1, 8, 6, 6])], [vi("y", U8, [1, 4, 6, 6])], inits)


dsp_conv("dsp_u8_weights_zp", U8, U8, 131)   # factored weight zero point, UXTB16 weights
dsp_conv("dsp_i8_input", I8, I8, 0)          # SXTB16 on the input
# A uint8 input read through a MaxPool by a QLinearConv: the pool only moves
# codes, so the input takes the convolution's grid.
save("pool_then_qconv",
     [helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2], strides=[1, 1]),
      helper.make_node("QLinearConv", ["p"] + n3, ["y"], name="conv3")],
     [vi("x", U8, [1, 2, 6, 6])], [vi("y", U8, [1, 1, 5, 5])], i3)
