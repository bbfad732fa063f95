//===- Codegen.cpp - From loops to object code ----------------------------===//
//
// Part of the mpq project.
//
//===----------------------------------------------------------------------===//

#include "mpq/Codegen/Codegen.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::mpq;

StringRef mlir::mpq::codegenTargetName(CodegenTarget target) {
  return target == CodegenTarget::X86_64 ? "x86_64" : "cortex-m7";
}

unsigned mlir::mpq::codegenIndexBitwidth(CodegenTarget target) {
  return target == CodegenTarget::X86_64 ? 64 : 32;
}

namespace {
struct TargetDescription {
  const char *triple, *cpu, *features;
  llvm::Reloc::Model relocation;
};

TargetDescription describe(CodegenTarget target) {
  if (target == CodegenTarget::X86_64)
    // PIC, so the object links into the host's position-independent
    // executables.
    return {"x86_64-unknown-linux-gnu", "x86-64", "", llvm::Reloc::PIC_};
  // STM32H7: ARMv7E-M with the DSP extension; the double-precision FPU
  // (fpv5-d16) comes with the CPU, the hard-float ABI with the triple.
  return {"thumbv7em-none-eabihf", "cortex-m7", "", llvm::Reloc::Static};
}

void initializeTargets() {
  static bool done = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeARMTargetInfo();
    LLVMInitializeARMTarget();
    LLVMInitializeARMTargetMC();
    LLVMInitializeARMAsmPrinter();
    return true;
  }();
  (void)done;
}
} // namespace

LogicalResult mlir::mpq::emitObject(ModuleOp module, CodegenTarget target,
                                    StringRef modelName,
                                    llvm::raw_pwrite_stream &os,
                                    std::string *llvmIR, CodegenGoal goal) {
  initializeTargets();
  registerBuiltinDialectTranslation(*module->getContext());
  registerLLVMDialectTranslation(*module->getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, modelName);
  if (!llvmModule)
    return module.emitError() << "translation to LLVM IR failed";

  TargetDescription desc = describe(target);
  llvm::Triple triple(desc.triple);
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return module.emitError()
           << "no LLVM target for " << desc.triple << ": " << error;
  llvm::TargetOptions options;
  // Each function's frame size in a `.stack_sizes` section (not loaded):
  // mpqc reports the stack the model needs from it.
  options.EmitStackSizeSection = true;
  // The object must declare the hard-float ABI of the firmware it links
  // into (eabihf, fpv5-d16), although the integer path uses no FP register.
  if (target == CodegenTarget::CortexM7)
    options.FloatABIType = llvm::FloatABI::Hard;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, desc.cpu, desc.features, options, desc.relocation, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return module.emitError()
           << "cannot create a target machine for " << desc.triple;
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  // Weights and parameters in a named section a linker script can place.
  std::string section = (".rodata.mpq." + modelName).str();
  for (llvm::GlobalVariable &global : llvmModule->globals())
    if (global.isConstant())
      global.setSection(section);

  // LLVM's standard O2 (or Os) pipeline for the target.
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder passBuilder(machine.get());
  passBuilder.registerModuleAnalyses(mam);
  passBuilder.registerCGSCCAnalyses(cgam);
  passBuilder.registerFunctionAnalyses(fam);
  passBuilder.registerLoopAnalyses(lam);
  passBuilder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = passBuilder.buildPerModuleDefaultPipeline(
      goal == CodegenGoal::Size ? llvm::OptimizationLevel::Os
                                : llvm::OptimizationLevel::O2);
  mpm.run(*llvmModule, mam);

  if (llvmIR) {
    llvm::raw_string_ostream irStream(*llvmIR);
    llvmModule->print(irStream, nullptr);
  }
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return module.emitError()
           << "the " << desc.triple << " target cannot emit an object file";
  codegen.run(*llvmModule);
  return success();
}
