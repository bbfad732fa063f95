"""Checks mpqc-search.test's two reports against each other.

The search must meet the weight budget, must not lose to the rule on its own
objective (the rule's widths priced with the same table), and must be the
more accurate by the validation, which compares the compiled model with the
float model and knows nothing of the table.
"""
import json
import sys

rule = json.load(open(sys.argv[1]))
search = json.load(open(sys.argv[2]))
budget = int(sys.argv[3])

p = search["precision"]
s = p["search"]
assert p["strategy"] == "search", p["strategy"]
assert s["solver"] == "milp", s["solver"]  # the fire module is a DAG
assert s["sensitivity_source"].startswith("measured"), s
assert p["flash_bytes"] <= budget, (p["flash_bytes"], budget)
assert s["rule_fits"] and s["rule_bits"] == rule["precision"]["bits"], s
assert s["objective"] <= s["rule_objective"], s
for layer in p["layers"]:
    cost = layer["weight_sensitivity"]
    # Fewer bits, more error: the measurement sees quantization noise.
    assert cost[0] < cost[1] < cost[2], (layer["name"], cost)
    assert layer["weight_origin"] == "search", layer


def sqnr(report):
    return report["validation"]["outputs"][0]["sqnr_db"]


assert sqnr(search) > sqnr(rule) + 3.0, (sqnr(search), sqnr(rule))
print("search %s: objective %.4g, SQNR %.2f dB; rule %s: objective %.4g, "
      "SQNR %.2f dB" % (p["bits"], s["objective"], sqnr(search),
                        s["rule_bits"], s["rule_objective"], sqnr(rule)))
