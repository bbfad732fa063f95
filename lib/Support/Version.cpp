//===- Version.cpp - mpq's version and --version printer ------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Support/Version.h"

#include "mpq/Config/Version.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

const char *mlir::mpq::getVersion() { return MPQ_VERSION_STRING; }

const char *mlir::mpq::getGitRevision() { return MPQ_GIT_REVISION; }

std::string mlir::mpq::getFullVersion() {
  std::string version = std::string("mpq version ") + getVersion();
  if (*getGitRevision())
    version += std::string(" (git ") + getGitRevision() + ")";
  return version;
}

void mlir::mpq::registerVersionPrinter() {
  // An extra printer (cl::AddExtraVersionPrinter) runs after LLVM's text;
  // replacing the printer and then printing LLVM's text ourselves puts mpq's
  // line first, as clang and rustc do.
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << getFullVersion() << "\n";
    os.flush();
    llvm::cl::PrintVersionMessage();
  });
}
