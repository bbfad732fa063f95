//===- mpq-opt.cpp - The mpq pass driver ----------------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Runs mpq and upstream passes on .mlir files; the driver of mpq's lit tests.
//
//===----------------------------------------------------------------------===//

#include "mpq/InitAll.h"
#include "mpq/Support/ToolDefaults.h"
#include "mpq/Support/Version.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::mpq::registerVersionPrinter();
  mlir::mpq::printNoOpOnDiagnosticByDefault();
  mlir::DialectRegistry registry;
  mlir::mpq::registerAllDialects(registry);
  mlir::mpq::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "mpq optimizer driver: mixed low-precision CNNs for MCUs\n",
      registry));
}
