//===- ArenaBuffersTest.cpp - Arena buffers of parsed mpq functions -------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// Buffers extracted from real IR (sizes as stored, views, fused steps), and
// the checker on those buffers: a plan the planner made passes, a plan or an
// annotation that puts two live buffers on the same bytes fails.
//
//===----------------------------------------------------------------------===//

#include "mpq/Analysis/ArenaBuffers.h"
#include "mpq/Dialect/MPQ/IR/MPQDialect.h"
#include "mpq/Dialect/MPQ/IR/MPQOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mpq;

namespace {

// A 2-bit 3-channel image row takes one byte, a 4-bit 3-channel row two:
// sizes count bytes as stored.
constexpr const char *kNet = R"mlir(
!u2 = !mpq.uniform<u2, 1.0:0>
!u4 = !mpq.uniform<u4, 1.0:0>
func.func @net(%in: tensor<1x4x4x3xf32>) -> tensor<1x12xf32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x3xf32> -> tensor<1x4x4x3x!u2>
  %w = mpq.qconstant dense<1> : tensor<3x1x1x3xi8> : tensor<3x1x1x3x!mpq.uniform<i8, 1.0:0>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x4x4x3x!u2>, tensor<3x1x1x3x!mpq.uniform<i8, 1.0:0>>) -> tensor<1x4x4x3xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x3xi32> -> tensor<1x4x4x3x!u4>
  %p = mpq.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x3x!u4> -> tensor<1x2x2x3x!u4>
  %v = mpq.reshape %p : tensor<1x2x2x3x!u4> -> tensor<1x4x3x!u4>
  %c = mpq.reshape %v : tensor<1x4x3x!u4> -> tensor<1x12x!u4>
  %f = mpq.dequantize %c : tensor<1x12x!u4> -> tensor<1x12xf32>
  return %f : tensor<1x12xf32>
}
)mlir";

class ArenaBuffersTest : public ::testing::Test {
protected:
  ArenaBuffersTest() {
    context.loadDialect<MPQDialect, func::FuncDialect>();
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          diagnostics.push_back(diag.str());
          return success();
        });
    module = parseSourceString<ModuleOp>(kNet, &context);
  }

  func::FuncOp func() { return *module->getOps<func::FuncOp>().begin(); }

  MLIRContext context;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  std::vector<std::string> diagnostics;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ArenaBuffersTest, ExtractsSizesStepsAndViews) {
  ASSERT_TRUE(module);
  FailureOr<ArenaGraph> graph = extractArenaGraph(func());
  ASSERT_TRUE(succeeded(graph)) << (diagnostics.empty() ? "" : diagnostics[0]);
  // Steps: conv + requantize (one), max pool, the copy reshape [1,4,3] ->
  // [1,12] (4-bit rows of 3 are padded). [1,2,2,3] -> [1,4,3] is a view.
  ASSERT_EQ(graph->steps.size(), 3u);
  EXPECT_TRUE(isa<QConv2DOp>(graph->steps[0].op));
  EXPECT_TRUE(isa<RequantizeOp>(graph->steps[0].epilogue));
  EXPECT_TRUE(isa<MaxPool2DOp>(graph->steps[1].op));
  EXPECT_TRUE(isa<ReshapeOp>(graph->steps[2].op));
  ASSERT_EQ(graph->graph.tensors.size(), 4u);
  EXPECT_EQ(graph->graph.tensors[0].size, 16); // 16 rows x 1 byte
  EXPECT_EQ(graph->graph.tensors[1].size, 32); // 16 rows x 2 bytes
  EXPECT_EQ(graph->graph.tensors[2].size, 8);  // 4 rows x 2 bytes
  EXPECT_EQ(graph->graph.tensors[3].size, 6);  // 1 row x 6 bytes
  EXPECT_EQ(graph->tensors[2].views.size(), 1u);
  EXPECT_EQ(graph->tensors[0].kind, ArenaTensorKind::Input);
  EXPECT_EQ(graph->tensors[3].kind, ArenaTensorKind::Output);
  // No kernel here has scratch (without dspKernels none has).
  for (const ArenaStep &step : graph->steps)
    EXPECT_EQ(step.scratchBytes, 0);
}

// A pointwise layer on 8-bit codes, four pixels of 16 channels to 8: the DSP
// kernel widens a pixel pair into 2 x 16 x 2 = 64 B of scratch, planned for
// DSP code only, and read back once planned.
constexpr const char *kPointwise = R"mlir(
!u8 = !mpq.uniform<u8, 1.0:0>
func.func @pw(%in: tensor<1x2x2x16xf32>) -> tensor<1x2x2x8xf32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x2x2x16xf32> -> tensor<1x2x2x16x!u8>
  %w = mpq.qconstant dense<1> : tensor<8x1x1x16xi8> : tensor<8x1x1x16x!mpq.uniform<i8, 1.0:0>>
  %acc = mpq.qconv2d %x, %w : (tensor<1x2x2x16x!u8>, tensor<8x1x1x16x!mpq.uniform<i8, 1.0:0>>) -> tensor<1x2x2x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x2x2x8xi32> -> tensor<1x2x2x8x!u8>
  %f = mpq.dequantize %y : tensor<1x2x2x8x!u8> -> tensor<1x2x2x8xf32>
  return %f : tensor<1x2x2x8xf32>
}
)mlir";

// A 3x3 stride-2 convolution of an 8-bit image with a zero point: the DSP
// kernel gathers two output pixels' windows (27 codes each, as 32 lanes of
// 16 bits, less the zero point): 128 B; the same image at 4 bits: none.
constexpr const char *kWindow = R"mlir(
func.func @conv(%in: tensor<1x8x8x3xf32>) -> tensor<1x4x4x8xf32> {
  %x = mpq.quantize %in {rounding = #mpq.rounding<half_to_even>} : tensor<1x8x8x3xf32> -> tensor<1x8x8x3x!mpq.uniform<i8, 1.0:-128>>
  %w = mpq.qconstant dense<1> : tensor<8x3x3x3xi8> : tensor<8x3x3x3x!mpq.uniform<i8, 1.0:0>>
  %acc = mpq.qconv2d %x, %w {pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x3x!mpq.uniform<i8, 1.0:-128>>, tensor<8x3x3x3x!mpq.uniform<i8, 1.0:0>>) -> tensor<1x4x4x8xi32>
  %y = mpq.requantize %acc {multiplier = array<i32: 1073741824>, exponent = array<i32: 0>, rounding = #mpq.rounding<floor>}
     : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!mpq.uniform<u8, 1.0:0>>
  %f = mpq.dequantize %y : tensor<1x4x4x8x!mpq.uniform<u8, 1.0:0>> -> tensor<1x4x4x8xf32>
  return %f : tensor<1x4x4x8xf32>
}
)mlir";

TEST_F(ArenaBuffersTest, DspWindowKernelGathersIntoScratch) {
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(kWindow, &context);
  ASSERT_TRUE(m);
  func::FuncOp f = *m->getOps<func::FuncOp>().begin();
  Operation *conv = *f.getOps<QConv2DOp>().begin();
  EXPECT_EQ(kernelScratchBytes(conv, /*dspKernels=*/false), 0);
  EXPECT_EQ(kernelScratchBytes(conv, /*dspKernels=*/true), 128);
}

TEST_F(ArenaBuffersTest, DspPointwiseKernelWidensIntoScratch) {
  OwningOpRef<ModuleOp> pw = parseSourceString<ModuleOp>(kPointwise, &context);
  ASSERT_TRUE(pw);
  func::FuncOp f = *pw->getOps<func::FuncOp>().begin();
  Operation *conv = *f.getOps<QConv2DOp>().begin();
  EXPECT_EQ(kernelScratchBytes(conv, /*dspKernels=*/false), 0);
  EXPECT_EQ(kernelScratchBytes(conv, /*dspKernels=*/true), 64);
  FailureOr<ArenaGraph> graph = extractArenaGraph(f, true, true);
  ASSERT_TRUE(succeeded(graph));
  ASSERT_EQ(graph->steps.size(), 1u);
  EXPECT_EQ(graph->steps[0].scratchBytes, 64);
  ArenaBufferSet set = collectArenaBuffers(*graph, {0}, false);
  ASSERT_EQ(set.buffers.size(), 3u);
  EXPECT_EQ(set.scratchBuffer[0], 2);
  EXPECT_EQ(set.buffers[2].size, 64);
  // Planned: the annotation is what every reader sees; a row group's member
  // has none of its own.
  setScratch(conv, 128, 64);
  EXPECT_EQ(kernelScratchBytes(conv, false), 64);
  setRowGroup(conv, 0);
  EXPECT_EQ(kernelScratchBytes(conv, true), 0);
  // The 2-bit network's pointwise layer: 3 input channels are not whole
  // steps of eight codes, and 3 outputs not four pairs.
  Operation *narrow = *func().getOps<QConv2DOp>().begin();
  EXPECT_EQ(kernelScratchBytes(narrow, true), 0);
}

TEST_F(ArenaBuffersTest, CheckerAcceptsThePlanAndRejectsAnOverlap) {
  ASSERT_TRUE(module);
  FailureOr<ArenaGraph> graph = extractArenaGraph(func());
  ASSERT_TRUE(succeeded(graph));
  ArenaBufferSet set = collectArenaBuffers(*graph, {0, 1, 2}, false);
  ASSERT_EQ(set.buffers.size(), 4u);
  // The pooled tensor is read through its view by step 2.
  EXPECT_EQ(set.buffers[2].firstUse, 1);
  EXPECT_EQ(set.buffers[2].lastUse, 2);
  Plan plan;
  ASSERT_EQ(planBuffers(set.buffers, PlanOptions(), plan), "");
  EXPECT_EQ(checkPlan(set.buffers, plan), "");
  EXPECT_EQ(plan.arenaSize, plan.lowerBound);

  annotateArenaPlan(*graph, set, plan);
  EXPECT_EQ(verifyArenaAnnotations(func()), "");
  // The view repeats its tensor's offset.
  Value view = graph->tensors[2].views[0];
  std::optional<int64_t> offset =
      getArenaOffset(graph->tensors[2].value.getDefiningOp());
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(getArenaOffset(view.getDefiningOp()), offset);

  // Put the pooled tensor onto the conv output it is computed from.
  Plan bad = plan;
  bad.offsets[2] = bad.offsets[1];
  EXPECT_NE(checkPlan(set.buffers, bad).find("live together and overlap"),
            std::string::npos);
  Operation *pool = graph->steps[1].op;
  setArenaOffset(pool, *getArenaOffset(graph->steps[0].epilogue));
  EXPECT_NE(verifyArenaAnnotations(func()).find("view"), std::string::npos);
  setArenaOffset(view.getDefiningOp(), *getArenaOffset(pool));
  EXPECT_NE(verifyArenaAnnotations(func()).find("live together and overlap"),
            std::string::npos);
}

} // namespace
