//===- RowGroups.cpp - Row groups of an integer mpq function --------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/RowGroups.h"
#include "mpq/Support/Packing.h"

#include "llvm/ADT/MapVector.h"

using namespace mlir;
using namespace mlir::mpq;

/// Bytes of one image row of an NHWC tensor of stored codes, or 0.
static int64_t imageRowBytes(RankedTensorType type) {
  auto elem = dyn_cast<UniformType>(type.getElementType());
  if (!elem)
    return 0;
  return type.getDimSize(2) *
         packedRowBytes(type.getDimSize(3), elem.getWidth());
}

std::optional<RowGroupMember> mlir::mpq::rowGroupMember(QConv2DOp layer,
                                                        std::string &why) {
  Value acc = layer.getResult();
  auto requant = acc.hasOneUse()
                     ? dyn_cast<RequantizeOp>(*acc.getUsers().begin())
                     : RequantizeOp();
  if (!requant) {
    why = "its accumulator is not read by exactly one mpq.requantize";
    return std::nullopt;
  }
  auto in = cast<RankedTensorType>(layer.getInput().getType());
  auto out = cast<RankedTensorType>(requant.getType());
  auto weight = cast<RankedTensorType>(layer.getWeight().getType());
  if (in.getRank() != 4 || out.getRank() != 4 || !in.hasStaticShape() ||
      !out.hasStaticShape()) {
    why = "row groups take static 4-d NHWC tensors";
    return std::nullopt;
  }
  if (in.getDimSize(0) != 1) {
    why = "row groups take one image (N = 1), not " +
          std::to_string(in.getDimSize(0));
    return std::nullopt;
  }
  RowGroupMember m;
  m.layer = layer;
  m.requant = requant;
  RowLayer &r = m.rows;
  r.inRows = in.getDimSize(1);
  r.outRows = out.getDimSize(1);
  r.stride = layer.getStrides()[0];
  r.pad = layer.getPads()[0];
  r.extent = (weight.getDimSize(1) - 1) * layer.getDilations()[0] + 1;
  r.inRowBytes = imageRowBytes(in);
  r.outRowBytes = imageRowBytes(out);
  if (r.inRowBytes <= 0 || r.outRowBytes <= 0) {
    why = "row groups take tensors of stored codes";
    return std::nullopt;
  }
  r.macs = out.getNumElements() * weight.getDimSize(1) * weight.getDimSize(2) *
           weight.getDimSize(3);
  return m;
}

FailureOr<std::vector<RowGroup>>
mlir::mpq::collectRowGroups(func::FuncOp func) {
  llvm::MapVector<int64_t, RowGroup> groups;
  WalkResult walk = func.walk([&](QConv2DOp layer) {
    std::optional<int64_t> id = getRowGroup(layer);
    if (!id)
      return WalkResult::advance();
    std::string why;
    std::optional<RowGroupMember> member = rowGroupMember(layer, why);
    if (!member) {
      layer.emitError() << "cannot run in row group " << *id << ": " << why;
      return WalkResult::interrupt();
    }
    RowGroup &group = groups[*id];
    group.id = *id;
    if (!group.members.empty()) {
      RowGroupMember last = group.members.back();
      Value previous = last.requant.getResult();
      if (layer.getInput() != previous || !previous.hasOneUse()) {
        layer.emitError()
            << "row group " << *id
            << " is not a chain: this layer must read the previous member's "
               "result, and be its only reader";
        return WalkResult::interrupt();
      }
      // Constants (the weights) may sit between members; steps may not:
      // the group runs as one step.
      for (Operation *op = last.requant->getNextNode();
           op && op != layer.getOperation(); op = op->getNextNode())
        if (!isa<QConstantOp>(op)) {
          op->emitError() << "runs inside row group " << *id
                          << ", whose members must be consecutive";
          return WalkResult::interrupt();
        }
    }
    group.members.push_back(*member);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  std::vector<RowGroup> result;
  for (auto &[id, group] : groups) {
    std::vector<RowLayer> layers;
    for (const RowGroupMember &m : group.members)
      layers.push_back(m.rows);
    if (std::string error = scheduleRowGroup(layers, group.schedule, 16);
        !error.empty())
      return group.members.front().layer.emitError()
             << "row group " << id << ": " << error;
    result.push_back(std::move(group));
  }
  return result;
}
