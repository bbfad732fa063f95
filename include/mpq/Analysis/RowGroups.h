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
// A row group is the set of ops carrying the same `mpq.row_group = <i64>`.
// A member is an `mpq.qconv2d` (with the mpq.requantize that is its
// accumulator's only use), an `mpq.qadd` of two tensors of its own shape,
// or an `mpq.max_pool2d` / `mpq.qavg_pool2d`; one image (N = 1), NHWC, of
// stored codes. The members are consecutive in program order (constants
// aside); each reads the group's input (the first member's input) or
// earlier members' results, and every result but the last member's is read
// only by members. The group is one step of the arena plan: it reads its
// input and writes the last member's result, both whole tensors; the other
// results are line buffers, the step's scratch (mpq.scratch_offset /
// mpq.scratch_size on the first member), laid out by scheduleRowGroup.
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

/// One member of a group.
struct RowGroupMember {
  /// The op that carries mpq.row_group: qconv2d, qadd or a pooling.
  Operation *op = nullptr;
  /// The op whose result is the member's: a qconv2d's requantize, else op.
  Operation *writer = nullptr;
  /// The tensors it reads, in the order of rows.inputs (qadd: lhs, rhs),
  /// and the bytes of one image row of each.
  SmallVector<Value, 2> inputs;
  SmallVector<int64_t, 2> inputRowBytes;
  /// Its rows; collectRowGroups fills rows.inputs.
  RowLayer rows;
  Value result() const { return writer->getResult(0); }
};

struct RowGroup {
  int64_t id = 0;
  SmallVector<RowGroupMember> members;
  RowSchedule schedule;
};

/// `op` as a member of a row group if it can be one (a kind above, of the
/// right shapes); otherwise the reason in `why`. Does not look at its
/// neighbours.
std::optional<RowGroupMember> rowGroupMember(Operation *op, std::string &why);

/// `func`'s candidates for row groups, in runs of consecutive steps
/// (chooseRowGroups' input): each run's members and candidates alike.
struct RowRuns {
  std::vector<std::vector<RowGroupMember>> members;
  std::vector<std::vector<RowCandidate>> candidates;
};
RowRuns collectRowRuns(func::FuncOp func);

/// The row groups of `func` in the program order of their first members,
/// each checked as the file comment says and scheduled (line buffers at
/// multiples of 16). Errors name the offending op.
FailureOr<std::vector<RowGroup>> collectRowGroups(func::FuncOp func);

} // namespace mlir::mpq

#endif // MPQ_ANALYSIS_ROWGROUPS_H
