//===- FuzzerSupport.h - What mpq's libFuzzer targets share -----*- C++ -*-===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// A context that lives across inputs (and is renewed now and then: types and
// constants are uniqued in it and would accumulate), and a diagnostic
// handler that keeps the fuzzer's output quiet but remembers whether an
// error was reported: a failure without an error message is a bug too.
//
//===----------------------------------------------------------------------===//

#ifndef MPQ_TOOLS_MPQ_FUZZERS_FUZZERSUPPORT_H
#define MPQ_TOOLS_MPQ_FUZZERS_FUZZERSUPPORT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <functional>
#include <memory>

namespace mpq_fuzz {

/// One MLIRContext per `renewEvery` inputs, with every error counted.
class FuzzContext {
public:
  FuzzContext(std::function<void(mlir::DialectRegistry &)> registerDialects,
              unsigned renewEvery = 256)
      : registerDialects(std::move(registerDialects)), renewEvery(renewEvery) {}

  /// The context for the next input; errors counted from zero.
  mlir::MLIRContext &next() {
    if (!context || ++uses >= renewEvery) {
      handler.reset();
      context.reset();
      mlir::DialectRegistry registry;
      registerDialects(registry);
      context = std::make_unique<mlir::MLIRContext>(
          registry, mlir::MLIRContext::Threading::DISABLED);
      context->loadAllAvailableDialects();
      context->printOpOnDiagnostic(false);
      handler = std::make_unique<mlir::ScopedDiagnosticHandler>(
          context.get(), [this](mlir::Diagnostic &diag) {
            if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
              ++errors;
            return mlir::success();
          });
      uses = 0;
    }
    errors = 0;
    return *context;
  }

  unsigned errorCount() const { return errors; }

  /// A failure must say why: trap (a crash libFuzzer reports and saves) if
  /// it did not.
  void requireErrorOnFailure(bool failed, const char *what) {
    if (failed && errors == 0) {
      llvm::errs() << what << " failed without an error message\n";
      std::abort();
    }
  }

private:
  std::function<void(mlir::DialectRegistry &)> registerDialects;
  unsigned renewEvery, uses = 0, errors = 0;
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> handler;
};

} // namespace mpq_fuzz

#endif // MPQ_TOOLS_MPQ_FUZZERS_FUZZERSUPPORT_H
