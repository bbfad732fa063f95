//===- ExporterPatterns.cpp - Ops that exporters write as subgraphs -------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Exporters write some ops as a subgraph of primitive nodes when the opset
// they target has no node for them. Before import, each such subgraph is
// replaced by the one node it computes, so that the importer sees the op:
//
//   LayerNormalization (torch.onnx.export below opset 17):
//     m = ReduceMean(x, axes=[a]);   d = Sub(x, m);  p = Pow(d, 2)
//     v = ReduceMean(p, axes=[a]);   a = Add(v, eps); s = Sqrt(a)
//     n = Div(d, s)  [y = Mul(n, scale)]  [z = Add(y, bias)]
//
// A subgraph is fused only when every intermediate value is used inside it
// alone, every parameter is a constant, and the shapes are those of the op;
// otherwise the nodes stay as they are (and are imported one by one, or
// reported as unsupported).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

#include <cmath>
#include <map>
#include <set>

using namespace mlir::mpq::onnx_import;

namespace {

class PatternMatcher {
public:
  explicit PatternMatcher(Model &model) : model(model) {
    for (const auto &[name, tensor] : model.initializers)
      initializers[name] = &tensor;
    for (size_t i = 0; i < model.nodes.size(); ++i) {
      for (const std::string &out : model.nodes[i].outputs)
        if (!out.empty())
          producer[out] = i;
      for (const std::string &in : model.nodes[i].inputs)
        if (!in.empty())
          consumers[in].push_back(i);
    }
    for (const ValueInfo &out : model.outputs)
      graphOutputs.insert(out.name);
  }

  void fuseLayerNorms(int64_t opset);

private:
  /// The float values of a constant: an initializer or a Constant node.
  const Tensor *constant(const std::string &name) const {
    if (auto it = initializers.find(name); it != initializers.end())
      return it->second;
    auto it = producer.find(name);
    if (it == producer.end())
      return nullptr;
    const Node &node = model.nodes[it->second];
    if (node.opType != "Constant" || !node.domain.empty())
      return nullptr;
    auto value = node.attributes.find("value");
    if (value == node.attributes.end() ||
        value->second.kind != Attribute::TensorKind)
      return nullptr;
    return &value->second.t;
  }
  /// The single float value of a constant scalar (or one-element tensor).
  std::optional<double> scalar(const std::string &name) const {
    const Tensor *t = constant(name);
    if (!t || !t->isFloat() || t->floats.size() != 1)
      return std::nullopt;
    return t->floats[0];
  }
  /// The one node reading `value` (which is not a graph output), if it is
  /// an `opType` of the default domain and not already fused.
  const Node *onlyUser(const std::string &value, const char *opType,
                       size_t *index = nullptr) const {
    auto it = consumers.find(value);
    if (graphOutputs.count(value) || it == consumers.end() ||
        it->second.size() != 1)
      return nullptr;
    const Node &node = model.nodes[it->second[0]];
    if (node.opType != opType || !node.domain.empty() ||
        node.outputs.size() != 1 || removed.count(it->second[0]))
      return nullptr;
    if (index)
      *index = it->second[0];
    return &node;
  }
  /// The one axis `node` (a ReduceMean keeping its axes) reduces over.
  std::optional<int64_t> reducedAxis(const Node &node, int64_t opset) const {
    if (node.opType != "ReduceMean" || !node.domain.empty() ||
        node.inputs.empty() || node.outputs.size() != 1)
      return std::nullopt;
    auto keep = node.attributes.find("keepdims");
    if (keep != node.attributes.end() && keep->second.i != 1)
      return std::nullopt;
    std::vector<int64_t> axes;
    if (opset >= 18) {
      if (node.inputs.size() < 2)
        return std::nullopt;
      const Tensor *t = constant(node.inputs[1]);
      if (!t)
        return std::nullopt;
      axes = t->ints;
    } else if (auto a = node.attributes.find("axes");
               a != node.attributes.end()) {
      axes = a->second.ints;
    }
    if (axes.size() != 1)
      return std::nullopt;
    return axes[0];
  }
  /// `node` is a binary `opType` of `value` and a constant; the constant's
  /// name.
  std::optional<std::string> constantOperand(const Node &node,
                                             const std::string &value) const {
    if (node.inputs.size() != 2 || node.outputs.size() != 1)
      return std::nullopt;
    for (int i = 0; i < 2; ++i)
      if (node.inputs[i] == value && constant(node.inputs[1 - i]))
        return node.inputs[1 - i];
    return std::nullopt;
  }

  Model &model;
  std::map<std::string, const Tensor *> initializers;
  std::map<std::string, size_t> producer;
  std::map<std::string, std::vector<size_t>> consumers;
  std::set<std::string> graphOutputs;
  std::set<size_t> removed;
  /// Fused node to put at the index of the pattern's last node.
  std::map<size_t, Node> replacements;

public:
  void apply() {
    if (replacements.empty())
      return;
    std::vector<Node> nodes;
    for (size_t i = 0; i < model.nodes.size(); ++i) {
      if (auto it = replacements.find(i); it != replacements.end())
        nodes.push_back(std::move(it->second));
      else if (!removed.count(i))
        nodes.push_back(std::move(model.nodes[i]));
    }
    model.nodes = std::move(nodes);
  }
};

/// The longest common '/'-separated prefix of the names (torch names a
/// module's nodes "/module/Op"), or the first name.
std::string commonScope(const std::vector<const Node *> &nodes) {
  std::string prefix = nodes.front()->name;
  for (const Node *node : nodes) {
    size_t n = 0;
    while (n < prefix.size() && n < node->name.size() &&
           prefix[n] == node->name[n])
      ++n;
    prefix.resize(n);
  }
  size_t slash = prefix.rfind('/');
  if (slash == std::string::npos || slash == 0)
    return nodes.front()->name;
  return prefix.substr(0, slash);
}

void PatternMatcher::fuseLayerNorms(int64_t opset) {
  for (size_t first = 0; first < model.nodes.size(); ++first) {
    std::optional<int64_t> axis;
    if (removed.count(first) ||
        !(axis = reducedAxis(model.nodes[first], opset)))
      continue;
    const Node &mean = model.nodes[first];
    const std::string &x = mean.inputs[0];
    size_t subAt, divAt, lastAt;
    const Node *sub = onlyUser(mean.outputs[0], "Sub", &subAt);
    if (!sub || sub->inputs.size() != 2 || sub->inputs[0] != x ||
        sub->inputs[1] != mean.outputs[0])
      continue;
    const std::string &d = sub->outputs[0];
    // d feeds the Pow and the Div, nothing else.
    auto dUsers = consumers.find(d);
    if (graphOutputs.count(d) || dUsers == consumers.end() ||
        dUsers->second.size() != 2)
      continue;
    const Node *pow = nullptr;
    for (size_t i : dUsers->second)
      if (model.nodes[i].opType == "Pow" && model.nodes[i].domain.empty())
        pow = &model.nodes[i];
    if (!pow || pow->inputs.size() != 2 || pow->inputs[0] != d ||
        scalar(pow->inputs[1]) != 2.0)
      continue;
    size_t varAt;
    const Node *var = onlyUser(pow->outputs[0], "ReduceMean", &varAt);
    if (!var || reducedAxis(*var, opset) != axis)
      continue;
    const Node *addEps = onlyUser(var->outputs[0], "Add");
    std::optional<std::string> epsName =
        addEps ? constantOperand(*addEps, var->outputs[0]) : std::nullopt;
    std::optional<double> eps = epsName ? scalar(*epsName) : std::nullopt;
    if (!eps || !(*eps >= 0))
      continue;
    const Node *sqrt = onlyUser(addEps->outputs[0], "Sqrt");
    if (!sqrt)
      continue;
    const Node *div = onlyUser(sqrt->outputs[0], "Div", &divAt);
    if (!div || div->inputs.size() != 2 || div->inputs[0] != d ||
        div->inputs[1] != sqrt->outputs[0])
      continue;
    std::vector<const Node *> matched = {&mean,  sub,  pow, var,
                                         addEps, sqrt, div};
    lastAt = divAt;
    std::string out = div->outputs[0], scaleName, biasName;
    size_t at;
    if (const Node *mul = onlyUser(out, "Mul", &at))
      if (auto c = constantOperand(*mul, out)) {
        scaleName = *c;
        matched.push_back(mul);
        out = mul->outputs[0];
        lastAt = std::max(lastAt, at);
        if (const Node *add = onlyUser(out, "Add", &at))
          if (auto b = constantOperand(*add, out)) {
            biasName = *b;
            matched.push_back(add);
            out = add->outputs[0];
            lastAt = std::max(lastAt, at);
          }
      }
    Node fused;
    fused.opType = "LayerNormalization";
    fused.name = commonScope(matched);
    fused.inputs = {x, scaleName, biasName};
    fused.outputs = {out};
    // The subgraph normalizes over one axis; the node over `axis` and all
    // after it. The importer checks that the axis is the last (the shapes
    // are not known here) and says so otherwise.
    Attribute axisAttr;
    axisAttr.kind = Attribute::Int;
    axisAttr.i = *axis;
    fused.attributes["axis"] = axisAttr;
    fused.attributes[kFusedSingleAxis] = axisAttr;
    Attribute epsilon;
    epsilon.kind = Attribute::Float;
    epsilon.f = static_cast<float>(*eps);
    fused.attributes["epsilon"] = epsilon;
    for (const Node *node : matched)
      removed.insert(static_cast<size_t>(node - model.nodes.data()));
    (void)subAt;
    (void)varAt;
    replacements[lastAt] = std::move(fused);
  }
}

} // namespace

void mlir::mpq::onnx_import::fuseExporterPatterns(Model &model) {
  int64_t opset = 1;
  if (auto it = model.opsets.find(""); it != model.opsets.end())
    opset = it->second;
  PatternMatcher matcher(model);
  matcher.fuseLayerNorms(opset);
  matcher.apply();
}
