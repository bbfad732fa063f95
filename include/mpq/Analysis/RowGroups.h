//===- RowGroups.h - Row groups of an integer mpq function ------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The MLIR side of row groups (RowSchedule.h): which layers of an
// integer-only function run row by row together, as `--mpq-fuse-rows` marks
// them and buffer planning and code generation read them.
//
// A row group is the set of `mpq.qconv2d` ops carrying the same
// `mpq.row_group = <i64>`. Its members, in program order, must form a chain:
// each member (a qconv2d and the mpq.requantize that is its accumulator's
// only use) reads, as its input, the previous member's result, which nothing
// else reads; one image (N = 1), NHWC. The group is one step of the arena
// plan: it reads the first member's input and writes the last member's
// result, both whole tensors; the intermediate results are line buffers, the
// step's scratch (mpq.scratch_offset / mpq.scratch_size on the first
// member's qconv2d), laid out by scheduleRowGroup.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_ANALYSIS_ROWGROUPS_H
#define MPQ_ANALYSIS_ROWGROUPS_H

#include "mpq/Analysis/RowSchedule.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace mlir::mpq {

/// One layer of a group: the qconv2d, its requantize and its rows.
struct RowGroupMember {
  QConv2DOp layer;
  RequantizeOp requant;
  RowLayer rows;
};

struct RowGroup {
  int64_t id = 0;
  SmallVector<RowGroupMember> members;
  RowSchedule schedule;
};

/// The rows of `layer` (with the requantize that must be its accumulator's
/// only use) if it can be a member of a row group; otherwise the reason in
/// `why`. Does not look at its neighbours.
std::optional<RowGroupMember> rowGroupMember(QConv2DOp layer, std::string &why);

/// The row groups of `func` in the program order of their first members,
/// each checked as the file comment says and scheduled (line buffers at
/// multiples of 16). Errors name the offending op.
FailureOr<std::vector<RowGroup>> collectRowGroups(func::FuncOp func);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_ROWGROUPS_H
