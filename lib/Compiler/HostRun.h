//===- HostRun.h - Running a compiled x86-64 object in process --*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_LIB_COMPILER_HOSTRUN_H
#define MPQ_LIB_COMPILER_HOSTRUN_H

#include "mpq/Codegen/Codegen.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace mlir::mpq {

/// An x86-64 object of mpqc's, loaded into this process and runnable.
class HostRunner {
public:
  /// Loads `object` (the object of the model `interface` describes).
  static llvm::Expected<HostRunner> load(StringRef object,
                                         const ModelInterface &interface);
  /// Runs the model on one set of input codes (one vector per input, in
  /// the interface's shapes); returns the output codes.
  llvm::Expected<std::vector<std::vector<int64_t>>>
  run(ArrayRef<std::vector<int64_t>> inputCodes);

  HostRunner(HostRunner &&);
  ~HostRunner();

private:
  HostRunner();
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace mlir::mpq

#endif // MPQ_LIB_COMPILER_HOSTRUN_H
