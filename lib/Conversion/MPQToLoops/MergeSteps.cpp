//===- MergeSteps.cpp - --mpq-merge-steps ---------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Step functions that differ only in the globals they read become one
// function taking those globals as arguments (Passes.td has the contract).
//
//===----------------------------------------------------------------------===//

#include "mpq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::mpq {
#define GEN_PASS_DEF_MPQMERGESTEPSPASS
#include "mpq/Transforms/Passes.h.inc"
} // namespace mlir::mpq

using namespace mlir;
using namespace mlir::mpq;

namespace {
/// A global a step reads, by name and as the type it reads it.
using GlobalRead = std::pair<StringAttr, MemRefType>;

/// A step with its reads of globals turned into arguments: `function` is a
/// detached copy whose extra arguments stand for `globals`, in order.
struct Canonical {
  func::FuncOp original;
  OwningOpRef<func::FuncOp> function;
  SmallVector<GlobalRead> globals;
  SmallVector<func::CallOp> calls;
};

/// The detached copy of `fn` with each distinct global an argument (in the
/// order of the first reads, listed in `globals`), or nullptr when the
/// function has nothing to share (no global read).
OwningOpRef<func::FuncOp> canonicalize(func::FuncOp fn,
                                       SmallVectorImpl<GlobalRead> &globals) {
  OwningOpRef<func::FuncOp> copy(fn.clone());
  llvm::MapVector<StringAttr, BlockArgument> arguments;
  Block &entry = copy->getBody().front();
  SmallVector<memref::GetGlobalOp> reads;
  copy->walk([&](memref::GetGlobalOp read) { reads.push_back(read); });
  if (reads.empty())
    return nullptr;
  SmallVector<Type> inputs(copy->getFunctionType().getInputs());
  for (memref::GetGlobalOp read : reads) {
    StringAttr name = read.getNameAttr().getAttr();
    auto [it, inserted] = arguments.try_emplace(name, BlockArgument());
    if (inserted) {
      it->second = entry.addArgument(read.getType(), read.getLoc());
      inputs.push_back(read.getType());
    } else if (it->second.getType() != read.getType()) {
      return nullptr; // one global read as two types: leave it alone
    }
    read.getResult().replaceAllUsesWith(it->second);
    read.erase();
  }
  copy->setFunctionType(FunctionType::get(
      fn.getContext(), inputs, copy->getFunctionType().getResults()));
  for (auto &[name, argument] : arguments)
    globals.push_back({name, cast<MemRefType>(argument.getType())});
  return copy;
}

/// The text two functions share when they can share code: the copy printed
/// without its name or locations.
std::string keyOf(func::FuncOp copy) {
  StringAttr name = copy.getSymNameAttr();
  copy.setSymName("step");
  std::string key;
  llvm::raw_string_ostream os(key);
  copy->print(os, OpPrintingFlags().printGenericOpForm());
  copy.setSymNameAttr(name);
  return key;
}

struct MergeStepsPass
    : ::mlir::mpq::impl::MPQMergeStepsPassBase<MergeStepsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Candidates: private definitions whose every use is a call (one walk
    // over the module's symbol uses).
    // The module's own attributes count too (the walk of a symbol table
    // does not enter it, the walk of its region does not see it).
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(&module.getBodyRegion());
    std::optional<SymbolTable::UseRange> ownUses =
        SymbolTable::getSymbolUses(module.getOperation());
    if (!uses || !ownUses)
      return;
    DenseMap<StringAttr, SmallVector<func::CallOp>> callsOf;
    DenseSet<StringAttr> otherUses;
    for (const SymbolTable::UseRange &range : {*uses, *ownUses})
      for (const SymbolTable::SymbolUse &use : range) {
        StringAttr name = use.getSymbolRef().getRootReference();
        auto call = dyn_cast<func::CallOp>(use.getUser());
        if (call && call.getCalleeAttr() == use.getSymbolRef())
          callsOf[name].push_back(call);
        else
          otherUses.insert(name);
      }
    SmallVector<std::pair<func::FuncOp, SmallVector<func::CallOp>>> candidates;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.isPrivate() && !fn.isExternal() &&
          !otherUses.contains(fn.getSymNameAttr()))
        candidates.emplace_back(fn, callsOf.lookup(fn.getSymNameAttr()));
    if (candidates.size() < 2)
      return;

    // Groups in the order of their first member (the output is
    // deterministic).
    llvm::StringMap<unsigned> groupOf;
    std::vector<std::vector<Canonical>> groups;
    for (auto &[fn, fnCalls] : candidates) {
      Canonical c;
      OwningOpRef<func::FuncOp> copy = canonicalize(fn, c.globals);
      if (!copy)
        continue;
      c.original = fn;
      c.calls = fnCalls;
      std::string key = keyOf(*copy);
      c.function = std::move(copy);
      auto [it, inserted] = groupOf.try_emplace(key, groups.size());
      if (inserted)
        groups.emplace_back();
      groups[it->second].push_back(std::move(c));
    }

    OpBuilder builder(module.getContext());
    for (std::vector<Canonical> &members : groups) {
      if (members.size() < 2)
        continue;
      // The first member's name and place, the shared body.
      Canonical &first = members.front();
      func::FuncOp shared = first.function.release();
      shared.setSymNameAttr(first.original.getSymNameAttr());
      builder.setInsertionPoint(first.original);
      builder.insert(shared);
      for (Canonical &member : members) {
        for (func::CallOp call : member.calls) {
          builder.setInsertionPoint(call);
          SmallVector<Value> operands(call.getOperands());
          for (auto [name, type] : member.globals)
            operands.push_back(memref::GetGlobalOp::create(
                builder, call.getLoc(), type, name));
          auto merged =
              func::CallOp::create(builder, call.getLoc(), shared, operands);
          call.replaceAllUsesWith(merged.getResults());
          call.erase();
        }
        member.original.erase();
      }
    }
  }
};
} // namespace
