//===- InitAll.h - Register everything mpq provides -------------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// The one place another compiler (or mpq's own tools) registers mpq: the
// dialects its IR uses and the passes its pipelines run. Selective, like
// CIRCT's tools, not MLIR's registerAllDialects().
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_INITALL_H
#define MPQ_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::mpq {

/// The mpq dialect and the upstream dialects mpq's IR and lowerings use.
void registerAllDialects(DialectRegistry &registry);

/// Every mpq pass, plus the upstream passes mpq's pipelines run
/// (canonicalize, cse, ...), so they can be named on an mpq-opt command line.
void registerAllPasses();

} // namespace mlir::mpq

#endif // MPQ_INITALL_H
