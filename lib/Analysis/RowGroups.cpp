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

/// The rows of an NHWC tensor of one image of stored codes, or why not.
static bool imageRows(Value value, int64_t &rows, int64_t &rowBytes,
                      std::string &why) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != 4 || !type.hasStaticShape()) {
    why = "row groups take static 4-d NHWC tensors";
    return false;
  }
  if (type.getDimSize(0) != 1) {
    why = "row groups take one image (N = 1), not " +
          std::to_string(type.getDimSize(0));
    return false;
  }
  rows = type.getDimSize(1);
  rowBytes = imageRowBytes(type);
  if (rowBytes <= 0) {
    why = "row groups take tensors of stored codes";
    return false;
  }
  return true;
}

std::optional<RowGroupMember> mlir::mpq::rowGroupMember(Operation *op,
                                                        std::string &why) {
  RowGroupMember m;
  m.op = op;
  m.writer = op;
  RowLayer &r = m.rows;
  if (auto layer = dyn_cast<QConv2DOp>(op)) {
    Value acc = layer.getResult();
    auto requant = acc.hasOneUse()
                       ? dyn_cast<RequantizeOp>(*acc.getUsers().begin())
                       : RequantizeOp();
    if (!requant) {
      why = "its accumulator is not read by exactly one mpq.requantize";
      return std::nullopt;
    }
    m.writer = requant;
    m.inputs.push_back(layer.getInput());
    auto weight = cast<RankedTensorType>(layer.getWeight().getType());
    r.stride = layer.getStrides()[0];
    r.pad = layer.getPads()[0];
    r.extent = (weight.getDimSize(1) - 1) * layer.getDilations()[0] + 1;
  } else if (auto add = dyn_cast<QAddOp>(op)) {
    if (add.getLhs().getType().getShape() != add.getType().getShape() ||
        add.getRhs().getType().getShape() != add.getType().getShape()) {
      why = "a sum in a row group takes operands of its result's shape";
      return std::nullopt;
    }
    m.inputs.append({add.getLhs(), add.getRhs()});
  } else if (isa<MaxPool2DOp, QAvgPool2DOp>(op)) {
    ArrayRef<int64_t> strides, pads, kernel;
    if (auto pool = dyn_cast<MaxPool2DOp>(op)) {
      strides = pool.getStrides(), pads = pool.getPads();
      kernel = pool.getKernel();
    } else {
      auto avg = cast<QAvgPool2DOp>(op);
      strides = avg.getStrides(), pads = avg.getPads();
      kernel = avg.getKernel();
    }
    m.inputs.push_back(op->getOperand(0));
    r.stride = strides[0];
    r.pad = pads[0];
    r.extent = kernel[0];
  } else if (auto pad = dyn_cast<PadOp>(op)) {
    if (!pad.padsOnlyLastAxis()) {
      why = "a pad in a row group pads channels only";
      return std::nullopt;
    }
    m.inputs.push_back(pad.getInput());
  } else {
    why = "only convolutions, sums, poolings and channel pads run in row "
          "groups";
    return std::nullopt;
  }
  int64_t rows = 0, bytes = 0;
  if (!imageRows(m.result(), r.outRows, r.outRowBytes, why))
    return std::nullopt;
  for (Value input : m.inputs) {
    if (!imageRows(input, rows, bytes, why))
      return std::nullopt;
    if (r.inRowBytes == 0)
      r.inRows = rows, r.inRowBytes = bytes;
    m.inputRowBytes.push_back(bytes);
  }
  return m;
}

/// Ops that may sit between the members of a group: constants (weights).
static bool isBetweenMembers(Operation *op) { return isa<QConstantOp>(op); }

RowRuns mlir::mpq::collectRowRuns(func::FuncOp func) {
  RowRuns runs;
  std::vector<RowGroupMember> members;
  llvm::DenseMap<Value, int64_t> ids;
  auto id = [&](Value v) {
    return ids.try_emplace(v, static_cast<int64_t>(ids.size())).first->second;
  };
  auto flush = [&] {
    if (members.size() >= 2) {
      std::vector<RowCandidate> candidates;
      for (const RowGroupMember &m : members) {
        RowCandidate c;
        c.rows = m.rows;
        for (Value input : m.inputs)
          c.inputs.push_back(id(input));
        c.inputRowBytes.assign(m.inputRowBytes.begin(), m.inputRowBytes.end());
        c.output = id(m.result());
        c.reads = static_cast<int64_t>(
            std::distance(m.result().use_begin(), m.result().use_end()));
        candidates.push_back(std::move(c));
      }
      runs.members.push_back(members);
      runs.candidates.push_back(std::move(candidates));
    }
    members.clear();
  };
  Operation *skip = nullptr;
  for (Operation &op : func.getBody().front()) {
    if (&op == skip || isBetweenMembers(&op))
      continue;
    std::string why;
    std::optional<RowGroupMember> member = rowGroupMember(&op, why);
    if (!member) {
      flush();
      continue;
    }
    // A conv's requantize follows it, constants aside; anything else ends
    // the run.
    if (member->writer != member->op) {
      Operation *o = op.getNextNode();
      while (o && o != member->writer && isBetweenMembers(o))
        o = o->getNextNode();
      if (o != member->writer) {
        flush();
        continue;
      }
      skip = member->writer;
    }
    members.push_back(*member);
  }
  flush();
  return runs;
}

FailureOr<std::vector<RowGroup>>
mlir::mpq::collectRowGroups(func::FuncOp func) {
  llvm::MapVector<int64_t, RowGroup> groups;
  WalkResult walk = func.walk([&](Operation *op) {
    std::optional<int64_t> id = getRowGroup(op);
    if (!id)
      return WalkResult::advance();
    std::string why;
    std::optional<RowGroupMember> member = rowGroupMember(op, why);
    if (!member) {
      op->emitError() << "cannot run in row group " << *id << ": " << why;
      return WalkResult::interrupt();
    }
    RowGroup &group = groups[*id];
    group.id = *id;
    if (!group.members.empty()) {
      // Constants (the weights) may sit between members; steps may not:
      // the group runs as one step.
      for (Operation *o = group.members.back().writer->getNextNode();
           o && o != op; o = o->getNextNode())
        if (!isBetweenMembers(o)) {
          o->emitError() << "runs inside row group " << *id
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
    const size_t n = group.members.size();
    llvm::DenseMap<Value, int64_t> producer;
    std::vector<RowLayer> layers;
    const Value input = group.members.front().inputs.front();
    for (size_t m = 0; m < n; ++m) {
      RowGroupMember &member = group.members[m];
      member.rows.inputs.clear();
      for (auto [v, bytes] : llvm::zip(member.inputs, member.inputRowBytes)) {
        auto it = producer.find(v);
        if (it == producer.end() && v != input)
          return member.op->emitError()
                 << "row group " << id
                 << " reads a tensor from outside the group other than its "
                    "input (the first member's input)";
        member.rows.inputs.push_back(
            {it == producer.end() ? -1 : it->second, bytes});
      }
      if (m + 1 < n)
        for (Operation *user : member.result().getUsers())
          if (getRowGroup(user) != id ||
              llvm::none_of(group.members, [&](const RowGroupMember &k) {
                return k.op == user;
              }))
            return member.op->emitError()
                   << "row group " << id
                   << ": this member's result is read outside the group "
                      "(only the last member's result may be)";
      producer[member.result()] = static_cast<int64_t>(m);
      layers.push_back(member.rows);
    }
    if (std::string error = scheduleRowGroup(layers, group.schedule, 16);
        !error.empty())
      return group.members.front().op->emitError()
             << "row group " << id << ": " << error;
    result.push_back(std::move(group));
  }
  return result;
}
