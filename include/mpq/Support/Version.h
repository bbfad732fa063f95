//===- Version.h - mpq's version and --version printer ----------*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// What `--version` of every mpq tool prints first: mpq's own version and the
// git revision it was built from, then LLVM's version text.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_SUPPORT_VERSION_H
#define MPQ_SUPPORT_VERSION_H

#include <string>

namespace mlir::mpq {

/// The release, e.g. "0.3.0".
const char *getVersion();

/// `git describe --always --dirty` of the source tree at configure time, e.g.
/// "b5de723" or "b5de723-dirty"; empty when not built from a checkout.
const char *getGitRevision();

/// "mpq version 0.3.0 (git b5de723)", or without the parenthesis when the
/// revision is unknown.
std::string getFullVersion();

/// Makes `--version` print getFullVersion() before LLVM's version text. Call
/// at the start of main, before the command line is parsed.
void registerVersionPrinter();

} // namespace mlir::mpq

#endif // MPQ_SUPPORT_VERSION_H
