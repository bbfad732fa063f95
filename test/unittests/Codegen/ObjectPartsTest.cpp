//===- ObjectPartsTest.cpp - emitObjectParts against emitObject -----------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//
//
// mpqc's size probe compiles its model in parts on two threads and adds up
// the parts' sizes; the compile it stands for emits one object. The sums must
// be those of the one object: the same read-only data, the same code within
// a few bytes (a call across parts calls a declaration; today 0-4 B).
//
//===----------------------------------------------------------------------===//

#include "mpq/Codegen/Codegen.h"
#include "mpq/Compiler/Compiler.h"
#include "mpq/Transforms/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mpq;

namespace {

/// Three layers of different shapes and widths, so the parts differ.
constexpr const char *kModel = R"mlir(
func.func @net(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x4xf32> {
  %q = mpq.quantize %x {rounding = #mpq.rounding<half_to_even>} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>
  %w0 = mpq.qconstant dense<3> : tensor<16x1x1x8xi8> : tensor<16x1x1x8x!mpq.uniform<i8, 0.5:0>>
  %a0 = mpq.qconv2d %q, %w0 : (tensor<1x4x4x8x!mpq.uniform<u8, 0.5:0>>, tensor<16x1x1x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x4x4x16xi32>
  %y0 = mpq.requantize %a0 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x16xi32> -> tensor<1x4x4x16x!mpq.uniform<u8, 0.5:0>>
  %w1 = mpq.qconstant dense<-2> : tensor<8x1x1x16xi8> : tensor<8x1x1x16x!mpq.uniform<i4, 0.5:0>>
  %a1 = mpq.qconv2d %y0, %w1 : (tensor<1x4x4x16x!mpq.uniform<u8, 0.5:0>>, tensor<8x1x1x16x!mpq.uniform<i4, 0.5:0>>) -> tensor<1x4x4x8xi32>
  %y1 = mpq.requantize %a1 {multiplier = array<i32: 1073741824>, exponent = array<i32: -2>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8x!mpq.uniform<u4, 0.5:0>>
  %w2 = mpq.qconstant dense<1> : tensor<4x1x1x8xi8> : tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>
  %a2 = mpq.qconv2d %y1, %w2 : (tensor<1x4x4x8x!mpq.uniform<u4, 0.5:0>>, tensor<4x1x1x8x!mpq.uniform<i8, 0.5:0>>) -> tensor<1x4x4x4xi32>
  %y2 = mpq.requantize %a2 {multiplier = array<i32: 1073741824>, exponent = array<i32: -3>, rounding = #mpq.rounding<floor>} : tensor<1x4x4x4xi32> -> tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>>
  %d = mpq.dequantize %y2 : tensor<1x4x4x4x!mpq.uniform<u8, 0.5:0>> -> tensor<1x4x4x4xf32>
  return %d : tensor<1x4x4x4xf32>
}
)mlir";

int64_t sectionBytes(StringRef object, StringRef prefix) {
  auto buffer = llvm::MemoryBuffer::getMemBuffer(object, "", false);
  auto file = llvm::object::ObjectFile::createObjectFile(*buffer);
  if (!file) {
    llvm::consumeError(file.takeError());
    return -1;
  }
  int64_t total = 0;
  for (const llvm::object::SectionRef &section : (*file)->sections()) {
    auto name = section.getName();
    if (name && name->starts_with(prefix))
      total += section.getSize();
    else if (!name)
      llvm::consumeError(name.takeError());
  }
  return total;
}

class ObjectPartsTest : public ::testing::TestWithParam<CodegenTarget> {};

TEST_P(ObjectPartsTest, PartsAddUpToTheObject) {
  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModel, &context);
  ASSERT_TRUE(module);
  PassManager pm(&context);
  LLVMPipelineOptions options;
  options.modelName = "net";
  options.armDsp = getTargetInfo(GetParam()).hasDSP;
  options.indexBitwidth = codegenIndexBitwidth(GetParam());
  buildMPQToLLVMPipeline(pm, options);
  ASSERT_TRUE(succeeded(pm.run(*module)));

  std::string object;
  {
    llvm::raw_string_ostream stream(object);
    llvm::buffer_ostream buffered(stream);
    ASSERT_TRUE(succeeded(emitObject(*module, GetParam(), "net", buffered)));
  }
  FailureOr<std::vector<std::string>> parts =
      emitObjectParts(*module, GetParam(), "net", 2);
  ASSERT_TRUE(succeeded(parts));
  ASSERT_EQ(parts->size(), 2u);
  int64_t text = 0, rodata = 0;
  for (const std::string &part : *parts) {
    int64_t partText = sectionBytes(part, ".text");
    ASSERT_GT(partText, 0) << "each part has code";
    text += partText;
    rodata += sectionBytes(part, ".rodata");
  }
  EXPECT_EQ(rodata, sectionBytes(object, ".rodata"));
  int64_t whole = sectionBytes(object, ".text");
  ASSERT_GT(whole, 0);
  EXPECT_LE(std::abs(text - whole), 16)
      << "parts " << text << " B, object " << whole << " B";
}

INSTANTIATE_TEST_SUITE_P(Targets, ObjectPartsTest,
                         ::testing::Values(CodegenTarget::CortexM7,
                                           CodegenTarget::CortexM0Plus,
                                           CodegenTarget::X86_64));

} // namespace
