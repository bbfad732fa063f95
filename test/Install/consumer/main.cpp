//===- main.cpp - A program built against an installed mpq ----------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Uses mpq the way another MLIR compiler would, through the installed CMake
// package alone: registers mpq's dialects and passes in its own context,
// parses the four-layer chain of test/Transforms/assign-precision.mlir, runs
// --mpq-assign-precision under 1900 B of flash and 1000 B of RAM, and checks
// the fake-quants it inserted against the widths worked out by hand there
// (its ACT and WGT cases at once). Exits 1 on any difference.
//
//===----------------------------------------------------------------------===//

#include "mpq/Dialect/MPQ/IR/MPQOps.h"
#include "mpq/InitAll.h"
#include "mpq/Support/Version.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

static const char *const chain = R"mlir(
func.func @chain(%img: tensor<1x8x8x4xf32>) -> tensor<1x10xf32> {
  %w0 = arith.constant dense<0.1> : tensor<8x3x3x4xf32>
  %c0 = mpq.conv2d %img, %w0 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<8x3x3x4xf32>) -> tensor<1x8x8x8xf32> loc("conv0")
  %r0 = mpq.relu %c0 : tensor<1x8x8x8xf32>
  %w1 = arith.constant dense<0.1> : tensor<16x1x1x8xf32>
  %c1 = mpq.conv2d %r0, %w1 : (tensor<1x8x8x8xf32>, tensor<16x1x1x8xf32>) -> tensor<1x8x8x16xf32> loc("conv1")
  %r1 = mpq.relu %c1 : tensor<1x8x8x16xf32>
  %w2 = arith.constant dense<0.1> : tensor<16x3x3x1xf32>
  %c2 = mpq.conv2d %r1, %w2 {groups = 16, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>} : (tensor<1x8x8x16xf32>, tensor<16x3x3x1xf32>) -> tensor<1x4x4x16xf32> loc("dw2")
  %r2 = mpq.clip %c2 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x4x16xf32>
  %w3 = arith.constant dense<0.1> : tensor<32x1x1x16xf32>
  %c3 = mpq.conv2d %r2, %w3 : (tensor<1x4x4x16xf32>, tensor<32x1x1x16xf32>) -> tensor<1x4x4x32xf32> loc("pw3")
  %r3 = mpq.relu %c3 : tensor<1x4x4x32xf32>
  %p = mpq.global_avg_pool %r3 : tensor<1x4x4x32xf32> -> tensor<1x1x1x32xf32> loc("pool")
  %f = mpq.reshape %p : tensor<1x1x1x32xf32> -> tensor<1x32xf32> loc("flatten")
  %w4 = arith.constant dense<0.1> : tensor<10x32xf32>
  %b4 = arith.constant dense<0.0> : tensor<10xf32>
  %y = mpq.fully_connected %f, %w4, %b4 : (tensor<1x32xf32>, tensor<10x32xf32>, tensor<10xf32>) -> tensor<1x10xf32> loc("fc")
  return %y : tensor<1x10xf32>
}
)mlir";

// In program order: the image (i8), then per layer its weights and its
// output. RAM 1000 cuts conv1's output and then conv0's to 4 bits (768 B at
// conv1); flash 1900 cuts pw3's weights and then conv0's to 4 bits (1818 B).
// dw2's clip and the fc logits stay at 8, the logits signed.
static const std::vector<std::string> expected = {
    "i8",       // image
    "i4", "u4", // conv0
    "i8", "u4", // conv1
    "i8", "u8", // dw2
    "i4", "u8", // pw3
    "i8", "i8", // fc
};

int main() {
  llvm::outs() << "built against " << mlir::mpq::getFullVersion() << "\n";

  mlir::DialectRegistry registry;
  mlir::mpq::registerAllDialects(registry);
  mlir::mpq::registerAllPasses();
  mlir::MLIRContext context(registry);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(chain, &context);
  if (!module)
    return 1;

  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::parsePassPipeline(
          "mpq-assign-precision{flash=1900 ram=1000}", pm, llvm::errs())) ||
      mlir::failed(pm.run(*module))) {
    llvm::errs() << "error: the pipeline failed\n";
    return 1;
  }

  std::vector<std::string> widths;
  module->walk([&](mlir::mpq::FakeQuantOp op) {
    auto bits = llvm::dyn_cast<mlir::mpq::BitsType>(op.getQuant());
    widths.push_back(bits ? (bits.getIsSigned() ? "i" : "u") +
                                std::to_string(bits.getWidth())
                          : "?");
  });

  std::string got, want;
  for (const std::string &w : widths)
    got += " " + w;
  for (const std::string &w : expected)
    want += " " + w;
  llvm::outs() << widths.size() << " fake-quants:" << got << "\n";
  if (widths != expected) {
    llvm::errs() << "error: expected " << expected.size()
                 << " fake-quants:" << want << "\n";
    return 1;
  }
  llvm::outs() << "as expected\n";
  return 0;
}
