# mpqc-report.test's checks of NAME.report.json, independent of mpqc: the
# schema (docs/report-schema.json, through python3-jsonschema), MACs from
# the ONNX model's own shapes, byte totals against the rows, the arena rows
# against the arena, and the code/rodata figures against the object's
# sections as llvm-readobj reads them.
import json
import subprocess
import sys

import jsonschema
import onnx


def load(stem, schema_path):
    report = json.load(open(stem + ".report.json"))
    jsonschema.validate(report, json.load(open(schema_path)))
    print("schema ok")
    return report


def conv_macs(model_path):
    """MACs of every Conv/Gemm of the ONNX model, from its shapes."""
    model = onnx.shape_inference.infer_shapes(onnx.load(model_path))
    shapes = {}
    for v in list(model.graph.value_info) + list(model.graph.output) + list(model.graph.input):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    inits = {i.name: list(i.dims) for i in model.graph.initializer}
    macs = {}
    for node in model.graph.node:
        if node.op_type == "Conv":
            w = inits[node.input[1]]
            out = shapes[node.output[0]]
            macs[node.name] = out[1] * out[2] * out[3] * w[1] * w[2] * w[3]
        elif node.op_type == "Gemm":
            w = inits[node.input[1]]
            macs[node.name] = w[0] * w[1]
    return macs


def windows(model_path):
    """Kernel, strides and pads of every Conv/MaxPool/AveragePool by name."""
    model = onnx.load(model_path)
    inits = {i.name: list(i.dims) for i in model.graph.initializer}
    found = {}
    for node in model.graph.node:
        if node.op_type not in ("Conv", "MaxPool", "AveragePool"):
            continue
        attrs = {a.name: list(a.ints) for a in node.attribute}
        kernel = attrs.get("kernel_shape") or inits[node.input[1]][2:]
        pads = attrs.get("pads", [0, 0, 0, 0])
        dil = attrs.get("dilations", [1, 1])
        found[node.name] = (kernel, attrs.get("strides", [1, 1]), pads, dil)
    return found


def in_place_shift(window, src, dst):
    """The least distance dst's output must start below src's (the window
    contract of docs/design.md, restated): output rows written in order,
    row r reading input rows from r * stride - pad up; a 1x1 layer works on
    pairs of pixels. With pixels written from the last (in_place_descending),
    the least distance dst's output must end above src's end, row r reading
    input rows up to r * stride - pad + extent - 1. Elementwise rows (no
    window): 0."""
    if window is None:
        return 0
    kernel, strides, pads, dil = window
    down = dst["in_place_descending"]
    n, ih, iw, ic = dst["input_shapes"][0]
    _, oh, ow, oc = dst["output_shape"]
    pin = (ic * src["output_bits"] + 7) // 8
    pout = (oc * dst["output_bits"] + 7) // 8
    if kernel == [1, 1] and strides == [1, 1] and not any(pads):
        p = n * ih * iw
        blocks = [(f, min(f + 2, p)) for f in range(0, p, 2)]
        if down:
            return max((p - f) * pout - (p - e) * pin for f, e in blocks)
        return max(e * pout - f * pin for f, e in blocks)
    shift = 0
    extent = (kernel[0] - 1) * dil[0] + 1
    for b in range(n):
        for r in range(oh):
            if down:
                last = min(max(r * strides[0] - pads[0] + extent - 1, -1), ih - 1) + b * ih
                need = (n * oh - (b * oh + r)) * ow * pout - (n * ih - last - 1) * iw * pin
            else:
                first = min(max(r * strides[0] - pads[0], 0), ih) + b * ih
                need = (b * oh + r + 1) * ow * pout - first * iw * pin
            shift = max(shift, need)
    return shift


def sections(obj):
    readobj = "/usr/lib/llvm-22/bin/llvm-readobj"
    out = subprocess.run([readobj, "--sections", obj], capture_output=True,
                         text=True, check=True).stdout
    sizes, name = {}, None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Name: "):
            name = line.split()[1]
        elif line.startswith("Size: ") and name:
            sizes[name] = sizes.get(name, 0) + int(line.split()[1])
    return sizes


def check_arena(model, s, layers):
    """The arena rows against the arena, and every overlap a declared
    in-place pair at its contract's distance."""
    arena = s["ram"]["arena"]
    for l in layers:
        size = 1
        for d in l["output_shape"]:
            size *= d
        assert l["activation_bytes"] == (size * l["output_bits"] + 7) // 8 or l["output_bits"] < 8, l
        assert 0 <= l["arena_offset"] and l["arena_offset"] + l["activation_bytes"] <= arena, l
        assert l["first_step"] <= l["last_step"]
    # Two rows live at one step never overlap in the arena (views excepted:
    # the same offset and the same bytes), unless the later one is written
    # over the earlier in place: born where it dies, at least the window
    # contract's distance below it.
    wins = windows(model)
    in_place = 0
    for a in layers:
        for b in layers:
            if a is b:
                continue
            declared = b["in_place_of"] == a["name"] or a["in_place_of"] == b["name"]
            if (not declared and a["arena_offset"] == b["arena_offset"] and
                    a["activation_bytes"] == b["activation_bytes"]):
                continue  # a view
            if a["first_step"] <= b["last_step"] and b["first_step"] <= a["last_step"]:
                if (a["arena_offset"] + a["activation_bytes"] <= b["arena_offset"] or
                        b["arena_offset"] + b["activation_bytes"] <= a["arena_offset"]):
                    continue
                if a["in_place_of"] == b["name"]:
                    continue  # checked with the roles swapped
                assert b["in_place_of"] == a["name"], ("overlap", a, b)
                assert a["last_step"] == b["first_step"], (a, b)
                need = in_place_shift(wins.get(b["name"]), a, b)
                assert b["in_place_shift"] == need, (a, b, need)
                if b["in_place_descending"]:
                    assert (b["arena_offset"] + b["activation_bytes"] -
                            a["arena_offset"] - a["activation_bytes"]) >= need, (a, b, need)
                else:
                    assert a["arena_offset"] - b["arena_offset"] >= need, (a, b, need)
                in_place += 1
    # Every overlap is declared from one side.
    for b in layers:
        if b["in_place_of"] is None:
            assert b["in_place_shift"] is None and b["in_place_descending"] is None, b
    assert s["ram"]["total"] == arena + s["ram"]["stack"]
    print("arena ok: %s in place" % ("some" if in_place else "none"))
    return in_place


def arena_only(schema, model, stem):
    r = load(stem, schema)
    in_place = check_arena(model, r["summary"], r["layers"])
    for l in r["layers"]:
        if l["in_place_of"]:
            print("in place: %s over %s, %s %d B" % (l["name"], l["in_place_of"], "end above by" if l["in_place_descending"] else "below by", l["in_place_shift"]))


def check(schema, model, stem):
    r = load(stem, schema)
    s, layers = r["summary"], r["layers"]
    want = conv_macs(model)
    got = {l["name"]: l["macs"] for l in layers if l["macs"]}
    assert got == want, (got, want)
    assert s["macs"] == sum(want.values())
    print("macs ok: %d layers, %d in all" % (len(want), s["macs"]))
    weighted = [l for l in layers if l["weight_bits"]]
    assert sum(l["weight_bytes"] for l in weighted) == s["flash"]["weights"]
    assert sum(l["param_bytes"] for l in weighted) == s["flash"]["parameters"]
    for l in weighted:  # packed rows: O x ceil(K*bits/8)
        o, k = l["output_shape"][-1], 1
        if l["op"].startswith("conv"):
            kh, kw = map(int, l["op"].split()[1].split("/")[0].split("x"))
            k = kh * kw * l["input_shapes"][0][-1]
        else:
            k = l["input_shapes"][0][-1]
        assert l["weight_bytes"] == o * ((k * l["weight_bits"] + 7) // 8), l
    f = s["flash"]
    assert f["total"] == f["rodata"] + f["code"]
    assert f["left"] == f["budget"] - f["reserve"] - f["total"]
    print("bytes ok")
    check_arena(model, s, layers)
    sizes = sections(stem + ".o")
    code = sum(v for k, v in sizes.items() if k.startswith(".text"))
    rodata = sum(v for k, v in sizes.items() if k.startswith((".rodata", ".data.rel.ro")))
    assert (code, rodata) == (f["code"], f["rodata"]), (code, rodata, f)
    print("sections ok")


def unfit(schema, stem):
    r = load(stem, schema)
    s = r["summary"]
    print("fits %s, flash total > budget: %s, error: %s" % (
        s["fits"], s["flash"]["total"] > s["flash"]["budget"], s["error"]))
    print("layers %d" % len(r["layers"]))
    if r["precision"] and "smallest_ram_bytes" in r["precision"]:
        print("smallest RAM %d" % r["precision"]["smallest_ram_bytes"])


def left(stem):
    s = json.load(open(stem + ".report.json"))["summary"]
    for k in ("flash", "ram"):
        m = s[k]
        assert m["left"] == m["budget"] - m["reserve"] - m["total"] >= 0, m
    assert s["ram"]["total"] == s["ram"]["arena"] + s["ram"]["stack"]
    print("left ok")


if __name__ == "__main__":
    {"check": check, "arena": arena_only, "unfit": unfit, "left": left}[sys.argv[1]](*sys.argv[2:])
