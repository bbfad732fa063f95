#!/usr/bin/python3
"""Minimized hostile ONNX models and .npy files, one (or a few) per defect of
issue #18 (docs/reliability.md lists them). Each was a crash, an
out-of-bounds read, undefined behaviour or a wrong success; each must now give
a clear error naming the node, attribute and value.

  hostile_models.py OUTDIR   writes every case below into OUTDIR
"""

import os
import struct
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
QONNX = "qonnx.custom_op.general"
U8, I8, F32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.FLOAT


def init(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def make(name, nodes, inputs, outputs, inits, qonnx=False, opset=13):
    g = helper.make_graph(nodes, name, inputs, outputs, inits)
    opsets = [helper.make_opsetid("", opset)] + ([helper.make_opsetid(QONNX, 1)] if qonnx else [])
    m = helper.make_model(g, opset_imports=opsets, producer_name="mpq-hostile")
    m.ir_version = 8
    return m


def save(name, model):
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def save_bytes(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def qconv_inits(xz="xz", ws=(0.02,)):
    return [init("xs", 0.05), init(xz, 10, np.uint8), init("w", np.ones((2, 2, 1, 1)), np.int8),
            init("ws", np.array(ws, np.float32)), init("wz", 0, np.int8), init("ys", 0.1), init("yz", 3, np.uint8)]


def qconv(xz="xz"):
    return helper.make_node("QLinearConv", ["x", "xs", xz, "w", "ws", "wz", "ys", "yz"], ["y"], name="qconv")


def quant_model(name, scale, zp, bits=4.0, shape=(1, 4)):
    node = helper.make_node("Quant", ["x", "s", "z", "b"], ["y"], name="q", domain=QONNX)
    return make(name, [node], [vi("x", F32, list(shape))], [vi("y", F32, None)],
                [init("s", scale), init("z", zp), init("b", bits)], qonnx=True)


def raw_tensor(name, dims, dtype=F32, raw=b""):
    t = TensorProto()
    t.name = name
    t.data_type = dtype
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def relu_model(name, x_shape, extra_nodes=(), inits=(), y="y"):
    nodes = list(extra_nodes) or [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return make(name, nodes, [vi("x", F32, x_shape)], [vi(y, F32, None)], list(inits))


def conv_model(name, **attrs):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)
    return make(name, [node], [vi("x", F32, [1, 2, 4, 4])], [vi("y", F32, None)],
                [init("w", np.ones((2, 2, 1, 1)))])


def npy(shape_text, payload, descr="<f4"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


# 1. A QLinearConv zero point that no initializer, input or node defines.
save("d01_undefined_zero_point",
     make("d01", [qconv("missing_xz")], [vi("x", U8, [1, 2, 3, 3])], [vi("y", U8, None)], qconv_inits()))

# 2. QONNX Quant scale / zero point counts that do not match the input.
save("d02_quant_scale_count", quant_model("d02", np.full((3,), 0.1, np.float32), 0.0))
save("d02_quant_scale_empty", quant_model("d02", np.zeros((0,), np.float32), 0.0))
save("d02_quant_zero_point_count", quant_model("d02", 0.1, np.zeros((1, 7), np.float32)))

# 3. Concat of rank-0 tensors.
save("d03_concat_rank0", make("d03", [helper.make_node("Concat", ["a", "b"], ["c"], name="cat", axis=0),
                                      helper.make_node("Add", ["x", "c"], ["y"], name="add")],
                              [vi("x", F32, [1, 2])], [vi("y", F32, None)], [init("a", 1.0), init("b", 2.0)]))

# 4. Graph-input dimensions without an upper bound.
save("d04_huge_input_dim", relu_model("d04", [1, 2 ** 62]))
save("d04_overflowing_input", relu_model("d04", [1, 2 ** 32, 2 ** 32, 4]))

# 5. ConstantOfShape of 2^50 elements.
save("d05_constant_of_shape_huge", make("d05", [
    helper.make_node("ConstantOfShape", ["shape"], ["c"], name="fill"),
    helper.make_node("Add", ["x", "c"], ["y"], name="add")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)], [init("shape", [2 ** 20, 2 ** 20, 2 ** 10], np.int64)]))

# Found by mpq-import-fuzzer after the constant folder landed: an empty
# constant whose other dimensions are huge (the element limit sees 0
# elements), concatenated: the copy looped over 2^40 outer rows.
save("empty_huge_concat", make("ehc", [
    helper.make_node("ConstantOfShape", ["shape"], ["zeros"], name="fill"),
    helper.make_node("Concat", ["zeros", "zeros"], ["c"], name="cat", axis=1),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [init("shape", [2 ** 40, 2, 0, 2 ** 10], np.int64)]))

# The same pattern through a reduction: an empty [2^40, 0] summed over its
# empty axis is a [2^40, 1] tensor of zeros, past the element limit (the
# accumulators were allocated before any check). Slicing the dims of an empty
# shape ([0, 2^40, 2^40] without its 0) must not overflow either.
save("empty_huge_reduce", make("ehr", [
    helper.make_node("ConstantOfShape", ["shape"], ["zeros"], name="fill"),
    helper.make_node("ReduceSum", ["zeros", "axes"], ["s"], name="sum"),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [init("shape", [2 ** 40, 0], np.int64), init("axes", [1], np.int64)]))
save("empty_huge_gather", make("ehg", [
    helper.make_node("ConstantOfShape", ["shape"], ["zeros"], name="fill"),
    helper.make_node("Gather", ["zeros", "idx"], ["g"], name="gather", axis=0),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [init("shape", [0, 2 ** 40, 2 ** 40], np.int64), init("idx", [0], np.int64)]))

# Found by mpq-import-fuzzer from the model above: ConstantOfShape of an empty
# shape is a scalar, and a scalar has no axis 0 to gather along (the importer
# read its shape out of bounds). Also through the constant folder (ReduceSum
# over axis 0 of a scalar).
save("scalar_gather", make("sg", [
    helper.make_node("ConstantOfShape", ["shape"], ["zeros"], name="fill"),
    helper.make_node("Gather", ["zeros", "idx"], ["g"], name="gather", axis=0),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [init("shape", np.zeros([0], np.int64), np.int64), init("idx", [0], np.int64)]))
save("scalar_reduce", make("sr", [
    helper.make_node("ConstantOfShape", ["shape"], ["zeros"], name="fill"),
    helper.make_node("ReduceSum", ["zeros", "axes"], ["s"], name="sum"),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [init("shape", np.zeros([0], np.int64), np.int64), init("axes", [0], np.int64)]))

# Found by mpq-import-fuzzer next: an empty initializer of shape
# [0, 2^40, 2^40, 97] folded through Mul (its strides overflowed int64), and
# through Slice and Split (their start offsets did).
save("empty_huge_mul", make("ehm", [
    helper.make_node("Mul", ["p", "p"], ["m"], name="mul"),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [raw_tensor("p", [0, 2 ** 40, 2 ** 40, 97], TensorProto.INT64)]))
save("empty_huge_split", make("ehs", [
    helper.make_node("Split", ["p"], ["a", "b"], name="split", axis=1),
    helper.make_node("Slice", ["p", "starts", "ends", "axes"], ["s"], name="slice"),
    helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [vi("x", F32, [1, 2])], [vi("y", F32, None)],
    [raw_tensor("p", [0, 2 ** 40, 2 ** 40, 97], TensorProto.INT64),
     init("starts", [2 ** 39], np.int64), init("ends", [2 ** 40], np.int64),
     init("axes", [1], np.int64)]))

# 6. Invalid UTF-8 in node and value names: the placeholder bytes are replaced
# after serialization (the protobuf API refuses such strings).
m = conv_model("d06")
m.graph.node[0].name = "convPLACE"
m.graph.node.append(helper.make_node("Relu", ["y"], ["zPLACE"], name="reluPLACE"))
m.graph.output[0].name = "zPLACE"
data = m.SerializeToString().replace(b"PLACE", b"\xff\xfe\x80\xc3(")
save_bytes("d06_invalid_utf8.onnx", data)

# 7. An empty QLinearConv weight scale.
save("d07_empty_weight_scale",
     make("d07", [qconv()], [vi("x", U8, [1, 2, 3, 3])], [vi("y", U8, None)], qconv_inits(ws=())))

# 8. An initializer whose element count overflows int64 (2^64 elements).
save("d08_initializer_overflow", make("d08", [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                                      [vi("x", F32, [1, 2])], [vi("y", F32, None)],
                                      [raw_tensor("w", [2 ** 32, 2 ** 32])]))
# ... and one with a byte count that wraps (2^62 floats of 4 bytes = 2^64).
save("d08_initializer_bytes_wrap", make("d08", [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                                        [vi("x", F32, [1, 2])], [vi("y", F32, None)],
                                        [raw_tensor("w", [2 ** 62])]))

# 11. .npy files whose header lies.
# (The model takes [1, 2, 4, 4].)
save_bytes("d11_npy_batch_overflow.npy", npy("(2305843009213693952, 2, 4, 4)", b"\0" * 128))
save_bytes("d11_npy_shape_overflow.npy", npy("(4294967296, 4294967296, 4, 4)", b"\0" * 128))
save_bytes("d11_npy_short.npy", npy("(3, 2, 4, 4)", b"\0" * 128))
save_bytes("d11_npy_negative.npy", npy("(-1, 2, 4, 4)", b"\0" * 128))
save_bytes("d11_npy_dim_overflow.npy", npy("(99999999999999999999, 2, 4, 4)", b"\0" * 128))
save("d11_model", conv_model("d11"))

# 12, 13, 14 and the rest use a valid model.
save("valid_conv", conv_model("valid"))

# 14. Signed overflow in pad, stride and window arithmetic.
save("d14_pads_overflow", conv_model("d14", pads=[2 ** 62, 0, 2 ** 62, 0]))
save("d14_dilation_overflow", conv_model("d14", dilations=[2 ** 62, 1], kernel_shape=[1, 1]))
save("d14_stride_huge", conv_model("d14", strides=[2 ** 63 - 1, 1]))
save("d14_group_overflow", conv_model("d14", group=2 ** 62))
# memcpy from the null pointer of an empty raw_data.
save("d14_zero_sized_initializer", make("d14", [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                                        [vi("x", F32, [1, 2])], [vi("y", F32, None)],
                                        [raw_tensor("w", [0])]))
# +-inf to an integer.
save("d14_quant_zero_point_inf", quant_model("d14", 0.1, np.inf))
save("d14_quant_bits_nan", quant_model("d14", 0.1, 0.0, bits=np.nan))
save("d14_pad_overflow", make("d14", [helper.make_node("Pad", ["x", "p"], ["y"], name="pad")],
                              [vi("x", F32, [1, 2])], [vi("y", F32, None)],
                              [init("p", [0, 2 ** 62, 0, 2 ** 62], np.int64)]))
save("d14_reshape_overflow", make("d14", [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")],
                                  [vi("x", F32, [1, 2])], [vi("y", F32, None)],
                                  [init("s", [2 ** 40, 2 ** 40, 0], np.int64)]))
save("d14_gather_index", make("d14", [helper.make_node("Gather", ["d", "i"], ["g"], name="gather"),
                                      helper.make_node("Add", ["x", "g"], ["y"], name="add")],
                              [vi("x", F32, [1, 2])], [vi("y", F32, None)],
                              [init("d", [1.0, 2.0]), init("i", [-2 ** 63], np.int64)]))
save("d14_dq_axis_count", make("d14", [
    helper.make_node("DequantizeLinear", ["wq", "s", "z"], ["wd"], name="dq", axis=0),
    helper.make_node("Conv", ["x", "wd"], ["y"], name="conv")],
    [vi("x", F32, [1, 2, 4, 4])], [vi("y", F32, None)],
    [init("wq", np.ones((2, 2, 1, 1)), np.int8), init("s", [0.1, 0.1, 0.1]), init("z", [0, 0, 0], np.int8)]))
save("d14_transpose_perm", make("d14", [helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 2 ** 62])],
                                [vi("x", F32, [1, 2])], [vi("y", F32, None)], []))

# Graph-level: empty graph, cycle.
save("g_empty_graph", make("empty", [], [vi("x", F32, [1, 2])], [], []))
save("g_cycle", make("cycle", [helper.make_node("Relu", ["b"], ["a"], name="r1"),
                               helper.make_node("Relu", ["a"], ["b"], name="r2")],
                     [vi("x", F32, [1, 2])], [vi("b", F32, None)], []))
save("g_integer_cycle", make("cycle", [helper.make_node("MaxPool", ["x", ], ["a"], name="p0", kernel_shape=[1, 1]),
                                       helper.make_node("Reshape", ["b", "s"], ["a2"], name="r1"),
                                       helper.make_node("Reshape", ["a2", "s"], ["b"], name="r2")],
                             [vi("x", U8, [1, 1, 2, 2])], [vi("a", U8, None)], [init("s", [1, 1, 2, 2], np.int64)]))

# An integer constant returned by the model (a Shape, folded at import).
save("g_shape_output", make("shape", [helper.make_node("Shape", ["x"], ["y"], name="shape")],
                            [vi("x", F32, [1, 2])], [vi("y", TensorProto.INT64, None)], []))
