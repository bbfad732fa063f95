//===- JsonOrder.h - JSON documents printed in a reading order --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// llvm::json::Value prints object keys in alphabetical order. The reports a
// person reads (the precision and plan reports of the passes) put the
// verdict first and the detail after: printJsonInOrder prints each object's
// keys in the order of `keyOrder` (keys of every nesting level in one list),
// then any key the list does not name, alphabetically.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_JSONORDER_H
#define MPQ_SUPPORT_JSONORDER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::mpq {

void printJsonInOrder(llvm::raw_ostream &os, const llvm::json::Value &value,
                      llvm::ArrayRef<llvm::StringRef> keyOrder,
                      unsigned indent = 2);

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_JSONORDER_H
