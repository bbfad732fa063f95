# capi.test's comparison: what mpq-capi-test printed ("arena N flash N bits
# B", one "layer ..." line per weight layer) against mpqc's report.json for
# the same model and budgets.
import json
import sys

report = json.load(open(sys.argv[1]))
printed = [line.strip() for line in open(sys.argv[2])]
want = ["arena {} flash {} bits {}".format(
    report["summary"]["ram"]["arena"], report["summary"]["flash"]["total"],
    report["summary"]["bits"])]
want += ["layer {} {} w{} in{} out{} {}+{} B".format(
    l["name"], l["kind"], l["weight_bits"], l["input_bits"], l["output_bits"],
    l["weight_bytes"], l["param_bytes"]) for l in report["precision"]["layers"]]
got = [line for line in printed if line.startswith(("arena ", "layer "))]
if got != want:
    sys.exit("mpqc's report says\n  {}\nthe C API\n  {}".format(
        "\n  ".join(want), "\n  ".join(got)))
print("as mpqc's report:\n  " + "\n  ".join(want))
